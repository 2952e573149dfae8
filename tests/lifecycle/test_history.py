"""A machine's status, as-maintained modules and service record from its events, and the signed
passport revision that follows each change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.lifecycle import service
from keten.lifecycle.history import machine_lifecycle
from keten.lifecycle.identifiers import canonical_id
from keten.lifecycle.vocabulary import keten_step
from keten.passports import service as passports
from keten.problems import Problem
from tests.lifecycle.conftest import GRANTED_GTIN, build_chain, document, event, machine

MACHINE = machine(GRANTED_GTIN, "SN0000001")
URI = canonical_id(MACHINE) or ""
OLD = machine("08712345000035", "MOD-OLD")
NEW = machine("08712345000035", "MOD-NEW")


def _swap(when: str, action: str, module: str) -> dict[str, Any]:
    return {
        "type": "AggregationEvent",
        "eventTime": when,
        "eventTimeZoneOffset": "+00:00",
        "parentID": MACHINE,
        "childEPCs": [module],
        "action": action,
        "bizStep": "replacing" if action == "DELETE" else "installing",
    }


def _stored(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**e, "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}"} for i, e in enumerate(events)]


def test_status_follows_the_steps_and_end_of_life_is_for_good() -> None:
    steps = [
        ("commissioning", None, "in_use"),
        ("repairing", None, "in_repair"),
        ("repairing", "active", "in_use"),
        (keten_step("refurbishing"), None, "refurbished"),
        ("inspecting", None, "refurbished"),
        ("decommissioning", None, "end_of_life"),
        ("installing", None, "end_of_life"),
    ]
    events: list[dict[str, Any]] = []
    for day, (step, disposition, expected) in enumerate(steps, start=1):
        extra = {"disposition": disposition} if disposition else {}
        events.append(event(MACHINE, step, f"2026-01-{day:02d}T08:00:00Z", **extra))
        found = machine_lifecycle(URI, _stored(*events))
        assert found is not None and found.status == expected, (step, found)
    assert found is not None and found.status_since.day == 6


def test_as_maintained_modules_follow_replacements_and_the_service_record_lists_service() -> None:
    events = _stored(
        event(MACHINE, "installing", "2026-01-01T08:00:00Z"),
        _swap("2026-01-01T09:00:00Z", "ADD", OLD),
        event(MACHINE, "inspecting", "2026-02-01T08:00:00Z"),
        _swap("2026-03-01T08:00:00Z", "DELETE", OLD),
        _swap("2026-03-01T09:00:00Z", "ADD", NEW),
        event(MACHINE, "repairing", "2026-03-01T10:00:00Z", disposition="active"),
    )
    found = machine_lifecycle(URI, events)
    assert found is not None
    assert [m.id for m in found.as_maintained] == [canonical_id(NEW)]
    assert [s.business_step for s in found.service_record] == ["inspecting", "replacing", "repairing"]
    assert found.status == "in_use"
    assert machine_lifecycle(URI, []) is None


def _revisions(engine: Engine) -> int:
    with Session(engine) as s:
        record = passports.find(s, gtin=GRANTED_GTIN, serial="SN0000001")
        return len(passports.revisions(s, passport_id=record.uid))


def test_the_passport_gets_a_signed_revision_when_its_history_changes(
    client: TestClient, engine: Engine
) -> None:
    build_chain(engine)
    before = _revisions(engine)
    repair = document(
        event(MACHINE, "installing", "2026-01-01T08:00:00Z"),
        event(MACHINE, "repairing", "2026-02-01T08:00:00Z"),
    )
    assert (
        client.post("/epcis/capture", json=repair, headers={"Content-Type": "application/json"}).status_code
        == 202
    )
    assert _revisions(engine) == before + 1
    # The same events again change nothing, so no revision.
    assert (
        client.post("/epcis/capture", json=repair, headers={"Content-Type": "application/json"}).status_code
        == 202
    )
    assert _revisions(engine) == before + 1
    with Session(engine) as s:
        uid = passports.find(s, gtin=GRANTED_GTIN, serial="SN0000001").uid
        public = passports.content(s, passport_id=uid, tier="public")
        partner = passports.content(s, passport_id=uid, tier="legitimate_interest")
        assert passports.verify_chain(s) == []
    assert public.lifecycle is not None and public.lifecycle.status == "in_repair"
    assert public.lifecycle.service_record == []
    assert partner.lifecycle is not None
    assert [e.business_step for e in partner.lifecycle.service_record] == ["repairing"]
    # The other serial of the product has no events and keeps its passport as issued.
    with Session(engine) as s:
        other = passports.find(s, gtin=GRANTED_GTIN, serial="SN0000002").uid
        assert passports.content(s, passport_id=other, tier="owner").lifecycle is None


def test_a_machine_s_timeline_is_its_events_oldest_first(engine: Engine) -> None:
    chain = build_chain(engine)
    with Session(engine) as s:
        caller = service.Caller(username="tester")
        service.capture_document(
            s,
            document=document(
                event(MACHINE, "repairing", "2026-03-01T08:00:00Z"), _swap("2026-01-01T09:00:00Z", "ADD", OLD)
            ),
            caller=caller,
        )
        found = service.timeline(s, gtin=GRANTED_GTIN, serial="SN0000001", caller=caller)
        assert [e["type"] for e in found.events] == ["AggregationEvent", "ObjectEvent"]
        assert found.lifecycle is not None and found.lifecycle.status == "in_repair"
        partner = service.Caller(partner_code="X", gtins=frozenset({"00000000000000"}))
        with pytest.raises(Problem) as refused:
            service.timeline(s, gtin=GRANTED_GTIN, serial="SN0000001", caller=partner)
        assert refused.value.status == 404
    assert chain.granted == MACHINE
