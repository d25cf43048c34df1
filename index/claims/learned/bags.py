"""Bags of features of a short text (a sentence, a headline) for the logistic regressions.

Why bags: the hedge and headline classifiers judge a whole text, and a word's presence (with
its lexicon class and its role in the parse) carries most of what they need; order matters little.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from index.claims.learned.features import lex_class

if TYPE_CHECKING:
    from spacy.tokens import Token

    from index.claims.status import SentenceAnalysis

_WORD = re.compile(r"[a-z][a-z'’-]*|\d+|[?!:\"“”]")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_bag(text: str, prefix: str = "w") -> list[str]:
    """Words and word pairs."""
    found = words(text)
    return [f"{prefix}={w}" for w in found] + [f"{prefix}2={a}_{b}" for a, b in itertools.pairwise(found)]


def parse_bag(tokens: Iterable[Token], prefix: str = "") -> list[str]:
    """Lexicon classes with their part of speech and dependency, modals, negations, lemma|pos."""
    found: list[str] = []
    for token in tokens:
        lemma = token.lemma_.lower()
        cls = lex_class(lemma, token.lower_)
        if cls:
            found += [f"{prefix}lx={cls}", f"{prefix}lx|p={cls}|{token.pos_}", f"{prefix}lx|d={cls}|{token.dep_}"]
            if token.dep_ == "ROOT":
                found.append(f"{prefix}rootlx={cls}")
        if token.tag_ == "MD":
            found.append(f"{prefix}md={lemma}")
        if token.dep_ == "neg":
            found += [f"{prefix}neg|h={token.head.lemma_.lower()}", f"{prefix}neg"]
        found.append(f"{prefix}l|p={lemma}|{token.pos_}")
    return found


def analysis_bag(analysis: SentenceAnalysis, prefix: str = "") -> list[str]:
    """A tagger's reading: its status, and the kind (and words) of each cue."""
    found = [f"{prefix}rs={analysis.status.value}"]
    for cue in analysis.cues:
        found += [f"{prefix}rk={cue.kind}", f"{prefix}rk|w={cue.kind}|{cue.text.lower()}"]
        if cue.kind in ("attribution", "stance"):
            found.append(f"{prefix}rk|rec={cue.kind}|{int(cue.on_record)}")
    return found
