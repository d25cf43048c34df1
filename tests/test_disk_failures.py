"""A full disk and a read-only data folder: a clear one-line error, and the index that was
serving still serves once the disk is back. Needs root to mount a small tmpfs (CI runs as root);
skipped elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEED_CORPUS, write_article

FACTDESK = str(Path(sys.executable).parent / "factdesk")


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount_point)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def run(tmp_path: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")},
        "FACTDESK_DATA_DIR": str(data),
        "FACTDESK_CORPUS_DIR": str(tmp_path / "corpus"),
        "FACTDESK_THREADS": "1",
    }
    return subprocess.run([FACTDESK, *args], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)


def add_articles(corpus: Path, start: int, count: int) -> None:
    for number in range(start, start + count):
        write_article(
            corpus,
            f"extra-{number}.md",
            title=f"Extra {number}",
            outlet="Daily",
            body=" ".join(f"Extra story {number} sentence {i} about the harbor." for i in range(40)),
        )


@pytest.mark.slow
def test_full_disk_and_read_only_folder(tmp_path: Path, small_disk: Path) -> None:
    shutil.copytree(SEED_CORPUS, tmp_path / "corpus")
    data = small_disk / "data"
    assert run(tmp_path, data, "index").returncode == 0
    question = ("ask", "--json", "What is distillation?")
    assert run(tmp_path, data, *question).returncode == 0

    # Full disk: fill what is left, then try to index more.
    with open(small_disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * (1 << 20))
                filler.flush()
        except OSError:
            pass
    add_articles(tmp_path / "corpus", 0, 30)
    full = run(tmp_path, data, "index")
    assert full.returncode != 0
    assert "Traceback" not in full.stdout + full.stderr
    assert "error" in full.stderr.lower() and ("space" in full.stderr.lower() or "full" in full.stderr.lower())

    # Read-only folder.
    (small_disk / "filler").unlink()
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
    read_only = run(tmp_path, data, "index")
    assert read_only.returncode != 0 and "Traceback" not in read_only.stdout + read_only.stderr
    assert "error" in read_only.stderr.lower()

    # Disk back: nothing was corrupted, the update completes, old and new articles answer.
    assert subprocess.run(["mount", "-o", "remount,rw", str(small_disk)]).returncode == 0
    repaired = run(tmp_path, data, "index")
    assert repaired.returncode == 0, repaired.stderr
    answer = run(tmp_path, data, *question)
    assert answer.returncode == 0 and "distillation" in answer.stdout
    assert "extra-29" in run(tmp_path, data, "ask", "--json", "What is extra story 29 about?").stdout
