"""Following questions in Discord: `/follow`, the "Follow" button under answers, `/follows`, `/unfollow`.

A follow belongs to the channel or thread it was made in: updates are posted there
(`bot.discord.updates`). The button carries a short token in its custom id; the question and the
answer it was under are remembered per process, least recently used first out (as follow-up
topics are), so a button pressed after a restart asks for `/follow` instead. The button is a
`DynamicItem`: it answers after a restart too, with that reply, rather than failing silently.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import discord

from bot.answering.models import Answer
from bot.discord.format import Block, escape, pack, shorten
from bot.follows.errors import FollowLimit
from bot.follows.models import Follow, Snapshot, discord_place

if TYPE_CHECKING:
    from bot.discord.handlers import Desk

REMEMBERED_OFFERS = 2_000
NOT_SET_UP = "Following questions is not set up for this bot."
_TEMPLATE = r"factdesk:follow:(?P<token>[0-9a-f]{12})"


class FollowOffers:
    """Answers shown with a Follow button, by the token in the button: question and answer."""

    def __init__(self, capacity: int = REMEMBERED_OFFERS) -> None:
        self.capacity = capacity
        self._offers: OrderedDict[str, Answer] = OrderedDict()

    def offer(self, answer: Answer) -> str:
        token = secrets.token_hex(6)
        self._offers[token] = answer
        while len(self._offers) > self.capacity:
            self._offers.popitem(last=False)
        return token

    def get(self, token: str) -> Answer | None:
        return self._offers.get(token)


class FollowButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    """The "Follow" button under an answer; pressing it follows that answer's question here."""

    def __init__(self, token: str) -> None:
        super().__init__(
            discord.ui.Button(label="Follow", style=discord.ButtonStyle.secondary, custom_id=f"factdesk:follow:{token}")
        )
        self.token = token

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> FollowButton:
        return cls(match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        desk: Desk | None = getattr(interaction.client, "desk", None)
        if desk is not None:
            await handle_follow_button(interaction, self.token, desk)


def follow_view(desk: Desk, answer: Answer) -> discord.ui.View | None:
    """The view holding the Follow button for an answer; None when this bot keeps no follows."""
    if desk.follows is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(FollowButton(desk.offers.offer(answer)))
    return view


def following_note(follow: Follow, created: bool) -> str:
    if not created:
        return f"This channel already follows this question (follow {follow.id})."
    return (
        f"Following in this channel (follow {follow.id}): I'll post here when new articles confirm, dispute, "
        f"corroborate or supersede these claims, or answer it. `/unfollow {follow.id}` to stop."
    )


async def follow_here(interaction: Any, answer: Answer, desk: Desk) -> tuple[Follow, bool]:
    """Follow the answer's question in the interaction's channel or thread, for its user."""
    if desk.follows is None:
        raise RuntimeError("this bot keeps no follows")
    return await asyncio.to_thread(
        desk.follows.add,
        answer.question,
        Snapshot.of(answer),
        channel=discord_place(interaction.channel_id or 0),
        user=f"discord:{interaction.user.id}",
    )


async def handle_follow(interaction: Any, question: str, desk: Desk) -> None:
    """/follow question: answered as /ask answers (same checks and rate limits), then followed here.

    The answer shown is the one later answers are compared with."""
    from bot.discord.handlers import (
        SlashConversation,
        answer_messages,
        checked_question,
        failure_reply,
        reply_privately,
    )

    if desk.follows is None:
        await reply_privately(interaction, NOT_SET_UP)
        return
    conversation = SlashConversation(interaction)
    checked = await checked_question(conversation, question, desk)
    if checked is None:
        return
    async with conversation.working():
        parts, answer = await answer_messages(desk, checked)
    if answer is None:
        await conversation.fail(parts)
        return
    try:
        follow, created = await follow_here(interaction, answer, desk)
    except FollowLimit as error:
        await conversation.fail([escape(str(error))])
        return
    except Exception as error:  # noqa: BLE001 - the person gets one clear reply
        await conversation.fail([failure_reply(error, "following")])
        return
    await conversation.deliver([following_note(follow, created), *parts])


async def handle_follow_button(interaction: Any, token: str, desk: Desk) -> None:
    from bot.discord.handlers import failure_reply, reply_privately

    answer = desk.offers.get(token)
    if answer is None or desk.follows is None:
        await reply_privately(
            interaction, "I no longer remember that answer (the bot restarted): use `/follow` with the question."
        )
        return
    try:
        follow, created = await follow_here(interaction, answer, desk)
    except Exception as error:  # noqa: BLE001 - the person gets one clear reply
        await reply_privately(interaction, failure_reply(error, "following"))
        return
    await reply_privately(interaction, following_note(follow, created))


async def handle_unfollow(interaction: Any, follow_id: int, desk: Desk) -> None:
    """/unfollow id: stop following one of this channel's questions."""
    from bot.discord.handlers import failure_reply, reply_privately

    if desk.follows is None:
        await reply_privately(interaction, NOT_SET_UP)
        return
    place = discord_place(interaction.channel_id or 0)
    try:
        removed = await asyncio.to_thread(desk.follows.remove, follow_id, channel=place)
    except Exception as error:  # noqa: BLE001
        await reply_privately(interaction, failure_reply(error, "unfollowing"))
        return
    text = f"Stopped following (follow {follow_id})." if removed else f"This channel has no follow {follow_id}."
    await reply_privately(interaction, text)


async def handle_follows(interaction: Any, desk: Desk) -> None:
    """/follows: this channel's followed questions (only the asker sees the list)."""
    from bot.discord.handlers import failure_reply, reply_privately, send_all

    if desk.follows is None:
        await reply_privately(interaction, NOT_SET_UP)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        follows = await asyncio.to_thread(desk.follows.follows, discord_place(interaction.channel_id or 0))
    except Exception as error:  # noqa: BLE001
        await send_all(interaction.followup.send, [failure_reply(error, "listing follows")], ephemeral=True)
        return
    if not follows:
        text = "This channel follows no question: use `/follow` or the Follow button under an answer."
        await send_all(interaction.followup.send, [text], ephemeral=True)
        return
    lines = [f"- {follow.id}: {escape(shorten(follow.question, 150))}" for follow in follows]
    blocks = [Block(f"**Followed here** (`/unfollow id` to stop)\n{lines[0]}")]
    blocks += [Block(line, tight=True) for line in lines[1:]]
    await send_all(interaction.followup.send, pack(blocks), ephemeral=True)
