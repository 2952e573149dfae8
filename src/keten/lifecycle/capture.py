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

from sqlalchemy import String, Table, TextClause, any_, bindparam, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
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
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: a short statement the driver parses once, whatever the count.
        wanted = bindparam("wanted", list(values), type_=postgresql.ARRAY(String))
        found.update(
            {str(k): str(o) for k, o in session.execute(select(key, other).where(key == any_(wanted)))}
        )
        return found
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
    fresh = _insert(session, [rows[h] for h in rows if h not in stored], id_rows)
    if len(fresh) < len(rows) - len(stored):
        # Another transaction stored some of these events since they were looked up: theirs stand.
        stored = _pairs(session, LifecycleEvent.hash_id, LifecycleEvent.event_id, list(rows))
    # An event sent again (under any eventID) is the one stored: it keeps the id it was stored with.
    ids = tuple(stored.get(h, rows[h]["event_id"]) for h in hashes)
    machines = frozenset((i["gtin"], i["serial"]) for h in fresh for i in id_rows[h] if i["gtin"] is not None)
    return Captured(capture_id=capture_id, event_ids=ids, stored=len(fresh), machines=machines)


_EVENT_COLUMNS = (
    ("event_id", "text"),
    ("hash_id", "text"),
    ("type", "text"),
    ("action", "text"),
    ("biz_step", "text"),
    ("disposition", "text"),
    ("read_point", "text"),
    ("biz_location", "text"),
    ("event_time", "timestamptz"),
    ("record_time", "timestamptz"),
    ("capture_id", "text"),
    ("document", "text"),
)
_ID_COLUMNS = (
    ("event_pk", "bigint"),
    ("role", "text"),
    ("uri", "text"),
    ("gtin", "text"),
    ("serial", "text"),
)


def _from_json(table: str, columns: tuple[tuple[str, str], ...], tail: str = "") -> TextClause:
    """Return an INSERT of ``table`` taking its rows as one JSON array of objects: a short statement
    whatever the number of rows, so the driver parses and prepares it once, sends its one parameter
    without escaping each value, and the rows travel in one round trip."""
    names = ", ".join(name for name, _ in columns)
    record = ", ".join(f"{name} {kind}" for name, kind in columns)
    return text(
        f"INSERT INTO {table} ({names}) SELECT {names} "
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({record}) {tail}"
    )


_EVENTS_INSERT = _from_json(
    "lifecycle_events", _EVENT_COLUMNS, "ON CONFLICT (hash_id) DO NOTHING RETURNING hash_id, id"
)
_IDS_INSERT = _from_json("lifecycle_event_ids", _ID_COLUMNS)


def _json_rows(rows: Sequence[Mapping[str, Any]], columns: tuple[tuple[str, str], ...]) -> str:
    return json.dumps([{name: row[name] for name, _ in columns} for row in rows], default=datetime.isoformat)


def _insert(
    session: Session, events: Sequence[dict[str, Any]], id_rows: Mapping[str, Sequence[dict[str, Any]]]
) -> list[str]:
    """Insert ``events`` (rows by hash id) and the identifier rows of each, one statement a table;
    return the hash ids stored, skipping any another transaction stored meanwhile."""
    if not events:
        return []
    postgres = session.get_bind().dialect.name == "postgresql"
    events_table = cast(Table, LifecycleEvent.__table__)
    if postgres:
        rows = _json_rows(events, _EVENT_COLUMNS)
        pks = {str(h): pk for h, pk in session.execute(_EVENTS_INSERT, {"rows": rows})}
    else:
        statement = (
            sqlite.insert(events_table)
            .on_conflict_do_nothing(index_elements=[events_table.c.hash_id])
            .returning(events_table.c.hash_id, events_table.c.id)
        )
        pks = {str(h): pk for h, pk in session.execute(statement, events)}
    links = [{**i, "event_pk": pk} for h, pk in pks.items() for i in id_rows[h]]
    if links and postgres:
        session.execute(_IDS_INSERT, {"rows": _json_rows(links, _ID_COLUMNS)})
    elif links:
        session.execute(insert(cast(Table, EventIdentifier.__table__)), links)
    return list(pks)


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
