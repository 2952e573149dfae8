"""Connector files for the tests, built around a topic prefix of the test's own."""

from __future__ import annotations

import uuid

import pytest

from keten.connector import config


def mqtt_config(
    prefix: str, *, port: int = 1883, client_id: str | None = None, payload: str = "json"
) -> config.ConnectorConfig:
    """Return a connector file with two presses on an MQTT broker, their topics under ``prefix``."""
    text = f"""
site: FAB-1
flush_s: 0.1
sources:
  - name: broker
    kind: mqtt
    host: 127.0.0.1
    port: {port}
    client_id: {client_id or "keten-test-" + uuid.uuid4().hex[:8]}
    payload: json
    reconnect_s: 0.2
equipment:
  - id: P1
    source: broker
    energy_max_kwh: 1000
    signals:
      energy_kwh: {{topic: {prefix}/p1/energy, path: meter.total, unit: Wh, timestamp_path: t}}
      power_kw: {{topic: {prefix}/p1/power, timestamp_path: t}}
      state:
        topic: {prefix}/p1/state
        path: state
        timestamp_path: t
        map: {{RUN: running, IDLE: idle, STOP: down, SETUP: setup}}
      order_id: {{topic: {prefix}/p1/order, path: order, timestamp_path: t}}
      part_number: {{topic: {prefix}/p1/order, path: part, timestamp_path: t}}
      good_count: {{topic: {prefix}/p1/count, path: good, timestamp_path: t}}
      scrap_count: {{topic: {prefix}/p1/count, path: scrap, timestamp_path: t}}
  - id: P2
    source: broker
    signals:
      energy_kwh: {{topic: {prefix}/p2/energy}}
"""
    return config.parse(text, source="test.yaml")


@pytest.fixture
def prefix() -> str:
    """Return a topic prefix no other test (or other user of the broker) publishes under."""
    return f"keten-test/{uuid.uuid4().hex}"
