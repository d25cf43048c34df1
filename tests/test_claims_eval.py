"""Scoring of the claim tagger on public data: metrics on fixtures written here, and a short real run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rich.console import Console

from evaluation.claims import (
    emergent_splits,
    evaluate_claims,
    fnc_body_stance,
    fnc_split,
    gold_attributions,
    render_claims_table,
    score_attributions,
)
from evaluation.data import EvaluationDataError
from evaluation.metrics import (
    accuracy,
    binary_scores,
    macro_f1,
    prf,
    read_brat,
    span_counts,
    token_counts,
    tokenize,
    tokens_in,
)
from index.claims.status import ClaimStatus
from tests.conftest import REPO

SHARED_DATA = REPO.parent / "shared" / "data"


def test_precision_recall_f1() -> None:
    assert prf(2, 1, 1) == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert prf(0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    scores = binary_scores([True, True, False, False], [True, False, True, False])
    assert scores == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "accuracy": 0.5})
    with pytest.raises(ValueError):
        binary_scores([True], [])


def test_accuracy_and_macro_f1() -> None:
    gold = ["agree", "discuss", "discuss", "disagree"]
    predicted = ["agree", "discuss", "agree", "discuss"]
    assert accuracy(gold, predicted) == 0.5
    macro, per_label = macro_f1(gold, predicted, ("agree", "disagree", "discuss"))
    # agree: P 1/2 R 1 -> 2/3; disagree: 0; discuss: P 1/2 R 1/2 -> 1/2
    assert per_label == pytest.approx({"agree": 2 / 3, "disagree": 0.0, "discuss": 0.5})
    assert macro == pytest.approx((2 / 3 + 0.5) / 3)


ANN = (
    "T1\tSource 0 9\tThe mayor\n"
    "T2\tCue 10 14\tsaid\n"
    "T3\tContent 15 37;43 49\tthe bridge will reopen in May\n"
    "T4\tAttribution 10 14\tsaid\n"
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
)
TEXT = "The mayor said the bridge will reopen, and in May.\n\nIt rained on Tuesday, officials said.\n"


def test_read_brat_keeps_types_and_fragments() -> None:
    spans = read_brat(ANN)
    assert [span.kind for span in spans] == ["Source", "Cue", "Content", "Attribution"]
    assert spans[2].fragments == ((15, 37), (43, 49))
    assert gold_attributions(ANN) == {"Cue": [(10, 14)], "Source": [(0, 9)]}


def test_tokens_overlapping_spans() -> None:
    text = "The mayor said: yes."
    tokens = tokenize(text)
    assert [text[start:end] for start, end in tokens] == ["The", "mayor", "said", ":", "yes", "."]
    assert tokens_in(tokens, [(4, 9)]) == {1}
    assert tokens_in(tokens, [(6, 12)]) == {1, 2}  # a span cutting into words touches both
    assert tokens_in(tokens, [(9, 10)]) == set()  # only the space
    # gold "The mayor" against predicted "mayor said": 1 right, 1 extra, 1 missed
    assert token_counts(tokens, [(0, 9)], [(4, 14)]) == (1, 1, 1)
    assert span_counts(tokens, [(0, 9), (16, 19)], [(4, 14)]) == (1, 1, 1, 2)


def test_score_attributions_counts_tokens_per_kind() -> None:
    predicted = {"Cue": [(10, 14), (84, 88)], "Source": [(4, 9), (74, 83)]}
    counts = score_attributions(TEXT, gold_attributions(ANN), predicted)
    assert (counts["Cue"]["tp"], counts["Cue"]["fp"], counts["Cue"]["fn"]) == (1, 1, 0)
    assert (counts["Source"]["tp"], counts["Source"]["fp"], counts["Source"]["fn"]) == (1, 1, 1)
    assert counts["Source"]["spans_found"] == 1 and counts["Source"]["spans_gold"] == 1


def test_fixed_splits() -> None:
    assert emergent_splits(["c3", "c1", "c2", "c1"]) == {"c1": "dev", "c2": "test", "c3": "dev"}
    assert [fnc_split(body) for body in ("0", "5", "7", "2040")] == ["dev", "dev", "test", "dev"]


def test_body_stance_from_statuses() -> None:
    confirmed, reported, disputed = ClaimStatus.CONFIRMED, ClaimStatus.REPORTED, ClaimStatus.DISPUTED
    assert fnc_body_stance([]) == "agree"
    assert fnc_body_stance([confirmed] * 9) == "agree"
    assert fnc_body_stance([reported] * 5 + [confirmed] * 5) == "discuss"
    assert fnc_body_stance([disputed] * 3 + [reported] * 3 + [confirmed] * 4) == "disagree"


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _tiny_data(root: Path) -> Path:
    """All four sets in their published layout, with sentences written for this test."""
    _write_csv(
        root / "conll2010" / "uncertainty-conll2010.csv",
        [
            ["-1", "The storm may have damaged the pier."],
            ["1", "The council approved the budget on Monday."],
            ["-1", "Sources said the talks had collapsed."],
            ["1", "The mine is probably the oldest in the region."],
        ],
    )
    header = ["", "claimHeadline", "articleHeadline", "y", "y_hat", "articleId", "claimId"]
    _write_csv(
        root / "emergent" / "test-sample.csv",
        [
            header,
            ["0", "The bridge collapsed", "Officials say the bridge collapsed", "observing", "", "a1", "c1"],
            ["1", "The bridge collapsed", "The bridge collapsed on Monday", "for", "", "a2", "c1"],
            [
                "2",
                "The bridge collapsed",
                "The minister denied that the bridge had collapsed",
                "against",
                "",
                "a3",
                "c1",
            ],
            ["3", "The mayor resigned", "The mayor resigned", "for", "", "a4", "c2"],
        ],
    )
    polnear = root / "polnear" / "dev"
    (polnear / "text").mkdir(parents=True)
    (polnear / "attributions").mkdir(parents=True)
    (polnear / "text" / "bridge-story.txt").write_text(TEXT, encoding="utf-8")
    (polnear / "attributions" / "bridge-story_ab12.ann").write_text(ANN, encoding="utf-8")
    _write_csv(
        root / "fnc1" / "competition_test_stances.csv",
        [
            ["Headline", "Body ID", "Stance"],
            ["Bridge collapses", "5", "discuss"],
            ["Bridge collapses", "10", "agree"],
            ["Bridge collapses", "10", "unrelated"],
            ["Bridge collapses", "7", "agree"],
        ],
    )
    _write_csv(
        root / "fnc1" / "competition_test_bodies.csv",
        [
            ["Body ID", "articleBody"],
            ["5", "Officials said the bridge collapsed.\nSources said the mayor had resigned."],
            ["10", "The bridge collapsed on Monday.\n\nEngineers inspected the site on Tuesday."],
            ["7", "The bridge collapsed."],
        ],
    )
    return root


def test_evaluate_claims_on_tiny_fixtures(tmp_path: Path) -> None:
    results = evaluate_claims(_tiny_data(tmp_path), split="dev")
    json.dumps(results)  # plain JSON
    conll = results["conll2010"]
    assert conll["n"] == 4 and conll["n_uncertain"] == 2
    assert conll["precision"] == pytest.approx(2 / 3) and conll["recall"] == 1.0
    emergent = results["emergent"]
    assert emergent["n"] == 3  # claim c1 is dev, c2 is test
    assert emergent["accuracy"] == 1.0
    polnear = results["polnear"]
    assert polnear["n"] == 1 and polnear["n_gold_cues"] == 1
    assert polnear["cue_recall"] == 1.0 and polnear["source_recall"] == 1.0
    fnc = results["fnc1"]
    assert fnc["n"] == 2 and fnc["n_bodies"] == 2  # unrelated pair and test body 7 left out
    assert fnc["f1_per_stance"]["agree"] == 1.0 and fnc["f1_per_stance"]["discuss"] == 1.0
    assert results["tagger"]["sentences"] > 0

    console = Console(record=True, width=140)
    render_claims_table(console, results)
    shown = console.export_text()
    for anchor in ("0.733", "~0.82", "0.68 lexicon", "~0.60"):
        assert anchor in shown


def test_missing_data_and_bad_arguments_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(EvaluationDataError, match="not found"):
        evaluate_claims(tmp_path / "nowhere")
    with pytest.raises(EvaluationDataError, match="not found"):
        evaluate_claims(tmp_path, split="dev")
    with pytest.raises(EvaluationDataError, match="split"):
        evaluate_claims(tmp_path, split="train")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="public evaluation data not present")
def test_real_data_quick_run() -> None:
    results = evaluate_claims(SHARED_DATA, split="dev", limit=50)
    figures = {
        "conll2010": ("precision", "recall", "f1"),
        "emergent": ("accuracy",),
        "polnear": ("cue_f1", "source_f1"),
        "fnc1": ("macro_f1",),
    }
    for name, keys in figures.items():
        assert results[name]["how_counted"] and results[name]["split"]
        assert 0 < results[name]["n"] <= 50
        for key in keys:
            assert 0.0 <= results[name][key] <= 1.0, (name, key)
    assert results["split"] == "dev"
    assert results["tagger"]["sentences_per_second"] > 0
    json.dumps(results)
