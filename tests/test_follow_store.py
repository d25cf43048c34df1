"""The follows database on real SQLite files: limits per channel and per person, the outbox (a
change and its deliveries recorded with the new baseline in one transaction, pending until sent),
what removing a follow takes with it, and a broken file reported in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.models import Claim, Source
from bot.follows.config import FollowConfig
from bot.follows.errors import FollowLimit, FollowStoreError
from bot.follows.models import Change, ChangeKind, Snapshot
from bot.follows.store import FollowStore
from index.claims.status import ClaimStatus
from tests.conftest import run

QUOTE = "The Harbor Bridge will close on March 3."
SOURCE = Source(n=1, article_id="a", title="Bridge", outlet="Coastal Tribune", url=None, published=None, quote=QUOTE)
CLAIM = Claim(text=QUOTE, status=ClaimStatus.REPORTED, attributed_to="officials", citations=[1])
BASELINE = Snapshot(abstained=False, claims=[CLAIM], sources=[SOURCE])
NOTHING = Snapshot(abstained=True)


def change(kind: ChangeKind = ChangeKind.CONFIRMED) -> Change:
    confirmed = CLAIM.model_copy(update={"status": ClaimStatus.CONFIRMED, "citations": [2]})
    return Change(
        kind=kind, followed=[CLAIM], reasons=[confirmed], sources=[SOURCE, SOURCE.model_copy(update={"n": 2})]
    )


def store_in(tmp_path: Path, **limits: int) -> FollowStore:
    return FollowStore(FollowConfig(data_dir=tmp_path / "data", **limits))  # type: ignore[arg-type]


def follow(store: FollowStore, question: str, channel: str = "discord:1", user: str = "discord:7") -> int:
    made, _ = store.add(question, BASELINE, channel=channel, user=user)
    return made.id


def test_nothing_is_created_by_looking(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    assert store.follows() == [] and store.terms() == [] and store.pending("discord") == [] and store.unread() == []
    assert not store.exists and not (tmp_path / "data").exists()


def test_limits_per_channel_and_per_person(tmp_path: Path) -> None:
    store = store_in(tmp_path, max_per_channel=2, max_per_user=3)
    follow(store, "q1", "discord:1", "discord:7")
    follow(store, "q2", "discord:1", "discord:8")
    with pytest.raises(FollowLimit, match="This channel already follows 2 questions"):
        follow(store, "q3", "discord:1", "discord:9")
    follow(store, "q3", "discord:2", "discord:7")
    follow(store, "q4", "discord:3", "discord:7")
    with pytest.raises(FollowLimit, match="You already follow 3 questions"):
        follow(store, "q5", "discord:4", "discord:7")
    assert [f.question for f in store.follows("discord:1")] == ["q1", "q2"]


def test_the_same_question_in_the_same_channel_is_one_follow(tmp_path: Path) -> None:
    store = store_in(tmp_path, max_per_channel=1)
    first, created = store.add("q", BASELINE, channel="cli", user="cli")
    again, created_again = store.add("q", NOTHING, channel="cli", user="cli")
    assert created and not created_again and again.id == first.id and again.snapshot == BASELINE


def test_recording_writes_changes_deliveries_and_the_new_baseline_together(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    follow_id = follow(store, "Will the bridge close?")
    newer = Snapshot(abstained=False, claims=change().reasons, sources=change().sources)
    (recorded,) = store.record(follow_id, [change()], newer, ["discord", "webhook"])
    assert recorded.follow_id == follow_id and recorded.change == change() and recorded.channel == "discord:1"
    assert store.get(follow_id).snapshot == newer  # type: ignore[union-attr]
    (discord,) = store.pending("discord")
    (webhook,) = store.pending("webhook")
    assert discord.recorded == webhook.recorded == recorded and discord.id != webhook.id
    store.mark_sent(discord.id)
    assert store.pending("discord") == [] and [d.id for d in store.pending("webhook")] == [webhook.id]
    assert store.changes(follow_id) == [recorded] and store.changes(follow_id, after=recorded.id) == []


def test_a_change_is_listed_once_by_unread(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    follow_id = follow(store, "q")
    store.record(follow_id, [change()], BASELINE, [])
    assert [r.change.kind for r in store.unread()] == [ChangeKind.CONFIRMED]
    assert store.unread() == []
    store.record(follow_id, [change(ChangeKind.DISPUTED)], BASELINE, [])
    assert [r.change.kind for r in store.unread()] == [ChangeKind.DISPUTED]


def test_failed_deliveries_are_retried_then_given_up(tmp_path: Path) -> None:
    store = store_in(tmp_path, max_attempts=2)
    follow_id = follow(store, "q")
    store.record(follow_id, [change(), change(ChangeKind.DISPUTED)], BASELINE, ["webhook"])
    first, second = store.pending("webhook")
    store.mark_failed(first.id, "HTTP 503")
    assert [d.attempts for d in store.pending("webhook")] == [1, 0]
    store.mark_failed(first.id, "HTTP 503")
    store.mark_failed(second.id, "HTTP 404", give_up=True)
    assert store.pending("webhook") == [] and store.delivery_states() == {"failed": 2}


def test_removing_a_follow_drops_its_changes_and_unsent_deliveries(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    kept, gone = follow(store, "kept", "discord:1"), follow(store, "gone", "discord:2")
    store.record(gone, [change()], BASELINE, ["discord"])
    assert not store.remove(gone, channel="discord:1")  # another channel's follow
    assert store.remove(gone) and not store.remove(gone)
    assert store.pending("discord") == [] and store.changes(gone) == [] and [f.id for f in store.follows()] == [kept]
    assert store.record(gone, [change()], BASELINE, ["discord"]) == []  # removed while being checked


def test_a_broken_database_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "follows.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(FollowStoreError, match=r"follows database .* failed"):
        store_in(tmp_path).follows()
    result = run(tmp_path, "follows")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: the follows database") and len(result.stderr.strip().splitlines()) == 1
