"""The real discord.py client driven by dpytest (a fake gateway and HTTP backend, PyPI 0.7.0).

Mentions go through discord.py's own message parsing, event dispatch and `Messageable.send`;
what the bot sends is read back as the `discord.Message` objects dpytest builds. dpytest cannot
drive slash commands or threads: those stay tested at discord.py's interaction interface
(test_discord). A reply is a message with a `message_reference`, which dpytest's own message
factory builds once the reference is added.
With discord.py 2.7, dpytest needs the member cache on and its fake connection state's loop set.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import factories

from bot.answering.engine import AnswerEngine
from bot.answering.models import Answer, Claim, Source
from bot.discord.client import FactdeskBot
from bot.discord.format import MESSAGE_LIMIT
from bot.discord.handlers import Desk
from index.claims.status import ClaimStatus
from tests.conftest import make_settings
from tests.test_discord import FakeClock, fake_engine

AnswerFunction = Callable[[str, Any], Answer]


async def start(desk: Desk) -> FactdeskBot:
    intents = discord.Intents.default()
    intents.members = True  # dpytest reads members from the cache
    bot = FactdeskBot(desk, watch=False, intents=intents)
    await bot._async_setup_hook()  # what `Client.start` does before connecting: gives the client its loop
    dpytest.configure(bot, members=["asker", "other"])
    dpytest.back.get_state().loop = asyncio.get_running_loop()
    return bot


async def sent() -> list[discord.Message]:
    await dpytest.run_all_events()
    messages = []
    while not dpytest.sent_queue.empty():
        messages.append(await dpytest.sent_queue.get())
    return messages


def scenario(desk: Desk, steps: Callable[[FactdeskBot], Coroutine[Any, Any, None]]) -> None:
    async def run() -> None:
        bot = await start(desk)
        try:
            await steps(bot)
        finally:
            await dpytest.empty_queue()  # dpytest's fake gateway has no socket to close

    asyncio.run(run())


def desk_answering(answer: AnswerFunction, **overrides: object) -> Desk:
    settings = make_settings(Path("corpus"), Path("data"), **overrides)
    return Desk(settings.discord_config(), fake_engine(), answer=answer, clock=FakeClock())


def article_answer(quote: str, *, claims: int = 1) -> AnswerFunction:
    def answer(question: str, engine: object) -> Answer:
        listed = [
            Source(
                n=n,
                article_id=f"a{n}",
                title=f"Story {n}",
                outlet="Coastal Tribune",
                url=f"https://tribune.example/{n}",
                published="2024-03-01",
                quote=quote,
            )
            for n in range(1, claims + 1)
        ]
        said = [
            Claim(text=f"{quote} ({n})", status=ClaimStatus.REPORTED, attributed_to="Coastal Tribune", citations=[n])
            for n in range(1, claims + 1)
        ]
        return Answer(question=question, answer="-", abstained=False, mode="extractive", claims=said, sources=listed)

    return answer


def test_a_mention_is_answered_from_the_real_index(news_engine: AnswerEngine) -> None:
    settings = make_settings(Path("corpus"), Path("data"))
    desk = Desk(settings.discord_config(), news_engine)

    async def steps(bot: FactdeskBot) -> None:
        assert bot.user is not None
        await dpytest.message(f"<@{bot.user.id}> How long will the Harbor Bridge be closed for repairs?")
        (reply,) = await sent()
        assert "The closure will last 14 days" in reply.content
        assert "<https://tribune.example/harbor-bridge>" in reply.content and "**Sources**" in reply.content

    scenario(desk, steps)


def test_pings_in_the_question_ping_nobody_and_are_not_echoed() -> None:
    questions: list[str] = []

    def answer(question: str, engine: object) -> Answer:
        questions.append(question)
        return article_answer("The bridge closes on March 3.")(question, engine)

    async def steps(bot: FactdeskBot) -> None:
        assert bot.user is not None
        other = dpytest.get_config().members[1]
        await dpytest.message(f"<@{bot.user.id}> @everyone @here <@{other.id}> when does the bridge close?")
        (reply,) = await sent()
        assert not reply.mention_everyone and reply.mentions == [] and reply.role_mentions == []
        assert "@everyone" not in reply.content and "@here" not in reply.content
        assert not re.search(r"<@[!&]?\d+>", reply.content)

    scenario(desk_answering(answer), steps)
    assert questions and str(questions[0]).endswith("when does the bridge close?")


def test_a_long_answer_is_split_under_the_message_limit() -> None:
    quote = "Crews replaced the expansion joints while ferries ran every twenty minutes for the city. " * 3

    async def steps(bot: FactdeskBot) -> None:
        assert bot.user is not None
        await dpytest.message(f"<@{bot.user.id}> What happened to the bridge?")
        messages = await sent()
        assert len(messages) > 2 and all(len(message.content) <= MESSAGE_LIMIT for message in messages)
        whole = "\n".join(message.content for message in messages)
        assert all(f"[{n}] Coastal Tribune — *Story {n}*" in whole for n in range(1, 31))

    scenario(desk_answering(article_answer(quote, claims=30)), steps)


def test_masked_links_and_timestamps_from_an_article_are_inert() -> None:
    quote = (
        "Read the [official statement](https://evil.example/login) before <t:1700000000:R>, "
        "then run </reindex:123456789012345678> in <#123456789012345678>."
    )

    async def steps(bot: FactdeskBot) -> None:
        assert bot.user is not None
        await dpytest.message(f"<@{bot.user.id}> What does the statement say?")
        (reply,) = await sent()
        assert "official statement" in reply.content
        assert not re.search(r"(?<!\\)\[[^\]\n]*\]\(", reply.content)  # no masked link
        assert not re.search(r"<(t:|/|#)", reply.content)  # no timestamp, command or channel mention
        assert "https://evil" not in reply.content and reply.channel_mentions == []
        assert "<https://tribune.example/1>" in reply.content  # the source's own address stays a link

    scenario(desk_answering(article_answer(quote)), steps)


def test_the_sixth_mention_in_the_window_is_refused_politely() -> None:
    calls: list[str] = []

    def answer(question: str, engine: object) -> Answer:
        calls.append(question)
        return article_answer("The bridge closes on March 3.")(question, engine)

    async def steps(bot: FactdeskBot) -> None:
        assert bot.user is not None
        for number in range(5):
            await dpytest.message(f"<@{bot.user.id}> Question {number}?")
        assert len(await sent()) == 5
        await dpytest.message(f"<@{bot.user.id}> One more?")
        (refusal,) = await sent()
        assert refusal.content.startswith("You're asking faster than I can answer: at most 5 questions every 60")
        await dpytest.message(f"<@{bot.user.id}> From someone else?", member=1)
        (other,) = await sent()
        assert "The bridge closes on March 3." in other.content

    scenario(desk_answering(answer), steps)
    assert len(calls) == 6


@pytest.mark.parametrize("content", ["@everyone when does the bridge close?", "no mention at all"])
def test_messages_not_addressed_to_the_bot_are_ignored(content: str) -> None:
    calls: list[str] = []

    def answer(question: str, engine: object) -> Answer:
        calls.append(question)
        return article_answer("x")(question, engine)

    async def steps(bot: FactdeskBot) -> None:
        await dpytest.message(content)
        assert await sent() == []

    scenario(desk_answering(answer), steps)
    assert calls == []


async def reply_to(answer: discord.Message, content: str, member: int = 0) -> None:
    """A member's reply to `answer`, as the gateway delivers it (dpytest's message, plus the reference)."""
    channel, author = answer.channel, dpytest.get_config().members[member]
    assert isinstance(channel, discord.TextChannel)
    data = factories.make_message_dict(
        channel, author, content=content, mentions=dpytest.back.find_user_mentions(content, channel.guild)
    )
    data["message_reference"] = {"message_id": answer.id, "channel_id": channel.id, "guild_id": channel.guild.id}
    dpytest.back.get_state().parse_message_create(data)
    await dpytest.run_all_events()


def test_a_reply_to_an_answer_is_answered_with_the_earlier_question_as_context() -> None:
    asked: list[str] = []

    def answer(question: str, engine: object) -> Answer:
        asked.append(question)
        return article_answer("The repairs will cost 9 million dollars.")(question, engine)

    async def steps(bot: FactdeskBot) -> None:
        assert bot.user is not None
        await dpytest.message(f"<@{bot.user.id}> How much will the Harbor Bridge repairs cost?")
        (first,) = await sent()
        await reply_to(first, f"<@{bot.user.id}> who says so?")
        (second,) = await sent()  # a reply (dpytest keeps no message_reference on what the bot sends)
        assert second.content.startswith(
            "*Note: read as a follow-up to “How much will the Harbor Bridge repairs cost?”*"
        )
        assert "<https://tribune.example/1>" in second.content  # cited afresh
        await reply_to(second, f"<@{bot.user.id}> and who disputes it?", member=1)  # anyone may follow up
        await sent()
        await dpytest.message(f"<@{bot.user.id}> who says so?")  # not a reply: a new question
        await sent()

    scenario(desk_answering(answer), steps)
    assert asked == [
        "How much will the Harbor Bridge repairs cost?",
        "How much will the Harbor Bridge repairs cost? who says so?",
        "How much will the Harbor Bridge repairs cost? and who disputes it?",
        "who says so?",
    ]
