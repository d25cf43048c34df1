"""`create_app`: the Starlette application behind `factdesk serve`.

The engine is loaded once, when the application starts (its lifespan), in a worker thread;
`create_app` takes either a loaded engine or a function that loads one, so tests and other
ASGI servers can build the same application. Every response carries headers that keep the page
inert: a Content-Security-Policy that allows only this server's own script and style files (no
inline script), no framing, no MIME sniffing, no referrer sent to the sources' sites. And every
request must name this server in its Host header (`HostCheck`).
"""

from __future__ import annotations

import importlib.resources
import ipaddress
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.http import api
from bot.http.config import HttpConfig
from bot.http.errors import error_response

if TYPE_CHECKING:
    from bot.answering.engine import AnswerEngine

STATIC = "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response (page, files, JSON, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Names that always mean this machine; a server bound to one of them (the default) answers to all.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})


class HostCheck:
    """Refuses (400, JSON) a request whose Host header names another server than this one.

    A page on another site can point its own name at 127.0.0.1 (DNS rebinding) and then read this
    API as if it were its own origin; the browser still sends that other name as Host. Allowed:
    the address the server is bound to, loopback names, the names in `allowed` ("*": any); and,
    when bound to every address (0.0.0.0), any IP address, which no other site's page can have.
    """

    def __init__(self, app: ASGIApp, config: HttpConfig) -> None:
        self.app = app
        bound = config.host.strip("[]").lower()
        self.names = LOOPBACK_NAMES | {bound} | {name.strip("[]") for name in config.allowed_hosts}
        self.any_address = bound in WILDCARD_ADDRESSES
        self.any_name = "*" in self.names

    def allows(self, host_header: str) -> bool:
        if self.any_name:
            return True
        name = host_header.strip().lower()
        if name.startswith("["):  # "[::1]:8080"
            name = name[1 : name.find("]")] if "]" in name else ""
        elif name.count(":") == 1:  # "example.org:8080"
            name = name.rsplit(":", 1)[0]
        name = name.rstrip(".")
        if name in self.names:
            return True
        if not self.any_address:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = Headers(scope=scope).get("host", "")
            if not self.allows(host):
                shown = host[:100] or "none"
                message = f"bad request: Host {shown!r} is not this server (FACTDESK_HTTP_ALLOWED_HOSTS names others)"
                await error_response(400, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def static_folder() -> Path:
    return Path(str(importlib.resources.files("bot.http") / STATIC))


async def page(request: Request) -> Response:
    return FileResponse(static_folder() / "index.html", media_type="text/html; charset=utf-8")


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (404, 405) in the API's JSON error shape."""
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, str(error.detail).lower(), error.headers)


def create_app(
    engine: AnswerEngine | Callable[[], AnswerEngine],
    config: HttpConfig,
    *,
    answer: api.AnswerFunction | None = None,
    corpus_dir: Path | None = None,
) -> Starlette:
    """The application; `answer` replaces `answer_question` (tests), `corpus_dir` shows in /status."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, api.Service]]:
        loaded = engine if not callable(engine) else await anyio.to_thread.run_sync(engine)
        if answer is None:
            from bot.answering.engine import answer_question

            answering: api.AnswerFunction = answer_question
        else:
            answering = answer
        yield {"service": api.Service(loaded, config, answering, corpus_dir)}

    routes = [
        Route("/", page, methods=["GET"]),
        Mount("/static", StaticFiles(directory=static_folder()), name="static"),
        Route("/ask", api.guarded(api.ask, "answering"), methods=["POST"]),
        Route("/status", api.guarded(api.status, "reading the status"), methods=["GET"]),
        Route("/healthz", api.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})
    app.add_middleware(HostCheck, config=config)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so refusals get the headers too
    return app
