"""`factdesk eval rgb` as a user runs it, on the first questions of RGB en_fact, with floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.rgb import passages_for, states
from tests.conftest import REPO, run

DATA = REPO.parent / "shared" / "data"


def test_an_answer_states_the_gold_only_as_a_whole_phrase() -> None:
    assert states("Played in Tampa, Florida on Sunday.", ("Tampa, Florida",))
    assert not states("Played in Tampanese Florida.", ("Tampa, Florida",))
    assert states("Norway won.", ("U.S.", "Norway"))


def test_each_condition_indexes_what_it_says() -> None:
    from evaluation.rgb import NOISE_OUTLET, TRUE_OUTLET, WRONG_OUTLET, RgbQuestion

    question = RgbQuestion(1, "q?", ("a",), "f", ("p1", "p2"), ("w1", "w2"), ("n1",))
    assert passages_for(question, "noise") == [(TRUE_OUTLET, "p1"), (TRUE_OUTLET, "p2"), (NOISE_OUTLET, "n1")]
    assert passages_for(question, "negative") == [(NOISE_OUTLET, "n1")]
    assert passages_for(question, "counterfactual")[2:] == [(WRONG_OUTLET, "w1"), (WRONG_OUTLET, "w2")]
    assert passages_for(question, "consistent") == [(TRUE_OUTLET, "p1"), (WRONG_OUTLET, "p2")]


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "rgb" / "en_fact.json").is_file(), reason="../shared/data is not beside the repository")
def test_eval_rgb_json_on_the_first_questions(tmp_path: Path) -> None:
    out = tmp_path / "rgb.json"
    finished = run(
        tmp_path, "eval", "rgb", "--limit", "5", "--data", str(DATA), "--json", "--out", str(out), timeout=900
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    results = json.loads(finished.stdout)
    assert set(results) >= {"noise_robustness", "negative_rejection", "error_detection", "false_alarms", "published"}
    assert results["questions"] == 5 and "answers" not in results
    # Floors on these five questions, from a run on 2026-12-01 (1.0, 0.0, 1.0, 0.0), less one question.
    assert results["noise_robustness"] >= 0.8
    assert results["error_detection"] >= 0.8
    assert results["false_alarms"] <= 0.2
    assert len(json.loads(out.read_text())["answers"]) == 5
