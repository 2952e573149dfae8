"""Time the lifecycle: EPCIS events captured per second (documents of 1,000 events through the
capture service: validation, event hash, duplicate check, storage), a machine's full history, and a
query by business step and time window, with N events stored (SQLite and PostgreSQL).

Targets of issue 17 on PostgreSQL: capture at least 5,000 events/s; with 1,000,000 events stored a
machine's history in at most 50 ms and a query by business step and time window in at most 200 ms.

Usage: python -m bench.bench_lifecycle [--events N] [--machines M] [--postgres URL] [--sqlite]
Prints a Markdown report.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bench._databases import drop_database, postgres_database
from keten.db import make_engine
from keten.lifecycle import service
from keten.lifecycle.vocabulary import LIFECYCLE_STEPS
from keten.migrate import upgrade

GTIN = "08712345001001"
START = datetime(2024, 1, 1, tzinfo=UTC)
PER_DOCUMENT = 1_000


def _machine(n: int) -> str:
    return f"https://id.gs1.org/01/{GTIN}/21/M{n:07d}"


def _documents(events: int, machines: int, rng: random.Random) -> list[dict[str, Any]]:
    """Return EPCISDocuments of PER_DOCUMENT object events each, on ``machines`` machines over two years."""
    documents = []
    for first in range(0, events, PER_DOCUMENT):
        batch = []
        for i in range(first, min(first + PER_DOCUMENT, events)):
            when = START + timedelta(seconds=rng.randrange(2 * 365 * 86400), milliseconds=i % 1000)
            batch.append(
                {
                    "type": "ObjectEvent",
                    "eventTime": when.isoformat().replace("+00:00", "Z"),
                    "eventTimeZoneOffset": "+00:00",
                    "epcList": [_machine(rng.randrange(machines))],
                    "action": "OBSERVE",
                    "bizStep": LIFECYCLE_STEPS[rng.randrange(len(LIFECYCLE_STEPS))],
                    "bizLocation": {"id": f"urn:epc:id:sgln:8712345.{rng.randrange(100):05d}.0"},
                }
            )
        documents.append(
            {
                "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": "2026-01-01T00:00:00Z",
                "epcisBody": {"eventList": batch},
            }
        )
    return documents


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def _run(url: str, events: int, machines: int, probes: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(17)
    documents = _documents(events, machines, rng)
    caller = service.Caller(username="bench")
    began, cpu = time.perf_counter(), time.process_time()
    for document in documents:
        with Session(engine) as session:
            service.capture_document(session, document=document, caller=caller)
            session.commit()
    capture_s, capture_cpu_s = time.perf_counter() - began, time.process_time() - cpu
    history_ms, query_ms, sizes = [], [], []
    with Session(engine) as session:
        for _ in range(probes):
            serial = f"M{rng.randrange(machines):07d}"
            t0 = time.perf_counter()
            found = service.timeline(session, gtin=GTIN, serial=serial, caller=caller)
            history_ms.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(found.events))
            since = START + timedelta(days=rng.randrange(600))
            params = {
                "EQ_bizStep": LIFECYCLE_STEPS[rng.randrange(len(LIFECYCLE_STEPS))],
                "GE_eventTime": since.isoformat(),
                "LT_eventTime": (since + timedelta(days=30)).isoformat(),
                "perPage": "100",
            }
            t0 = time.perf_counter()
            service.query_events(session, params=params, caller=caller)
            query_ms.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return {
        "capture_per_s": events / capture_s,
        "capture_per_cpu_s": events / capture_cpu_s,
        "history_p50": _p(history_ms, 50),
        "history_p95": _p(history_ms, 95),
        "history_events": statistics.mean(sizes),
        "query_p50": _p(query_ms, 50),
        "query_p95": _p(query_ms, 95),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--machines", type=int, default=10_000)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("KETEN_TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite", action="store_true", help="measure SQLite too")
    args = parser.parse_args()
    lines = [f"## Lifecycle ({datetime.now(UTC):%Y-%m-%d})", ""]
    lines.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f} before the run (the machine is shared). "
        f"{args.events:,} events on {args.machines:,} machines, {args.probes} probes."
    )
    lines += ["", "| backend | capture | history p50 / p95 | query p50 / p95 |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        backends: list[tuple[str, str, str | None]] = []
        if args.sqlite or not args.postgres:
            backends.append(("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", None))
        if args.postgres:
            url, name = postgres_database(args.postgres)
            backends.append(("PostgreSQL", url, name))
        for label, url, db in backends:
            try:
                got = _run(url, args.events, args.machines, args.probes)
            finally:
                if db is not None:
                    drop_database(args.postgres, db)
            capture = f"{got['capture_per_s']:,.0f} events/s ({got['capture_per_cpu_s']:,.0f} per CPU second)"
            p50, p95, size = got["history_p50"], got["history_p95"], got["history_events"]
            query = f"{got['query_p50']:.1f} / {got['query_p95']:.1f} ms"
            lines.append(f"| {label} | {capture} | {p50:.1f} / {p95:.1f} ms ({size:.0f} events) | {query} |")
    lines += ["", f"Load average after the run: {os.getloadavg()[0]:.1f}."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
