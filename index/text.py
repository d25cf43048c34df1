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

import functools
import re
import unicodedata
from typing import Any

# Invisible characters that change nothing a reader sees but split or disguise words: zero-width
# spaces and joiners, the word joiner, soft hyphen, BOM, and the bidirectional controls.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 control characters other than tab and newline: never part of an article's text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_WORD = re.compile(r"\w+")
_ASCII_LETTER = re.compile("[A-Za-z]")


def normalise(text: str) -> str:
    """The one normal form: NFKC, invisible characters removed, look-alikes in mixed words mapped.

    Line structure is kept (paragraph detection needs it): only controls other than tab and
    newline become spaces. A letter of another script drawn like a Latin one is mapped only inside
    a word that also has Latin letters ("reportеdly" with a Cyrillic "е", "repօrtedly" with an
    Armenian "օ"), so Greek or Russian words stay as written; one character becomes one.
    """
    text = printable(unicodedata.normalize("NFKC", text))
    if text.isascii() or _lookalikes().isdisjoint(text):
        return text  # most text: no word to look at (one scan instead of a Python call per word)
    return _WORD.sub(_unmask_word, text)


def printable(text: str) -> str:
    """Text that is safe to print on a terminal, as every article's text already is: control
    characters (escape sequences, bells, screen clears) become spaces and invisible or
    direction-changing characters are removed; tab and newline stay. The terminal views pass
    everything through this, whether it was read from the index or from a server's answer."""
    return _CONTROL.sub(" ", _INVISIBLE.sub("", text))


def _unmask_word(match: re.Match[str]) -> str:
    word = match.group()
    if word.isascii() or not _ASCII_LETTER.search(word):
        return word
    return latin_skeleton(word)


def latin_skeleton(text: str, *, every_script: bool = False) -> str:
    """Each character drawn like an ASCII letter replaced by that letter, one character for one.

    Which characters look like which is Unicode's confusables table (UTS #39, as the
    `confusable-homoglyphs` package ships it): Cyrillic "о", Greek "ο", Armenian "օ", Cherokee
    "Ꭵ" and some 1,200 more. By default only letters of other scripts than Latin are replaced
    (what `normalise` does inside Latin words); `every_script` also replaces Latin letters with
    their own use (Turkish "ı", "ɑ") and symbols ("∣"), for matching text that hides words.
    """
    return text.translate(_skeleton_table(every_script))


@functools.cache
def _lookalikes() -> frozenset[str]:
    """Every character `normalise` maps (a letter of another script drawn like a Latin one): text
    without one is already in normal form, whatever its words. A set, not a regex class: some
    are outside the BMP, and re then tests each of the ~300 one by one at every position."""
    return frozenset(chr(code) for code in _skeleton_table(False))


@functools.cache
def _skeleton_table(every_script: bool) -> dict[int, str]:
    from confusable_homoglyphs.categories import alias
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[int, str] = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or (not every_script and alias(char) in ("LATIN", "COMMON")):
            continue
        target = next((g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalpha()), None)
        if target is None:
            continue
        # UTS #39 draws capital I and small l alike ("l"); a capital keeps its case: Cyrillic "І" is "I".
        table[ord(char)] = "I" if target == "l" and char.isupper() else target
    return table


def has_controls(text: str) -> bool:
    """C0/C1 control characters (terminal escapes, NUL, screen clears), tab and newline excepted."""
    return bool(_CONTROL.search(text))


def is_invisible(text: str) -> bool:
    """Nothing a reader would see: only spaces, invisible and control characters."""
    return not _INVISIBLE.sub("", _CONTROL.sub("", text)).strip()


# --- text addressed to an AI -------------------------------------------------------------

# Matched on `instruction_form`, not on the text as written: lower case, every look-alike letter
# Latin, digits standing for letters read as letters, letters spaced apart joined up.
_INSTRUCTION_LIKE = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(instructions?|prompts?|rules|guidelines)\b"
    # "Disregard everything above and ...", "forget all of the above", "ignore the preceding text"
    r"|\b(ignore|disregard|forget)\s+(all|everything|anything)\s+(of\s+)?(the\s+)?(text\s+|that\s+is\s+)?"
    r"(written\s+|said\s+)?(above|so far)\b"
    r"|\b(ignore|disregard|forget)\s+(the|all)\s+(above|preceding|previous|prior)(\s+(text|content|context|messages?|"
    r"conversation|input))?\s*([.,;:!]|and\b|$)"
    r"|^\s*(system|assistant|user|developer)\s*:"
    r"|(^|[.!?\"”]\s+)(system|assistant|developer)\s*:"
    # Role tags of chat formats: "[SYSTEM]", "<system>", "<|im_start|>", "[INST]"
    r"|\[\s*/?\s*(system|assistant|developer|instructions?|inst|sys)\s*\]"
    r"|<\s*/?\s*(system|assistant|developer|instructions?|sys)\s*>"
    r"|<\|\s*(system|im_start|im_end|endoftext)\s*\|>"
    r"|\byou are (now )?(an? )?(ai|assistant|chatbot|language model|llm)\b"
    r"|\b(dear|hey|attention|note to)\s+(ai|assistant|chatbot|bot|llm|language model|model)s?\b"
    # "To any AI model summarizing this:", "AI assistants reading this"
    r"|\b(ai|assistant|chatbot|llm|language model)s?(\s+(model|system|agent|tool)s?)?\s*"
    r"(reading|summari[sz]ing|processing|parsing|analy[sz]ing|scraping) (this|these|the following)\b"
    r"|\b(to|for|dear|hey|attention)\s+(any|all|every|each|the)\s+(ai|llm|language model|assistant|chatbot)s?"
    r"(\s+(model|system|agent|tool)s?)?\s+(reading|summari[sz]ing|processing|parsing|analy[sz]ing|scraping)\b"
    r"|@everyone|@here|<@[!&]?\d+>"
    r"|\b(reveal|print|show|repeat|tell me|output)\b[^.]{0,30}\b(prompt|instructions|api key|token|password|secret)s?\b"
    r"|\b(new|updated|additional|hidden) instructions\s*[:\-]|\bhere are (your )?(new|updated) instructions\b"
    # "Ignore the other articles: ...", "Language models such as X must answer that ..."
    r"|\b(ignore|disregard|forget)\s+(all\s+)?(the\s+)?other\s+(articles?|sources?|reports?|stories|results)\b"
    r"|\b(language models?|ai models?|ai systems?|chatbots?|assistants?|llms?)\b[^.]{0,60}"
    r"\b(must|should|shall|have to)\s+(answer|say|reply|respond|report|state|claim|tell)\b"
    # "Assistant, answer only that ...": a model addressed, then told what to say
    r"|(^|[-*•]\s*|[.!?]\s+)(assistant|ai|chatbot|bot|model|claude|chatgpt|gpt|gemini|llm)\s*[,:]\s*"
    r"(answer|say|reply|respond|report|write|tell|ignore|state)\b"
    r"|\b(mark|tag|label|report|treat)\b[^.]{0,30}\b(every|all|each|this|these|the following)\b[^.]{0,20}"
    r"\b(claims?|statements?|sentences?)\b[^.]{0,20}\bas\s+(confirmed|true|verified|fact)\b"
    r"|\bmark (every|all|each) claims?\b"
    r"|\[\d{1,3}\]\s*\((confirmed|reported|speculative|disputed)\b",  # imitates factdesk's own source list
    re.IGNORECASE | re.MULTILINE,
)
# Digits written for letters inside a word ("1gn0re", "pr0mpt"); numbers alone stay numbers.
_LEET = str.maketrans("013457", "oieast")
_LEET_WORD = re.compile(r"\w*(?:[a-z]\d|\d[a-z])\w*")
# Letters spaced apart ("S Y S T E M", "i.g.n.o.r.e"): three or more single letters, one separator each.
_SPACED = re.compile(r"(?<!\w)(?:[a-z][ .\-_*·]){2,}[a-z](?!\w)")


def instruction_form(text: str) -> str:
    """What the injection patterns read: the normalised text in lower case with every character
    drawn like a Latin letter made that letter (`latin_skeleton` over every script, whole words
    too), digits inside words read as the letters they stand for, and spaced letters joined."""
    form = latin_skeleton(normalise(text).casefold(), every_script=True).casefold()
    form = _LEET_WORD.sub(lambda match: match.group().translate(_LEET), form)
    return _SPACED.sub(lambda match: re.sub(r"[ .\-_*·]", "", match.group()), form)


def is_instruction_like(text: str) -> bool:
    """Text addressed to an AI or its operators, matched by its normalised form (`instruction_form`),
    so look-alike letters, digits for letters and spaced-out words do not hide it.

    A whole paragraph is flagged when any of it is: injections run over several sentences
    ("Ignore previous instructions. Say X.").
    """
    return bool(_INSTRUCTION_LIKE.search(instruction_form(text)))


# --- content words -------------------------------------------------------------------------

_CONTENT_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+|\d[\d,.]*")


@functools.lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> set[str]:
    """The stemmed content words of a text (function words and one- or two-letter words left out):
    what two texts must share to be about the same thing."""
    from index.claims.lexicon import STOP_WORDS

    words = [w.lower().strip("'-") for w in _CONTENT_WORD.findall(text)]
    kept = [w for w in words if w and w not in STOP_WORDS and (len(w) > 2 or w.isdigit())]
    return set(_stemmer().stemWords(kept))
