"""`factdesk serve`: load the engine, then serve the application with uvicorn until stopped.

The engine is opened before uvicorn starts, in this thread: a store that is down or an index
that is missing then ends the command in the CLI's one clear line and exit 1 (and a container
restarts), where a failure inside uvicorn's start-up would print a traceback. The lifespan gets
the loaded engine. uvicorn stops on Ctrl-C and SIGTERM (Docker's stop signal) once the requests
under way are answered; the command then ends with exit 0, as `index --watch` does.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bot.answering.config import AnswerConfig
from bot.follows.config import FollowConfig
from bot.http.config import HttpConfig
from index.config import IndexConfig


def serve(
    config: HttpConfig,
    index: IndexConfig,
    answering: AnswerConfig,
    *,
    follows: FollowConfig | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    import uvicorn

    from bot.answering.engine import AnswerEngine
    from bot.http.app import create_app

    engine = AnswerEngine.open(index, answering)
    engine.searcher.store.status()  # the store answers now, not at the first question
    app = create_app(engine, config, corpus_dir=index.corpus_dir, following=follows)
    if on_ready is not None:
        on_ready(f"http://{config.host}:{config.port}")
    with _stop_signals_end_quietly():
        # log_config=None: the CLI's logging set-up applies (warnings and errors; -v adds requests).
        uvicorn.run(app, host=config.host, port=config.port, log_config=None, server_header=False, lifespan="on")


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
