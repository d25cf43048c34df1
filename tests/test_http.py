"""`factdesk serve` and `factdesk ask --server`: real processes, a real index, httpx on 127.0.0.1.

The answers come from a `factdesk serve` process over articles the tests write and index with
the real command. The guards (token, size, rate) and failures that a real index cannot be made
to produce on demand (an internal error, an index that disappears) run against the same
application served by uvicorn in a thread, with the answer function given by the test.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from bot.answering.models import Answer
from bot.http.app import create_app
from bot.http.config import NOTES_HEADER, HttpConfig
from index.errors import IndexEmpty, StoreUnavailable
from tests.conftest import Served, factdesk_server, free_port, run
from tests.test_discord import fake_engine, make_answer
from tests.test_layout import HEAVY, modules_loaded_by

QUESTION = "How much will the Harbor Bridge repairs cost?"


@pytest.fixture(scope="module")
def news_root(news_server: Served) -> Path:
    """The folder the shared server runs in: its corpus and data, for the CLI to compare."""
    return news_server.root


@pytest.fixture(scope="module")
def server(news_server: Served) -> str:
    return news_server.url


# --- the real server over a real index ------------------------------------------------------


def test_ask_answers_exactly_what_ask_json_prints(server: str, news_root: Path) -> None:
    response = httpx.post(f"{server}/ask", json={"question": QUESTION}, timeout=120)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    answer = Answer.model_validate_json(response.content)
    assert response.text == answer.model_dump_json()
    statuses = {claim.status.value for claim in answer.claims}
    assert {"disputed", "confirmed"} <= statuses
    local = run(news_root, "ask", "--json", QUESTION)
    assert local.returncode == 0, local.stderr
    assert json.loads(local.stdout) == response.json()


def test_filters_are_the_ask_options(server: str) -> None:
    body = {"question": QUESTION, "outlet": "Valley Herald", "since": "2024-03-02", "until": "2024-03-02"}
    answer = httpx.post(f"{server}/ask", json=body, timeout=120).json()
    assert {source["outlet"] for source in answer["sources"]} == {"Valley Herald"}
    assert httpx.post(f"{server}/ask", json={**body, "outlet": "Nobody"}, timeout=120).json()["abstained"]


def test_status_has_the_index_status_facts_and_healthz_is_cheap(server: str) -> None:
    status = httpx.get(f"{server}/status").json()
    assert status["articles"] == 5 and status["chunks"] >= 5
    assert status["embed_model"] == "all-MiniLM-L6-v2" and status["answer_mode"] == "extractive"
    assert status["generation"] and status["updated_at"] and status["update_interrupted"] is False
    assert status["corpus_dir"].endswith("corpus")
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": "x", "since": "2024-13-01"}, r"^bad request: since: Input should be a valid date"),
        ({"question": "x", "until": 20240101}, r"^bad request: until: "),
        ({"question": "x", "mode": "gpt-9"}, r"^bad request: mode: Input should be 'extractive'"),
        ({"question": "x", "colour": "red"}, r"^bad request: colour: Extra inputs are not permitted"),
        ({"question": 42}, r"^bad request: question: Input should be a valid string"),
        ({}, r"^bad request: question: Field required"),
        ({"question": "   "}, r"^The question is empty"),
        ({"question": "why " * 400}, r"the limit is 1,000"),
    ],
)
def test_bad_requests_are_400_with_the_cli_message(server: str, body: dict[str, Any], message: str) -> None:
    response = httpx.post(f"{server}/ask", json=body)
    assert response.status_code == 400
    assert re.search(message, response.json()["error"]), response.json()


def test_not_json_unknown_paths_and_methods_are_json_errors(server: str) -> None:
    broken = httpx.post(f"{server}/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"].startswith("bad request: request body: Invalid JSON")
    assert httpx.get(f"{server}/nowhere").json() == {"error": "not found"}
    wrong = httpx.get(f"{server}/ask")
    assert wrong.status_code == 405 and wrong.json() == {"error": "method not allowed"}


def test_the_page_and_its_files_forbid_inline_script(server: str) -> None:
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    assert scripts == [(' src="/static/app.js" defer', "")]  # no inline script: the policy would refuse it
    assert "<style" not in page.text and "style=" not in page.text
    script = httpx.get(f"{server}/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", script.text)
    assert "textContent" in script.text
    assert httpx.get(f"{server}/static/style.css").status_code == 200


def test_ask_server_prints_what_the_server_answered(server: str, news_root: Path) -> None:
    remote = run(news_root, "ask", "--server", server, "--json", QUESTION)
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == httpx.post(f"{server}/ask", json={"question": QUESTION}, timeout=120).json()
    pretty = run(news_root, "ask", QUESTION, env={"FACTDESK_SERVER": server})
    assert pretty.returncode == 0, pretty.stderr
    assert "disputed" in pretty.stdout and "confirmed" in pretty.stdout and "Sources" in pretty.stdout


def test_ask_server_loads_no_model_store_or_llama_index(server: str) -> None:
    loaded = modules_loaded_by("ask", "--server", server, "--json", QUESTION)
    assert "httpx" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_a_server_that_is_down_is_one_line(tmp_path: Path) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    result = run(tmp_path, "ask", "--server", address, "When does the bridge close?")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot reach the factdesk server at {address} (ConnectError: [Errno 111] Connection refused)"
    ]
    bad = run(tmp_path, "ask", "--server", "not a url", "When does the bridge close?")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "error:" in bad.stderr


def test_serve_with_the_store_down_is_one_line(tmp_path: Path) -> None:
    env = {"FACTDESK_CHROMA_HOST": "127.0.0.1", "FACTDESK_CHROMA_PORT": str(free_port())}
    result = run(tmp_path, "serve", "--port", str(free_port()), env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot open chroma server http://127.0.0.1:") and "Traceback" not in (
        result.stderr
    )


def test_sigterm_stops_serving_with_exit_0(news_root: Path) -> None:
    with factdesk_server(news_root) as served:
        assert httpx.get(f"{served.url}/healthz").status_code == 200
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=30) == 0
    log = served.log.read_text()
    assert "serving on" in log and "stopped serving" in log and "Traceback" not in log


# --- the same application with answers given by the test ------------------------------------


@contextmanager
def app_server(answer: Callable[..., Answer], **config: Any) -> Iterator[str]:
    """The application on uvicorn in a thread (127.0.0.1, a free port) with a stand-in engine."""
    port = free_port()
    app = create_app(fake_engine(), HttpConfig(port=port, **config), answer=answer)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def answering(question: str, engine: object, **kwargs: object) -> Answer:
    return make_answer(question=question)


def test_a_token_is_required_when_set_and_compared_exactly() -> None:
    with app_server(answering, token=SecretStr("s3cret-token")) as url:
        missing = httpx.post(f"{url}/ask", json={"question": "When?"})
        assert missing.status_code == 401 and missing.json() == {"error": "missing or wrong bearer token"}
        assert missing.headers["www-authenticate"].startswith("Bearer")
        for given in ("Bearer s3cret-toke", "Bearer s3cret-token-and-more", "Basic s3cret-token", "s3cret-token"):
            refused = httpx.post(f"{url}/ask", json={"question": "When?"}, headers={"Authorization": given})
            assert refused.status_code == 401
        assert httpx.get(f"{url}/status").status_code == 401
        good = httpx.post(f"{url}/ask", json={"question": "When?"}, headers={"Authorization": "Bearer s3cret-token"})
        assert good.status_code == 200 and good.json()["question"] == "When?"
        assert httpx.get(f"{url}/healthz").status_code == 200  # health checks need no secret
        assert httpx.get(f"{url}/").status_code == 200  # the page holds no data; it asks for the token


def test_bodies_over_the_limit_are_413_declared_or_streamed() -> None:
    with app_server(answering, max_request_bytes=1024) as url:
        declared = httpx.post(f"{url}/ask", json={"question": "x" * 2000})
        assert declared.status_code == 413 and declared.json() == {"error": "request too large: at most 1,024 bytes"}

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            yield b'{"question": "'
            for _ in range(100):
                yield b"x" * 100
            yield b'"}'

        streamed = httpx.post(f"{url}/ask", content=chunks(), headers={"Content-Type": "application/json"})
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413 and streamed.json()["error"].startswith("request too large")
        assert httpx.post(f"{url}/ask", json={"question": "x" * 900}).status_code == 200


def test_the_rate_limit_is_per_client_with_retry_after() -> None:
    with app_server(answering, rate=3, rate_window_s=60) as url:
        for _ in range(3):
            assert httpx.post(f"{url}/ask", json={"question": "When?"}).status_code == 200
        refused = httpx.get(f"{url}/status")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["error"].startswith("too many requests: at most 3 every 60 seconds; try again in")
        assert httpx.get(f"{url}/healthz").status_code == 200  # health checks are never limited


def test_an_internal_error_is_500_with_an_incident_id_and_the_traceback_only_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(question: str, engine: object, **kwargs: object) -> Answer:
        raise RuntimeError("gremlin at /srv/secret/path")

    with app_server(broken) as url:
        response = httpx.post(f"{url}/ask", json={"question": "When?"})
    assert response.status_code == 500
    body = response.json()
    assert re.fullmatch(r"internal error [0-9a-f]{8}", body["error"]) and body["error"].endswith(body["incident"])
    assert "gremlin" not in response.text and "Traceback" not in response.text
    logged = next(record for record in caplog.records if body["incident"] in record.getMessage())
    assert logged.exc_info is not None and "gremlin" in str(logged.exc_info[1])


@pytest.mark.parametrize(
    ("error", "message", "incident"),
    [
        (IndexEmpty("the index is empty: run `factdesk index` first"), "the index is empty", False),
        (StoreUnavailable("cannot open chroma server http://chroma:8000"), "cannot open chroma server", True),
    ],
)
def test_the_service_state_failures_are_503_with_the_cli_message(
    tmp_path: Path, error: Exception, message: str, incident: bool
) -> None:
    def failing(question: str, engine: object, **kwargs: object) -> Answer:
        raise error

    with app_server(failing) as url:
        response = httpx.post(f"{url}/ask", json={"question": "When?"})
        assert response.status_code == 503 and response.json()["error"].startswith(message)
        assert ("incident" in response.json()) is incident
        remote = run(tmp_path, "ask", "--server", url, "When?")
    assert remote.returncode == 1
    assert remote.stderr.strip().splitlines() == [
        f"error: the factdesk server at {url} answered 503: {response.json()['error']}"
    ]


def test_notes_travel_in_a_header_and_ask_server_shows_them(tmp_path: Path) -> None:
    def noted(question: str, engine: object, **kwargs: object) -> Answer:
        return make_answer(question=question, notes=["anthropic failed (Timeout: 60 s); showing the extractive answer"])

    with app_server(noted) as url:
        response = httpx.post(f"{url}/ask", json={"question": "When?"})
        assert json.loads(response.headers[NOTES_HEADER]) == [
            "anthropic failed (Timeout: 60 s); showing the extractive answer"
        ]
        assert "notes" not in response.json()
        remote = run(tmp_path, "ask", "--server", url, "--json", "When?")
    assert remote.returncode == 0
    assert "note: anthropic failed (Timeout: 60 s)" in remote.stderr


def test_answers_run_in_worker_threads_while_the_server_keeps_answering() -> None:
    release = threading.Event()
    threads: list[str] = []

    def slow(question: str, engine: object, **kwargs: object) -> Answer:
        threads.append(threading.current_thread().name)
        release.wait(30)
        return make_answer(question=question)

    with app_server(slow) as url, httpx.Client() as client:
        pending = threading.Thread(target=lambda: client.post(f"{url}/ask", json={"question": "Slow?"}, timeout=60))
        pending.start()
        deadline = time.monotonic() + 10
        while not threads and time.monotonic() < deadline:
            time.sleep(0.02)
        assert threads, "the answer never started"
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200  # the event loop is free
        release.set()
        pending.join(30)
    assert threads == ["AnyIO worker thread"]  # not the thread running the event loop
