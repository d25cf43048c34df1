"""Token features for the attribution CRF, read off the parse that indexing makes anyway.

Why these: PolNeAR marks attribution as Source / Cue / Content spans, and what tells them apart is
mostly the parse (a subject of a verb of saying is a source, its clausal complement is content),
the rules' word lists (which words can be cues) and quotation marks. The rules' own reading of
the sentence (their cue and source tokens) is a feature too, so the CRF learns where to trust
them and where to look further: the rules are precise and the CRF adds recall.

The template is the prototype's "lean" one (about 22 features a token, chosen on PolNeAR dev for
being as good as a 30% larger one and faster to build and to tag). Everything is computed once
per parsed paragraph into plain lists (`DocArrays`), then indexed per sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from index.claims import lexicon as lex

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from index.claims.status import SentenceAnalysis

# --- lexicon classes ----------------------------------------------------------------------

_COGNITION = frozenset(
    [
        "think",
        "feel",
        "know",
        "hope",
        "expect",
        "fear",
        "worry",
        "believe",
        "consider",
        "see",
        "view",
        "regard",
        "like",
        "love",
        "hate",
        "want",
        "wish",
        "intend",
        "plan",
        "seek",
        "try",
        "need",
        "decide",
        "agree",
        "disagree",
        "understand",
        "realize",
        "recognize",
        "assume",
        "doubt",
        "according",
        "accord",
    ]
)
# (name, words): a word's class is the '+'-joined names of every list it is in. Verbs of belief and
# intention ("cog") are there because PolNeAR counts them as attribution cues too.
_LISTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("onrec", lex.ON_RECORD_VERBS),
    ("claim", lex.CLAIM_VERBS),
    ("speech", lex.SPEECH_VERBS),
    ("stance", lex.STANCE_VERBS),
    ("deny", lex.DENIAL_VERBS),
    ("hedgev", lex.HEDGE_VERBS),
    ("modal", lex.HEDGE_MODALS),
    ("hedgeadv", lex.HEDGE_ADVERBS),
    ("hedgeadj", lex.HEDGE_ADJECTIVES | lex.PREDICATIVE_HEDGE_ADJECTIVES),
    ("hedgen", lex.HEDGE_NOUNS),
    ("assertn", lex.ASSERTION_NOUNS),
    ("hearsay", lex.HEARSAY_ADVERBS),
    ("unnamed", lex.UNNAMED_SOURCE_HEADS),
    ("srcnoun", lex.SOURCE_NOUNS),
    ("report", lex.REPORT_NOUNS),
    ("claimn", lex.CLAIM_NOUNS),
    ("false", lex.FALSEHOOD_ADJECTIVES | lex.FALSEHOOD_NOUNS),
    ("unconf", lex.UNCONFIRMED_WORDS),
    ("confirm", lex.CONFIRMATION_VERBS),
    ("weasel", lex.WEASEL_PASSIVE_VERBS),
    ("cond", lex.CONDITIONAL_MARKERS),
    ("cog", _COGNITION),
)


def _classes() -> dict[str, str]:
    names: dict[str, list[str]] = {}
    for name, words in _LISTS:
        for word in words:
            names.setdefault(word, []).append(name)
    return {word: "+".join(sorted(found)) for word, found in names.items()}


LEX_CLASS: dict[str, str] = _classes()
_CUE_CLASSES = frozenset(["onrec", "claim", "speech", "stance", "deny", "hedgev", "cog", "weasel", "confirm"])
CUE_WORDS = frozenset(word for word, names in LEX_CLASS.items() if _CUE_CLASSES & set(names.split("+")))
# Words of saying and believing only (no stances or acts): who claims what.
SPEAKING_WORDS = (
    frozenset(
        word
        for word, names in LEX_CLASS.items()
        if {"onrec", "claim", "speech", "cog", "hedgev", "weasel", "confirm"} & set(names.split("+"))
    )
    - lex.HEDGE_MODALS
)


def lex_class(lemma: str, lower: str) -> str:
    return LEX_CLASS.get(lemma) or LEX_CLASS.get(lower, "")


# --- per-paragraph arrays -----------------------------------------------------------------

_OPENING_QUOTES = frozenset(["“", "``"])
_CLOSING_QUOTES = frozenset(["”", "''"])
# Dependents whose presence under a token is a feature: what makes a verb a verb of saying here.
_CHILD_DEPS = frozenset(["agent", "ccomp", "dobj", "nsubj", "nsubjpass", "parataxis", "xcomp"])
_ANCESTOR_STEPS = 6


# A quoted run of at most this many words that closes in the paragraph is a scare quote ('a
# "student" AI', 'the "teacher" model') or a title, not someone's words.
SCARE_QUOTE_WORDS = 3


def quote_state(texts: Sequence[str]) -> list[int]:
    """Per token: 1 inside a quotation opened earlier in the paragraph and not yet closed, else 0.

    Straight quotes toggle; curly ones open and close. A closing mark counts as inside. A short
    quoted run (`SCARE_QUOTE_WORDS` words or fewer, closed in the paragraph) counts as outside.
    """
    inside = 0
    state = [0] * len(texts)
    opened = -1
    for i, text in enumerate(texts):
        if text == '"':
            state[i] = inside
            if inside:
                _unquote_if_short(texts, state, opened, i)
            else:
                opened = i
            inside ^= 1
            continue
        if text in _OPENING_QUOTES:
            inside, opened = 1, i
        elif text in _CLOSING_QUOTES:
            state[i] = inside
            if inside:
                _unquote_if_short(texts, state, opened, i)
            inside = 0
            continue
        state[i] = inside
    return state


def _unquote_if_short(texts: Sequence[str], state: list[int], opened: int, closed: int) -> None:
    words = sum(1 for text in texts[opened + 1 : closed] if any(char.isalnum() for char in text))
    if opened >= 0 and words <= SCARE_QUOTE_WORDS:
        for j in range(opened, closed + 1):
            state[j] = 0


class DocArrays:
    """What the features read of a parsed paragraph, as plain lists indexed by token.

    Read with one `Doc.to_array` call and memoised hash-to-string look-ups rather than token by
    token through spaCy's attribute properties: this is done for every paragraph indexed.
    """

    __slots__ = (
        "ancestor",
        "children",
        "clusters",
        "dep",
        "end",
        "head",
        "idx",
        "is_quote",
        "lemma",
        "lexc",
        "lower",
        "pos",
        "quote",
        "shape",
        "space",
        "tag",
        "vectors",
        "word",
    )

    def __init__(self, doc: Doc, clusters: Sequence[int] | None = None) -> None:
        text = _Strings(doc.vocab.strings)
        rows: list[list[int]] = doc.to_array(_ARRAY).view("int64").tolist() if len(doc) else []
        self.lower = [text.get(row[0]) for row in rows]
        self.lemma = [text.lowered(row[1]) for row in rows]
        self.pos = [text.get(row[2]) for row in rows]
        self.dep = [text.get(row[3]) for row in rows]
        self.tag = [text.get(row[4]) for row in rows]
        self.head = [i + row[5] for i, row in enumerate(rows)]
        self.idx = [row[6] for row in rows]
        self.end = [row[6] + row[7] for row in rows]
        self.space = [bool(row[8]) for row in rows]
        self.word = [not (row[9] or row[8]) for row in rows]
        self.shape = [
            "P" if row[9] else "D" if row[10] else "U" if row[11] else "T" if row[12] else "l" for row in rows
        ]
        self.is_quote = [row[13] for row in rows]
        self.quote = quote_state([text.get(row[14]) for row in rows])
        self.lexc = [_lex_class_cached(lemma, lower) for lemma, lower in zip(self.lemma, self.lower, strict=True)]
        self.ancestor = self._ancestors()
        children: list[set[str]] = [set() for _ in rows]
        for i, head in enumerate(self.head):
            if head != i and self.dep[i] in _CHILD_DEPS:
                children[head].add(self.dep[i])
        self.children = ["+".join(sorted(found)) if found else "" for found in children]
        self.clusters = [str(k) for k in clusters] if clusters is not None else None
        # The tok2vec rows, for the attribution LSTM (set by `AttributionLSTM.arrays`).
        self.vectors: Any = None

    def _ancestors(self) -> list[tuple[str, str]]:
        """Per token: the nearest ancestor (within 6 steps) that is a cue word used as a verb or noun,
        as (its lemma, the dependency of the step just below it); empty strings when there is none."""
        cue_node = [
            lemma in CUE_WORDS and pos in ("VERB", "AUX", "NOUN")
            for lemma, pos in zip(self.lemma, self.pos, strict=True)
        ]
        head, dep, lemma = self.head, self.dep, self.lemma
        found: list[tuple[str, str]] = []
        for i in range(len(head)):
            child, node, steps, ancestor = i, head[i], 1, _NO_ANCESTOR
            while node != child and steps <= _ANCESTOR_STEPS:
                if cue_node[node]:
                    ancestor = (lemma[node], dep[child])
                    break
                child, node = node, head[node]
                steps += 1
            found.append(ancestor)
        return found


_NO_ANCESTOR = ("", "")


def _array_attributes() -> list[int]:
    from spacy import attrs

    names = [
        "LOWER",
        "LEMMA",
        "POS",
        "DEP",
        "TAG",
        "HEAD",
        "IDX",
        "LENGTH",
        "IS_SPACE",
        "IS_PUNCT",
        "IS_DIGIT",
        "IS_UPPER",
        "IS_TITLE",
        "IS_QUOTE",
        "ORTH",
    ]
    return [getattr(attrs, name) for name in names]


_ARRAY: list[int | str] = []
# hash -> string; bounded: cleared when it grows past this many entries.
_STRING_LIMIT = 1_000_000
_TEXTS: dict[int, str] = {}
_LOWERED: dict[int, str] = {}


class _Strings:
    """Memoised hash-to-string look-ups (the StringStore's own look-up builds a new str each time)."""

    def __init__(self, store: object) -> None:
        if not _ARRAY:
            _ARRAY.extend(_array_attributes())
        if len(_TEXTS) > _STRING_LIMIT:
            _TEXTS.clear()
            _LOWERED.clear()
        self.store = store

    def get(self, key: int) -> str:
        found = _TEXTS.get(key)
        if found is None:
            found = _TEXTS[key] = self.store[key & 0xFFFFFFFFFFFFFFFF]  # type: ignore[index]
        return found

    def lowered(self, key: int) -> str:
        found = _LOWERED.get(key)
        if found is None:
            found = _LOWERED[key] = self.get(key).lower()
        return found


_LEX_MEMO: dict[tuple[str, str], str] = {}


def _lex_class_cached(lemma: str, lower: str) -> str:
    key = (lemma, lower)
    found = _LEX_MEMO.get(key)
    if found is None:
        if len(_LEX_MEMO) > _STRING_LIMIT:
            _LEX_MEMO.clear()
        found = _LEX_MEMO[key] = lex_class(lemma, lower)
    return found


# --- the rules' reading as token tags -----------------------------------------------------

# Cue kinds whose source the rules give: the source tokens are tagged SRC.
_SOURCE_KINDS = frozenset(["attribution", "stance", "denial"])


def rule_tags(start: int, end: int, arrays: DocArrays, analysis: SentenceAnalysis) -> list[str]:
    """Per token of the sentence `start:end` (paragraph token indices): the rules' CUE-<kind>, SRC or O.

    Cue and source offsets count from the start of the paragraph, as the token offsets do.
    """
    tags = ["O"] * (end - start)
    idx, ends = arrays.idx, arrays.end
    for cue in analysis.cues:
        if cue.kind in _SOURCE_KINDS and cue.source_start is not None and cue.source_end is not None:
            for i in range(start, end):
                if idx[i] < cue.source_end and ends[i] > cue.source_start:
                    tags[i - start] = "SRC"
        label = "CUE-" + cue.kind
        for i in range(start, end):
            if idx[i] < cue.end and ends[i] > cue.start:
                tags[i - start] = label
    return tags


# --- the template ---------------------------------------------------------------------------


def token_features(start: int, end: int, arrays: DocArrays, tags: Sequence[str] | None) -> list[list[str]]:
    """One feature list per token of the sentence `start:end` (paragraph token indices).

    `tags`: the rules' tags of the sentence (`rule_tags`), or None for a model trained without them.
    """
    a = arrays
    lower, lemma, pos, dep, lexc, quote, head = a.lower, a.lemma, a.pos, a.dep, a.lexc, a.quote, a.head
    clusters = a.clusters
    size = end - start
    has_quote = any(a.quote[start:end])  # a quotation, not a scare quote ('a "student" AI')
    has_cue = any(lexc[i] and (pos[i] in ("VERB", "AUX") or lemma[i] == "according") for i in range(start, end))
    root = next((i for i in range(start, end) if head[i] == i), start)
    sentence = f"sq={int(has_quote)}{a.is_quote[start]}{quote[start]}|{int(has_cue)}|{LEX_CLASS.get(lemma[root], '-')}"
    last = size - 1
    rows: list[list[str]] = []
    for j in range(size):
        i = start + j
        h = head[i]
        ancestor, below = a.ancestor[i]
        row = [
            "w=" + lower[i],
            "l=" + lemma[i],
            "p=" + pos[i],
            "d=" + dep[i],
            "s=" + a.shape[i],
            "lx=" + lexc[i],
            "hl=" + lemma[h],
            "hd=" + dep[h],
            "d|hl=" + dep[i] + "|" + lemma[h],
            "d|hlx=" + dep[i] + "|" + lexc[h],
            "q=" + str(quote[i]) + str(a.is_quote[i]),
            "al=" + ancestor,
            "alx=" + LEX_CLASS.get(ancestor, "") + "|" + below,
            "ch=" + a.children[i],
            sentence,
        ]
        if j == 0:
            row.append("BOS")
        elif j == last:
            row.append("EOS")
        if j > 0:
            m = i - 1
            row += ["-1w=" + lower[m], "-1p=" + pos[m] + "|" + dep[m], "-1x=" + lexc[m] + "|" + str(quote[m])]
        if j < last:
            m = i + 1
            row += ["1w=" + lower[m], "1p=" + pos[m] + "|" + dep[m], "1x=" + lexc[m] + "|" + str(quote[m])]
        if clusters is not None:
            row += ["k=" + clusters[i], "hk=" + clusters[h]]
            if j > 0:
                row.append("-1k=" + clusters[i - 1])
            if j < last:
                row.append("1k=" + clusters[i + 1])
        if tags is not None:
            row.append("r=" + tags[j])
            if j > 0:
                row.append("-1r=" + tags[j - 1])
            if j < last:
                row.append("1r=" + tags[j + 1])
        rows.append(row)
    return rows
