"""Readings written in batches; counters followed across batches and restarts; events logged."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.connector import decoding, samples
from keten.connector.models import ConnectorEvent, ConnectorSource
from keten.connector.recording import Reading, Recorder

from .conftest import mqtt_config


def _energy(recorder: Recorder, ts_ms: int, kwh: float) -> None:
    recorder.add("broker", Reading("P1", "energy_kwh", ts_ms, value=kwh))


def test_batches_are_stored_and_read_back_in_time_order(session: Session, prefix: str) -> None:
    recorder = Recorder(mqtt_config(prefix))
    recorder.start(session)
    for i in (3, 1, 2):
        _energy(recorder, 1000 * i, 10.0 * i)
    recorder.add("broker", Reading("P1", "order_id", 1500, text="ORD-7"))
    # PostgreSQL's COPY text format escapes these; they must come back as sent
    recorder.add("broker", Reading("P1", "part_number", 1500, text="A\tB\\C\nD\\N"))
    recorder.add("broker", Reading("P1", "power_kw", 1500, value=0.1 + 0.2))
    assert recorder.flush(session) == 6
    session.commit()
    eq = samples.get_equipment(session, key="P1").id
    got = samples.series(session, equipment_id=eq, signal="energy_kwh")
    assert got.ts_ms.tolist() == [1000, 2000, 3000] and got.value.tolist() == [10.0, 20.0, 30.0]
    assert samples.series(session, equipment_id=eq, signal="order_id").text == ["ORD-7"]
    assert samples.series(session, equipment_id=eq, signal="part_number").text == ["A\tB\\C\nD\\N"]
    assert samples.series(session, equipment_id=eq, signal="power_kw").value.tolist() == [0.1 + 0.2]
    status = session.scalar(select(ConnectorSource).where(ConnectorSource.name == "broker"))
    assert status is not None and status.samples == 6
    assert status.last_values["P1"]["order_id"] == ["ORD-7", 1500]


def test_a_reset_across_a_restart_is_logged_once(session: Session, prefix: str) -> None:
    config = mqtt_config(prefix)
    first = Recorder(config)
    first.start(session)
    _energy(first, 1000, 500.0)
    _energy(first, 2000, 510.0)
    first.flush(session)
    session.commit()
    # a new process resumes from 510 kWh: 2 kWh after it is a reset, 520 and the rollover are not
    second = Recorder(config)
    second.start(session)
    _energy(second, 3000, 2.0)
    _energy(second, 4000, 520.0)
    second.flush(session)
    _energy(second, 5000, 995.0)
    _energy(second, 6000, 3.0)
    second.flush(session)
    session.commit()
    events = session.scalars(select(ConnectorEvent).order_by(ConnectorEvent.id)).all()
    assert [(e.kind, e.equipment_key) for e in events] == [("reset", "P1"), ("rollover", "P1")]
    assert "510.0 -> 2.0 kWh" in events[0].detail


def test_malformed_values_are_skipped_and_logged(session: Session, prefix: str) -> None:
    config = mqtt_config(prefix)
    recorder = Recorder(config)
    recorder.start(session)
    topics = decoding.bindings_by(config, "broker", "topic")
    state = topics[f"{prefix}/p1/state"]
    energy = topics[f"{prefix}/p1/energy"]
    got = list(decoding.from_json(state, b'{"state": "WARP", "t": 5}', 9))
    assert isinstance(got[0], decoding.Malformed) and "'WARP' is not in the map" in str(got[0])
    assert isinstance(next(decoding.from_json(energy, b"{not json", 9)), decoding.Malformed)
    [ok] = decoding.from_json(energy, b'{"meter": {"total": 1500}, "t": "2026-01-01T00:00:00Z"}', 9)
    assert ok == Reading("P1", "energy_kwh", 1767225600000, value=1.5)
    recorder.error("broker", "malformed", str(got[0]), equipment="P1")
    recorder.add("broker", ok)
    recorder.flush(session)
    session.commit()
    [event] = session.scalars(select(ConnectorEvent)).all()
    assert event.kind == "malformed" and "WARP" in event.detail
