"""Apps on the twins against a real machine: an asyncua server with a writable feed-rate setpoint,
keten served on loopback for the apps' AAS reads, and a connector running the shipped apps. The
quality app that is granted the setpoint lowers it when the scrap rate drifts; the same app without
the grant is refused, and both are in the audit log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.connector import running, service
from keten.connector.aas_client import AasReader
from keten.connector.apps import AppHost, Refused
from keten.connector.config import parse
from keten.connector.models import AppResult
from keten.connector.recording import Recorder
from keten.db import make_session_factory
from keten.partners.models import AuditEntry
from keten.problems import Problem
from keten.settings import Settings

from ..conftest import make_user
from ..exchange.conftest import live_server
from .brokers import until
from .machine import PASSWORD, Machine

APPS = """
apps:
  - name: quality-line-1
    app: quality
    settings: {subgroup: 20, baseline: 3, step_pct: 10}
    setpoints:
      - {equipment: CNC-01, name: feed_rate, node: "ns=2;s=CNC01.FeedRate", min: 50, max: 120}
  - name: quality-ungranted
    app: quality
    settings: {subgroup: 20, baseline: 3, step_pct: 10}
  - name: idle-watch
    app: energy-anomaly
    settings: {learn_samples: 4, run: 2, tolerance: 0.2, min_excess_kw: 0.5}
"""


def _result(engine: Engine, app: str, name: str) -> str | None:
    with Session(engine) as session:
        row = session.scalar(select(AppResult).where(AppResult.app == app, AppResult.name == name))
        return row.value if row else None


def _subgroups(engine: Engine, app: str, count: int) -> Callable[[], bool]:
    return lambda: _result(engine, app, "Subgroups") == str(count)


def _audit(engine: Engine) -> list[tuple[str, str, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.username.like("app:%")).order_by(AuditEntry.id)
        )
        return [(r.username or "", r.action, r.target, r.detail) for r in rows]


def test_apps_act_on_the_machine_only_where_granted(
    engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KETEN_TEST_OPCUA_PASSWORD", PASSWORD)
    machine = Machine(tmp_path)
    config = parse(machine.config_text() + APPS)
    token = make_user(engine, "viewer")

    async def scenario(url: str) -> None:
        machine.values["Power"] = 5.0
        await machine.start()
        stop = asyncio.Event()
        host = AppHost(config, make_session_factory(engine), AasReader(f"{url}/aas/api/v3.0", token))
        started: list[Recorder] = []

        async def on_start(recorder: Recorder) -> None:
            started.append(recorder)

        task = asyncio.ensure_future(
            running.run(config, make_session_factory(engine), stop, on_start=on_start, apps=host)
        )
        await until(
            lambda: bool(started) and "power_kw" in started[0].sources["cnc"].last_values.get("CNC-01", {})
        )
        # Idle power: four readings teach the baseline (5.05 kW), two well above it are an anomaly.
        for kw in (5.2, 4.8, 5.1):
            await machine.set(Power=kw)
            await asyncio.sleep(0.3)
        await until(lambda: _result(engine, "idle-watch", "IdleBaseline_kW") is not None, what="a baseline")
        for kw in (8.0, 8.4):
            await machine.set(Power=kw)
            await asyncio.sleep(0.3)
        await until(lambda: _result(engine, "idle-watch", "IdlePowerAnomaly") is not None, what="an anomaly")
        # Scrap: three subgroups of 20 parts at 5 % set the p-chart, the fourth has 40 %.
        await machine.set(State=1)
        for k, (good, scrap) in enumerate([(19, 1), (38, 2), (57, 3), (69, 11)], start=1):
            await machine.set(Good=good, Scrap=scrap)
            for app in ("quality-line-1", "quality-ungranted"):
                await until(_subgroups(engine, app, k), what=f"subgroup {k} of {app}")
        await until(lambda: any(a[1] == "app setpoint" for a in _audit(engine)), what="a setpoint write")
        await until(lambda: any("refused" in a[3] for a in _audit(engine)), what="a refusal")
        stop.set()
        await task
        assert await machine.nodes["FeedRate"].read_value() == pytest.approx(90.0)
        await machine.stop()

    with live_server(settings) as url:
        asyncio.run(scenario(url))
    assert _result(engine, "idle-watch", "IdleBaseline_kW") == "5.050"
    assert "8.400 kW" in (_result(engine, "idle-watch", "IdlePowerAnomaly") or "")
    assert "out of control" in (_result(engine, "quality-line-1", "ScrapRate") or "")
    audit = _audit(engine)
    done = [a for a in audit if a[0] == "app:quality-line-1" and a[1] == "app setpoint"]
    assert done == [
        ("app:quality-line-1", "app setpoint", "CNC-01/feed_rate", "ns=2;s=CNC01.FeedRate = 90.0")
    ]
    refused = [a for a in audit if a[0] == "app:quality-ungranted" and a[1] == "app setpoint"]
    assert len(refused) == 1 and refused[0][3].startswith("refused: the connector file grants no setpoint")
    assert any(a[0] == "app:idle-watch" and a[1] == "app result" for a in audit)


def test_an_app_without_the_results_grant_is_refused_and_an_unknown_app_is_named(engine: Engine) -> None:
    text = """
site: FAB-1
sources: [{name: cnc, kind: opcua, endpoint: "opc.tcp://127.0.0.1:4840"}]
equipment: [{id: M1, source: cnc, signals: {power_kw: {node: "ns=2;s=P"}}}]
apps:
  - {name: watcher, app: energy-anomaly, results: false}
"""
    config = parse(text)
    factory = make_session_factory(engine)
    with Session(engine) as session:
        service.Recorder(config).start(session)
        session.commit()
    host = AppHost(config, factory, AasReader("http://127.0.0.1:9/aas/api/v3.0", "unused"))
    ctx = host.apps[0][1]
    with pytest.raises(Refused, match="does not let the app write results"):
        asyncio.run(ctx.write_result("M1", "Finding", "something"))
    assert _audit(engine) == [
        (
            "app:watcher",
            "app result",
            "M1/Finding",
            "refused: the connector file does not let the app write results here",
        )
    ]
    assert _result(engine, "watcher", "Finding") is None
    with pytest.raises(Problem, match="no app installed named nowhere"):
        AppHost(parse(text.replace("energy-anomaly", "nowhere")), factory, ctx.aas)
