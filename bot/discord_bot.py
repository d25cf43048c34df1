"""factdesk on Discord: /ask, /sources, /reindex, /status and @mentions, with the corpus watched.

The command callbacks only delegate to the plain async `handle_*` functions below, which take
anything shaped like discord.py's `Interaction` or `Message`; tests call them with fakes.

Index writes happen in this process only (the watcher thread and /reindex share one lock): a
second process writing the same embedded Chroma folder is not seen reliably by this one. With
a Chroma server, another process may write instead; the retriever notices every new version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.answer import AnswerEngine, QuestionError, answer_question, clean_question
from bot.discord_format import (
    escape,
    format_announcement,
    format_answer,
    format_report,
    format_sources_page,
    format_status,
    shorten,
)
from bot.errors import UserError
from bot.models import Answer
from bot.retrieval import IndexEmpty
from bot.settings import Settings
from bot.watch import watch_corpus
from index import ArticleRecord, IndexReport, IndexStore, StoreUnavailable, update_index

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
SOURCES_PER_PAGE = 10
ANNOUNCED_PER_UPDATE = 10
# View channels, send messages (also in threads), create public threads, read history (for replies).
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    read_message_history=True,
)

AnswerFunction = Callable[[str, AnswerEngine], Answer]
ReportHandler = Callable[[IndexReport], Awaitable[None]]


class DiscordSetupError(UserError):
    """The bot cannot start (no token, token refused); the message says what to do."""


# --- rate limits ------------------------------------------------------------------------


class RateLimiter:
    """At most `limit` events per key within any `window_s` seconds (a sliding window)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._events: dict[int, deque[float]] = {}

    def retry_after(self, key: int) -> float:
        """Seconds until `key` may act again; 0 when it may act now."""
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            return 0.0
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
            return 0.0
        return events[0] + self.window_s - now if len(events) >= self.limit else 0.0

    def record(self, key: int) -> None:
        self._events.setdefault(key, deque()).append(self.clock())


class RateLimits:
    """The per-user and per-channel question limits from the settings."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        window = settings.discord_rate_window_s
        self.user = RateLimiter(settings.discord_user_rate, window, clock)
        self.channel = RateLimiter(settings.discord_channel_rate, window, clock)

    def check(self, user_id: int, channel_id: int) -> str | None:
        """None when the question may go ahead (and it is counted), else the polite reply."""
        if wait := self.user.retry_after(user_id):
            return (
                f"You're asking faster than I can answer: at most {self.user.limit} questions every "
                f"{_duration(self.user.window_s)}. Please try again in {_duration(wait)}."
            )
        if wait := self.channel.retry_after(channel_id):
            return (
                f"This channel has had {self.channel.limit} questions in the last {_duration(self.channel.window_s)}. "
                f"Please try again in {_duration(wait)}."
            )
        self.user.record(user_id)
        self.channel.record(channel_id)
        return None


def _duration(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    return f"{whole} second{'s' if whole != 1 else ''}"


# --- what the handlers share ------------------------------------------------------------


class Desk:
    """Settings, the answering engine, rate limits and the one-writer-at-a-time index lock."""

    def __init__(
        self,
        settings: Settings,
        engine: AnswerEngine,
        *,
        answer: AnswerFunction = answer_question,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.answer = answer
        self.limits = RateLimits(settings, clock)
        self.watching = False
        # A threading lock, not an asyncio one: the watcher thread and /reindex (in a worker thread) share it.
        self._index_lock = threading.Lock()

    @property
    def store(self) -> IndexStore:
        return self.engine.store

    def update_index(self) -> IndexReport:
        """Bring the index in line with the corpus folder; blocks, so call it off the event loop."""
        with self._index_lock:
            return update_index(self.settings.index_config(), store=self.store)


def incident(what: str) -> str:
    """Log the exception being handled with a short id, and return the id to show to the user."""
    incident_id = uuid.uuid4().hex[:8]
    log.error("internal error %s while %s", incident_id, what, exc_info=True)
    return incident_id


def apology(incident_id: str) -> str:
    return f"Sorry, something went wrong on my side (incident `{incident_id}`). The operators can look it up."


async def answer_messages(desk: Desk, question: str) -> tuple[list[str], bool]:
    """Run the pipeline in a worker thread; the messages to send and whether they are an answer."""
    try:
        answer = await asyncio.to_thread(desk.answer, question, desk.engine)
    except QuestionError as error:
        return [escape(str(error))], False
    except IndexEmpty:
        return ["Nothing is indexed yet, so I cannot answer. An administrator can run `/reindex`."], False
    except StoreUnavailable:
        return [f"The article index cannot be reached right now (incident `{incident('answering')}`)."], False
    except Exception:  # noqa: BLE001 - whatever fails, the channel gets an apology, the log the details
        return [apology(incident("answering"))], False
    return format_answer(answer), True


# --- /ask and mentions --------------------------------------------------------------------


async def handle_ask(interaction: Any, question: str, desk: Desk) -> None:
    """/ask: check the question and the rate limits, defer, answer off the event loop, send."""
    try:
        question = clean_question(question, max_chars=desk.settings.max_question_chars)
    except QuestionError as error:
        await _reply_privately(interaction, escape(str(error)))
        return
    if refusal := desk.limits.check(interaction.user.id, interaction.channel_id or 0):
        await _reply_privately(interaction, refusal)
        return
    await interaction.response.defer(thinking=True)
    parts, answered = await answer_messages(desk, question)
    if answered and desk.settings.discord_use_threads and _can_open_thread(interaction.guild, interaction.channel):
        opener = await interaction.followup.send(
            f"**Q:** {escape(question)}", allowed_mentions=NO_MENTIONS, suppress_embeds=True, wait=True
        )
        if thread := await _open_thread(opener, question):
            await _send_all(thread.send, parts)
            return
    await _send_all(interaction.followup.send, parts)


def mentioned_question(content: str, bot_id: int, role_ids: Sequence[int] = ()) -> str:
    """The message text without the mentions of the bot (as a user or through its own role)."""
    text = re.sub(rf"<@!?{bot_id}>", " ", content)
    for role_id in role_ids:
        text = text.replace(f"<@&{role_id}>", " ")
    return " ".join(text.split())


def is_addressed_to(message: Any, bot_id: int, role_ids: Sequence[int] = ()) -> bool:
    """A direct mention of the bot or its role; @everyone and @here are not questions to it."""
    return any(user.id == bot_id for user in message.mentions) or any(
        role_id in role_ids for role_id in message.raw_role_mentions
    )


async def handle_mention(message: Any, desk: Desk, bot_id: int, role_ids: Sequence[int] = ()) -> None:
    """`@factdesk question`: the same pipeline as /ask, replying to the message (or in a new thread)."""
    question = mentioned_question(message.content, bot_id, role_ids)
    if not question:
        await _reply(message, "Ask me a question after the mention, or use `/ask`.")
        return
    try:
        question = clean_question(question, max_chars=desk.settings.max_question_chars)
    except QuestionError as error:
        await _reply(message, escape(str(error)))
        return
    if refusal := desk.limits.check(message.author.id, message.channel.id):
        await _reply(message, refusal)
        return
    async with message.channel.typing():
        parts, answered = await answer_messages(desk, question)
    threaded = answered and desk.settings.discord_use_threads and _can_open_thread(message.guild, message.channel)
    if threaded and (thread := await _open_thread(message, question)):
        await _send_all(thread.send, parts)
        return
    await _reply(message, parts[0])
    await _send_all(message.channel.send, parts[1:])


# --- /sources, /status, /reindex ---------------------------------------------------------


async def handle_sources(interaction: Any, page: int, desk: Desk) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        records = await asyncio.to_thread(_article_summaries, desk.store)
    except Exception:  # noqa: BLE001
        await _send_all(interaction.followup.send, [apology(incident("listing sources"))], ephemeral=True)
        return
    await _send_all(interaction.followup.send, format_sources_page(records, page, SOURCES_PER_PAGE), ephemeral=True)


def _article_summaries(store: IndexStore) -> list[ArticleRecord]:
    active = store.pointer().active
    return store.article_summaries(active) if active else []


async def handle_status(interaction: Any, desk: Desk) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        status = await asyncio.to_thread(desk.store.status)
    except Exception:  # noqa: BLE001
        await _send_all(interaction.followup.send, [apology(incident("reading the status"))], ephemeral=True)
        return
    text = format_status(status, desk.settings.llm.value, watching=desk.watching)
    await _send_all(interaction.followup.send, [text], ephemeral=True)


def may_reindex(user: Any, guild: Any, role_name: str | None) -> bool:
    """Server administrators, and members with the configured role; nobody in direct messages."""
    if guild is None:
        return False
    permissions = getattr(user, "guild_permissions", None)
    if permissions is not None and permissions.administrator:
        return True
    return role_name is not None and any(role.name == role_name for role in getattr(user, "roles", ()))


async def handle_reindex(interaction: Any, desk: Desk, on_report: ReportHandler | None = None) -> None:
    """/reindex: permission first, then an update now (after any update already running)."""
    role = desk.settings.discord_reindex_role
    if not may_reindex(interaction.user, interaction.guild, role):
        allowed = "server administrators" + (f" and members with the role **{escape(role)}**" if role else "")
        await _reply_privately(interaction, f"Sorry, only {allowed} can re-index.")
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        report = await asyncio.to_thread(desk.update_index)
    except Exception:  # noqa: BLE001
        await _send_all(interaction.followup.send, [apology(incident("re-indexing"))], ephemeral=True)
        return
    await _send_all(interaction.followup.send, format_report(report), ephemeral=True)
    if on_report is not None and report.changed:
        await on_report(report)


async def announce_new_articles(channel: Any, store: IndexStore, report: IndexReport) -> None:
    """Post the articles an update added (the first few by name) to the announcement channel."""
    if not report.added:
        return
    listed = report.added[:ANNOUNCED_PER_UPDATE]
    records = await asyncio.to_thread(store.articles, report.generation, listed)
    await _send_all(channel.send, format_announcement(records, more=len(report.added) - len(records)))


# --- sending --------------------------------------------------------------------------------


async def _send_all(send: Callable[..., Awaitable[Any]], parts: Sequence[str], **kwargs: Any) -> None:
    for part in parts:
        await send(part, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **kwargs)


async def _reply_privately(interaction: Any, text: str) -> None:
    """An ephemeral reply, as the first response or as a follow-up when the interaction is answered."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def _reply(message: Any, text: str) -> None:
    await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS, suppress_embeds=True)


def _can_open_thread(guild: Any, channel: Any) -> bool:
    return guild is not None and not isinstance(channel, discord.Thread)


async def _open_thread(message: Any, question: str) -> Any | None:
    """A public thread from `message`, named after the question; None (and a log line) if not allowed."""
    try:
        return await message.create_thread(name=shorten(question, 90), auto_archive_duration=1440)
    except discord.HTTPException as error:
        log.warning("cannot open a thread (%s); answering in the channel", error)
        return None


# --- the watcher ------------------------------------------------------------------------------


class CorpusWatcher:
    """Re-index from a background thread when article files change; each update's report goes to the loop."""

    def __init__(
        self, desk: Desk, loop: asyncio.AbstractEventLoop, on_report: ReportHandler, *, catch_up: bool = True
    ) -> None:
        self.desk = desk
        self.loop = loop
        self.on_report = on_report
        self.catch_up = catch_up
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="factdesk-watch", daemon=True)

    def start(self) -> None:
        self.desk.watching = True
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.desk.watching = False

    def _run(self) -> None:
        config = self.desk.settings.index_config()
        try:
            if self.catch_up:  # articles that arrived while the bot was away; not announced
                self._update()
            for report in watch_corpus(config, self._update, self._stop):
                if report.changed and not self._stop.is_set():
                    log.info(
                        "corpus re-indexed: %d added, %d updated, %d removed",
                        len(report.added),
                        len(report.updated),
                        len(report.removed),
                    )
                    asyncio.run_coroutine_threadsafe(self._deliver(report), self.loop)
        except Exception:  # noqa: BLE001 - the bot keeps answering from the index it has
            incident("watching the corpus folder")
        finally:
            self.desk.watching = False

    def _update(self) -> IndexReport:
        try:
            return self.desk.update_index()
        except Exception:  # noqa: BLE001 - one failed update must not end the watching
            incident("re-indexing after a corpus change")
            return IndexReport()

    async def _deliver(self, report: IndexReport) -> None:
        try:
            await self.on_report(report)
        except Exception:  # noqa: BLE001
            incident("announcing new articles")


# --- the client ---------------------------------------------------------------------------------


class FactdeskBot(discord.Client):
    def __init__(self, desk: Desk, *, watch: bool = True) -> None:
        # Default intents only: the content of a message that mentions the bot arrives without the
        # privileged message content intent.
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS)
        self.desk = desk
        self.watch = watch
        self.watcher: CorpusWatcher | None = None
        self.tree = app_commands.CommandTree(self)
        self.tree.error(self.on_command_error)
        self._add_commands()

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
            await handle_reindex(interaction, desk, self.announce)

    async def setup_hook(self) -> None:
        if self.watch:
            self.start_watcher()
        try:
            await self.tree.sync()
        except discord.HTTPException as error:
            log.warning("could not register the slash commands: %s", error)

    def start_watcher(self, *, catch_up: bool = True) -> CorpusWatcher:
        self.watcher = CorpusWatcher(self.desk, asyncio.get_running_loop(), self.announce, catch_up=catch_up)
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
            await _reply_privately(interaction, apology(incident_id))

    async def announce(self, report: IndexReport) -> None:
        channel_id = self.desk.settings.discord_announce_channel
        if channel_id is None or not report.added:
            return
        try:
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            await announce_new_articles(channel, self.desk.store, report)
        except discord.HTTPException as error:
            log.warning("cannot announce in channel %s: %s", channel_id, error)

    async def close(self) -> None:
        if self.watcher is not None:
            await asyncio.to_thread(self.watcher.stop)
        await super().close()


def run_discord(settings: Settings) -> None:
    """`factdesk discord`: check the token, load the engine, connect; returns on Ctrl-C."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise DiscordSetupError(
            "FACTDESK_DISCORD_TOKEN is not set: copy the bot token from the Discord developer portal "
            "(Bot > Reset Token) into it; see docs/discord.md"
        )
    engine = AnswerEngine(settings)
    watch = settings.discord_watch and settings.corpus_dir.is_dir()
    if settings.discord_watch and not watch:
        log.warning("corpus folder %s not found: answering from the index without watching", settings.corpus_dir)
    bot = FactdeskBot(Desk(settings, engine), watch=watch)
    try:
        bot.run(token, log_handler=None)
    except discord.LoginFailure:
        raise DiscordSetupError(
            "Discord refused the token in FACTDESK_DISCORD_TOKEN: copy a fresh one from the developer portal"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise DiscordSetupError("Discord refused an intent this bot asked for; see docs/discord.md") from None
