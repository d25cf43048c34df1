"""The same spaCy pipeline, faster: drop-in replacements for two components whose output is a pure
function of what they read, so every annotation stays identical.

Why: indexing parses every sentence, and two of the five components spend their time in Python,
not in the model. The attribute ruler runs a Matcher over 179 patterns (a tag map plus a few
exceptions) on every token; the lemmatizer recomputes the common "base form" answer each time
(it calls `token.morph.to_dict()` per token). Replacing both wins back about a sixth of the parse,
which pays for a good part of the learned attribution tagger (`index.claims.learned`).

- `CachedLemmatizer` caches every answer by (orth, pos, morph): exactly what `rule_lemmatize` reads.
- `FastAttributeRuler` files each pattern under the exact (hashed) values it requires, reads a
  doc's attributes in one `Doc.to_array` call and finds each token's matches by dict look-ups;
  matches are applied in pattern order, then position, as `AttributeRuler.set_annotations` does,
  so later patterns win as before.

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
            key = (token.orth, token.pos, token.morph.key)  # type: ignore[attr-defined]
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


# The token attributes single-token patterns may test, in the order of the `Doc.to_array` columns.
_FIELDS = ("TAG", "LOWER", "DEP", "IS_SPACE")
_COLUMN = {name: number for number, name in enumerate(_FIELDS)}
Row = list[int]
RowTest = Callable[[Row], bool]
_Table = dict[object, list[tuple[int, list[RowTest]]]]


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
    """A test on a token object (multi-token patterns, checked only where their anchor matched)."""
    tests = [(_GETTERS[key], _value_test(value)) for key, value in spec.items()]
    return lambda token: all(test(get(token)) for get, test in tests)


# A multi-token pattern: (attribute id, index of the token it sets, one test per token).
_Multi = tuple[int, int, list[TokenTest]]


class FastAttributeRuler:
    """The attribute ruler's patterns as dict look-ups on hashed attribute values.

    A single-token pattern is filed under the exact values it requires (each combination of its
    IN lists a key of its own) in a table for the attributes it names; what it asks beyond exact
    values (NOT_IN, REGEX) is tested only where its key matched. A doc's TAG, LOWER, DEP and
    IS_SPACE come out of one `Doc.to_array` call, so a token costs a few dict look-ups. Multi-token
    patterns are anchored on an exact LOWER or DEP value of one of their tokens.
    """

    def __init__(self, inner: Any) -> None:
        from operator import itemgetter

        self.attrs = inner.attrs
        self.strings = inner.vocab.strings
        self._regex_memo: dict[tuple[int, int], bool] = {}
        self._memo: dict[tuple[int, ...], tuple[list[int], list[tuple[_Multi, int]]]] = {}
        tables: dict[tuple[int, ...], _Table] = {}
        self.general: list[tuple[int, list[RowTest]]] = []
        self.multi: list[_Multi] = []
        self.anchors: dict[int, dict[int, list[tuple[_Multi, int]]]] = {_COLUMN["LOWER"]: {}, _COLUMN["DEP"]: {}}
        for attr_id, entry in enumerate(inner.patterns):
            index = inner.indices[attr_id]
            for pattern in entry["patterns"]:
                if any(set(spec) - set(_GETTERS) or "OP" in spec for spec in pattern):
                    raise UnsupportedPattern(f"pattern {pattern!r}")
                if len(pattern) == 1:
                    self._file_single(attr_id, index, pattern[0], tables)
                else:
                    self._file_multi(attr_id, index, pattern)
        self.tables = [(itemgetter(*signature), table) for signature, table in sorted(tables.items())]

    def _encode(self, field: str, value: object) -> int:
        """A pattern value as `Doc.to_array` gives it: a string's hash, a flag's 0 or 1."""
        if field == "IS_SPACE":
            if not isinstance(value, bool):
                raise UnsupportedPattern(f"IS_SPACE value {value!r}")
            return int(value)
        if not isinstance(value, str):
            raise UnsupportedPattern(f"{field} value {value!r}")
        return int(self.strings[value])

    def _file_single(
        self, attr_id: int, index: int, spec: dict[str, Any], tables: dict[tuple[int, ...], _Table]
    ) -> None:
        from itertools import product

        if index not in (0, -1) or set(spec) - set(_FIELDS):
            raise UnsupportedPattern(f"pattern {spec!r} (index {index})")
        exact: list[tuple[int, list[int]]] = []
        rest: list[RowTest] = []
        for field, value in sorted(spec.items(), key=lambda item: _COLUMN[item[0]]):
            column = _COLUMN[field]
            if isinstance(value, dict) and set(value) == {"IN"}:
                exact.append((column, [self._encode(field, one) for one in value["IN"]]))
            elif isinstance(value, dict) and set(value) == {"NOT_IN"}:
                rest.append(_not_in(column, frozenset(self._encode(field, one) for one in value["NOT_IN"])))
            elif isinstance(value, dict) and set(value) == {"REGEX"}:
                rest.append(self._regex_test(column, re.compile(value["REGEX"])))
            elif isinstance(value, dict):
                raise UnsupportedPattern(f"pattern value {value!r}")
            else:
                exact.append((column, [self._encode(field, value)]))
        if not exact:
            self.general.append((attr_id, rest))
            return
        table = tables.setdefault(tuple(column for column, _ in exact), {})
        for values in product(*(choices for _, choices in exact)):
            key: object = values[0] if len(values) == 1 else values
            table.setdefault(key, []).append((attr_id, rest))

    def _regex_test(self, column: int, pattern: re.Pattern[str]) -> RowTest:
        memo, strings, tag = self._regex_memo, self.strings, id(pattern)

        def test(row: Row) -> bool:
            key = (tag, row[column])
            found = memo.get(key)
            if found is None:
                found = memo[key] = bool(pattern.search(strings[row[column]]))
            return found

        return test

    def _file_multi(self, attr_id: int, index: int, pattern: list[dict[str, Any]]) -> None:
        entry: _Multi = (attr_id, index, [_token_test(spec) for spec in pattern])
        for at, spec in enumerate(pattern):
            for field in ("LOWER", "DEP"):
                value = spec.get(field)
                values = [value] if isinstance(value, str) else None
                if isinstance(value, dict) and set(value) == {"IN"}:
                    values = list(value["IN"])
                if values is not None:
                    for one in values:
                        self.anchors[_COLUMN[field]].setdefault(self._encode(field, one), []).append((entry, at))
                    return
        self.multi.append(entry)

    def _row_matches(self, row: Row) -> tuple[list[int], list[tuple[_Multi, int]]]:
        """The single-token patterns a token with these attributes matches, and the multi-token
        patterns anchored on it: a function of the row alone, so it is memoised per distinct row."""
        single: list[int] = []
        for key_of, table in self.tables:
            hits = table.get(key_of(row))
            if hits:
                single.extend(attr_id for attr_id, rest in hits if not rest or all(test(row) for test in rest))
        single.extend(attr_id for attr_id, rest in self.general if all(test(row) for test in rest))
        lower, dep = _COLUMN["LOWER"], _COLUMN["DEP"]
        anchored = [*self.anchors[lower].get(row[lower], ()), *self.anchors[dep].get(row[dep], ())]
        return single, anchored

    def __call__(self, doc: Doc) -> Doc:
        from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
        from spacy.tokens._retokenize import set_token_attrs

        size = len(doc)
        rows: list[Row] = doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist() if size else []
        memo = self._memo
        if len(memo) > _CACHE_LIMIT:
            memo.clear()
        found: list[tuple[int, int]] = []
        for i, row in enumerate(rows):
            key = tuple(row)
            matches = memo.get(key)
            if matches is None:
                matches = memo[key] = self._row_matches(row)
            single, anchored = matches
            for attr_id in single:
                found.append((attr_id, i))
            for (attr_id, index, tests), at in anchored:
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


def _not_in(column: int, banned: frozenset[int]) -> RowTest:
    return lambda row: row[column] not in banned


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
            components[number] = (name, CachedLemmatizer(component))
        elif isinstance(component, AttributeRuler):
            try:
                components[number] = (name, FastAttributeRuler(component))
            except UnsupportedPattern as error:
                log.info("attribute ruler kept as it is: %s", error)
    return nlp


def parse_annotations(doc: Doc) -> list[tuple[str, str, str, str, str, str, int, bool]]:
    """Everything the parse leaves on a doc that factdesk reads, for comparing two pipelines."""
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, bool(t.is_sent_start)) for t in doc]
