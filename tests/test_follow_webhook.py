"""The webhook against real local HTTP servers: guarded like fetching (no loopback address unless
allowed), sent once on a 2xx, tried again with the same Idempotency-Key after a 5xx, given up
after a 4xx; a bad webhook address is one clear line."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot.answering.models import Claim, Source
from bot.follows.config import FollowConfig
from bot.follows.models import Change, ChangeKind, Snapshot
from bot.follows.store import FollowStore
from bot.follows.webhook import deliver_webhooks
from index.claims.status import ClaimStatus
from tests.conftest import run

QUOTE = "The bridge reopened on Friday, the ministry said."


@contextmanager
def answering(statuses: list[int]) -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """A receiver answering each POST with the next status (the last one from then on)."""
    received: list[tuple[str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers["Idempotency-Key"], body))
            self.send_response(statuses[min(len(received), len(statuses)) - 1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def recorded(tmp_path: Path, url: str, *, allow_private: bool = True) -> tuple[FollowStore, FollowConfig]:
    config = FollowConfig(data_dir=tmp_path, webhook=url, webhook_allow_private=allow_private, max_attempts=3)
    store = FollowStore(config)
    follow, _ = store.add("Is the bridge open?", Snapshot(abstained=True), channel="cli", user="cli")
    source = Source(n=1, article_id="a", title="Bridge", outlet="Valley Herald", url=None, published=None, quote=QUOTE)
    claim = Claim(text=QUOTE, status=ClaimStatus.CONFIRMED, attributed_to="the ministry", citations=[1])
    change = Change(kind=ChangeKind.ANSWERED, followed=[], reasons=[claim], sources=[source])
    store.record(follow.id, [change], Snapshot(abstained=False, claims=[claim], sources=[source]), ["webhook"])
    return store, config


def test_a_loopback_webhook_is_refused_unless_allowed(tmp_path: Path) -> None:
    with answering([200]) as (url, received):
        store, config = recorded(tmp_path, url, allow_private=False)
        report = deliver_webhooks(store, config)
        assert report.sent == 0 and received == []
        (problem,) = report.problems
        assert "refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address" in problem
        (waiting,) = store.pending("webhook")
        assert waiting.attempts == 1  # tried again at the next update, in case the setting changes


def test_sent_once_and_retried_with_the_same_key(tmp_path: Path) -> None:
    with answering([503, 200]) as (url, received):
        store, config = recorded(tmp_path, url)
        assert deliver_webhooks(store, config).sent == 0
        assert deliver_webhooks(store, config).sent == 1
        assert deliver_webhooks(store, config).sent == 0
    assert [key for key, _ in received] == ["factdesk-change-1", "factdesk-change-1"]
    body = received[-1][1]
    assert body["change"]["kind"] == "answered" and body["question"] == "Is the bridge open?"
    assert body["text"].startswith(f"Update: The articles now answer it: {QUOTE} [1]")
    assert store.delivery_states() == {"sent": 1}


def test_a_refusal_of_the_request_is_given_up(tmp_path: Path) -> None:
    with answering([400]) as (url, received):
        store, config = recorded(tmp_path, url)
        report = deliver_webhooks(store, config)
        assert report.problems == ("webhook: change 1 refused with HTTP 400",)
        assert deliver_webhooks(store, config).problems == ()
    assert len(received) == 1 and store.delivery_states() == {"failed": 1}


def test_a_webhook_that_is_not_an_http_address_is_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "follows", env={"FACTDESK_FOLLOW_WEBHOOK": "file:///etc/passwd"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: bad setting: FACTDESK_FOLLOW_WEBHOOK: not an http or https address: 'file:///etc/passwd'"
    )
