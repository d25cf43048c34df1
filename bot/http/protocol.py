"""The HTTP/1.1 connection behind `factdesk serve`: uvicorn's h11 protocol with the limits an open
port needs, which uvicorn's defaults leave out.

* Header size: h11 holds at most `MAX_HEADER_BYTES` of an unfinished request head (httptools, the
  default when installed, has no limit: one 256 MB header was read whole).
* Header time: a request's head must arrive within `read_timeout_s` of the connection opening (or
  of the previous answer): a client trickling its head ("slowloris") is answered 408 and closed.
  The body's time is bounded where it is read (`bot.http.guards.read_body`).
* Connections: past `max_connections` open at once, a new one is answered 503 and closed.
* uvicorn's own refusals (a request that is not HTTP) are JSON with the security headers, as every
  other answer of the API is, not uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.http.app import SECURITY_HEADERS
from bot.http.config import MAX_HEADER_BYTES, HttpConfig
from bot.http.errors import NO_STORE

# Seconds a refused connection stays half-open, so the client reads the answer before it closes.
LINGER_S = 1.0


def raw_response(status: int, message: str) -> bytes:
    """A complete `{"error": message}` response that closes the connection, written by the protocol
    itself where no request reached the application."""
    body = json.dumps({"error": message}).encode()
    headers = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "connection": "close",
        **{name.lower(): value for name, value in {**NO_STORE, **SECURITY_HEADERS}.items()},
    }
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (head + "\r\n").encode("latin-1") + body


class GuardedH11Protocol(H11Protocol):
    """`H11Protocol` with a deadline for each request head and a cap on open connections."""

    read_timeout_s: float = HttpConfig.read_timeout_s
    max_connections: int = HttpConfig.max_connections

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_begun = False  # some of a request head has arrived, not all of it
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._refuse(503, "too many connections: try again later")
            return
        self._await_head()  # a connection that never sends anything is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered already: what the client still sends is read and dropped, then closed
        between_requests = self.cycle is None or self.cycle.response_complete
        if between_requests:
            if self._head_deadline is None:
                self._await_head()  # the next request on a kept-alive connection gets the same time
            self._head_begun = True
        super().data_received(data)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's head was read: the application has it now
            self._head_arrived()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # an idle kept-alive connection is uvicorn's to close
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self.transport.close()  # answered before its body was all sent (408, 413): the connection is done

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, f"bad request: not a valid HTTP/1.1 request, or its head is over {MAX_HEADER_BYTES:,} bytes")

    def _await_head(self) -> None:
        self._head_arrived()
        self._head_deadline = self.loop.call_later(self.read_timeout_s, self._head_too_slow)

    def _head_arrived(self) -> None:
        self._head_begun = False
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing():
            return
        if self._head_begun:
            self._refuse(408, f"request head not received within {self.read_timeout_s:g} s")
        else:
            self.transport.close()  # nothing asked: nothing to answer

    def _refuse(self, status: int, message: str) -> None:
        """Answer and close. Closing a socket with unread data makes the kernel reset the
        connection, and a reset can destroy the answer before the client reads it: so the
        connection is half-closed, what arrives meanwhile dropped, and closed `LINGER_S` later."""
        self.logger.info("refused a connection from %s: %s", self.client, message)
        self._head_arrived()
        self._refused = True
        self.flow.resume_reading()
        self.transport.write(raw_response(status, message))
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()


def protocol_for(config: HttpConfig) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn builds for each connection, with this server's limits."""
    limits = {"read_timeout_s": config.read_timeout_s, "max_connections": config.max_connections}
    return type("GuardedH11Protocol", (GuardedH11Protocol,), limits)
