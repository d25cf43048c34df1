"""What a request must pass before any work is done: the rate limit, the token, the size limit.

The order is deliberate: the rate limit counts every request to a guarded endpoint, refused
ones too, so guessing the token is as slow as asking; the token is compared in constant time;
the body is read only after both, and never past the limit.
"""

from __future__ import annotations

import math
import secrets

from pydantic import SecretStr
from starlette.requests import Request

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


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to pass `limit` (declared or streamed).

    Starlette's own `max_body_size` answers in plain text and replaces any response to a
    request whose declared length is over the limit; this API answers every error in JSON.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    return bytes(body)


def too_large(limit: int) -> HttpError:
    return HttpError(413, f"request too large: at most {limit:,} bytes")
