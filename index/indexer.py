"""The one writer of a data folder: `factdesk index` (once or `--watch`) and the Discord bot both
write through an `Indexer`, and never two at a time.

Why a lock: two writers on one data folder interleave generations and catalog writes (a second
`--rebuild` died with Chroma's NotFoundError). The lock is an `flock` on a file in the data
folder, so it is released by the kernel when its process ends, even by kill -9: there are no
stale locks to clean. Whoever finds it taken is told which process holds it.

The watcher takes callbacks (`on_report`, periodic tasks), and every update may be followed by
one (`after_update`, what follows use to notice changes), so nothing here knows who listens.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from index.articles import ARTICLE_SUFFIXES
from index.build import IndexReport, ProgressCallback, update_index
from index.config import IndexConfig
from index.errors import IndexerBusy
from index.store import IndexStore

log = logging.getLogger(__name__)

LOCK_NAME = "indexer.lock"


@dataclass(frozen=True)
class PeriodicTask:
    """Work the watcher does every `interval_s` seconds besides re-indexing (polling feeds)."""

    name: str
    interval_s: float
    run: Callable[[], None]


class Indexer:
    """Holds the writer lock of a data folder while it updates or watches; thread-safe."""

    def __init__(
        self,
        config: IndexConfig,
        *,
        store: IndexStore | None = None,
        after_update: Callable[[IndexReport], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        # Called with each update's report, still under the lock: one writer at a time runs it.
        self.after_update = after_update
        self._holders = 0
        self._handle: IO[str] | None = None
        self._state_lock = threading.Lock()
        self._update_lock = threading.Lock()

    # --- the lock ---------------------------------------------------------------------

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Hold the writer lock for the block (re-entrant within this process)."""
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def _acquire(self) -> None:
        with self._state_lock:
            if self._holders:
                self._holders += 1
                return
            self.config.data_dir.mkdir(parents=True, exist_ok=True)
            path = self.config.data_dir / LOCK_NAME
            handle = path.open("a+", encoding="utf-8")
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = " ".join(handle.read().split()) or "unknown"
                handle.close()
                raise IndexerBusy(
                    f"another indexer is writing to {self.config.data_dir} (pid {holder}); "
                    "wait for it to finish or stop it"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()} {' '.join(os.path.basename(arg) for arg in sys.argv[:3])}\n")
            handle.flush()
            self._handle = handle
            self._holders = 1

    def _release(self) -> None:
        with self._state_lock:
            self._holders -= 1
            if self._holders or self._handle is None:
                return
            with contextlib.suppress(OSError):
                self._handle.truncate(0)
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    # --- work -------------------------------------------------------------------------

    def update(self, *, rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexReport:
        """Bring the index in line with the corpus folder, one update at a time."""
        with self.holding(), self._update_lock:
            report = update_index(self.config, rebuild=rebuild, progress=progress, store=self.store)
            if self.after_update is not None:
                self.after_update(report)
            return report

    def watch(
        self,
        on_report: Callable[[IndexReport], None],
        *,
        stop: threading.Event | None = None,
        catch_up: bool = True,
        tasks: Sequence[PeriodicTask] = (),
        on_error: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        """Re-index after each burst of article changes until `stop` is set; holds the lock throughout.

        Once watching has started (its first idle tick), one catch-up update covers files that
        changed between the caller's last update and the watcher's start. An update or task that
        fails is passed to `on_error` and watching goes on.
        """
        from watchfiles import watch

        def run(what: str, work: Callable[[], None]) -> None:
            try:
                work()
            except Exception as error:
                log.exception("%s failed", what)
                if on_error is not None:
                    on_error(what, error)

        def reindex(changes: bool) -> None:
            report = self.update()
            if changes or report.changed:
                on_report(report)

        due = {task.name: time.monotonic() + task.interval_s for task in tasks}
        with self.holding():
            caught_up = not catch_up
            for changes in watch(
                self.config.corpus_dir,
                watch_filter=is_article_change,
                stop_event=stop,
                debounce=800,
                step=200,
                recursive=True,
                yield_on_timeout=True,
                rust_timeout=1000,
            ):
                if changes or not caught_up:
                    if changes:
                        log.info("corpus changed: %d file events", len(changes))
                    run("re-indexing after a corpus change", partial(reindex, bool(changes)))
                    caught_up = True
                for task in tasks:
                    if time.monotonic() >= due[task.name] and not (stop and stop.is_set()):
                        run(task.name, task.run)
                        due[task.name] = time.monotonic() + task.interval_s


def is_article_change(_change: object, path: str) -> bool:
    return Path(path).suffix.lower() in ARTICLE_SUFFIXES and not Path(path).name.startswith(".")
