"""Scores shared by the evaluations: precision/recall/F1, accuracy, MCC, macro-F1, and token
overlap of character spans (brat standoff annotations). Pure functions, tested on small fixtures.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def binary_scores(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, and accuracy."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    pairs = list(zip(gold, predicted, strict=True))
    tp = sum(1 for g, p in pairs if g and p)
    fp = sum(1 for g, p in pairs if p and not g)
    fn = sum(1 for g, p in pairs if g and not p)
    return {**prf(tp, fp, fn), "accuracy": accuracy(gold, predicted)}


def accuracy(gold: Sequence[object], predicted: Sequence[object]) -> float:
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    return sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold) if gold else 0.0


def mcc(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Matthews correlation of two binary labelings: 0 for any constant prediction."""
    pairs = list(zip(gold, predicted, strict=True))
    tp = sum(1 for g, p in pairs if g and p)
    tn = sum(1 for g, p in pairs if not g and not p)
    fp = sum(1 for g, p in pairs if p and not g)
    fn = sum(1 for g, p in pairs if g and not p)
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denominator if denominator else 0.0


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> tuple[float, dict[str, float]]:
    """Mean over `labels` of each label's F1 (one against the rest), and the per-label F1."""
    per_label: dict[str, float] = {}
    for label in labels:
        per_label[label] = binary_scores([g == label for g in gold], [p == label for p in predicted])["f1"]
    return (sum(per_label.values()) / len(labels) if labels else 0.0), per_label


@dataclass(frozen=True)
class BratSpan:
    kind: str
    fragments: tuple[tuple[int, int], ...]


def read_brat(annotation: str) -> list[BratSpan]:
    """Text-bound annotations (`T<n>\\t<Type> <start> <end>[;<start> <end>]\\t<text>`) of a brat `.ann` file."""
    spans: list[BratSpan] = []
    for line in annotation.splitlines():
        if not line.startswith("T"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        kind, _, offsets = parts[1].partition(" ")
        fragments = []
        for fragment in offsets.split(";"):
            start, end = fragment.split()
            fragments.append((int(start), int(end)))
        spans.append(BratSpan(kind, tuple(fragments)))
    return spans


_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character ranges of the words and punctuation marks of `text`."""
    return [match.span() for match in _TOKEN.finditer(text)]


def tokens_in(tokens: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int]]) -> set[int]:
    """Indices of the tokens that overlap any of `spans` (character ranges)."""
    starts = [start for start, _ in tokens]
    ends = [end for _, end in tokens]
    found: set[int] = set()
    for start, end in spans:
        found.update(range(bisect_right(ends, start), bisect_left(starts, end)))
    return found


def token_counts(
    tokens: Sequence[tuple[int, int]], gold: Iterable[tuple[int, int]], predicted: Iterable[tuple[int, int]]
) -> tuple[int, int, int]:
    """(tp, fp, fn) over the set of tokens inside gold spans against those inside predicted spans."""
    gold_tokens = tokens_in(tokens, gold)
    predicted_tokens = tokens_in(tokens, predicted)
    return (
        len(gold_tokens & predicted_tokens),
        len(predicted_tokens - gold_tokens),
        len(gold_tokens - predicted_tokens),
    )


def span_counts(
    tokens: Sequence[tuple[int, int]], gold: Sequence[tuple[int, int]], predicted: Sequence[tuple[int, int]]
) -> tuple[int, int, int, int]:
    """(predicted spans that overlap a gold span, predicted spans, gold spans overlapped, gold spans)."""
    gold_sets = [tokens_in(tokens, [span]) for span in gold]
    predicted_sets = [tokens_in(tokens, [span]) for span in predicted]
    hits = sum(1 for p in predicted_sets if any(p & g for g in gold_sets))
    found = sum(1 for g in gold_sets if any(g & p for p in predicted_sets))
    return hits, len(predicted_sets), found, len(gold_sets)


_FNC_RELATED = frozenset(["agree", "disagree", "discuss"])


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """The official FNC-1 weighted score and its maximum (the gold labels scored against themselves).

    Per pair: 0.25 for the right related/unrelated call, 0.75 more for the right stance of a related
    pair (as `scorer.py` of FakeNewsChallenge/fnc-1 counts). Published figures are score / maximum.
    """

    def score(truth: Sequence[str], guess: Sequence[str]) -> float:
        total = 0.0
        for g, p in zip(truth, guess, strict=True):
            if g == p:
                total += 0.25
                if g != "unrelated":
                    total += 0.50
            if g in _FNC_RELATED and p in _FNC_RELATED:
                total += 0.25
        return total

    return score(gold, predicted), score(gold, gold)
