"""BOM explosion and where-used on systems small enough to check by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keten.core.bom import build_bom, explode, where_used
from keten.core.errors import BomCycleError, CoreError
from keten.core.indexing import IndexMap

# product 0 has 2 × assembly 1 and 1 × assembly 2; 1 has 3 × screw 3;
# 2 holds 1 × assembly 1 (shared) and 4 × screw 3.
SHARED = build_bom(4, [0, 0, 1, 2, 2], [1, 2, 3, 1, 3], [2.0, 1.0, 3.0, 1.0, 4.0])


def test_a_shared_subassembly_counts_once_per_use() -> None:
    # assembly 1: 2 directly + 1 through assembly 2 = 3; screws: 3 × 3 + 4 = 13
    assert explode(SHARED, 0).tolist() == [1.0, 3.0, 1.0, 13.0]
    assert explode(SHARED, 0, 5).tolist() == [5.0, 15.0, 5.0, 65.0]
    assert explode(SHARED, 2).tolist() == [0.0, 1.0, 1.0, 7.0]


def test_levels_follow_the_longest_path() -> None:
    assert SHARED.level.tolist() == [0, 2, 1, 3]
    assert SHARED.depth == 3


def test_the_same_child_at_two_positions_adds_up() -> None:
    graph = build_bom(2, [0, 0], [1, 1], [2.0, 0.5])
    assert explode(graph, 0)[1] == 2.5


def test_where_used_counts_through_every_level() -> None:
    # screw 3: 3 in assembly 1, 4 + 3 = 7 in assembly 2, 2 × 3 + 7 = 13 in the product
    assert where_used(SHARED, 3).tolist() == [13.0, 3.0, 7.0, 1.0]
    assert where_used(SHARED, 0).tolist() == [1.0, 0.0, 0.0, 0.0]


def test_a_cycle_is_named_by_its_path() -> None:
    with pytest.raises(BomCycleError) as caught:
        build_bom(4, [0, 1, 2, 3], [1, 2, 3, 1], [1, 1, 1, 1], labels=["P", "A", "B", "C"])
    assert caught.value.cycle in (["A", "B", "C", "A"], ["B", "C", "A", "B"], ["C", "A", "B", "C"])
    assert " → ".join(caught.value.cycle) in str(caught.value)
    assert "P" not in caught.value.cycle


def test_a_two_part_cycle_below_a_product_names_both_parts() -> None:
    # P holds A; A holds B; B holds A again
    with pytest.raises(BomCycleError) as caught:
        build_bom(3, [0, 1, 2], [1, 2, 1], [1, 1, 1], labels=["P", "A", "B"])
    assert caught.value.cycle in (["A", "B", "A"], ["B", "A", "B"])


def test_a_part_that_holds_itself_is_a_cycle_of_one() -> None:
    with pytest.raises(BomCycleError) as caught:
        build_bom(2, [0, 1], [1, 1], [1, 1], labels=["P", "A"])
    assert caught.value.cycle == ["A", "A"]


def test_without_labels_a_cycle_is_named_by_indices() -> None:
    with pytest.raises(BomCycleError) as caught:
        build_bom(2, [0, 1], [1, 0], [1, 1])
    assert sorted(caught.value.cycle[:-1]) == ["0", "1"]


def test_three_levels_multiply_down_the_path() -> None:
    # 0 → 2 × 1 → 3 × 2 → 0.5 kg of 3: 2 × 3 × 0.5 = 3 kg
    chain = build_bom(4, [0, 1, 2], [1, 2, 3], [2.0, 3.0, 0.5])
    assert explode(chain, 0).tolist() == [1.0, 2.0, 6.0, 3.0]
    assert explode(chain, 1).tolist() == [0.0, 1.0, 3.0, 1.5]
    assert where_used(chain, 3).tolist() == [3.0, 1.5, 0.5, 1.0]
    assert chain.level.tolist() == [0, 1, 2, 3]


def test_parts_outside_a_bom_stay_at_zero() -> None:
    # two products share nothing: exploding one leaves the other's parts at 0
    graph = build_bom(4, [0, 2], [1, 3], [5.0, 7.0])
    assert explode(graph, 0).tolist() == [1.0, 5.0, 0.0, 0.0]
    assert where_used(graph, 3).tolist() == [0.0, 0.0, 7.0, 1.0]


def test_an_empty_bom_explodes_to_the_root_alone() -> None:
    graph = build_bom(2, [], [], [])
    assert explode(graph, 1, 4.0).tolist() == [0.0, 4.0]
    assert graph.depth == 0 and build_bom(0, [], [], []).depth == 0


@pytest.mark.parametrize(
    ("parent", "child", "quantity", "message"),
    [
        ([0], [5], [1.0], "indices"),
        ([0], [1], [-1.0], "positive"),
        ([0], [1], [0.0], "positive"),
        ([-1], [1], [1.0], "indices"),
        ([[0]], [[1]], [[1.0]], "1-d"),
        ([0, 1], [1], [1.0], "same length"),
    ],
)
def test_bad_input_is_refused(
    parent: list[int], child: list[int], quantity: list[float], message: str
) -> None:
    with pytest.raises(CoreError, match=message):
        build_bom(2, parent, child, quantity)


def test_unknown_root_or_part_is_refused() -> None:
    with pytest.raises(CoreError, match=r"root index 9 is not in 0\.\.3"):
        explode(SHARED, 9)
    with pytest.raises(CoreError, match="root index -1"):
        explode(SHARED, -1)
    with pytest.raises(CoreError, match=r"part index 4 is not in 0\.\.3"):
        where_used(SHARED, 4)


def test_index_map_round_trip_and_unknown_id() -> None:
    index = IndexMap.from_ids([30, 10, 20])
    assert index.indices([10, 20]).tolist() == [1, 2] and index.key(0) == 30 and len(index) == 3
    with pytest.raises(KeyError, match="unknown id: 99"):
        index.index(99)
    with pytest.raises(ValueError, match="unique"):
        IndexMap.from_ids([1, 1])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=30), st.integers(min_value=0, max_value=10_000))
def test_explosion_equals_the_solution_of_the_technosphere_system(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    edges = [(p, c) for c in range(1, n) for p in rng.choice(c, size=min(c, 2), replace=False)]
    parent = np.array([p for p, _ in edges])
    child = np.array([c for _, c in edges])
    quantity = rng.uniform(0.1, 3.0, size=len(edges))
    graph = build_bom(n, parent, child, quantity)
    matrix = np.eye(n)
    np.add.at(matrix, (child, parent), -quantity)
    expected = np.linalg.solve(matrix, np.eye(n)[:, 0])
    assert np.allclose(explode(graph, 0), expected, rtol=1e-12, atol=1e-12)
    used = where_used(graph, n - 1)
    assert used[0] == pytest.approx(explode(graph, 0)[n - 1], rel=1e-12)
