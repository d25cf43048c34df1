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
    # Host names the server answers to besides its own address and loopback ("*": any). A page on
    # another site whose name was pointed at this address (DNS rebinding) sends its own name.
    allowed_hosts: tuple[str, ...] = ()
    # A request's headers, and then its body, must each arrive within this: a client that trickles
    # them (or sends less body than it declared) is not waited on longer.
    read_timeout_s: float = 10.0
    # Open connections at once; one more is answered 503 and closed.
    max_connections: int = 100


# Request headers larger than this are refused (400) before they are held whole: h11's limit.
MAX_HEADER_BYTES = 16_384
