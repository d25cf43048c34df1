"""Logistic regression over sparse binary features, stored as JSON (feature -> one weight per class).

Why JSON and dict look-ups: the sentence and headline classifiers have a few thousand non-zero
features; applying them is a handful of dict look-ups, with no scikit-learn, scipy or pickle at
run time (a pickle would tie the model file to library versions and can run code when loaded).
scikit-learn fits them, in training only (the `train` extra).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LinearModel:
    classes: list[str]
    weights: dict[str, list[float]]
    bias: list[float]
    # With two classes: the probability of classes[1] from which it is predicted.
    threshold: float = 0.5
    meta: dict[str, object] = field(default_factory=dict)

    def scores(self, features: Iterable[str]) -> list[float]:
        total = list(self.bias)
        for feature in set(features):
            weights = self.weights.get(feature)
            if weights is not None:
                for k, value in enumerate(weights):
                    total[k] += value
        return total

    def proba(self, features: Iterable[str]) -> list[float]:
        scores = self.scores(features)
        top = max(scores)
        exps = [math.exp(value - top) for value in scores]
        total = sum(exps)
        return [value / total for value in exps]

    def predict(self, features: Iterable[str]) -> str:
        return self.decide(self.proba(features))

    def decide(self, proba: Sequence[float]) -> str:
        if len(self.classes) == 2:
            return self.classes[1] if proba[1] >= self.threshold else self.classes[0]
        return self.classes[max(range(len(proba)), key=proba.__getitem__)]

    def save(self, path: Path) -> None:
        data = {
            "classes": self.classes,
            "bias": self.bias,
            "threshold": self.threshold,
            "meta": self.meta,
            "weights": self.weights,
        }
        path.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            classes=list(data["classes"]),
            weights={str(k): [float(v) for v in w] for k, w in data["weights"].items()},
            bias=[float(v) for v in data["bias"]],
            threshold=float(data.get("threshold", 0.5)),
            meta=dict(data.get("meta", {})),
        )


def fit(
    rows: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    c: float = 1.0,
    min_count: int = 2,
    class_weight: str | None = None,
) -> LinearModel:
    """Fit an L2 logistic regression on binary features seen in at least `min_count` rows.

    Training only: needs scikit-learn and scipy (`pip install -e ".[train]"`).
    """
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts = Counter(feature for row in rows for feature in set(row))
    vocabulary = {feature: i for i, feature in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    indptr, indices = [0], []
    for row in rows:
        indices.extend(sorted({vocabulary[f] for f in row if f in vocabulary}))
        indptr.append(len(indices))
    matrix = csr_matrix(([1.0] * len(indices), indices, indptr), shape=(len(rows), len(vocabulary)))
    model = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
    model.fit(matrix, list(labels))
    classes = [str(k) for k in model.classes_]
    if len(classes) == 2:  # scikit-learn keeps one row, for the second class: split it symmetrically
        second = [float(v) for v in model.coef_[0]]
        coef = [[-v / 2 for v in second], [v / 2 for v in second]]
        intercept = [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        coef = [[float(v) for v in r] for r in model.coef_]
        intercept = [float(v) for v in model.intercept_]
    weights: dict[str, list[float]] = {}
    for feature, i in vocabulary.items():
        values = [round(coef[k][i], 4) for k in range(len(classes))]
        if any(abs(v) >= 1e-4 for v in values):
            weights[feature] = values
    return LinearModel(classes, weights, intercept)
