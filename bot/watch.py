"""Re-index when the corpus folder changes, shared by `factdesk index --watch` and the Discord bot."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from threading import Event

from watchfiles import watch

from index import IndexConfig, IndexReport
from index.articles import ARTICLE_SUFFIXES

log = logging.getLogger(__name__)


def is_article_change(_change: object, path: str) -> bool:
    return Path(path).suffix.lower() in ARTICLE_SUFFIXES and not Path(path).name.startswith(".")


def watch_corpus(
    config: IndexConfig, update: Callable[[], IndexReport], stop: Event | None = None
) -> Iterator[IndexReport]:
    """Yield a report after each batch of article changes; watchfiles debounces bursts of writes.

    Once the watcher is running (its first idle tick), one catch-up update covers files that
    changed between the caller's last update and the watcher's start.
    """
    caught_up = False
    for changes in watch(
        config.corpus_dir,
        watch_filter=is_article_change,
        stop_event=stop,
        debounce=800,
        step=200,
        recursive=True,
        yield_on_timeout=True,
        rust_timeout=1000,
    ):
        if not changes and caught_up:
            continue
        if changes:
            log.info("corpus changed: %d file events", len(changes))
        report = update()
        if changes or report.changed:
            yield report
        caught_up = True
