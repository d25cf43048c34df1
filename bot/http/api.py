"""The JSON endpoints: `POST /ask`, `GET /status`, `GET /healthz`.

`/ask` answers exactly `Answer.model_dump_json()`, the bytes `factdesk ask --json` prints; the
notes an answer carries for people (an LLM that failed, a fallback) are left out of that shape,
so they travel in the `Factdesk-Notes` header as a JSON list.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.answering.config import AnswerMode
from bot.answering.models import Answer
from bot.http.config import NOTES_HEADER, HttpConfig
from bot.http.errors import NO_STORE, bad_request, failure_response
from bot.http.guards import check_json, check_rate, check_token, read_body
from bot.limits import RateLimiter

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine
    from index.search import SearchFilters

AnswerFunction = Callable[..., Answer]
# Answering is CPU-bound (embedding, scoring): more threads than cores only queue inside torch,
# while each waiting request holds memory. Requests beyond this wait for a free thread.
ANSWER_THREADS = 2


class AskRequest(BaseModel):
    """The body of `POST /ask`: the `factdesk ask` arguments by the same names."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    question: str
    mode: AnswerMode | None = None
    outlet: str | None = None
    since: date | None = None
    until: date | None = None

    def filters(self) -> SearchFilters:
        from index.search import SearchFilters

        return SearchFilters(outlet=self.outlet, published_from=self.since, published_to=self.until)


@dataclasses.dataclass
class Service:
    """What the endpoints share, built once when the application starts."""

    engine: AnswerEngine
    config: HttpConfig
    answer: AnswerFunction
    corpus_dir: Path | None = None
    limiter: RateLimiter[str] = dataclasses.field(init=False)
    threads: anyio.CapacityLimiter = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.config.rate, self.config.rate_window_s)
        self.threads = anyio.CapacityLimiter(ANSWER_THREADS)


Endpoint = Callable[[Request, Service], Awaitable[Response]]


def guarded(endpoint: Endpoint, what: str) -> Callable[[Request], Awaitable[Response]]:
    """Rate limit and token first, then the endpoint; every failure becomes a JSON error."""

    async def run(request: Request) -> Response:
        service: Service = request.state.service
        try:
            check_rate(request, service.limiter)
            check_token(request, service.config.token)
            return await endpoint(request, service)
        except Exception as error:  # noqa: BLE001 - every failure gets a JSON answer
            return failure_response(error, what)

    return run


async def ask(request: Request, service: Service) -> Response:
    check_json(request)
    body = await read_body(request, service.config.max_request_bytes, service.config.read_timeout_s)
    try:
        asked = AskRequest.model_validate_json(body)
    except ValidationError as error:
        raise bad_request(error) from None
    work = partial(service.answer, asked.question, service.engine, mode=asked.mode, filters=asked.filters())
    answer: Answer = await anyio.to_thread.run_sync(work, limiter=service.threads)
    headers = dict(NO_STORE)
    if answer.notes:
        headers[NOTES_HEADER] = json.dumps(answer.notes)  # ASCII: escapes keep the header one line
    return Response(answer.model_dump_json(), media_type="application/json", headers=headers)


async def status(request: Request, service: Service) -> Response:
    """What `factdesk index --status` shows, as JSON."""
    facts = await anyio.to_thread.run_sync(service.engine.searcher.store.status)
    body = {
        **dataclasses.asdict(facts),
        "corpus_dir": str(service.corpus_dir) if service.corpus_dir else None,
        "answer_mode": service.engine.config.mode.value,
    }
    return JSONResponse(body, headers=NO_STORE)


async def healthz(request: Request) -> Response:
    """Alive and serving: no model, store or token touched (the engine loaded before the port opened)."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)
