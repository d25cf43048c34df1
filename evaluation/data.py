"""Finding the public data sets (`../shared/data`, never copied into the project)."""

from __future__ import annotations

from pathlib import Path

from bot.errors import UserError


class EvaluationDataError(UserError):
    """Missing data or a bad argument; the message is complete for the user."""


def require(path: Path) -> Path:
    if not path.exists():
        raise EvaluationDataError(f"evaluation data not found: {path}")
    return path
