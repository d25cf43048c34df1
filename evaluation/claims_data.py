"""The public claim data sets (`../shared/data`, never copied into the project) and their fixed splits.

Training reads only train splits (CoNLL has none: see below), settings are chosen on dev, and
`factdesk eval claims --split test` scores test. The splits:

- PolNeAR: its own `train/`, `dev/` and `test/` folders. Of a text annotated by several
  annotators, the first `.ann` file by name counts (training may use the first only, as here).
- CoNLL-2010 sample (2,999 rows, not shuffled: its last 1,000 rows are all uncertain): a seeded
  (13), stratified shuffle into a dev half and a test half (1,499 / 1,500 rows, 50% uncertain
  each). No train split: the hedge model is fitted on dev, with settings chosen by 5-fold
  cross-validation on dev; test is never seen before scoring.
- Emergent: `train.csv` (240 claims, 2,071 headlines) for training, split by claim into fit (4 of
  every 5 claims in id order) and dev (the 5th) for settings; test = the 524 headlines of
  `test-correct.csv` + `test-errors.csv` (no claim shared with train).
- FNC-1: `train_*` (1,683 bodies) for training; for settings, fit = bodies with Body ID % 5 != 0
  and headlines with CRC32 % 4 != 0, dev = Body ID % 5 == 0 and CRC32 % 4 == 0 (pairs crossing
  the two are left out), so that dev shares neither a body nor a headline with fit: with shared
  headlines, headline words are memorised and dev looks better than test. Test = the competition
  test set (25,413 pairs over 904 bodies).
"""

from __future__ import annotations

import csv
import random
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.data import EvaluationDataError, require
from index.articles import Article, ArticleMeta

CONLL_SEED = 13
EMERGENT_DEV_EVERY = 5
FNC_BODY_MODULUS = 5
FNC_HEADLINE_MODULUS = 4
FNC_RELATED = ("agree", "disagree", "discuss")
FNC_STANCES = (*FNC_RELATED, "unrelated")
EMERGENT_LABELS = ("for", "against", "observing")


def read_text(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, stripped line) of each non-empty line: a paragraph, as indexing parses them."""
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            yield offset + len(line) - len(line.lstrip()), stripped
        offset += len(line) + 1


# --- PolNeAR ------------------------------------------------------------------------------

Fragments = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Attribution:
    """One annotated attribution: its source, cue and content fragments (document offsets)."""

    source: Fragments
    cue: Fragments
    content: Fragments


@dataclass
class PolnearDoc:
    name: str
    text: str
    spans: dict[str, list[tuple[int, int]]]  # Source, Cue, Content -> fragments
    attributions: list[Attribution] = field(default_factory=list)


def parse_polnear_annotation(annotation: str) -> tuple[dict[str, list[tuple[int, int]]], list[Attribution]]:
    """Text-bound spans by kind and the attribution relations (`E<n>\\tAttribution:T.. Source:T.. ...`)."""
    bound: dict[str, Fragments] = {}
    spans: dict[str, list[tuple[int, int]]] = {"Source": [], "Cue": [], "Content": []}
    relations: list[dict[str, str]] = []
    for line in annotation.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if line.startswith("T"):
            kind, _, offsets = parts[1].partition(" ")
            fragments = tuple((int(a), int(b)) for a, b in (piece.split() for piece in offsets.split(";")))
            bound[parts[0]] = fragments
            if kind in spans:
                spans[kind].extend(fragments)
        elif line.startswith("E"):
            relations.append(dict(item.split(":", 1) for item in parts[1].split() if ":" in item))
    attributions = [
        Attribution(
            bound.get(roles.get("Source", ""), ()),
            bound.get(roles.get("Cue", ""), ()),
            bound.get(roles.get("Content", ""), ()),
        )
        for roles in relations
    ]
    return spans, attributions


def polnear_docs(data: Path, split: str) -> list[PolnearDoc]:
    """The texts of one PolNeAR folder with their first annotator's file."""
    folder = require(data / "polnear" / split)
    first: dict[str, Path] = {}
    for path in sorted(require(folder / "attributions").glob("*.ann")):
        first.setdefault(re.sub(r"_[0-9a-f]+$", "", path.stem), path)
    docs = []
    for text_path in sorted(require(folder / "text").glob("*.txt")):
        annotation = first.get(text_path.stem)
        if annotation is not None:
            spans, attributions = parse_polnear_annotation(read_text(annotation))
            docs.append(PolnearDoc(text_path.stem, read_text(text_path), spans, attributions))
    return docs


def polnear_articles(docs: Sequence[PolnearDoc]) -> list[Article]:
    """PolNeAR texts as the product reads articles: the whole text as the body (gold offsets stay
    offsets into it), the first line as the title, the outlet from the file name."""
    found = []
    for doc in docs:
        first = next((line.strip() for line in doc.text.split("\n") if line.strip()), doc.name)
        meta = ArticleMeta(title=first[:500], outlet=doc.name.split("_", 1)[0])
        found.append(Article(id=doc.name, meta=meta, body=doc.text, path=doc.name))
    return found


# --- CoNLL-2010 ---------------------------------------------------------------------------


def conll_split(data: Path, split: str, *, seed: int = CONLL_SEED) -> list[tuple[str, bool]]:
    """(sentence, uncertain) rows of one half of the seeded, stratified shuffle."""
    if split not in ("dev", "test"):
        raise EvaluationDataError(f"CoNLL-2010 has dev and test halves only, not {split!r}")
    path = require(data / "conll2010" / "uncertainty-conll2010.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [(sentence, label.strip() == "-1") for label, sentence, *_ in csv.reader(handle)]
    rng = random.Random(seed)
    chosen: list[tuple[str, bool]] = []
    for label in (False, True):
        group = [row for row in rows if row[1] is label]
        rng.shuffle(group)
        half = len(group) // 2
        chosen.extend(group[:half] if split == "dev" else group[half:])
    rng.shuffle(chosen)
    return chosen


# --- Emergent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmergentRow:
    claim: str
    headline: str
    label: str
    claim_id: str


def emergent_rows(data: Path, split: str) -> list[EmergentRow]:
    """Headlines of `test` (the 524), or of `train.csv` whole (`train`) or split by claim (`fit`, `dev`)."""
    folder = require(data / "emergent")
    if split == "test":
        rows: list[EmergentRow] = []
        for path in sorted(folder.glob("test-*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    rows.append(EmergentRow(row["claimHeadline"], row["articleHeadline"], row["y"], row["claimId"]))
        if not rows:
            raise EvaluationDataError(f"evaluation data not found: {folder}/test-*.csv")
        return rows
    if split not in ("train", "fit", "dev"):
        raise EvaluationDataError(f"unknown Emergent split {split!r}")
    with require(folder / "train.csv").open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    claims = sorted({row["claimId"] for row in table})
    dev_claims = {claim for rank, claim in enumerate(claims) if rank % EMERGENT_DEV_EVERY == 0}
    return [
        EmergentRow(row["claimHeadline"], row["articleHeadline"], row["articleHeadlineStance"], row["claimId"])
        for row in table
        if split == "train" or (row["claimId"] in dev_claims) == (split == "dev")
    ]


# --- FNC-1 --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FncPair:
    headline: str
    body_id: str
    stance: str


def fnc_side(pair: FncPair) -> str | None:
    """`fit`, `dev`, or None for a train pair that shares its body or headline with the other side."""
    body_dev = int(pair.body_id) % FNC_BODY_MODULUS == 0
    headline_dev = zlib.crc32(pair.headline.encode("utf-8")) % FNC_HEADLINE_MODULUS == 0
    if body_dev and headline_dev:
        return "dev"
    if not body_dev and not headline_dev:
        return "fit"
    return None


def fnc_pairs(data: Path, split: str) -> tuple[list[FncPair], dict[str, str]]:
    """All pairs (unrelated ones too) of `test`, `train`, `fit` or `dev`, and the bodies by Body ID."""
    folder = require(data / "fnc1")
    prefix = "competition_test" if split == "test" else "train"
    if split not in ("test", "train", "fit", "dev"):
        raise EvaluationDataError(f"unknown FNC-1 split {split!r}")
    with require(folder / f"{prefix}_stances.csv").open(encoding="utf-8-sig", newline="") as handle:
        pairs = [FncPair(row["Headline"], row["Body ID"], row["Stance"]) for row in csv.DictReader(handle)]
    with require(folder / f"{prefix}_bodies.csv").open(encoding="utf-8-sig", newline="") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    if split in ("fit", "dev"):
        pairs = [pair for pair in pairs if fnc_side(pair) == split]
    return pairs, bodies
