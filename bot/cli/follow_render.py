"""How follows, their changes and what an update noticed look in a terminal (rich), from their fields.

Text from articles and questions is added as plain `Text`, never as markup, as for answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli.render import STATUS_STYLE
from bot.follows.models import Follow, RecordedChange
from bot.follows.notice import FollowReport
from bot.follows.wording import status_lines, update_line


def render_follow_report(console: Console, report: FollowReport) -> None:
    """One line after an index update, when follows were concerned."""
    if not report.worth_telling:
        return
    line = f"follows: {report.answered} of {report.follows} answered again, {len(report.changes)} change"
    line += "s" if len(report.changes) != 1 else ""
    line += " recorded"
    if report.changes:
        line += " (factdesk follows --changes)"
    if report.sent:
        line += f", {report.sent} sent to the webhook"
    console.print(Text(line))
    for problem in report.problems:
        console.print(Text.assemble(("follows: ", "red"), problem))


def render_follows(console: Console, follows: Sequence[Follow]) -> None:
    if not follows:
        console.print('no questions followed: follow one with `factdesk follow "question"`', markup=False)
        return
    table = Table(title="Followed questions")
    for column in ("id", "question", "filters", "where", "claims", "since"):
        table.add_column(column, overflow="fold")
    for follow in follows:
        claims = Text()
        if follow.snapshot.abstained:
            claims.append("the articles don't say", style="dim")
        for claim in follow.snapshot.claims:
            if claims:
                claims.append(", ")
            claims.append(claim.status.value, style=STATUS_STYLE[claim.status.value])
        table.add_row(
            str(follow.id),
            Text(follow.question),
            Text(_filters(follow) or "-"),
            Text(follow.channel),
            claims,
            Text(follow.created_at),
        )
    console.print(table)


def _filters(follow: Follow) -> str:
    parts = [f"outlet {follow.outlet}"] if follow.outlet else []
    if follow.since:
        parts.append(f"from {follow.since.isoformat()}")
    if follow.until:
        parts.append(f"to {follow.until.isoformat()}")
    return ", ".join(parts)


def render_changes(console: Console, changes: Sequence[RecordedChange]) -> None:
    """Each change: the follow's question, the update line, what each claim was and is, the sources."""
    if not changes:
        console.print("no new changes", markup=False)
        return
    for recorded in changes:
        change = recorded.change
        heading = Text.assemble((f"#{recorded.follow_id} ", "bold"), recorded.question)
        heading.append(f"  {recorded.recorded_at}", style="dim")
        console.print(heading)
        line = Text("  ")
        line.append(update_line(change))
        console.print(line)
        for status in status_lines(change):
            console.print(Text("    " + status))
        for source in change.sources:
            entry = f"    [{source.n}] {source.outlet}: {source.title}"
            entry += f" ({source.published})" if source.published else ""
            entry += f" {source.url}" if source.url else ""
            console.print(Text(entry))
