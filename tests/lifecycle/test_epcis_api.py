"""The EPCIS 2.0 REST binding at /epcis: capture, capture jobs, events by id, the query with its
pagination, validation that rejects a document whole, storing an event once, and partners who see
only the machines granted to them. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.lifecycle.models import EventIdentifier, LifecycleEvent
from keten.lifecycle.vocabulary import keten_step
from tests.lifecycle.conftest import OTHER_GTIN, build_chain, document, event, machine

JSON = {"Content-Type": "application/ld+json"}


def _stored(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(LifecycleEvent)) or 0)


def _events(client: TestClient, **params: str) -> list[dict[str, Any]]:
    answer = client.get("/epcis/events", params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return found


def test_capture_answers_202_with_a_job_that_says_what_was_stored(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    doc = document(
        event(chain.granted, "installing"), event(chain.granted, "repairing", "2026-06-01T09:00:00Z")
    )
    answer = client.post("/epcis/capture", json=doc, headers=JSON)
    assert answer.status_code == 202, answer.text
    assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert answer.headers["GS1-CBV-Version"] == "2.0.0"
    job = client.get(answer.headers["Location"])
    assert job.status_code == 200
    assert job.json()["running"] is False and job.json()["success"] is True
    assert job.json()["captureErrorBehaviour"] == "rollback"
    assert (job.json()["eventCount"], job.json()["storedCount"]) == (2, 2)
    assert _stored(engine) == 2


def test_the_same_event_sent_twice_is_stored_once(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    first = event(chain.granted, "inspecting")
    # The same event again, its EPC as a Digital Link on another domain and its time in UTC.
    again = event("https://example.com/01/08712345000011/21/SN0000001", "inspecting", "2026-05-01T08:00:00Z")
    again["eventTimeZoneOffset"] = "+02:00"
    assert client.post("/epcis/capture", json=document(first, again), headers=JSON).status_code == 202
    answer = client.post("/epcis/capture", json=document(first), headers=JSON)
    assert client.get(answer.headers["Location"]).json()["storedCount"] == 0
    assert _stored(engine) == 1
    single = client.post(
        "/epcis/events",
        json={"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", **first},
        headers=JSON,
    )
    assert single.status_code == 201
    assert _stored(engine) == 1
    stored_id = _events(client)[0]["eventID"]
    assert single.headers["Location"] == f"/epcis/events/{quote(stored_id, safe='')}"
    assert stored_id.startswith("ni:///sha-256;") and stored_id.endswith("?ver=CBV2.0")


def test_an_invalid_document_is_rejected_whole_with_its_reasons(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    bad_step = event(chain.granted, "polishing")
    no_time = event(chain.granted)
    del no_time["eventTime"]
    doc = document(event(chain.granted), bad_step, no_time)
    answer = client.post("/epcis/capture", json=doc, headers=JSON)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["type"] == "epcisException:ValidationException"
    locations = {e["location"] for e in body["errors"]}
    assert "epcisBody/eventList/1/bizStep" in locations
    assert "epcisBody/eventList/2" in locations
    assert any("eventTime" in e["message"] for e in body["errors"])
    assert _stored(engine) == 0


def test_a_different_event_under_a_taken_event_id_is_refused(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    one = event(chain.granted, eventID="urn:uuid:6a3c8b0e-2f5b-4d43-9a55-2e7b1d3c0f11")
    assert client.post("/epcis/capture", json=document(one), headers=JSON).status_code == 202
    other = {**one, "bizStep": "inspecting"}
    answer = client.post("/epcis/capture", json=document(other), headers=JSON)
    assert answer.status_code == 409
    assert answer.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert _stored(engine) == 1


def test_query_by_business_step_time_window_and_identifiers(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    module = machine("08712345000035", "MOD7")
    doc = document(
        event(chain.granted, "installing", "2026-01-10T08:00:00Z"),
        event(chain.granted, "repairing", "2026-03-10T08:00:00Z"),
        event(chain.other, "repairing", "2026-03-11T08:00:00Z"),
        {
            "type": "AggregationEvent", "eventTime": "2026-03-10T09:00:00Z", "eventTimeZoneOffset": "+00:00",
            "parentID": chain.granted, "childEPCs": [module], "action": "ADD", "bizStep": "replacing",
        },
        {
            "type": "TransformationEvent", "eventTime": "2026-09-01T08:00:00Z",
            "eventTimeZoneOffset": "+00:00", "inputEPCList": [chain.other], "outputEPCList": [module],
            "bizStep": keten_step("harvesting"),
        },
    )  # fmt: skip
    assert client.post("/epcis/capture", json=doc, headers=JSON).status_code == 202
    window = _events(
        client,
        EQ_bizStep="repairing",
        GE_eventTime="2026-03-01T00:00:00Z",
        LT_eventTime="2026-03-11T00:00:00Z",
    )
    assert [e["epcList"] for e in window] == [[chain.granted]]
    assert len(_events(client, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-repairing")) == 2
    assert [e["type"] for e in _events(client, MATCH_anyEPC=chain.granted)] == [
        "ObjectEvent",
        "ObjectEvent",
        "AggregationEvent",
    ]
    assert [e["bizStep"] for e in _events(client, MATCH_epc=module)] == ["replacing"]
    assert [e["type"] for e in _events(client, MATCH_outputEPC=module)] == ["TransformationEvent"]
    assert len(_events(client, MATCH_epc=f"urn:epc:idpat:sgtin:8712345.{OTHER_GTIN[0]}00002.*")) == 1
    assert len(_events(client, eventType="AggregationEvent|TransformationEvent")) == 2
    assert len(_events(client, EQ_bizStep=keten_step("harvesting"))) == 1
    assert len(_events(client, EQ_action="ADD")) == 1


def test_pages_follow_the_link_header_until_the_last(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    times = [f"2026-04-{d:02d}T08:00:00Z" for d in range(1, 8)]
    assert (
        client.post(
            "/epcis/capture",
            json=document(*(event(chain.granted, "inspecting", t) for t in times)),
            headers=JSON,
        ).status_code
        == 202
    )
    seen, url, pages = [], "/epcis/events?perPage=3&EQ_bizStep=inspecting", 0
    while url:
        answer = client.get(url)
        assert answer.status_code == 200
        seen += [
            e["eventTime"] for e in answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]
        link = answer.headers.get("Link")
        url = link[1 : link.index(">")] if link else ""
        pages += 1
    assert seen == times and pages == 3
    assert len(_events(client, eventCountLimit="5", perPage="2")) == 2
    newest = _events(client, orderDirection="DESC", perPage="1")
    assert newest[0]["eventTime"] == times[-1]


def test_bad_query_parameters_are_refused_by_name(client: TestClient, engine: Engine) -> None:
    build_chain(engine)
    for params, named in (
        ({"EQ_userID": "x"}, "EQ_userID"),
        ({"GE_eventTime": "yesterday"}, "GE_eventTime"),
        ({"EQ_action": "JUMP"}, "EQ_action"),
        ({"MATCH_epc": "not an epc"}, "MATCH_epc"),
        ({"nextPageToken": "abc"}, "nextPageToken"),
        ({"perPage": "0"}, "perPage"),
    ):
        answer = client.get("/epcis/events", params=params)
        assert answer.status_code == 400, params
        assert answer.json()["type"] == "epcisException:QueryParameterException"
        assert named in answer.json()["detail"]


def test_one_event_by_its_id_and_a_missing_one(client: TestClient, engine: Engine) -> None:
    chain = build_chain(engine)
    one = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        **event(chain.granted),
    }
    created = client.post("/epcis/events", json=one, headers=JSON)
    assert created.status_code == 201
    got = client.get(created.headers["Location"])
    assert got.status_code == 200
    assert got.json()["type"] == "EPCISQueryDocument"
    assert got.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"][0]["bizStep"] == "repairing"
    missing = client.get("/epcis/events/" + quote("urn:uuid:00000000-0000-4000-8000-000000000000", safe=""))
    assert missing.status_code == 404
    without_context = client.post("/epcis/events", json=event(chain.granted), headers=JSON)
    assert without_context.status_code == 400


def test_credentials_and_roles(
    client_as: Callable[[str], TestClient], anonymous_client: TestClient, engine: Engine
) -> None:
    chain = build_chain(engine)
    doc = document(event(chain.granted))
    assert anonymous_client.post("/epcis/capture", json=doc, headers=JSON).status_code == 401
    # Credentials are checked before the body: no caller learns what the body should have been.
    assert (
        anonymous_client.post(
            "/epcis/capture", content=b"x", headers={"Content-Type": "text/plain"}
        ).status_code
        == 401
    )
    assert anonymous_client.get("/epcis/events").status_code == 401
    viewer = client_as("viewer")
    assert viewer.post("/epcis/capture", json=doc, headers=JSON).status_code == 403
    assert viewer.get("/epcis/events").status_code == 200
    assert (
        client_as("editor")
        .post("/epcis/capture", json=doc, headers={"Content-Type": "text/plain"})
        .status_code
        == 415
    )
    assert _stored(engine) == 0


def test_a_partner_captures_and_sees_only_its_granted_machines(
    client: TestClient, anonymous_client: TestClient, engine: Engine
) -> None:
    chain = build_chain(engine)
    partner = {"Authorization": f"Bearer {chain.partner_token}", **JSON}
    assert (
        client.post(
            "/epcis/capture", json=document(event(chain.other, "installing")), headers=JSON
        ).status_code
        == 202
    )
    answer = anonymous_client.post(
        "/epcis/capture", json=document(event(chain.granted, "repairing")), headers=partner
    )
    assert answer.status_code == 202, answer.text
    refused = anonymous_client.post(
        "/epcis/capture", json=document(event(chain.granted), event(chain.other)), headers=partner
    )
    assert refused.status_code == 403
    assert chain.other in refused.json()["detail"]
    assert _stored(engine) == 2
    seen = anonymous_client.get("/epcis/events", headers=partner).json()["epcisBody"]["queryResults"][
        "resultsBody"
    ]["eventList"]
    assert [e["epcList"] for e in seen] == [[chain.granted]]
    hidden = _events(client, MATCH_epc=chain.other)[0]["eventID"]
    assert anonymous_client.get("/epcis/events/" + quote(hidden, safe=""), headers=partner).status_code == 404
    assert anonymous_client.get(answer.headers["Location"], headers=partner).status_code == 200
    with Session(engine) as s:
        assert set(s.scalars(select(EventIdentifier.serial))) == {"SN0000001"}
