"""Tagging one batch ahead, in a second process, so that parsing and embedding use both cores.

Indexing spends most of its time embedding (torch) and the rest parsing (spaCy); done one after
the other, one core idles. A single worker process (spawned, so scripts need the usual `if
__name__ == "__main__"` guard) tags the next batches while the caller embeds the current one.
Small updates (one batch) are tagged in-process: starting a worker and loading spaCy into it
would cost more than it saves. A worker that cannot start or dies leaves the tagging to the
caller's process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TYPE_CHECKING

from index.claims.status import TaggedSentence
from index.claims.tagger import tag_articles

if TYPE_CHECKING:
    from index.articles import Article

# Batches the worker may be ahead of the caller: one being embedded, one tagged, one queued.
IN_FLIGHT = 2
_SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

Tagged = list[list[TaggedSentence]]


@contextmanager
def tagged_ahead(batches: Sequence[Sequence[Article]]) -> Iterator[TaggedAhead]:
    """Each batch with a future of its tagged sentences, tagged in a worker when there are several.

    The worker starts, with its first batches, on entering the block, so that its start-up
    overlaps whatever the caller does before it asks for the first batch (loading the embedding
    model); it then always has batches queued until the last one.
    """
    if len(batches) < 2:
        yield TaggedAhead(None, batches)
        return
    saved = {name: os.environ.get(name) for name in _SINGLE_THREAD}
    os.environ.update(_SINGLE_THREAD)  # the worker parses on one core; the caller keeps its own threads
    try:
        pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent
        )
        ahead = TaggedAhead(pool, batches)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield ahead
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class TaggedAhead:
    """Batches handed to the worker up to `IN_FLIGHT` ahead of the one the caller embeds;
    iterating gives each batch with the future of its tags, in order."""

    def __init__(self, pool: ProcessPoolExecutor | None, batches: Sequence[Sequence[Article]]) -> None:
        self.pool = pool
        self.todo: deque[Sequence[Article]] = deque(batches)
        self.pending: deque[tuple[Sequence[Article], Future[Tagged]]] = deque()
        self.submitted: list[Future[Tagged]] = []
        self.broken = pool is None
        self.fill()

    def busy(self) -> bool:
        """Whether the worker is tagging now (the caller should leave it a core)."""
        self.submitted = [future for future in self.submitted if not future.done()]
        return bool(self.submitted)

    def fill(self) -> None:
        while self.todo and len(self.pending) <= IN_FLIGHT:
            batch = self.todo.popleft()
            self.pending.append((batch, self._submit(batch)))

    def _submit(self, batch: Sequence[Article]) -> Future[Tagged]:
        if not self.broken and self.pool is not None:
            try:
                future = self.pool.submit(tag_articles, list(batch))
                self.submitted.append(future)
                return future
            except BrokenProcessPool:
                # The worker could not start or died (a script without the `if __name__ ==
                # "__main__"` guard that spawned processes need, memory): tag here instead.
                self.broken = True
        return _done(batch)

    def __iter__(self) -> Iterator[tuple[Sequence[Article], Future[Tagged]]]:
        while self.pending:
            item = self.pending.popleft()
            self.fill()
            yield item


def _exit_with_parent() -> None:
    """In the worker: end when the indexer ends, however it ends. Killed (kill -9), it cannot shut
    the pool down, and the worker, which holds its own end of the task queue, would wait forever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _done(batch: Sequence[Article]) -> Future[Tagged]:
    """A future that is already resolved (or failed): tagging in this process."""
    future: Future[Tagged] = Future()
    try:
        future.set_result(tag_articles(list(batch)))
    except Exception as error:  # noqa: BLE001 - handed to the caller like a worker's failure
        future.set_exception(error)
    return future
