"""The bot's corpus watcher: the shared `Indexer.watch` loop in a background thread, each
update's report handed to the event loop (to announce new articles)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING

from bot.discord.handlers import Desk, ReportHandler, incident
from index.build import IndexReport
from index.errors import IndexerBusy

if TYPE_CHECKING:
    from index.feeds.report import FetchReport
    from index.indexer import PeriodicTask

log = logging.getLogger(__name__)


class CorpusWatcher:
    def __init__(
        self, desk: Desk, loop: asyncio.AbstractEventLoop, on_report: ReportHandler, *, catch_up: bool = True
    ) -> None:
        if desk.indexer is None:
            raise ValueError("watching needs the desk's indexer")
        self.desk = desk
        self.indexer = desk.indexer
        self.loop = loop
        self.on_report = on_report
        self.catch_up = catch_up
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="factdesk-watch", daemon=True)

    def start(self) -> None:
        self.desk.watching = True
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.desk.watching = False

    def _run(self) -> None:
        try:
            with self.indexer.holding():
                if self.catch_up:  # articles that arrived while the bot was away: indexed, not announced
                    try:
                        self.indexer.update()
                    except Exception:  # noqa: BLE001 - the watcher below tries again
                        incident("re-indexing at start")
                self.indexer.watch(self._hand_over, stop=self._stop, on_error=self._failed, tasks=self._tasks())
        except IndexerBusy as error:
            log.warning("not watching the corpus folder: %s", error)
        except Exception:  # noqa: BLE001 - the bot keeps answering from the index it has
            incident("watching the corpus folder")
        finally:
            self.desk.watching = False

    def _tasks(self) -> list[PeriodicTask]:
        """Polling the followed feeds: new items land in the corpus, get indexed and are announced."""
        if self.desk.fetch is None:
            return []
        from index.feeds.fetch import polling_task

        task = polling_task(self.desk.fetch, self._fetched)
        return [task] if task else []

    def _fetched(self, report: FetchReport) -> None:
        for problem in report.problems:
            log.warning("feed or page %s: %s", problem.url, problem.reason)

    def _hand_over(self, report: IndexReport) -> None:
        if report.changed and not self._stop.is_set():
            log.info(
                "corpus re-indexed: %d added, %d updated, %d removed",
                len(report.added),
                len(report.updated),
                len(report.removed),
            )
            asyncio.run_coroutine_threadsafe(self._deliver(report), self.loop)

    def _failed(self, what: str, error: BaseException) -> None:
        log.error("%s failed: %s: %s", what, type(error).__name__, error)

    async def _deliver(self, report: IndexReport) -> None:
        try:
            await self.on_report(report)
        except Exception:  # noqa: BLE001
            incident("announcing new articles")
