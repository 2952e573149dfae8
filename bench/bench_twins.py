"""Twin benchmark: a machine's live value through the AAS API, the operational data's ``Power``
with ``$value``, for 50 machines in turn, under concurrent clients.

Usage: python -m bench.bench_twins [--machines 50] [--seconds 10] [--connections 16] [--workers 2]
       [--rounds 1]

A fresh SQLite database (bench/out/twins.db) gets ``--machines`` machines of a connector file with
a minute of readings each, recorded the way a running connector records them, and a viewer's API
token. keten is served by uvicorn with ``--workers`` processes on loopback, and wrk asks
``GET /aas/api/v3.0/submodels/{id}/submodel-elements/Power/$value`` of each machine in turn with
``--connections`` connections for ``--seconds``; p50/p95/p99 from wrk's latency histogram. As the
peer in the same run: ``GET /aas/api/v3.0/description`` on the same server with the same token
(sign-in, routing and JSON, no twin). ``--rounds`` interleaved rounds, medians.

Target (issue 16): p95 at most 20 ms. Writes bench/twins-results.md. wrk comes from Debian.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import time
from pathlib import Path

from bench._wrk import free_port, load_average, median_of, serve, wrk

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS = HERE / "twins-results.md"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _config_text(machines: int) -> str:
    lines = [
        "site: FAB-1",
        "sources:",
        "  - {name: plant, kind: opcua, endpoint: 'opc.tcp://127.0.0.1:4840'}",
    ]
    lines.append("equipment:")
    for i in range(machines):
        lines += [
            f"  - id: M{i:03d}",
            "    source: plant",
            f"    nameplate: {{manufacturer: Bench Tools, serial_number: S{i:05d}}}",
            "    signals:",
            f"      power_kw: {{node: 'ns=2;s=M{i:03d}.Power'}}",
            f"      energy_kwh: {{node: 'ns=2;s=M{i:03d}.Energy'}}",
            f"      state: {{node: 'ns=2;s=M{i:03d}.State', map: {{1: running, 2: idle}}}}",
        ]
    return "\n".join(lines) + "\n"


def _prepare(url: str, machines: int) -> tuple[str, list[str]]:
    """Return a viewer's API token and the $value paths of each machine's power."""
    from sqlalchemy.orm import Session

    from keten.connector import config, service
    from keten.db import make_engine
    from keten.migrate import upgrade
    from keten.partners import auth
    from keten.twins import equipment

    engine = make_engine(url)
    upgrade(engine)
    parsed = config.parse(_config_text(machines), source="bench.yaml")
    recorder = service.Recorder(parsed)
    now = int(time.time() * 1000) - 60_000
    with Session(engine) as session:
        recorder.start(session)
        recorder.connected("plant", True)
        for item in parsed.equipment:
            for s in range(60):
                recorder.add("plant", service.Reading(item.id, "power_kw", now + s * 1000, 10.0 + s / 10))
                recorder.add("plant", service.Reading(item.id, "energy_kwh", now + s * 1000, 100.0 + s / 100))
            recorder.add("plant", service.Reading(item.id, "state", now + 59_000, 0.0))
        recorder.flush(session)
        user = auth.create_user(session, username="bench-viewer", password=None, role="viewer")
        token, _ = auth.create_api_token(session, user=user, name="bench")
        session.commit()
    engine.dispose()
    paths = [
        f"/aas/api/v3.0/submodels/{_b64(equipment.submodel_id(e.id, 'operational-data'))}"
        "/submodel-elements/Power/$value"
        for e in parsed.equipment
    ]
    return token, paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--machines", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    db = OUT / "twins.db"
    for leftover in OUT.glob("twins.db*"):
        leftover.unlink()
    url = f"sqlite:///{db}"
    token, paths = _prepare(url, args.machines)
    port = free_port()
    server = serve("keten.asgi:app", port, args.workers, {**os.environ, "KETEN_DATABASE_URL": url})
    headers = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{port}"
    try:
        live, floor = [], []
        for _ in range(args.rounds):
            live.append(wrk(base, args.seconds, args.connections, headers, paths=paths))
            floor.append(wrk(f"{base}/aas/api/v3.0/description", args.seconds, args.connections, headers))
    finally:
        server.terminate()
        server.wait(timeout=30)
    got, peer = median_of(live), median_of(floor)
    rows = [
        "| what | rps | p50 ms | p95 ms | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in (("live value (Power $value)", got), ("peer: /description", peer)):
        rows.append(
            f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['non_2xx']:.0f} |"
        )
    text = "\n".join(
        [
            "# Twin benchmark: a machine's live value through the AAS API",
            "",
            f"{args.machines} machines on SQLite, uvicorn with {args.workers} workers, wrk with "
            f"{args.connections} connections for {args.seconds} s, {args.rounds} round(s); "
            f"{platform.processor() or platform.machine()}, load {load_average()}.",
            "Target: p95 at most 20 ms.",
            "",
            *rows,
            "",
        ]
    )
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
