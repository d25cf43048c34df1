"""What the bot does for each command and mention, as plain async functions.

They take anything shaped like discord.py's `Interaction` or `Message` (tests call them with
fakes or through dpytest). /ask and mentions share one flow (`ask`) through a `Conversation`:
the two differ only in how they refuse, show that work is under way, deliver and fail. A
question in a thread the bot opened, or replying to one of its answers, is read as a follow-up
(`bot.discord.followups`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.answering.engine import AnswerEngine, answer_question
from bot.answering.errors import QuestionError
from bot.answering.models import Answer
from bot.answering.question import clean_question
from bot.discord.config import DiscordConfig
from bot.discord.followups import FollowUps, read_question
from bot.discord.format import (
    escape,
    format_answer,
    format_report,
    format_sources_page,
    format_status,
    shorten,
)
from bot.discord.limits import RateLimits
from bot.errors import known, public_message
from index.build import IndexReport
from index.store import ArticleRecord, IndexStore

if TYPE_CHECKING:
    from bot.follows.store import FollowStore
    from index.feeds.config import FetchConfig
    from index.indexer import Indexer

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
SOURCES_PER_PAGE = 10
ANNOUNCED_PER_UPDATE = 10

AnswerFunction = Callable[[str, AnswerEngine], Answer]
ReportHandler = Callable[[IndexReport], Awaitable[None]]


class Desk:
    """What the handlers share: settings, the answering engine, rate limits and the indexer."""

    def __init__(
        self,
        config: DiscordConfig,
        engine: AnswerEngine,
        indexer: Indexer | None = None,
        *,
        fetch: FetchConfig | None = None,
        follows: FollowStore | None = None,
        answer: AnswerFunction = answer_question,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from bot.discord.follows import FollowOffers

        self.config = config
        self.engine = engine
        self.indexer = indexer
        # Followed feeds are polled by the watcher when given.
        self.fetch = fetch
        self.answer = answer
        self.limits = RateLimits(config, clock)
        self.followups = FollowUps()
        self.watching = False
        # Followed questions (None: this bot keeps none, and answers have no Follow button).
        self.follows = follows
        self.offers = FollowOffers()

    @property
    def store(self) -> IndexStore:
        return self.engine.searcher.store

    @property
    def mode(self) -> str:
        return self.engine.config.mode.value

    def update_index(self) -> IndexReport:
        """Bring the index in line with the corpus folder; blocks, so call it off the event loop."""
        if self.indexer is None:
            raise RuntimeError("this bot does not write the index")
        return self.indexer.update()


def incident(what: str) -> str:
    """Log the exception being handled with a short id, and return the id to show to the user."""
    incident_id = uuid.uuid4().hex[:8]
    log.error("internal error %s while %s", incident_id, what, exc_info=True)
    return incident_id


def apology(incident_id: str) -> str:
    return f"Sorry, something went wrong on my side (incident `{incident_id}`). The operators can look it up."


def failure_reply(error: BaseException, what: str) -> str:
    """What the channel is told about a failure: the table's public message, or an apology."""
    entry = known(error)
    if entry is None:
        return apology(incident(what))
    text = escape(public_message(error) or "")
    if entry.incident:
        text = text.rstrip(".") + f" (incident `{incident(what)}`)."
    return text


async def answer_messages(desk: Desk, question: str, *, follows: str | None = None) -> tuple[list[str], Answer | None]:
    """Run the pipeline in a worker thread; the messages to send and the answer (None: a failure).

    `follows`: the earlier question this one was read with, said in a note so the asker sees how
    the bot understood a short follow-up."""
    try:
        answer = await asyncio.to_thread(desk.answer, question, desk.engine)
    except Exception as error:  # noqa: BLE001 - whatever fails, the channel gets one clear reply
        return [failure_reply(error, "answering")], None
    if follows is not None:
        note = f"read as a follow-up to “{shorten(follows, 150)}”"
        answer = answer.model_copy(update={"notes": [*answer.notes, note]})
    return format_answer(answer), answer


# --- /ask and mentions: one flow ----------------------------------------------------------


class Conversation(Protocol):
    """Where a question came from and how to talk back there."""

    user_id: int
    channel_id: int
    guild: Any
    channel: Any

    async def refuse(self, text: str) -> None: ...

    def working(self) -> AbstractAsyncContextManager[None]: ...

    async def deliver(self, parts: Sequence[str], view: Any = None) -> list[Any]: ...

    async def fail(self, parts: Sequence[str]) -> None: ...

    async def thread_anchor(self, question: str) -> Any | None: ...

    def context_keys(self) -> list[int]: ...


async def ask(conversation: Conversation, question: str, desk: Desk) -> None:
    """Check the question and the rate limits, answer off the event loop, deliver (in a thread).

    The answer's messages, and the thread it opens, remember the question's topic, so that a
    reply to them or a question in that thread is read as a follow-up. The last message has the
    Follow button."""
    checked = await checked_question(conversation, question, desk)
    if checked is None:
        return
    earlier = desk.followups.topic(conversation.context_keys())
    reading = read_question(checked, earlier[1] if earlier else None, max_chars=desk.engine.config.max_question_chars)
    async with conversation.working():
        parts, answer = await answer_messages(desk, reading.search, follows=reading.follows)
    if answer is None:
        await conversation.fail(parts)
        return
    from bot.discord.follows import follow_view

    view = follow_view(desk, answer)
    if earlier is not None and earlier[0] == conversation.channel_id:  # a question in the bot's own thread
        desk.followups.remember(conversation.channel_id, reading.topic)
    if desk.config.use_threads and _can_open_thread(conversation.guild, conversation.channel):
        anchor = await conversation.thread_anchor(checked)
        if anchor is not None and (thread := await _open_thread(anchor, checked)):
            desk.followups.remember(thread.id, reading.topic)
            await send_all(thread.send, parts, view=view)
            return
    for sent in await conversation.deliver(parts, view):
        if sent is not None:
            desk.followups.remember(sent.id, reading.topic)


async def checked_question(conversation: Conversation, question: str, desk: Desk) -> str | None:
    """The question in its normal form once it may be answered; None after refusing it (too long,
    empty, or past the rate limits, which count it)."""
    try:
        question = clean_question(question, max_chars=desk.engine.config.max_question_chars)
    except QuestionError as error:
        await conversation.refuse(escape(str(error)))
        return None
    if refusal := desk.limits.check(conversation.user_id, conversation.channel_id):
        await conversation.refuse(refusal)
        return None
    return question


class SlashConversation:
    """/ask: refusals only the asker sees, a deferred "thinking" reply, answers as follow-ups."""

    def __init__(self, interaction: Any) -> None:
        self.interaction = interaction
        self.user_id = interaction.user.id
        self.channel_id = interaction.channel_id or 0
        self.guild = interaction.guild
        self.channel = interaction.channel

    async def refuse(self, text: str) -> None:
        await reply_privately(self.interaction, text)

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        await self.interaction.response.defer(thinking=True)
        yield

    async def deliver(self, parts: Sequence[str], view: Any = None) -> list[Any]:
        return await send_all(self.interaction.followup.send, parts, view=view, wait=True)

    async def fail(self, parts: Sequence[str]) -> None:
        """Only the asker sees a failure: the public "thinking" reply goes, a private one comes.

        (The first follow-up after a public defer would replace it, and stay public.)"""
        with contextlib.suppress(discord.HTTPException):
            await self.interaction.delete_original_response()
        await send_all(self.interaction.followup.send, parts, ephemeral=True)

    async def thread_anchor(self, question: str) -> Any | None:
        opener = await self.interaction.followup.send(
            f"**Q:** {escape(question)}", allowed_mentions=NO_MENTIONS, suppress_embeds=True, wait=True
        )
        return opener

    def context_keys(self) -> list[int]:
        return [self.channel_id]


class MentionConversation:
    """`@factdesk question`: replies to the message, typing while it works."""

    def __init__(self, message: Any) -> None:
        self.message = message
        self.user_id = message.author.id
        self.channel_id = message.channel.id
        self.guild = message.guild
        self.channel = message.channel

    async def refuse(self, text: str) -> None:
        await reply(self.message, text)

    def working(self) -> AbstractAsyncContextManager[None]:
        typing: AbstractAsyncContextManager[None] = self.message.channel.typing()
        return typing

    async def deliver(self, parts: Sequence[str], view: Any = None) -> list[Any]:
        if len(parts) == 1:
            return [await reply(self.message, parts[0], view=view)]
        first = await reply(self.message, parts[0])
        return [first, *await send_all(self.message.channel.send, parts[1:], view=view)]

    async def fail(self, parts: Sequence[str]) -> None:
        # A message has no private reply: the failure is a reply like an answer (never a traceback).
        await self.deliver(parts)

    async def thread_anchor(self, question: str) -> Any | None:
        return self.message

    def context_keys(self) -> list[int]:
        """The answer this message replies to, then the thread it is in."""
        reference = getattr(self.message, "reference", None)
        replied_to = getattr(reference, "message_id", None)
        return [key for key in (replied_to, self.channel_id) if isinstance(key, int)]


async def handle_ask(interaction: Any, question: str, desk: Desk) -> None:
    await ask(SlashConversation(interaction), question, desk)


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
    question = mentioned_question(message.content, bot_id, role_ids)
    if not question:
        await reply(message, "Ask me a question after the mention, or use `/ask`.")
        return
    await ask(MentionConversation(message), question, desk)


# --- /sources, /status, /reindex ---------------------------------------------------------


async def handle_sources(interaction: Any, page: int, desk: Desk) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        records = await asyncio.to_thread(_article_summaries, desk.store)
    except Exception as error:  # noqa: BLE001
        await send_all(interaction.followup.send, [failure_reply(error, "listing sources")], ephemeral=True)
        return
    await send_all(interaction.followup.send, format_sources_page(records, page, SOURCES_PER_PAGE), ephemeral=True)


def _article_summaries(store: IndexStore) -> list[ArticleRecord]:
    active = store.pointer().active
    return store.article_summaries(active) if active else []


async def handle_status(interaction: Any, desk: Desk) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        status = await asyncio.to_thread(desk.store.status)
    except Exception as error:  # noqa: BLE001
        await send_all(interaction.followup.send, [failure_reply(error, "reading the status")], ephemeral=True)
        return
    text = format_status(status, desk.mode, watching=desk.watching)
    await send_all(interaction.followup.send, [text], ephemeral=True)


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
    role = desk.config.reindex_role
    if not may_reindex(interaction.user, interaction.guild, role):
        allowed = "server administrators" + (f" and members with the role **{escape(role)}**" if role else "")
        await reply_privately(interaction, f"Sorry, only {allowed} can re-index.")
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        report = await asyncio.to_thread(desk.update_index)
    except Exception as error:  # noqa: BLE001
        await send_all(interaction.followup.send, [failure_reply(error, "re-indexing")], ephemeral=True)
        return
    await send_all(interaction.followup.send, format_report(report), ephemeral=True)
    if on_report is not None and report.changed:
        await on_report(report)


async def announce_new_articles(channel: Any, store: IndexStore, report: IndexReport) -> None:
    """Post the articles an update added (the first few by name) to the announcement channel."""
    from bot.discord.format import format_announcement

    if not report.added:
        return
    listed = report.added[:ANNOUNCED_PER_UPDATE]
    records = await asyncio.to_thread(store.articles, report.generation, listed)
    await send_all(channel.send, format_announcement(records, more=len(report.added) - len(records)))


# --- sending --------------------------------------------------------------------------------


async def send_all(
    send: Callable[..., Awaitable[Any]], parts: Sequence[str], *, view: Any = None, **kwargs: Any
) -> list[Any]:
    """Send each part; what `send` returned for each (the messages, where it returns them).
    `view` (buttons) goes with the last part."""
    sent = []
    for number, part in enumerate(parts):
        extra = {"view": view} if view is not None and number == len(parts) - 1 else {}
        sent.append(await send(part, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **kwargs, **extra))
    return sent


async def reply_privately(interaction: Any, text: str) -> None:
    """An ephemeral reply, as the first response or as a follow-up when the interaction is answered."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def reply(message: Any, text: str, *, view: Any = None) -> Any:
    extra = {"view": view} if view is not None else {}
    return await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS, suppress_embeds=True, **extra)


def _can_open_thread(guild: Any, channel: Any) -> bool:
    return guild is not None and not isinstance(channel, discord.Thread)


async def _open_thread(message: Any, question: str) -> Any | None:
    """A public thread from `message`, named after the question; None (and a log line) if not allowed."""
    try:
        return await message.create_thread(name=shorten(question, 90), auto_archive_duration=1440)
    except discord.HTTPException as error:
        log.warning("cannot open a thread (%s); answering in the channel", error)
        return None
