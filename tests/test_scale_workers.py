"""Scale beyond one indexer: two workers share one `chroma run` server, each owning half of the
articles (partitioned by id), and an answering process on a third data folder reads them all."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FACTDESK, run, write_article

TOWNS = ["Ashford", "Belmont", "Carver", "Dunmore", "Elgin", "Fairview", "Glenwood", "Hartley", "Irvine", "Jasper"]


def corpus(folder: Path) -> None:
    """One article per town, each with a fact only it states."""
    for number, town in enumerate(TOWNS):
        write_article(
            folder,
            f"{town.lower()}.md",
            title=f"{town} opens a new library",
            outlet=f"{town} Herald",
            published=f"2024-05-{number + 1:02d}",
            body=f"The {town} public library opened on Saturday with {1000 + 111 * number} books on its shelves.\n"
            f"The {town} mayor cut the ribbon in front of a crowd of residents.",
        )


@pytest.mark.slow
def test_two_workers_and_a_reader_on_one_chroma_server(tmp_path: Path, chroma_server: tuple[str, int]) -> None:
    host, port = chroma_server
    corpus(tmp_path / "corpus")
    server = {"FACTDESK_CHROMA_HOST": host, "FACTDESK_CHROMA_PORT": str(port), "FACTDESK_COLLECTION": "towns"}

    def worker(number: int) -> dict[str, str]:
        return {**server, "FACTDESK_PARTITION": f"{number}/2", "FACTDESK_DATA_DIR": str(tmp_path / f"worker{number}")}

    # Both workers at once, as they would run on two machines.
    processes = [
        subprocess.Popen(
            [FACTDESK, "index"], cwd=tmp_path, env=run_env(tmp_path, worker(n)), stdout=subprocess.PIPE, text=True
        )
        for n in (1, 2)
    ]
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    added = [set(line.split("│")[3].split(", ")) for out in outputs for line in out.splitlines() if "│ added" in line]
    assert len(added) == 2 and not (added[0] & added[1])  # disjoint halves
    assert {name.strip() for part in added for name in part} == {town.lower() for town in TOWNS}

    # A worker's second run leaves the other's articles alone.
    again = run(tmp_path, "index", env=worker(1))
    assert again.returncode == 0
    assert re.search(r"removed\s*│\s*0 ", again.stdout) and re.search(r"skipped \(unchanged\)\s*│\s*\d+ ", again.stdout)
    status = run(tmp_path, "index", "--status", env={**server, "FACTDESK_DATA_DIR": str(tmp_path / "reader")})
    assert "│ articles        │ 10" in status.stdout

    # The reader: its own data folder, the workers' keyword indexes as snapshots.
    snapshots = f"{tmp_path / 'worker1'},{tmp_path / 'worker2'}"
    reader = {**server, "FACTDESK_DATA_DIR": str(tmp_path / "reader"), "FACTDESK_KEYWORD_SNAPSHOTS": snapshots}
    for number, town in enumerate(TOWNS):
        result = run(tmp_path, "ask", "--json", f"How many books did the {town} public library open with?", env=reader)
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert any(f"{1000 + 111 * number} books" in claim["text"] for claim in answer["claims"]), (town, answer)
        assert answer["sources"][0]["article_id"] == town.lower()


def run_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    import os

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")},
        "FACTDESK_CORPUS_DIR": str(tmp_path / "corpus"),
        "FACTDESK_THREADS": "1",
        "COLUMNS": "200",
        **extra,
    }
