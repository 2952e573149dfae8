"""Capture writes a document's new events in one statement a table: an event twice in the document,
or stored already, is written once; one another transaction stores meanwhile is skipped, not an
error. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.lifecycle import service
from keten.lifecycle.models import EventIdentifier, LifecycleEvent
from tests.lifecycle.conftest import CONTEXT, GRANTED_GTIN, OTHER_GTIN, document, event, machine

CALLER = service.Caller(username="tester")


@contextmanager
def _inserts(engine: Engine) -> Iterator[list[str]]:
    """Yield the list of tables each INSERT sent to the database while inside writes to."""
    tables: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO"):
            tables.append(statement.split()[2].strip('"'))

    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        yield tables
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)


def _count(engine: Engine, table: Any) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_duplicates_in_the_document_and_stored_ones_are_written_once_in_one_statement_a_table(
    engine: Engine,
) -> None:
    one, two = machine(GRANTED_GTIN, "SN0000001"), machine(OTHER_GTIN, "SN0000002")
    stored = event(one, "installing", "2026-01-01T10:00:00Z")
    with Session(engine) as s:
        first = service.capture_document(s, document=document(stored), caller=CALLER)
        s.commit()
    fresh = [event(one, "repairing", f"2026-02-0{day}T10:00:00Z") for day in range(1, 6)]
    aggregation = {
        "type": "AggregationEvent",
        "eventTime": "2026-03-01T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": one,
        "childEPCs": [two],
        "action": "ADD",
        "bizStep": "repairing",
    }
    sent = [stored, fresh[0], *fresh, aggregation, dict(aggregation), stored]
    with _inserts(engine) as tables, Session(engine) as s:
        got = service.capture_document(s, document=document(*sent), caller=CALLER)
        s.commit()
    assert tables.count("lifecycle_events") == 1
    assert tables.count("lifecycle_event_ids") == 1
    assert got.stored == 6
    assert len(got.event_ids) == len(sent)
    assert got.event_ids[0] == got.event_ids[-1] == first.event_ids[0]
    assert got.event_ids[1] == got.event_ids[2] and got.event_ids[7] == got.event_ids[8]
    assert len(set(got.event_ids)) == 7
    assert got.machines == {(GRANTED_GTIN, "SN0000001"), (OTHER_GTIN, "SN0000002")}
    assert _count(engine, LifecycleEvent) == 7
    # One identifier row for each object event, parent and child for the aggregation.
    assert _count(engine, EventIdentifier) == 1 + 5 + 2
    with Session(engine) as s:
        pairs = s.execute(
            select(EventIdentifier.role, EventIdentifier.serial)
            .join(LifecycleEvent, LifecycleEvent.id == EventIdentifier.event_pk)
            .where(LifecycleEvent.event_id == got.event_ids[7])
        ).all()
    assert sorted(pairs) == [("child", "SN0000002"), ("parent", "SN0000001")]


def test_an_event_another_transaction_stores_meanwhile_is_skipped(engine: Engine) -> None:
    sent = {
        "@context": CONTEXT,
        **event(machine(GRANTED_GTIN, "SN0000001"), "inspecting", "2026-04-01T10:00:00Z"),
    }
    theirs: list[str] = []
    started: list[bool] = []

    def meanwhile(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "INSERT INTO lifecycle_events" in statement and not started:
            started.append(True)
            with Session(engine) as other:
                theirs.extend(service.capture_event(other, event=dict(sent), caller=CALLER).event_ids)
                other.commit()

    sa_event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        with Session(engine) as s:
            got = service.capture_event(s, event=sent, caller=CALLER)
            s.commit()
    finally:
        sa_event.remove(engine, "before_cursor_execute", meanwhile)
    assert len(theirs) == 1
    assert got.stored == 0 and got.event_ids == tuple(theirs)
    assert _count(engine, LifecycleEvent) == 1
    assert _count(engine, EventIdentifier) == 1
