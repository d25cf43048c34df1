"""Turning evidence into an `Answer`: the extractive composer and the checks on generated text.

Both paths end in the same place: claims that cite numbered article sentences, each with the
weakest status among its supports, and an answer text that names unconfirmed claims plainly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from bot.evidence import Evidence, content_terms, embed_texts, numbers, pairwise, similarities
from bot.models import Answer, Claim, Source
from index import ClaimStatus

NO_ANSWER = "The articles don't say."

# Relevance floor for a sentence to count as answering anything: cosine similarity to the
# question (MiniLM), or a lower similarity with half the question's content words. Set by hand
# on the project's own test articles; not tuned on any evaluation set.
MIN_SIMILARITY = 0.35
MIN_SIMILARITY_WITH_OVERLAP = 0.25
MIN_OVERLAP = 0.5
MAX_EXTRACTIVE_CLAIMS = 3
# Generated sentence vs the sources it cites.
MIN_SUPPORT_SIMILARITY = 0.5
# An uncited generated sentence is kept only if one source says nearly the same.
MIN_UNCITED_SIMILARITY = 0.7

_CITATION = re.compile(r"\[(\d{1,3})\]")
_QUOTE = re.compile(r"[\"“]([^\"“”]{12,})[\"”]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
_HEDGED_WORDING = re.compile(
    r"\b(reported(ly)?|according to|alleged(ly)?|claim(s|ed)?|may|might|could|said|says|"
    r"unconfirmed|not confirmed|denie[sd]|disputed?|possibly|suggest(s|ed)?)\b",
    re.IGNORECASE,
)


_DONT_SAY = re.compile(r"\b(articles|sources) (don't|do not|don’t) (say|answer|mention)\b", re.IGNORECASE)


def says_nothing(text: str) -> bool:
    """The model's own abstention ("The articles don't say.")."""
    return bool(_DONT_SAY.search(text))


def is_relevant(item: Evidence) -> bool:
    return item.similarity >= MIN_SIMILARITY or (
        item.similarity >= MIN_SIMILARITY_WITH_OVERLAP and item.overlap >= MIN_OVERLAP
    )


def abstain(question: str, mode: str, *, removed: int = 0, notes: list[str] | None = None) -> Answer:
    return Answer(
        question=question,
        answer=NO_ANSWER,
        abstained=True,
        mode=mode,
        claims=[],
        sources=[],
        removed_sentences=removed,
        notes=notes or [],
    )


@dataclass(frozen=True)
class Draft:
    """A claim before numbering: its text and the evidence it rests on."""

    text: str
    support: tuple[Evidence, ...]
    status: ClaimStatus
    attributed_to: str | None


def extractive_answer(
    question: str,
    evidence: list[Evidence],
    embed_model: BaseEmbedding,
    *,
    mode: str = "extractive",
    removed: int = 0,
    notes: list[str] | None = None,
) -> Answer:
    """Select the best few sentences, drop near-duplicates, mark conflicts, cite each."""
    relevant = [item for item in evidence if is_relevant(item)]
    if not relevant:
        return abstain(question, mode, removed=removed, notes=notes)
    best = relevant[0].score
    chosen: list[Evidence] = []
    texts: list[str] = []
    candidates = [item for item in relevant if item.score >= best - 0.3]
    matrix = pairwise(np.stack([_vector(item, embed_model) for item in candidates]))
    for position, item in enumerate(candidates):
        if any(matrix[position, candidates.index(other)] > 0.85 for other in chosen):
            continue
        chosen.append(item)
        texts.append(item.sentence.text)
        if len(chosen) == MAX_EXTRACTIVE_CLAIMS:
            break
    drafts = [Draft(item.sentence.text, (item,), item.sentence.status, item.sentence.attributed_to) for item in chosen]
    drafts = mark_conflicts(link_denials(drafts), embed_model)
    return finish(question, mode, drafts, removed=removed, notes=notes)


_DENIAL_CUE = re.compile(r"^(deni|deny|disput|refut|reject|contradict|debunk|rebut|dismiss)", re.IGNORECASE)


def link_denials(drafts: list[Draft]) -> list[Draft]:
    """A reported claim whose own article reports a denial of it is disputed, and the denial is cited.

    "Has not confirmed" only qualifies a claim (it stays reported, with a note); a denial
    contradicts it, so the answer must show both sides.
    """
    result = list(drafts)
    cited = {item.key for draft in drafts for item in draft.support}
    for position, draft in enumerate(drafts):
        item = draft.support[0]
        if item.sentence.status is not ClaimStatus.REPORTED or not item.sentence.not_confirmed_by:
            continue
        denial = next(
            (
                sentence
                for sentence in item.article.sentences
                if sentence.status is ClaimStatus.DISPUTED and sentence.cue and _DENIAL_CUE.match(sentence.cue)
            ),
            None,
        )
        if denial is None:
            continue
        who = denial.source or denial.attributed_to
        result[position] = Draft(
            draft.text, draft.support, ClaimStatus.DISPUTED, f"{draft.attributed_to}; denied by {who}"
        )
        denial_item = Evidence(denial, item.article, similarity=0.0, overlap=0.0, passage_rank=item.passage_rank)
        if denial_item.key not in cited:
            cited.add(denial_item.key)
            result.append(Draft(denial.text, (denial_item,), ClaimStatus.DISPUTED, who))
    return result


def mark_conflicts(drafts: list[Draft], embed_model: BaseEmbedding) -> list[Draft]:
    """Claims on the same point whose sources differ in numbers, or one of which denies, are disputed."""
    if len(drafts) < 2:
        return drafts
    matrix = pairwise(np.stack([_draft_vector(draft, embed_model) for draft in drafts]))
    result = list(drafts)
    for i, first in enumerate(drafts):
        for j in range(i + 1, len(drafts)):
            second = drafts[j]
            if first.support[0].article.id == second.support[0].article.id or matrix[i, j] < 0.45:
                continue
            conflicting_numbers = _numbers_conflict(first.text, second.text)
            denial = _is_denial(first) or _is_denial(second)
            if conflicting_numbers or denial:
                both = f"{_who(first)} vs. {_who(second)}"
                result[i] = Draft(first.text, first.support, ClaimStatus.DISPUTED, both)
                result[j] = Draft(second.text, second.support, ClaimStatus.DISPUTED, both)
    return result


_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)*)\s+(?:percent|per cent|%|[a-z]+)", re.IGNORECASE)


def quantities(text: str) -> dict[str, set[str]]:
    """Numbers by the word that follows them: "9 million dollars" -> {"million": {"9"}}."""
    found: dict[str, set[str]] = {}
    for match in _QUANTITY.finditer(text):
        unit = match.group(0)[len(match.group(1)) :].strip().lower()
        found.setdefault(unit, set()).add(match.group(1).replace(",", ""))
    return found


def _numbers_conflict(first: str, second: str) -> bool:
    """Same kind of quantity, different values: "9 million" against "12 million"."""
    a, b = quantities(first), quantities(second)
    return any(a[unit] != b[unit] for unit in a.keys() & b.keys())


def _vector(item: Evidence, embed_model: BaseEmbedding) -> np.ndarray:
    if item.vector is not None:
        return item.vector
    return embed_texts(embed_model, [item.sentence.text])[0]


def _draft_vector(draft: Draft, embed_model: BaseEmbedding) -> np.ndarray:
    """An extractive claim is its sentence, whose embedding is already known."""
    if draft.text == draft.support[0].sentence.text:
        return _vector(draft.support[0], embed_model)
    return embed_texts(embed_model, [draft.text])[0]


def _is_denial(draft: Draft) -> bool:
    sentence = draft.support[0].sentence
    return sentence.status is ClaimStatus.DISPUTED and sentence.source is not None


def _who(draft: Draft) -> str:
    return draft.support[0].sentence.attributed_to or draft.support[0].article.outlet


def finish(
    question: str, mode: str, drafts: list[Draft], *, removed: int = 0, notes: list[str] | None = None
) -> Answer:
    """Number the cited sentences, write the answer text with [n] markers and the unconfirmed list."""
    numbering: dict[tuple[str, int], int] = {}
    sources: list[Source] = []
    claims: list[Claim] = []
    for draft in drafts:
        citations = []
        for item in draft.support:
            if item.key not in numbering:
                numbering[item.key] = len(numbering) + 1
                sources.append(_source(numbering[item.key], item))
            citations.append(numbering[item.key])
        claims.append(
            Claim(
                text=draft.text,
                status=draft.status,
                attributed_to=draft.attributed_to,
                citations=sorted(set(citations)),
            )
        )
    body = " ".join(_with_markers(claim) for claim in claims)
    unconfirmed = [claim for claim in claims if claim.unconfirmed]
    lines = [body]
    if unconfirmed:
        lines.append("Unconfirmed: " + "; ".join(_unconfirmed_line(claim, drafts) for claim in unconfirmed) + ".")
    if removed:
        lines.append(f"({removed} unsupported sentence{'s' if removed != 1 else ''} removed.)")
    return Answer(
        question=question,
        answer="\n\n".join(lines),
        abstained=False,
        mode=mode,
        claims=claims,
        sources=sources,
        removed_sentences=removed,
        notes=notes or [],
    )


def _with_markers(claim: Claim) -> str:
    text = _CITATION.sub("", claim.text).strip()
    if claim.unconfirmed and not _HEDGED_WORDING.search(text) and claim.attributed_to:
        text = f"According to {claim.attributed_to}, {text[:1].lower() + text[1:]}"
    return text + " " + "".join(f"[{n}]" for n in claim.citations)


def _unconfirmed_line(claim: Claim, drafts: list[Draft]) -> str:
    refs = "".join(f"[{n}]" for n in claim.citations)
    line = f"{refs} is {claim.status.value}, claimed by {claim.attributed_to or 'an unnamed source'}"
    deniers = {
        item.sentence.not_confirmed_by
        for draft in drafts
        if draft.text == claim.text
        for item in draft.support
        if item.sentence.not_confirmed_by
    }
    if deniers and claim.status is not ClaimStatus.DISPUTED:
        line += " (not confirmed by " + ", ".join(sorted(deniers)) + ")"
    return line


def _source(n: int, item: Evidence) -> Source:
    return Source(
        n=n,
        article_id=item.article.id,
        title=item.article.title,
        outlet=item.article.outlet,
        url=item.article.url,
        published=item.article.published,
        quote=item.sentence.text,
    )


# --- checks on generated answers ---------------------------------------------------------


_TRAILING_CITATIONS = re.compile(r"([.!?])\s*((?:\[\d{1,3}\]\s*)+)")


def split_sentences(text: str) -> list[str]:
    """Sentences with their citations: "Text. [1] More." keeps [1] with "Text"."""
    text = _TRAILING_CITATIONS.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", text.strip())
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def check_generated(
    question: str,
    generated: str,
    given: list[Evidence],
    embed_model: BaseEmbedding,
) -> tuple[list[Draft], int]:
    """Keep only generated sentences whose citations exist and support them; count the rest.

    A kept sentence's status is the weakest of the sentences it cites, so a reported claim
    cannot come out stated as fact.
    """
    drafts: list[Draft] = []
    removed = 0
    question_words = {word.lower() for word in re.findall(r"\w+", question)}
    for sentence in split_sentences(generated):
        cited = [int(n) for n in _CITATION.findall(sentence)]
        plain = _CITATION.sub("", sentence).strip()
        if not plain or not any(ch.isalnum() for ch in plain) or says_nothing(plain):
            continue
        if any(n < 1 or n > len(given) for n in cited):
            removed += 1
            continue
        if not cited:
            # Small models often forget markers. A sentence that one given source plainly
            # supports gets that source; any other uncited sentence is removed.
            best = _plainly_supporting(plain, given, question_words, embed_model)
            if best is None:
                removed += 1
                continue
            cited = [best]
        support = tuple(dict.fromkeys(given[n - 1] for n in cited))
        if not _supported(plain, support, question_words, embed_model):
            removed += 1
            continue
        weakest = max(support, key=lambda item: item.sentence.status.doubt)
        drafts.append(Draft(plain, support, weakest.sentence.status, weakest.sentence.attributed_to))
    return drafts, removed


def _plainly_supporting(
    plain: str, given: list[Evidence], question_words: set[str], embed_model: BaseEmbedding
) -> int | None:
    scores = similarities(embed_model, plain, [item.sentence.text for item in given])
    best = int(scores.argmax())
    if scores[best] < MIN_UNCITED_SIMILARITY or not _supported(plain, (given[best],), question_words, embed_model):
        return None
    return best + 1


def _supported(plain: str, support: tuple[Evidence, ...], question_words: set[str], embed_model: BaseEmbedding) -> bool:
    source_text = " ".join(item.sentence.text for item in support)
    best = float(similarities(embed_model, plain, [item.sentence.text for item in support]).max())
    if best < MIN_SUPPORT_SIMILARITY and len(content_terms(plain) & content_terms(source_text)) < 3:
        return False
    lowered = source_text.lower()
    for name in _names_and_numbers(plain):
        if name.lower() not in lowered and name.lower() not in question_words:
            return False
    return all(any(quote.strip() in item.article.body for item in support) for quote in _QUOTE.findall(plain))


def _names_and_numbers(text: str) -> set[str]:
    words = re.findall(r"\b[\w'’-]+\b", text)
    found = set(numbers(text))
    for position, word in enumerate(words):
        if position > 0 and word[:1].isupper() and word.lower() not in ("i",):
            found.add(word.strip("'’"))
    return found
