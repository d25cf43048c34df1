"""Checks in code on what a language model wrote: only supported, cited sentences survive.

A kept sentence's status is the weakest of the sentences it cites, and a sentence that states a
reported, speculative or disputed claim as plain fact (no hedge, no one named) is removed: a
model's wording cannot upgrade what the articles say.
"""

from __future__ import annotations

import re

import numpy as np

from bot.answering.drafts import Draft
from bot.answering.evidence import Evidence, SentenceVectors, content_terms, numbers
from bot.answering.models import UNCONFIRMED
from bot.answering.wording import says_who

# Generated sentence vs the sources it cites.
MIN_SUPPORT_SIMILARITY = 0.5
# An uncited generated sentence is kept only if one source says nearly the same.
MIN_UNCITED_SIMILARITY = 0.7

_CITATION = re.compile(r"\[(\d{1,3})\]")
# Quotations pair up left to right: in 'a "student" AI and a "teacher"' the text between the
# two quotations is not one. Only quotations long enough to be a claim are checked.
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
MIN_QUOTE_CHARS = 12
# "According to [1], ..." uses the marker as the source's name.
_CITED_AS_NAME = re.compile(r"\b(according to|as reported by|reported by|says|said)\s+\[(\d{1,3})\]", re.IGNORECASE)
# A sentence about the question rather than the news ("The question is about ...") says nothing.
_ABOUT_THE_QUESTION = re.compile(r"^(the|this|your) question\b", re.IGNORECASE)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_TRAILING_CITATIONS = re.compile(r"([.!?])\s*((?:\[\d{1,3}\]\s*)+)")
_DONT_SAY = re.compile(r"\b(articles|sources) (don't|do not|don’t) (say|answer|mention)\b", re.IGNORECASE)


def says_nothing(text: str) -> bool:
    """The model's own abstention ("The articles don't say.")."""
    return bool(_DONT_SAY.search(text))


def split_sentences(text: str) -> list[str]:
    """Sentences with their citations: "Text. [1] More." keeps [1] with "Text"."""
    text = _TRAILING_CITATIONS.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", text.strip())
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def check_generated(
    question: str, generated: str, given: list[Evidence], vectors: SentenceVectors
) -> tuple[list[Draft], int]:
    """Keep only generated sentences whose citations exist and support them; count the rest."""
    drafts: list[Draft] = []
    removed = 0
    question_words = {word.lower() for word in re.findall(r"\w+", question)}
    for sentence in split_sentences(generated):
        cited = [int(n) for n in _CITATION.findall(sentence)]
        if any(n < 1 or n > len(given) for n in cited):
            removed += 1
            continue
        plain = without_markers(sentence, given)
        if not plain or not any(ch.isalnum() for ch in plain) or says_nothing(plain):
            continue
        if _ABOUT_THE_QUESTION.match(plain):
            removed += 1
            continue
        if not cited:
            # Small models often forget markers. A sentence that one given source plainly
            # supports gets that source; any other uncited sentence is removed.
            best = _plainly_supporting(plain, given, question_words, vectors)
            if best is None:
                removed += 1
                continue
            cited = [best]
        support = tuple(dict.fromkeys(given[n - 1] for n in cited))
        if not _supported(plain, support, question_words, vectors):
            removed += 1
            continue
        weakest = max(support, key=lambda item: item.sentence.status.doubt)
        status, who = weakest.sentence.status, weakest.sentence.attributed_to
        if status in UNCONFIRMED and not says_who(plain, who):
            # "The port was sold [2]" from "The port was reportedly sold": a reported claim stated as fact.
            removed += 1
            continue
        drafts.append(Draft(plain, support, status, who))
    return drafts, removed


def without_markers(sentence: str, given: list[Evidence]) -> str:
    """The sentence as a reader sees it: a marker used as a name becomes the source's name."""

    def name(match: re.Match[str]) -> str:
        item = given[int(match.group(2)) - 1]
        return f"{match.group(1)} {item.sentence.attributed_to or item.article.outlet}"

    text = _CITATION.sub("", _CITED_AS_NAME.sub(name, sentence))
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split())).strip()


def quotations(text: str) -> list[str]:
    found = (first or second for first, second in _QUOTE.findall(text))
    return [quote.strip() for quote in found if len(quote.strip()) >= MIN_QUOTE_CHARS]


def _similarities(vectors: SentenceVectors, text: str, support: tuple[Evidence, ...] | list[Evidence]) -> np.ndarray:
    query = vectors.texts([text])[0]
    known = vectors.of([(item.article, item.sentence) for item in support])
    scores: np.ndarray = np.stack(known) @ query
    return scores


def _plainly_supporting(
    plain: str, given: list[Evidence], question_words: set[str], vectors: SentenceVectors
) -> int | None:
    scores = _similarities(vectors, plain, given)
    best = int(scores.argmax())
    if scores[best] < MIN_UNCITED_SIMILARITY or not _supported(plain, (given[best],), question_words, vectors):
        return None
    return best + 1


def _supported(plain: str, support: tuple[Evidence, ...], question_words: set[str], vectors: SentenceVectors) -> bool:
    source_text = " ".join(item.sentence.text for item in support)
    best = float(_similarities(vectors, plain, support).max())
    if best < MIN_SUPPORT_SIMILARITY and len(content_terms(plain) & content_terms(source_text)) < 3:
        return False
    # A name may come from the sentences, who claims them, their outlets or the question.
    named = " ".join([source_text, *(f"{item.sentence.attributed_to} {item.article.outlet}" for item in support)])
    lowered = named.lower()
    for name in _names_and_numbers(plain):
        if name.lower() not in lowered and name.lower() not in question_words:
            return False
    return all(any(quote in item.article.body for item in support) for quote in quotations(plain))


def _names_and_numbers(text: str) -> set[str]:
    words = re.findall(r"\b[\w'’-]+\b", text)
    found = set(numbers(text))
    for position, word in enumerate(words):
        if position > 0 and word[:1].isupper() and word.lower() not in ("i",):
            found.add(word.strip("'’"))
    return found
