"""Follows in Discord: the real client, driven by dpytest, posts each change once in the channel
that follows the question, pinging nobody; `/follow`, the Follow button, `/follows` and
`/unfollow` at discord.py's interaction interface (dpytest drives neither slash commands nor
buttons), as tests/test_discord.py does for the other commands.

The main scenario indexes real articles one after another with the real indexer and its follow
hook, as the bot's watcher and `/reindex` do, then hands each report to the bot.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest

from bot.answering.engine import answer_question
from bot.answering.models import Claim, Source
from bot.discord.client import FactdeskBot
from bot.discord.follows import FollowButton
from bot.discord.handlers import Desk, handle_ask
from bot.follows.config import FollowConfig
from bot.follows.models import Change, ChangeKind, Snapshot, discord_place
from bot.follows.notice import follow_hook
from bot.follows.store import FollowStore
from index.claims.status import ClaimStatus
from index.indexer import Indexer
from tests.conftest import make_settings, open_engine
from tests.test_discord import FakeInteraction, fake_engine, make_answer
from tests.test_discord_dpytest import scenario, sent
from tests.test_follows import BRIDGE, CLOSED, DENIED, LIBRARY, MINISTRY, REOPENED, arrive

Posted = list[tuple[int, str]]


def follow_desk(store: FollowStore, answer: Any = None, engine: Any = None, **overrides: object) -> Desk:
    settings = make_settings(Path("corpus"), Path("data"), **overrides)
    return Desk(
        settings.discord_config(),
        engine or fake_engine(),
        follows=store,
        answer=answer or (lambda question, engine: make_answer(question=question)),
    )


def posted(messages: list[discord.Message]) -> Posted:
    """Where each message went and its first line; every one sent with pings off."""
    for message in messages:
        assert not message.mention_everyone and message.mentions == [] and message.role_mentions == []
    return [(message.channel.id, message.content.splitlines()[0]) for message in messages]


def post_pending_in_dpytest(store: FollowStore, channel_id: int) -> list[Posted]:
    """A bot started after a crash: two passes over what waits for Discord, in a channel with that id."""
    passes: list[Posted] = []

    async def steps(bot: FactdeskBot) -> None:
        guild = dpytest.get_config().guilds[0]
        dpytest.back.make_text_channel("news", guild, id_num=channel_id)
        for _ in range(2):
            await bot.post_follow_updates()
            passes.append(posted(await sent()))

    scenario(follow_desk(store), steps)
    return passes


def test_the_bot_posts_each_change_once_in_the_channel_that_follows(tmp_path: Path, embed_model: object) -> None:
    corpus = tmp_path / "corpus"
    arrive(corpus, "plan")
    settings = make_settings(corpus, tmp_path / "data")
    engine = open_engine(settings)
    store = FollowStore(settings.follow_config())
    hook = follow_hook(settings.follow_config(), lambda: engine)
    indexer = Indexer(settings.index_config(), store=engine.searcher.store, after_update=hook)
    indexer.update()
    desk = Desk(settings.discord_config(), engine, indexer, follows=store)
    seen: list[Posted] = []

    async def steps(bot: FactdeskBot) -> None:
        guild = dpytest.get_config().guilds[0]
        bridge = dpytest.back.make_text_channel("bridge", guild)
        library = dpytest.back.make_text_channel("library", guild)
        for question, channel in ((BRIDGE, bridge), (LIBRARY, library)):
            answer = await asyncio.to_thread(answer_question, question, engine)
            store.add(question, Snapshot.of(answer), channel=discord_place(channel.id), user="discord:1")
        for name in ("closed", "denied", "library", "stadium"):
            arrive(corpus, name)
            report = await asyncio.to_thread(indexer.update)
            await bot.after_update(report)  # what the watcher and /reindex hand each report to
            messages = await sent()
            assert all(re.fullmatch(r"fd\d+\.\d+", str(message.nonce)) for message in messages)
            seen.append(posted(messages))
        await bot.post_follow_updates()
        seen.append(posted(await sent()))
        assert seen == [
            [(bridge.id, f"**Update:** [1] is now confirmed by {MINISTRY}: {CLOSED} [2]")],
            [(bridge.id, f"**Update:** [1] is now disputed by {MINISTRY}: {DENIED} [2]")],
            [(library.id, f"**Update:** The articles now answer it: {REOPENED} [1]")],
            [],  # the stadium concerns nobody
            [],  # and nothing is posted twice
        ]

    scenario(desk, steps)
    assert store.delivery_states() == {"sent": 3}


HOSTILE = "Read the [official statement](https://evil.example/login) <@123456789012345678> @everyone <t:1700000000:R>"


def test_updates_ping_nobody_and_text_from_articles_is_inert(tmp_path: Path) -> None:
    store = FollowStore(FollowConfig(data_dir=tmp_path))
    source = Source(
        n=1, article_id="x", title=HOSTILE, outlet="@here", url="https://x.example/a", published=None, quote=HOSTILE
    )
    claim = Claim(text=HOSTILE, status=ClaimStatus.DISPUTED, attributed_to="@everyone", citations=[2])
    change = Change(
        kind=ChangeKind.DISPUTED,
        followed=[claim.model_copy(update={"citations": [1], "status": ClaimStatus.REPORTED})],
        reasons=[claim],
        sources=[source, source.model_copy(update={"n": 2})],
        by=["@everyone <@&42>"],
    )
    channel_id = 777_000_000_000_000_001
    follow, _ = store.add(HOSTILE, Snapshot(abstained=True), channel=discord_place(channel_id), user="u")
    store.record(follow.id, [change], Snapshot(abstained=True), ["discord"])
    first, second = post_pending_in_dpytest(store, channel_id)
    assert second == [] and len(first) >= 1 and {where for where, _ in first} == {channel_id}
    assert store.delivery_states() == {"sent": 1}
    # The text as sent: no masked link, mention or timestamp survives.
    from bot.discord.updates import format_update

    (recorded,) = store.changes(follow.id)
    text = "\n".join(format_update(recorded))
    assert not re.search(r"(?<!\\)\[[^\]\n]*\]\(", text) and not re.search(r"<(@|t:|#)", text)
    assert "https://evil" not in text and "@everyone" not in text.replace("@\u200beveryone", "")


def test_a_channel_that_is_gone_is_given_up(tmp_path: Path) -> None:
    from bot.discord.updates import post_updates

    store = FollowStore(FollowConfig(data_dir=tmp_path))
    follow, _ = store.add("q", Snapshot(abstained=True), channel=discord_place(5), user="u")
    answered = Change(kind=ChangeKind.ANSWERED, followed=[], reasons=[], sources=[])
    store.record(follow.id, [answered], Snapshot(abstained=True), ["discord"])

    async def missing(channel_id: int) -> None:
        raise discord.NotFound(SimpleNamespace(status=404, reason="Not Found"), "Unknown Channel")

    client = SimpleNamespace(get_channel=lambda channel_id: None, fetch_channel=missing)
    assert asyncio.run(post_updates(client, store)) == 0
    assert store.pending("discord") == [] and store.delivery_states() == {"failed": 1}


# --- /follow, the Follow button, /follows, /unfollow (discord.py's interaction interface) --------


def test_follow_answers_and_follows_in_the_channel(tmp_path: Path) -> None:
    store = FollowStore(FollowConfig(data_dir=tmp_path))
    bot = FactdeskBot(follow_desk(store), watch=False)
    interaction = FakeInteraction(channel_id=31, user_id=7)
    asyncio.run(command(bot, "follow")(interaction, question="When does the bridge close?"))
    note, *answer = interaction.log.sent
    assert note.content.startswith("Following in this channel (follow 1): I'll post here when new articles")
    assert "The bridge closes on March 3." in answer[0].content and not note.kwargs.get("ephemeral")
    (follow,) = store.follows()
    assert (follow.channel, follow.user, follow.question) == ("discord:31", "discord:7", "When does the bridge close?")
    again = FakeInteraction(channel_id=31, user_id=8)
    asyncio.run(command(bot, "follow")(again, question="When does the bridge close?"))
    assert again.log.sent[0].content == "This channel already follows this question (follow 1)."


def test_follow_past_the_limit_is_refused_privately(tmp_path: Path) -> None:
    store = FollowStore(FollowConfig(data_dir=tmp_path, max_per_user=1))
    bot = FactdeskBot(follow_desk(store), watch=False)
    asyncio.run(command(bot, "follow")(FakeInteraction(user_id=7), question="When does the bridge close?"))
    refused = FakeInteraction(user_id=7, channel_id=11)
    asyncio.run(command(bot, "follow")(refused, question="Who pays for the repairs?"))
    (reply,) = refused.log.sent
    assert reply.content == "You already follow 1 questions, the most allowed: stop following one first."
    assert reply.kwargs["ephemeral"] is True and len(store.follows()) == 1


def test_the_follow_button_under_an_answer_follows_that_answer(tmp_path: Path) -> None:
    store = FollowStore(FollowConfig(data_dir=tmp_path))
    desk = follow_desk(store)
    asked = FakeInteraction(channel_id=12)
    asyncio.run(handle_ask(asked, "When does the bridge close?", desk))
    *_, last = asked.log.sent
    view = last.kwargs["view"]
    (button,) = view.children
    assert button.item.label == "Follow" and all("view" not in item.kwargs for item in asked.log.sent[:-1])

    async def press(custom_id: str, channel_id: int) -> FakeInteraction:
        pressing = FakeInteraction(channel_id=channel_id, user_id=9)
        pressing.client = SimpleNamespace(desk=desk)  # type: ignore[attr-defined]
        match = re.fullmatch(FollowButton.__discord_ui_compiled_template__, custom_id)
        assert match is not None
        item = await FollowButton.from_custom_id(pressing, button, match)  # type: ignore[arg-type]
        await item.callback(pressing)  # type: ignore[arg-type]
        return pressing

    pressed = asyncio.run(press(button.custom_id, 12))
    assert pressed.log.sent[0].content.startswith("Following in this channel (follow 1)")
    assert pressed.log.sent[0].kwargs["ephemeral"] is True
    (follow,) = store.follows()
    assert follow.channel == "discord:12" and follow.snapshot == Snapshot.of(make_answer(question=follow.question))
    forgotten = asyncio.run(press("factdesk:follow:" + "0" * 12, 12))
    assert forgotten.log.sent[0].content.startswith("I no longer remember that answer")


def test_no_follow_button_when_the_bot_keeps_no_follows(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "corpus", tmp_path / "data")
    desk = Desk(settings.discord_config(), fake_engine(), answer=lambda question, engine: make_answer())
    asked = FakeInteraction()
    asyncio.run(handle_ask(asked, "When does the bridge close?", desk))
    assert all("view" not in item.kwargs for item in asked.log.sent)


def test_follows_lists_this_channels_questions_and_unfollow_removes_only_here(tmp_path: Path) -> None:
    store = FollowStore(FollowConfig(data_dir=tmp_path))
    for question, channel in (("Bridge @everyone?", 21), ("Library?", 22)):
        store.add(question, Snapshot(abstained=True), channel=discord_place(channel), user="u")
    bot = FactdeskBot(follow_desk(store), watch=False)
    listing = FakeInteraction(channel_id=21)
    asyncio.run(command(bot, "follows")(listing))
    (reply,) = listing.log.sent
    assert reply.content == "**Followed here** (`/unfollow id` to stop)\n- 1: Bridge @\u200beveryone?"
    elsewhere = FakeInteraction(channel_id=21)
    asyncio.run(command(bot, "unfollow")(elsewhere, follow_id=2))
    assert elsewhere.log.sent[0].content == "This channel has no follow 2."
    here = FakeInteraction(channel_id=22)
    asyncio.run(command(bot, "unfollow")(here, follow_id=2))
    assert here.log.sent[0].content == "Stopped following (follow 2)."
    assert [f.id for f in store.follows()] == [1]


def command(bot: FactdeskBot, name: str) -> Any:
    found = bot.tree.get_command(name)
    assert found is not None
    return found.callback  # type: ignore[union-attr]
