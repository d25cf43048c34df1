"""Wire copies: one story carried by several outlets, found by MinHash LSH over word shingles.

Outlets run an agency story under their own headline, often with a changed first line or a
local paragraph added, so the comparison is of bodies only, by word shingles (headlines, case
and punctuation do not matter), and two bodies count as one story when their estimated Jaccard
similarity is at least `threshold`. Copies are grouped transitively (A~B and B~C: one group).

Pure and incremental-friendly: the result depends only on the articles given, and the costly
part, one signature per body, can be kept between calls in `cache` (keyed by a hash of the
normalised body), so re-grouping after a few new articles signs only those.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from index.articles import Article

NUM_PERM = 128
SHINGLE_WORDS = 4
DEFAULT_THRESHOLD = 0.5
# Bodies with fewer words than this are not grouped: short briefs share too many stock phrases.
MIN_WORDS = 40
_SEED = 7  # fixed, so signatures kept in a cache stay comparable across processes

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Reprint:
    """One copy of a story other than the canonical one."""

    article_id: str
    outlet: str
    similarity: float  # estimated Jaccard similarity of its body to the canonical one


@dataclass(frozen=True)
class ReprintGroup:
    """A story and its copies. The canonical article is the earliest published (undated ones
    come last), then the lexically smallest id, so the choice is stable from run to run."""

    canonical_id: str
    canonical_outlet: str
    copies: tuple[Reprint, ...]

    @property
    def article_ids(self) -> tuple[str, ...]:
        return (self.canonical_id, *(copy.article_id for copy in self.copies))

    @property
    def outlets(self) -> tuple[str, ...]:
        """Every outlet carrying the story, canonical first, each once (for `also_in`)."""
        return tuple(dict.fromkeys((self.canonical_outlet, *(copy.outlet for copy in self.copies))))


def words_of(body: str) -> list[str]:
    """Lower-cased words: what shingles are made of (headline, case and punctuation left out)."""
    return _WORD.findall(body.lower())


def body_key(body: str) -> str:
    """The cache key of a body: equal for bodies that differ only in case, spacing or punctuation."""
    return _key(words_of(body))


def _key(words: list[str]) -> str:
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


# Word -> 32-bit hash, shared across calls: a corpus repeats its words, and hashing each word
# once is what makes 10,000 articles take seconds. blake2b, not hash(): a signature kept in a
# cache must mean the same in the next process.
_WORD_HASHES: dict[str, int] = {}
_MAX_CACHED_WORDS = 1_000_000


def _word_hash(word: str) -> int:
    value = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=4).digest(), "little")
    if len(_WORD_HASHES) >= _MAX_CACHED_WORDS:
        _WORD_HASHES.clear()
    _WORD_HASHES[word] = value
    return value


def shingle_hashes(words: Sequence[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """32-bit hashes of the distinct runs of `size` consecutive words, combined with numpy."""
    count = len(words) - size + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    cached = _WORD_HASHES.get
    hashed = np.array([cached(word) or _word_hash(word) for word in words], dtype=np.uint64)
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        combined = ((combined * np.uint64(0x01000193)) ^ hashed[offset : offset + count]) & np.uint64(0xFFFFFFFF)
    return np.unique(combined)


@lru_cache(maxsize=1)
def _empty_minhash() -> MinHash:
    """Built once: drawing the permutations is the costly part of making a MinHash."""
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=int)


def signature(body: str) -> LeanMinHash | None:
    """The MinHash signature of a body's word shingles, or None when it is too short to compare."""
    return _signature(words_of(body))


def _signature(words: list[str]) -> LeanMinHash | None:
    if len(words) < MIN_WORDS:
        return None
    minhash = _empty_minhash().copy()
    minhash.update_batch(shingle_hashes(words).tolist())
    return LeanMinHash(minhash)


def group_reprints(
    articles: Sequence[Article],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    cache: MutableMapping[str, LeanMinHash | None] | None = None,
) -> list[ReprintGroup]:
    """Groups of two or more articles telling the same story, sorted by canonical id.

    Articles in no group are left out. `cache` (any mutable mapping, e.g. a dict kept by the
    caller) holds signatures by `body_key`, so only bodies not seen before are signed.
    """
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    by_id = {article.id: article for article in articles}
    signatures: dict[str, LeanMinHash] = {}
    for article_id, article in by_id.items():
        words = words_of(article.body)
        key = _key(words)
        if cache is not None and key in cache:
            sig = cache[key]
        else:
            sig = _signature(words)
            if cache is not None:
                cache[key] = sig
        if sig is not None:
            signatures[article_id] = sig
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for article_id, sig in signatures.items():
            session.insert(article_id, sig, check_duplication=False)
    parent = {article_id: article_id for article_id in signatures}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for article_id, sig in signatures.items():
        for other in lsh.query(sig):
            if other != article_id and sig.jaccard(signatures[other]) >= threshold:
                a, b = find(article_id), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for article_id in signatures:
        members.setdefault(find(article_id), []).append(article_id)
    groups = [_group(ids, by_id, signatures) for ids in members.values() if len(ids) > 1]
    return sorted(groups, key=lambda group: group.canonical_id)


def _group(ids: list[str], by_id: dict[str, Article], signatures: dict[str, LeanMinHash]) -> ReprintGroup:
    def order(article_id: str) -> tuple[bool, date, str]:
        published = by_id[article_id].meta.published
        return (published is None, published or date.max, article_id)

    ranked = sorted(ids, key=order)
    canonical = ranked[0]
    copies = tuple(
        Reprint(
            article_id=article_id,
            outlet=by_id[article_id].meta.outlet,
            similarity=round(float(signatures[canonical].jaccard(signatures[article_id])), 3),
        )
        for article_id in ranked[1:]
    )
    return ReprintGroup(canonical_id=canonical, canonical_outlet=by_id[canonical].meta.outlet, copies=copies)
