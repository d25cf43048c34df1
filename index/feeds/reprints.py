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
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from index.articles import Article

NUM_PERM = 128
SHINGLE_WORDS = 4
DEFAULT_THRESHOLD = 0.5
# Bodies with fewer words than this are not grouped: short briefs share too many stock phrases.
MIN_WORDS = 40
_SEED = 7  # fixed, so signatures kept in a cache stay comparable across processes


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


# Text is read as UTF-8 bytes with numpy, not word by word in Python (that loop was most of
# the time for 10,000 articles). A word is a run of ASCII letters and digits or of non-ASCII
# bytes (letters of other scripts); the non-ASCII punctuation that news text is full of (curly
# quotes, dashes, no-break spaces, guillemets) is turned into spaces first.
_PUNCTUATION = str.maketrans(
    {chr(code): " " for code in (*range(0x80, 0xC0), 0xD7, 0xF7, *range(0x2000, 0x2070), *range(0x3000, 0x3040))}
)
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = True
_WORD_BYTE[0x80:] = True

# Each word's hash is a polynomial in the odd base P, mod 2^64, taken from prefix sums of
# c_j * P^j over the whole text and shifted back by P^-start (P is odd, so it has an inverse).
_P = 0x100000001B3
_P_INVERSE = pow(_P, -1, 2**64)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_powers = np.ones(1, dtype=np.uint64)
_inverse_powers = np.ones(1, dtype=np.uint64)


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """P^j and P^-j mod 2^64 for j < length, grown by doubling and kept between calls."""
    global _powers, _inverse_powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers), 4096)
        _powers = _cumulative_powers(_P, size)
        _inverse_powers = _cumulative_powers(_P_INVERSE, size)
    return _powers[:length], _inverse_powers[:length]


def _cumulative_powers(base: int, size: int) -> np.ndarray:
    """base^0 .. base^(size-1) mod 2^64 (numpy's unsigned products wrap around, as wanted)."""
    return np.concatenate(([np.uint64(1)], np.cumprod(np.full(size - 1, base, dtype=np.uint64), dtype=np.uint64)))


def word_hashes(body: str) -> np.ndarray:
    """One 64-bit hash per word of `body`, in order; case and punctuation do not count."""
    data = np.frombuffer(body.lower().translate(_PUNCTUATION).encode("utf-8"), dtype=np.uint8)
    is_word = _WORD_BYTE[data]
    edges = np.flatnonzero(np.diff(np.concatenate(([False], is_word, [False])).astype(np.int8)))
    if not len(edges):
        return np.zeros(0, dtype=np.uint64)
    starts, ends = edges[0::2], edges[1::2]
    powers, inverse = _power_tables(len(data))
    terms = (data.astype(np.uint64) + np.uint64(1)) * powers * is_word
    prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(terms, dtype=np.uint64)))
    hashes = (prefix[ends] - prefix[starts]) * inverse[starts]
    mixed: np.ndarray = (hashes ^ (hashes >> np.uint64(31))) * _MIX
    return mixed


def body_key(body: str) -> str:
    """The cache key of a body: equal for bodies that differ only in case, spacing or punctuation."""
    return _key(word_hashes(body))


def _key(words: np.ndarray) -> str:
    return hashlib.sha256(words.tobytes()).hexdigest()


def shingle_hashes(words: np.ndarray, size: int = SHINGLE_WORDS) -> np.ndarray:
    """32-bit hashes of the distinct runs of `size` consecutive words (given as word hashes)."""
    count = len(words) - size + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint32)
    combined = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        combined = (combined ^ words[offset : offset + count]) * _MIX
    return np.unique((combined >> np.uint64(32)).astype(np.uint32))


# Affine permutations of 32-bit values, (a*x + b) mod 2^32 with odd a, drawn once from a fixed
# seed so that signatures kept in a cache stay comparable in the next process; x is already a
# well-mixed hash, as in datasketch's own "affine32" scheme. Signatures are computed with numpy
# for all shingles at once (datasketch's update hashes value by value in Python) and handed to
# datasketch as hash values: every signature here comes from this one family, so LSH banding
# and Jaccard estimates compare like with like.
_RNG = np.random.default_rng(_SEED)
_A = _RNG.integers(0, 2**31, size=NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
_B = _RNG.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32)
_SCHEME = "affine32"


def _minhash_values(hashes: np.ndarray) -> np.ndarray:
    values: np.ndarray = (hashes[:, None] * _A[None, :] + _B[None, :]).min(axis=0)
    return values


def signature(body: str) -> LeanMinHash | None:
    """The MinHash signature of a body's word shingles, or None when it is too short to compare."""
    return _signature(word_hashes(body))


def _signature(words: np.ndarray) -> LeanMinHash | None:
    if len(words) < MIN_WORDS:
        return None
    return LeanMinHash(seed=_SEED, hashvalues=_minhash_values(shingle_hashes(words)), scheme=_SCHEME)


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
        words = word_hashes(article.body)
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
