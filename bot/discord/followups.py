"""Follow-up questions: a question asked in a thread the bot opened, or as a reply to one of the
bot's answers, is read with the earlier question of that conversation as its context.

Why and how: "What about the ferries?" or "Why did they deny it?" retrieves nothing useful on
its own; the earlier question names what "they" and "it" are. A follow-up that is short (at most
`SHORT_QUESTION_WORDS` words) or leans on a pronoun is searched as "<earlier question>
<follow-up>"; a longer, self-contained question in the same thread stands on its own and
becomes the thread's topic for what follows. The topic is always a question that stood on its
own, so follow-ups never pile up into an ever longer query. Every answer is searched and cited
afresh; nothing from the earlier answer is reused.

The memory is per process and bounded (least recently used topics are forgotten first): after
a restart, a follow-up is answered as a new question.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

SHORT_QUESTION_WORDS = 6
REMEMBERED_CONVERSATIONS = 2_000
# Words that point back at something said before: the follow-up needs the earlier question.
# fmt: off
BACK_REFERENCES = frozenset({
    "it", "its", "it's", "they", "them", "their", "theirs", "this", "that", "these", "those",
    "he", "him", "his", "she", "her", "hers", "there", "then", "such", "same", "former", "latter",
    "one", "ones",
})
# fmt: on
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Reading:
    """How a question is searched: `search` is what retrieval sees; `topic` is what later follow-ups build on."""

    search: str
    topic: str
    follows: str | None = None  # the earlier question, when this one was read as its follow-up


def leans_on_context(question: str) -> bool:
    """Short, or uses a pronoun or other word that refers back."""
    words = [word.lower().replace("’", "'") for word in _WORD.findall(question)]
    return len(words) <= SHORT_QUESTION_WORDS or any(word in BACK_REFERENCES for word in words)


def read_question(question: str, topic: str | None, *, max_chars: int) -> Reading:
    """The question as it will be searched, given the conversation's topic (None: a new conversation)."""
    if topic is None or not leans_on_context(question):
        return Reading(search=question, topic=question)
    combined = f"{topic} {question}"
    if len(combined) > max_chars:  # the two together break the question limit: the follow-up alone
        return Reading(search=question, topic=question)
    return Reading(search=combined, topic=topic, follows=topic)


class FollowUps:
    """Topics by conversation key (a thread's id, an answer message's id), least recently used out."""

    def __init__(self, capacity: int = REMEMBERED_CONVERSATIONS) -> None:
        self.capacity = capacity
        self._topics: OrderedDict[int, str] = OrderedDict()

    def topic(self, keys: Iterable[int]) -> tuple[int, str] | None:
        """The first key that has a topic, and the topic."""
        for key in keys:
            if key in self._topics:
                self._topics.move_to_end(key)
                return key, self._topics[key]
        return None

    def remember(self, key: int, topic: str) -> None:
        self._topics[key] = topic
        self._topics.move_to_end(key)
        while len(self._topics) > self.capacity:
            self._topics.popitem(last=False)

    def __len__(self) -> int:
        return len(self._topics)
