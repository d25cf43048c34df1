"""The RealTimeQA evaluation: its scoring on hand-made cases, and a quick run on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.eval_rtqa import contains, coverage, retrieval_scores
from tests.conftest import REPO, make_settings

DATA = REPO.parent / "shared" / "data" / "realtimeqa-2024"


def test_scoring_helpers() -> None:
    assert contains("President Tsai Ing-wen said", "Tsai Ing-wen")
    assert not contains("Tsainan", "Tsai")
    assert coverage("Lai Ching-te won", "Lai Ching-te") == 1.0
    assert coverage("Lai won", "Lai Ching-te") == pytest.approx(1 / 3)
    scores = retrieval_scores([1, 3, None, 12])
    assert scores == {"hit@1": 0.25, "hit@5": 0.5, "hit@10": 0.5, "mrr": round((1 + 1 / 3 + 1 / 12) / 4, 4)}


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "qa.jsonl.gz").is_file(), reason="../shared/data is not beside the repository")
def test_quick_run_produces_sane_numbers(tmp_path: Path) -> None:
    """A smoke test of the whole pipeline on real news: not a timing test, not a quality bar."""
    from bot.eval_rtqa import evaluate_rtqa

    settings = make_settings(tmp_path / "unused", tmp_path / "data", threads=2)
    results = evaluate_rtqa(settings, DATA, quick=True, split="dev", questions_in_quick=6)
    json.dumps(results)
    assert results["questions"] == 6
    assert results["articles"] >= 20 and results["chunks"] > results["articles"]
    assert results["index"]["problems"] == 0
    for mode in ("bm25", "dense", "hybrid"):
        values = results["retrieval"][mode]
        assert all(0.0 <= value <= 1.0 for value in values.values())
        assert values["hit@1"] <= values["hit@5"] <= values["hit@10"]
    if results["answer_in_no_article"] < results["questions"]:
        assert results["retrieval"]["hybrid"]["hit@10"] > 0  # the gold article is found for some question
    picked = [answer for answer in results["answers"] if answer["picked"] is not None]
    assert all(answer["quote"] for answer in picked)  # every pick is cited by a sentence
    assert 0.0 <= results["multiple_choice"]["accuracy"] <= 1.0 and 0.0 <= results["nota"]["accuracy"] <= 1.0
