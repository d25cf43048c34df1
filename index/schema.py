"""Every metadata key factdesk writes to Chroma (and the keyword index), defined once.

Build writes these, the store queries them and search reads them: a key spelled in one place
cannot drift apart between the three. Chunks carry only what filters and citations need; the
article's text and tagged sentences live once, in its catalog record.
"""

from __future__ import annotations

from typing import Final, NotRequired, TypedDict

# --- chunk metadata (one Chroma record per chunk) -------------------------------------

ARTICLE_ID: Final = "article_id"
CONTENT_HASH: Final = "content_hash"
START_CHAR: Final = "start_char"
END_CHAR: Final = "end_char"
OUTLET: Final = "outlet"
# Publication date as a day number (date.toordinal()): Chroma range filters need numbers.
PUBLISHED_DAY: Final = "published_ord"


class ChunkMetadata(TypedDict):
    article_id: str
    content_hash: str
    start_char: int
    end_char: int
    outlet: str
    published_ord: NotRequired[int]


# --- catalog metadata (one Chroma record per article) ---------------------------------

TITLE: Final = "title"
PATH: Final = "path"
CHUNKS: Final = "chunks"
PUBLISHED: Final = "published"
URL: Final = "url"
REPORTS_ON: Final = "reports_on"
# The canonical article of the wire story this one reprints (another outlet's copy of the same text).
REPRINT_OF: Final = "reprint_of"
# The other outlets that carry the same text, as a JSON list.
ALSO_IN: Final = "also_in"


class CatalogMetadata(TypedDict):
    title: str
    outlet: str
    content_hash: str
    path: str
    chunks: int
    published: NotRequired[str]
    url: NotRequired[str]
    reports_on: NotRequired[str]
    reprint_of: NotRequired[str]
    also_in: NotRequired[str]


# --- the pointer (metadata of one collection) ------------------------------------------

ACTIVE: Final = "active"
EMBED_MODEL: Final = "embed_model"
UPDATED_AT: Final = "updated_at"
DIRTY: Final = "dirty"
VERSION: Final = "version"
FORMAT: Final = "format"
# What the stores hold and how. An index of another format is rebuilt by the next update.
# 2: lean chunk metadata (no llama-index node copy), sentences stored without their text,
#    cue kinds, a tantivy keyword index per generation.
# 3: sentences carry their predicate and negation, and who has not confirmed them (a list).
# 4: statuses from the learned tagger (index.claims.learned): every article is tagged again.
# 5: articles read as Markdown blocks, statuses decided in context with the own-voice model
#    ("confirmed means confirmed"): every article is tagged again.
# 6: the attribution BiLSTM and the context frames of briefings, documents that go on speaking and
#    titles over their lead sentence: every article is tagged again.
# 7: models retrained (averaged BiLSTM, hedge model without a named speaker's "said ... that"), and
#    frames of talk going round, credits after the claim, concessive speakers and decisions taken:
#    every article is tagged again.
FORMAT_VERSION: Final = 7
