"""The partners JSON API: organizations with checked identifiers, sites, sourcing."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_organizations_sites_and_sourcing(client: TestClient) -> None:
    own = {"code": "OWN", "name": "Own B.V.", "role": "own", "country": "nl", "kvk": "12345678"}
    assert client.post("/api/organizations", json=own).json()["country"] == "NL"
    second_own = client.post("/api/organizations", json={**own, "code": "OWN2"})
    assert second_own.status_code == 409 and "only one" in second_own.json()["detail"]
    supplier = {
        "code": "SUP",
        "name": "Supplier GmbH",
        "role": "supplier",
        "country": "DE",
        "gln": "4001234000077",
    }
    assert client.post("/api/organizations", json=supplier).status_code == 201
    assert (
        client.post(
            "/api/sites", json={"code": "SUP-1", "organization": "SUP", "name": "Aachen", "country": "DE"}
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/sites", json={"code": "SUP-2", "organization": "SUP", "name": "Brno", "country": "CZ"}
        ).status_code
        == 201
    )
    assert [s["code"] for s in client.get("/api/organizations/SUP/sites").json()] == ["SUP-1", "SUP-2"]
    assert client.get("/api/sites", params={"country": "cz"}).json()["total"] == 1
    assert client.get("/api/organizations", params={"role": "supplier"}).json()["total"] == 1

    client.post("/api/parts", json={"part_number": "M", "name": "Magnet", "kind": "component"})
    first = client.post(
        "/api/sourcing", json={"part_number": "M", "site": "SUP-1", "share": 0.7, "lead_time_days": 90}
    )
    assert first.status_code == 201
    too_much = client.post(
        "/api/sourcing", json={"part_number": "M", "site": "SUP-2", "share": 0.5, "lead_time_days": 30}
    )
    assert too_much.status_code == 422 and "1.2" in too_much.json()["detail"]
    alternate = {
        "part_number": "M",
        "site": "SUP-2",
        "share": 0.3,
        "lead_time_days": 30,
        "qualified_alternate": True,
    }
    assert client.post("/api/sourcing", json=alternate).status_code == 201
    sources = client.get("/api/parts/M/sources").json()
    assert [(s["site"], s["share"], s["country"]) for s in sources] == [
        ("SUP-1", 0.7, "DE"),
        ("SUP-2", 0.3, "CZ"),
    ]
    assert client.delete("/api/sourcing/M/SUP-2").status_code == 204
    assert client.get("/api/sourcing").json()["total"] == 1


def test_identifiers_are_checked(client: TestClient) -> None:
    bad_lei = client.post(
        "/api/organizations", json={"code": "X", "name": "X", "lei": "529900T8BM49AURSDO56"}
    )
    assert bad_lei.status_code == 422 and "LEI" in str(bad_lei.json()["errors"])
    bad_gln = client.post("/api/organizations", json={"code": "X", "name": "X", "gln": "4001234000070"})
    assert bad_gln.status_code == 422 and "check digit" in str(bad_gln.json()["errors"])
    bad_country = client.post("/api/organizations", json={"code": "X", "name": "X", "country": "XX"})
    assert bad_country.status_code == 422
    assert client.get("/api/organizations/NOPE").status_code == 404
    assert client.get("/api/sites/NOPE").json()["detail"] == "no site with code 'NOPE'"
