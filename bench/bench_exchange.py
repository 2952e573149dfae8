"""Authenticated PACT ListFootprints, a page of 50, under a real load generator on loopback.

Usage: python -m bench.bench_exchange [--seconds 10] [--connections 32] [--rounds 3] [--workers 2]

keten serves a database of 60 published footprints granted to one partner (SQLite file; also
PostgreSQL when KETEN_BENCH_POSTGRES_URL or KETEN_TEST_POSTGRES_URL names a server) with uvicorn
and ``--workers`` processes; wrk asks ``GET /2/footprints?limit=50`` with the partner's bearer
token. Two keten servers share the database: one as it runs, where a page asked again while the
data behind it is unchanged is replayed from memory (keten.replay: the token's claims, the change
counter and the token's issue time are still checked, and the call logged), and one with
KETEN_REPLAY_ANSWERS=false, where every call reads partner, grants and page. Every call queues an
access-log row (written in batches); after the run the log's rows are counted against the answers,
and a replayed page is checked to be the worked-out page byte for byte. The peer is a bare FastAPI
endpoint served the same way in the same run, rounds interleaved.
Medians (req/s, p50/p95/p99 from wrk's histogram) over the rounds are printed and written to
bench/out/exchange-latest.md; the results quoted with their circumstances are in
bench/exchange-results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench._wrk import free_port, load_average, median_of, serve, wrk

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
FOOTPRINTS = 60
FACTORS = """kind,code,unit,kg_co2e_per_unit,secondary_kg_co2e_per_unit,quality,source,licence
material,AL,kg,8,,3,bench,CC0-1.0
"""


def _database(url: str) -> tuple[str, str]:
    """Fill the database at ``url`` with published footprints and a partner; return its credentials."""
    from sqlalchemy.orm import Session

    from keten import migrate
    from keten.catalog.models import Material, Part, PartMaterial
    from keten.db import make_engine
    from keten.exchange import service
    from keten.exchange.schemas import GrantCreate, PartnerCreate
    from keten.footprints import service as footprints

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        footprints.load_factor_csv(session, FACTORS, name="bench", version="1", make_default=True)
        al = Material(code="AL", name="Aluminium")
        session.add(al)
        session.flush()
        for i in range(FOOTPRINTS):
            part = Part(
                part_number=f"P-{i:04d}",
                name=f"Part {i}",
                kind="component",
                mass_kg=1.0 + i / 10,
                category="bench",
            )
            session.add(part)
            session.flush()
            session.add(PartMaterial(part_id=part.id, material_id=al.id, mass_kg=0.5 + i / 100))
        session.flush()
        for i in range(FOOTPRINTS):
            footprints.calculate(session, part_number=f"P-{i:04d}")
            service.publish(session, part_number=f"P-{i:04d}", node_name="bench")
        partner, secret = service.create_partner(session, data=PartnerCreate(code="BENCH", name="Bench"))
        service.create_grant(
            session, data=GrantCreate(partner="BENCH", category="bench", purpose="bench"), username="bench"
        )
        client_id = partner.client_id
        session.commit()
    engine.dispose()
    return client_id, secret


def _measure(url: str, args: argparse.Namespace) -> dict[str, float]:
    client_id, secret = _database(url)
    # The servers speak plain HTTP on loopback: the setting for local testing lets the PACT API answer.
    env = {**os.environ, "KETEN_DATABASE_URL": url, "KETEN_PACT_ALLOW_HTTP": "true"}
    keten_port, worked_port, bare_port = free_port(), free_port(), free_port()
    keten = serve("keten.asgi:app", keten_port, args.workers, env)
    worked = serve("keten.asgi:app", worked_port, args.workers, {**env, "KETEN_REPLAY_ANSWERS": "false"})
    bare = serve("bench.bare_app:app", bare_port, args.workers, env)
    try:
        base, worked_base = f"http://127.0.0.1:{keten_port}", f"http://127.0.0.1:{worked_port}"
        token = httpx.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=30,
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        page = httpx.get(f"{base}/2/footprints?limit=50", headers=bearer, timeout=30)
        assert page.status_code == 200 and len(page.json()["data"]) == 50, page.text[:200]
        assert 'rel="next"' in page.headers["link"]
        warm = wrk(f"{base}/2/footprints?limit=50", 2, args.connections, bearer)  # both workers
        warm_worked = wrk(f"{worked_base}/2/footprints?limit=50", 2, args.connections, bearer)
        listing, working, peer = [], [], []
        for _ in range(args.rounds):  # interleaved, so all see the same machine
            listing.append(wrk(f"{base}/2/footprints?limit=50", args.seconds, args.connections, bearer))
            working.append(
                wrk(f"{worked_base}/2/footprints?limit=50", args.seconds, args.connections, bearer)
            )
            peer.append(wrk(f"http://127.0.0.1:{bare_port}/ping", args.seconds, args.connections))
        # A replayed page is the page worked out again, byte for byte.
        again = httpx.get(f"{base}/2/footprints?limit=50", headers=bearer, timeout=30)
        fresh = httpx.get(f"{worked_base}/2/footprints?limit=50", headers=bearer, timeout=30)
        assert again.content == fresh.content == page.content
    finally:
        for process in (keten, worked, bare):
            process.terminate()
            process.wait(timeout=30)
    logged = _logged(url)
    result = {f"list_{k}": v for k, v in median_of(listing).items()}
    result.update({f"worked_{k}": v for k, v in median_of(working).items()})
    result.update({f"bare_{k}": v for k, v in median_of(peer).items()})
    result["page_bytes"] = float(len(page.content))
    # wrk counts the answers it received; calls still in flight when it stops are answered and
    # logged too, so the log may hold a few more.
    result["answered"] = (
        3
        + warm["requests"]
        + warm_worked["requests"]
        + sum(r["requests"] for r in listing)
        + sum(r["requests"] for r in working)
    )
    result["logged"] = float(logged)
    return result


def _logged(url: str) -> int:
    """Return the number of list calls in the access log once the servers have shut down."""
    from keten.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM exchange_access_log WHERE action = 'list footprints'")
        ).scalar_one()
    engine.dispose()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    backends = {"SQLite": f"sqlite:///{OUT / f'exchange-{uuid.uuid4().hex[:6]}.db'}"}
    pg = os.environ.get("KETEN_BENCH_POSTGRES_URL") or os.environ.get("KETEN_TEST_POSTGRES_URL")
    admin = None
    name = f"exchange_bench_{uuid.uuid4().hex[:8]}"
    if pg:
        from keten.db import make_engine

        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        backends["PostgreSQL"] = make_url(pg).set(database=name).render_as_string(hide_password=False)
    rows = []
    started_load = load_average()
    try:
        for backend, url in backends.items():
            result = _measure(url, args)
            rows.append((backend, result))
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    lines = [
        "# Exchange benchmark: authenticated PACT ListFootprints, page of 50",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}; load average {started_load} before, {load_average()} after. "
        f"uvicorn (httptools, uvloop) with {args.workers} workers; wrk -t2 -c{args.connections} "
        f"-d{args.seconds}s on the same machine (load generator and server share the cores); median "
        f"of {args.rounds} interleaved rounds. Peer: a bare FastAPI endpoint returning "
        '{"ok": true}, served the same way in the same run.',
        "",
        "Replayed: keten as it runs (a page asked again is replayed from memory while the data "
        "behind it is unchanged; every call is still checked and logged). Worked out: the same "
        "server with KETEN_REPLAY_ANSWERS=false, so every call reads partner, grants and page.",
        "",
        "| database | replayed req/s | p50 ms | p95 ms | p99 ms | errors | worked out req/s | p95 ms "
        "| bare req/s | bare p95 ms | replayed/bare | worked/bare | page bytes | answered | logged |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, r in rows:
        errors = sum(r[f"{k}_non_2xx"] + r[f"{k}_socket_errors"] for k in ("list", "worked"))
        lines.append(
            f"| {backend} | {r['list_rps']:,.0f} | {r['list_p50_ms']:.1f} | {r['list_p95_ms']:.1f} | "
            f"{r['list_p99_ms']:.1f} | {errors:.0f} | {r['worked_rps']:,.0f} | {r['worked_p95_ms']:.1f} | "
            f"{r['bare_rps']:,.0f} | {r['bare_p95_ms']:.1f} | {r['list_rps'] / r['bare_rps']:.2f} | "
            f"{r['worked_rps'] / r['bare_rps']:.2f} | "
            f"{r['page_bytes']:,.0f} | {r['answered']:,.0f} | {r['logged']:,.0f} |"
        )
    text_out = "\n".join(lines) + "\n"
    print(text_out)
    (OUT / "exchange-latest.md").write_text(text_out, encoding="utf-8")


if __name__ == "__main__":
    main()
