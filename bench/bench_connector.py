"""Time the connector: samples ingested and stored per second (SQLite and PostgreSQL), and energy
attribution over a year of one-minute data of 50 machines.

Usage: python -m bench.bench_connector [--samples N] [--machines M] [--postgres URL]
Prints a Markdown report; bench/connector-results.md holds the last one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench._databases import drop_database, postgres_database
from keten.connector import attribution, decoding, samples
from keten.connector.config import SIGNALS, parse
from keten.connector.recording import Reading, Recorder
from keten.core import energy
from keten.db import make_engine
from keten.migrate import upgrade

CONFIG = """
site: FAB-1
sources: [{name: broker, kind: mqtt, host: 127.0.0.1, client_id: keten-bench}]
equipment:
""" + "".join(
    f"""  - id: M{i:02d}
    source: broker
    signals:
      energy_kwh: {{topic: bench/m{i:02d}/energy, path: e, timestamp_path: t}}
      power_kw: {{topic: bench/m{i:02d}/power, path: p, timestamp_path: t}}
"""
    for i in range(50)
)


def _record(engine: Engine, recorder: Recorder, readings: Iterable[Reading | Exception], batch: int) -> float:
    """Return the seconds to record ``readings`` and store them in batches of ``batch``."""
    start = time.perf_counter()
    with Session(engine) as session:
        for reading in readings:
            assert isinstance(reading, Reading), reading
            recorder.add("broker", reading)
            if recorder.pending >= batch:
                recorder.flush(session)
                session.commit()
        recorder.flush(session)
        session.commit()
    return time.perf_counter() - start


def _ingest(url: str, n: int, batch: int) -> dict[str, float]:
    """Return samples per second through the recorder (add, then flush per batch), and through JSON
    decoding first, on the database at ``url``."""
    engine = make_engine(url)
    upgrade(engine)
    config = parse(CONFIG)
    recorder = Recorder(config)
    keys = [e.id for e in config.equipment]
    with Session(engine) as session:
        recorder.start(session)
        session.commit()
    t0 = 1_767_225_600_000
    stored_s = _record(
        engine,
        recorder,
        (Reading(keys[i % 50], "energy_kwh", t0 + i, value=float(i)) for i in range(n)),
        batch,
    )
    bindings = decoding.bindings_by(config, "broker", "topic")
    topics = [f"bench/m{i:02d}/energy" for i in range(50)]
    payloads = [json.dumps({"e": float(i), "t": t0 + n + i}).encode() for i in range(n)]
    decoded = (
        reading
        for i, payload in enumerate(payloads)
        for reading in decoding.from_json(bindings[topics[i % 50]], payload, t0)
    )
    decoded_s = _record(engine, recorder, decoded, batch)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM connector_samples")).scalar_one()
    engine.dispose()
    assert stored == 2 * n, (stored, n)
    return {"stored_per_s": n / stored_s, "decoded_per_s": n / decoded_s}


def _year(machines: int, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    """Return a year of one-minute data per machine: counter, state and order changes."""
    minutes = 365 * 24 * 60
    t = np.arange(minutes, dtype=np.float64) * 60.0
    out = []
    for _ in range(machines):
        state = rng.choice(4, size=minutes // 30, p=[0.7, 0.15, 0.05, 0.1]).repeat(30)
        kw = np.where(state == energy.RUNNING, 20.0, 3.0) * rng.uniform(0.9, 1.1, size=minutes)
        counter = np.cumsum(kw / 60.0) % 100_000.0  # rolls over at 100,000 kWh
        order_change = np.arange(0, minutes, 8 * 60)
        out.append(
            {
                "t": t,
                "counter": counter,
                "state_t": t,
                "state": state.astype(np.int64),
                "order_t": t[order_change],
                "order": np.arange(order_change.size, dtype=np.int64),
            }
        )
    return out


def _attribute_core(year: list[dict[str, np.ndarray]]) -> tuple[float, float]:
    """Return seconds to attribute every machine's year, and the kWh attributed."""
    rules: dict[int, energy.ShareRule] = {
        energy.IDLE: "runtime",
        energy.SETUP: "next",
        energy.DOWN: "current",
    }
    start = time.perf_counter()
    total = 0.0
    for m in year:
        deltas = energy.counter_deltas(m["counter"], reset_tolerance_kwh=0.01, max_kwh=100_000.0).delta_kwh
        begins = m["t"][:-1]
        state = energy.step_at(m["state_t"], m["state"], begins)
        order = energy.step_at(m["order_t"], m["order"], begins)
        result = energy.attribute(
            deltas[1:], np.diff(m["t"]), state, order, int(m["order"].size), rules=rules
        )
        total += float(result.order_kwh.sum() + result.unattributed_kwh.sum())
    return time.perf_counter() - start, total


def _attribute_service(url: str, days: int) -> tuple[float, int]:
    """Return seconds for the service to attribute one machine's ``days`` of one-minute data stored in
    the database (load, arithmetic, result rows), and the samples it read."""
    engine = make_engine(url)
    upgrade(engine)
    config = parse(CONFIG.split("  - id: M01")[0])
    minutes = days * 24 * 60
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ms = int(t0.timestamp() * 1000) + np.arange(minutes, dtype=np.int64) * 60_000
    rng = np.random.default_rng(3)
    state = rng.choice(4, size=minutes // 30, p=[0.7, 0.15, 0.05, 0.1]).repeat(30)
    counter = np.cumsum(np.where(state == 0, 20.0, 3.0) / 60.0)
    with Session(engine) as session:
        eq = samples.sync_equipment(session, config)["M00"]
        energy_i, state_i, order_i = (SIGNALS.index(s) for s in ("energy_kwh", "state", "order_id"))
        rows: list[samples.Row] = [
            (eq, energy_i, int(a), float(b), None) for a, b in zip(ms, counter, strict=True)
        ]
        rows += [(eq, state_i, int(a), float(b), None) for a, b in zip(ms[::30], state[::30], strict=True)]
        rows += [(eq, order_i, int(a), None, f"ORD-{k}") for k, a in enumerate(ms[:: 8 * 60])]
        samples.store(session, rows)
        session.commit()
    start = time.perf_counter()
    with Session(engine) as session:
        attribution.attribute_period(session, start=t0, end=t0 + timedelta(days=days))
        session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--machines", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("KETEN_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    lines = [f"## Connector ({datetime.now(UTC):%Y-%m-%d})", ""]
    lines.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {load_before:.1f} before the run (the machine is shared)."
    )
    lines += ["", "| measure | value |", "|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        backends = [("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", None)]
        if args.postgres:
            url, name = postgres_database(args.postgres)
            backends.append(("PostgreSQL", url, name))
        for label, url, name in backends:
            got = _ingest(url, args.samples, args.batch)
            lines.append(
                f"| {label}: samples recorded and stored, batches of {args.batch:,} ({args.samples:,}) "
                f"| {got['stored_per_s']:,.0f} /s |"
            )
            lines.append(
                f"| {label}: JSON payloads decoded, recorded and stored | {got['decoded_per_s']:,.0f} /s |"
            )
            if name is not None:
                drop_database(args.postgres, name)
        service_s, service_rows = _attribute_service(f"sqlite:///{Path(folder) / 'year.db'}", 365)
    rng = np.random.default_rng(11)
    times = []
    for _ in range(3):
        year = _year(args.machines, rng)
        seconds, kwh = _attribute_core(year)
        times.append(seconds)
    n = sum(m["t"].size for m in year)
    lines.append(
        f"| energy attribution, {args.machines} machines x a year of one-minute counter readings "
        f"({n:,} samples), core (median of 3) | {statistics.median(times):.2f} s ({kwh:,.0f} kWh) |"
    )
    lines.append(
        f"| the same for one machine through the service: read from SQLite ({service_rows:,} samples), "
        f"attribute, store orders, parts, OEE | {service_s:.2f} s |"
    )
    lines.append("")
    lines.append(f"Load average after the run: {os.getloadavg()[0]:.1f}.")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
