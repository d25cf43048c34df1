"""The attribution tagger: every token of a sentence labelled CUE, SRC (source), CON (content) or O
by a small bidirectional LSTM over the parse that indexing makes anyway.

Why an LSTM and not the CRF it replaces: on PolNeAR dev the CRF over sparse parse features stayed
at cue / source token F1 about 0.63 / 0.77 whatever its template or regularisation (wider windows,
cue priors from data, the tok2vec vectors as dense features, thresholds on its marginals: each
within a point). The cues it missed were whole spans of words it had rarely seen as cues
("derided", "painting", "is steering clear of"), and their sources went with them. A BiLSTM reading
spaCy's own context vectors (the tok2vec tensor the parse computes) with embeddings of the same
parse features generalises across such words: 0.68 / 0.82 on dev, with no new model to download.

Inputs per token: the tok2vec row (96 floats) and embeddings of its word, POS, dependency, lexicon
class, the rules' tag (as the CRF had them: the rules are precise, the model adds recall), quotation
state, its head's lemma and dependency, and its nearest cue-word ancestor. Output: a softmax over
the four labels per token; the labels are its argmax, and the probabilities give the same graded
confidences the CRF's marginals gave (`SentenceLabels.content_probability`, `cue_probability`).

Files: the weights as safetensors (float16; no pickle) and the vocabularies and sizes as JSON.
Torch runs on one thread here; it is a run-time dependency already (the embedder).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.claims.learned.crf import LABELS, SentenceLabels, read_labels
from index.claims.learned.features import DocArrays, rule_tags

if TYPE_CHECKING:
    import torch
    from spacy.tokens import Doc

    from index.claims.status import SentenceAnalysis

# The inputs per token besides its tok2vec row, and the size of each one's embedding.
FIELDS: tuple[tuple[str, int], ...] = (
    ("word", 64),
    ("pos", 16),
    ("dep", 16),
    ("lexicon", 16),
    ("rules", 8),
    ("quote", 4),
    ("head_lemma", 32),
    ("cue_ancestor", 16),
    ("head_dep", 8),
)
TOK2VEC_WIDTH = 96
HIDDEN = 128
LAYERS = 2
# Index 0 pads, 1 is a value unseen in training (or seen fewer than `min_count` times).
_PAD, _UNSEEN = 0, 1


def token_fields(start: int, end: int, a: DocArrays, tags: Sequence[str]) -> list[tuple[str, ...]]:
    """The categorical inputs of each token of the sentence `start:end`, in `FIELDS` order."""
    rows: list[tuple[str, ...]] = []
    for j in range(end - start):
        i = start + j
        head = a.head[i]
        ancestor, below = a.ancestor[i]
        rows.append(
            (
                a.lower[i],
                a.pos[i],
                a.dep[i],
                a.lexc[i],
                tags[j],
                f"{a.quote[i]}{int(a.is_quote[i])}",
                a.lemma[head],
                f"{ancestor}|{below}",
                a.dep[head],
            )
        )
    return rows


@dataclass(frozen=True)
class Vocabularies:
    """Per field, value -> index (from 2; see `_PAD`, `_UNSEEN`)."""

    fields: tuple[dict[str, int], ...]

    @classmethod
    def count(cls, rows: Sequence[Sequence[tuple[str, ...]]], min_count: int) -> Vocabularies:
        counts = [Counter[str]() for _ in FIELDS]
        for sentence in rows:
            for token in sentence:
                for k, value in enumerate(token):
                    counts[k][value] += 1
        return cls(
            tuple(
                {
                    value: n + 2
                    for n, (value, seen) in enumerate(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
                    if seen >= min_count
                }
                for c in counts
            )
        )

    def encode(self, sentence: Sequence[tuple[str, ...]]) -> list[list[int]]:
        return [[self.fields[k].get(value, _UNSEEN) for k, value in enumerate(token)] for token in sentence]


def build_network(vocabularies: Vocabularies) -> torch.nn.Module:
    """The network: embeddings and the tok2vec row, two BiLSTM layers, a linear layer to the labels."""
    import torch
    from torch import nn

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings = nn.ModuleList(
                [
                    nn.Embedding(len(vocab) + 2, size, padding_idx=_PAD)
                    for vocab, (_, size) in zip(vocabularies.fields, FIELDS, strict=True)
                ]
            )
            self.dropout = nn.Dropout(0.3)
            width = sum(size for _, size in FIELDS) + TOK2VEC_WIDTH
            self.lstm = nn.LSTM(width, HIDDEN, num_layers=LAYERS, bidirectional=True, batch_first=True, dropout=0.2)
            self.out = nn.Linear(2 * HIDDEN, len(LABELS))

        def forward(self, ids: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
            parts = [embedding(ids[..., k]) for k, embedding in enumerate(self.embeddings)]
            hidden, _ = self.lstm(self.dropout(torch.cat([*parts, vectors], dim=-1)))
            logits: torch.Tensor = self.out(self.dropout(hidden))
            return logits

    return Network()


def tok2vec_rows(doc: Doc) -> Any:
    """The doc's tok2vec tensor; computed here when the doc has none (a parse read back from a
    DocBin cache keeps no tensor)."""
    tensor = doc.tensor
    if tensor is None or len(tensor) != len(doc) or (len(doc) and tensor.shape[1] != TOK2VEC_WIDTH):
        from index.claims.rules import load_nlp

        load_nlp().get_pipe("tok2vec")(doc)
        tensor = doc.tensor
    return tensor


class AttributionLSTM:
    """The trained network and its vocabularies; reads sentences as the CRF did (`SentenceLabels`)."""

    def __init__(self, folder: Path, weights: str, settings: str) -> None:
        import torch
        from safetensors.torch import load_file

        meta = json.loads((folder / settings).read_text(encoding="utf-8"))
        self.vocabularies = Vocabularies(tuple(dict(field) for field in meta["vocabularies"]))
        self.network = build_network(self.vocabularies)
        state = {name: tensor.float() for name, tensor in load_file(str(folder / weights)).items()}
        self.network.load_state_dict(state)
        self.network.eval()
        self._torch = torch
        # One sentence at a time through the network (the Discord bot indexes from threads).
        self._lock = threading.Lock()

    def arrays(self, doc: Doc) -> DocArrays:
        arrays = DocArrays(doc)
        arrays.vectors = tok2vec_rows(doc)
        return arrays

    def read(self, start: int, end: int, arrays: DocArrays, analysis: SentenceAnalysis) -> SentenceLabels:
        torch = self._torch
        fields = token_fields(start, end, arrays, rule_tags(start, end, arrays, analysis))
        ids = torch.tensor([self.vocabularies.encode(fields)], dtype=torch.long)
        vectors = torch.as_tensor(arrays.vectors[start:end], dtype=torch.float32).unsqueeze(0)
        with self._lock, torch.inference_mode():
            probabilities = torch.softmax(self.network(ids, vectors)[0], dim=-1)
        labels = [LABELS[k] for k in probabilities.argmax(dim=-1).tolist()]
        words = [j for j in range(end - start) if arrays.word[start + j]]
        content = probabilities[:, LABELS.index("CON")].tolist()
        cue = probabilities[:, LABELS.index("CUE")].tolist()
        return replace(
            read_labels(start, end, labels, arrays),
            content_probability=sum(content[j] for j in words) / len(words) if words else 0.0,
            cue_probability=max((cue[j] for j in words), default=0.0),
        )
