"""How many threads torch embeds with, batch by batch, on cores it shares with the tagging worker.

Indexing runs two kinds of work at once: embedding (torch, in the indexer) and claim tagging
(spaCy, in one worker process). While the worker tags, it keeps a core. While it waits for the
next batch, torch may take every core, but more threads are faster only on an otherwise idle
machine: on this project's shared 2-core machine, under other people's jobs, indexing with two
torch threads ran at half the speed of one (OpenMP threads wait for each other at every step
when one of them is not scheduled). So both counts are tried on real batches and the faster,
in word pieces per second, is kept, and tried again from time to time as the load changes.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class CoreSharing:
    """`choose` before an embedding batch, `record` after it."""

    cores: int
    worker_busy: Callable[[], bool]
    # Batches measured per thread count before choosing, and how many batches a choice lasts.
    tries: int = 2
    keep: int = 80
    _speeds: dict[int, deque[float]] = field(default_factory=dict)
    _chosen: int = 0

    def choose(self) -> int:
        fewer, most = max(1, self.cores - 1), self.cores
        if most == fewer or self.worker_busy():
            return fewer
        for count in (fewer, most):
            if len(self._speeds.get(count, ())) < self.tries:
                return count
        self._chosen += 1
        if self._chosen > self.keep:  # the load may have changed: measure both again
            self._chosen = 0
            self._speeds.clear()
            return fewer
        return max((fewer, most), key=lambda count: statistics.median(self._speeds[count]))

    def record(self, threads: int, word_pieces: int, seconds: float) -> None:
        if seconds > 0:
            self._speeds.setdefault(threads, deque(maxlen=self.tries)).append(word_pieces / seconds)
