"""Posting recorded changes in the channel or thread each follow belongs to.

The bot posts what waits in the follows outbox for "discord": after each update it makes, and
every `FACTDESK_FOLLOW_POST_INTERVAL_S` for changes recorded by another process or left unsent by
a crash. A delivery is marked sent after all of its messages went out. Each message carries a
nonce made of the delivery's id and its part number, which discord.py sends with
`enforce_nonce`: posted again within Discord's nonce window (a crash after posting and before
the mark), Discord returns the message already posted instead of a second one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.discord.format import Block, escape, pack, shorten, source_entry
from bot.follows.models import Delivery, RecordedChange, discord_channel_id
from bot.follows.notice import DISCORD_TARGET
from bot.follows.store import FollowStore
from bot.follows.wording import status_lines, update_line

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
QUESTION_CHARS = 200


def format_update(recorded: RecordedChange) -> list[str]:
    """The update line, what each claim was and is, the sources; escaped, within the message limit."""
    change = recorded.change
    about = f"*Following “{escape(shorten(recorded.question, QUESTION_CHARS))}” (follow {recorded.follow_id};"
    about += f" `/unfollow {recorded.follow_id}` to stop)*"
    blocks = [Block(update_line(change, escape, label="**Update:**")), Block(about, tight=True)]
    lines = [f"- {line}" for line in status_lines(change, escape)]
    blocks += [Block(lines[0]), *(Block(line, tight=True) for line in lines[1:])] if lines else []
    said = " ".join(" ".join(claim.text.split()) for claim in (*change.followed, *change.reasons))
    entries = [source_entry(source, quote=" ".join(source.quote.split()) not in said) for source in change.sources]
    if entries:
        blocks += [Block(f"**Sources**\n{entries[0]}"), *(Block(entry, tight=True) for entry in entries[1:])]
    return pack(blocks)


def nonce(delivery: Delivery, part: int) -> str:
    """At most 25 characters, as Discord requires; the same for the same message of a delivery."""
    return f"fd{delivery.id}.{part}"


async def post_updates(client: Any, store: FollowStore) -> int:
    """Post every pending Discord delivery once; the number posted. Call one at a time per bot."""
    posted = 0
    for delivery in await asyncio.to_thread(store.pending, DISCORD_TARGET):
        channel_id = discord_channel_id(delivery.recorded.channel)
        try:
            if channel_id is None:
                raise ValueError(f"{delivery.recorded.channel!r} is not a Discord channel")
            channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
            for part, text in enumerate(format_update(delivery.recorded)):
                await channel.send(
                    text, allowed_mentions=NO_MENTIONS, suppress_embeds=True, nonce=nonce(delivery, part)
                )
        except (discord.NotFound, discord.Forbidden, ValueError) as error:
            # The channel is gone or closed to the bot: trying again will not help.
            log.warning("cannot post update %s in %s: %s", delivery.recorded.id, channel_id, error)
            await asyncio.to_thread(store.mark_failed, delivery.id, str(error), give_up=True)
            continue
        except discord.HTTPException as error:
            log.warning("posting update %s failed, will try again: %s", delivery.recorded.id, error)
            await asyncio.to_thread(store.mark_failed, delivery.id, str(error))
            continue
        await asyncio.to_thread(store.mark_sent, delivery.id)
        posted += 1
    return posted
