"""The attribution CRF: every token of a sentence labelled CUE, SRC (source), CON (content) or O.

Why a linear-chain CRF (python-crfsuite): attribution spans are contiguous runs whose edges depend
on the neighbours' labels; a CRF over sparse parse features is small (a few MB), needs no GPU or
torch, tags a sentence in a fraction of a millisecond, and was the best of what the prototype
measured on PolNeAR dev. One label layer only (cue over source over content): an attribution
nested in a quotation shows as content, or as its own cue and source.

From the labels this module reads the sentence-level facts the product needs:

- the content share: how much of the sentence lies inside someone's content;
- the outermost (cue, source): of several cues, the one whose clause holds the others, since
  the outermost speaker decides ("'X confirmed Y,' a spokesperson said": the spokesperson);
- the scope share: how much of the sentence the outermost cue's clause covers ("X, Z said,
  confirmed Y" has no CON label, yet all of it is Z's).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index.claims.learned.features import DocArrays, rule_tags, token_features

if TYPE_CHECKING:
    import numpy as np
    from spacy.tokens import Doc

    from index.claims.status import SentenceAnalysis

LABELS = ("O", "CUE", "SRC", "CON")
# Trees are shallow; the bound only guards against a malformed head chain.
_MAX_DEPTH = 64


@dataclass(frozen=True)
class SentenceLabels:
    """The CRF's reading of one sentence; runs are lists of paragraph token indices."""

    start: int
    end: int
    labels: tuple[str, ...]
    cues: tuple[tuple[int, ...], ...]
    sources: tuple[tuple[int, ...], ...]
    content_share: float
    outer_cue: tuple[int, ...] | None
    outer_source: tuple[int, ...] | None
    scope_share: float
    # The CRF's own confidence (forward-backward marginals): the mean probability that a word of
    # the sentence is content, and the highest that one is a cue. Graded where the labels are not.
    content_probability: float = 0.0
    cue_probability: float = 0.0


class AttributionModel(Protocol):
    """What the combining step needs of an attribution model (the CRF here, or `bilstm.AttributionLSTM`)."""

    def arrays(self, doc: Doc) -> DocArrays: ...

    def read(self, start: int, end: int, arrays: DocArrays, analysis: SentenceAnalysis) -> SentenceLabels: ...


class Clusters:
    """Token classes from spaCy's own tok2vec vectors (computed by the parse anyway): the nearest of
    k centroids fitted on PolNeAR train tokens. Context-sensitive word classes for one small
    matrix product a paragraph."""

    def __init__(self, centroids: np.ndarray) -> None:
        import numpy as np

        self.centroids = np.asarray(centroids, dtype=np.float32)
        self.norms = (self.centroids**2).sum(axis=1)

    @classmethod
    def load(cls, path: Path) -> Clusters:
        import numpy as np

        with np.load(path) as saved:
            return cls(saved["centroids"])

    def save(self, path: Path) -> None:
        import numpy as np

        np.savez_compressed(path, centroids=self.centroids.astype(np.float16))

    def assign(self, tensor: np.ndarray) -> list[int]:
        """The nearest centroid of each row of a doc's tok2vec tensor."""
        import numpy as np

        if len(tensor) == 0:
            return []
        rows = np.asarray(tensor, dtype=np.float32)
        distance = self.norms[None, :] - 2.0 * (rows @ self.centroids.T)
        ids: list[int] = distance.argmin(axis=1).tolist()
        return ids


class AttributionCRF:
    """A trained crfsuite model and the feature settings it was trained with."""

    def __init__(self, model: Path, *, rule_features: bool, clusters: Clusters | None) -> None:
        import pycrfsuite

        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(model))
        # A crfsuite tagger keeps the sequence it is tagging inside itself: one at a time (the
        # Discord bot indexes from threads).
        self._lock = threading.Lock()
        self.rule_features = rule_features
        self.clusters = clusters

    def arrays(self, doc: Doc) -> DocArrays:
        """The per-paragraph arrays, with cluster ids when the model uses them."""
        ids = None
        if self.clusters is not None:
            tensor = doc.tensor
            if tensor is None or len(tensor) != len(doc):
                raise ValueError("the doc has no tok2vec tensor: parse it with the full pipeline")
            ids = self.clusters.assign(tensor)
        return DocArrays(doc, ids)

    def features(self, start: int, end: int, arrays: DocArrays, analysis: SentenceAnalysis) -> list[list[str]]:
        tags = rule_tags(start, end, arrays, analysis) if self.rule_features else None
        return token_features(start, end, arrays, tags)

    def read(self, start: int, end: int, arrays: DocArrays, analysis: SentenceAnalysis) -> SentenceLabels:
        features = self.features(start, end, arrays, analysis)
        words = [j for j in range(end - start) if arrays.word[start + j]]
        with self._lock:
            labels: list[str] = self.tagger.tag(features)
            content = [self.tagger.marginal("CON", j) for j in words]
            cue = [self.tagger.marginal("CUE", j) for j in words]
        read = read_labels(start, end, labels, arrays)
        return replace(
            read,
            content_probability=sum(content) / len(content) if content else 0.0,
            cue_probability=max(cue, default=0.0),
        )


def read_labels(start: int, end: int, labels: list[str], arrays: DocArrays) -> SentenceLabels:
    """The sentence-level facts of a labelling (see the module docstring)."""
    words = [j for j in range(end - start) if arrays.word[start + j]]
    content = sum(1 for j in words if labels[j] == "CON") / len(words) if words else 0.0
    cues = runs(start, labels, "CUE", arrays)
    sources = runs(start, labels, "SRC", arrays)
    cue, source = outermost(start, end, cues, sources, arrays)
    return SentenceLabels(
        start=start,
        end=end,
        labels=tuple(labels),
        cues=tuple(tuple(run) for run in cues),
        sources=tuple(tuple(run) for run in sources),
        content_share=content,
        outer_cue=tuple(cue) if cue else None,
        outer_source=tuple(source) if source else None,
        scope_share=scope_share(start, end, cue, source, arrays),
    )


def runs(start: int, labels: list[str], label: str, arrays: DocArrays) -> list[list[int]]:
    """Runs of `label` in a sentence, as lists of paragraph token indices (a space ends a run)."""
    found: list[list[int]] = []
    current: list[int] = []
    for j, tag in enumerate(labels):
        i = start + j
        if tag == label and not arrays.space[i]:
            current.append(i)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def under(i: int, top: int, head: list[int]) -> bool:
    """Token i is `top` or below it in the tree."""
    for _ in range(_MAX_DEPTH):
        if i == top:
            return True
        if head[i] == i:
            return False
        i = head[i]
    return False


def scope_top(cue: list[int], a: DocArrays) -> int:
    """The head of the clause a cue's content can cover: its verb's clause, or for an inserted credit
    ("X, Z said, Y"; '"...," Z said') the clause it is inserted in."""
    verbs = [i for i in cue if a.pos[i] in ("VERB", "AUX")] or cue
    verb = min(verbs, key=lambda i: (a.head[i] in cue and a.head[i] != i, i))
    children = {a.dep[j] for j in range(len(a.head)) if a.head[j] == verb and j != verb}
    if a.dep[verb] in ("parataxis", "advcl") and not children & {"ccomp", "xcomp"}:
        return a.head[verb]
    return verb


def scope_share(start: int, end: int, cue: list[int] | None, source: list[int] | None, a: DocArrays) -> float:
    """Share of a sentence's words inside the outermost cue's scope, less the cue and source words:
    the content that cue can credit."""
    if cue is None or source is None:
        return 0.0
    top = scope_top(cue, a)
    skip = set(cue) | set(source)
    words = [i for i in range(start, end) if a.word[i]]
    return sum(1 for i in words if i not in skip and under(i, top, a.head)) / max(len(words), 1)


def outermost(
    start: int, end: int, cues: list[list[int]], sources: list[list[int]], a: DocArrays
) -> tuple[list[int] | None, list[int] | None]:
    """The outermost (cue, source): the cue whose clause holds the most other cues (ties: an inserted
    credit, then the larger clause, then the earlier cue), and the source run that depends on it
    (or on its agent), else the nearest run."""
    if not cues:
        return None, (sources[0] if sources else None)
    best = 0
    if len(cues) > 1:
        tops = [scope_top(cue, a) for cue in cues]
        inserted = [any(a.dep[i] == "parataxis" for i in cue) for cue in cues]

        def rank(k: int) -> tuple[int, bool, int, int]:
            holds = sum(1 for m, other in enumerate(cues) if m != k and under(other[0], tops[k], a.head))
            size = sum(1 for i in range(start, end) if under(i, tops[k], a.head))
            return holds, inserted[k], size, -cues[k][0]

        best = max(range(len(cues)), key=rank)
    cue = cues[best]
    if not sources:
        return cue, None
    members = set(cue)
    head = a.head

    def attached(run: list[int]) -> tuple[int, int]:
        linked = any(head[i] in members or (head[head[i]] in members and a.dep[head[i]] == "agent") for i in run)
        return (0 if linked else 1), min(abs(i - c) for i in run for c in cue)

    return cue, min(sources, key=attached)
