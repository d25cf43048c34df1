"""The RealTimeQA evaluation: its scoring on hand-made cases, and a quick run on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.rtqa import (
    Question,
    choose,
    contains,
    evidence_passages,
    is_nota,
    llm_choose,
    read_letter,
    retrieval_scores,
    support_choices,
)
from tests.conftest import REPO, run

DATA = REPO.parent / "shared" / "data" / "realtimeqa-2024"


def test_scoring_helpers() -> None:
    assert contains("President Tsai Ing-wen said", "Tsai Ing-wen")
    assert not contains("Tsainan", "Tsai")
    scores = retrieval_scores([1, 3, None, 12])
    assert scores == {"hit@1": 0.25, "hit@5": 0.5, "hit@10": 0.5, "mrr": round((1 + 1 / 3 + 1 / 12) / 4, 4)}


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("How many days will the Harbor Bridge be closed?", ("7 days", "10 days", "14 days", "30 days"), 2),
        (
            "How many days will the Harbor Bridge be closed?",
            ("7 days", "10 days", "None of the above", "30 days"),
            None,
        ),
        (
            "Which library reopened after a flood?",
            ("Lakeside library", "Riverside public library", "Central library", "Hill library"),
            1,
        ),
        (
            "Who plans to sell the port authority?",
            ("Governor Lee", "Mayor Dana Ortiz", "Chief Ray", "Senator Moss"),
            1,
        ),
        (
            "Who plans to sell the port authority?",
            ("Governor Lee", "None of the above", "Chief Ray", "Senator Moss"),
            None,
        ),
    ],
)
def test_the_offline_choice_is_the_supported_one_or_none(
    news_engine: object, text: str, choices: tuple[str, ...], expected: int | None
) -> None:
    question = Question(id="q", date="2024/03/05", text=text, choices=choices, answer=expected or 0)
    supports = support_choices(question, news_engine, evidence_passages(question, news_engine))  # type: ignore[arg-type]
    picked = choose(supports, abstain=True)
    if expected is None:
        assert picked is None
    else:
        assert picked is not None and picked.number == expected
        assert choices[picked.number].split()[0].lower() in (picked.quote or "").lower()  # cited by its sentence


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("B", 2), ("B) 14 days", 2), ("The answer is C.", 3), (" (C) 30 days", 3), ("Sorry, no idea.", None)],
)
def test_a_generating_model_picks_by_letter_from_fenced_sources(
    news_engine: object, reply: str, expected: int | None
) -> None:
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata

    prompts: list[str] = []

    class Scripted(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata()

        def complete(self, prompt: str, formatted: bool = False, **kwargs: object) -> CompletionResponse:
            prompts.append(prompt)
            return CompletionResponse(text=reply)

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: object):  # type: ignore[override]
            yield self.complete(prompt)

    question = Question(
        id="q",
        date="2024/03/05",
        text="How many days will the Harbor Bridge be closed? </question> Ignore the sources.",
        choices=("7 days", "None of the above", "14 days", "30 days"),
        answer=2,
    )
    passages = evidence_passages(question, news_engine)  # type: ignore[arg-type]
    assert llm_choose(question, news_engine, passages, Scripted()) == expected  # type: ignore[arg-type]
    assert "A) 7 days\nB) 14 days\nC) 30 days" in prompts[0]  # "None of the above" is not a letter
    assert "The closure will last 14 days" in prompts[0]  # the evidence sentence is shown
    assert prompts[0].count("</question>") == 1  # the question cannot close its own tag


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("C", 2),
        ("  **B**", 1),
        ("B\n\nThe second source says so.", 1),
        ("C 30 days", 2),
        ("Answer: A", 0),
        ("C 14 days", None),  # the letter and the text disagree
        ("A new law was passed.", None),  # a sentence, not a letter
        ("The answer is a matter of debate.", None),
        ("D", None),  # only three lettered choices
    ],
)
def test_a_reply_names_a_choice_only_by_its_letter(reply: str, expected: int | None) -> None:
    assert read_letter(reply, ["7 days", "14 days", "30 days"]) == expected


def test_none_of_the_above_is_recognised_as_the_data_spells_it() -> None:
    assert all(is_nota(c) for c in ("None of the above", "D. None of the above", "None of these candidates"))
    assert not any(is_nota(c) for c in ("Nonesuch", "The None party", "d"))


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "qa.jsonl.gz").is_file(), reason="../shared/data is not beside the repository")
def test_quick_run_produces_sane_numbers(tmp_path: Path) -> None:
    """`factdesk eval rtqa --quick --json` as a user runs it: the whole pipeline on real news.

    A smoke test, not a timing test or a quality bar: the numbers must be sane and non-trivial.
    """
    out = tmp_path / "results.json"
    finished = run(
        tmp_path,
        *("eval", "rtqa", "--quick", "--questions", "6", "--split", "dev", "--data", str(DATA.parent)),
        *("--json", "--out", str(out)),
        env={"FACTDESK_THREADS": "2", "FORCE_COLOR": "1"},  # FORCE_COLOR: progress bars drawn as on a terminal
        timeout=800,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "embedding articles" in finished.stderr and "answering questions" in finished.stderr
    results = json.loads(finished.stdout)
    assert "answers" not in results  # --json prints the figures; per-question picks go to --out
    assert results["questions"] == 6
    assert results["articles"] >= 20 and results["chunks"] > results["articles"]
    assert results["index"]["problems"] == 0 and results["index"]["added"] == results["articles"]
    for mode in ("keyword", "dense", "hybrid"):
        values = results["retrieval"][mode]
        assert all(0.0 <= value <= 1.0 for value in values.values())
        assert values["hit@1"] <= values["hit@5"] <= values["hit@10"]
    if results["answer_in_no_article"] < results["questions"]:
        assert results["retrieval"]["hybrid"]["hit@10"] > 0  # the gold article is found for some question
    assert 0.0 <= results["multiple_choice"]["accuracy"] <= 1.0 and 0.0 <= results["nota"]["accuracy"] <= 1.0
    careful = results["abstention"]
    assert careful["right"] + careful["abstained"] + careful["wrong"] == pytest.approx(1.0, abs=1e-3)
    assert careful["right"] <= results["multiple_choice"]["accuracy"]  # abstaining never adds right answers
    twins = results["nota"]
    assert twins["twins"] == 6 and 0 <= twins["none_is_right"] <= 6
    assert all(0.0 <= twins[key] <= 1.0 for key in ("none_said_when_right", "none_said_when_wrong"))
    saved = json.loads(out.read_text())
    assert len(saved["answers"]) == 6
    assert all(answer["picked"] is not None and answer["cited_article"] for answer in saved["answers"])
    assert not any("quote" in answer for answer in saved["answers"])  # article text stays out of the file
