"""The catalog JSON API on SQLite and PostgreSQL: lists, errors, BOMs, explosion, where-used."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

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
    assert body["status"] == status
    return body


def test_explosion_through_the_api_counts_shared_assemblies_per_use(bom: TestClient) -> None:
    body = bom.get("/api/parts/P/explosion").json()
    totals = {item["part_number"]: (item["total_quantity"], item["level"]) for item in body["items"]}
    assert totals == {"A": (3.0, 2), "B": (1.0, 1), "S": (13.0, 3), "W": (0.75, 3)}
    doubled = bom.get("/api/parts/P/explosion", params={"quantity": 2}).json()
    assert {i["part_number"]: i["total_quantity"] for i in doubled["items"]}["S"] == 26.0


def test_where_used_flags_direct_parents(bom: TestClient) -> None:
    used = bom.get("/api/parts/S/where-used").json()
    assert [(u["part_number"], u["quantity_per_unit"], u["direct"]) for u in used] == [
        ("A", 3.0, True),
        ("B", 7.0, True),
        ("P", 13.0, False),
    ]


def test_direct_children_say_whether_they_open(bom: TestClient) -> None:
    children = bom.get("/api/parts/B/bom").json()
    assert [(c["child"], c["quantity"], c["has_children"]) for c in children] == [
        ("A", 1.0, True),
        ("S", 4.0, False),
    ]
    wire = next(c for c in bom.get("/api/parts/A/bom").json() if c["child"] == "W")
    assert wire["quantity"] == 0.25 and wire["unit"] == "kg"


def test_a_bom_cycle_is_refused_with_its_path(bom: TestClient) -> None:
    body = _problem(bom.put("/api/parts/S/bom", json=[{"child": "P", "quantity": 1}]), 409)
    assert "cycle" in body["detail"] and body["cycle"][0] == body["cycle"][-1]
    assert bom.get("/api/parts/S/bom").json() == []


def test_a_unit_that_does_not_fit_is_refused(bom: TestClient) -> None:
    body = _problem(bom.put("/api/parts/B/bom", json=[{"child": "S", "quantity": 2, "unit": "kg"}]), 422)
    assert "does not fit" in body["detail"]


def test_list_filters_pagination_and_link_header(bom: TestClient) -> None:
    page = bom.get("/api/parts", params={"limit": 2, "offset": 0})
    body = page.json()
    assert body["total"] == 5 and [p["part_number"] for p in body["items"]] == ["A", "B"]
    assert 'rel="next"' in page.headers["link"] and 'rel="prev"' not in page.headers["link"]
    last = bom.get("/api/parts", params={"limit": 2, "offset": 4})
    assert [p["part_number"] for p in last.json()["items"]] == ["W"]
    assert 'rel="prev"' in last.headers["link"] and 'rel="next"' not in last.headers["link"]
    assert [p["part_number"] for p in bom.get("/api/parts", params={"kind": "assembly"}).json()["items"]] == [
        "A",
        "B",
    ]
    assert [p["part_number"] for p in bom.get("/api/parts", params={"q": "screw"}).json()["items"]] == ["S"]
    assert bom.get("/api/parts", params={"value_chain": "health"}).json()["total"] == 1


def test_update_raises_the_revision_only_when_something_changes(bom: TestClient) -> None:
    assert bom.get("/api/parts/S").json()["revision"] == 1
    changed = bom.patch("/api/parts/S", json={"name": "Screw M4x10"}).json()
    assert changed["revision"] == 2 and changed["name"] == "Screw M4x10"
    assert bom.patch("/api/parts/S", json={"name": "Screw M4x10"}).json()["revision"] == 2


def test_errors_are_problems(bom: TestClient) -> None:
    assert "no part with part number 'NOPE'" in _problem(bom.get("/api/parts/NOPE"), 404)["detail"]
    assert "exists already" in _problem(bom.post("/api/parts", json=PARTS[0]), 409)["detail"]
    invalid = _problem(bom.post("/api/parts", json={"part_number": "X", "name": "X", "kind": "widget"}), 422)
    assert any("kind" in e["location"] for e in invalid["errors"])
    bad_unit = _problem(
        bom.post("/api/parts", json={"part_number": "X", "name": "X", "kind": "component", "unit": "kgg"}),
        422,
    )
    assert "unknown unit 'kgg'" in str(bad_unit["errors"])
    in_use = _problem(bom.delete("/api/parts/S"), 409)
    assert "A, B" in in_use["detail"]


def test_delete_a_part_that_no_bom_uses(bom: TestClient) -> None:
    assert bom.delete("/api/parts/P").status_code == 204
    assert bom.get("/api/parts/P").status_code == 404
    assert bom.get("/api/parts/A/where-used").json() == [
        {
            "part_number": "B",
            "name": "Assembly B",
            "kind": "assembly",
            "quantity_per_unit": 1.0,
            "direct": True,
        }
    ]


def test_materials_composition_and_stock(bom: TestClient) -> None:
    assert (
        bom.post(
            "/api/materials", json={"code": "SS316L", "name": "Stainless 316L", "family": "metal"}
        ).status_code
        == 201
    )
    ok = bom.put(
        "/api/parts/S/materials", json=[{"material": "SS316L", "mass_kg": 0.0019, "recycled_share": 0.3}]
    )
    assert ok.status_code == 200 and ok.json()[0]["family"] == "metal"
    heavy = _problem(bom.put("/api/parts/S/materials", json=[{"material": "SS316L", "mass_kg": 1.0}]), 422)
    assert "more than the part" in heavy["detail"]
    assert _problem(bom.delete("/api/materials/SS316L"), 409)
    stock = bom.put("/api/stock/S", json={"on_hand": 500, "safety_stock": 100, "weekly_usage": 40})
    assert stock.json() == {"part_number": "S", "on_hand": 500, "safety_stock": 100, "weekly_usage": 40}
    assert bom.get("/api/stock").json()["total"] == 1
