"""What following needs to know, as one immutable value built by the application's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.feeds.config import DEFAULT_USER_AGENT

DATABASE_NAME = "follows.sqlite3"


@dataclass(frozen=True)
class FollowConfig:
    data_dir: Path
    # Follows one Discord channel (or thread, or the CLI, or the HTTP API) may hold, and one person.
    max_per_channel: int = 25
    max_per_user: int = 10
    # Changes are also POSTed here as JSON, when set (an http or https address).
    webhook: str | None = None
    # Off by default, as for fetching: a webhook must not reach into the server's own network.
    webhook_allow_private: bool = False
    webhook_timeout_s: float = 10.0
    user_agent: str = DEFAULT_USER_AGENT
    # A delivery that failed this many times is given up (kept, marked failed, never retried).
    max_attempts: int = 8
    # How often the Discord bot looks for updates recorded by another process or left unsent.
    post_interval_s: float = 15.0

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_NAME
