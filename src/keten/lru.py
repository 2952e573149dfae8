"""A map bounded in bytes that a stream of one-time reads cannot empty of what is read again.

A plain least-recently-used map bounded in bytes keeps whatever came last: when readers ask for
many things once each (a walk through every passport, first scans of new machines), those fill the
map and push out the answers asked over and over (the working set), which must then be worked out
again. :class:`SegmentedLru` is a segmented LRU: what is put in starts on probation, and only a
second read moves it to the protected segment (at most ``protected_share`` of the bytes). Room is
made by dropping the least recently used entry on probation first, so one-time reads only ever
push out other one-time reads while the protected segment holds what is read again; when the
protected segment is full, its least recently used entry goes back to probation, not out.

Thread-safe; counts what it did (:class:`StoreStats`) so a test or an operator can see whether a
working set stays in memory without timing anything.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["SegmentedLru", "StoreStats"]

V = TypeVar("V")


@dataclass(frozen=True)
class StoreStats:
    """What a :class:`SegmentedLru` did since it was made, and what it holds now."""

    hits: int = 0
    misses: int = 0
    kept: int = 0
    """Entries put in."""
    evicted: int = 0
    """Entries dropped to stay within the bytes."""
    too_large: int = 0
    """Entries not kept because one alone was over a quarter of the bytes."""
    entries: int = 0
    protected_entries: int = 0
    """Entries read at least once after they were put in, and not pushed back to probation since."""
    bytes: int = 0
    max_bytes: int = 0


@dataclass
class _Counts:
    hits: int = 0
    misses: int = 0
    kept: int = 0
    evicted: int = 0
    too_large: int = 0


class SegmentedLru(Generic[V]):
    """A segmented LRU map of values with a size in bytes each (see the module's docstring)."""

    def __init__(self, max_bytes: int, protected_share: float = 0.8) -> None:
        if max_bytes <= 0 or not 0 < protected_share < 1:
            raise ValueError("max_bytes must be positive and protected_share between 0 and 1")
        self.max_bytes = max_bytes
        self.protected_bytes = int(max_bytes * protected_share)
        self._probation: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._protected: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._probation_size = 0
        self._protected_size = 0
        self._counts = _Counts()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """Return the value kept under ``key`` (and mark it read), or None."""
        with self._lock:
            found = self._protected.get(key)
            if found is not None:
                self._protected.move_to_end(key)
                self._counts.hits += 1
                return found[0]
            found = self._probation.pop(key, None)
            if found is None:
                self._counts.misses += 1
                return None
            self._counts.hits += 1
            self._probation_size -= found[1]
            self._protected[key] = found
            self._protected_size += found[1]
            while self._protected_size > self.protected_bytes and len(self._protected) > 1:
                demoted_key, demoted = self._protected.popitem(last=False)
                self._protected_size -= demoted[1]
                self._probation[demoted_key] = demoted
                self._probation_size += demoted[1]
            return found[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        """Keep ``value`` (taking ``size`` bytes) under ``key``, on probation until read again."""
        with self._lock:
            if size > self.max_bytes // 4:
                self._counts.too_large += 1
                return
            self._drop(key)
            self._probation[key] = (value, size)
            self._probation_size += size
            self._counts.kept += 1
            while self._probation_size + self._protected_size > self.max_bytes:
                segment = self._probation if self._probation else self._protected
                _, (_, dropped) = segment.popitem(last=False)
                if segment is self._probation:
                    self._probation_size -= dropped
                else:
                    self._protected_size -= dropped
                self._counts.evicted += 1

    def _drop(self, key: Hashable) -> None:
        old = self._probation.pop(key, None)
        if old is not None:
            self._probation_size -= old[1]
        old = self._protected.pop(key, None)
        if old is not None:
            self._protected_size -= old[1]

    def clear(self) -> None:
        """Drop every entry (the counters stay)."""
        with self._lock:
            self._probation.clear()
            self._protected.clear()
            self._probation_size = self._protected_size = 0

    def stats(self) -> StoreStats:
        """Return the counters, with the entries and bytes held now."""
        with self._lock:
            return StoreStats(
                **dataclasses.asdict(self._counts),
                entries=len(self._probation) + len(self._protected),
                protected_entries=len(self._protected),
                bytes=self._probation_size + self._protected_size,
                max_bytes=self.max_bytes,
            )
