"""Scoring of the claim tagger on public data: metrics on fixtures written here, and a short real run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rich.console import Console

from evaluation import claims_data as sets
from evaluation.claims import (
    conll_label,
    evaluate_claims,
    fnc_body_stance,
    gold_attributions,
    gold_sentence,
    normalise_source,
    render_claims_table,
    score_attributions,
    speaks_for_someone,
    vague_source,
)
from evaluation.data import EvaluationDataError
from evaluation.metrics import (
    accuracy,
    binary_scores,
    fnc_score,
    macro_f1,
    mcc,
    prf,
    read_brat,
    span_counts,
    token_counts,
    tokenize,
    tokens_in,
)
from index.claims.rules import load_nlp
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


def test_mcc_and_the_official_fnc_score() -> None:
    assert mcc([True, True, False, False], [True, True, False, False]) == pytest.approx(1.0)
    assert mcc([True, False, True, False], [True, True, True, True]) == 0.0  # a constant guess
    gold = ["agree", "unrelated", "discuss", "disagree"]
    assert fnc_score(gold, gold) == (0.25 * 4 + 0.5 * 3 + 0.25 * 3, 0.25 * 4 + 0.5 * 3 + 0.25 * 3)
    # related called related but the wrong stance: 0.25; unrelated called related: 0; the maximum
    # is 1.0 for the agree pair (0.25 + 0.5 + 0.25) and 0.25 for the unrelated one
    assert fnc_score(["agree", "unrelated"], ["discuss", "agree"]) == (0.25, 1.25)


def test_fixed_splits(tmp_path: Path) -> None:
    rows = [["-1" if n % 3 == 0 else "1", f"Row {n} of the sample."] for n in range(30)]
    _write_csv(tmp_path / "conll2010" / "uncertainty-conll2010.csv", rows)
    dev, test = sets.conll_split(tmp_path, "dev"), sets.conll_split(tmp_path, "test")
    assert len(dev) == 15 and len(test) == 15 and not {s for s, _ in dev} & {s for s, _ in test}
    assert sum(u for _, u in dev) == 5 and sum(u for _, u in test) == 5  # stratified
    assert dev == sets.conll_split(tmp_path, "dev")  # seeded
    assert sets.fnc_side(sets.FncPair("x", "10", "agree")) in ("dev", None)
    assert sets.fnc_side(sets.FncPair("x", "11", "agree")) in ("fit", None)


def test_conll_label_counts_vague_reports_as_uncertain() -> None:
    nlp = load_nlp()
    from index.claims.tagger import analyse_paragraph

    def uncertain(text: str) -> bool:
        doc = nlp(text)
        return conll_label(doc, [analysis for _, analysis in analyse_paragraph(doc, "rules")])

    assert uncertain("The storm may have damaged the pier.")
    assert uncertain("Critics claim the river was polluted for years.")
    assert not uncertain("Governor Lee claims the river was polluted for years.")  # a named "X claims"
    assert not uncertain("The council approved the budget on Monday.")
    doc = nlp("Sources said the talks had collapsed.")
    ((_, analysis),) = analyse_paragraph(doc, "rules")
    assert vague_source(doc, analysis.cue) and speaks_for_someone(analysis)


def test_the_hedge_model_is_chosen_by_its_mean_over_several_fold_assignments(tmp_path: Path) -> None:
    """One 5-fold assignment of 1,500 rows moves a setting's MCC by up to 0.03: each setting is
    scored by its mean over `HEDGE_REPEATS` seeded assignments, and the best mean at or above the
    lowest threshold news allows is chosen."""
    from evaluation.claims_training import HEDGE_MIN_THRESHOLD, HEDGE_REPEATS, Parser, train_hedge
    from index.claims.learned.linear import LinearModel
    from index.claims.learned.models import HEDGE, load_tagger

    things = ["mill", "pier", "chapel", "bridge", "lighthouse", "market", "school", "tower", "harbor", "mine"]
    rows = [["-1", f"Some historians believe the {thing} is much older."] for thing in things]
    rows += [["-1", f"The {thing} was probably rebuilt after the war."] for thing in things]
    rows += [["1", f"The {thing} opened in {1890 + n}."] for n, thing in enumerate(things)]
    rows += [["1", f"The council bought the {thing} in {1950 + n}."] for n, thing in enumerate(things)]
    _write_csv(tmp_path / "conll2010" / "uncertainty-conll2010.csv", rows)
    out = tmp_path / "models"
    out.mkdir()
    report = train_hedge(tmp_path, out, Parser(), load_tagger(hedge=False))
    meta = LinearModel.load(out / HEDGE).meta
    seeds = meta["fold_seeds"]
    assert isinstance(seeds, list) and len(set(seeds)) == HEDGE_REPEATS > 1
    tried = meta["cross_validation"]
    assert isinstance(tried, list)
    for setting in tried:
        low, high = setting["mcc_range"]
        assert low <= setting["mcc"] <= high
    allowed = [setting for setting in tried if setting["threshold"] >= HEDGE_MIN_THRESHOLD]
    assert report["chosen"] == max(allowed, key=lambda setting: setting["mcc"])


def test_gold_sentence_takes_the_source_of_the_attribution_it_lies_in() -> None:
    spans, attributions = sets.parse_polnear_annotation(ANN)
    document = sets.PolnearDoc("bridge", TEXT, spans, attributions)
    tokens = tokenize(TEXT)
    content = tokens_in(tokens, spans["Content"])
    first = gold_sentence(document, tokens, content, 0, 50)
    assert first.reported is False  # 6 of its 12 tokens inside the content: not more than half
    inside = gold_sentence(document, tokens, content, 15, 50)
    assert inside.reported and inside.source == "The mayor"
    assert normalise_source(' "The Mayor," ') == "the mayor"


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
    conll = [
        ["-1", "The storm may have damaged the pier."],
        ["1", "The council approved the budget on Monday."],
        ["-1", "Some historians believe the mill is older."],
        ["1", "The mine opened in 1901."],
        ["-1", "The bridge is probably the oldest in the region."],
        ["1", "The ferry leaves at nine."],
    ]
    _write_csv(root / "conll2010" / "uncertainty-conll2010.csv", conll)
    header = ["", "claimHeadline", "articleHeadline", "y", "y_hat", "articleId", "claimId"]
    _write_csv(
        root / "emergent" / "test-sample.csv",
        [
            header,
            ["0", "The bridge collapsed", "Officials say the bridge collapsed", "observing", "", "a1", "c1"],
            ["1", "The bridge collapsed", "The bridge collapsed on Monday", "for", "", "a2", "c1"],
            ["2", "The bridge collapsed", "Minister denies that the bridge collapsed", "against", "", "a3", "c1"],
        ],
    )
    _write_csv(
        root / "emergent" / "train.csv",
        [
            ["", "claimHeadline", "articleHeadline", "articleHeadlineStance", "articleId", "claimId"],
            ["0", "The mayor resigned", "Reports say the mayor resigned", "observing", "b1", "d0"],
            ["1", "The mayor resigned", "The mayor resigned", "for", "b2", "d1"],
        ],
    )
    for split in ("dev", "test"):
        polnear = root / "polnear" / split
        (polnear / "text").mkdir(parents=True)
        (polnear / "attributions").mkdir(parents=True)
        (polnear / "text" / "bridge-story.txt").write_text(TEXT, encoding="utf-8")
        (polnear / "attributions" / "bridge-story_ab12.ann").write_text(ANN, encoding="utf-8")
    stances = [
        ["Headline", "Body ID", "Stance"],
        ["Bridge collapses in storm", "5", "discuss"],
        ["Bridge collapses in storm", "10", "agree"],
        ["Orchestra tours Vienna", "10", "unrelated"],
        ["Bridge collapses in storm", "7", "agree"],
    ]
    bodies = [
        ["Body ID", "articleBody"],
        ["5", "Officials said the bridge collapsed in the storm.\nSources said the mayor had resigned."],
        ["10", "The bridge collapsed in the storm on Monday.\n\nEngineers inspected the site on Tuesday."],
        ["7", "The bridge collapsed in the storm."],
    ]
    for prefix in ("competition_test", "train"):
        _write_csv(root / "fnc1" / f"{prefix}_stances.csv", stances)
        _write_csv(root / "fnc1" / f"{prefix}_bodies.csv", bodies)
    return root


def test_evaluate_claims_on_tiny_fixtures(tmp_path: Path) -> None:
    results = evaluate_claims(_tiny_data(tmp_path), split="test")
    json.dumps(results)  # plain JSON
    # The keys the issue fixes for `factdesk eval claims --json`.
    for name, keys in {
        "conll2010": ("f1", "mcc", "accuracy", "baseline_f1"),
        "polnear": ("cue_f1", "source_f1", "sentence_f1"),
        "emergent": ("accuracy",),
        "fnc1": ("related_macro_f1", "macro_f1_4class", "fnc_score"),
    }.items():
        section = results[name]
        for key in keys:
            assert 0.0 <= section[key] <= 1.0, (name, key)
            if key != "baseline_f1":
                assert 0.0 <= section["rules_baseline"][key] <= 1.0, (name, key)
    conll = results["conll2010"]
    assert conll["n"] == 4 and conll["n_uncertain"] == 2 and conll["baseline_f1"] == pytest.approx(2 / 3)
    assert results["emergent"]["n"] == 3 and results["emergent"]["rules_baseline"]["accuracy"] == 1.0
    polnear = results["polnear"]
    assert polnear["n"] == 1 and polnear["rules_baseline"]["cue_recall"] == 1.0
    assert polnear["annotator_alpha"] == 0.754
    fnc = results["fnc1"]
    assert fnc["n"] == 4 and fnc["n_related"] == 3 and fnc["n_bodies"] == 3
    assert results["tagger"]["sentences"] > 0
    assert "train splits only" in results["protocol"]

    console = Console(record=True, width=200)
    render_claims_table(console, results)
    shown = console.export_text()
    for anchor in ("0.733", "0.754", "~0.47", "0.8268", ">= 0.85", "rules"):
        assert anchor in shown

    dev = evaluate_claims(tmp_path, split="dev")
    assert "in_sample" in dev["conll2010"] and "in_sample" in dev["emergent"]
    assert dev["emergent"]["n"] == 1  # the dev claim of train.csv (every 5th claim id: d0)


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
        "fnc1": ("related_macro_f1", "macro_f1_4class", "fnc_score"),
    }
    for name, keys in figures.items():
        assert results[name]["how_counted"] and results[name]["split"]
        assert 0 < results[name]["n"] <= 50
        assert results[name]["simple_baselines"]
        for key in keys:
            assert 0.0 <= results[name][key] <= 1.0, (name, key)
            assert 0.0 <= results[name]["rules_baseline"][key] <= 1.0, (name, key)
    assert results["split"] == "dev"
    assert results["tagger"]["sentences_per_second_with_parse"] > 0
    json.dumps(results)
