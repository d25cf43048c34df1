"""`feeds.json`: the feeds followed, their HTTP validators, and what each fetched item became.

One small JSON file in the data folder, rewritten whole and atomically (temp file, fsync,
os.replace), so a crash leaves the old version or the new one, never half of each. Writers take a
file lock, and a fetch run merges its results into the file as it is then, so a feed added or
removed while a run was polling is neither lost nor brought back.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

STATE_VERSION = 1


class StateError(RuntimeError):
    """feeds.json cannot be read or written; the message says which file and why."""


class RunInProgress(RuntimeError):
    """Another fetch run holds the run lock."""


@dataclass(frozen=True)
class FeedEntry:
    """A followed feed. `etag` and `last_modified` are what the server sent last, for conditional GETs."""

    url: str
    outlet: str | None = None
    added: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled: str | None = None


@dataclass(frozen=True)
class ItemRecord:
    """What one item (feed entry or page) became.

    `path` is the written file (relative to the corpus folder) and `hash` the hash of its content
    without the fetch time, so an unchanged item is recognised without rewriting it. `seen` keeps
    each source's fingerprint of the item (a feed entry's fields, a sitemap's lastmod): the same
    fingerprint again means nothing to fetch. `problem` is set for an item that could not be used
    and is not retried until it changes.
    """

    identity: str
    path: str | None = None
    hash: str | None = None
    url: str | None = None
    seen: tuple[tuple[str, str], ...] = ()
    problem: str | None = None

    def seen_by(self, source: str) -> str | None:
        return dict(self.seen).get(source)

    def with_seen(self, source: str, fingerprint: str) -> ItemRecord:
        seen = dict(self.seen)
        seen[source] = fingerprint
        return replace(self, seen=tuple(sorted(seen.items())))


@dataclass
class FeedsState:
    """The file's content in memory. Mutable on purpose: a run updates it item by item."""

    feeds: dict[str, FeedEntry] = field(default_factory=dict)
    items: dict[str, ItemRecord] = field(default_factory=dict)

    def find(self, identity: str, url: str | None) -> ItemRecord | None:
        """The record of this item: by its identity, else by its URL (the same page reached from a
        sitemap, a pasted link or another feed)."""
        record = self.items.get(identity)
        if record is not None or url is None:
            return record
        return next((r for r in self.items.values() if r.url == url and r.path), None)

    def paths_in_use(self) -> dict[str, str]:
        """Written path -> identity of the item that owns it."""
        return {r.path: r.identity for r in self.items.values() if r.path}


def load_state(path: Path) -> FeedsState:
    """Read feeds.json; a missing file is an empty list. Raises `StateError` for a damaged one."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FeedsState()
    except OSError as error:
        raise StateError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(f"expected a version {STATE_VERSION} object")
        feeds = {url: FeedEntry(**entry) for url, entry in data.get("feeds", {}).items()}
        items = {
            identity: ItemRecord(**{**record, "seen": tuple(tuple(pair) for pair in record.get("seen", ()))})
            for identity, record in data.get("items", {}).items()
        }
    except (ValueError, TypeError, AttributeError) as error:
        raise StateError(f"{path} is damaged ({error}); fix or remove it to start the feed list anew") from error
    return FeedsState(feeds=feeds, items=items)


def save_state(path: Path, state: FeedsState) -> None:
    """Write feeds.json atomically. Raises `StateError` when the data folder is not writable."""
    data = {
        "version": STATE_VERSION,
        "feeds": {url: asdict(entry) for url, entry in sorted(state.feeds.items())},
        "items": {
            identity: {**asdict(record), "seen": [list(pair) for pair in record.seen]}
            for identity, record in sorted(state.items.items())
        },
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as error:
        raise StateError(f"cannot write {path}: {error.strerror or error}") from error


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a hidden temp file beside `path`, then rename over it.

    The temp name starts with a dot so the corpus scanner and watcher ignore it while it is written.
    """
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def file_lock(path: Path, *, blocking: bool, busy: str = "") -> Iterator[None]:
    """Hold an exclusive flock on `path` for the block; the kernel drops it when the process ends,
    even by kill -9, so no lock is ever left stale. `blocking` waits for the holder; otherwise a
    held lock raises `RunInProgress(busy)`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path, "a+b")  # noqa: SIM115 - closed below
    except OSError as error:
        raise StateError(f"cannot lock {path}: {error.strerror or error}") from error
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RunInProgress(busy or f"another process holds {path}") from error
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def locked(path: Path) -> contextlib.AbstractContextManager[None]:
    """Hold the lock beside feeds.json while reading, changing and writing it (blocks briefly)."""
    return file_lock(path.with_name(path.name + ".lock"), blocking=True)


def run_lock(path: Path) -> contextlib.AbstractContextManager[None]:
    """One fetch run at a time per data folder; a second one is refused, not queued."""
    return file_lock(
        path.with_name(path.name + ".run.lock"), blocking=False, busy="another fetch is running on this data folder"
    )
