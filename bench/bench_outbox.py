"""The exchange's outbox: queued events delivered by ``keten worker`` processes to a local receiver,
and the PACT list rate with and without the outbox worker inside the server processes.

Usage: python -m bench.bench_outbox [--events 10000] [--workers 2] [--list-seconds 5] [--list-rounds 3]

Delivery: a database (PostgreSQL when KETEN_BENCH_POSTGRES_URL or KETEN_TEST_POSTGRES_URL names a
server, and a SQLite file) holds ``--events`` Published events queued for one partner, whose PACT
API is a receiver on loopback in this process (a token endpoint and an events endpoint that count
each event id). ``--workers`` ``keten worker`` processes deliver them as shipped (settings'
batch, lease and timeouts); the rate is the events over the time from the first to the last one
received. Afterwards every entry must be delivered and every id received exactly once.

List rate: bench.bench_exchange runs twice in the same run, once with the servers' embedded
outbox worker off (as before the outbox) and once on (as keten runs now), and the ratio of their
ListFootprints rates is reported; ``--list-rounds 0`` leaves it out.

Printed and written to bench/out/outbox-latest.md; the results quoted with their circumstances
are in bench/outbox-results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench._wrk import load_average

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


class _Receiver:
    """Counts the events it receives, by id, with the times of the first and the last."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.first = self.last = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                answer = b""
                if self.path == "/auth/token":
                    answer = b'{"access_token":"t","token_type":"bearer"}'
                else:
                    event_id = json.loads(body)["id"]
                    now = time.perf_counter()
                    with receiver._lock:
                        receiver.ids.append(event_id)
                        receiver.first = receiver.first or now
                        receiver.last = now
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self) -> None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _queue(url: str, base: str, events: int) -> list[str]:
    """Migrate the database at ``url``, add the partner at ``base`` and queue ``events`` events."""
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from keten import migrate
    from keten.db import make_engine
    from keten.exchange import service
    from keten.exchange.models import OutboxEntry
    from keten.exchange.schemas import PartnerCreate, PartnerRemote

    engine = make_engine(url)
    migrate.upgrade(engine)
    remote = PartnerRemote(base_url=base, client_id="bench", client_secret="bench", pact_version="2")
    with Session(engine) as session:
        partner, _ = service.create_partner(
            session, data=PartnerCreate(code="RCV", name="Receiver", remote=remote)
        )
        now = datetime.now(UTC)
        rows, ids = [], []
        for n in range(events):
            pf_id = str(uuid.UUID(int=n + 1))
            event = service.make_event("2", "published", {"pfIds": [pf_id]}, source="https://bench.example")
            ids.append(event["id"])
            rows.append(
                {
                    "kind": "published",
                    "event_id": event["id"],
                    "partner_id": partner.id,
                    "pact_version": "2",
                    "payload": event,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "created_at": now,
                    "queued_at": now,
                }
            )
        session.execute(insert(OutboxEntry), rows)
        session.commit()
    engine.dispose()
    return ids


def _delivered(url: str) -> int:
    from keten.db import make_engine
    from keten.exchange.models import OutboxEntry

    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == "delivered")
        ).scalar_one()
    engine.dispose()
    return int(count)


def _deliver(url: str, args: argparse.Namespace) -> dict[str, float]:
    receiver = _Receiver()
    ids = _queue(url, receiver.base, args.events)
    env = {**os.environ, "KETEN_DATABASE_URL": url, "KETEN_PACT_CLIENT_ALLOW_HTTP": "true"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", "worker"]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(args.workers)
    ]
    deadline = time.monotonic() + 600
    try:
        while len(receiver.ids) < args.events and time.monotonic() < deadline:
            time.sleep(0.2)
        while _delivered(url) < args.events and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
        receiver.server.shutdown()
        receiver.server.server_close()
    received = len(receiver.ids)
    if sorted(receiver.ids) != sorted(ids):
        raise SystemExit(f"the receiver got {received} events for {len(ids)} queued, or some twice")
    seconds = receiver.last - receiver.first
    return {"events": float(received), "seconds": seconds, "per_s": received / seconds}


def _list_rate(outbox_worker: bool, args: argparse.Namespace) -> dict[str, float]:
    """Return the median ListFootprints rates bench.bench_exchange measures, per database."""
    env = {**os.environ, "KETEN_OUTBOX_WORKER": "true" if outbox_worker else "false"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_exchange",
            "--seconds",
            str(args.list_seconds),
            "--rounds",
            str(args.list_rounds),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )
    rates = {}
    for line in done.stdout.splitlines():
        found = re.match(r"\| (SQLite|PostgreSQL) \| ([\d,]+) \|", line)
        if found:
            rates[found.group(1)] = float(found.group(2).replace(",", ""))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--list-seconds", type=int, default=5)
    parser.add_argument("--list-rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    backends = {"SQLite": f"sqlite:///{OUT / f'outbox-{uuid.uuid4().hex[:6]}.db'}"}
    pg = os.environ.get("KETEN_BENCH_POSTGRES_URL") or os.environ.get("KETEN_TEST_POSTGRES_URL")
    admin = None
    name = f"outbox_bench_{uuid.uuid4().hex[:8]}"
    if pg:
        from keten.db import make_engine

        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        backends["PostgreSQL"] = make_url(pg).set(database=name).render_as_string(hide_password=False)
    started_load = load_average()
    delivery = {}
    try:
        for backend, url in backends.items():
            delivery[backend] = _deliver(url, args)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    # --list-rounds 0: the delivery alone, for a quick run.
    without = _list_rate(False, args) if args.list_rounds else {}
    with_worker = _list_rate(True, args) if args.list_rounds else {}
    lines = [
        "# Outbox benchmark",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}; load average {started_load} before, {load_average()} after.",
        "",
        f"Delivery: {args.events:,} queued Published events, {args.workers} `keten worker` processes, "
        "a receiver on loopback in the benchmark's process; every id received exactly once.",
        "",
        "| database | events | seconds | events/s |",
        "|---|---:|---:|---:|",
    ]
    for backend, r in delivery.items():
        lines.append(f"| {backend} | {r['events']:,.0f} | {r['seconds']:.1f} | {r['per_s']:,.0f} |")
    lines += (
        []
        if not without
        else [
            "",
            f"PACT ListFootprints (bench.bench_exchange --seconds {args.list_seconds} --rounds "
            f"{args.list_rounds}, replayed req/s), the servers' embedded outbox worker off and on, same run:",
            "",
            "| database | worker off req/s | worker on req/s | on/off |",
            "|---|---:|---:|---:|",
        ]
    )
    for backend in without:
        off, on = without[backend], with_worker.get(backend, 0.0)
        lines.append(f"| {backend} | {off:,.0f} | {on:,.0f} | {on / off:.2f} |")
    text_out = "\n".join(lines) + "\n"
    print(text_out)
    (OUT / "outbox-latest.md").write_text(text_out, encoding="utf-8")


if __name__ == "__main__":
    main()
