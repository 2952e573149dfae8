"""The PACT conformance test cases of the Technical Specifications v3 (TC1 to TC37, as listed in
wbcsd/pact-conformance-service docs/v3-test-cases-expected-results.md), each a test against a live
keten node over HTTPS, with a second keten node in the part of the conformance service.

The host refuses plain HTTP (TC9-11, TC17) through a twin server on the same database."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.exchange import service
from keten.exchange.models import AccessEntry, FootprintRequest
from keten.footprints.models import SupplierPcf
from tests.exchange.conftest import (
    Conformance,
    answered_request,
    cloud_event,
    conformance_nodes,
    published_ids,
    wait_for,
)

VERSION = "3"
CLOUDEVENTS = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}


@pytest.fixture(scope="module")
def pact(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Conformance]:
    with conformance_nodes(tmp_path_factory.mktemp("pact3"), VERSION) as nodes:
        yield nodes


def test_tc001_obtain_auth_token_with_valid_credentials(pact: Conformance, http: httpx.Client) -> None:
    response = http.post(
        f"{pact.host}/auth/token",
        data={"grant_type": "client_credentials"},
        headers={
            "Authorization": "Basic "
            + base64.b64encode(f"{pact.partner.client_id}:{pact.partner.secret}".encode()).decode()
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2
    assert response.headers["cache-control"] == "no-store"


def test_tc002_obtain_auth_token_with_invalid_credentials(pact: Conformance, http: httpx.Client) -> None:
    for auth in ((pact.partner.client_id, "wrong"), ("pact_nobody", pact.partner.secret)):
        response = http.post(f"{pact.host}/auth/token", data={"grant_type": "client_credentials"}, auth=auth)
        assert response.status_code in (400, 401)
        assert response.json()["error"] == "invalid_client"
        assert "access_token" not in response.json()


def test_tc003_get_pcf_using_getfootprint(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    pf_id = published_ids(pact)[0]
    response = http.get(f"{pact.host}/3/footprints/{pf_id}", headers=bearer)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == pf_id
    assert data["specVersion"] == "3.0.0"
    assert service.validate(data, "3") == []
    assert "primaryDataShare" in data["pcf"]


def test_tc004_get_all_pcfs_using_listfootprints(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    response = http.get(f"{pact.host}/3/footprints", headers=bearer)
    assert response.status_code in (200, 202)
    data = response.json()["data"]
    assert sorted(pf["id"] for pf in data) == sorted(published_ids(pact))
    assert all(service.validate(pf, "3") == [] for pf in data)


def test_tc005_pagination_link_implementation_of_action_listfootprints(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    seen: list[str] = []
    url: str | None = f"{pact.host}/3/footprints?limit=1"
    while url:
        response = http.get(url, headers=bearer)
        assert response.status_code == 200
        page = response.json()["data"]
        assert len(page) <= 1
        seen.extend(pf["id"] for pf in page)
        following = response.links.get("next", {}).get("url")
        if following:
            assert following.startswith(pact.host + "/3/footprints?")
        url = following
    assert seen == published_ids(pact)


def test_tc006_attempt_listfootprints_with_invalid_token(pact: Conformance, http: httpx.Client) -> None:
    response = http.get(f"{pact.host}/3/footprints", headers={"Authorization": "Bearer invalid-access-token"})
    assert response.status_code == 400
    assert response.json() == {"code": "BadRequest", "message": "Invalid token provided"}


def test_tc007_attempt_getfootprint_with_invalid_token(pact: Conformance, http: httpx.Client) -> None:
    pf_id = published_ids(pact)[0]
    response = http.get(
        f"{pact.host}/3/footprints/{pf_id}", headers={"Authorization": "Bearer invalid-access-token"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    assert "data" not in response.json()


def test_tc008_attempt_getfootprint_with_non_existent_pfid(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    for missing in ("non-existent-id", str(uuid.uuid4())):
        response = http.get(f"{pact.host}/3/footprints/{missing}", headers=bearer)
        assert response.status_code == 404
        assert response.json()["code"] == "NotFound"


def test_tc009_attempt_authentication_through_http(pact: Conformance) -> None:
    response = httpx.post(
        f"{pact.host_plain}/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(pact.partner.client_id, pact.partner.secret),
    )
    assert response.status_code == 400
    assert "access_token" not in response.json()


def test_tc010_attempt_listfootprints_through_http(pact: Conformance, bearer: dict[str, str]) -> None:
    response = httpx.get(f"{pact.host_plain}/3/footprints", headers=bearer)
    assert response.status_code == 400
    assert "data" not in response.json()


def test_tc011_attempt_getfootprint_through_http(pact: Conformance, bearer: dict[str, str]) -> None:
    response = httpx.get(f"{pact.host_plain}/3/footprints/{published_ids(pact)[0]}", headers=bearer)
    assert response.status_code == 400
    assert "data" not in response.json()


def test_tc012_receive_asynchronous_pcf_request(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    event = cloud_event(
        VERSION, "created", {"productId": [service.product_urn("MOD")], "comment": "this year"}
    )
    response = http.post(
        f"{pact.host}/3/events", content=json.dumps(event), headers={**bearer, **CLOUDEVENTS}
    )
    assert response.status_code == 200
    with Session(pact.host_engine) as session:
        queued = session.scalars(
            select(FootprintRequest).where(FootprintRequest.event_id == event["id"])
        ).one()
        assert (queued.direction, queued.status, queued.pact_version) == ("incoming", "pending", "3")


def _tester_requests(pact: Conformance, part_number: str) -> FootprintRequest:
    response = httpx.post(
        f"{pact.tester}/api/exchange/requests",
        json={
            "partner": "HOST",
            "part_number": part_number,
            "comment": "Please send PCF data for this year.",
        },
        headers={"Authorization": f"Bearer {pact.tester_token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    with Session(pact.host_engine) as session:
        return wait_for(
            lambda: session.scalars(
                select(FootprintRequest).where(FootprintRequest.event_id == response.json()["event_id"])
            ).first()
        )


def test_tc013_respond_to_pcf_request_fulfilled_event(pact: Conformance) -> None:
    request = _tester_requests(pact, "CMP")
    assert request.direction == "incoming"
    response = httpx.post(
        f"{pact.host}/api/exchange/requests/{request.id}/fulfil",
        json={"part_number": "CMP"},
        headers={"Authorization": f"Bearer {_host_admin(pact)}"},
        verify=_ssl(pact),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "fulfilled"
    # The answer is queued in the host's outbox with the change, and its worker sends it.
    ours = answered_request(pact, request.event_id)
    assert ours.status == "fulfilled"
    assert ours.footprint_ids == response.json()["footprint_ids"]
    with Session(pact.tester_engine) as session:
        stored = session.scalars(select(SupplierPcf).where(SupplierPcf.source == "pact:HOST:CMP")).one()
        assert stored.kg_co2e_per_unit == pytest.approx(4.0)


def test_tc014_respond_to_pcf_request_rejected_event(pact: Conformance) -> None:
    request = _tester_requests(pact, "CMP")
    response = httpx.post(
        f"{pact.host}/api/exchange/requests/{request.id}/reject",
        json={"reason": "The requested footprint could not be found."},
        headers={"Authorization": f"Bearer {_host_admin(pact)}"},
        verify=_ssl(pact),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    # The answer is queued in the host's outbox with the change, and its worker sends it.
    ours = answered_request(pact, request.event_id)
    assert ours.status == "rejected"
    assert ours.reason == "NotFound: The requested footprint could not be found."


def test_tc015_receive_notification_of_pcf_update(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    pf_id = str(uuid.uuid4())
    event = cloud_event(VERSION, "published", {"pfIds": [pf_id]})
    response = http.post(
        f"{pact.host}/3/events", content=json.dumps(event), headers={**bearer, **CLOUDEVENTS}
    )
    assert response.status_code == 200

    # The host then fetches the announced footprint from the tester's API, which does not hold
    # it; the access log (written by a background thread, flushed here as its reader would)
    # shows the event and the failed fetch.
    def logged(action: str) -> AccessEntry | None:
        service.flush_access_log(pact.host_engine)
        with Session(pact.host_engine) as session:
            return session.scalars(
                select(AccessEntry).where(AccessEntry.action == action).order_by(AccessEntry.id.desc())
            ).first()

    event_entry = wait_for(lambda: logged("event"))
    assert event_entry.status == 200
    fetch = wait_for(lambda: (found := logged(service.FETCH_ACTION)) and pf_id in found.target and found)
    assert fetch.status == 502 and fetch.target.startswith("fetched 0 of 1; failed: GET ")


def test_tc016_attempt_action_events_with_invalid_token(pact: Conformance, http: httpx.Client) -> None:
    event = cloud_event(VERSION, "published", {"pfIds": [str(uuid.uuid4())]})
    response = http.post(
        f"{pact.host}/3/events",
        content=json.dumps(event),
        headers={"Authorization": "Bearer invalid-access-token", **CLOUDEVENTS},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"


def test_tc017_attempt_action_events_through_http(pact: Conformance, bearer: dict[str, str]) -> None:
    event = cloud_event(VERSION, "created", {"productId": ["urn:gtin:4712345060507"]})
    response = httpx.post(
        f"{pact.host_plain}/3/events", content=json.dumps(event), headers={**bearer, **CLOUDEVENTS}
    )
    assert response.status_code == 400
    with Session(pact.host_engine) as session:
        assert (
            session.scalars(select(FootprintRequest).where(FootprintRequest.event_id == event["id"])).first()
            is None
        )


def test_tc018_openid_connect_based_authentication_flow(pact: Conformance, http: httpx.Client) -> None:
    discovery = http.get(f"{pact.host}/.well-known/openid-configuration").json()
    assert discovery["token_endpoint"] == f"{pact.host}/auth/token"
    response = http.post(
        discovery["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(pact.partner.client_id, pact.partner.secret),
    )
    assert response.status_code == 200
    keys = http.get(discovery["jwks_uri"]).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"


def test_tc019_openid_connect_based_authentication_flow_with_incorrect_credentials(
    pact: Conformance, http: httpx.Client
) -> None:
    discovery = http.get(f"{pact.host}/.well-known/openid-configuration").json()
    response = http.post(
        discovery["token_endpoint"],
        data={"grant_type": "client_credentials"},
        auth=(pact.partner.client_id, pact.partner.secret[:-1]),
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def _listed(pact: Conformance, http: httpx.Client, bearer: dict[str, str], params: Any) -> list[str]:
    response = http.get(f"{pact.host}/3/footprints", params=params, headers=bearer)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert isinstance(data, list)
    return sorted(pf["productIds"][0].rsplit(":", 1)[1] for pf in data)


ALL = ["BRK", "CMP", "MOD"]
OWN_COMPANY = "urn:keten:company:HOSTCO"


def test_tc020_filter_by_product_id(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    assert _listed(pact, http, bearer, {"productId": service.product_urn("MOD").upper()}) == ["MOD"]


def test_tc021_filter_by_company_id(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    assert _listed(pact, http, bearer, {"companyId": OWN_COMPANY}) == ALL


def test_tc022_filter_by_geography(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    assert _listed(pact, http, bearer, {"geography": "nl"}) == ALL


def test_tc023_filter_by_classification(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    urn = "urn:pact:productclassification:un-cpc:4449"
    assert _listed(pact, http, bearer, {"classification": urn}) == ALL


def test_tc024_filter_by_valid_on(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _listed(pact, http, bearer, {"validOn": now}) == ALL


def test_tc025_filter_by_valid_after(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    assert _listed(pact, http, bearer, {"validAfter": "2023-01-14T10:15:30Z"}) == ALL


def test_tc026_filter_by_valid_before(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    assert _listed(pact, http, bearer, {"validBefore": "2100-01-01T00:00:00Z"}) == ALL


def test_tc027_filter_by_status(pact: Conformance, http: httpx.Client, bearer: dict[str, str]) -> None:
    assert _listed(pact, http, bearer, {"status": "Active"}) == ALL
    assert _listed(pact, http, bearer, {"status": "Deprecated"}) == []


def test_tc028_filter_by_status_and_product_id(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    params = {"status": "Active", "productId": service.product_urn("CMP")}
    assert _listed(pact, http, bearer, params) == ["CMP"]


def test_tc029_filter_by_several_values_of_one_criterion_with_or(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    params = [("companyId", OWN_COMPANY), ("companyId", "urn:uuid:other-company"), ("companyId", "urn:x:y")]
    assert _listed(pact, http, bearer, params) == ALL
    products = [("productId", service.product_urn("MOD")), ("productId", service.product_urn("BRK"))]
    assert _listed(pact, http, bearer, products) == ["BRK", "MOD"]


def test_tc030_filter_by_product_id_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"productId": "urn:bogus:product:nonexistent123"}) == []


def test_tc031_filter_by_company_id_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"companyId": "urn:bogus:company:nonexistent456"}) == []


def test_tc032_filter_by_geography_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"geography": "XX"}) == []


def test_tc033_filter_by_classification_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"classification": "urn:bogus:classification:nonexistent789"}) == []


def test_tc034_filter_by_valid_on_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"validOn": "1900-01-01T00:00:00Z"}) == []


def test_tc035_filter_by_valid_after_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"validAfter": "2099-12-31T23:59:59Z"}) == []


def test_tc036_filter_by_valid_before_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"validBefore": "1900-01-01T00:00:00Z"}) == []


def test_tc037_filter_by_status_negative(
    pact: Conformance, http: httpx.Client, bearer: dict[str, str]
) -> None:
    assert _listed(pact, http, bearer, {"status": "BogusStatusValue"}) == []


def _ssl(pact: Conformance) -> Any:
    import ssl

    return ssl.create_default_context(cafile=pact.ca)


def _host_admin(pact: Conformance) -> str:
    from tests.conftest import make_user

    return make_user(pact.host_engine, "editor")
