"""Following a question end to end: articles arrive one after another, the real `factdesk`
commands index them, and each update announces exactly what the new article changed.

The articles read unambiguously with the shipped tagger (checked with `factdesk ask --json`):
a plan "according to people familiar with the matter" (reported); the ministry saying on the
record that it closed the bridge (the party concerned about its own act: confirmed); another
outlet's article in which the ministry denies it (disputed, by the ministry); and articles about
other things, which must announce nothing.

The kill test runs `factdesk index` in a real process and kills it with SIGKILL after it recorded
a change and while its webhook POST cannot even connect (the receiver's accept queue is full, so
not a byte is sent): the next run sends it once, the runs after it nothing more.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.follows.config import FollowConfig
from bot.follows.store import FollowStore
from tests.conftest import factdesk_command, factdesk_env, factdesk_server, run, write_article

BRIDGE = "Did the transport ministry close the Harbor Bridge?"
LIBRARY = "When did the Riverside library reopen?"
PLAN = (
    "The transport ministry will close the Harbor Bridge to traffic next month, "
    "according to people familiar with the matter."
)
CLOSED = "The transport ministry said it closed the Harbor Bridge to traffic on Tuesday."
DENIED = "The transport ministry denied on Thursday that it had closed the Harbor Bridge to traffic."
REOPENED = "The Riverside public library reopened on Saturday after a flood closed it for six months."
MINISTRY = "The transport ministry"

ARTICLES: dict[str, dict[str, str]] = {
    "plan": dict(
        title="Ministry to close the Harbor Bridge, sources say",
        outlet="Coastal Tribune",
        published="2024-05-01",
        url="https://tribune.example/bridge-plan",
        body=PLAN,
    ),
    "closed": dict(
        title="Harbor Bridge closed",
        outlet="Valley Herald",
        published="2024-05-03",
        url="https://herald.example/bridge-closed",
        body=CLOSED,
    ),
    "denied": dict(
        title="Ministry denies closing the Harbor Bridge",
        outlet="Northern Ledger",
        published="2024-05-05",
        url="https://ledger.example/bridge-denial",
        body=DENIED,
    ),
    "library": dict(
        title="Riverside library reopens",
        outlet="Riverside Gazette",
        published="2024-05-04",
        body=REOPENED,
    ),
    "stadium": dict(
        title="Stadium to host the regional final",
        outlet="Metro Daily",
        published="2024-05-06",
        body="The city stadium will host the regional football final in June, the league said on Monday.",
    ),
}


def arrive(corpus: Path, name: str) -> None:
    write_article(corpus, f"{name}.md", **ARTICLES[name])  # type: ignore[arg-type]


def unread(root: Path) -> list[dict[str, Any]]:
    result = run(root, "follows", "--changes", "--json")
    assert result.returncode == 0, result.stderr
    changes: list[dict[str, Any]] = json.loads(result.stdout)
    return changes


def summary(recorded: dict[str, Any]) -> tuple[Any, ...]:
    """What a change says, without ids and times: kind, who, followed claims, new sentences, new articles."""
    change = recorded["change"]
    cited = {n for claim in change["reasons"] for n in claim["citations"]}
    articles = sorted({source["article_id"] for source in change["sources"] if source["n"] in cited})
    return (
        change["kind"],
        tuple(change["by"]),
        tuple((claim["text"], claim["status"]) for claim in change["followed"]),
        tuple((claim["text"], claim["status"]) for claim in change["reasons"]),
        tuple(articles),
    )


def indexed(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run(root, "index", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_cli_lists_exactly_what_each_new_article_changed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    arrive(corpus, "plan")
    indexed(tmp_path)
    followed = run(tmp_path, "follow", BRIDGE)
    assert followed.returncode == 0, followed.stderr
    assert "following as #1" in followed.stdout and "reported" in followed.stdout

    arrive(corpus, "closed")
    assert "1 change recorded" in indexed(tmp_path)
    assert [summary(change) for change in unread(tmp_path)] == [
        ("confirmed", (MINISTRY,), ((PLAN, "reported"),), ((CLOSED, "confirmed"),), ("closed",))
    ]

    arrive(corpus, "denied")
    indexed(tmp_path)
    listed = run(tmp_path, "follows", "--changes")
    assert listed.returncode == 0, listed.stderr
    lines = [line.strip() for line in listed.stdout.splitlines()]
    assert [line for line in lines if line.startswith("Update:")] == [
        f"Update: [1] is now disputed by {MINISTRY}: {DENIED} [2]"
    ]
    assert f"[1] “{CLOSED}” was confirmed, claimed by {MINISTRY}" in lines
    assert "[2] Northern Ledger: Ministry denies closing the Harbor Bridge (2024-05-05) " in listed.stdout

    arrive(corpus, "library")
    arrive(corpus, "stadium")
    assert "follows:" not in indexed(tmp_path)  # no follow was even answered again
    assert unread(tmp_path) == []
    assert "no new changes" in run(tmp_path, "follows", "--changes").stdout

    follows = json.loads(run(tmp_path, "follows", "--json").stdout)
    assert [(f["id"], f["question"], f["channel"]) for f in follows] == [(1, BRIDGE, "cli")]
    assert DENIED in [claim["text"] for claim in follows[0]["snapshot"]["claims"]]  # the last announced answer
    assert run(tmp_path, "follows", "--remove", "1").returncode == 0
    gone = run(tmp_path, "follows", "--remove", "1")
    assert gone.returncode == 1 and gone.stderr.strip() == "error: no followed question has the id 1"


@contextmanager
def full_queue() -> Iterator[tuple[str, socket.socket]]:
    """A listening address whose accept queue is full: a client's connect hangs before it sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname(), timeout=5)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook", listener
    finally:
        filler.close()
        listener.close()


@contextmanager
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """A webhook receiver on 127.0.0.1: every POST it answered 200 to, with its Idempotency-Key."""
    received: list[tuple[str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Idempotency-Key"], json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def webhook_env(url: str) -> dict[str, str]:
    return {"FACTDESK_FOLLOW_WEBHOOK": url, "FACTDESK_FOLLOW_WEBHOOK_ALLOW_PRIVATE": "true"}


def wait_for_pending(store: FollowStore, process: subprocess.Popen[bytes], count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while len(store.pending("webhook")) < count:
        assert process.poll() is None, "factdesk index ended before recording anything"
        assert time.monotonic() < deadline, "no change was recorded"
        time.sleep(0.1)


def test_a_kill_between_recording_and_sending_loses_nothing_and_sends_once(tmp_path: Path) -> None:
    """Two follows of one question, one from the CLI and one in a Discord channel: the killed
    indexer recorded a change for each, the webhook got none, the bot had posted nothing."""
    from bot.follows.models import discord_place
    from tests.test_follows_discord import post_pending_in_dpytest

    corpus = tmp_path / "corpus"
    arrive(corpus, "plan")
    indexed(tmp_path)
    assert run(tmp_path, "follow", BRIDGE).returncode == 0
    store = FollowStore(FollowConfig(data_dir=tmp_path / "data"))
    (in_cli,) = store.follows()
    channel_id = 900_000_000_000_000_042
    in_discord, _ = store.add(BRIDGE, in_cli.snapshot, channel=discord_place(channel_id), user="discord:7")

    arrive(corpus, "closed")
    with full_queue() as (url, listener):
        process = subprocess.Popen(
            factdesk_command("index"),
            cwd=tmp_path,
            env=factdesk_env(tmp_path, webhook_env(url)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_pending(store, process, count=2)
            time.sleep(0.5)  # into the POST: connecting, which cannot complete
            assert process.poll() is None
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):  # only the filler ever got in: nothing was sent
            listener.accept()[0].close()
            listener.accept()
    assert process.returncode == -signal.SIGKILL
    (for_cli,), (for_discord,) = store.changes(in_cli.id), store.changes(in_discord.id)
    assert [d.recorded for d in store.pending("webhook")] == [for_cli, for_discord]
    assert [d.recorded for d in store.pending("discord")] == [for_discord]

    # The bot, started again, posts the Discord update once; a second pass posts nothing.
    first, second = post_pending_in_dpytest(store, channel_id)
    assert first == [(channel_id, f"**Update:** [1] is now confirmed by {MINISTRY}: {CLOSED} [2]")]
    assert second == []

    with receiver() as (url, received):
        indexed(tmp_path, env=webhook_env(url))  # nothing new to index: the hook sends what waits
        assert [(key, body["id"], body["follow_id"], body["change"]["kind"]) for key, body in received] == [
            (f"factdesk-change-{for_cli.id}", for_cli.id, in_cli.id, "confirmed"),
            (f"factdesk-change-{for_discord.id}", for_discord.id, in_discord.id, "confirmed"),
        ]
        assert received[0][1]["text"].startswith(f"Update: [1] is now confirmed by {MINISTRY}: {CLOSED} [2]")
        indexed(tmp_path, env=webhook_env(url))
        assert len(received) == 2
    assert store.pending("webhook") == [] and store.delivery_states() == {"sent": 3}
    assert [summary(change)[0] for change in unread(tmp_path)] == ["confirmed", "confirmed"]


def test_the_http_endpoints_follow_list_show_changes_and_unfollow(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    arrive(corpus, "plan")
    indexed(tmp_path)
    token = {"Authorization": "Bearer s3cret"}
    with factdesk_server(tmp_path, env={"FACTDESK_HTTP_TOKEN": "s3cret"}) as served:
        url = served.url
        assert httpx.post(f"{url}/follows", json={"question": BRIDGE}).status_code == 401
        bad = httpx.post(f"{url}/follows", json={"question": BRIDGE, "mode": "local"}, headers=token)
        assert bad.status_code == 400 and bad.json()["error"].startswith("bad request: mode:")
        made = httpx.post(f"{url}/follows", json={"question": BRIDGE}, headers=token, timeout=120)
        assert made.status_code == 201, made.text
        follow = made.json()["follow"]
        assert follow["channel"] == "http" and follow["user"] == "http:127.0.0.1"
        assert [c["status"] for c in made.json()["answer"]["claims"]] == ["reported"]
        again = httpx.post(f"{url}/follows", json={"question": BRIDGE}, headers=token, timeout=120)
        assert again.status_code == 200 and again.json()["follow"]["id"] == follow["id"]

        changes_url = f"{url}/follows/{follow['id']}/changes"
        assert httpx.get(changes_url, headers=token).json() == {"follow": follow["id"], "changes": []}
        arrive(corpus, "closed")
        indexed(tmp_path)  # the writer records; the server reads the shared follows database
        found = httpx.get(changes_url, headers=token).json()["changes"]
        assert [summary(change) for change in found] == [
            ("confirmed", (MINISTRY,), ((PLAN, "reported"),), ((CLOSED, "confirmed"),), ("closed",))
        ]
        newer = httpx.get(changes_url, params={"after": found[-1]["id"]}, headers=token).json()["changes"]
        assert newer == []
        assert httpx.get(changes_url, params={"after": "x"}, headers=token).status_code == 400
        listed = httpx.get(f"{url}/follows", headers=token).json()["follows"]
        assert [(f["id"], f["question"]) for f in listed] == [(follow["id"], BRIDGE)]

        assert httpx.delete(f"{url}/follows/{follow['id']}", headers=token).status_code == 204
        missing = httpx.delete(f"{url}/follows/{follow['id']}", headers=token)
        assert missing.status_code == 404 and missing.json() == {
            "error": f"no followed question has the id {follow['id']}"
        }
        assert httpx.get(changes_url, headers=token).status_code == 404
