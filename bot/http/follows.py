"""The follow endpoints: `POST /follows`, `GET /follows`, `DELETE /follows/{id}`, `GET /follows/{id}/changes`.

They sit behind the same guards as `/ask` (rate limit, then the token when one is set). A follow
made here belongs to the channel "http" and to the client's address; its changes are recorded by
the process that writes the index and read here from the shared follows database.
"""

from __future__ import annotations

from functools import partial

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.answering.models import Answer
from bot.follows.models import Snapshot
from bot.follows.notice import keep_evidence
from bot.follows.store import FollowStore
from bot.http.api import QuestionRequest, Service, read_request
from bot.http.errors import NO_STORE, HttpError
from bot.http.guards import client_key

CHANNEL = "http"


def _store(service: Service) -> FollowStore:
    if service.follows is None:
        raise HttpError(404, "following is not set up on this server")
    return service.follows


def _follow_id(request: Request) -> int:
    follow_id: int = request.path_params["follow_id"]
    return follow_id


def _not_found(follow_id: int) -> HttpError:
    return HttpError(404, f"no followed question has the id {follow_id}")


async def add(request: Request, service: Service) -> Response:
    """Answer the question (the baseline later answers are compared with) and follow it: 201 with
    the follow and the answer; 200 when this question was already followed here."""
    store = _store(service)
    asked = await read_request(request, service, QuestionRequest)
    work = partial(service.answer, asked.question, service.engine, filters=asked.filters())
    answer: Answer = await anyio.to_thread.run_sync(work, limiter=service.threads)
    follow, created = await anyio.to_thread.run_sync(
        partial(
            store.add,
            answer.question,
            Snapshot.of(answer),
            channel=CHANNEL,
            user=f"{CHANNEL}:{client_key(request)}",
            outlet=asked.outlet,
            since=asked.since,
            until=asked.until,
        )
    )
    if created:
        keeping = partial(keep_evidence, store, service.engine, answer.question, asked.filters())
        await anyio.to_thread.run_sync(keeping, limiter=service.threads)
    body_out = {"follow": follow.model_dump(mode="json"), "answer": answer.model_dump(mode="json"), "created": created}
    return JSONResponse(body_out, status_code=201 if created else 200, headers=NO_STORE)


async def listing(request: Request, service: Service) -> Response:
    follows = await anyio.to_thread.run_sync(_store(service).follows)
    return JSONResponse({"follows": [follow.model_dump(mode="json") for follow in follows]}, headers=NO_STORE)


async def remove(request: Request, service: Service) -> Response:
    follow_id = _follow_id(request)
    if not await anyio.to_thread.run_sync(_store(service).remove, follow_id):
        raise _not_found(follow_id)
    return Response(status_code=204, headers=NO_STORE)


async def changes(request: Request, service: Service) -> Response:
    """A follow's changes, oldest first; `?after=<change id>` for only the newer ones (polling)."""
    store = _store(service)
    follow_id = _follow_id(request)
    after_text = request.query_params.get("after", "0")
    if not after_text.isdigit():
        raise HttpError(400, "bad request: after: a change id (a whole number) is expected")
    if await anyio.to_thread.run_sync(store.get, follow_id) is None:
        raise _not_found(follow_id)
    found = await anyio.to_thread.run_sync(partial(store.changes, follow_id, after=int(after_text)))
    return JSONResponse(
        {"follow": follow_id, "changes": [item.model_dump(mode="json") for item in found]}, headers=NO_STORE
    )
