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
import os
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
def tagged_ahead(batches: Sequence[Sequence[Article]]) -> Iterator[Iterator[tuple[Sequence[Article], Future[Tagged]]]]:
    """Each batch with a future of its tagged sentences, tagged in a worker when there are several."""
    if len(batches) < 2:
        yield ((batch, _done(batch)) for batch in batches)
        return
    saved = {name: os.environ.get(name) for name in _SINGLE_THREAD}
    os.environ.update(_SINGLE_THREAD)  # the worker parses on one core; the caller keeps its own threads
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield _pipeline(pool, batches)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _pipeline(
    pool: ProcessPoolExecutor, batches: Sequence[Sequence[Article]]
) -> Iterator[tuple[Sequence[Article], Future[Tagged]]]:
    pending: deque[tuple[Sequence[Article], Future[Tagged]]] = deque()
    broken = False
    for batch in batches:
        if not broken:
            try:
                pending.append((batch, pool.submit(tag_articles, list(batch))))
            except BrokenProcessPool:
                # The worker could not start or died (a script without the `if __name__ ==
                # "__main__"` guard that spawned processes need, memory): tag here instead.
                broken = True
        if broken:
            pending.append((batch, _done(batch)))
        if len(pending) > IN_FLIGHT:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def _done(batch: Sequence[Article]) -> Future[Tagged]:
    """A future that is already resolved (or failed): tagging in this process."""
    future: Future[Tagged] = Future()
    try:
        future.set_result(tag_articles(list(batch)))
    except Exception as error:  # noqa: BLE001 - handed to the caller like a worker's failure
        future.set_exception(error)
    return future
