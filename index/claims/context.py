"""Who claims a sentence, decided with what lies around it: the lead-in of a list or quotation,
the heading above it, the title, and the sentences before and after it.

Why: an attribution often sits outside the sentence it covers. "According to a leaked draft, the
plan includes:" covers the list under it; "A leaked memo reads:" the quotation under it; "Or so
the union says." the sentence before it; "Officials told the Gazette about the plan." the one
after it; a title "Bridge to close, sources say" the body sentence that restates it. Reading each
sentence alone left all of these `confirmed`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from index.claims.status import SentenceAnalysis
from index.structure import Block


@dataclass(frozen=True)
class SentenceReading:
    """A sentence as read inside its block: body offsets, and its analysis (offsets into the body)."""

    block: int
    start: int
    end: int
    analysis: SentenceAnalysis
    instruction_like: bool = False


@dataclass(frozen=True)
class ArticleReading:
    """Everything read of one article: its blocks, its sentences, its headings' and title's analyses."""

    blocks: Sequence[Block]
    sentences: Sequence[SentenceReading]
    headings: Mapping[int, Sequence[SentenceAnalysis]]
    title: SentenceAnalysis


@dataclass(frozen=True)
class DecidedSentence:
    start: int
    end: int
    analysis: SentenceAnalysis
    instruction_like: bool = False


def decide_in_context(article: ArticleReading) -> list[DecidedSentence]:
    """Every sentence's final analysis."""
    return [
        DecidedSentence(sentence.start, sentence.end, sentence.analysis, sentence.instruction_like)
        for sentence in article.sentences
    ]
