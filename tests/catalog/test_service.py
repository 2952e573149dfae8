"""Catalog service functions on SQLite and PostgreSQL: BOM arrays, explosion levels, problems, revisions."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from keten.catalog import service
from keten.catalog.models import MATERIAL_FAMILIES, PART_KINDS, VALUE_CHAINS, BomLine, Part
from keten.catalog.schemas import BomLineIn, MaterialFamily, PartBase, PartKind, PartUpdate, ValueChain
from keten.core.bom import explode
from keten.partners.models import ORGANIZATION_ROLES
from keten.partners.schemas import Role
from keten.problems import Problem
from tests.factories import make_bom, make_bom_line, make_part


def test_schema_choices_match_the_tables_check_constraints() -> None:
    assert get_args(PartKind) == PART_KINDS
    assert get_args(ValueChain) == VALUE_CHAINS
    assert get_args(MaterialFamily) == MATERIAL_FAMILIES
    assert get_args(Role) == ORGANIZATION_ROLES


def test_load_bom_graph_maps_ids_part_numbers_and_lines(session: Session) -> None:
    product, frame, bolt = (make_part(session, part_number=n) for n in ("P", "F", "B"))
    make_bom(session, product, (frame, 2.0), (bolt, 1.0))
    make_bom(session, frame, (bolt, 6.0))
    # flushed, not committed: the arrays are read in the session's own transaction
    part_index, graph, part_numbers, _ = service.load_bom_graph(session)
    assert graph.n == 3 and graph.edge_parent.size == 3
    for part in (product, frame, bolt):
        assert part_numbers[part_index.index(part.id)] == part.part_number
    totals = explode(graph, part_index.index(product.id))
    # bolts: 1 directly + 2 frames × 6 = 13
    assert totals[part_index.index(bolt.id)] == 13.0
    assert totals[part_index.index(frame.id)] == 2.0


def test_load_bom_graph_of_an_empty_catalog(session: Session) -> None:
    part_index, graph, part_numbers, _ = service.load_bom_graph(session)
    assert len(part_index) == 0 and graph.n == 0 and part_numbers == []


def test_explosion_level_is_the_longest_path(session: Session) -> None:
    # P holds S directly and through A → B: S occurs at levels 1 and 3; it is reported at 3
    p, a, b, s = (make_part(session, part_number=n) for n in ("P", "A", "B", "S"))
    make_bom(session, p, (a, 1.0), (s, 2.0))
    make_bom(session, a, (b, 1.0))
    make_bom(session, b, (s, 5.0))
    items, total = service.explode(session, part_number="P", limit=10, offset=0)
    assert total == 3
    assert [(i.part_number, i.total_quantity, i.level) for i in items] == [
        ("A", 1.0, 1),
        ("B", 1.0, 2),
        ("S", 7.0, 3),
    ]
    page, total = service.explode(session, part_number="P", quantity=3.0, limit=1, offset=2)
    assert total == 3 and [(i.part_number, i.total_quantity) for i in page] == [("S", 21.0)]


def test_explosion_sorts_by_part_number_not_by_id(session: Session) -> None:
    root = make_part(session, part_number="ROOT")
    children = [make_part(session, part_number=n) for n in ("Z-1", "A-2", "M-3")]
    make_bom(session, root, *((c, 1.0) for c in children))
    items, _ = service.explode(session, part_number="ROOT", limit=10, offset=0)
    assert [i.part_number for i in items] == ["A-2", "M-3", "Z-1"]


def test_a_cycle_is_refused_before_anything_is_written(session: Session) -> None:
    p, a = make_part(session, part_number="P"), make_part(session, part_number="A")
    make_bom_line(session, parent=p, child=a)
    with pytest.raises(Problem) as caught:
        service.replace_bom(session, part_number="A", lines=[BomLineIn(child="P", quantity=1.0)])
    assert caught.value.status == 409 and caught.value.extensions["cycle"] in (
        ["A", "P", "A"],
        ["P", "A", "P"],
    )
    assert session.scalars(select(BomLine.parent_id)).all() == [p.id]


def test_replacing_a_bom_swaps_its_lines(session: Session) -> None:
    p, a = make_part(session, part_number="P"), make_part(session, part_number="A")
    make_part(session, part_number="B")
    make_bom(session, p, (a, 1.0))
    lines = service.replace_bom(
        session,
        part_number="P",
        lines=[
            BomLineIn(child="B", quantity=2.0, position="20"),
            BomLineIn(child="B", quantity=1.0, position="30"),
        ],
    )
    assert [(line.child, line.quantity, line.position) for line in lines] == [
        ("B", 2.0, "20"),
        ("B", 1.0, "30"),
    ]
    assert service.where_used(session, part_number="A", limit=10, offset=0) == ([], 0)
    used, total = service.where_used(session, part_number="B", limit=10, offset=0)
    assert total == 1 and used[0].quantity_per_unit == 3.0 and used[0].direct


def test_an_update_raises_the_revision_once_and_only_on_change(session: Session) -> None:
    make_part(session, part_number="X", name="Bracket")
    assert service.update_part(session, part_number="X", data=PartUpdate(name="Bracket")).revision == 1
    part = service.update_part(session, part_number="X", data=PartUpdate(name="Bracket v2", mass_kg=0.2))
    assert part.revision == 2 and part.mass_kg == 0.2
    replaced, created = service.put_part(
        session, part_number="X", data=PartBase(name="Bracket v2", kind="component", mass_kg=0.2)
    )
    assert not created and replaced.revision == 2
    made, created = service.put_part(session, part_number="Y", data=PartBase(name="New", kind="assembly"))
    assert created and made.revision == 1 and made.unit == "pcs"


def test_a_part_in_use_names_its_parents(session: Session) -> None:
    screw = make_part(session, part_number="SCREW")
    for name in ("B-FRAME", "A-FRAME"):
        make_bom_line(session, parent=make_part(session, part_number=name), child=screw)
    with pytest.raises(Problem) as caught:
        service.delete_part(session, part_number="SCREW")
    assert caught.value.status == 409 and caught.value.extensions["parents"] == ["A-FRAME", "B-FRAME"]
    with pytest.raises(Problem, match="no part with part number 'NOPE'"):
        service.get_part(session, part_number="NOPE")


@pytest.mark.parametrize(
    ("text", "pattern"), [("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("c:\\x", "%c:\\\\x%")]
)
def test_like_patterns_take_wildcards_literally(text: str, pattern: str) -> None:
    assert service.like_pattern(text) == pattern


def test_the_q_filter_matches_a_literal_percent_sign(session: Session) -> None:
    make_part(session, part_number="R-1", name="Resistor 1% 10k")
    make_part(session, part_number="R-2", name="Resistor 5 10k")
    parts, total = service.list_parts(session, limit=10, offset=0, q="1%")
    assert total == 1 and parts[0].part_number == "R-1"


def test_ten_thousand_parts_load_with_their_bom_and_revisions(session: Session) -> None:
    # a tree: every part but the first has a parent earlier in the list
    n = 10_000
    session.execute(
        insert(Part),
        [
            {"part_number": f"P{i:06d}", "name": f"Part {i}", "kind": "component", "unit": "pcs"}
            for i in range(n)
        ],
    )
    ids = {number: pid for number, pid in session.execute(select(Part.part_number, Part.id))}
    rng = np.random.default_rng(7)
    parents = [int(rng.integers(0, i)) for i in range(1, n)]
    session.execute(
        insert(BomLine),
        [
            {"parent_id": ids[f"P{p:06d}"], "child_id": ids[f"P{c:06d}"], "quantity": 2.0, "position": ""}
            for c, p in enumerate(parents, start=1)
        ],
    )
    # How fast this is belongs to bench/ (python -m bench): a timed assert would fail on a busy machine.
    part_index, graph, _, revisions = service.load_bom_graph(session)
    assert graph.n == n and graph.edge_parent.size == n - 1
    root = part_index.index(ids["P000000"])
    assert explode(graph, root)[root] == 1.0
    assert revisions is not None and revisions.shape == (n,) and set(revisions.tolist()) == {1}
