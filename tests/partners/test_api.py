"""The partners JSON API on SQLite and PostgreSQL: organizations, sites, sourcing, checked identifiers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_org, make_part, make_site, make_sourcing

SIEMENS_LEI = "529900T8BM49AURSDO55"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_an_organization_is_created_with_normalised_identifiers(client: TestClient) -> None:
    created = client.post(
        "/api/organizations",
        json={
            "code": "OWN",
            "name": "Own B.V.",
            "role": "own",
            "country": "nl",
            "kvk": "1234 5678",
            "lei": SIEMENS_LEI.lower(),
            "gln": "8712345678906",
        },
    )
    assert created.status_code == 201 and created.headers["location"] == "/api/organizations/OWN"
    body = created.json()
    assert (body["country"], body["kvk"], body["lei"]) == ("NL", "12345678", SIEMENS_LEI)
    second_own = _problem(
        client.post("/api/organizations", json={"code": "OWN2", "name": "X", "role": "own"}), 409
    )
    assert "'OWN' is already the own organization" in second_own["detail"]
    duplicate = _problem(client.post("/api/organizations", json={"code": "OWN", "name": "Again"}), 409)
    assert duplicate["detail"] == "an organization with code 'OWN' exists already"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lei", "529900T8BM49AURSDO56", "check digits"),
        ("lei", "529900T8BM49AURSDO5", "18 letters or digits and 2 check digits"),
        ("gln", "8712345678907", "check digit should be 6"),
        ("gln", "871234567890", "13 digits"),
        ("kvk", "1234567", "8 digits"),
        ("country", "XX", "ISO 3166-1 alpha-2"),
        ("role", "vendor", "'own', 'supplier', 'customer' or 'partner'"),
        ("name", "", "at least 1 character"),
    ],
)
def test_invalid_identifiers_are_named_in_the_problem(
    client: TestClient, field: str, value: str, message: str
) -> None:
    body = _problem(client.post("/api/organizations", json={"code": "X", "name": "X", field: value}), 422)
    assert body["errors"][0]["location"] == f"body.{field}"
    assert message.lower() in body["errors"][0]["message"].lower()


def test_organizations_are_filtered_and_paged(client: TestClient, session: Session) -> None:
    make_org(session, code="ASML", name="ASML Netherlands B.V.", role="customer", country="NL")
    make_org(session, code="ZEISS", name="Carl Zeiss SMT GmbH", country="DE")
    make_org(session, code="VDL", name="VDL ETG", country="NL")
    session.commit()

    def codes(**params: Any) -> list[str]:
        return [o["code"] for o in client.get("/api/organizations", params=params).json()["items"]]

    assert codes() == ["ASML", "VDL", "ZEISS"]
    assert codes(role="supplier") == ["VDL", "ZEISS"]
    assert codes(country="nl") == ["ASML", "VDL"]
    assert codes(q="zeiss smt") == ["ZEISS"]
    page = client.get("/api/organizations", params={"limit": 1, "offset": 1})
    assert (
        page.json()["total"] == 3
        and 'rel="next"' in page.headers["link"]
        and 'rel="prev"' in page.headers["link"]
    )
    assert _problem(client.get("/api/organizations", params={"role": "vendor"}), 422)


def test_patch_changes_only_what_is_sent(client: TestClient, session: Session) -> None:
    make_org(session, code="SUP", name="Supplier", kvk="12345678")
    session.commit()
    changed = client.patch("/api/organizations/SUP", json={"lei": SIEMENS_LEI, "website": None}).json()
    assert changed["lei"] == SIEMENS_LEI and changed["kvk"] == "12345678" and changed["name"] == "Supplier"
    assert (
        "role cannot be null"
        in _problem(client.patch("/api/organizations/SUP", json={"role": None}), 422)["errors"][0]["message"]
    )
    assert _problem(client.patch("/api/organizations/NOPE", json={"name": "x"}), 404)["detail"] == (
        "no organization with code 'NOPE'"
    )


def test_sites_belong_to_an_organization(client: TestClient, session: Session) -> None:
    make_org(session, code="SUP", name="Supplier GmbH", country="DE")
    make_org(session, code="OTHER", name="Other")
    session.commit()
    for code, name, country in (("SUP-1", "Aachen", "DE"), ("SUP-2", "Brno", "cz")):
        response = client.post(
            "/api/sites", json={"code": code, "organization": "SUP", "name": name, "country": country}
        )
        assert response.status_code == 201, response.text
    assert client.get("/api/sites/SUP-2").json()["country"] == "CZ"
    assert [s["code"] for s in client.get("/api/organizations/SUP/sites").json()] == ["SUP-1", "SUP-2"]
    assert client.get("/api/sites", params={"country": "CZ"}).json()["total"] == 1
    assert client.get("/api/sites", params={"organization": "SUP"}).json()["total"] == 2
    assert (
        client.get("/api/sites", params={"q": "aach"}).json()["items"][0]["organization_name"]
        == "Supplier GmbH"
    )
    unknown = _problem(
        client.post("/api/sites", json={"code": "S", "organization": "GHOST", "name": "x", "country": "NL"}),
        422,
    )
    assert unknown["errors"][0]["location"] == "body.organization"
    assert _problem(client.post("/api/sites", json={"code": "S", "organization": "SUP", "name": "x"}), 422)
    assert _problem(
        client.post(
            "/api/sites", json={"code": "SUP-1", "organization": "SUP", "name": "x", "country": "DE"}
        ),
        409,
    )
    moved = client.patch("/api/sites/SUP-2", json={"organization": "OTHER", "city": "Brno"}).json()
    assert (moved["organization"], moved["city"], moved["name"]) == ("OTHER", "Brno", "Brno")
    assert _problem(client.get("/api/organizations/NOPE/sites"), 404)


def test_deleting_keeps_sourcing_from_vanishing_by_accident(client: TestClient, session: Session) -> None:
    organization = make_org(session, code="SUP")
    site = make_site(session, organization=organization, code="SUP-1")
    make_sourcing(session, part=make_part(session, part_number="M"), site=site)
    session.commit()
    has_sites = _problem(client.delete("/api/organizations/SUP"), 409)
    assert has_sites["sites"] == ["SUP-1"]
    supplies = _problem(client.delete("/api/sites/SUP-1"), 409)
    assert supplies["parts"] == ["M"] and "still supplies M" in supplies["detail"]
    assert client.delete("/api/sourcing/M/SUP-1").status_code == 204
    assert client.delete("/api/sites/SUP-1").status_code == 204
    assert client.delete("/api/organizations/SUP").status_code == 204
    assert _problem(client.get("/api/organizations/SUP"), 404)


def test_sourcing_shares_and_sources_of_a_part(client: TestClient, session: Session) -> None:
    supplier = make_org(session, code="SUP", name="Supplier GmbH", country="DE")
    make_site(session, organization=supplier, code="SUP-1", name="Aachen", country="DE")
    make_site(session, organization=supplier, code="SUP-2", name="Brno", country="CZ")
    make_part(session, part_number="M", name="Magnet")
    session.commit()
    first = client.post(
        "/api/sourcing", json={"part_number": "M", "site": "SUP-1", "share": 0.7, "lead_time_days": 90}
    )
    assert first.status_code == 201 and first.headers["location"] == "/api/sourcing/M/SUP-1"
    assert first.json()["organization"] == "SUP" and first.json()["part_name"] == "Magnet"
    again = _problem(
        client.post("/api/sourcing", json={"part_number": "M", "site": "SUP-1", "lead_time_days": 1}), 409
    )
    assert "change it with PATCH" in again["detail"]
    too_much = _problem(
        client.post(
            "/api/sourcing", json={"part_number": "M", "site": "SUP-2", "share": 0.5, "lead_time_days": 30}
        ),
        422,
    )
    assert "1.2" in too_much["detail"]
    unknown = _problem(
        client.post("/api/sourcing", json={"part_number": "X", "site": "Y", "lead_time_days": 1}), 422
    )
    assert [e["location"] for e in unknown["errors"]] == ["body.part_number", "body.site"]
    alternate = {
        "part_number": "M",
        "site": "SUP-2",
        "share": 0.3,
        "lead_time_days": 30,
        "qualified_alternate": True,
    }
    assert client.post("/api/sourcing", json=alternate).status_code == 201
    sources = client.get("/api/parts/M/sources").json()
    assert [(s["site"], s["share"], s["country"], s["qualified_alternate"]) for s in sources] == [
        ("SUP-1", 0.7, "DE", False),
        ("SUP-2", 0.3, "CZ", True),
    ]
    assert _problem(client.patch("/api/sourcing/M/SUP-2", json={"share": 0.5}), 422)
    changed = client.patch("/api/sourcing/M/SUP-1", json={"lead_time_days": 60, "price_eur": 12.5}).json()
    assert (changed["lead_time_days"], changed["price_eur"], changed["share"]) == (60, 12.5, 0.7)
    assert client.get("/api/sourcing", params={"site": "SUP-2"}).json()["total"] == 1
    assert client.get("/api/sourcing", params={"organization": "SUP"}).json()["total"] == 2
    assert client.delete("/api/sourcing/M/SUP-2").status_code == 204
    assert _problem(client.delete("/api/sourcing/M/SUP-2"), 404)
    assert client.get("/api/sourcing").json()["total"] == 1
    assert _problem(client.get("/api/parts/NOPE/sources"), 404)
    assert _problem(
        client.post("/api/sourcing", json={"part_number": "M", "site": "SUP-2", "lead_time_days": -1}), 422
    )
