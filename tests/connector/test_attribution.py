"""Energy per order and per unit, OEE, and measured energy in the footprint, on a two-hour shift
worked out by hand.

Machine M1 at FAB-1, readings every 600 s from T0 (seconds below):
- 0 setup, no order; 600 order ORD-1 (part P) running; 3600 idle; 4200 order ORD-2 (part P) running
- energy counter 1000 at 0, 1002 at 600 (setup: 2 kWh), +10 per 600 s to 1052 at 3600 (ORD-1 running:
  50 kWh), 1055 at 4200 (idle: 3 kWh), +10 per 600 s to 1105 at 7200 (ORD-2 running: 50 kWh)
- good 0 at 600, +10 per 600 s to 50 at 3600, 50 at 4200, +10 per 600 s to 100 at 7200; scrap 2 in ORD-1
Default rules: setup to the next order (ORD-1 +2), idle by running time (3000 s each: +1.5 each).
ORD-1 53.5 kWh, ORD-2 51.5 kWh; part P 105 kWh / 100 good = 1.05 kWh per unit.
Period 0 to 7260 s: running 6060 s, setup 600, idle 600; ideal cycle 50 s x 102 parts = 5100 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.connector import attribution, samples
from keten.connector.config import SIGNALS, STATES, parse
from keten.db import make_engine
from keten.footprints import service as footprints
from keten.footprints.models import Activity
from keten.migrate import upgrade
from keten.problems import Problem
from tests.factories import make_composition, make_material, make_org, make_part, make_site

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
START, END = T0, T0 + timedelta(seconds=7260)
CONFIG = """
site: FAB-1
sources: [{name: broker, kind: mqtt, host: 127.0.0.1, client_id: keten-attribution}]
equipment:
  - id: M1
    source: broker
    ideal_cycle_s: 50
    signals:
      energy_kwh: {topic: m1/energy}
      state: {topic: m1/state, map: {1: running, 2: idle, 3: down, 4: setup}}
      good_count: {topic: m1/count}
      scrap_count: {topic: m1/scrap}
      order_id: {topic: m1/order}
      part_number: {topic: m1/order}
"""
FACTORS = """kind,code,unit,kg_co2e_per_unit,secondary_kg_co2e_per_unit,quality,source,licence
material,AL,kg,8,,3,hand,CC0-1.0
electricity,NL,kWh,0.3,,2,hand,CC0-1.0
"""


def _shift(session: Session) -> None:
    eq = samples.sync_equipment(session, parse(CONFIG))["M1"]
    ms = int(T0.timestamp() * 1000)
    rows: list[samples.Row] = []

    def add(signal: str, at_s: int, value: float | None = None, text: str | None = None) -> None:
        rows.append((eq, SIGNALS.index(signal), ms + at_s * 1000, value, text))

    for at, state in ((0, "setup"), (600, "running"), (3600, "idle"), (4200, "running")):
        add("state", at, float(STATES.index(state)))
    for at, order in ((600, "ORD-1"), (4200, "ORD-2")):
        add("order_id", at, text=order)
        add("part_number", at, text="P")
    counter = [1000.0, 1002.0, 1012.0, 1022.0, 1032.0, 1042.0, 1052.0, 1055.0, 1065, 1075, 1085, 1095, 1105]
    for i, kwh in enumerate(counter):
        add("energy_kwh", 600 * i, kwh)
    good = {600: 0, 1200: 10, 1800: 20, 2400: 30, 3000: 40, 3600: 50, 4200: 50, 4800: 60, 5400: 70}
    good |= {6000: 80, 6600: 90, 7200: 100}
    for at, count in good.items():
        add("good_count", at, float(count))
    for at, count in ((600, 0.0), (3600, 2.0), (7200, 2.0)):
        add("scrap_count", at, count)
    samples.store(session, rows)
    session.flush()


def test_energy_per_order_part_and_oee(session: Session) -> None:
    _shift(session)
    result = attribution.attribute_period(session, start=START, end=END)
    assert result.energy_kwh == pytest.approx(105.0) and result.unattributed_kwh == 0.0
    assert result.parts == [
        {
            "part_number": "P",
            "site_code": "FAB-1",
            "energy_kwh": pytest.approx(105.0),
            "good_units": 100.0,
            "kwh_per_unit": pytest.approx(1.05),
        }
    ]
    machine, site = result.oee
    assert machine["availability"] == pytest.approx(6060 / 7260)
    assert machine["performance"] == pytest.approx(5100 / 6060)
    assert machine["quality"] == pytest.approx(100 / 102)
    assert machine["good_per_hour"] == pytest.approx(100 * 3600 / 7260)
    assert site["equipment"] is None and site["oee"] == pytest.approx(machine["oee"])
    # setup energy shared by output instead: both orders made 50 good, so 1 kWh each
    again = attribution.attribute_period(session, start=START, end=END, rules={"setup": "output"})
    assert again.orders == 2
    assert len(attribution.list_oee(session)) == 2  # the second run replaced the first
    # from the idle hour on: the order and counter reading in force at its start come from before it
    later = attribution.attribute_period(session, start=START + timedelta(seconds=3600), end=END)
    assert later.energy_kwh == pytest.approx(1105.0 - 1052.0) and later.orders == 2
    assert later.oee[0]["good"] == 50.0  # the 50 ORD-2 made; ORD-1's were counted before
    with pytest.raises(Problem, match="idle, down or setup"):
        attribution.attribute_period(session, start=START, end=END, rules={"running": "none"})
    with pytest.raises(Problem, match="one of current, next"):
        attribution.attribute_period(session, start=START, end=END, rules={"idle": "evenly"})


def test_measured_energy_raises_the_primary_data_share(session: Session) -> None:
    footprints.load_factor_csv(session, FACTORS, name="hand", version="1", make_default=True)
    part = make_part(session, part_number="P", kind="product")
    make_composition(session, part=part, material=make_material(session, code="AL"), mass_kg=1.0)
    own = make_org(session, code="OWN", country="NL")
    fab = make_site(session, organization=own, code="FAB-1", country="NL")
    session.add(Activity(part_id=part.id, kind="electricity", site_id=fab.id, amount=10.0, primary_share=0.0))
    session.flush()
    before = footprints.calculate(session, part_number="P")
    assert before.total_kg_co2e == pytest.approx(8.0 + 3.0) and not before.primary_data_share
    _shift(session)
    attribution.attribute_period(session, start=START, end=END)
    fed = attribution.feed_footprints(session, start=START, end=END)
    assert fed == [{"part_number": "P", "site": "FAB-1", "fed": True, "kwh_per_unit": pytest.approx(1.05)}]
    after = footprints.calculate(session, part_number="P")
    assert after.total_kg_co2e == pytest.approx(8.0 + 1.05 * 0.3)
    assert after.primary_data_share == pytest.approx(1.05 * 0.3 / (8.0 + 1.05 * 0.3))
    activities = session.scalars(select(Activity).where(Activity.part_id == part.id)).all()
    assert [(a.kind, a.amount, a.primary_share) for a in activities] == [("electricity", 1.05, 1.0)]


def test_through_the_api(client: TestClient, session: Session) -> None:
    _shift(session)
    session.commit()
    body = {"start": START.isoformat(), "end": END.isoformat(), "rules": {"idle": "none"}}
    answer = client.post("/api/connector/energy", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["unattributed_kwh"] == pytest.approx(3.0)
    assert client.get("/api/connector/energy/parts").json()[0]["kwh_per_unit"] == pytest.approx(102 / 100)
    sites = [
        r for r in client.get("/api/connector/oee", params={"site": "FAB-1"}).json() if r["equipment"] is None
    ]
    assert sites[0]["availability"] == pytest.approx(6060 / 7260)
    wrong = client.post("/api/connector/energy", json={**body, "rules": {"running": "none"}})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["location"] == "body.rules.running.[key]"


def test_the_energy_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        _shift(session)
        session.commit()
    engine.dispose()
    command = [sys.executable, "-c", "from keten.cli import main; main()", "connector", "energy"]
    period = ["--from", START.isoformat(), "--to", END.isoformat(), "--idle", "none"]
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "200"}
    done = subprocess.run([*command, *period], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 orders, 105.000 kWh (3.000 kWh on no order)" in done.stdout
    assert "1.0200" in done.stdout and "83.5 %" in done.stdout  # 6060 / 7260 available
    wrong = subprocess.run(
        [*command, *period[:4], "--setup", "evenly"], capture_output=True, text=True, env=env
    )
    assert wrong.returncode == 1 and "setup: the rule is one of" in wrong.stderr
