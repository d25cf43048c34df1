"""Cutting articles into chunks small enough for the embedding model to read whole.

llama-index's `SentenceSplitter` cuts at sentence ends within `chunk_tokens`; each chunk keeps
its character span in the article body, which is how passages find their tagged sentences.
200 tokens plus the title stay under MiniLM's 256 word pieces, so nothing stored goes unread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.articles import Article


@dataclass(frozen=True)
class Chunk:
    article: Article
    number: int
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        """Stable for one version of an article: a new version's chunks never overwrite the old ones."""
        return f"{self.article.id}@{self.article.content_hash[:16]}#{self.number}"

    @property
    def embed_text(self) -> str:
        return embedding_input(self.article.meta.title, self.text)


def embedding_input(title: str, text: str) -> str:
    """What is embedded for a chunk: the title (context the chunk leaves implicit) and the text.

    The layout is llama-index's default metadata template, which the index was built with.
    """
    return f"title: {title}\n\n{text}"


@lru_cache(maxsize=4)
def _splitter(chunk_tokens: int, chunk_overlap: int):  # type: ignore[no-untyped-def]
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_tokens, chunk_overlap=chunk_overlap)


def split_articles(articles: Sequence[Article], *, chunk_tokens: int, chunk_overlap: int) -> list[Chunk]:
    """Every article's chunks, in order, with character offsets into its body."""
    from llama_index.core import Document

    splitter = _splitter(chunk_tokens, chunk_overlap)
    chunks: list[Chunk] = []
    for article in articles:
        # The splitter leaves room in each chunk for the metadata a chunk is read with: the title
        # when embedded, the title and outlet when shown to a language model.
        document = Document(
            text=article.body,
            doc_id=article.id,
            metadata={"title": article.meta.title, "outlet": article.meta.outlet},
            excluded_embed_metadata_keys=["outlet"],
        )
        for number, node in enumerate(splitter.get_nodes_from_documents([document])):
            start = int(node.start_char_idx or 0)
            end = int(node.end_char_idx or start + len(node.get_content()))
            chunks.append(Chunk(article, number, start, end, node.get_content()))
    return chunks
