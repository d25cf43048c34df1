"""The Discord client: slash commands and mentions wired to the handlers, and start-up.

Index writes happen through this process's `Indexer` (the watcher thread and /reindex share
it): a second process writing the same embedded Chroma folder is not seen reliably by this
one. With a Chroma server, another process may write instead (FACTDESK_DISCORD_WATCH=false);
the searcher reads every new version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

import discord
from discord import app_commands

from bot.answering.config import AnswerConfig
from bot.answering.engine import AnswerEngine
from bot.discord.config import DiscordConfig
from bot.discord.follows import FollowButton, handle_follow, handle_follows, handle_unfollow
from bot.discord.handlers import (
    NO_MENTIONS,
    Desk,
    announce_new_articles,
    apology,
    handle_ask,
    handle_mention,
    handle_reindex,
    handle_sources,
    handle_status,
    incident,
    is_addressed_to,
    reply_privately,
)
from bot.discord.updates import post_updates
from bot.discord.watching import CorpusWatcher
from bot.errors import UserError
from bot.follows.config import FollowConfig
from index.build import IndexReport
from index.config import IndexConfig
from index.feeds.config import FetchConfig
from index.indexer import Indexer

log = logging.getLogger(__name__)

# View channels, send messages (also in threads), create public threads, read history (for replies).
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
)


class DiscordSetupError(UserError):
    """The bot cannot start (no token, token refused, no network); the message says what to do."""


class FactdeskBot(discord.Client):
    def __init__(self, desk: Desk, *, watch: bool = True, intents: discord.Intents | None = None) -> None:
        # Default intents only: the content of a message that mentions the bot arrives without the
        # privileged message content intent.
        super().__init__(intents=intents or discord.Intents.default(), allowed_mentions=NO_MENTIONS)
        self.desk = desk
        self.watch = watch
        self.watcher: CorpusWatcher | None = None
        self.tree = app_commands.CommandTree(self)
        self.tree.error(self.on_command_error)
        self._add_commands()
        # The Follow button under answers, also after a restart.
        self.add_dynamic_items(FollowButton)
        self._posting = asyncio.Lock()
        self._poster: asyncio.Task[None] | None = None

    def _add_commands(self) -> None:
        desk = self.desk

        @self.tree.command(name="ask", description="Ask a question about the indexed news articles.")
        @app_commands.describe(question="What you want to know")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            await handle_ask(interaction, question, desk)

        @self.tree.command(name="sources", description="List the indexed articles, newest first.")
        @app_commands.describe(page="Page number")
        async def sources(interaction: discord.Interaction, page: app_commands.Range[int, 1, None] = 1) -> None:
            await handle_sources(interaction, page, desk)

        @self.tree.command(name="status", description="Articles, chunks, last update and answer mode.")
        async def status(interaction: discord.Interaction) -> None:
            await handle_status(interaction, desk)

        @self.tree.command(
            name="reindex", description="Re-index the articles now (administrators or the configured role)."
        )
        @app_commands.guild_only()
        async def reindex(interaction: discord.Interaction) -> None:
            await handle_reindex(interaction, desk, self.after_update)

        @self.tree.command(name="follow", description="Answer a question and post here when what it says changes.")
        @app_commands.describe(question="What you want to follow")
        async def follow(interaction: discord.Interaction, question: str) -> None:
            await handle_follow(interaction, question, desk)

        @self.tree.command(name="follows", description="The questions this channel follows.")
        async def follows(interaction: discord.Interaction) -> None:
            await handle_follows(interaction, desk)

        @self.tree.command(name="unfollow", description="Stop following one of this channel's questions.")
        @app_commands.describe(follow_id="The follow's number, as /follows lists it")
        async def unfollow(interaction: discord.Interaction, follow_id: app_commands.Range[int, 1, None]) -> None:
            await handle_unfollow(interaction, follow_id, desk)

    async def setup_hook(self) -> None:
        if self.watch:
            self.start_watcher()
        if self.desk.follows is not None:
            self._poster = asyncio.create_task(self._post_follow_updates_forever())
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Register the slash commands: in the configured server only (at once), or globally."""
        guild_id = self.desk.config.guild_id
        try:
            if guild_id is None:
                await self.tree.sync()
                return
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        except discord.HTTPException as error:
            log.warning("could not register the slash commands: %s", error)

    def start_watcher(self, *, catch_up: bool = True) -> CorpusWatcher:
        self.watcher = CorpusWatcher(self.desk, asyncio.get_running_loop(), self.after_update, catch_up=catch_up)
        self.watcher.start()
        return self.watcher

    async def on_ready(self) -> None:
        if self.user is None:
            return
        url = discord.utils.oauth_url(
            self.user.id, scopes=("bot", "applications.commands"), permissions=INVITE_PERMISSIONS
        )
        log.info("connected as %s to %d servers; invite: %s", self.user, len(self.guilds), url)

    async def on_message(self, message: discord.Message) -> None:
        if self.user is None or message.author.bot:
            return
        role_ids = [message.guild.self_role.id] if message.guild and message.guild.self_role else []
        if is_addressed_to(message, self.user.id, role_ids):
            await handle_mention(message, self.desk, self.user.id, role_ids)

    async def on_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        incident_id = uuid.uuid4().hex[:8]
        log.error("internal error %s in /%s", incident_id, getattr(interaction.command, "name", "?"), exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            await reply_privately(interaction, apology(incident_id))

    async def announce(self, report: IndexReport) -> None:
        channel_id = self.desk.config.announce_channel
        if channel_id is None or not report.added:
            return
        try:
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            await announce_new_articles(channel, self.desk.store, report)
        except discord.HTTPException as error:
            log.warning("cannot announce in channel %s: %s", channel_id, error)

    async def after_update(self, report: IndexReport) -> None:
        """After an update this process made: announce new articles, post what follows noticed."""
        await self.announce(report)
        await self.post_follow_updates()

    async def post_follow_updates(self) -> int:
        """Post the follow updates waiting for Discord, one pass at a time; the number posted."""
        if self.desk.follows is None:
            return 0
        async with self._posting:
            try:
                return await post_updates(self, self.desk.follows)
            except Exception:  # noqa: BLE001 - the next pass tries again
                incident("posting follow updates")
                return 0

    async def _post_follow_updates_forever(self) -> None:
        """Updates recorded by another process (a separate indexer) or left unsent by a crash."""
        assert self.desk.follows is not None
        await self.wait_until_ready()
        while not self.is_closed():
            await self.post_follow_updates()
            await asyncio.sleep(self.desk.follows.config.post_interval_s)

    async def close(self) -> None:
        if self._poster is not None:
            self._poster.cancel()
        if self.watcher is not None:
            await asyncio.to_thread(self.watcher.stop)
        await super().close()


def run_discord(
    config: DiscordConfig,
    index: IndexConfig,
    answering: AnswerConfig,
    fetch: FetchConfig | None = None,
    *,
    follows: FollowConfig | None = None,
) -> None:
    """`factdesk discord`: check the token, load the engine, connect; returns on Ctrl-C."""
    token = config.token.get_secret_value().strip() if config.token else ""
    if not token:
        raise DiscordSetupError(
            "FACTDESK_DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal "
            "(Bot > Reset Token) into it; see docs/discord.md"
        )
    engine = AnswerEngine.open(index, answering)
    watch = config.watch and index.corpus_dir.is_dir()
    if config.watch and not watch:
        log.warning("corpus folder %s not found: answering from the index without watching", index.corpus_dir)
    store = hook = None
    if follows is not None:
        from bot.follows.notice import follow_hook
        from bot.follows.store import FollowStore

        store, hook = FollowStore(follows), follow_hook(follows, lambda: engine)
    indexer = Indexer(index, store=engine.searcher.store, after_update=hook)
    desk = Desk(config, engine, indexer, fetch=fetch, follows=store)
    bot = FactdeskBot(desk, watch=watch)
    try:
        bot.run(token, log_handler=None)
    except discord.LoginFailure:
        raise DiscordSetupError(
            "Discord refused the token in FACTDESK_DISCORD_TOKEN: copy a fresh one from the developer portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise DiscordSetupError("Discord refused an intent this bot asked for; see docs/discord.md") from None
    except (OSError, discord.GatewayNotFound) as error:
        # aiohttp's ClientConnectorError is an OSError: no network, DNS failure, firewall.
        raise DiscordSetupError(f"Discord cannot be reached ({type(error).__name__}): check the network") from None
