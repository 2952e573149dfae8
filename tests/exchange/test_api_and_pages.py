"""The owner's side over HTTP: partners and credentials, grants, the access log and the request
queue, through the JSON API and the pages, with their roles; and the PACT API through the app."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.exchange import service
from keten.exchange.models import FootprintRequest, PublishedFootprint
from keten.exchange.schemas import PartnerCreate
from keten.footprints.models import SupplierPcf
from tests.exchange.conftest import add_partner

HTML = {"Accept": "text/html"}


def _token(client: TestClient, client_id: str, secret: str) -> dict[str, str]:
    response = client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_partners_credentials_grants_and_the_access_log_over_the_api(
    client_as: Callable[[str], TestClient], chain: list[str]
) -> None:
    admin, editor, viewer = client_as("admin"), client_as("editor"), client_as("viewer")
    mod = chain[0]
    created = admin.post(
        "/api/exchange/partners", json={"code": "OEM", "name": "OEM B.V.", "organization": "OWN"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["client_secret"] and body["organization"] == "OWN"
    assert "client_secret" not in admin.get("/api/exchange/partners/OEM").json()
    assert editor.post("/api/exchange/partners", json={"code": "X", "name": "X"}).status_code == 403
    assert admin.post("/api/exchange/partners", json={"code": "OEM", "name": "again"}).status_code == 409

    pact = admin  # the PACT routes ignore keten tokens; the partner's own token is sent
    headers = _token(pact, body["client_id"], body["client_secret"])
    assert pact.get("/2/footprints", headers=headers).json() == {"data": []}
    grant = editor.post("/api/exchange/grants", json={"partner": "OEM", "part_number": mod, "purpose": "LCA"})
    assert grant.status_code == 201, grant.text
    assert grant.json()["active"] and grant.json()["created_by"].startswith("editor")
    listed = pact.get("/2/footprints", headers=headers)
    assert [pf["productIds"] for pf in listed.json()["data"]] == [[service.product_urn(mod)]]
    assert viewer.post(f"/api/exchange/grants/{grant.json()['id']}/revoke").status_code == 403
    assert editor.post(f"/api/exchange/grants/{grant.json()['id']}/revoke").json()["active"] is False
    assert pact.get("/2/footprints", headers=headers).json() == {"data": []}

    rotated = admin.post("/api/exchange/partners/OEM/rotate").json()
    assert rotated["client_secret"] != body["client_secret"]
    assert pact.get("/2/footprints", headers=headers).status_code == 400
    refused = pact.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(body["client_id"], body["client_secret"]),
    )
    assert refused.status_code == 401
    admin.post("/api/exchange/partners/OEM/revoke")
    refused = pact.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(body["client_id"], rotated["client_secret"]),
    )
    assert refused.status_code == 401

    log = viewer.get("/api/exchange/access-log", params={"partner": "OEM"})
    assert log.status_code == 200
    actions = [(e["action"], e["status"]) for e in log.json()["items"]]
    assert ("list footprints", 200) in actions and ("token", 200) in actions
    assert log.json()["total"] == len(actions)


def test_publishing_and_the_published_list(client_as: Callable[[str], TestClient], chain: list[str]) -> None:
    editor, viewer = client_as("editor"), client_as("viewer")
    published = editor.post(f"/api/exchange/footprints/{chain[0]}/publish")
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    assert viewer.post(f"/api/exchange/footprints/{chain[0]}/publish").status_code == 403
    missing = editor.post("/api/exchange/footprints/NOPE/publish")
    assert missing.status_code == 404 and "NOPE" in missing.json()["detail"]
    items = viewer.get("/api/exchange/footprints").json()["items"]
    assert [(i["part_number"], i["status"]) for i in items if i["part_number"] == chain[0]] == [
        (chain[0], "Active"),
        (chain[0], "Deprecated"),
    ]


def test_the_pages_show_credentials_once_grants_the_log_and_the_queue(
    client_as: Callable[[str], TestClient], chain: list[str], engine: Engine
) -> None:
    admin, editor, viewer = client_as("admin"), client_as("editor"), client_as("viewer")
    page = admin.post("/exchange/partners", data={"code": "OEM", "name": "OEM B.V."}, headers=HTML)
    assert page.status_code == 200
    secret = re.search(
        r'data-testid="new-secret".*?Client secret</dt><dd class="mono">([^<]+)<', page.text, re.S
    )
    assert secret is not None
    assert secret.group(1) not in admin.get("/exchange", headers=HTML).text
    assert viewer.post("/exchange/partners", data={"code": "X", "name": "X"}, headers=HTML).status_code == 403
    bad = admin.post("/exchange/partners", data={"code": "OEM", "name": "again"}, headers=HTML)
    assert bad.status_code == 409 and "exists already" in bad.text

    granted = editor.post(
        "/exchange/grants",
        data={"partner": "OEM", "category": "modules", "purpose": "customer LCA"},
        headers=HTML,
        follow_redirects=False,
    )
    assert granted.status_code == 303
    grants = viewer.get("/exchange/grants", headers=HTML)
    assert "customer LCA" in grants.text and "modules" in grants.text
    wrong = editor.post("/exchange/grants", data={"partner": "OEM", "purpose": "x"}, headers=HTML)
    assert wrong.status_code == 422 and "part_number or a category" in wrong.text

    with Session(engine) as session:
        partner = service.get_partner(session, code="OEM")
        session.add(
            FootprintRequest(
                direction="incoming",
                partner_id=partner.id,
                event_id="evt-1",
                product_ids=[service.product_urn(chain[0])],
                comment="for our 2026 report",
                status="pending",
                footprint_ids=[],
            )
        )
        session.commit()
    queue = viewer.get("/exchange/requests", headers=HTML)
    assert "for our 2026 report" in queue.text and "Fulfil" not in queue.text
    assert "Fulfil" in editor.get("/exchange/requests", headers=HTML).text
    # The partner has no PACT API configured: the page says so and nothing changes.
    with Session(engine) as session:
        request_id = session.query(FootprintRequest.id).scalar()
    refused = editor.post(f"/exchange/requests/{request_id}/reject", data={"reason": "no"}, headers=HTML)
    assert refused.status_code == 422 and "no base URL" in refused.text
    dutch = viewer.get("/exchange/log", headers={**HTML, "Accept-Language": "nl"})
    assert "Toegangslog" in dutch.text


def test_pact_errors_use_the_specification_s_body_and_status(
    anonymous_client: TestClient, engine: Engine, chain: list[str]
) -> None:
    with Session(engine) as session:
        partner = add_partner(session, "OEM", {"category": "modules"})
        session.commit()
    headers = _token(anonymous_client, partner.client_id, partner.secret)
    for path, status, code in (
        ("/2/footprints?limit=abc", 400, "BadRequest"),
        ("/2/footprints?limit=0", 400, "BadRequest"),
        ("/2/footprints?$filter=name eq 'x'", 400, "BadRequest"),
        ("/3/footprints?validOn=yesterday", 400, "BadRequest"),
        ("/3/footprints/00000000-0000-4000-8000-000000000000", 404, "NotFound"),
        ("/2/footprints/00000000-0000-4000-8000-000000000000", 404, "NoSuchFootprint"),
    ):
        response = anonymous_client.get(path, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), path
        assert set(response.json()) == {"code", "message"}
    unknown = anonymous_client.post(
        "/2/events",
        json={"specversion": "1.0", "id": "1", "source": "x", "type": "org.example.Other", "data": {}},
        headers=headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "NotImplemented")
    broken = anonymous_client.post("/3/events", content=b"{not json", headers=headers)
    assert (broken.status_code, broken.json()["code"]) == (400, "BadRequest")
    grant_type = anonymous_client.post("/auth/token", data={"grant_type": "password"}, auth=("a", "b"))
    assert grant_type.json()["error"] == "unsupported_grant_type"


def test_an_unsolicited_fulfilled_event_is_acknowledged_and_not_stored(
    anonymous_client: TestClient, engine: Engine, chain: list[str]
) -> None:
    with Session(engine) as session:
        partner = add_partner(session, "CUSTOMER")
        document = json.loads(session.scalars(select(PublishedFootprint.document_v2)).first() or "{}")
        session.commit()
    headers = _token(anonymous_client, partner.client_id, partner.secret)
    event = service.make_event(
        "2", "fulfilled", {"requestEventId": "never-asked", "pfs": [document]}, source="https://customer"
    )
    answer = anonymous_client.post("/2/events", content=json.dumps(event), headers=headers)
    assert answer.status_code == 200
    with Session(engine) as session:
        assert session.scalars(select(SupplierPcf)).first() is None
    # A new event: one with the id of the first would be taken for a repeat and acknowledged.
    event = {**event, "id": f"{event['id']}-2", "data": {**event["data"], "pfs": [{**document, "pcf": {}}]}}
    invalid = anonymous_client.post("/2/events", content=json.dumps(event), headers=headers)
    assert invalid.status_code == 400 and "pfs/0" in invalid.json()["message"]


def test_granting_an_unpublished_footprint_says_so_and_offers_to_publish(
    client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    from tests.exchange.conftest import build_chain

    with Session(engine, expire_on_commit=False) as session:
        numbers = build_chain(session, publish=False)
        service.create_partner(session, data=PartnerCreate(code="OEM", name="OEM B.V."))
        session.commit()
    editor = client_as("editor")
    granted = editor.post(
        "/exchange/grants",
        data={"partner": "OEM", "part_number": numbers[0], "purpose": "customer LCA"},
        headers=HTML,
    )
    assert granted.status_code == 200
    assert f'data-testid="unpublished-{numbers[0]}"' in granted.text
    assert "not published yet" in granted.text and f'data-testid="publish-{numbers[0]}"' in granted.text
    dutch = editor.get("/exchange/grants", headers={**HTML, "Accept-Language": "nl"})
    assert "nog niet gepubliceerd" in dutch.text
    published = editor.post("/exchange/publish", data={"part_number": numbers[0]}, headers=HTML)
    assert published.status_code == 200
    assert f'data-testid="unpublished-{numbers[0]}"' not in published.text
    with Session(engine) as session:
        assert service.active_published(session, part_number=numbers[0]) is not None
