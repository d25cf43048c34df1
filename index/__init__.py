"""Getting articles into the stores and reading them back.

articles (corpus folder) -> text normal form -> claim statuses -> chunks -> embeddings ->
Chroma (vectors, catalog) and tantivy (keywords), written by one `Indexer`; `search` reads them
back as passages with their articles. Import from the submodules: this package loads nothing,
so that light commands (`factdesk --help`) stay light.
"""
