"""Maps between external identifiers and the dense indices 0..n-1 that arrays use."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from keten.core.errors import UnknownIdError

__all__ = ["IndexMap", "positions_of"]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class IndexMap(Generic[K]):
    """A frozen bijection between identifiers and positions 0..n-1, in the order given."""

    ids: tuple[K, ...]
    _positions: dict[K, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        positions = {key: i for i, key in enumerate(self.ids)}
        if len(positions) != len(self.ids):
            seen: set[K] = set()
            dupes = [k for k in self.ids if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
            raise ValueError(f"identifiers must be unique; repeated: {dupes[:5]!r}")
        object.__setattr__(self, "_positions", positions)

    @classmethod
    def from_ids(cls, ids: Iterable[K]) -> IndexMap[K]:
        """Return the map of ``ids`` in their given order."""
        return cls(tuple(ids))

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def index(self, key: K) -> int:
        """Return the position of ``key``; raises UnknownIdError for an unknown one."""
        try:
            return self._positions[key]
        except KeyError:
            raise UnknownIdError(key) from None

    def indices(self, keys: Sequence[K]) -> npt.NDArray[np.int64]:
        """Return the positions of ``keys``, shape (len(keys),)."""
        positions = self._positions
        try:
            return np.fromiter((positions[k] for k in keys), dtype=np.int64, count=len(keys))
        except KeyError as exc:
            raise UnknownIdError(exc.args[0]) from None

    def key(self, index: int) -> K:
        """Return the identifier at ``index``."""
        return self.ids[index]


def positions_of(ids: npt.NDArray[np.int64], values: Iterable[int]) -> npt.NDArray[np.int64]:
    """Return the position in ``ids`` of each of ``values`` (non-negative integer keys), -1 where absent.

    One array lookup instead of a dict per value: for database ids, which are small non-negative
    integers, this is what a column of foreign keys becomes positions by.
    """
    table = np.full(int(ids.max(initial=0)) + 2, -1, dtype=np.int64)
    table[ids] = np.arange(ids.size, dtype=np.int64)
    wanted = np.fromiter(values, dtype=np.int64)
    return table[np.clip(wanted, 0, table.size - 1)]
