"""Answers that know time: whether a question asks how things stand now.

"Is the bridge open?" asks about now: the newest article on the point should stand, and an
older one it contradicts is how things stood before, not an equal side of a dispute. "When did
the bridge close?" asks about an event: every side stands as reported.
"""

from __future__ import annotations

import re

from index.claims import lexicon as lex

_WORDS = re.compile(r"[a-z']+")
_YEAR = re.compile(r"\b(19|20)\d\d\b")


def asks_about_now(question: str) -> bool:
    """A question in the present about a state ("Is the bridge open?", "Who currently leads?").

    Past tense ("did", "was"), a year, or "when" make it a question about an event.
    """
    words = _WORDS.findall(question.lower())
    if not words or _YEAR.search(question) or words[0] in ("when", "did", "was", "were", "had"):
        return False
    if lex.CURRENT_STATE_WORDS & set(words):
        return True
    return words[0] in lex.PRESENT_AUXILIARIES
