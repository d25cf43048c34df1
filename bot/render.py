"""How answers and index reports look in a terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.models import Answer
from index import IndexReport, IndexStatus

STATUS_STYLE = {"confirmed": "green", "reported": "yellow", "speculative": "magenta", "disputed": "red"}


def render_answer(console: Console, answer: Answer) -> None:
    for note in answer.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if answer.abstained:
        console.print(Panel(escape(answer.answer), title="Answer", border_style="dim"))
        return
    text = Text()
    for paragraph in answer.answer.split("\n\n"):
        if text:
            text.append("\n\n")
        if paragraph.startswith("Unconfirmed:"):
            text.append("Unconfirmed:", style="bold yellow")
            text.append(paragraph[len("Unconfirmed:") :])
        else:
            text.append(paragraph)
    console.print(Panel(text, title=f"Answer ({answer.mode})"))
    sources = Table(title="Sources", show_lines=True)
    for column in ("n", "outlet", "title", "date", "url", "quote"):
        sources.add_column(column, overflow="fold")
    for source in answer.sources:
        sources.add_row(
            str(source.n), source.outlet, source.title, source.published or "-", source.url or "-", Text(source.quote)
        )
    console.print(sources)


def render_report(console: Console, report: IndexReport) -> None:
    table = Table(title="Index update" + (" (rebuilt)" if report.rebuilt else ""), show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("articles", overflow="fold")
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
        ("skipped (unchanged)", report.skipped),
    ):
        shown = ", ".join(ids[:8]) + (f", … {len(ids) - 8} more" if len(ids) > 8 else "")
        table.add_row(label, str(len(ids)), shown)
    table.add_row("chunks embedded", str(report.chunks_written), "")
    table.add_row("problems", str(len(report.problems)), "")
    table.add_row("time", f"{report.seconds:.1f} s", "")
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    for problem in report.problems:
        console.print(f"[red]skipped[/] {escape(problem.path)}: {escape(problem.reason)}")


def render_status(console: Console, status: IndexStatus, corpus: str, mode: str) -> None:
    table = Table(title="factdesk index", show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    rows = [
        ("store", status.store),
        ("corpus folder", corpus),
        ("articles", str(status.articles)),
        ("chunks", str(status.chunks)),
        ("embedding model", status.embed_model or "-"),
        ("answer mode", mode),
        ("last update", status.updated_at or "never"),
        ("generation", status.generation or "-"),
    ]
    if status.update_interrupted:
        rows.append(("warning", "the last update was interrupted; the next `factdesk index` repairs it"))
    for row in rows:
        table.add_row(*row)
    console.print(table)
