"""What the HTTP server needs to know, as one immutable value built by the application's settings."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

# The notes an answer carries for people (left out of its JSON shape) travel in this response
# header of `POST /ask`, as a JSON list; the server writes it and `ask --server` reads it.
NOTES_HEADER = "Factdesk-Notes"


@dataclass(frozen=True)
class HttpConfig:
    # Loopback by default: exposing the API is a decision (`--host 0.0.0.0`, a token, a proxy).
    host: str = "127.0.0.1"
    port: int = 8080
    # When set, /ask and /status need `Authorization: Bearer <token>`.
    token: SecretStr | None = None
    # A question is at most 1,000 characters: 16 KiB leaves room for JSON escapes and filters.
    max_request_bytes: int = 16_384
    # Requests to /ask and /status per client address within the window.
    rate: int = 30
    rate_window_s: float = 60.0
