"""OPC UA ingestion against a real asyncua server that requires Basic256Sha256, signing and
encryption, and a user: subscriptions, and no kWh lost when the server stops and comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.connector import running, samples
from keten.connector.config import parse
from keten.connector.models import ConnectorSource
from keten.core import energy
from keten.db import make_session_factory

from .brokers import until
from .machine import PASSWORD, Machine
from .test_mqtt import _start


def _series(engine: Engine, signal: str) -> samples.Series:
    with Session(engine) as session:
        eq = samples.get_equipment(session, key="CNC-01").id
        return samples.series(session, equipment_id=eq, signal=signal)


def test_subscriptions_survive_a_server_restart_without_losing_energy(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KETEN_TEST_OPCUA_PASSWORD", PASSWORD)
    machine = Machine(tmp_path)

    async def scenario() -> None:
        await machine.start()
        config = parse(machine.config_text())
        stop, task, recorder = await _start(config, engine)
        status = recorder.sources["cnc"]
        await until(lambda: status.last_values.get("CNC-01", {}).get("energy_kwh", [0])[0] == 100.0)
        await machine.set(State=1, Order="ORD-1", Part="BRK-7", Power=12.5)
        await machine.set(Energy=101.0)
        await machine.set(Energy=102.5, Good=3)
        await until(lambda: status.last_values["CNC-01"]["energy_kwh"][0] == 102.5, what="102.5 kWh")
        await machine.stop()
        await until(lambda: not status.connected, what="the connector to notice the server is gone")
        # the machine works on while its server is down: 7.5 kWh that no sample saw
        await machine.set(Energy=110.0, Good=9)
        await machine.start()
        await until(lambda: status.connected, what="a new connection")
        await until(lambda: status.last_values["CNC-01"]["energy_kwh"][0] == 110.0, what="110 kWh")
        await machine.set(Energy=111.0)
        await until(lambda: status.last_values["CNC-01"]["energy_kwh"][0] == 111.0, what="111 kWh")
        stop.set()
        await task
        await machine.stop()

    asyncio.run(scenario())
    got = _series(engine, "energy_kwh")
    assert energy.counter_deltas(got.value).delta_kwh.sum() == pytest.approx(11.0)
    assert got.value[0] == 100.0 and got.value[-1] == 111.0
    assert _series(engine, "state").value.tolist()[-1] == 0.0  # 1 maps to running
    assert _series(engine, "order_id").text[-1] == "ORD-1"
    assert _series(engine, "good_count").value.max() == 9.0
    with Session(engine) as session:
        status = session.scalar(select(ConnectorSource).where(ConnectorSource.name == "cnc"))
        assert status is not None and status.kind == "opcua"
        assert status.last_values["CNC-01"]["power_kw"][0] == 12.5


def test_a_wrong_password_is_reported_not_fatal(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KETEN_TEST_OPCUA_PASSWORD", "wrong")
    machine = Machine(tmp_path)

    async def scenario() -> None:
        await machine.start()
        stop = asyncio.Event()
        config = parse(machine.config_text())
        task = asyncio.ensure_future(running.run(config, make_session_factory(engine), stop))
        with Session(engine) as session:

            def refused() -> bool:
                session.expire_all()
                row = session.scalar(select(ConnectorSource).where(ConnectorSource.name == "cnc"))
                return row is not None and not row.connected and bool(row.last_error)

            await until(refused, what="the refusal to be recorded")
        stop.set()
        await task
        await machine.stop()

    asyncio.run(scenario())
