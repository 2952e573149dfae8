"""Bills of materials as sparse graphs: levels, cycle detection, explosion and where-used.

A BOM of ``n`` parts is given as edge triplets ``(parent, child, quantity)`` over indices
0..n-1, where ``quantity`` is how much of the child goes into one unit of the parent. Several
edges between the same pair (the same child at two positions) add up.

Parts are sorted into levels by the longest path from a part that has no parent, so every edge
goes from a lower level to a higher one. Explosion then is one sparse pass per level, top down;
where-used is the same pass bottom up. Nothing is inverted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from keten.core.errors import BomCycleError, CoreError

__all__ = ["BomGraph", "build_bom", "explode", "where_used"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BomGraph:
    """A BOM ready for explosion: edges grouped by the level of their parent.

    ``edge_parent``, ``edge_child``, ``edge_quantity``: shape (m,), sorted by ``level[parent]``.
    ``level``: shape (n,), longest path from a part without parent.
    ``level_ptr``: shape (depth + 2,); edges whose parent is at level L are
    ``level_ptr[L]:level_ptr[L + 1]``.
    """

    n: int
    edge_parent: IntArray
    edge_child: IntArray
    edge_quantity: FloatArray
    level: IntArray
    level_ptr: IntArray

    @property
    def depth(self) -> int:
        """Return the highest level any part has (0 for a BOM without edges)."""
        return int(self.level.max()) if self.n else 0


def _gather_rows(ptr: IntArray, rows: IntArray) -> IntArray:
    """Return the positions ptr[r]..ptr[r+1]-1 of every row r in ``rows``, concatenated."""
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return offsets + np.arange(total, dtype=np.int64)


def _find_cycle(n: int, parent: IntArray, child: IntArray, stuck: npt.NDArray[np.bool_]) -> list[int]:
    """Return one cycle among the ``stuck`` parts, as a parent→child path that ends where it starts.

    Every stuck part has a stuck parent (that is why it is stuck), so walking from parent to
    parent among stuck parts must revisit one: the walk between the two visits is a cycle.
    """
    keep = stuck[parent] & stuck[child]
    stuck_parent_of: dict[int, int] = {}
    for p, c in zip(parent[keep].tolist(), child[keep].tolist(), strict=True):
        stuck_parent_of.setdefault(c, p)
    start = int(np.flatnonzero(stuck)[0])
    seen: dict[int, int] = {}
    walk: list[int] = []
    node = start
    while node not in seen:
        seen[node] = len(walk)
        walk.append(node)
        node = stuck_parent_of[node]
    upward = [*walk[seen[node] :], node]
    return upward[::-1]


def build_bom(
    n: int,
    parent: npt.ArrayLike,
    child: npt.ArrayLike,
    quantity: npt.ArrayLike,
    *,
    labels: Sequence[str] | None = None,
) -> BomGraph:
    """Return the BOM graph of ``n`` parts; raises BomCycleError naming a cycle if there is one.

    ``parent``, ``child``: shape (m,), indices in 0..n-1; ``quantity``: shape (m,), positive.
    ``labels`` (shape (n,)) name the parts in error messages.
    """
    p = np.asarray(parent, dtype=np.int64)
    c = np.asarray(child, dtype=np.int64)
    q = np.asarray(quantity, dtype=np.float64)
    if not (p.shape == c.shape == q.shape) or p.ndim != 1:
        raise CoreError("parent, child and quantity must be 1-d arrays of the same length")
    if p.size and (min(p.min(), c.min()) < 0 or max(p.max(), c.max()) >= n):
        raise CoreError(f"edge indices must lie in 0..{n - 1}")
    if p.size and not np.all(q > 0):
        raise CoreError("every BOM quantity must be positive")

    out_order = np.argsort(p, kind="stable")
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(p, minlength=n), out=out_ptr[1:])
    out_child = c[out_order]

    remaining = np.bincount(c, minlength=n).astype(np.int64)
    level = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(remaining == 0)
    done = 0
    current = 0
    while frontier.size:
        level[frontier] = current
        done += frontier.size
        kids = out_child[_gather_rows(out_ptr, frontier)]
        if kids.size == 0:
            break
        dropped = np.bincount(kids, minlength=n)
        remaining -= dropped
        frontier = np.flatnonzero((dropped > 0) & (remaining == 0))
        current += 1

    if done < n:
        cycle = _find_cycle(n, p, c, remaining > 0)
        names = [labels[i] if labels is not None else str(i) for i in cycle]
        raise BomCycleError(names)

    edge_level = level[p]
    order = np.argsort(edge_level, kind="stable")
    depth = int(level.max()) if n else 0
    level_ptr = np.zeros(depth + 2, dtype=np.int64)
    np.cumsum(np.bincount(edge_level, minlength=depth + 1), out=level_ptr[1:])
    return BomGraph(
        n=n,
        edge_parent=p[order],
        edge_child=c[order],
        edge_quantity=q[order],
        level=level,
        level_ptr=level_ptr,
    )


def explode(graph: BomGraph, root: int, quantity: float = 1.0) -> FloatArray:
    """Return the total quantity of every part in ``quantity`` units of ``root``, shape (n,).

    The root itself holds ``quantity``; parts not in its BOM hold 0. A subassembly used in
    several places is counted once per use, through every level.
    """
    if not 0 <= root < graph.n:
        raise CoreError(f"root index {root} is not in 0..{graph.n - 1}")
    total = np.zeros(graph.n, dtype=np.float64)
    total[root] = quantity
    ptr = graph.level_ptr
    for lvl in range(int(graph.level[root]), len(ptr) - 1):
        lo, hi = int(ptr[lvl]), int(ptr[lvl + 1])
        if lo == hi:
            continue
        flow = total[graph.edge_parent[lo:hi]] * graph.edge_quantity[lo:hi]
        live = flow != 0.0
        if not live.any():
            continue
        total += np.bincount(graph.edge_child[lo:hi][live], weights=flow[live], minlength=graph.n)
    return total


def where_used(graph: BomGraph, part: int) -> FloatArray:
    """Return, for every part, how many units of ``part`` one unit of it contains, shape (n,).

    ``part`` itself holds 1; parts that do not contain it hold 0. Direct parents are those
    with a BOM edge to ``part``; the rest are found through every level above.
    """
    if not 0 <= part < graph.n:
        raise CoreError(f"part index {part} is not in 0..{graph.n - 1}")
    contained = np.zeros(graph.n, dtype=np.float64)
    contained[part] = 1.0
    ptr = graph.level_ptr
    for lvl in range(int(graph.level[part]) - 1, -1, -1):
        lo, hi = int(ptr[lvl]), int(ptr[lvl + 1])
        if lo == hi:
            continue
        flow = contained[graph.edge_child[lo:hi]] * graph.edge_quantity[lo:hi]
        live = flow != 0.0
        if not live.any():
            continue
        contained += np.bincount(graph.edge_parent[lo:hi][live], weights=flow[live], minlength=graph.n)
    return contained
