"""MQTT ingestion against real Mosquitto brokers: JSON payloads per topic, Sparkplug B, malformed
payloads skipped, and nothing lost across a broker restart or a connector restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.connector import running, samples, sparkplug
from keten.connector.config import ConnectorConfig, parse
from keten.connector.models import ConnectorEvent
from keten.connector.recording import Recorder
from keten.core import energy
from keten.db import make_session_factory

from .brokers import Broker, until
from .conftest import mqtt_config

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    own = Broker(tmp_path)
    own.start()
    yield own
    own.stop()


async def _start(
    config: ConnectorConfig, engine: Engine
) -> tuple[asyncio.Event, asyncio.Future[Recorder], Recorder]:
    stop = asyncio.Event()
    holder: list[Recorder] = []

    async def started(recorder: Recorder) -> None:
        holder.append(recorder)

    task = asyncio.ensure_future(running.run(config, make_session_factory(engine), stop, on_start=started))
    await until(lambda: bool(holder), what="the connector to start")
    recorder = holder[0]
    await until(lambda: all(s.connected for s in recorder.sources.values()), what="a connection")
    return stop, task, recorder


async def _publish_energy(port: int, topic: str, start: int, stop: int) -> None:
    async with aiomqtt.Client("127.0.0.1", port) as client:
        for i in range(start, stop):
            body = {"meter": {"total": 1000.0 * i}, "t": T0 + 1000 * i}
            await client.publish(topic, json.dumps(body), qos=1)


def _energy_series(engine: Engine, key: str) -> samples.Series:
    with Session(engine) as session:
        eq = samples.get_equipment(session, key=key).id
        return samples.series(session, equipment_id=eq, signal="energy_kwh")


def test_json_payloads_per_topic(engine: Engine, prefix: str) -> None:
    config = mqtt_config(prefix)

    async def scenario() -> None:
        stop, task, recorder = await _start(config, engine)
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            await client.publish(f"{prefix}/p1/state", json.dumps({"state": "RUN", "t": T0}), qos=1)
            await client.publish(
                f"{prefix}/p1/order", json.dumps({"order": "ORD-1", "part": "BRK-7", "t": T0}), qos=1
            )
            await client.publish(f"{prefix}/p1/count", json.dumps({"good": 10, "scrap": 1, "t": T0}), qos=1)
            await client.publish(f"{prefix}/p1/power", b"not json", qos=1)
            await client.publish(f"{prefix}/p1/state", json.dumps({"state": "WARP", "t": T0}), qos=1)
            await client.publish(f"{prefix}/p2/energy", json.dumps({"value": 42.5}), qos=1)
        await until(lambda: recorder.sources["broker"].samples >= 6, what="six samples")
        await until(lambda: recorder.sources["broker"].errors >= 2, what="two errors")
        stop.set()
        await task

    asyncio.run(scenario())
    with Session(engine) as session:
        p1 = samples.get_equipment(session, key="P1").id
        assert samples.series(session, equipment_id=p1, signal="state").value.tolist() == [0.0]
        assert samples.series(session, equipment_id=p1, signal="part_number").text == ["BRK-7"]
        assert samples.series(session, equipment_id=p1, signal="scrap_count").value.tolist() == [1.0]
        kinds = session.scalars(select(ConnectorEvent.kind).where(ConnectorEvent.kind == "malformed")).all()
        assert len(kinds) == 2
    assert _energy_series(engine, "P2").value.tolist() == [42.5]


def test_no_sample_lost_when_the_broker_or_the_connector_restarts(
    engine: Engine, broker: Broker, prefix: str
) -> None:
    config = mqtt_config(prefix, port=broker.port, client_id=f"keten-{prefix[-12:]}")
    topic = f"{prefix}/p1/energy"

    async def scenario() -> None:
        stop, task, recorder = await _start(config, engine)
        await _publish_energy(broker.port, topic, 0, 50)
        await until(lambda: recorder.sources["broker"].samples >= 50, what="the first 50")
        broker.stop()
        await until(lambda: not recorder.sources["broker"].connected, what="the connector to notice")
        broker.start()
        await _publish_energy(broker.port, topic, 50, 100)
        await until(lambda: recorder.sources["broker"].samples >= 100, what="100 samples after the restart")
        stop.set()
        await task
        # the connector is away: the broker keeps its session and queues what comes meanwhile
        await _publish_energy(broker.port, topic, 100, 130)
        stop, task, recorder = await _start(config, engine)
        await until(lambda: recorder.sources["broker"].samples >= 30, what="the queued 30")
        stop.set()
        await task

    asyncio.run(scenario())
    got = _energy_series(engine, "P1")
    assert sorted(set(got.ts_ms.tolist())) == [T0 + 1000 * i for i in range(130)]
    kwh = energy.counter_deltas(got.value).delta_kwh.sum()
    assert kwh == pytest.approx(129.0)


def test_sparkplug_b_metrics_by_name_and_by_alias(engine: Engine, prefix: str) -> None:
    group = prefix.replace("/", "-")
    data = f"spBv1.0/{group}/DDATA/edge1/press"
    text = f"""
site: FAB-1
flush_s: 0.1
sources:
  - {{name: spb, kind: mqtt, host: 127.0.0.1, client_id: keten-{group[-12:]}, payload: sparkplug_b}}
equipment:
  - id: SP1
    source: spb
    signals:
      energy_kwh: {{topic: "{data}", metric: Energy/Total, unit: Wh}}
      state: {{topic: "{data}", metric: State, map: {{1: running, 2: idle}}}}
"""
    config = parse(text)

    async def scenario() -> None:
        stop, task, recorder = await _start(config, engine)
        birth = sparkplug.encode(
            [
                {"name": "Energy/Total", "alias": 1, "datatype": 10, "double_value": 5000.0},
                {"name": "State", "alias": 2, "datatype": 3, "int_value": 2},
            ],
            timestamp_ms=T0,
        )
        by_alias = sparkplug.encode(
            [
                {"alias": 1, "datatype": 10, "double_value": 7500.0, "timestamp": T0 + 1000},
                {"alias": 9, "datatype": 3, "int_value": 1},
            ],
            timestamp_ms=T0 + 1000,
            seq=1,
        )
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            await client.publish(data.replace("DDATA", "DBIRTH"), birth, qos=1)
            await client.publish(data, by_alias, qos=1)
            await client.publish(data, b"\xff\xff\xff", qos=1)
        await until(lambda: recorder.sources["spb"].samples >= 3, what="three samples")
        await until(lambda: recorder.sources["spb"].errors >= 2, what="two errors")
        stop.set()
        await task

    asyncio.run(scenario())
    got = _energy_series(engine, "SP1")
    assert got.value.tolist() == [5.0, 7.5] and got.ts_ms.tolist() == [T0, T0 + 1000]
    with Session(engine) as session:
        sp1 = samples.get_equipment(session, key="SP1").id
        assert samples.series(session, equipment_id=sp1, signal="state").value.tolist() == [1.0]
    assert np.all(np.diff(got.ts_ms) > 0)
