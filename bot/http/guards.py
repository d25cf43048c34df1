"""What a request must pass before any work is done: the rate limit, the token, the size limit.

The order is deliberate: the rate limit counts every request to a guarded endpoint, refused
ones too, so guessing the token is as slow as asking; the token is compared in constant time;
the body is read only after both, and never past the limit.
"""

from __future__ import annotations

import math
import secrets

import anyio
from pydantic import SecretStr
from starlette.requests import ClientDisconnect, Request

from bot.http.errors import HttpError
from bot.limits import RateLimiter, duration


def client_key(request: Request) -> str:
    """The client's address (uvicorn applies X-Forwarded-For only from trusted proxies, loopback by default)."""
    return request.client.host if request.client else "unknown"


def check_rate(request: Request, limiter: RateLimiter[str]) -> None:
    if wait := limiter.acquire(client_key(request)):
        raise HttpError(
            429,
            f"too many requests: at most {limiter.limit} every {duration(limiter.window_s)}; "
            f"try again in {duration(wait)}",
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )


def check_token(request: Request, token: SecretStr | None) -> None:
    """`Authorization: Bearer <token>` when the server has a token; nothing to check otherwise."""
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    # compare_digest takes as long for any wrong token of a given length: no timing oracle.
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), expected):
        raise HttpError(401, "missing or wrong bearer token", {"WWW-Authenticate": 'Bearer realm="factdesk"'})


async def read_body(request: Request, limit: int, timeout_s: float) -> bytes:
    """The body, refused with 413 as soon as it is known to pass `limit` (declared or streamed),
    and with 408 when it has not all arrived within `timeout_s` (a client that declared more
    than it sends, or trickles it, is not waited on).

    Starlette's own `max_body_size` answers in plain text and replaces any response to a
    request whose declared length is over the limit; this API answers every error in JSON.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    try:
        with anyio.fail_after(timeout_s):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise too_large(limit)
    except TimeoutError:
        raise HttpError(408, f"request body not received within {timeout_s:g} s") from None
    except ClientDisconnect:
        raise HttpError(400, "request body cut off: the client closed the connection") from None
    return bytes(body)


def check_json(request: Request) -> None:
    """POST bodies are JSON and say so: a form or `text/plain` POST from another site's page (which
    a browser sends without asking) is refused; a cross-site JSON POST needs a preflight, which
    this server never grants."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise HttpError(415, "send the question as JSON, with Content-Type: application/json")


def too_large(limit: int) -> HttpError:
    return HttpError(413, f"request too large: at most {limit:,} bytes")
