"""Failures as JSON: `{"error": "<message>"}`, with the CLI's messages from `bot.errors`.

Known errors keep the table's operator message (the API's callers run or script factdesk, as
CLI users do): 400 when the request is at fault, 503 when the service's state is (no index yet,
store down: the same request may work later). Anything else is an internal error: 500 with an
incident id, the traceback in the log under that id and never in the response.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from pydantic import ValidationError
from starlette.responses import JSONResponse

from bot.errors import known, operator_message

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


class HttpError(Exception):
    """A refusal decided by the HTTP layer itself (auth, size, rate, bad JSON)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None, **extra: str) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers={**NO_STORE, **(headers or {})})


def bad_request(error: ValidationError) -> HttpError:
    """`since: Input should be a valid date ...`: the first problem, named by its field."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "request body"
    return HttpError(400, f"bad request: {where}: {first['msg']}")


def failure_response(error: BaseException, what: str) -> JSONResponse:
    """The JSON answer for any exception raised while serving `what`."""
    if isinstance(error, HttpError):
        return error_response(error.status, error.message, error.headers)
    entry = known(error)
    if entry is None:
        incident = uuid.uuid4().hex[:8]
        log.error("internal error %s while %s", incident, what, exc_info=error)
        return error_response(500, f"internal error {incident}", incident=incident)
    status = 503 if entry.service_side else 400
    message = operator_message(error) or type(error).__name__
    if entry.incident:
        incident = uuid.uuid4().hex[:8]
        log.error("incident %s while %s: %s", incident, what, message, exc_info=error)
        return error_response(status, message, incident=incident)
    return error_response(status, message)
