"""The same spaCy pipeline, faster: drop-in replacements for two components whose output is a pure
function of what they read, so every annotation stays identical.

Why: indexing parses every sentence, and two of the five components spend their time in Python,
not in the model. The attribute ruler runs a Matcher over 179 patterns (a tag map plus a few
exceptions) on every token; the lemmatizer recomputes the common "base form" answer each time
(it calls `token.morph.to_dict()` per token). Replacing both wins back about a sixth of the parse,
which pays for a good part of the learned attribution tagger (`index.claims.learned`).

- `CachedLemmatizer` caches every answer by (orth, pos, morph): exactly what `rule_lemmatize` reads.
- `FastAttributeRuler` files each single-token pattern under one exact value it requires (TAG,
  else LOWER, else DEP, else IS_SPACE) and tests it fully only when it needs more; multi-token
  patterns are anchored on a LOWER or DEP value. Matches are applied in pattern order, then
  position, as `AttributeRuler.set_annotations` does, so later patterns win as before.

A pattern this module does not understand (an operator, another attribute) leaves the stock
component in place: the parse is then as fast as before, never different. `tests/test_learned.py`
compares every annotation of both pipelines on sentences written for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

log = logging.getLogger(__name__)

# The lemma cache is cleared when it grows past this many (orth, pos, morph) keys: bounded memory
# on a long indexing run, and a week of news has far fewer distinct words.
_CACHE_LIMIT = 500_000

TokenTest = Callable[["Token"], bool]


class CachedLemmatizer:
    """spaCy's rule lemmatizer with every answer cached by the inputs it reads."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cache: dict[tuple[int, int, int], int] = {}
        self.strings = inner.vocab.strings

    def __call__(self, doc: Doc) -> Doc:
        cache = self.cache
        overwrite = self.inner.overwrite
        for token in doc:
            if not overwrite and token.lemma != 0:
                continue
            key = (token.orth, token.pos, token.morph.key)
            lemma = cache.get(key)
            if lemma is None:
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                lemma = self.strings.add(self.inner.lemmatize(token)[0])
                cache[key] = lemma
            token.lemma = lemma
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


class UnsupportedPattern(ValueError):
    """An attribute-ruler pattern outside what `FastAttributeRuler` reproduces exactly."""


def _value_test(spec: object) -> Callable[[object], bool]:
    if isinstance(spec, dict):
        if set(spec) == {"IN"}:
            allowed = frozenset(spec["IN"])
            return lambda value: value in allowed
        if set(spec) == {"NOT_IN"}:
            banned = frozenset(spec["NOT_IN"])
            return lambda value: value not in banned
        if set(spec) == {"REGEX"}:
            pattern = re.compile(spec["REGEX"])
            return lambda value: bool(pattern.search(str(value)))
        raise UnsupportedPattern(f"pattern value {spec!r}")
    return lambda value: value == spec


_GETTERS: dict[str, Callable[[Token], object]] = {
    "TAG": lambda token: token.tag_,
    "LOWER": lambda token: token.lower_,
    "DEP": lambda token: token.dep_,
    "IS_SPACE": lambda token: token.is_space,
    "ORTH": lambda token: token.text,
    "POS": lambda token: token.pos_,
}


def _token_test(spec: dict[str, object]) -> TokenTest:
    tests = [(_GETTERS[key], _value_test(value)) for key, value in spec.items()]
    return lambda token: all(test(get(token)) for get, test in tests)


# A multi-token pattern: (attribute id, index of the token it sets, one test per token).
_Multi = tuple[int, int, list[TokenTest]]


class FastAttributeRuler:
    """The attribute ruler's patterns as dict look-ups (see the module docstring)."""

    _KEYS = ("TAG", "LOWER", "DEP", "IS_SPACE")

    def __init__(self, inner: Any) -> None:
        self.attrs = inner.attrs
        self.index: dict[str, dict[object, list[tuple[int, TokenTest | None]]]] = {key: {} for key in self._KEYS}
        self.general: list[tuple[int, TokenTest]] = []
        self.multi: list[_Multi] = []
        self.multi_index: dict[str, dict[str, list[tuple[_Multi, int]]]] = {"LOWER": {}, "DEP": {}}
        for attr_id, entry in enumerate(inner.patterns):
            index = inner.indices[attr_id]
            for pattern in entry["patterns"]:
                if any(set(spec) - set(_GETTERS) or "OP" in spec for spec in pattern):
                    raise UnsupportedPattern(f"pattern {pattern!r}")
                if len(pattern) == 1:
                    self._file_single(attr_id, index, pattern[0])
                else:
                    self._file_multi(attr_id, index, pattern)

    def _file_single(self, attr_id: int, index: int, spec: dict[str, Any]) -> None:
        if index not in (0, -1):
            raise UnsupportedPattern(f"index {index} for {spec!r}")
        test = _token_test(spec)
        for key in self._KEYS:
            value = spec.get(key)
            values: list[object] | None = [value] if isinstance(value, str | bool) else None
            if isinstance(value, dict) and set(value) == {"IN"}:
                values = list(value["IN"])
            if values is None or value is False:
                continue
            exact = len(spec) == 1 and not isinstance(value, dict)
            for one in values:
                self.index[key].setdefault(one, []).append((attr_id, None if exact else test))
            return
        self.general.append((attr_id, test))

    def _file_multi(self, attr_id: int, index: int, pattern: list[dict[str, Any]]) -> None:
        entry: _Multi = (attr_id, index, [_token_test(spec) for spec in pattern])
        for at, spec in enumerate(pattern):
            for key in ("LOWER", "DEP"):
                value = spec.get(key)
                if isinstance(value, str):
                    self.multi_index[key].setdefault(value, []).append((entry, at))
                    return
                if isinstance(value, dict) and set(value) == {"IN"}:
                    for one in value["IN"]:
                        self.multi_index[key].setdefault(one, []).append((entry, at))
                    return
        self.multi.append(entry)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens._retokenize import set_token_attrs

        found: list[tuple[int, int]] = []
        size = len(doc)
        by_tag, by_lower, by_dep, by_space = (self.index[key] for key in self._KEYS)
        multi_lower, multi_dep = self.multi_index["LOWER"], self.multi_index["DEP"]
        nothing: list[tuple[int, TokenTest | None]] = []
        for token in doc:
            i = token.i
            lower, dep = token.lower_, token.dep_
            for table, value in ((by_tag, token.tag_), (by_lower, lower), (by_dep, dep)):
                for attr_id, test in table.get(value, nothing):
                    if test is None or test(token):
                        found.append((attr_id, i))
            if by_space and token.is_space:
                for attr_id, test in by_space.get(True, nothing):
                    if test is None or test(token):
                        found.append((attr_id, i))
            for attr_id, general in self.general:
                if general(token):
                    found.append((attr_id, i))
            for multi_table, value in ((multi_lower, lower), (multi_dep, dep)):
                for (attr_id, index, tests), at in multi_table.get(value, ()):
                    start = i - at
                    if start >= 0 and start + len(tests) <= size and _matches(doc, start, tests):
                        found.append((attr_id, start + index if index >= 0 else start + len(tests) + index))
        for attr_id, index, tests in self.multi:
            for start in range(size - len(tests) + 1):
                if _matches(doc, start, tests):
                    found.append((attr_id, start + index if index >= 0 else start + len(tests) + index))
        found.sort()  # pattern order, then position: later patterns win, as in AttributeRuler
        for attr_id, i in found:
            set_token_attrs(doc[i], self.attrs[attr_id])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)


def _matches(doc: Doc, start: int, tests: list[TokenTest]) -> bool:
    return all(test(doc[start + k]) for k, test in enumerate(tests))


def speed_up(nlp: Language) -> Language:
    """Swap the lemmatizer and attribute ruler of a loaded pipeline in place (same names, same order).

    `Language` has no public way to replace a component by an object (only by a registered
    factory), so the swap edits its component list; each replacement falls back to the original
    when it cannot reproduce it exactly.
    """
    from spacy.pipeline import AttributeRuler, Lemmatizer

    components = nlp._components
    for number, (name, component) in enumerate(components):
        if isinstance(component, Lemmatizer) and component.mode == "rule":
            components[number] = (name, CachedLemmatizer(component))  # type: ignore[arg-type]
        elif isinstance(component, AttributeRuler):
            try:
                components[number] = (name, FastAttributeRuler(component))  # type: ignore[arg-type]
            except UnsupportedPattern as error:
                log.info("attribute ruler kept as it is: %s", error)
    return nlp


def annotations(doc: Doc) -> list[tuple[str, str, str, str, str, str, int, bool]]:
    """Everything the parse leaves on a doc that factdesk reads, for comparing two pipelines."""
    return [
        (t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, bool(t.is_sent_start)) for t in doc
    ]
