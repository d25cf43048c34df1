"""The one place the text of an update is written, from a change's fields.

"Update: [1] is now disputed by the White House: The White House denied ... [2]", then one line
per claim with its status as answers show it. Every piece that comes from articles or people
(claims, parties) goes through `inert`, which each view chooses (Discord escapes Markdown and
mentions; a terminal or JSON needs nothing), so the structure is written once for all views.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.answering.wording import claim_sentence, markers, status_detail
from bot.follows.models import Change, ChangeKind

Inert = Callable[[str], str]


def _same(text: str) -> str:
    return text


def headline(change: Change, inert: Inert = _same) -> str:
    """`[1] is now disputed by X:`, or `The articles now answer it:`."""
    if change.kind is ChangeKind.ANSWERED:
        return "The articles now answer it:"
    subject = " and ".join(markers(claim) for claim in change.followed)
    verb = "is" if len(change.followed) == 1 else "are"
    by = " and ".join(inert(party) for party in change.by)
    if change.kind is ChangeKind.SUPERSEDED:
        return f"{subject} {verb} superseded by a newer report:"
    return f"{subject} {verb} now {change.kind.value}" + (f" by {by}" if by else "") + ":"


def reasons_text(change: Change, inert: Inert = _same) -> str:
    """The new articles' claims, as an answer says them, with their markers."""
    return " ".join(f"{inert(claim_sentence(claim))} {markers(claim)}" for claim in change.reasons)


def update_line(change: Change, inert: Inert = _same, *, label: str = "Update:") -> str:
    return f"{label} {headline(change, inert)} {reasons_text(change, inert)}"


def status_lines(change: Change, inert: Inert = _same) -> list[str]:
    """What each claim was and is: `[1] “...” was reported, claimed by X`, `[2] is disputed, ...`."""
    lines = [f"{markers(claim)} “{inert(claim.text)}” was {inert(status_detail(claim))}" for claim in change.followed]
    lines += [f"{markers(claim)} is {inert(status_detail(claim))}" for claim in change.reasons]
    return lines


def change_text(change: Change) -> str:
    """The whole update as plain text (webhook receivers, logs): line, statuses, sources."""
    lines = [update_line(change), *status_lines(change)]
    for source in change.sources:
        line = f"[{source.n}] {source.outlet}: {source.title}"
        if source.published:
            line += f" ({source.published})"
        if source.url:
            line += f" {source.url}"
        lines.append(line)
    return "\n".join(lines)
