"""What one fetch run did: files written, rewritten, left alone, and every problem on its own line."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FetchProblem:
    """One feed, page or sitemap that could not be used, and why, in words a person can act on."""

    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


@dataclass(frozen=True)
class FetchReport:
    """The outcome of `fetch_feeds` or `add_urls`. Paths are relative to the corpus folder."""

    written: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    not_modified: int = 0  # feeds that answered 304: nothing read, nothing written
    problems: tuple[FetchProblem, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the corpus changed, i.e. whether an index update has anything to do."""
        return bool(self.written or self.updated)

    @property
    def nothing_usable(self) -> bool:
        """Every feed, page or sitemap failed: nothing new, changed or already there came of the run."""
        return bool(self.problems) and not (self.written or self.updated or self.unchanged or self.not_modified)

    def lines(self) -> list[str]:
        """A short summary for a terminal or a chat message: one line, then one per problem or note."""
        summary = (
            f"{len(self.written)} new, {len(self.updated)} updated, {self.unchanged} unchanged"
            f"{f', {self.not_modified} feeds not modified' if self.not_modified else ''}"
            f", {len(self.problems)} problem{'' if len(self.problems) == 1 else 's'} in {self.seconds:.1f} s"
        )
        return [
            summary,
            *(f"new: {path}" for path in self.written),
            *(f"updated: {path}" for path in self.updated),
            *(f"note: {note}" for note in self.notes),
            *(f"problem: {problem}" for problem in self.problems),
        ]


@dataclass
class ReportBuilder:
    """The mutable tally a run keeps while it works; `build` freezes it."""

    written: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_modified: int = 0
    problems: list[FetchProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, url: str, reason: str) -> None:
        self.problems.append(FetchProblem(url, reason))

    def build(self, seconds: float) -> FetchReport:
        return FetchReport(
            written=tuple(self.written),
            updated=tuple(self.updated),
            unchanged=self.unchanged,
            not_modified=self.not_modified,
            problems=tuple(self.problems),
            notes=tuple(self.notes),
            seconds=seconds,
        )
