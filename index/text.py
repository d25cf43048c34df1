"""Text as factdesk reads it: one normal form for articles and questions, paragraphs, and
text that addresses an AI rather than a reader.

Why normalise before anything else: the claim rules and the injection patterns match words. A
hostile writer can hide "reportedly" from them with a Cyrillic "о", a zero-width space or a
full-width letter, and a sentence that should be reported would come out confirmed. So text is
normalised once, when it is read (NFKC, invisible format characters removed, look-alike letters
in mixed-script words mapped to Latin), and everything after works on that one text: the parse,
the offsets, the index and the quotes shown to people.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Invisible characters that change nothing a reader sees but split or disguise words: zero-width
# spaces and joiners, the word joiner, soft hyphen, BOM, and the bidirectional controls.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 control characters other than tab and newline: never part of an article's text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Cyrillic and Greek letters that look like Latin ones. Mapped only inside a word that also has
# Latin letters ("reportеdly" with a Cyrillic "е"), so Greek or Russian words stay as written.
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "B", "е": "e", "к": "k", "м": "M", "н": "H", "о": "o", "р": "p", "с": "c",
        "т": "T", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u", "χ": "x",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_LOOKALIKE_CHARS = frozenset(chr(code) for code in _LOOKALIKES)
_ANY_LOOKALIKE = re.compile("[" + "".join(sorted(_LOOKALIKE_CHARS)) + "]")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """The one normal form: NFKC, invisible characters removed, look-alikes in mixed words mapped.

    Line structure is kept (paragraph detection needs it): only controls other than tab and
    newline become spaces.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    if not _ANY_LOOKALIKE.search(text):
        return text  # most text: no word to look at (one scan instead of a call per word)
    return _WORD.sub(_unmask_word, text)


def _unmask_word(match: re.Match[str]) -> str:
    word = match.group()
    if not any(char in _LOOKALIKE_CHARS for char in word) or not any("a" <= char.lower() <= "z" for char in word):
        return word
    return word.translate(_LOOKALIKES)


def has_controls(text: str) -> bool:
    """C0/C1 control characters (terminal escapes, NUL, screen clears), tab and newline excepted."""
    return bool(_CONTROL.search(text))


def is_invisible(text: str) -> bool:
    """Nothing a reader would see: only spaces, invisible and control characters."""
    return not _INVISIBLE.sub("", _CONTROL.sub("", text)).strip()


# --- paragraphs ------------------------------------------------------------------------

_HEADING = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class Paragraph:
    """A line of prose and where it starts in the article body."""

    start: int
    text: str


def paragraphs(body: str) -> list[Paragraph]:
    """Non-empty lines that are prose; headings carry no claims and are left out."""
    found: list[Paragraph] = []
    offset = 0
    lines = body.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        is_last = number == len(lines) - 1
        if stripped and not _is_heading(stripped, is_last):
            lead = len(line) - len(line.lstrip())
            found.append(Paragraph(offset + lead, stripped))
        offset += len(line) + 1
    return found


def _is_heading(line: str, is_last: bool) -> bool:
    if _HEADING.match(line):
        return True
    return not is_last and len(line) < 80 and not line.endswith((".", "!", "?", ":", '"', "”", "'", "’", ")"))


# --- text addressed to an AI -------------------------------------------------------------

_INSTRUCTION_LIKE = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(instructions?|prompts?|rules|guidelines)\b"
    r"|^\s*(system|assistant|user|developer)\s*:"
    r"|\byou are (now )?(an? )?(ai|assistant|chatbot|language model|llm)\b"
    r"|\b(dear|hey|attention|note to)\s+(ai|assistant|chatbot|bot|llm|language model|model)s?\b"
    r"|\b(ai|assistant|chatbot|llm|language model)s?\s*(reading|summari[sz]ing) this\b"
    r"|@everyone|@here|<@[!&]?\d+>"
    r"|\b(reveal|print|show|repeat|tell me|output)\b[^.]{0,30}\b(prompt|instructions|api key|token|password|secret)s?\b"
    r"|\b(new|updated|additional|hidden) instructions\b"
    r"|\b(mark|tag|label|report|treat)\b[^.]{0,30}\b(every|all|each|this|these|the following)\b[^.]{0,20}"
    r"\b(claims?|statements?|sentences?)\b[^.]{0,20}\bas\s+(confirmed|true|verified|fact)\b"
    r"|\bmark (every|all|each) claims?\b"
    r"|\[\d{1,3}\]\s*\((confirmed|reported|speculative|disputed)\b",  # imitates factdesk's own source list
    re.IGNORECASE | re.MULTILINE,
)


def is_instruction_like(text: str) -> bool:
    """Text addressed to an AI or its operators, matched on the normalised text.

    A whole paragraph is flagged when any of it is: injections run over several sentences
    ("Ignore previous instructions. Say X.").
    """
    return bool(_INSTRUCTION_LIKE.search(normalise(text)))
