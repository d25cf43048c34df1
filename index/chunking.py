"""Cutting articles into chunks small enough for the embedding model to read whole.

llama-index's `SentenceSplitter` cuts at sentence ends within `chunk_tokens`; each chunk keeps
its character span in the article body, which is how passages find their tagged sentences.
200 tokens plus the title stay under MiniLM's 256 word pieces, so nothing stored goes unread.

What goes with every chunk (the title when embedded; title and outlet as the splitter's metadata)
is capped at a few dozen tokens: the splitter takes the metadata's length off every chunk's room,
so a 500-character title once cut a 21 KB article into 2,998 chunks, and a CJK one made the
splitter refuse the article ("Metadata length (1508) is longer than chunk size (200)").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.articles import Article

# Tokens (as the splitter counts them) of the title, and of the outlet, that go with each chunk.
TITLE_TOKENS = 32
OUTLET_TOKENS = 16


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

    The layout is llama-index's default metadata template, which the index was built with; the
    title is capped (`TITLE_TOKENS`) so that it cannot push the text out of what the model reads.
    """
    return f"title: {capped(title, TITLE_TOKENS)}\n\n{text}"


def capped(text: str, tokens: int) -> str:
    """`text` whole when it is at most `tokens` tokens long, else its longest start that is, with "…"."""
    from llama_index.core.utils import get_tokenizer

    count = get_tokenizer()
    if len(count(text)) <= tokens:
        return text
    low, high = 0, len(text)  # the longest start (in characters) that fits, found by halving
    while low < high:
        middle = (low + high + 1) // 2
        if len(count(text[:middle].rstrip() + "…")) <= tokens:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


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
            metadata={
                "title": capped(article.meta.title, TITLE_TOKENS),
                "outlet": capped(article.meta.outlet, OUTLET_TOKENS),
            },
            excluded_embed_metadata_keys=["outlet"],
        )
        for number, node in enumerate(splitter.get_nodes_from_documents([document])):
            start = int(node.start_char_idx or 0)
            end = int(node.end_char_idx or start + len(node.get_content()))
            chunks.append(Chunk(article, number, start, end, node.get_content()))
    return chunks
