"""The Discord adapter without a Discord connection.

The real command callbacks and handlers run against fakes of the parts of discord.py they use
(`Interaction.response`, `Interaction.followup`, messages, channels); answering, indexing and
watching use real files, the real embedded index and the real model.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.answering import wording
from bot.answering.config import AnswerConfig
from bot.answering.engine import AnswerEngine
from bot.answering.models import Answer, Claim, Source
from bot.discord.client import DiscordSetupError, FactdeskBot, run_discord
from bot.discord.format import MESSAGE_LIMIT, format_answer, format_sources_page, split_text
from bot.discord.handlers import (
    Desk,
    announce_new_articles,
    handle_ask,
    handle_mention,
    handle_sources,
    handle_status,
    is_addressed_to,
)
from bot.discord.watching import CorpusWatcher
from bot.errors import UserError
from bot.limits import RateLimiter
from bot.settings import Settings
from index.build import IndexReport, update_index
from index.claims.status import ClaimStatus
from index.errors import IndexEmpty, StoreUnavailable
from index.indexer import Indexer
from index.store import ArticleRecord
from tests.conftest import NEWS, make_settings, open_engine, write_article

BOT_ID = 999_000_000_000_000_001


# --- fakes of discord.py's interfaces -----------------------------------------------------


@dataclass
class Sent:
    where: str
    content: str
    kwargs: dict[str, Any]


@dataclass
class Log:
    """Everything the bot did, in order, across responses, follow-ups, channels and threads."""

    events: list[str] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    threads: list[FakeChannel] = field(default_factory=list)
    replies: list[FakeMessage] = field(default_factory=list)

    def send(self, where: str, content: str, kwargs: dict[str, Any]) -> None:
        self.events.append(where)
        self.sent.append(Sent(where, content, kwargs))

    @property
    def text(self) -> str:
        return "\n".join(item.content for item in self.sent)


class FakeChannel:
    def __init__(self, log: Log, channel_id: int, name: str = "channel") -> None:
        self.log, self.id, self.name = log, channel_id, name

    async def send(self, content: str, **kwargs: Any) -> FakeMessage:
        self.log.send(f"{self.name}.send", content, kwargs)
        return FakeMessage(self.log, content, channel=self)

    @asynccontextmanager
    async def typing(self) -> AsyncIterator[None]:
        self.log.events.append("typing")
        yield


MESSAGE_IDS = itertools.count(700_000_000_000_000_000)


class FakeMessage:
    """A message: sent by the bot (answers, thread opener) or by a user (mentions, replies)."""

    def __init__(
        self,
        log: Log,
        content: str,
        *,
        channel: FakeChannel,
        author_id: int = 7,
        mentions: tuple[int, ...] = (),
        role_mentions: tuple[int, ...] = (),
        guild: object | None = None,
        replying_to: FakeMessage | None = None,
    ) -> None:
        self.log, self.content, self.channel, self.guild = log, content, channel, guild
        self.id = next(MESSAGE_IDS)
        self.reference = SimpleNamespace(message_id=replying_to.id) if replying_to else None
        self.author = SimpleNamespace(id=author_id, bot=False)
        self.mentions = [SimpleNamespace(id=user_id) for user_id in mentions]
        self.raw_role_mentions = list(role_mentions)

    async def reply(self, content: str, **kwargs: Any) -> FakeMessage:
        self.log.send("reply", content, kwargs)
        self.log.replies.append(FakeMessage(self.log, content, channel=self.channel, author_id=BOT_ID))
        return self.log.replies[-1]

    async def create_thread(self, *, name: str, **kwargs: Any) -> FakeChannel:
        self.log.events.append(f"thread:{name}")
        self.log.threads.append(FakeChannel(self.log, 5555 + len(self.log.threads), name="thread"))
        return self.log.threads[-1]


class FakeResponse:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.done = False
        self.deferred: dict[str, bool] | None = None

    def is_done(self) -> bool:
        return self.done

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        assert not self.done, "an interaction is answered once"
        self.done = True
        self.deferred = {"ephemeral": ephemeral, "thinking": thinking}
        self.log.events.append("defer")

    async def send_message(self, content: str, **kwargs: Any) -> None:
        assert not self.done, "an interaction is answered once"
        self.done = True
        self.log.send("response.send_message", content, kwargs)


class FakeFollowup:
    def __init__(self, log: Log, channel: FakeChannel) -> None:
        self.log, self.channel = log, channel

    async def send(self, content: str, **kwargs: Any) -> FakeMessage | None:
        self.log.send("followup.send", content, kwargs)
        return FakeMessage(self.log, content, channel=self.channel) if kwargs.get("wait") else None


class FakeInteraction:
    def __init__(
        self,
        *,
        user_id: int = 1,
        channel_id: int = 10,
        admin: bool = False,
        roles: tuple[str, ...] = (),
        in_guild: bool = True,
        log: Log | None = None,
    ) -> None:
        self.log = log or Log()
        self.user = SimpleNamespace(
            id=user_id,
            guild_permissions=SimpleNamespace(administrator=admin),
            roles=[SimpleNamespace(name=role) for role in roles],
        )
        self.guild = SimpleNamespace(id=4242) if in_guild else None
        self.channel_id = channel_id
        self.channel = FakeChannel(self.log, channel_id)
        self.command = None
        self.response = FakeResponse(self.log)
        self.followup = FakeFollowup(self.log, self.channel)

    async def delete_original_response(self) -> None:
        self.log.events.append("delete_original_response")


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def no_mentions(item: Sent) -> bool:
    allowed = item.kwargs.get("allowed_mentions")
    return allowed is not None and allowed.to_dict() == {"parse": []} and not allowed.replied_user


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- answers built by hand, and desks around them ----------------------------------------


def make_answer(count: int = 2, *, quote: str = "The bridge closes on March 3.", **fields: Any) -> Answer:
    listed = [
        Source(
            n=n,
            article_id=f"tribune/story-{n}",
            title=f"Story number {n}",
            outlet="Coastal Tribune",
            url=f"https://tribune.example/story-{n}",
            published="2024-03-01",
            quote=quote,
        )
        for n in range(1, count + 1)
    ]
    claims = [Claim(text=quote, status=ClaimStatus.CONFIRMED, attributed_to=None, citations=[1])]
    values: dict[str, Any] = dict(
        question="When does the bridge close?",
        answer=f"{quote} [1]",
        abstained=False,
        mode="extractive",
        claims=claims,
        sources=listed,
    )
    return Answer(**(values | fields))


def desk_for(
    tmp_path: Path,
    answer: Callable[[str, Any], Answer] | None = None,
    *,
    engine: object | None = None,
    clock: Callable[[], float] = time.monotonic,
    **overrides: object,
) -> Desk:
    settings = make_settings(tmp_path / "corpus", tmp_path / "data", **overrides)
    return Desk(
        settings.discord_config(),
        engine or fake_engine(),  # type: ignore[arg-type]
        answer=answer or (lambda question, engine: make_answer()),
        clock=clock,
    )


def configs(settings: Settings) -> tuple[Any, ...]:
    """`run_discord`'s arguments, as the CLI builds them."""
    return settings.discord_config(), settings.index_config(), settings.answer_config()


def fake_engine() -> Any:
    """Stands in for the answering engine where the test gives the answer function itself."""
    return SimpleNamespace(config=AnswerConfig(), searcher=SimpleNamespace(store=None))


def desk_on(settings: Settings, engine: AnswerEngine) -> Desk:
    """A desk over a real engine, writing the index through a real indexer."""
    return Desk(settings.discord_config(), engine, Indexer(settings.index_config(), store=engine.searcher.store))


def command(bot: FactdeskBot, name: str) -> Callable[..., Awaitable[None]]:
    found = bot.tree.get_command(name)
    assert isinstance(found, app_commands.Command)
    return found.callback  # type: ignore[return-value]


# --- /ask: order of work, threads, mentions ------------------------------------------------


def test_ask_defers_before_the_pipeline_runs_off_the_event_loop(tmp_path: Path) -> None:
    interaction = FakeInteraction()
    pipeline_threads: list[int] = []

    def answer(question: str, engine: object) -> Answer:
        interaction.log.events.append("pipeline")
        pipeline_threads.append(threading.get_ident())
        return make_answer()

    bot = FactdeskBot(desk_for(tmp_path, answer), watch=False)
    run(command(bot, "ask")(interaction, question="When does the bridge close?"))

    assert interaction.log.events[:3] == ["defer", "pipeline", "followup.send"]
    assert interaction.response.deferred == {"ephemeral": False, "thinking": True}
    assert pipeline_threads and pipeline_threads[0] != threading.get_ident()
    assert "The bridge closes on March 3. [1]" in interaction.log.text
    assert "[1] Coastal Tribune — *Story number 1* (2024-03-01) <https://tribune.example/story-1>" in (
        interaction.log.text
    )


def test_ask_can_answer_in_a_thread_it_opens(tmp_path: Path) -> None:
    interaction = FakeInteraction()
    bot = FactdeskBot(desk_for(tmp_path, discord_use_threads=True), watch=False)
    run(command(bot, "ask")(interaction, question="When does the bridge close?"))

    opener, *answer = interaction.log.sent
    assert opener.where == "followup.send" and opener.content == "**Q:** When does the bridge close?"
    assert "thread:When does the bridge close?" in interaction.log.events
    assert answer and all(item.where == "thread.send" for item in answer)
    assert "Coastal Tribune" in "\n".join(item.content for item in answer)


# --- follow-ups ------------------------------------------------------------------------------


def recording(asked: list[str]) -> Callable[[str, Any], Answer]:
    def answer(question: str, engine: object) -> Answer:
        asked.append(question)
        return make_answer(question=question)

    return answer


def test_a_question_in_the_bots_thread_follows_up_on_the_first(tmp_path: Path) -> None:
    asked: list[str] = []
    desk = desk_for(tmp_path, recording(asked), discord_use_threads=True)
    bot = FactdeskBot(desk, watch=False)
    first = FakeInteraction(channel_id=10)
    run(command(bot, "ask")(first, question="When does the Harbor Bridge close?"))
    (thread,) = first.log.threads

    # /ask inside that thread, short and leaning on "it": searched with the first question.
    inside = FakeInteraction(channel_id=thread.id)
    run(command(bot, "ask")(inside, question="How long will it last?"))
    assert asked[-1] == "When does the Harbor Bridge close? How long will it last?"
    assert "read as a follow-up to “When does the Harbor Bridge close?”" in inside.log.text

    # A mention in the thread: the topic is still the first question, not the combined one.
    message = FakeMessage(thread.log, f"<@{BOT_ID}> and the ferries?", channel=thread, mentions=(BOT_ID,))
    run(handle_mention(message, desk, BOT_ID))
    assert asked[-1] == "When does the Harbor Bridge close? and the ferries?"

    # A long question that stands on its own becomes the thread's new topic.
    standalone = "How many books did residents donate to the Riverside library reading room?"
    run(command(bot, "ask")(FakeInteraction(channel_id=thread.id), question=standalone))
    assert asked[-1] == standalone
    run(command(bot, "ask")(FakeInteraction(channel_id=thread.id), question="Who gave them?"))
    assert asked[-1] == f"{standalone} Who gave them?"

    # Elsewhere the same short question is a new question.
    run(command(bot, "ask")(FakeInteraction(channel_id=11), question="How long will it last?"))
    assert asked[-1] == "How long will it last?"


def test_a_reply_to_an_answer_follows_up_on_its_question(tmp_path: Path) -> None:
    asked: list[str] = []
    desk = desk_for(tmp_path, recording(asked))
    log = Log()
    channel = FakeChannel(log, 20)
    asking = f"<@{BOT_ID}> Why did the bridge repair bill climb?"
    question = FakeMessage(log, asking, channel=channel, mentions=(BOT_ID,))
    run(handle_mention(question, desk, BOT_ID))
    (answered,) = log.replies

    follow_up = FakeMessage(log, f"<@{BOT_ID}> who said so?", channel=channel, mentions=(BOT_ID,), replying_to=answered)
    run(handle_mention(follow_up, desk, BOT_ID))
    assert asked[-1] == "Why did the bridge repair bill climb? who said so?"
    unrelated = FakeMessage(log, f"<@{BOT_ID}> who said so?", channel=channel, mentions=(BOT_ID,))
    run(handle_mention(unrelated, desk, BOT_ID))
    assert asked[-1] == "who said so?"


@pytest.mark.parametrize(
    ("follow_up", "searched"),
    [
        ("Why?", "Did the mayor plan to sell the port authority? Why?"),
        ("Who denied it?", "Did the mayor plan to sell the port authority? Who denied it?"),
        ("Would selling the port authority to a private operator raise shipping fees for fishermen", None),
    ],
)
def test_short_or_pronoun_follow_ups_take_the_earlier_question(follow_up: str, searched: str | None) -> None:
    from bot.discord.followups import read_question

    earlier = "Did the mayor plan to sell the port authority?"
    reading = read_question(follow_up, earlier, max_chars=1000)
    assert reading.search == (searched or follow_up)
    assert reading.topic == (earlier if searched else follow_up)
    too_long = read_question("Why?", "x" * 998, max_chars=1000)
    assert too_long.search == "Why?" and too_long.follows is None


def test_follow_up_memory_is_bounded() -> None:
    from bot.discord.followups import FollowUps

    memory = FollowUps(capacity=3)
    for key in range(5):
        memory.remember(key, f"question {key}")
    assert len(memory) == 3 and memory.topic([0, 1]) is None and memory.topic([4]) == (4, "question 4")


def test_mention_with_a_question_is_answered_like_ask(tmp_path: Path) -> None:
    log = Log()
    asked: list[str] = []

    def answer(question: str, engine: object) -> Answer:
        log.events.append("pipeline")
        asked.append(question)
        return make_answer()

    desk = desk_for(tmp_path, answer)
    channel = FakeChannel(log, 20)
    message = FakeMessage(
        log, f"<@{BOT_ID}> when does the bridge close?", channel=channel, mentions=(BOT_ID,), guild=object()
    )
    assert is_addressed_to(message, BOT_ID)
    run(handle_mention(message, desk, BOT_ID))

    assert asked == ["when does the bridge close?"]
    assert log.events[:3] == ["typing", "pipeline", "reply"]
    assert log.sent[0].kwargs["mention_author"] is False and all(no_mentions(item) for item in log.sent)

    role_message = FakeMessage(log, "<@&77> what closes?", channel=channel, role_mentions=(77,))
    assert is_addressed_to(role_message, BOT_ID, [77])
    everyone = FakeMessage(log, "@everyone meeting at noon", channel=channel)
    assert not is_addressed_to(everyone, BOT_ID, [77])

    bare = Log()
    run(handle_mention(FakeMessage(bare, f"<@!{BOT_ID}>", channel=FakeChannel(bare, 20)), desk, BOT_ID))
    assert bare.sent[0].content == "Ask me a question after the mention, or use `/ask`."
    assert "pipeline" not in bare.events


# --- formatting: limits, sources, mentions ------------------------------------------------


def test_long_answer_with_many_sources_is_split_within_the_limit_without_losing_anything() -> None:
    words = "the harbor bridge crews replaced expansion joints while ferries ran every twenty minutes"
    sentences = [f"Sentence {n}: {words}, and the city paid for it. [{n}]" for n in range(1, 41)]
    long_title = " ".join(["Bridge"] * 60)
    sources = [
        Source(
            n=n,
            article_id=f"a/{n}",
            title=f"{long_title} {n}",
            outlet=f"Outlet {n}",
            url=f"https://news.example/{'x' * 80}/{n}",
            published="2024-03-01",
            quote=f"Quote {n}: " + words * 5,
        )
        for n in range(1, 41)
    ]
    claims = [
        Claim(
            text=sentences[n - 1],
            status=ClaimStatus.DISPUTED,
            attributed_to=f"Outlet {n}",
            citations=[n],
            disputed_by=["Outlet 1"],
        )
        for n in range(1, 41)
    ]
    answer = make_answer(answer=wording.answer_text(claims), claims=claims, sources=sources)

    parts = format_answer(answer)
    whole = format_answer(answer, limit=10**9)

    assert len(parts) > 3 and len(whole) == 1
    assert all(len(part) <= MESSAGE_LIMIT for part in parts)
    assert " ".join(parts).split() == whole[0].split()  # nothing dropped, no word cut in two
    joined = "\n".join(parts)
    for n in range(1, 41):
        assert re.search(rf"^\[{n}\] Outlet {n} — \*", joined, re.MULTILINE), f"source {n} missing"
        assert re.search(
            rf"^- \[{n}\] “Sentence {n}: .*” — is disputed, claimed by Outlet {n}, disputed by Outlet 1$", joined, re.M
        )
    # The answer text is cut between sentences, and a sentence keeps its [n] marker in the same message.
    assert re.search(r"it\. \[\d+\]$", parts[0])
    assert not any(re.match(r"\[\d+\] Sentence", part) for part in parts)


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text("abcdefghij", min_size=1, max_size=15), st.sampled_from([" ", ". ", "\n", "! "])),
        min_size=1,
        max_size=80,
    ),
    st.integers(min_value=20, max_value=300),
)
def test_split_text_keeps_words_whole_and_within_the_limit(pieces: list[tuple[str, str]], limit: int) -> None:
    text = "".join(word + joint for word, joint in pieces)
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert " ".join(parts).split() == text.split()


def test_answers_never_mention_anyone_and_show_article_text_literally(tmp_path: Path) -> None:
    hostile = "Residents cheered @everyone and @here, <@123456789012345678> and <@&123456789012345678> **loudly**."
    answer = make_answer(quote=hostile, notes=["@everyone note"])
    answer = answer.model_copy(
        update={
            "sources": [
                source.model_copy(update={"title": "@everyone *Title*", "outlet": "<@!123456789012345678> News"})
                for source in answer.sources
            ]
        }
    )
    bot = FactdeskBot(desk_for(tmp_path, lambda question, engine: answer), watch=False)
    interaction = FakeInteraction()
    run(command(bot, "ask")(interaction, question="Who cheered @everyone?"))

    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    assert interaction.log.sent and all(no_mentions(item) for item in interaction.log.sent)
    text = interaction.log.text
    assert "@everyone" not in text and "@here" not in text
    assert not re.search(r"<@[!&]?\d+>", text)
    assert "@\u200beveryone" in text and r"\*\*loudly\*\*" in text


def test_real_answer_has_an_unconfirmed_section_and_every_source(tmp_path: Path, news_engine: AnswerEngine) -> None:
    desk = desk_on(make_settings(Path("corpus"), Path("data")), news_engine)
    interaction = FakeInteraction()
    run(handle_ask(interaction, "How much will the Harbor Bridge repairs cost?", desk))

    text = interaction.log.text
    assert (
        "**Unconfirmed**" in text and "is disputed, claimed by the city comptroller, disputed by the department" in text
    )
    assert "<https://tribune.example/harbor-bridge>" in text and "<https://herald.example/bridge-bill>" in text
    sources = re.findall(r"^\[(\d+)\] ", text, re.MULTILINE)
    assert sources and sources == [str(n) for n in range(1, len(sources) + 1)]
    assert all(no_mentions(item) and len(item.content) <= MESSAGE_LIMIT for item in interaction.log.sent)


# --- rate limits and bad questions ----------------------------------------------------------


def test_sixth_question_in_the_window_gets_a_polite_refusal_without_the_pipeline(tmp_path: Path) -> None:
    clock = FakeClock()
    calls: list[str] = []

    def answer(question: str, engine: object) -> Answer:
        calls.append(question)
        return make_answer()

    desk = desk_for(tmp_path, answer, clock=clock, discord_user_rate=5, discord_rate_window_s=60)
    bot = FactdeskBot(desk, watch=False)
    ask = command(bot, "ask")
    for n in range(5):
        clock.now += 1
        run(ask(FakeInteraction(user_id=1), question=f"Question {n}?"))
    refused = FakeInteraction(user_id=1)
    run(ask(refused, question="Question 6?"))

    assert len(calls) == 5
    assert refused.log.events == ["response.send_message"]
    (reply,) = refused.log.sent
    assert reply.kwargs["ephemeral"] is True
    assert reply.content.startswith("You're asking faster than I can answer: at most 5 questions every 60 seconds.")
    assert "try again in 56 seconds" in reply.content

    other_user = FakeInteraction(user_id=2)
    run(ask(other_user, question="Someone else?"))
    assert len(calls) == 6 and other_user.log.events[0] == "defer"

    clock.now += 60
    run(ask(FakeInteraction(user_id=1), question="Later?"))
    assert len(calls) == 7


def test_channel_limit_applies_across_users(tmp_path: Path) -> None:
    clock = FakeClock()
    desk = desk_for(tmp_path, clock=clock, discord_channel_rate=3)
    for user_id in (1, 2, 3):
        run(handle_ask(FakeInteraction(user_id=user_id, channel_id=50), "Question?", desk))
    refused = FakeInteraction(user_id=4, channel_id=50)
    run(handle_ask(refused, "Question?", desk))
    assert refused.log.sent[0].content.startswith("This channel has had 3 questions in the last 60 seconds.")
    elsewhere = FakeInteraction(user_id=4, channel_id=51)
    run(handle_ask(elsewhere, "Question?", desk))
    assert elsewhere.log.events[0] == "defer"


def test_rate_limiter_is_a_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, clock)
    limiter.record(1)
    clock.now += 6
    limiter.record(1)
    assert limiter.retry_after(1) == pytest.approx(4.0)
    clock.now += 4
    assert limiter.retry_after(1) == 0.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [("   ", "The question is empty"), ("?!", "no words"), ("why " * 400, "the limit is 1,000")],
)
def test_empty_or_too_long_questions_get_a_clear_reply(tmp_path: Path, question: str, expected: str) -> None:
    calls: list[str] = []
    desk = desk_for(tmp_path, lambda q, engine: calls.append(q) or make_answer())  # type: ignore[func-returns-value]
    interaction = FakeInteraction()
    run(handle_ask(interaction, question, desk))
    assert calls == [] and interaction.log.events == ["response.send_message"]
    assert expected in interaction.log.sent[0].content and interaction.log.sent[0].kwargs["ephemeral"] is True


# --- /reindex, /status, /sources -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (dict(), False),
        (dict(roles=("members",)), False),
        (dict(in_guild=False, admin=True), False),
        (dict(roles=("news editors",)), True),
        (dict(admin=True), True),
    ],
)
def test_reindex_is_for_administrators_and_the_configured_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, who: dict[str, Any], allowed: bool
) -> None:
    desk = desk_for(tmp_path, discord_reindex_role="news editors")
    updates: list[int] = []

    def update() -> IndexReport:
        updates.append(1)
        return IndexReport(added=("gazette/new",), skipped=("a", "b"), seconds=0.4)

    monkeypatch.setattr(desk, "update_index", update)
    bot = FactdeskBot(desk, watch=False)
    interaction = FakeInteraction(**who)
    run(command(bot, "reindex")(interaction))

    if allowed:
        assert updates == [1] and interaction.log.events[0] == "defer"
        assert interaction.response.deferred == {"ephemeral": True, "thinking": True}
        assert "Index updated in 0.4 s: 1 added, 0 updated, 0 removed, 2 unchanged." in interaction.log.text
    else:
        assert updates == [] and interaction.log.events == ["response.send_message"]
        assert interaction.log.sent[0].content == (
            "Sorry, only server administrators and members with the role **news editors** can re-index."
        )


def test_status_and_sources_describe_the_index(news_engine: AnswerEngine) -> None:
    desk = desk_on(make_settings(Path("corpus"), Path("data")), news_engine)
    status = FakeInteraction()
    run(handle_status(status, desk))
    assert status.response.deferred == {"ephemeral": True, "thinking": True}
    assert "Articles: 5" in status.log.text and "Answer mode: extractive" in status.log.text
    assert re.search(r"Chunks: \d+", status.log.text) and re.search(
        r"Last update: <t:\d+:f> \(<t:\d+:R>\)", status.log.text
    )

    listing = FakeInteraction()
    run(handle_sources(listing, 1, desk))
    assert "**Indexed articles** — page 1 of 1 (5 articles)" in listing.log.text
    assert "- Valley Herald — *Bridge repair bill climbs* (2024-03-02) <https://herald.example/bridge-bill>" in (
        listing.log.text
    )
    assert all(item.kwargs["ephemeral"] is True and no_mentions(item) for item in listing.log.sent)


def test_sources_are_paged_newest_first() -> None:
    records = [
        ArticleRecord(
            id=f"a/{n}",
            title=f"Title {n:02d}",
            outlet="Outlet",
            content_hash="",
            path="",
            chunks=1,
            published=f"2024-01-{n:02d}",
            url=f"https://example.com/{n}",
        )
        for n in range(1, 26)
    ]
    first = "\n".join(format_sources_page(records, 1, per_page=10))
    assert "page 1 of 3 (25 articles); next: `/sources page:2`" in first
    assert first.index("Title 25") < first.index("Title 16") and "Title 15" not in first
    beyond = "\n".join(format_sources_page(records, 9, per_page=10))
    assert "page 3 of 3" in beyond and "Title 01" in beyond and "Title 06" not in beyond
    assert format_sources_page([], 1) == ["Nothing is indexed yet."]


# --- errors -------------------------------------------------------------------------------


def test_pipeline_error_gets_a_short_apology_with_an_incident_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str, engine: object) -> Answer:
        raise RuntimeError("disk /srv/secret/path exploded")

    bot = FactdeskBot(desk_for(tmp_path, broken), watch=False)
    interaction = FakeInteraction()
    with caplog.at_level("ERROR", logger="bot.discord"):
        run(command(bot, "ask")(interaction, question="When does the bridge close?"))

    (reply,) = interaction.log.sent
    found = re.fullmatch(
        r"Sorry, something went wrong on my side \(incident `([0-9a-f]{8})`\)\. The operators can look it up\.",
        reply.content,
    )
    assert found and interaction.log.events[0] == "defer"
    # Only the asker sees it: the public "thinking" reply is deleted, the apology is ephemeral.
    assert reply.kwargs["ephemeral"] is True and "delete_original_response" in interaction.log.events
    for leak in ("Traceback", "RuntimeError", "secret"):
        assert leak not in reply.content
    record = next(r for r in caplog.records if found.group(1) in r.getMessage())
    assert record.exc_info and "exploded" in str(record.exc_info[1])

    # The same for a mention, and for errors the tree reports itself.
    log = Log()
    message = FakeMessage(log, f"<@{BOT_ID}> why?", channel=FakeChannel(log, 20), mentions=(BOT_ID,))
    run(handle_mention(message, desk_for(tmp_path, broken), BOT_ID))
    assert log.sent[0].where == "reply" and "incident `" in log.sent[0].content
    tree_error = FakeInteraction()
    run(bot.on_command_error(tree_error, app_commands.AppCommandError("boom")))  # type: ignore[arg-type]
    assert "incident `" in tree_error.log.sent[0].content and tree_error.log.sent[0].kwargs["ephemeral"] is True


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (IndexEmpty("the index is empty"), "Nothing is indexed yet, so I cannot answer."),
        (StoreUnavailable("chroma down"), "The article index cannot be reached right now (incident `"),
    ],
)
def test_known_failures_get_a_clear_reply(tmp_path: Path, error: Exception, expected: str) -> None:
    def failing(question: str, engine: object) -> Answer:
        raise error

    interaction = FakeInteraction()
    run(handle_ask(interaction, "When does the bridge close?", desk_for(tmp_path, failing)))
    assert interaction.log.sent[0].content.startswith(expected)
    assert interaction.log.sent[0].kwargs["ephemeral"] is True


def test_factdesk_discord_without_a_token_says_so_before_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import app as cli

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("FACTDESK_DISCORD_TOKEN", raising=False)
    connected: list[str] = []
    monkeypatch.setattr(FactdeskBot, "run", lambda self, token, **kwargs: connected.append(token))
    with pytest.raises(DiscordSetupError, match="FACTDESK_DISCORD_TOKEN is not set"):
        run_discord(*configs(make_settings(tmp_path, tmp_path, discord_token="   ")))

    monkeypatch.setattr("sys.argv", ["factdesk", "--corpus", str(tmp_path), "--data-dir", str(tmp_path), "discord"])
    with pytest.raises(SystemExit) as done:
        cli.run()
    assert done.value.code == 1 and connected == []
    err = capsys.readouterr().err
    assert "FACTDESK_DISCORD_TOKEN is not set" in err and "Traceback" not in err


def test_a_refused_token_is_one_clear_error_that_does_not_show_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = "MTIz.secret-token-value"

    def refuse(self: FactdeskBot, given: str, **kwargs: Any) -> None:
        assert given == token
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr("bot.discord.client.AnswerEngine.open", lambda index, answering: fake_engine())
    monkeypatch.setattr(FactdeskBot, "run", refuse)
    with pytest.raises(DiscordSetupError, match="Discord refused the token") as error:
        run_discord(*configs(make_settings(tmp_path / "missing", tmp_path, discord_token=f" {token}\n")))
    assert isinstance(error.value, UserError)
    assert token not in str(error.value) and token not in caplog.text


@pytest.mark.parametrize("discord_watch", [True, False])
def test_the_corpus_watcher_can_be_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_watch: bool
) -> None:
    started: list[bool] = []
    monkeypatch.setattr("bot.discord.client.AnswerEngine.open", lambda index, answering: fake_engine())
    monkeypatch.setattr(FactdeskBot, "run", lambda self, token, **kwargs: started.append(self.watch))
    run_discord(*configs(make_settings(tmp_path, tmp_path / "data", discord_token="abc", discord_watch=discord_watch)))
    assert started == [discord_watch]


# --- the watched corpus ---------------------------------------------------------------------


def test_new_article_in_the_watched_folder_becomes_answerable_and_is_announced(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_article(corpus, "tribune/harbor-bridge.md", **NEWS["tribune/harbor-bridge.md"])  # type: ignore[arg-type]
    settings = make_settings(corpus, tmp_path / "data", discord_user_rate=1000, discord_channel_rate=1000)
    update_index(settings.index_config())
    desk = desk_on(settings, open_engine(settings))
    question = "When will the Lakeside aquarium open its shark tunnel?"
    aquarium = dict(
        title="Lakeside aquarium @everyone opens shark tunnel",
        outlet="Riverside Gazette",
        published="2024-06-01",
        url="https://gazette.example/aquarium",
        body="The Lakeside aquarium will open its new shark tunnel on June 15, the aquarium director said.\n"
        "The glass tunnel is forty meters long and cost two million dollars.",
    )

    async def ask() -> str:
        interaction = FakeInteraction()
        await handle_ask(interaction, question, desk)
        return interaction.log.text

    async def until(condition: Callable[[str], bool], touch: Path | None = None, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        last_touch = time.monotonic()
        while time.monotonic() < deadline:
            text = await ask()
            if condition(text):
                return text
            if touch is not None and time.monotonic() - last_touch > 10:
                # Should the watcher have missed the first write while starting, a rewrite is seen.
                touch.write_text(touch.read_text(encoding="utf-8"), encoding="utf-8")
                last_touch = time.monotonic()
            await asyncio.sleep(0.5)
        raise AssertionError(f"not answered in time; last reply: {text}")

    async def scenario() -> None:
        channel = FakeChannel(Log(), 303, name="announce")
        reports: list[IndexReport] = []

        async def on_report(report: IndexReport) -> None:
            reports.append(report)
            await announce_new_articles(channel, desk.store, report)

        watcher = CorpusWatcher(desk, asyncio.get_running_loop(), on_report, catch_up=False)
        watcher.start()
        try:
            assert "June 15" not in await ask()
            await asyncio.sleep(1.0)
            path = write_article(corpus, "gazette/aquarium.md", **aquarium)  # type: ignore[arg-type]
            answered = await until(lambda text: "June 15" in text, touch=path)
            assert "Riverside Gazette" in answered and "<https://gazette.example/aquarium>" in answered
            assert any("gazette/aquarium" in report.added for report in reports)
            (announcement,) = channel.log.sent
            assert announcement.content.startswith("**New in the index**\n- Riverside Gazette — *Lakeside aquarium")
            assert "@\u200beveryone" in announcement.content and no_mentions(announcement)

            path.unlink()
            await until(lambda text: "June 15" not in text)
            assert any("gazette/aquarium" in report.removed for report in reports)
            assert desk.watching
        finally:
            await asyncio.to_thread(watcher.stop)
        assert not desk.watching

    run(scenario())


# --- registering the commands ---------------------------------------------------------------


@pytest.mark.parametrize("guild_id", [None, 123_456_789_012_345_678])
def test_guild_id_registers_the_commands_in_that_server_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guild_id: int | None
) -> None:
    bot = FactdeskBot(desk_for(tmp_path, discord_guild_id=guild_id), watch=False)
    synced: list[object] = []

    async def sync(*, guild: discord.abc.Snowflake | None = None) -> list[object]:
        synced.append(guild)
        return []

    monkeypatch.setattr(bot.tree, "sync", sync)
    run(bot.sync_commands())
    (target,) = synced
    if guild_id is None:
        assert target is None  # global: every server, within the hour Discord takes
        return
    assert isinstance(target, discord.Object) and target.id == guild_id
    copied = {command.name for command in bot.tree.get_commands(guild=target)}
    assert copied == {"ask", "sources", "status", "reindex", "follow", "follows", "unfollow"}
