"""Starting to follow a question: the one way every view (CLI, Discord, HTTP) adds a follow.

The answer given is the one the person was shown: it becomes the baseline later answers are
compared with, so the first update is about what changed since they read it.
"""

from __future__ import annotations

from datetime import date

from bot.answering.models import Answer
from bot.follows.models import Follow, Snapshot
from bot.follows.store import FollowStore
from bot.follows.touch import question_terms


def start_following(
    store: FollowStore,
    answer: Answer,
    *,
    channel: str,
    user: str,
    outlet: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> tuple[Follow, bool]:
    """The follow of `answer.question` in `channel`, and whether it is new (False: already followed there).

    Raises `FollowLimit` past the limits per channel and per person."""
    return store.add(
        answer.question,
        Snapshot.of(answer),
        terms=sorted(question_terms(answer.question)),
        channel=channel,
        user=user,
        outlet=outlet,
        since=since,
        until=until,
    )
