"""Capturing EPCIS events: a document or a single event is validated whole, each event gets its
hash id, the ones stored already are skipped, and the rest are written with the identifiers they
name, in the caller's one transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from keten.lifecycle.eventhash import event_hash_id, namespaces_of
from keten.lifecycle.identifiers import canonical_id, machine_of
from keten.lifecycle.models import CaptureJob, EventIdentifier, LifecycleEvent
from keten.lifecycle.validation import validate_document, validate_event
from keten.problems import Problem
from keten.timestamps import utc_now

__all__ = [
    "CAPTURE_LIMIT",
    "Caller",
    "Captured",
    "capture_document",
    "capture_event",
    "normal_step",
    "parse_time",
    "validation_problem",
]

CAPTURE_LIMIT = 10_000
"""Events one capture request may hold (the GS1-EPCIS-Capture-Limit this node announces)."""
_CHUNK = 1000
_PAGE_PARAMETERS = 50
_ID_FIELDS = (
    ("epcList", "epc"),
    ("childEPCs", "child"),
    ("inputEPCList", "input"),
    ("outputEPCList", "output"),
)
_CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


@dataclass(frozen=True)
class Caller:
    """Who captures or queries: a keten user (sees every machine) or an exchange partner, who sees
    the machines of ``gtins`` only (the GTINs of the parts its grants cover)."""

    username: str | None = None
    partner_code: str | None = None
    gtins: frozenset[str] | None = None

    def sees(self, gtin: str) -> bool:
        return self.gtins is None or gtin in self.gtins


@dataclass(frozen=True)
class Captured:
    """The outcome of a capture: the job, the event ids in the order sent, and how many were new."""

    capture_id: str | None
    event_ids: tuple[str, ...]
    stored: int
    machines: frozenset[tuple[str, str]] = frozenset()
    """(GTIN, serial) of every serialized item the new events name."""


def parse_time(text: str) -> datetime:
    """Return an RFC 3339 date-time as an aware datetime; a ValueError when it is none."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"'{text}' has no time zone")
    return moment


def normal_step(value: str) -> str:
    """Return a business step (or disposition) as stored: a CBV word bare, any other value as sent."""
    for prefix in ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _normal_disposition(value: str) -> str:
    for prefix in ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def validation_problem(findings: Sequence[str]) -> Problem:
    """Return the EPCIS ValidationException (400) listing ``findings``."""
    return Problem(
        400,
        "The EPCIS document or event is invalid",
        f"nothing was captured: {len(findings)} finding(s); the first: {findings[0]}",
        type_="epcisException:ValidationException",
        errors=[{"location": f.split(": ", 1)[0], "message": f.split(": ", 1)[-1]} for f in findings],
    )


def _identifiers(event: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield (role, identifier as sent) of every EPC, parent and EPC class ``event`` names."""
    if isinstance(event.get("parentID"), str):
        yield "parent", event["parentID"]
    for field, role in _ID_FIELDS:
        for value in event.get(field) or []:
            yield role, value
    for field in _CLASS_FIELDS:
        for element in event.get(field) or []:
            yield "class", element["epcClass"]


def _identifier_rows(event: Mapping[str, Any], caller: Caller, where: str) -> list[dict[str, Any]]:
    rows = []
    for role, value in _identifiers(event):
        machine = machine_of(value) if role != "class" else None
        if machine is not None and not caller.sees(machine.gtin):
            raise Problem(
                403,
                "Not granted",
                f"{where}: {value} names an item whose product is not granted to {caller.partner_code}",
                type_="epcisException:SecurityException",
            )
        rows.append(
            {
                "role": role,
                "uri": (canonical_id(value) or value)[:300],
                "gtin": machine.gtin if machine else None,
                "serial": machine.serial[:40] if machine else None,
            }
        )
    return rows


def _event_row(event: dict[str, Any], namespaces: Mapping[str, str], now: datetime) -> dict[str, Any]:
    hash_id = event_hash_id(event, namespaces)
    event_id = str(event.get("eventID") or hash_id)
    stored = {**event, "eventID": event_id, "recordTime": now.isoformat().replace("+00:00", "Z")}
    step = event.get("bizStep")
    disposition = event.get("disposition")
    return {
        "event_id": event_id,
        "hash_id": hash_id,
        "type": event["type"],
        "action": event.get("action"),
        "biz_step": normal_step(step) if isinstance(step, str) else None,
        "disposition": _normal_disposition(disposition) if isinstance(disposition, str) else None,
        "read_point": (event.get("readPoint") or {}).get("id"),
        "biz_location": (event.get("bizLocation") or {}).get("id"),
        "event_time": parse_time(event["eventTime"]),
        "record_time": now,
        "document": json.dumps(stored, ensure_ascii=False, separators=(",", ":")),
    }


def _pairs(session: Session, key: Any, other: Any, values: Sequence[str]) -> dict[str, str]:
    """Return {key: other} of the stored events whose ``key`` column is one of ``values``."""
    found: dict[str, str] = {}
    for start in range(0, len(values), _CHUNK):
        query = select(key, other).where(key.in_(values[start : start + _CHUNK]))
        found.update({str(k): str(o) for k, o in session.execute(query)})
    return found


def _store(
    session: Session,
    events: Sequence[dict[str, Any]],
    namespaces: Mapping[str, str],
    caller: Caller,
    capture_id: str | None,
) -> Captured:
    now = utc_now()
    rows: dict[str, dict[str, Any]] = {}
    id_rows: dict[str, list[dict[str, Any]]] = {}
    hashes: list[str] = []
    hash_of_id: dict[str, str] = {}
    for index, event in enumerate(events):
        row = _event_row(event, namespaces, now)
        identifiers = _identifier_rows(event, caller, f"eventList/{index}")
        if hash_of_id.setdefault(row["event_id"], row["hash_id"]) != row["hash_id"]:
            raise _collision(row["event_id"])
        hashes.append(row["hash_id"])
        if row["hash_id"] not in rows:
            rows[row["hash_id"]] = {**row, "capture_id": capture_id}
            id_rows[row["hash_id"]] = identifiers
    stored = _pairs(session, LifecycleEvent.hash_id, LifecycleEvent.event_id, list(rows))
    taken = _pairs(
        session, LifecycleEvent.event_id, LifecycleEvent.hash_id, [r["event_id"] for r in rows.values()]
    )
    for row in rows.values():
        if taken.get(row["event_id"], row["hash_id"]) != row["hash_id"]:
            raise _collision(row["event_id"])
    fresh = [h for h in rows if h not in stored]
    if fresh:
        # Core inserts, a few rows a statement: psycopg keeps the parsed form of a statement of at
        # most 50 parameters, so pages that small are parsed once and then reused, where one long
        # statement of a thousand rows is parsed anew each time and costs more than the round trips.
        event_table = cast(Table, LifecycleEvent.__table__)
        pks = session.execute(
            insert(event_table)
            .returning(event_table.c.id, sort_by_parameter_order=True)
            .execution_options(insertmanyvalues_page_size=_PAGE_PARAMETERS // len(event_table.c)),
            [rows[h] for h in fresh],
        ).scalars()
        links = [{**i, "event_pk": pk} for pk, h in zip(pks, fresh, strict=True) for i in id_rows[h]]
        if links:
            id_table = cast(Table, EventIdentifier.__table__)
            page = _PAGE_PARAMETERS // len(id_table.c)
            session.execute(insert(id_table).execution_options(insertmanyvalues_page_size=page), links)
    # An event sent again (under any eventID) is the one stored: it keeps the id it was stored with.
    ids = tuple(stored.get(h, rows[h]["event_id"]) for h in hashes)
    machines = frozenset((i["gtin"], i["serial"]) for h in fresh for i in id_rows[h] if i["gtin"] is not None)
    return Captured(capture_id=capture_id, event_ids=ids, stored=len(fresh), machines=machines)


def _collision(event_id: str) -> Problem:
    return Problem(
        409,
        "A different event has this eventID",
        f"eventID {event_id} names an event stored already with other content; an eventID is unique",
        type_="epcisException:ResourceAlreadyExistsException",
    )


def capture_document(
    session: Session, *, document: Any, caller: Caller, error_behaviour: str = "rollback"
) -> Captured:
    """Return the capture of an EPCISDocument: all of its events stored (those new to this node),
    or none and a 400 ValidationException with every finding."""
    if error_behaviour not in {"rollback", "proceed"}:
        raise Problem(
            400,
            "Unknown capture error behaviour",
            f"GS1-Capture-Error-Behaviour '{error_behaviour}' is none of rollback, proceed",
            type_="epcisException:ValidationException",
        )
    findings = validate_document(document)
    if findings:
        raise validation_problem(findings)
    events = document["epcisBody"]["eventList"]
    if len(events) > CAPTURE_LIMIT:
        raise Problem(
            413,
            "Capture payload too large",
            f"{len(events)} events; at most {CAPTURE_LIMIT} per capture",
            type_="epcisException:CaptureLimitExceededException",
        )
    job = CaptureJob(
        id=str(uuid.uuid4()),
        running=False,
        success=True,
        error_behaviour=error_behaviour,
        errors=[],
        event_count=len(events),
        partner_code=caller.partner_code,
        username=caller.username,
    )
    session.add(job)
    session.flush()
    result = _store(session, events, namespaces_of(document.get("@context", [])), caller, job.id)
    job.stored_count = result.stored
    job.finished_at = utc_now()
    session.flush()
    return result


def capture_event(session: Session, *, event: Any, caller: Caller) -> Captured:
    """Return the capture of one event sent on its own (POST /events): stored, or found stored."""
    findings = validate_event(event)
    if findings:
        raise validation_problem(findings)
    return _store(session, [event], namespaces_of(event.get("@context", [])), caller, None)
