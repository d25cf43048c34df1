"""What the Discord bot needs to know, as one immutable value built by the application's settings."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr


@dataclass(frozen=True)
class DiscordConfig:
    token: SecretStr | None = None
    reindex_role: str | None = None
    announce_channel: int | None = None
    use_threads: bool = False
    # Off when another process (a `factdesk index --watch` against a Chroma server) keeps the index.
    watch: bool = True
    user_rate: int = 5
    channel_rate: int = 20
    rate_window_s: float = 60.0
    # Register the slash commands in this one server, where they show at once (a global sync
    # can take up to an hour to reach every server); None: globally.
    guild_id: int | None = None
