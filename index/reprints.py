"""Which articles reprint another's text: a wire story run by several outlets.

Grouped at indexing time (`index.feeds.reprints.group_reprints`, MinHash LSH over word shingles)
and stored with each article in the catalog: `reprint_of` (the canonical article of its group,
on every copy) and `also_in` (the other outlets carrying the same text, on every member). An
answer lists `also_in` with each source, and corroboration counts a group once.

Signatures are the costly part, so they are kept between runs in the data folder, by body.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.articles import Article

log = logging.getLogger(__name__)

CACHE_NAME = "reprint-signatures.npz"


@dataclass(frozen=True)
class ReprintInfo:
    reprint_of: str | None = None
    also_in: tuple[str, ...] = ()


class SignatureCache(MutableMapping[str, object]):
    """Signatures by body key, loaded from and saved to one .npz file (a few MB at 10k articles)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._values: dict[str, object] = {}
        self.changed = False
        if path.is_file():
            with contextlib.suppress(OSError, ValueError, KeyError):
                self._values = self._load()

    def _load(self) -> dict[str, object]:
        from datasketch import LeanMinHash

        from index.feeds.reprints import _SCHEME, _SEED

        with np.load(self.path, allow_pickle=False) as data:
            keys = [str(key) for key in data["keys"]]
            values = data["values"]
            empty = data["empty"]
        loaded: dict[str, object] = {}
        for key, row, is_empty in zip(keys, values, empty, strict=True):
            loaded[key] = None if is_empty else LeanMinHash(seed=_SEED, hashvalues=row, scheme=_SCHEME)
        return loaded

    def save(self) -> None:
        if not self.changed:
            return
        from index.feeds.reprints import NUM_PERM

        keys = list(self._values)
        rows = np.zeros((len(keys), NUM_PERM), dtype=np.uint64)
        empty = np.zeros(len(keys), dtype=bool)
        for number, key in enumerate(keys):
            value = self._values[key]
            if value is None:
                empty[number] = True
            else:
                rows[number] = np.asarray(value.hashvalues, dtype=np.uint64)  # type: ignore[attr-defined]
        temporary = self.path.with_suffix(".tmp.npz")
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(temporary, keys=np.array(keys), values=rows, empty=empty)
            temporary.replace(self.path)
            self.changed = False

    def __getitem__(self, key: str) -> object:
        return self._values[key]

    def __setitem__(self, key: str, value: object) -> None:
        self._values[key] = value
        self.changed = True

    def __delitem__(self, key: str) -> None:
        del self._values[key]
        self.changed = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def find_reprints(articles: Sequence[Article], data_dir: Path) -> dict[str, ReprintInfo]:
    """Article id -> its group's facts, for every article that belongs to a group."""
    from index.feeds.reprints import group_reprints

    cache = SignatureCache(data_dir / CACHE_NAME)
    groups = group_reprints(articles, cache=cache)
    cache.save()
    found: dict[str, ReprintInfo] = {}
    for group in groups:
        outlets = {group.canonical_id: group.canonical_outlet} | {c.article_id: c.outlet for c in group.copies}
        for member, own in outlets.items():
            others = tuple(
                dict.fromkeys(outlet for other, outlet in outlets.items() if other != member and outlet != own)
            )
            found[member] = ReprintInfo(None if member == group.canonical_id else group.canonical_id, others)
    if groups:
        log.info("%d reprint groups among %d articles", len(groups), len(articles))
    return found
