"""Querying EPCIS events with the SimpleEventQuery parameters of the REST binding (``EQ_bizStep``,
``MATCH_anyEPC``, ``GE_eventTime``, …), a page at a time behind an opaque ``nextPageToken``.

A partner's query is narrowed to the events that name a machine of a product granted to it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from keten.lifecycle.capture import Caller, normal_step, parse_time
from keten.lifecycle.identifiers import canonical_id
from keten.lifecycle.models import EventIdentifier, LifecycleEvent
from keten.lifecycle.vocabulary import ACTIONS
from keten.problems import Problem

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "QUERY_PARAMETERS", "EventPage", "get_event", "query_events"]

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
_MATCH_ROLES = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("class",),
    "MATCH_anyEPCClass": ("class",),
}
_EQUALS = {
    "EQ_action": LifecycleEvent.action,
    "EQ_bizStep": LifecycleEvent.biz_step,
    "EQ_disposition": LifecycleEvent.disposition,
    "EQ_readPoint": LifecycleEvent.read_point,
    "EQ_bizLocation": LifecycleEvent.biz_location,
    "EQ_eventID": LifecycleEvent.event_id,
    "eventType": LifecycleEvent.type,
}
_TIMES = {
    "GE_eventTime": (LifecycleEvent.event_time, "ge"),
    "LT_eventTime": (LifecycleEvent.event_time, "lt"),
    "GE_recordTime": (LifecycleEvent.record_time, "ge"),
    "LT_recordTime": (LifecycleEvent.record_time, "lt"),
}
_PAGING = ("perPage", "nextPageToken", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount")
QUERY_PARAMETERS = frozenset({*_MATCH_ROLES, *_EQUALS, *_TIMES, *_PAGING})
"""The query parameters this repository answers; any other is refused with a QueryParameterException."""


@dataclass(frozen=True)
class EventPage:
    """One page of events (JSON-LD objects) and the token of the next page, if there is one."""

    events: list[dict[str, Any]]
    next_token: str | None


def _refuse(detail: str) -> Problem:
    return Problem(400, "Invalid query parameter", detail, type_="epcisException:QueryParameterException")


def _values(raw: str) -> list[str]:
    # The binding sends a list pipe-delimited: EQ_bizStep=shipping|receiving
    return [v for v in raw.split("|") if v]


def _time(name: str, raw: str) -> datetime:
    try:
        return parse_time(raw)
    except ValueError:
        raise _refuse(f"{name}: '{raw}' is not an RFC 3339 date-time with a time zone") from None


def _match(name: str, values: list[str]) -> ColumnElement[bool]:
    roles = _MATCH_ROLES[name]
    conditions = []
    for value in values:
        canonical = canonical_id(value)
        if canonical is None:
            raise _refuse(f"{name}: '{value}' is neither an EPC URI nor a GS1 Digital Link URI")
        row = and_(EventIdentifier.event_pk == LifecycleEvent.id, EventIdentifier.role.in_(roles))
        if value.startswith("urn:epc:idpat:") and value.endswith(".*"):
            # A pattern names every serial of a GTIN.
            gtin = canonical.rsplit("/", 1)[-1]
            conditions.append(exists().where(row, EventIdentifier.gtin == gtin))
        else:
            conditions.append(exists().where(row, EventIdentifier.uri == canonical))
    return or_(*conditions)


def _conditions(params: Mapping[str, str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for name, raw in params.items():
        if name not in QUERY_PARAMETERS:
            raise _refuse(f"{name}: this repository does not answer this query parameter")
        if name in _PAGING:
            continue
        if name in _TIMES:
            column, op = _TIMES[name]
            moment = _time(name, raw)
            conditions.append(column >= moment if op == "ge" else column < moment)
            continue
        values = _values(raw)
        if not values:
            raise _refuse(f"{name}: give at least one value")
        if name in _MATCH_ROLES:
            conditions.append(_match(name, values))
        elif name == "EQ_action" and not set(values) <= set(ACTIONS):
            raise _refuse(f"EQ_action: each value must be one of {', '.join(ACTIONS)}")
        else:
            stored = [normal_step(v) for v in values] if name == "EQ_bizStep" else values
            conditions.append(_EQUALS[name].in_(stored))
    return conditions


def _visible(caller: Caller) -> ColumnElement[bool] | None:
    if caller.gtins is None:
        return None
    row = and_(EventIdentifier.event_pk == LifecycleEvent.id, EventIdentifier.gtin.in_(sorted(caller.gtins)))
    return exists().where(row)


def _fingerprint(params: Mapping[str, str]) -> str:
    kept = sorted((k, v) for k, v in params.items() if k not in {"nextPageToken", "perPage"})
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


def _token(params: Mapping[str, str], last: LifecycleEvent, order: str, left: int | None) -> str:
    moment = last.event_time if order == "eventTime" else last.record_time
    data = {"q": _fingerprint(params), "t": moment.isoformat(), "i": last.id, "n": left}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _after(params: Mapping[str, str], token: str) -> tuple[datetime, int, int | None]:
    """Return where the page before ended and how many events eventCountLimit still allows."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        moment, last_id = parse_time(data["t"]), int(data["i"])
        left = None if data["n"] is None else int(data["n"])
        same = data["q"] == _fingerprint(params)
    except (ValueError, KeyError, TypeError):
        raise _refuse("nextPageToken: not a token this repository gave") from None
    if not same:
        raise _refuse("nextPageToken: the token belongs to a query with other parameters")
    return moment, last_id, left


def _int(params: Mapping[str, str], name: str, default: int | None, *, most: int | None = None) -> int | None:
    if name not in params:
        return default
    raw = params[name]
    if not raw.isdigit() or int(raw) < 1 or (most is not None and int(raw) > most):
        bound = f" and at most {most}" if most is not None else ""
        raise _refuse(f"{name}: '{raw}' is not a whole number of at least 1{bound}")
    return int(raw)


def query_events(session: Session, *, params: Mapping[str, str], caller: Caller) -> EventPage:
    """Return one page of the events matching the SimpleEventQuery ``params`` the caller may see."""
    conditions = _conditions(params)
    visible = _visible(caller)
    if visible is not None:
        conditions.append(visible)
    order = params.get("orderBy", "eventTime")
    if order not in {"eventTime", "recordTime"}:
        raise _refuse("orderBy: this repository orders by eventTime or recordTime")
    direction = params.get("orderDirection", "ASC")
    if direction not in {"ASC", "DESC"}:
        raise _refuse("orderDirection: ASC or DESC")
    per_page = _int(params, "perPage", DEFAULT_PER_PAGE, most=MAX_PER_PAGE) or DEFAULT_PER_PAGE
    limit = _int(params, "eventCountLimit", None)
    column = LifecycleEvent.event_time if order == "eventTime" else LifecycleEvent.record_time
    keys = (column, LifecycleEvent.id)
    if "nextPageToken" in params:
        moment, last_id, limit = _after(params, params["nextPageToken"])
        later = (column > moment) | ((column == moment) & (LifecycleEvent.id > last_id))
        earlier = (column < moment) | ((column == moment) & (LifecycleEvent.id < last_id))
        conditions.append(later if direction == "ASC" else earlier)
    ordering = [k.asc() if direction == "ASC" else k.desc() for k in keys]
    statement = select(LifecycleEvent).where(*conditions).order_by(*ordering)
    if "maxEventCount" in params:
        most = _int(params, "maxEventCount", None) or 0
        if session.scalar(select(LifecycleEvent.id).where(*conditions).limit(1).offset(most)) is not None:
            raise Problem(
                413,
                "Query too large",
                f"more than maxEventCount={most} events match",
                type_="epcisException:QueryTooLargeException",
            )
    take = per_page if limit is None else min(per_page, limit)
    rows = list(session.scalars(statement.limit(take + 1)))
    left = None if limit is None else limit - min(take, len(rows))
    more = len(rows) > take and (left is None or left > 0)
    rows = rows[:take]
    events = [json.loads(r.document) for r in rows]
    return EventPage(events=events, next_token=_token(params, rows[-1], order, left) if more else None)


def get_event(session: Session, *, event_id: str, caller: Caller) -> dict[str, Any]:
    """Return the event with ``event_id`` (its eventID or its hash id) the caller may see; a 404
    NoSuchResourceException otherwise, saying no more to a partner than that it is not there."""
    statement = select(LifecycleEvent).where(
        or_(LifecycleEvent.event_id == event_id, LifecycleEvent.hash_id == event_id)
    )
    visible = _visible(caller)
    if visible is not None:
        statement = statement.where(visible)
    row = session.scalars(statement).first()
    if row is None:
        raise Problem(
            404, "Event not found", f"no event {event_id}", type_="epcisException:NoSuchResourceException"
        )
    document: dict[str, Any] = json.loads(row.document)
    return document
