"""The follows database: follows, the changes recorded for them and their deliveries (an outbox).

SQLite through the standard library, in the data folder, in WAL mode: the indexer that records
changes, the HTTP server that adds follows and the bot that posts may be different processes.
Each call opens its own short connection (safe from any thread); writes take the write lock
first (`BEGIN IMMEDIATE`), so a limit check and the insert it guards cannot interleave.

Sentence vectors: the embeddings of the sentences that answering a follow read, by model, article
version and sentence, so that a process answering follows again (a `factdesk index` run from
cron, a writer just started) does not embed again what an earlier one did. Rows of articles
changed or removed are dropped by the next update.

The outbox: a change and one delivery row per target ("discord", "webhook") are written in one
transaction together with the follow's new baseline, before anything is sent. A sender marks a
delivery sent only after it went out. A crash before that leaves it pending, and the next
sender sends it (once: the row is the only record of it); a crash after sending but before the
mark sends it again with the same id, which Discord (the message nonce) and webhook receivers
(the `Idempotency-Key`) use to drop the repeat.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.follows.config import FollowConfig
from bot.follows.errors import FollowLimit, FollowStoreError
from bot.follows.models import Change, Delivery, Follow, RecordedChange, Snapshot

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    outlet TEXT,
    since TEXT,
    until TEXT,
    channel TEXT NOT NULL,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL,
    terms TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS follows_channel ON follows (channel);
CREATE INDEX IF NOT EXISTS follows_user ON follows (user);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follow_id INTEGER NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
    recorded_at TEXT NOT NULL,
    change TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX IF NOT EXISTS changes_follow ON changes (follow_id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id INTEGER NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (target, state);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    model TEXT NOT NULL,
    article_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    start INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, article_id, content_hash, start)
) WITHOUT ROWID;
"""
_CHANGE_COLUMNS = "c.id, c.follow_id, f.question, f.channel, c.recorded_at, c.change"


@dataclass(frozen=True)
class FollowTerms:
    """What deciding whether an update may touch a follow needs: no answer is parsed for it."""

    id: int
    terms: frozenset[str]
    outlet: str | None
    since: date | None
    until: date | None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FollowStore:
    def __init__(self, config: FollowConfig) -> None:
        self.config = config
        self.path = config.database

    @property
    def exists(self) -> bool:
        """Whether anyone ever followed anything here (no file is created just to look)."""
        return self.path.is_file()

    # --- connections ------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except (sqlite3.Error, OSError) as error:
            raise FollowStoreError(f"cannot open the follows database {self.path}: {error}") from error
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA foreign_keys = ON")
            if write:
                connection.execute("PRAGMA journal_mode = WAL")  # kept by the file; readers and a writer at once
                connection.execute("BEGIN IMMEDIATE")
                self._migrate(connection)
            yield connection
            if connection.in_transaction:
                connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise FollowStoreError(f"the follows database {self.path} failed: {error}") from error
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def _migrate(self, connection: sqlite3.Connection) -> None:
        """Create the tables in the write transaction, so no reader ever sees half a schema."""
        version = _version(connection)
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise FollowStoreError(
                f"the follows database {self.path} is of a newer factdesk (schema {version}); update factdesk"
            )
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        """A connection for reading, or None when there is no database yet (nothing followed)."""
        if not self.exists:
            yield None
            return
        with self._connect() as connection:
            yield connection if _version(connection) else None

    # --- follows ----------------------------------------------------------------------

    def add(
        self,
        question: str,
        snapshot: Snapshot,
        *,
        channel: str,
        user: str,
        outlet: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> tuple[Follow, bool]:
        """Follow `question` in `channel`, with the answer shown as the baseline later answers are
        compared with: the new follow and True, or the same question already followed there and False.

        Raises `FollowLimit` when the channel or the person follows as many questions as allowed."""
        from index.text import content_terms

        terms = sorted(content_terms(question))  # what `bot.follows.touch` meets new sentences with
        with self._connect(write=True) as connection:
            same = connection.execute(
                "SELECT * FROM follows WHERE channel = ? AND question = ? AND outlet IS ? AND since IS ? "
                "AND until IS ?",
                (channel, question, outlet, _day(since), _day(until)),
            ).fetchone()
            if same is not None:
                return _follow(same), False
            (in_channel,) = connection.execute("SELECT count(*) FROM follows WHERE channel = ?", (channel,)).fetchone()
            if in_channel >= self.config.max_per_channel:
                raise FollowLimit(
                    f"This channel already follows {in_channel} questions, the most allowed: stop following one first."
                )
            (by_user,) = connection.execute("SELECT count(*) FROM follows WHERE user = ?", (user,)).fetchone()
            if by_user >= self.config.max_per_user:
                raise FollowLimit(
                    f"You already follow {by_user} questions, the most allowed: stop following one first."
                )
            cursor = connection.execute(
                "INSERT INTO follows (question, outlet, since, until, channel, user, created_at, terms, snapshot) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    question,
                    outlet,
                    _day(since),
                    _day(until),
                    channel,
                    user,
                    now(),
                    json.dumps(terms),
                    snapshot.model_dump_json(),
                ),
            )
            row = connection.execute("SELECT * FROM follows WHERE id = ?", (cursor.lastrowid,)).fetchone()
            return _follow(row), True

    def get(self, follow_id: int) -> Follow | None:
        with self._read() as connection:
            if connection is None:
                return None
            row = connection.execute("SELECT * FROM follows WHERE id = ?", (follow_id,)).fetchone()
            return None if row is None else _follow(row)

    def follows(self, channel: str | None = None) -> list[Follow]:
        """Every follow, or those of one channel, oldest first."""
        with self._read() as connection:
            if connection is None:
                return []
            if channel is None:
                rows = connection.execute("SELECT * FROM follows ORDER BY id").fetchall()
            else:
                rows = connection.execute("SELECT * FROM follows WHERE channel = ? ORDER BY id", (channel,)).fetchall()
            return [_follow(row) for row in rows]

    def terms(self) -> list[FollowTerms]:
        with self._read() as connection:
            if connection is None:
                return []
            rows = connection.execute("SELECT id, terms, outlet, since, until FROM follows ORDER BY id").fetchall()
        return [
            FollowTerms(
                id=row["id"],
                terms=frozenset(json.loads(row["terms"])),
                outlet=row["outlet"],
                since=_date(row["since"]),
                until=_date(row["until"]),
            )
            for row in rows
        ]

    def remove(self, follow_id: int, *, channel: str | None = None) -> bool:
        """Stop following (in `channel` only, when given); its changes and unsent deliveries go too."""
        if not self.exists:
            return False
        with self._connect(write=True) as connection:
            if channel is None:
                cursor = connection.execute("DELETE FROM follows WHERE id = ?", (follow_id,))
            else:
                cursor = connection.execute("DELETE FROM follows WHERE id = ? AND channel = ?", (follow_id, channel))
            return cursor.rowcount > 0

    # --- changes and their deliveries ---------------------------------------------------

    def record(
        self, follow_id: int, changes: Sequence[Change], snapshot: Snapshot, targets: Sequence[str]
    ) -> list[RecordedChange]:
        """Record changes, one delivery per target each, and the answer they were compared with as the
        follow's new baseline: all or nothing. Nothing when the follow was removed meanwhile."""
        with self._connect(write=True) as connection:
            if connection.execute("SELECT 1 FROM follows WHERE id = ?", (follow_id,)).fetchone() is None:
                return []
            ids = []
            for change in changes:
                cursor = connection.execute(
                    "INSERT INTO changes (follow_id, recorded_at, change) VALUES (?, ?, ?)",
                    (follow_id, now(), change.model_dump_json()),
                )
                ids.append(cursor.lastrowid)
                connection.executemany(
                    "INSERT INTO deliveries (change_id, target) VALUES (?, ?)",
                    [(cursor.lastrowid, target) for target in targets],
                )
            connection.execute("UPDATE follows SET snapshot = ? WHERE id = ?", (snapshot.model_dump_json(), follow_id))
            return _changes(connection, f"c.id IN ({','.join('?' * len(ids))})", ids) if ids else []

    def changes(self, follow_id: int, *, after: int = 0) -> list[RecordedChange]:
        """A follow's changes, oldest first; `after`: only those recorded after that change id."""
        with self._read() as connection:
            if connection is None:
                return []
            return _changes(connection, "c.follow_id = ? AND c.id > ?", (follow_id, after))

    def unread(self) -> list[RecordedChange]:
        """Changes not listed before, oldest first; they count as read from now on."""
        if not self.exists:
            return []
        with self._connect(write=True) as connection:
            found = _changes(connection, "c.read_at IS NULL", ())
            connection.execute("UPDATE changes SET read_at = ? WHERE read_at IS NULL", (now(),))
            return found

    def pending(self, target: str, limit: int = 50) -> list[Delivery]:
        """Deliveries to `target` not sent yet, oldest first."""
        with self._read() as connection:
            if connection is None:
                return []
            rows = connection.execute(
                "SELECT d.id AS delivery_id, d.target, d.attempts, "
                + _CHANGE_COLUMNS
                + " FROM deliveries d JOIN changes c ON c.id = d.change_id JOIN follows f ON f.id = c.follow_id "
                "WHERE d.target = ? AND d.state = 'pending' ORDER BY d.id LIMIT ?",
                (target, limit),
            ).fetchall()
        return [
            Delivery(id=row["delivery_id"], target=row["target"], attempts=row["attempts"], recorded=_recorded(row))
            for row in rows
        ]

    def mark_sent(self, delivery_id: int) -> None:
        with self._connect(write=True) as connection:
            connection.execute("UPDATE deliveries SET state = 'sent', sent_at = ? WHERE id = ?", (now(), delivery_id))

    def mark_failed(self, delivery_id: int, error: str, *, give_up: bool = False) -> None:
        """Count a failed attempt; past `max_attempts` (or at once with `give_up`) it is not tried again."""
        with self._connect(write=True) as connection:
            connection.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
                "state = CASE WHEN ? OR attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?",
                (error[:500], give_up, self.config.max_attempts, delivery_id),
            )

    # --- sentence vectors --------------------------------------------------------------

    def sentence_vectors(self, model: str, versions: Mapping[str, str]) -> dict[tuple[str, str, int], bytes]:
        """Kept vectors of these article versions (id -> content hash), by (id, hash, sentence start)."""
        if not versions:
            return {}
        with self._read() as connection:
            if connection is None:
                return {}
            found: dict[tuple[str, str, int], bytes] = {}
            for article_id, content_hash in versions.items():
                rows = connection.execute(
                    "SELECT start, vector FROM sentence_vectors "
                    "WHERE model = ? AND article_id = ? AND content_hash = ?",
                    (model, article_id, content_hash),
                ).fetchall()
                found.update({(article_id, content_hash, start): vector for start, vector in rows})
            return found

    def keep_sentence_vectors(self, model: str, rows: Sequence[tuple[str, str, int, bytes]]) -> None:
        """Keep (article id, content hash, sentence start, vector) rows; those already kept stay."""
        if not rows:
            return
        with self._connect(write=True) as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO sentence_vectors (model, article_id, content_hash, start, vector) "
                "VALUES (?, ?, ?, ?, ?)",
                [(model, *row) for row in rows],
            )

    def forget_sentence_vectors(self, article_ids: Sequence[str]) -> None:
        """Drop the vectors of articles changed or removed (their kept versions are gone)."""
        if not article_ids or not self.exists:
            return
        with self._connect(write=True) as connection:
            connection.executemany("DELETE FROM sentence_vectors WHERE article_id = ?", [(i,) for i in article_ids])

    def delivery_states(self) -> dict[str, int]:
        """How many deliveries are pending, sent or failed (status output and tests)."""
        with self._read() as connection:
            if connection is None:
                return {}
            rows = connection.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()
            return {state: count for state, count in rows}


def _changes(connection: sqlite3.Connection, where: str, parameters: Sequence[object]) -> list[RecordedChange]:
    rows = connection.execute(
        f"SELECT {_CHANGE_COLUMNS} FROM changes c JOIN follows f ON f.id = c.follow_id WHERE {where} ORDER BY c.id",
        tuple(parameters),
    ).fetchall()
    return [_recorded(row) for row in rows]


def _recorded(row: sqlite3.Row) -> RecordedChange:
    return RecordedChange(
        id=row["id"],
        follow_id=row["follow_id"],
        question=row["question"],
        channel=row["channel"],
        recorded_at=row["recorded_at"],
        change=Change.model_validate_json(row["change"]),
    )


def _follow(row: sqlite3.Row) -> Follow:
    return Follow(
        id=row["id"],
        question=row["question"],
        outlet=row["outlet"],
        since=_date(row["since"]),
        until=_date(row["until"]),
        channel=row["channel"],
        user=row["user"],
        created_at=row["created_at"],
        snapshot=Snapshot.model_validate_json(row["snapshot"]),
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    return int(version)
