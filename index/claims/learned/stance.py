"""Stances: a headline towards its claim (Emergent), a body towards a headline (FNC-1).

Why here, beside the tagger: both are read off what the tagger says of the text (each sentence's
status and cues) plus its words, by logistic regressions fitted on the train splits. They are not
part of indexing (they need a second text: the claim, the headline); `factdesk eval claims`
measures them.

- headline: for (it asserts the claim), against (it denies or debunks it), observing (it reports
  the claim without taking a side: "officials say").
- body towards a headline: unrelated, or agree / disagree / discuss (the body reports the claim
  without a position). Unrelated first (word overlap), then the stance of the related ones, from
  the body sentences that share most words with the headline.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.claims.learned.bags import analysis_bag, parse_bag, word_bag
from index.claims.status import ClaimStatus, SentenceAnalysis

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

    from index.claims.learned.linear import LinearModel

_CONTENT_POS = frozenset(["NOUN", "PROPN", "VERB", "ADJ", "NUM"])

# Words that refute or doubt a claim in a headline or body ("hoax", "debunked", "not").
REFUTING = frozenset(
    [
        "fake",
        "fraud",
        "hoax",
        "false",
        "deny",
        "denies",
        "denied",
        "denial",
        "not",
        "despite",
        "nope",
        "doubt",
        "doubts",
        "doubtful",
        "bogus",
        "debunk",
        "debunked",
        "debunks",
        "prank",
        "pranks",
        "retract",
        "retracted",
        "retraction",
        "no",
        "never",
        "satire",
        "satirical",
        "myth",
        "untrue",
        "unfounded",
        "baseless",
        "rumour",
        "rumor",
        "rejected",
        "rejects",
        "dismissed",
        "dismisses",
        "contrary",
        "incorrect",
        "wrong",
        "misleading",
    ]
)
# Words that report or hedge rather than assert.
HEDGING = frozenset(
    [
        "alleged",
        "allegedly",
        "apparently",
        "appear",
        "appears",
        "claim",
        "claims",
        "claimed",
        "could",
        "evidently",
        "likely",
        "may",
        "maybe",
        "might",
        "perhaps",
        "presumably",
        "probably",
        "purported",
        "purportedly",
        "reported",
        "reportedly",
        "rumored",
        "rumoured",
        "says",
        "said",
        "seem",
        "seems",
        "supposedly",
        "unconfirmed",
        "unverified",
        "according",
        "suggest",
        "suggests",
        "suggested",
        "believed",
    ]
)


# --- headlines (Emergent) -----------------------------------------------------------------


def emergent_label(analysis: SentenceAnalysis) -> str:
    """The rule from status to stance: disputed -> against; reported, speculative or attributed on the
    record ("X says") -> observing; else for. A party's own stance on the record ("Amazon plans
    ...", "X condemns ...") is asserted, not reported: for."""
    if analysis.status is ClaimStatus.DISPUTED:
        return "against"
    if analysis.status is ClaimStatus.CONFIRMED and (analysis.cue is None or analysis.cue.kind == "stance"):
        return "for"
    return "observing"


def headline_features(doc: Doc, analysis: SentenceAnalysis) -> list[str]:
    """Words, lexicon classes, the tagger's cues and label, first and last words, refuting words, "?"."""
    found = word_bag(doc.text) + parse_bag(doc) + analysis_bag(analysis)
    tokens = [token for token in doc if not token.is_punct and not token.is_space]
    if tokens:
        found += [
            "first=" + tokens[0].lower_,
            "last=" + tokens[-1].lower_,
            "last2=" + " ".join(token.lower_ for token in tokens[-2:]),
        ]
    found.append("rl=" + emergent_label(analysis))
    found.append(f"nref={min(sum(1 for token in doc if token.lower_ in REFUTING), 2)}")
    found.append(f"q={int('?' in doc.text)}")
    return found


def headline_stance(model: LinearModel, doc: Doc, analysis: SentenceAnalysis) -> str:
    return model.predict(headline_features(doc, analysis))


# --- bodies towards headlines (FNC-1) -----------------------------------------------------


@dataclass(frozen=True)
class BodySentence:
    """What the stance features read of one body sentence."""

    lemmas: frozenset[str]
    words: tuple[str, ...]
    status: str
    kinds: tuple[str, ...]
    negated: frozenset[str]


def body_sentence(sent: Span, analysis: SentenceAnalysis) -> BodySentence:
    return BodySentence(
        lemmas=frozenset(token.lemma_.lower() for token in sent if token.pos_ in _CONTENT_POS),
        words=tuple(token.lower_ for token in sent if token.is_alpha),
        status=analysis.status.value,
        kinds=tuple(sorted({cue.kind for cue in analysis.cues})),
        negated=frozenset(token.head.lemma_.lower() for token in sent if token.dep_ == "neg"),
    )


def content_lemmas(doc: Doc) -> frozenset[str]:
    return frozenset(token.lemma_.lower() for token in doc if token.pos_ in _CONTENT_POS)


def _bucket(value: float, edges: Sequence[float]) -> int:
    return sum(1 for edge in edges if value >= edge)


_TENTHS = tuple(k / 10 for k in range(1, 10))


def related_features(headline: Doc, sentences: Sequence[BodySentence]) -> list[str]:
    """How much of the headline the body repeats: overall, in its best sentence, in its lead, in names."""
    head = content_lemmas(headline)
    if not head or not sentences:
        return ["b", "empty"]
    body = frozenset().union(*(s.lemmas for s in sentences))
    shares = [len(head & s.lemmas) / len(head) for s in sentences]
    overall = len(head & body) / len(head)
    lead = len(head & frozenset().union(*(s.lemmas for s in sentences[:3]))) / len(head)
    names = {token.lemma_.lower() for token in headline if token.pos_ == "PROPN"}
    head_words = [token.lower_ for token in headline if token.is_alpha]
    pairs = set(itertools.pairwise(head_words))
    body_pairs = {pair for s in sentences for pair in zip(s.words, s.words[1:], strict=False)}
    found = [
        "b",
        f"all={_bucket(overall, _TENTHS)}",
        f"best={_bucket(max(shares), _TENTHS)}",
        f"second={_bucket(sorted(shares)[-2] if len(shares) > 1 else 0.0, _TENTHS)}",
        f"lead={_bucket(lead, _TENTHS)}",
        f"shared={min(len(head & body), 10)}",
        f"size={min(len(head), 12)}",
        f"all|best={_bucket(overall, (0.3, 0.5, 0.7))}|{_bucket(max(shares), (0.3, 0.5, 0.7))}",
    ]
    if names:
        found.append(f"names={_bucket(len(names & body) / len(names), (0.34, 0.5, 0.67, 1.0))}")
    if pairs:
        found.append(f"pairs={_bucket(len(pairs & body_pairs) / len(pairs), (0.1, 0.2, 0.3, 0.5, 0.7))}")
    return found


def stance_features(headline: Doc, sentences: Sequence[BodySentence], *, top: int = 3) -> list[str]:
    """The body's statuses and refuting or hedging words overall and in the `top` sentences sharing
    most words with the headline; the headline's own refuting and hedging words; words of both."""
    head = content_lemmas(headline)
    head_words = [token.lower_ for token in headline if token.is_alpha]
    found = ["b"]
    if not sentences:
        return [*found, "empty"]
    size = len(head) or 1
    ranked = sorted(range(len(sentences)), key=lambda k: (-len(head & sentences[k].lemmas) / size, k))
    overall = len(head & frozenset().union(*(s.lemmas for s in sentences))) / size
    found.append(f"ovall={_bucket(overall, (0.2, 0.4, 0.6, 0.8))}")
    found.append(f"ovmax={_bucket(len(head & sentences[ranked[0]].lemmas) / size, (0.2, 0.4, 0.6, 0.8))}")
    statuses = [s.status for s in sentences]
    for status in ("disputed", "reported", "speculative"):
        share = statuses.count(status) / len(sentences)
        found.append(f"share_{status}={_bucket(share, (0.03, 0.07, 0.15, 0.25, 0.4))}")
    refuting = sum(1 for s in sentences for w in s.words if w in REFUTING) / len(sentences)
    hedging = sum(1 for s in sentences for w in s.words if w in HEDGING) / len(sentences)
    found.append(f"refbody={_bucket(refuting, (0.05, 0.15, 0.3, 0.6))}")
    found.append(f"hedgebody={_bucket(hedging, (0.1, 0.3, 0.6, 1.0))}")
    for rank, k in enumerate(k for k in ranked[:top] if head & sentences[k].lemmas):
        s = sentences[k]
        found += ["top_status=" + s.status, f"top{rank}_status={s.status}"]
        found += ["top_kind=" + kind for kind in s.kinds]
        for word in s.words:
            if word in REFUTING:
                found += ["top_ref=" + word, "top_ref"]
            if word in HEDGING:
                found += ["top_hedge=" + word, "top_hedge"]
        if s.negated & head:
            found.append("top_neg_shared")
        found += ["tw=" + word for word in set(s.words)]
    found += ["lead_status=" + s.status for s in sentences[:2]]
    for word in head_words:
        if word in REFUTING:
            found.append("h_ref=" + word)
        if word in HEDGING:
            found.append("h_hedge=" + word)
    found += ["hw=" + word for word in set(head_words)]
    return found


def body_stance(related: LinearModel, stance: LinearModel, headline: Doc, sentences: Sequence[BodySentence]) -> str:
    """unrelated, agree, disagree or discuss."""
    if related.predict(related_features(headline, sentences)) == "unrelated":
        return "unrelated"
    return stance.predict(stance_features(headline, sentences))
