"""Failures of the index side whose message is complete for the user.

Kept in a module of their own, free of heavy imports, so that the table of user messages in
`bot.errors` can name them without loading Chroma or a model.
"""


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or used; the message says which and why."""


class IndexEmpty(RuntimeError):
    """There is no index yet: `factdesk index` has not run against this store."""


class IndexerBusy(RuntimeError):
    """Another indexer holds the data folder's writer lock; the message names it."""


class EmbedModelError(RuntimeError):
    """The configured embedding model cannot be found or loaded."""


class PartitionError(RuntimeError):
    """A partitioned worker was asked for something only a sole writer may do."""
