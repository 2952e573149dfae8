"""A plant for the twins: the demo chain's products with their passports, and two machines of a
connector file with readings recorded the way a running connector records them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.connector import config, service
from keten.dataio import demo

PLANT = """
site: FAB-1
sources:
  - name: cnc-opcua
    kind: opcua
    endpoint: opc.tcp://127.0.0.1:4840/keten
equipment:
  - id: CNC-01
    name: 5-axis machining centre
    source: cnc-opcua
    energy_max_kwh: 1000000
    ideal_cycle_s: 240
    nameplate:
      manufacturer: Hermle
      designation: C 42 U
      type: C42U
      serial_number: SN-4711
      year_of_construction: 2021
      country_of_origin: DE
      rated_power_kw: 38
    signals:
      power_kw: {node: "ns=2;s=CNC01.Power", unit: W}
      energy_kwh: {node: "ns=2;s=CNC01.Energy"}
      state: {node: "ns=2;s=CNC01.State", map: {1: running, 2: idle, 3: down, 4: setup}}
      good_count: {node: "ns=2;s=CNC01.Good"}
      scrap_count: {node: "ns=2;s=CNC01.Scrap"}
      order_id: {node: "ns=2;s=CNC01.Order"}
  - id: CNC-02
    source: cnc-opcua
    signals:
      power_kw: {node: "ns=2;s=CNC02.Power"}
"""

POWER_KW = 12.5
"""The last power reading of CNC-01."""


def plant_config() -> config.ConnectorConfig:
    """Return the connector file of the plant."""
    return config.parse(PLANT, source="plant.yaml")


def record(
    engine: Engine, readings: list[service.Reading], cfg: config.ConnectorConfig | None = None
) -> None:
    """Record ``readings`` from the plant's OPC UA server as a connector does, one flush."""
    recorder = service.Recorder(cfg or plant_config())
    with Session(engine) as session:
        recorder.start(session)
        recorder.connected("cnc-opcua", True)
        for reading in readings:
            recorder.add("cnc-opcua", reading)
        recorder.flush(session)
        session.commit()


@pytest.fixture
def plant(engine: Engine) -> None:
    """Store the demo products and passports and the two machines with a minute of readings."""
    with Session(engine) as session:
        demo.load(session, passports=True)
        session.commit()
    now = int(time.time() * 1000) - 60_000
    readings = [service.Reading("CNC-01", "power_kw", now + i * 1000, 10.0 + i * 0.1) for i in range(25)]
    readings += [service.Reading("CNC-01", "energy_kwh", now + i * 1000, 100.0 + i * 0.01) for i in range(25)]
    readings += [
        service.Reading("CNC-01", "power_kw", now + 30_000, POWER_KW),
        service.Reading("CNC-01", "state", now + 30_000, 0.0),
        service.Reading("CNC-01", "good_count", now + 30_000, 41.0),
        service.Reading("CNC-01", "scrap_count", now + 30_000, 2.0),
        service.Reading("CNC-01", "order_id", now + 30_000, text="PO-1001"),
    ]
    record(engine, readings)
