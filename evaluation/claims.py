"""Claim-status tagging measured on public data sets: CoNLL-2010, Emergent, PolNeAR and FNC-1.

`evaluate_claims(data, split=...)` reads the sets from `data` (`../shared/data`, never copied
into the project), runs the pipeline and rules that indexing runs (`index.claims.rules`) and returns
plain numbers for `factdesk eval claims [--json]`; `render_claims_table` prints them next to
the published figures.

Splits are fixed, so that the rules are developed on `dev` and reported on `test`:

- CoNLL-2010 (`conll2010/uncertainty-conll2010.csv`, 2,999 rows): dev = the first 1,000 rows,
  test = the other 1,999. The file is not shuffled (its last 1,000 rows are all uncertain), so
  dev is 26% uncertain and test 62%: precision and accuracy follow that prior, F1 less so.
- Emergent (`emergent/test-correct.csv` + `test-errors.csv`, 524 article headlines): the two
  files divide the rows by whether the original model got them right, so they are merged and
  divided by claim: the 100 claims sorted by `claimId`, dev = the 1st, 3rd, 5th..., test = the
  2nd, 4th... (256 and 268 headlines). All headlines about one claim fall on the same side.
- PolNeAR: its own `dev/` and `test/` folders (84 texts each; of a text annotated by several
  annotators, the first `.ann` file by name counts).
- FNC-1 (competition test set, related pairs only): dev = bodies whose `Body ID` is a multiple
  of 5, test = the other bodies.

`limit` keeps the first N items of each set (rows, headlines, documents, related pairs).
"""

from __future__ import annotations

import csv
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.data import EvaluationDataError, require
from evaluation.metrics import (
    accuracy,
    binary_scores,
    macro_f1,
    prf,
    read_brat,
    span_counts,
    token_counts,
    tokenize,
)
from index.claims.rules import analyse_doc, analyse_sentence, load_nlp, normalise_case
from index.claims.status import ClaimStatus, SentenceAnalysis

if TYPE_CHECKING:
    from rich.console import Console

SPLITS = ("dev", "test")
CONLL_DEV_ROWS = 1000
FNC_DEV_MODULUS = 5
FNC_STANCES = ("agree", "disagree", "discuss")
EMERGENT_LABELS = ("for", "against", "observing")
# Cue kinds that attribute content to someone ("X said", "according to X", "X urged", "X denied"):
# the ones scored against PolNeAR's Cue and Source spans (a denial only with its denier).
ATTRIBUTING_KINDS = frozenset(["attribution", "stance", "denial", "not_confirmed"])
UNCERTAIN_STATUSES = frozenset([ClaimStatus.SPECULATIVE, ClaimStatus.REPORTED])

# FNC-1 body rule, chosen on the dev bodies: a body whose sentences are disputed often enough
# disagrees; one that mostly reports or hedges discusses; the rest agrees.
FNC_DISAGREE_SHARE = 0.07
FNC_DISCUSS_SHARE = 0.22

# Published figures each measure is printed next to (README of the data folder), and our targets.
ANCHORS: dict[str, dict[str, object]] = {
    "conll2010": {"published": "0.68 lexicon, ~0.70 best", "target": 0.75},
    "emergent": {"published": "0.733", "target": 0.80},
    "polnear_cue": {"published": "~0.82", "target": 0.85},
    "polnear_source": {"published": "~0.82", "target": 0.85},
    "fnc1": {"published": "~0.60 (4 stances)", "target": None},
}


# --- tagging ------------------------------------------------------------------------------


@dataclass
class _Tagger:
    """The indexing pipeline over many texts in `nlp.pipe` batches, with a clock."""

    batch_size: int = 64
    sentences: int = 0
    seconds: float = 0.0

    def texts(self, texts: Sequence[str]) -> list[SentenceAnalysis]:
        """One analysis per short text (a sentence, a headline); its sentences decide together."""
        started = time.perf_counter()
        analyses = []
        normalised = (normalise_case(text) for text in texts)
        for text, doc in zip(texts, load_nlp().pipe(normalised, batch_size=self.batch_size), strict=True):
            analyses.append(analyse_doc(doc, text))
            self.sentences += sum(1 for _ in doc.sents)
        self.seconds += time.perf_counter() - started
        return analyses

    def documents(self, texts: Sequence[str]) -> list[list[tuple[int, SentenceAnalysis]]]:
        """Per document, (offset of the paragraph, analysis) for each sentence; a paragraph is a line.

        Cue and source offsets in an analysis count from the start of its paragraph.
        """
        started = time.perf_counter()
        jobs = [(number, start, line) for number, text in enumerate(texts) for start, line in _lines(text)]
        found: list[list[tuple[int, SentenceAnalysis]]] = [[] for _ in texts]
        docs = load_nlp().pipe((line for _, _, line in jobs), batch_size=self.batch_size)
        for (number, start, _), doc in zip(jobs, docs, strict=True):
            for sent in doc.sents:
                if any(char.isalnum() for char in sent.text):
                    found[number].append((start, analyse_sentence(sent)))
                    self.sentences += 1
        self.seconds += time.perf_counter() - started
        return found


def _lines(text: str) -> Iterable[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            yield offset + len(line) - len(line.lstrip()), stripped
        offset += len(line) + 1


# --- the data sets ------------------------------------------------------------------------


def _take(items: list, limit: int | None) -> list:
    return items if limit is None else items[:limit]


def _conll(data: Path, split: str, limit: int | None, tagger: _Tagger) -> dict[str, object]:
    path = require(data / "conll2010" / "uncertainty-conll2010.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [(label.strip(), sentence) for label, sentence, *_ in csv.reader(handle)]
    rows = rows[:CONLL_DEV_ROWS] if split == "dev" else rows[CONLL_DEV_ROWS:]
    rows = _take(rows, limit)
    analyses = tagger.texts([sentence for _, sentence in rows])
    gold = [label == "-1" for label, _ in rows]
    predicted = [analysis.status in UNCERTAIN_STATUSES for analysis in analyses]
    return {
        **binary_scores(gold, predicted),
        "n": len(rows),
        "n_uncertain": sum(gold),
        "split": f"rows 1-{CONLL_DEV_ROWS}"
        if split == "dev"
        else f"rows {CONLL_DEV_ROWS + 1}-end (last 1,000 all uncertain)",
        "how_counted": (
            "each row analysed as one text; predicted uncertain if its status is speculative or reported "
            "(disputed and confirmed count as certain: a denial is a certain statement); precision, recall "
            "and F1 of the uncertain class (-1)"
        ),
    }


def _emergent_rows(data: Path) -> list[dict[str, str]]:
    folder = require(data / "emergent")
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("test-*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    if not rows:
        raise EvaluationDataError(f"evaluation data not found: {folder}/test-*.csv")
    return sorted(rows, key=lambda row: int(row.get("") or 0))


def emergent_splits(claim_ids: Iterable[str]) -> dict[str, str]:
    """Claims sorted by id, alternately dev and test."""
    return {claim: "dev" if rank % 2 == 0 else "test" for rank, claim in enumerate(sorted(set(claim_ids)))}


def emergent_label(analysis: SentenceAnalysis) -> str:
    """Disputed -> against; reported, speculative or attributed on the record ("X says") -> observing; else for.

    A party's own stance or act on the record ("Amazon plans ...", "X condemns ...") is asserted, not
    reported: for.
    """
    if analysis.status is ClaimStatus.DISPUTED:
        return "against"
    if analysis.status is ClaimStatus.CONFIRMED and (analysis.cue is None or analysis.cue.kind == "stance"):
        return "for"
    return "observing"


def _emergent(data: Path, split: str, limit: int | None, tagger: _Tagger) -> dict[str, object]:
    rows = _emergent_rows(data)
    sides = emergent_splits(row["claimId"] for row in rows)
    rows = [row for row in rows if sides[row["claimId"]] == split]
    rows = _take(rows, limit)
    analyses = tagger.texts([row["articleHeadline"] for row in rows])
    gold = [row["y"] for row in rows]
    predicted = [emergent_label(analysis) for analysis in analyses]
    macro, per_label = macro_f1(gold, predicted, EMERGENT_LABELS)
    return {
        "accuracy": accuracy(gold, predicted),
        "macro_f1": macro,
        "f1_per_label": per_label,
        "n": len(rows),
        "n_claims": len({row["claimId"] for row in rows}),
        "gold_labels": dict(Counter(gold)),
        "split": "both files merged; claims sorted by claimId, "
        + ("the 1st, 3rd, 5th ..." if split == "dev" else "the 2nd, 4th, 6th ..."),
        "how_counted": (
            "the article headline analysed as one text (Title Case and ALL CAPS put in sentence case first); "
            "disputed -> against, reported or speculative -> observing, confirmed -> for unless an on-the-record "
            'attribution confirmed it ("X says ...": the headline reports the claim) -> observing, but not a '
            'stance on the record ("X plans ...", "X urges ...": the headline asserts it); accuracy '
            "over the three labels"
        ),
    }


def _polnear_documents(folder: Path) -> list[tuple[Path, Path]]:
    texts = sorted(require(folder / "text").glob("*.txt"))
    annotations: dict[str, Path] = {}
    for path in sorted(require(folder / "attributions").glob("*.ann")):
        annotations.setdefault(re.sub(r"_[0-9a-f]+$", "", path.stem), path)
    return [(text, annotations[text.stem]) for text in texts if text.stem in annotations]


def _read_text(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def predicted_attributions(analyses: Iterable[tuple[int, SentenceAnalysis]]) -> dict[str, list[tuple[int, int]]]:
    """Cue and source spans (document offsets) of the attributing cues in sentence analyses."""
    spans: dict[str, set[tuple[int, int]]] = {"Cue": set(), "Source": set()}
    for base, analysis in analyses:
        for cue in analysis.cues:
            if cue.kind not in ATTRIBUTING_KINDS or (
                cue.kind in ("denial", "not_confirmed") and cue.source_start is None
            ):
                continue
            spans["Cue"].add((base + cue.start, base + cue.end))
            if cue.source_start is not None and cue.source_end is not None:
                spans["Source"].add((base + cue.source_start, base + cue.source_end))
    return {kind: sorted(found) for kind, found in spans.items()}


def gold_attributions(annotation: str) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = {"Cue": [], "Source": []}
    for span in read_brat(annotation):
        if span.kind in spans:
            spans[span.kind].extend(span.fragments)
    return spans


def score_attributions(
    text: str, gold: dict[str, list[tuple[int, int]]], predicted: dict[str, list[tuple[int, int]]]
) -> dict[str, Counter[str]]:
    """Token and span counts per kind (Cue, Source) for one document."""
    tokens = tokenize(text)
    counts: dict[str, Counter[str]] = {}
    for kind in ("Cue", "Source"):
        tp, fp, fn = token_counts(tokens, gold[kind], predicted[kind])
        hits, n_predicted, found, n_gold = span_counts(tokens, gold[kind], predicted[kind])
        counts[kind] = Counter(
            tp=tp, fp=fp, fn=fn, span_hits=hits, spans_predicted=n_predicted, spans_found=found, spans_gold=n_gold
        )
    return counts


def _span_scores(counts: Counter[str]) -> dict[str, float]:
    precision = counts["span_hits"] / counts["spans_predicted"] if counts["spans_predicted"] else 0.0
    recall = counts["spans_found"] / counts["spans_gold"] if counts["spans_gold"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _polnear(data: Path, split: str, limit: int | None, tagger: _Tagger) -> dict[str, object]:
    documents = _take(_polnear_documents(require(data / "polnear" / split)), limit)
    texts = [_read_text(text) for text, _ in documents]
    analysed = tagger.documents(texts)
    totals = {"Cue": Counter[str](), "Source": Counter[str]()}
    for text, (_, annotation), analyses in zip(texts, documents, analysed, strict=True):
        counts = score_attributions(text, gold_attributions(_read_text(annotation)), predicted_attributions(analyses))
        for kind, found in counts.items():
            totals[kind].update(found)
    cue = prf(totals["Cue"]["tp"], totals["Cue"]["fp"], totals["Cue"]["fn"])
    source = prf(totals["Source"]["tp"], totals["Source"]["fp"], totals["Source"]["fn"])
    return {
        "cue_f1": cue["f1"],
        "cue_precision": cue["precision"],
        "cue_recall": cue["recall"],
        "source_f1": source["f1"],
        "source_precision": source["precision"],
        "source_recall": source["recall"],
        "cue_span_overlap": _span_scores(totals["Cue"]),
        "source_span_overlap": _span_scores(totals["Source"]),
        "n": len(documents),
        "n_gold_cues": totals["Cue"]["spans_gold"],
        "n_gold_sources": totals["Source"]["spans_gold"],
        "split": f"PolNeAR {split}/ folder",
        "how_counted": (
            "the first annotator's .ann per text; each line of a text parsed as a paragraph, every sentence "
            "analysed; predicted cues are the attribution cues and the denial cues with a denier, predicted "
            "sources their source phrases. Tokens = words and "
            "punctuation marks (regex \\w+|[^\\w\\s]); per document, the set of tokens overlapping gold Cue "
            "(Source) spans against the set overlapping predicted ones; tp/fp/fn summed over documents "
            "(micro-average). span_overlap: a predicted span is right if it shares a token with a gold span"
        ),
    }


def fnc_split(body_id: str) -> str:
    return "dev" if int(body_id) % FNC_DEV_MODULUS == 0 else "test"


def fnc_body_stance(statuses: Sequence[ClaimStatus]) -> str:
    """Agree, disagree or discuss from the statuses of a body's sentences."""
    if not statuses:
        return "agree"
    counts = Counter(statuses)
    if counts[ClaimStatus.DISPUTED] / len(statuses) >= FNC_DISAGREE_SHARE:
        return "disagree"
    reported = counts[ClaimStatus.REPORTED] + counts[ClaimStatus.SPECULATIVE]
    if reported / len(statuses) >= FNC_DISCUSS_SHARE:
        return "discuss"
    return "agree"


def _fnc(data: Path, split: str, limit: int | None, tagger: _Tagger) -> dict[str, object]:
    folder = require(data / "fnc1")
    with require(folder / "competition_test_stances.csv").open(encoding="utf-8-sig", newline="") as handle:
        pairs = [
            row for row in csv.DictReader(handle) if row["Stance"] != "unrelated" and fnc_split(row["Body ID"]) == split
        ]
    pairs = _take(pairs, limit)
    with require(folder / "competition_test_bodies.csv").open(encoding="utf-8-sig", newline="") as handle:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(handle)}
    body_ids = sorted({row["Body ID"] for row in pairs}, key=int)
    analysed = tagger.documents([bodies[body_id] for body_id in body_ids])  # once per body, not per pair
    stance = {
        body_id: fnc_body_stance([analysis.status for _, analysis in analyses])
        for body_id, analyses in zip(body_ids, analysed, strict=True)
    }
    gold = [row["Stance"] for row in pairs]
    predicted = [stance[row["Body ID"]] for row in pairs]
    macro, per_label = macro_f1(gold, predicted, FNC_STANCES)
    discuss_gold = ["discuss" if g == "discuss" else "not-discuss" for g in gold]
    discuss_predicted = ["discuss" if p == "discuss" else "not-discuss" for p in predicted]
    discuss_macro, _ = macro_f1(discuss_gold, discuss_predicted, ("discuss", "not-discuss"))
    return {
        "macro_f1": macro,
        "f1_per_stance": per_label,
        "accuracy": accuracy(gold, predicted),
        "discuss_vs_not_macro_f1": discuss_macro,
        "n": len(pairs),
        "n_bodies": len(body_ids),
        "gold_stances": dict(Counter(gold)),
        "split": f"bodies with Body ID % {FNC_DEV_MODULUS} {'== 0' if split == 'dev' else '!= 0'}",
        "how_counted": (
            "related pairs only (stance != unrelated); each body tagged once, its stance from its sentences' "
            f"statuses alone (headline unused): disputed share >= {FNC_DISAGREE_SHARE} -> disagree, else "
            f"reported+speculative share >= {FNC_DISCUSS_SHARE} -> discuss, else agree (thresholds chosen on dev). "
            "macro_f1 = mean F1 over agree, disagree, discuss (the published ~0.60 also averages the easy "
            "unrelated class, so it is not directly comparable)"
        ),
    }


# --- entry points -------------------------------------------------------------------------


def evaluate_claims(data: Path, *, split: str = "test", limit: int | None = None) -> dict:
    """Run the claim tagger over the four data sets and score it; plain JSON-ready numbers."""
    if split not in SPLITS:
        raise EvaluationDataError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    if limit is not None and limit < 1:
        raise EvaluationDataError("limit must be at least 1")
    require(data)
    started = time.perf_counter()
    load_nlp()
    tagger = _Tagger()
    results: dict[str, object] = {"split": split, "limit": limit, "data": str(data)}
    for name, run in (("conll2010", _conll), ("emergent", _emergent), ("polnear", _polnear), ("fnc1", _fnc)):
        set_started = time.perf_counter()
        sentences_before = tagger.sentences
        found = run(data, split, limit, tagger)
        found["seconds"] = round(time.perf_counter() - set_started, 2)
        found["sentences_tagged"] = tagger.sentences - sentences_before
        results[name] = found
    results["tagger"] = {
        "sentences": tagger.sentences,
        "seconds": round(tagger.seconds, 2),
        "sentences_per_second": round(tagger.sentences / tagger.seconds, 1) if tagger.seconds else 0.0,
        "batch_size": tagger.batch_size,
    }
    results["anchors"] = ANCHORS
    results["seconds"] = round(time.perf_counter() - started, 2)
    return results


def render_claims_table(console: Console, results: dict) -> None:
    """Each figure next to its published anchor and our target; then how each set was counted."""
    from rich.table import Table

    table = Table(title=f"Claim statuses on public data, {results['split']} split")
    table.add_column("data set: measure")
    table.add_column("factdesk", justify="right")
    table.add_column("P / R", justify="right")
    table.add_column("published", justify="right")
    table.add_column("target", justify="right")
    table.add_column("n", justify="right")
    conll, emergent, polnear, fnc = (results[name] for name in ("conll2010", "emergent", "polnear", "fnc1"))
    rows = [
        ("CoNLL-2010: uncertain F1", conll["f1"], (conll["precision"], conll["recall"]), "conll2010", conll["n"]),
        ("Emergent: accuracy", emergent["accuracy"], None, "emergent", emergent["n"]),
        (
            "PolNeAR: cue F1",
            polnear["cue_f1"],
            (polnear["cue_precision"], polnear["cue_recall"]),
            "polnear_cue",
            polnear["n"],
        ),
        (
            "PolNeAR: source F1",
            polnear["source_f1"],
            (polnear["source_precision"], polnear["source_recall"]),
            "polnear_source",
            polnear["n"],
        ),
        ("FNC-1: macro-F1, 3 stances", fnc["macro_f1"], None, "fnc1", fnc["n"]),
    ]
    for label, value, pr, key, n in rows:
        anchor = ANCHORS[key]
        target = anchor["target"]
        table.add_row(
            label,
            f"{value:.3f}",
            f"{pr[0]:.2f} / {pr[1]:.2f}" if pr else "",
            str(anchor["published"]),
            f">= {target:.2f}" if isinstance(target, float) else "-",
            str(n),
        )
    console.print(table)
    cue, source = polnear["cue_span_overlap"], polnear["source_span_overlap"]
    tagger = results["tagger"]
    console.print(
        f"PolNeAR span overlap F1: cue {cue['f1']:.3f}, source {source['f1']:.3f}. "
        f"FNC-1 discuss vs not: {fnc['discuss_vs_not_macro_f1']:.3f}.\n"
        f"Tagger: {tagger['sentences']} sentences in {tagger['seconds']:.1f} s "
        f"({tagger['sentences_per_second']:.0f} sentences/s); whole run {results['seconds']:.1f} s.",
        highlight=False,
    )
    for name, label in (
        ("conll2010", "CoNLL-2010"),
        ("emergent", "Emergent"),
        ("polnear", "PolNeAR"),
        ("fnc1", "FNC-1"),
    ):
        found = results[name]
        console.print(f"[dim]{label} ({found['split']}): {found['how_counted']}[/]", highlight=False)
