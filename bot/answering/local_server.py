"""llama.cpp's OpenAI-compatible server, in this process, through PyPI's prebuilt `xllamacpp`.

The `local` answer mode starts one on 127.0.0.1 (a port the system picks, a random API key) and
talks to it with the same OpenAI-compatible client as the `openai` mode, so the checks on what
it writes are the same code. It stops with the process.

`xllamacpp.Server(params)` returns once the model is loaded and listening, and has no stop():
dropping its last reference runs llama.cpp's destructor. Two hazards of that destructor were
seen with xllamacpp 2026.10 and are handled here: closing before the main loop has started can
wait forever (one round trip through its task queue after start prevents it), and closing while
a request is being generated deadlocks (`close` first waits for every slot to be idle).

`python -m bot.answering.local_server serve --model NAME --port N` runs one as its own process
(tests use it as the `openai` mode's server); it prints "ready <url>" once loaded.
"""

from __future__ import annotations

import argparse
import atexit
import os
import secrets
import signal
import threading
import time
from pathlib import Path
from typing import Any

from bot.answering.errors import LLMUnavailable


class LocalServer:
    def __init__(
        self,
        gguf: Path,
        *,
        threads: int = 1,
        context_tokens: int = 2048,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        verbosity: int = 0,
    ) -> None:
        try:
            import xllamacpp
        except ImportError as error:
            raise LLMUnavailable("local mode needs its extra: pip install 'factdesk[local]'") from error
        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = context_tokens
        params.n_parallel = 1
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.hostnames = [host]
        params.port = port
        params.model_alias = {"local"}
        # The server's CORS is open: a random key keeps other programs (and browsers) out.
        self.api_key = api_key or secrets.token_urlsafe(24)
        params.api_keys = [self.api_key]
        params.cache_ram_mib = 0  # llama.cpp's default keeps 8 GiB of prompt cache
        params.sampling.temp = 0.0
        params.endpoint_metrics = True
        params.endpoint_slots = True
        params.verbosity = verbosity
        started = time.perf_counter()
        try:
            self._server: Any = xllamacpp.Server(params)
        except RuntimeError as error:
            raise LLMUnavailable(f"llama.cpp could not start with {gguf.name}: {error}") from error
        self._server.handle_metrics()  # returns once the main loop runs: a close from now on cannot hang
        self.startup_s = time.perf_counter() - started
        self.base_url: str = self._server.listening_address
        self._lock = threading.Lock()
        atexit.register(self.close)

    @property
    def openai_base(self) -> str:
        return self.base_url + "/v1"

    def busy(self) -> bool:
        import httpx

        try:
            slots = httpx.get(
                self.base_url + "/slots", headers={"Authorization": f"Bearer {self.api_key}"}, timeout=5
            ).json()
        except (httpx.HTTPError, ValueError):
            return False
        return any(slot.get("is_processing") for slot in slots if isinstance(slot, dict))

    def close(self, wait_idle_s: float = 60.0) -> bool:
        """Stop the server; False (and left running) if a generation is still going after `wait_idle_s`."""
        with self._lock:
            if getattr(self, "_server", None) is None:
                return True
            deadline = time.monotonic() + wait_idle_s
            while self.busy():
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
            server, self._server = self._server, None
        del server  # the last reference: the destructor stops the loop and joins its thread
        return True


def serve(argv: list[str] | None = None) -> None:
    """The server as its own process, until SIGTERM or Ctrl-C."""
    from bot.answering.local_models import gguf_path

    parser = argparse.ArgumentParser(description="llama.cpp's OpenAI-compatible server on a packaged model")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--model", default=None, help="a packaged model's name or a GGUF path")
    parser.add_argument("--models-dir", type=Path, default=Path(".factdesk/models"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--context-tokens", type=int, default=2048)
    parser.add_argument("--api-key", default="not-needed")
    args = parser.parse_args(argv)
    server = LocalServer(
        gguf_path(args.model, args.models_dir),
        threads=args.threads,
        context_tokens=args.context_tokens,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        verbosity=1,
    )
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    print(f"ready {server.base_url}", flush=True)
    stop.wait()
    if not server.close(wait_idle_s=2.0):
        os._exit(0)  # a request is still generating: nothing else to save in a server process


if __name__ == "__main__":
    serve()
