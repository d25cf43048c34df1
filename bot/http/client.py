"""`factdesk ask --server URL`: post the question to a running `factdesk serve`.

Only httpx and the Answer model are imported on this path (no torch, llama-index or Chroma),
so asking a server starts in well under a second. The server's answer is validated against
the same `Answer` model the local path produces, then shown by the same views.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from bot.answering.config import AnswerMode
from bot.answering.models import Answer
from bot.errors import UserError
from bot.http.config import NOTES_HEADER

# Answering with a generating backend may take its timeout several times over (retries).
READ_TIMEOUT_S = 300.0
CONNECT_TIMEOUT_S = 5.0


class ServerError(UserError):
    """The server cannot be reached or refused the question; the message says which, in one line."""


def ask_server(
    url: str,
    question: str,
    *,
    mode: AnswerMode | None = None,
    outlet: str | None = None,
    since: date | None = None,
    until: date | None = None,
    token: SecretStr | None = None,
) -> Answer:
    body: dict[str, Any] = {"question": question}
    for key, value in (("mode", mode), ("outlet", outlet), ("since", since), ("until", until)):
        if value is not None:
            body[key] = value.isoformat() if isinstance(value, date) else str(value)
    headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}
    endpoint = url.rstrip("/") + "/ask"
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        response = httpx.post(endpoint, json=body, headers=headers, timeout=timeout)
    except httpx.InvalidURL as error:
        raise ServerError(f"--server takes an address like http://127.0.0.1:8080, not {url!r} ({error})") from None
    except httpx.HTTPError as error:
        raise ServerError(f"cannot reach the factdesk server at {url} ({type(error).__name__}: {error})") from None
    if response.status_code != 200:
        raise ServerError(f"the factdesk server at {url} answered {response.status_code}: {_error_text(response)}")
    try:
        answer = Answer.model_validate_json(response.content)
    except ValidationError:
        raise ServerError(f"the server at {url} did not answer with a factdesk answer") from None
    return answer.model_copy(update={"notes": _notes(response)})


def _error_text(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase or "no message"
    return " ".join(str(message).split())


def _notes(response: httpx.Response) -> list[str]:
    try:
        notes = json.loads(response.headers.get(NOTES_HEADER, "[]"))
    except ValueError:
        return []
    return [str(note) for note in notes] if isinstance(notes, list) else []
