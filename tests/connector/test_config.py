"""The connector file: a valid one reads, and each mistake is named by its line and field."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keten.connector import config
from keten.problems import Problem

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "connector.yaml"


def _errors(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(Problem) as caught:
        config.parse(text, source="plant.yaml")
    return [(e["line"], e["field"], e["message"]) for e in caught.value.errors]


def test_the_documented_example_is_valid() -> None:
    parsed = config.load(EXAMPLE)
    assert parsed.site == "FAB-1"
    cnc = parsed.equipment[0]
    assert parsed.source(cnc.source).kind == "opcua"
    assert cnc.signals["state"].map == {"1": "running", "2": "idle", "3": "down", "4": "setup"}
    assert config.unit_factor("power_kw", cnc.signals["power_kw"].unit) == pytest.approx(0.001)
    assert config.unit_factor("energy_kwh", "MWh") == pytest.approx(1000.0)


def test_a_wrong_field_is_named_by_its_line() -> None:
    text = """site: FAB-1
sources:
  - name: broker
    kind: mqtt
    host: localhost
    port: 99999
    client_id: c1
equipment:
  - id: M1
    source: broker
    signals:
      power_kw: {topic: a/b, unit: kg}
      wattage: {topic: a/c}
"""
    assert _errors(text) == [
        (6, "sources.0.port", "Input should be less than or equal to 65535"),
        (13, "equipment.0.signals.wattage", _errors(text)[1][2]),
    ]
    assert "power_kw" in _errors(text)[1][2]


def test_cross_references_and_units_are_checked() -> None:
    text = """site: FAB-1
sources:
  - {name: broker, kind: mqtt, host: localhost, client_id: c1}
  - {name: broker, kind: opcua, endpoint: "opc.tcp://m:4840"}
equipment:
  - id: M1
    source: nowhere
    signals: {}
  - id: M2
    source: broker
    signals:
      power_kw:
        topic: a/b
        unit: kg
      state:
        topic: a/s
"""
    assert _errors(text) == [
        (4, "sources.1.name", "a second source named 'broker'"),
        (7, "equipment.0.source", "no source named 'nowhere'"),
        (14, "equipment.1.signals.power_kw.unit", "'kg' is not a unit of power"),
        (15, "equipment.1.signals.state.map", _errors(text)[3][2]),
    ]


def test_broken_yaml_names_its_line() -> None:
    assert _errors("site: FAB-1\nsources:\n  - name: [unclosed\n")[0][0] == 4


def test_the_check_command(tmp_path: Path) -> None:
    bad = tmp_path / "plant.yaml"
    bad.write_text(EXAMPLE.read_text().replace("endpoint: opc.tcp://", "endpoint: http://"))
    command = [sys.executable, "-c", "from keten.cli import main; main()", "connector", "check"]
    env = {**os.environ, "COLUMNS": "200"}
    good = subprocess.run([*command, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=60)
    assert good.returncode == 0, good.stderr
    assert "site FAB-1, 2 source(s), 2 equipment, 13 signal(s): valid" in good.stdout
    wrong = subprocess.run([*command, str(bad)], capture_output=True, text=True, env=env, timeout=60)
    assert wrong.returncode == 1
    assert "plant.yaml:7 sources.0.endpoint" in wrong.stderr


def test_app_grants_are_checked_against_the_equipment() -> None:
    text = """site: FAB-1
sources:
  - {name: broker, kind: mqtt, host: localhost, client_id: c1}
  - {name: cnc, kind: opcua, endpoint: "opc.tcp://m:4840"}
equipment:
  - id: M1
    source: broker
    signals: {power_kw: {topic: a/b}}
  - id: M2
    source: cnc
    nameplate: {manufacturer: Hermle, year_of_construction: 1800}
    signals: {power_kw: {node: "ns=2;s=P"}}
apps:
  - name: quality
    equipment: [M3]
    setpoints:
      - {equipment: M1, name: feed_rate, node: "ns=2;s=F"}
      - {equipment: M2, name: feed_rate, node: "ns=2;s=F"}
  - name: quality
"""
    assert _errors(text) == [
        (11, "equipment.1.nameplate.year_of_construction", "Input should be greater than or equal to 1900"),
    ]
    fixed = text.replace("1800", "2021")
    assert _errors(fixed) == [
        (15, "apps.0.equipment.0", "no equipment with id 'M3'"),
        (17, "apps.0.setpoints.0.equipment", "M1 is not on an OPC UA source: nothing to write to"),
        (19, "apps.1.name", "a second app named 'quality'"),
    ]
