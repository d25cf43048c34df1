"""The committed model files (`index/claims/models/`), loaded once per process, offline.

Everything is a plain file: the attribution BiLSTM as safetensors with its vocabularies in JSON (or
the CRF in crfsuite's own format), centroids as `.npz` (no pickle), the
linear models and settings as JSON. `MODEL_CARD.md` beside them names the data and figures;
`factdesk train claims` (`make train-claims`) writes them again from `../shared/data`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.claims import lexicon as lex
from index.claims.learned.bilstm import AttributionLSTM
from index.claims.learned.combine import LearnedTagger, Thresholds
from index.claims.learned.crf import AttributionCRF, AttributionModel, Clusters
from index.claims.learned.linear import LinearModel
from index.claims.learned.own_voice import OwnVoice

MODELS = Path(__file__).resolve().parent.parent / "models"
ATTRIBUTION = "attribution.crfsuite"
ATTRIBUTION_LSTM = "attribution.safetensors"
ATTRIBUTION_SETTINGS = "attribution.json"
HEDGE = "hedge.json"
EMERGENT = "emergent.json"
FNC_RELATED = "fnc_related.json"
FNC_STANCE = "fnc_stance.json"
OWN_VOICE = "own_voice.json"
CUES = "cues.json"


class ModelsMissing(FileNotFoundError):
    """A model file is not where the package keeps them: reinstall, or run `factdesk train claims`."""


def _require(path: Path) -> Path:
    if not path.is_file():
        raise ModelsMissing(f"claim model not found: {path} (run `factdesk train claims` to write it)")
    return path


def attribution_settings(folder: Path = MODELS) -> dict[str, object]:
    settings: dict[str, object] = json.loads(_require(folder / ATTRIBUTION_SETTINGS).read_text(encoding="utf-8"))
    return settings


@lru_cache(maxsize=4)
def load_tagger(folder: Path = MODELS, *, hedge: bool = True) -> LearnedTagger:
    """The attribution model (the BiLSTM, or the CRF with its cluster centroids when it uses them, as
    `attribution.json` says), the hedge model and the thresholds.

    `hedge=False`: without the hedge model (training it needs the tagger's other readings).
    """
    settings = attribution_settings(folder)
    crf: AttributionModel
    if settings.get("model") == "bilstm":
        crf = AttributionLSTM(folder, _require(folder / ATTRIBUTION_LSTM).name, ATTRIBUTION_SETTINGS)
    else:
        k = int(str(settings.get("clusters", 0) or 0))
        clusters = Clusters.load(_require(folder / f"tok2vec_clusters_k{k}.npz")) if k else None
        crf = AttributionCRF(
            _require(folder / ATTRIBUTION), rule_features=bool(settings.get("rule_features", True)), clusters=clusters
        )
    model = load_linear(HEDGE, folder) if hedge else None
    thresholds = Thresholds(
        content=float(str(settings.get("content_threshold", Thresholds.content))),
        scope=float(str(settings.get("scope_threshold", Thresholds.scope))),
        hedge=model.threshold if model is not None else Thresholds.hedge,
    )
    return LearnedTagger(crf, model, thresholds)


@lru_cache(maxsize=8)
def load_linear(name: str, folder: Path = MODELS) -> LinearModel:
    return LinearModel.load(_require(folder / name))


@lru_cache(maxsize=4)
def load_own_voice(folder: Path = MODELS) -> OwnVoice:
    """The own-voice model and its threshold (training reads without it: `read_articles(own_voice=None)`)."""
    return OwnVoice(LinearModel.load(_require(folder / OWN_VOICE)))


STRONG_SHARE = 0.6


@dataclass(frozen=True)
class CueWords:
    """Cue words from data (`cues.json`): lemmas PolNeAR's annotators mark as cues of speaking or
    believing, and words of Emergent's headlines that report a claim rather than assert it."""

    speaking: frozenset[str]
    observing: frozenset[str]
    # The speaking lemmas marked as cues in most of their uses (STRONG_SHARE): words that always speak.
    strong: frozenset[str]


@lru_cache(maxsize=4)
def load_cues(folder: Path = MODELS) -> CueWords:
    data = json.loads(_require(folder / CUES).read_text(encoding="utf-8"))
    # Adverbs that stand inside cue spans ("also said", "publicly denied") speak of nothing alone.
    speaking = frozenset(word for word in data["polnear_cues"] if not word.endswith("ly") and word != "also")
    # Emergent's observing words that are words of reporting (its train set also makes topic words
    # of a few stories look like cues: "apple", "price").
    known = (
        speaking | lex.HEARSAY_ADVERBS | lex.CLAIM_NOUNS | lex.UNNAMED_SOURCE_HEADS | lex.SOURCE_NOUNS | {"according"}
    )
    reporting = {word for word in data["emergent_observing"] if word in known or word.rstrip("s") in known}
    strong = frozenset(
        word for word in speaking if data["polnear_cues"][word][0] >= STRONG_SHARE * data["polnear_cues"][word][1]
    )
    return CueWords(speaking, frozenset(reporting), strong)
