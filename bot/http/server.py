"""`factdesk serve`: load the engine, then serve the application with uvicorn until stopped.

The address is taken first and the engine opened next, both before uvicorn starts, in this
thread: a port in use, an address that is not this machine's, a store that is down or an index
that is missing then end the command in the CLI's one clear line and exit 1 (and a container
restarts), where a failure inside uvicorn's start-up logs and exits 3 after "serving on". The
lifespan gets the loaded engine. uvicorn serves with `bot.http.protocol` (h11 with header size,
header time and connection limits) and stops on Ctrl-C and SIGTERM (Docker's stop signal) once
the requests under way are answered; the command then ends with exit 0, as `index --watch` does.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.answering.config import AnswerConfig
from bot.errors import UserError
from bot.http.config import MAX_HEADER_BYTES, HttpConfig
from index.config import IndexConfig

# Seconds an idle kept-alive connection stays open after an answer (uvicorn's default).
KEEP_ALIVE_S = 5


def serve(
    config: HttpConfig,
    index: IndexConfig,
    answering: AnswerConfig,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    import uvicorn

    from bot.answering.engine import AnswerEngine
    from bot.http.app import create_app
    from bot.http.protocol import protocol_for

    with bound_socket(config.host, config.port) as sock:
        engine = AnswerEngine.open(index, answering)
        engine.searcher.store.status()  # the store answers now, not at the first question
        app = create_app(engine, config, corpus_dir=index.corpus_dir)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                http=protocol_for(config),
                h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                timeout_keep_alive=KEEP_ALIVE_S,
                log_config=None,  # the CLI's logging set-up applies (warnings and errors; -v adds requests)
                server_header=False,
                lifespan="on",
            )
        )
        if on_ready is not None:
            host = f"[{config.host}]" if ":" in config.host else config.host
            on_ready(f"http://{host}:{config.port}")
        with _stop_signals_end_quietly():
            server.run(sockets=[sock])  # listens on the socket only now, when it can answer
    if not server.started:
        raise UserError(f"the server at {config.host}:{config.port} did not start (the log above says why)")


@contextmanager
def bound_socket(host: str, port: int) -> Iterator[socket.socket]:
    """A TCP socket bound to `host`:`port`, not yet listening (nothing connects before the engine is
    loaded); `UserError` names the address and the reason when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UserError(f"cannot listen on {host}:{port}: not an address of this machine ({reason})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    with sock:
        yield sock


@contextmanager
def _stop_signals_end_quietly() -> Iterator[None]:
    """uvicorn re-raises the signal that stopped it after its graceful shutdown, to the handler it
    found: with Python's defaults that is a KeyboardInterrupt or death by SIGTERM. Handlers that
    ignore it make a requested stop a normal exit."""

    def stopped(signum: int, _frame: object) -> None:
        pass

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
