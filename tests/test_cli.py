"""The `factdesk` command as a user runs it: a real process, real files, clear errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FACTDESK, SEED_CORPUS, free_port, run, write_article


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEED_CORPUS, root / "corpus")
    (root / "corpus" / "broken.md").write_text("---\ntitle: [x\n---\nText")
    result = run(root, "index")
    assert result.returncode == 0, result.stderr
    assert "added" in result.stdout and "the-verge-mythos-export-report" in result.stdout
    assert "broken.md" in result.stdout and "not valid YAML" in result.stdout
    return root


def test_status_shows_the_seed_article(indexed: Path) -> None:
    result = run(indexed, "index", "--status")
    assert result.returncode == 0
    assert "articles" in result.stdout and "embedded chroma" in result.stdout
    assert "all-MiniLM-L6-v2" in result.stdout and "extractive" in result.stdout
    rerun = run(indexed, "index")
    assert re.search(r"skipped \(unchanged\)\s*│\s*1 ", rerun.stdout)
    assert re.search(r"chunks embedded\s*│\s*0 ", rerun.stdout)


def test_ask_json_is_parseable_and_cited(indexed: Path) -> None:
    result = run(indexed, "ask", "--json", "Did a China-linked group gain access to Mythos?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["abstained"] is False and answer["mode"] == "extractive"
    claim = next(c for c in answer["claims"] if "linked to China" in c["text"])
    assert claim["status"] == "reported" and claim["attributed_to"] == "Semafor, via The Verge"
    assert answer["sources"][0]["outlet"] == "The Verge"


def test_ask_pretty_output_names_unconfirmed_claims(indexed: Path) -> None:
    result = run(indexed, "ask", "Did a China-linked group gain access to Mythos?")
    assert result.returncode == 0
    assert "Unconfirmed:" in result.stdout and "Semafor, via The Verge" in result.stdout
    assert "Sources" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("ask", "   "), {}, "The question is empty"),
        (("ask", "x" * 5000), {}, "limit is 1,000"),
        (("--llm", "nonsense", "ask", "hi"), {}, "Invalid value"),
        (
            ("ask", "hi"),
            {"FACTDESK_CHROMA_PORT": "not-a-port"},
            "bad setting: FACTDESK_CHROMA_PORT: Input should be a valid integer",
        ),
        (("--since", "x"), {}, "No such option"),
    ],
)
def test_user_errors_are_one_clear_line(
    indexed: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    result = run(indexed, *args, env=env)
    assert result.returncode != 0
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_no_index_yet_and_store_down_are_clear(tmp_path: Path) -> None:
    write_article(tmp_path / "corpus", "a.md", title="T", outlet="O", body="Text.")
    empty = run(tmp_path, "ask", "What happened?")
    assert empty.returncode == 1 and "run `factdesk index` first" in empty.stderr
    down = run(tmp_path, "--chroma-host", "127.0.0.1", "--chroma-port", str(free_port()), "index")
    assert down.returncode == 1 and "cannot open chroma server" in down.stderr
    assert "Traceback" not in empty.stderr + down.stderr


@pytest.mark.parametrize("stop_signal", ["SIGINT", "SIGTERM"])
def test_watch_reindexes_when_an_article_arrives(tmp_path: Path, stop_signal: str) -> None:
    """The watch re-indexes new files, holds the writer lock (a second indexer is told who has it),
    and stops cleanly on Ctrl-C and on SIGTERM, Docker's stop signal."""
    import queue
    import signal
    import threading
    import time

    write_article(tmp_path / "corpus", "first.md", title="First", outlet="Daily", body="The first story.")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")},
        "FACTDESK_DATA_DIR": str(tmp_path / "data"),
        "FACTDESK_CORPUS_DIR": str(tmp_path / "corpus"),
        "FACTDESK_THREADS": "1",
        "COLUMNS": "200",
        "PYTHONUNBUFFERED": "1",
        "PYTHONFAULTHANDLER": "1",  # SIGABRT dumps every thread's stack if the watch ever hangs
    }
    process = subprocess.Popen(
        [FACTDESK, "index", "--watch"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # As from a terminal: a shell that runs the suite in the background (`... &`) ignores SIGINT
        # for everything it starts, and Python then never turns Ctrl-C into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []

    def wait_for(pattern: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
            if re.search(pattern, seen[-1]):
                return
        pytest.fail(f"no line matching {pattern!r}:\n" + "".join(seen))

    try:
        wait_for("watching")
        second = run(tmp_path, "index", "--rebuild")
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert f"another indexer is writing to {tmp_path / 'data'} (pid {process.pid} factdesk index" in second.stderr
        write_article(tmp_path / "corpus", "second.md", title="Second", outlet="Daily", body="The second story.")
        wait_for(r"added\s*│\s*1\s*│\s*second")
    finally:
        process.send_signal(getattr(signal, stop_signal))
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            process.wait(timeout=30)
            time.sleep(1)  # let the reader thread collect the stack dump
            while not lines.empty():
                seen.append(lines.get())
            pytest.fail("the watch did not stop within 30 s of Ctrl-C; its threads:\n" + "".join(seen[-200:]))
    assert process.returncode == 0  # Ctrl-C and SIGTERM end the watch cleanly
    while not lines.empty():
        seen.append(lines.get())
    assert "stopped watching" in "".join(seen) and "Traceback" not in "".join(seen)


def test_internal_error_is_one_line_with_details_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import app as cli

    def broken_update(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk gremlin")

    write_article(tmp_path / "corpus", "a.md", title="T", outlet="O", body="Text.")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "run_update", broken_update)
    monkeypatch.setattr(sys, "argv", ["factdesk", "--data-dir", str(tmp_path / "elsewhere"), "index"])
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 70
    incident = re.search(r"internal error ([0-9a-f]{8}): RuntimeError: disk gremlin", capsys.readouterr().err)
    assert incident is not None
    log = (tmp_path / "elsewhere" / "errors.log").read_text()
    assert f"incident {incident.group(1)}" in log and "Traceback" in log
    assert not (tmp_path / ".factdesk").exists()
