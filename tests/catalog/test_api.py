"""The catalog JSON API on SQLite and PostgreSQL: pages, filters, problems, BOMs, explosion, where-used."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_bom, make_composition, make_material, make_part

PARTS = [
    {
        "part_number": "P",
        "name": "Product",
        "kind": "product",
        "revenue_per_unit_eur": 1000,
        "value_chain": "health",
    },
    {"part_number": "A", "name": "Assembly A", "kind": "assembly"},
    {"part_number": "B", "name": "Assembly B", "kind": "assembly"},
    {"part_number": "S", "name": "Screw M4", "kind": "component", "mass_kg": 0.002, "category": "fastener"},
    {"part_number": "W", "name": "Copper wire", "kind": "material", "unit": "kg"},
]


@pytest.fixture
def bom(client: TestClient) -> TestClient:
    """Product P: 2 × A and 1 × B; A: 3 × S and 250 g of W; B: 1 × A (shared) and 4 × S."""
    for part in PARTS:
        assert client.post("/api/parts", json=part).status_code == 201
    lines: dict[str, list[dict[str, Any]]] = {
        "P": [
            {"child": "A", "quantity": 2, "position": "10"},
            {"child": "B", "quantity": 1, "position": "20"},
        ],
        "A": [{"child": "S", "quantity": 3}, {"child": "W", "quantity": 250, "unit": "g"}],
        "B": [{"child": "A", "quantity": 1}, {"child": "S", "quantity": 4}],
    }
    for parent, children in lines.items():
        response = client.put(f"/api/parts/{parent}/bom", json=children)
        assert response.status_code == 200, response.text
    return client


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"]
    return body


def _links(response: Any) -> dict[str, str]:
    """Return the Link header as {rel: url}."""
    links = {}
    for link in response.headers.get("link", "").split(", "):
        url, rel = link.split("; ")
        links[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return links


# --- explosion and where-used -----------------------------------------------------------------


def test_explosion_counts_a_shared_assembly_once_per_use(bom: TestClient) -> None:
    body = bom.get("/api/parts/P/explosion").json()
    # A: 2 direct + 1 through B = 3; S: 3 per A × 3 + 4 in B = 13; W: 0.25 kg × 3 A = 0.75 kg
    totals = {item["part_number"]: (item["total_quantity"], item["level"]) for item in body["items"]}
    assert totals == {"A": (3.0, 2), "B": (1.0, 1), "S": (13.0, 3), "W": (0.75, 3)}
    assert [item["part_number"] for item in body["items"]] == ["A", "B", "S", "W"]
    assert body["items"][3]["unit"] == "kg" and body["items"][3]["name"] == "Copper wire"
    doubled = bom.get("/api/parts/P/explosion", params={"quantity": 2}).json()
    assert {i["part_number"]: i["total_quantity"] for i in doubled["items"]}["S"] == 26.0
    assert bom.get("/api/parts/S/explosion").json() == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_explosion_pages_carry_link_headers(bom: TestClient) -> None:
    first = bom.get("/api/parts/P/explosion", params={"limit": 3})
    assert first.json()["total"] == 4 and len(first.json()["items"]) == 3
    links = _links(first)
    assert "prev" not in links and "offset=3" in links["next"] and "limit=3" in links["next"]
    second = bom.get(links["next"])
    assert [i["part_number"] for i in second.json()["items"]] == ["W"]
    assert "next" not in _links(second) and "offset=0" in _links(second)["prev"]


def test_explosion_refuses_a_quantity_that_is_not_positive(bom: TestClient) -> None:
    body = _problem(bom.get("/api/parts/P/explosion", params={"quantity": 0}), 422)
    assert body["errors"][0]["location"] == "query.quantity"
    assert "no part with part number 'NOPE'" in _problem(bom.get("/api/parts/NOPE/explosion"), 404)["detail"]


def test_where_used_flags_direct_parents_and_counts_every_level(bom: TestClient) -> None:
    used = bom.get("/api/parts/S/where-used").json()
    # S: 3 in A, 4 + 3 = 7 in B, 2 × 3 + 7 = 13 in P (through A and B, not directly)
    assert used["total"] == 3
    assert [(u["part_number"], u["quantity_per_unit"], u["direct"]) for u in used["items"]] == [
        ("A", 3.0, True),
        ("B", 7.0, True),
        ("P", 13.0, False),
    ]
    assert bom.get("/api/parts/P/where-used").json()["total"] == 0


# --- BOM lines --------------------------------------------------------------------------------


def test_direct_children_convert_units_and_say_whether_they_open(bom: TestClient) -> None:
    children = bom.get("/api/parts/B/bom").json()
    assert [(c["child"], c["quantity"], c["has_children"]) for c in children] == [
        ("A", 1.0, True),
        ("S", 4.0, False),
    ]
    wire = next(c for c in bom.get("/api/parts/A/bom").json() if c["child"] == "W")
    assert wire["quantity"] == 0.25 and wire["unit"] == "kg"


def test_a_child_at_two_positions_adds_up(bom: TestClient) -> None:
    lines = [{"child": "S", "quantity": 2, "position": "1"}, {"child": "S", "quantity": 5, "position": "2"}]
    assert bom.put("/api/parts/B/bom", json=lines).status_code == 200
    totals = {
        i["part_number"]: i["total_quantity"] for i in bom.get("/api/parts/B/explosion").json()["items"]
    }
    assert totals == {"S": 7.0}


def test_a_bom_cycle_is_refused_with_its_path_and_nothing_changes(bom: TestClient) -> None:
    body = _problem(bom.put("/api/parts/S/bom", json=[{"child": "P", "quantity": 1}]), 409)
    assert body["cycle"][0] == body["cycle"][-1] and {"S", "P"} <= set(body["cycle"])
    assert " → ".join(body["cycle"]) in body["detail"]
    assert bom.get("/api/parts/S/bom").json() == []
    self_loop = _problem(bom.put("/api/parts/A/bom", json=[{"child": "A", "quantity": 1}]), 422)
    assert self_loop["errors"] == [{"line": 1, "field": "child", "message": "part 'A' cannot contain itself"}]
    assert len(bom.get("/api/parts/A/bom").json()) == 2


def test_bad_bom_lines_are_all_listed(bom: TestClient) -> None:
    lines = [
        {"child": "S", "quantity": 2, "unit": "kg"},
        {"child": "GHOST", "quantity": 1},
        {"child": "W", "quantity": 1, "unit": "kgg"},
        {"child": "A", "quantity": 1},
        {"child": "A", "quantity": 1},
    ]
    body = _problem(bom.put("/api/parts/B/bom", json=lines), 422)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (1, "unit"),
        (2, "child"),
        (3, "unit"),
        (5, "position"),
    ]
    assert "does not fit" in body["errors"][0]["message"]
    assert "no part with part number 'GHOST'" in body["errors"][1]["message"]
    assert "unknown unit 'kgg'" in body["errors"][2]["message"]
    assert "4 of 5 lines" in body["detail"]
    negative = _problem(bom.put("/api/parts/B/bom", json=[{"child": "S", "quantity": -1}]), 422)
    assert negative["errors"][0]["location"] == "body.0.quantity"


def test_an_empty_bom_removes_every_line(bom: TestClient) -> None:
    assert bom.put("/api/parts/B/bom", json=[]).json() == []
    assert bom.get("/api/parts/A/where-used").json()["items"][0]["part_number"] == "P"


# --- parts ------------------------------------------------------------------------------------


def test_list_filters_pagination_and_link_header(bom: TestClient) -> None:
    page = bom.get("/api/parts", params={"limit": 2, "offset": 0})
    body = page.json()
    assert body["total"] == 5 and body["limit"] == 2 and body["offset"] == 0
    assert [p["part_number"] for p in body["items"]] == ["A", "B"]
    assert set(_links(page)) >= {"next"} and "prev" not in _links(page)
    middle = bom.get(_links(page)["next"])
    assert [p["part_number"] for p in middle.json()["items"]] == ["P", "S"]
    assert {"next", "prev"} <= set(_links(middle))
    last = bom.get(_links(middle)["next"])
    assert [p["part_number"] for p in last.json()["items"]] == ["W"]
    assert "prev" in _links(last) and "next" not in _links(last)

    def numbers(**params: Any) -> list[str]:
        return [p["part_number"] for p in bom.get("/api/parts", params=params).json()["items"]]

    assert numbers(kind="assembly") == ["A", "B"]
    assert numbers(q="screw") == ["S"]
    assert numbers(q="ASSEMBLY b") == ["B"]
    assert numbers(category="fastener") == ["S"]
    assert numbers(value_chain="health") == ["P"]
    assert numbers(q="%") == [] and numbers(q="_") == []
    assert (
        _problem(bom.get("/api/parts", params={"limit": 1001}), 422)["errors"][0]["location"] == "query.limit"
    )
    assert _problem(bom.get("/api/parts", params={"kind": "widget"}), 422)


def test_update_raises_the_revision_only_when_something_changes(bom: TestClient) -> None:
    assert bom.get("/api/parts/S").json()["revision"] == 1
    changed = bom.patch("/api/parts/S", json={"name": "Screw M4x10", "mass_kg": 0.0021}).json()
    assert changed["revision"] == 2 and changed["name"] == "Screw M4x10" and changed["category"] == "fastener"
    assert bom.patch("/api/parts/S", json={"name": "Screw M4x10"}).json()["revision"] == 2
    emptied = bom.patch("/api/parts/S", json={"category": None}).json()
    assert emptied["category"] is None and emptied["revision"] == 3
    refused = _problem(bom.patch("/api/parts/S", json={"name": None}), 422)
    assert "name cannot be null" in refused["errors"][0]["message"]


def test_the_unit_of_a_part_in_use_cannot_change_under_its_quantities(bom: TestClient) -> None:
    refused = _problem(bom.patch("/api/parts/W", json={"unit": "g"}), 409)
    assert "counted in 'kg' by the BOM of A" in refused["detail"]
    assert bom.get("/api/parts/W").json()["unit"] == "kg"
    assert bom.patch("/api/parts/W", json={"unit": "kilogram"}).json()["revision"] == 1
    assert bom.patch("/api/parts/P", json={"unit": "ea"}).json()["unit"] == "pcs"
    bom.put("/api/stock/P", json={"on_hand": 3})
    assert "its stock" in _problem(bom.patch("/api/parts/P", json={"unit": "kg"}), 409)["detail"]


def test_put_creates_or_replaces_a_part(bom: TestClient) -> None:
    created = bom.put("/api/parts/NEW", json={"name": "New bracket", "kind": "component", "unit": "pieces"})
    assert created.status_code == 201 and created.json()["unit"] == "pcs" and created.json()["revision"] == 1
    replaced = bom.put("/api/parts/S", json={"name": "Screw M4", "kind": "component"})
    assert replaced.status_code == 200
    # fields left out of a PUT take their defaults: the mass and category are gone
    assert replaced.json()["mass_kg"] is None and replaced.json()["category"] is None
    assert replaced.json()["revision"] == 2


def test_errors_are_problems(bom: TestClient) -> None:
    missing = _problem(bom.get("/api/parts/NOPE"), 404)
    assert missing["detail"] == "no part with part number 'NOPE'" and missing["instance"] == "/api/parts/NOPE"
    assert "exists already" in _problem(bom.post("/api/parts", json=PARTS[0]), 409)["detail"]
    invalid = _problem(bom.post("/api/parts", json={"part_number": "X", "name": "X", "kind": "widget"}), 422)
    assert [e["location"] for e in invalid["errors"]] == ["body.kind"]
    bad_unit = _problem(
        bom.post("/api/parts", json={"part_number": "X", "name": "X", "kind": "component", "unit": "kgg"}),
        422,
    )
    assert "unknown unit 'kgg'" in bad_unit["errors"][0]["message"]
    typo = _problem(
        bom.post("/api/parts", json={"part_number": "X", "name": "X", "kind": "component", "mass": 1}), 422
    )
    assert typo["errors"][0]["location"] == "body.mass"
    negative = _problem(
        bom.post("/api/parts", json={"part_number": "X", "name": "X", "kind": "component", "mass_kg": -1}),
        422,
    )
    assert negative["errors"][0]["location"] == "body.mass_kg"
    in_use = _problem(bom.delete("/api/parts/S"), 409)
    assert "A, B" in in_use["detail"] and in_use["parents"] == ["A", "B"]
    assert bom.get("/api/parts/X").status_code == 404


def test_delete_a_part_that_no_bom_uses(bom: TestClient) -> None:
    assert bom.delete("/api/parts/P").status_code == 204
    assert _problem(bom.get("/api/parts/P"), 404)
    assert bom.get("/api/parts/A/where-used").json()["items"] == [
        {
            "part_number": "B",
            "name": "Assembly B",
            "kind": "assembly",
            "quantity_per_unit": 1.0,
            "direct": True,
        }
    ]


# --- materials, composition, stock ------------------------------------------------------------


def test_materials_crud_and_problems(client: TestClient) -> None:
    created = client.post(
        "/api/materials",
        json={"code": "Nd", "name": "Neodymium", "family": "metal", "cas_number": "7440-00-8"},
    )
    assert created.status_code == 201 and created.headers["location"] == "/api/materials/Nd"
    assert _problem(client.post("/api/materials", json={"code": "Nd", "name": "Again"}), 409)
    bad_cas = _problem(
        client.post("/api/materials", json={"code": "X", "name": "X", "cas_number": "7440-00-9"}), 422
    )
    assert "check digit should be 8" in bad_cas["errors"][0]["message"]
    assert (
        client.patch("/api/materials/Nd", json={"name": "Neodymium metal"}).json()["name"]
        == "Neodymium metal"
    )
    assert client.get("/api/materials", params={"q": "NEODYM"}).json()["total"] == 1
    assert client.get("/api/materials", params={"family": "polymer"}).json()["total"] == 0
    assert _problem(client.get("/api/materials/Fe"), 404)["detail"] == "no material with code 'Fe'"
    assert client.delete("/api/materials/Nd").status_code == 204


def test_composition_by_mass_or_fraction(client: TestClient, session: Session) -> None:
    part = make_part(session, part_number="MAG", mass_kg=0.5)
    ndfeb = make_material(session, code="NdFeB", family="metal")
    make_material(session, code="EP", name="Epoxy", family="polymer")
    session.commit()
    lines = [
        {"material": "NdFeB", "mass_fraction": 0.9, "recycled_share": 0.25},
        {"material": "EP", "mass_kg": 0.05},
    ]
    composition = client.put("/api/parts/MAG/materials", json=lines).json()
    assert [(c["material"], c["mass_kg"], c["mass_fraction"]) for c in composition] == [
        ("NdFeB", pytest.approx(0.45), pytest.approx(0.9)),
        ("EP", 0.05, pytest.approx(0.1)),
    ]
    assert client.get("/api/parts/MAG/materials").json() == composition
    heavy = _problem(client.put("/api/parts/MAG/materials", json=[{"material": "EP", "mass_kg": 1.0}]), 422)
    assert "more than the part" in heavy["detail"]
    bad = _problem(
        client.put(
            "/api/parts/MAG/materials",
            json=[
                {"material": "EP", "mass_kg": 0.1},
                {"material": "EP", "mass_kg": 0.1},
                {"material": "Zz", "mass_kg": 1},
            ],
        ),
        422,
    )
    assert [(e["line"], e["field"]) for e in bad["errors"]] == [(2, "material"), (3, "material")]
    both = _problem(
        client.put("/api/parts/MAG/materials", json=[{"material": "EP", "mass_kg": 1, "mass_fraction": 1}]),
        422,
    )
    assert "either mass_kg or mass_fraction" in both["errors"][0]["message"]
    in_use = _problem(client.delete(f"/api/materials/{ndfeb.code}"), 409)
    assert in_use["parts"] == [part.part_number]


def test_a_fraction_needs_the_part_mass(client: TestClient, session: Session) -> None:
    make_part(session, part_number="NOMASS")
    make_composition(
        session, part=make_part(session, part_number="OTHER"), material=make_material(session, code="AL")
    )
    session.commit()
    body = _problem(
        client.put("/api/parts/NOMASS/materials", json=[{"material": "AL", "mass_fraction": 0.5}]), 422
    )
    assert "has no mass" in body["errors"][0]["message"]


def test_stock_is_set_listed_and_flagged_below_safety(client: TestClient, session: Session) -> None:
    make_part(session, part_number="S1")
    make_part(session, part_number="S2", unit="kg")
    session.commit()
    assert client.get("/api/stock/S1").json()["on_hand"] == 0.0
    low = client.put("/api/stock/S1", json={"on_hand": 5, "safety_stock": 10, "weekly_usage": 2}).json()
    assert low == {
        "part_number": "S1",
        "name": low["name"],
        "unit": "pcs",
        "on_hand": 5.0,
        "safety_stock": 10.0,
        "weekly_usage": 2.0,
        "weeks_of_cover": 2.5,
        "below_safety": True,
    }
    ok = client.put("/api/stock/S2", json={"on_hand": 12.5}).json()
    assert ok["weeks_of_cover"] is None and not ok["below_safety"] and ok["unit"] == "kg"
    assert client.get("/api/stock").json()["total"] == 2
    assert [
        s["part_number"] for s in client.get("/api/stock", params={"below_safety": True}).json()["items"]
    ] == ["S1"]
    assert _problem(client.put("/api/stock/S1", json={"on_hand": -1}), 422)
    assert _problem(client.put("/api/stock/NOPE", json={"on_hand": 1}), 404)


def test_factories_and_api_agree_on_a_hand_built_bom(client: TestClient, session: Session) -> None:
    frame, motor, bolt = (make_part(session, part_number=n) for n in ("FRAME", "MOTOR", "BOLT"))
    make_bom(session, frame, (motor, 2.0), (bolt, 8.0))
    make_bom(session, motor, (bolt, 4.0))
    session.commit()
    items = client.get("/api/parts/FRAME/explosion").json()["items"]
    # bolts: 8 in the frame + 2 motors × 4 = 16
    assert [(i["part_number"], i["total_quantity"], i["level"]) for i in items] == [
        ("BOLT", 16.0, 2),
        ("MOTOR", 2.0, 1),
    ]


def test_openapi_documents_every_route_with_a_summary(client: TestClient) -> None:
    from keten.catalog.router import router as catalog_router
    from keten.partners.router import router as partners_router

    for route in [*catalog_router.routes, *partners_router.routes]:
        assert getattr(route, "summary", None), route
        assert getattr(route, "description", None), route


def test_replacing_a_bom_raises_the_parents_revision_only_when_it_changes(client: TestClient) -> None:
    client.post("/api/parts", json={"part_number": "RP", "name": "Parent", "kind": "assembly"})
    client.post("/api/parts", json={"part_number": "RC", "name": "Child", "kind": "component"})
    lines = [{"child": "RC", "quantity": 2}]
    assert client.put("/api/parts/RP/bom", json=lines).status_code == 200
    assert client.get("/api/parts/RP").json()["revision"] == 2
    assert client.put("/api/parts/RP/bom", json=lines).status_code == 200
    assert client.get("/api/parts/RP").json()["revision"] == 2
