"""A machine's history read from its EPCIS events: its status, the modules it holds now (the
as-maintained BOM), and its service record; and the passport revision that follows a change.

Status, by the business step of the machine's latest event that says one:
- decommissioning, disassembling, destroying, harvesting, recycling: end of life (for good);
- repairing, replacing, upgrading: in repair, unless the event's disposition says the machine is
  back in service (active, conformant, available);
- refurbishing: refurbished, and a refurbished machine in service stays refurbished;
- commissioning, shipping, receiving, installing, inspecting: in use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.lifecycle.capture import Caller, parse_time
from keten.lifecycle.identifiers import CANONICAL_HOST, canonical_id
from keten.lifecycle.models import EventIdentifier, LifecycleEvent
from keten.lifecycle.vocabulary import keten_step, step_name
from keten.passports import service as passports
from keten.passports.schemas import MachineLifecycle, MaintainedModule, ServiceEntry
from keten.problems import Problem

__all__ = [
    "MachineSummary",
    "Timeline",
    "follow",
    "machine_events",
    "machine_lifecycle",
    "machines",
    "returns",
    "timeline",
]

_END = {"decommissioning", "disassembling", "destroying", "harvesting", "recycling"}
_REPAIR = {"repairing", "replacing", "upgrading"}
_IN_USE = {"commissioning", "shipping", "receiving", "installing", "inspecting"}
_SERVICE = {"inspecting", "repairing", "replacing", "upgrading", "refurbishing"}
_BACK_IN_SERVICE = {"active", "conformant", "available"}


@dataclass(frozen=True)
class Timeline:
    """A machine's events oldest first, and what they say of it now."""

    machine: str
    events: list[dict[str, Any]]
    lifecycle: MachineLifecycle | None


def _machine_uri(gtin: str, serial: str) -> str:
    return f"{CANONICAL_HOST}/01/{gtin}/21/{serial}"


def machine_events(session: Session, *, gtin: str, serial: str, caller: Caller) -> list[dict[str, Any]]:
    """Return every event naming the machine (in any role), oldest first; a 404 problem when the
    caller may not see it."""
    if not caller.sees(gtin):
        raise Problem(404, "Machine not found", f"no machine /01/{gtin}/21/{serial} is granted to you")
    uri = _machine_uri(gtin, serial)
    named = select(EventIdentifier.event_pk).where(EventIdentifier.uri == uri)
    rows = session.scalars(
        select(LifecycleEvent.document)
        .where(LifecycleEvent.id.in_(named))
        .order_by(LifecycleEvent.event_time, LifecycleEvent.id)
    )
    return [json.loads(text) for text in rows]


def _status(previous: str | None, step: str, disposition: str | None) -> str | None:
    if previous == "end_of_life" or step in _END:
        return "end_of_life"
    if step == "refurbishing":
        return "refurbished"
    if step in _REPAIR and disposition not in _BACK_IN_SERVICE:
        return "in_repair"
    if step in _REPAIR or step in _IN_USE:
        # Back in service: a refurbished machine stays refurbished.
        return "refurbished" if previous == "refurbished" else "in_use"
    return previous


def _modules(uri: str, event: dict[str, Any], held: dict[str, datetime], when: datetime) -> None:
    parent = event.get("parentID")
    children = [canonical_id(str(c)) or str(c) for c in event.get("childEPCs") or []]
    if event.get("type") == "AggregationEvent" and parent is not None and canonical_id(str(parent)) == uri:
        if event.get("action") == "ADD":
            held.update({c: when for c in children if c not in held})
        elif event.get("action") == "DELETE":
            for child in children or list(held):
                held.pop(child, None)
    if event.get("type") == "TransformationEvent":
        inputs = {canonical_id(str(i)) for i in event.get("inputEPCList") or []}
        for output in event.get("outputEPCList") or []:
            if uri in inputs:
                held.pop(canonical_id(str(output)) or str(output), None)


def machine_lifecycle(uri: str, events: Sequence[dict[str, Any]]) -> MachineLifecycle | None:
    """Return the machine's status, as-maintained modules and service record from its events
    (oldest first); None before any event that says a status."""
    status: str | None = None
    since: datetime | None = None
    held: dict[str, datetime] = {}
    record: list[ServiceEntry] = []
    for event in events:
        when = parse_time(str(event["eventTime"]))
        step = step_name(str(event.get("bizStep", "")))
        disposition = event.get("disposition")
        _modules(uri, event, held, when)
        new = _status(status, step, str(disposition) if disposition else None)
        if new != status:
            status, since = new, when
        if step in _SERVICE:
            location = (event.get("bizLocation") or {}).get("id")
            record.append(
                ServiceEntry(
                    event_id=str(event["eventID"]), event_time=when, business_step=step, location=location
                )
            )
    if status is None or since is None:
        return None
    modules = [MaintainedModule(id=m, since=t) for m, t in sorted(held.items())]
    return MachineLifecycle(status=status, status_since=since, as_maintained=modules, service_record=record)


def timeline(session: Session, *, gtin: str, serial: str, caller: Caller) -> Timeline:
    """Return the machine's events and what they say of it now."""
    events = machine_events(session, gtin=gtin, serial=serial, caller=caller)
    uri = _machine_uri(gtin, serial)
    return Timeline(machine=uri, events=events, lifecycle=machine_lifecycle(uri, events))


def follow(session: Session, *, machines: Iterable[tuple[str, str]], username: str | None = None) -> int:
    """Return how many passports got a new signed revision after bringing each machine's passport
    to what its events say now; machines without an item passport are passed over."""
    wanted = set(machines)
    with_passport = passports.item_serials(session, gtins={g for g, _ in wanted}) & wanted
    revised = 0
    for gtin, serial in sorted(with_passport):
        found = timeline(session, gtin=gtin, serial=serial, caller=Caller(username=username))
        if found.lifecycle is None:
            continue
        if passports.follow_machine(
            session, gtin=gtin, serial=serial, lifecycle=found.lifecycle, username=username
        ):
            revised += 1
    return revised


@dataclass(frozen=True)
class MachineSummary:
    """One machine on the overview: its identifiers, how many events, the newest, and its status."""

    gtin: str
    serial: str
    events: int
    latest: datetime
    status: str | None


def machines(session: Session, *, limit: int = 100) -> list[MachineSummary]:
    """Return the machines with the most recent events first (at most ``limit``), with their status."""
    rows = session.execute(
        select(
            EventIdentifier.gtin, EventIdentifier.serial, func.count(), func.max(LifecycleEvent.event_time)
        )
        .join(LifecycleEvent, LifecycleEvent.id == EventIdentifier.event_pk)
        .where(EventIdentifier.gtin.is_not(None), EventIdentifier.role != "child")
        .group_by(EventIdentifier.gtin, EventIdentifier.serial)
        .order_by(func.max(LifecycleEvent.event_time).desc())
        .limit(limit)
    ).all()
    found = []
    for gtin, serial, count, latest in rows:
        if gtin is None or serial is None:
            continue
        state = timeline(session, gtin=gtin, serial=serial, caller=Caller()).lifecycle
        latest_time = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
        found.append(MachineSummary(gtin, serial, int(count), latest_time, state.status if state else None))
    return found


_RETURN_STEPS = ("decommissioning", "disassembling", "destroying")
_RETURN_URIS = tuple(keten_step(w) for w in ("harvesting", "recycling"))


def returns(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """Return the events of machines coming back (decommissioned, taken apart, harvested, recycled),
    newest first: what went in and what came out."""
    statement = (
        select(LifecycleEvent.document)
        .where(LifecycleEvent.biz_step.in_(_RETURN_STEPS + _RETURN_URIS))
        .order_by(LifecycleEvent.event_time.desc(), LifecycleEvent.id.desc())
        .limit(limit)
    )
    found = []
    for text in session.scalars(statement):
        event = json.loads(text)
        found.append(
            {
                "time": parse_time(event["eventTime"]),
                "step": step_name(str(event.get("bizStep", ""))),
                "inputs": [*event.get("inputEPCList", []), *event.get("epcList", [])],
                "outputs": event.get("outputEPCList", []),
                "output_classes": [q["epcClass"] for q in event.get("outputQuantityList", [])],
            }
        )
    return found
