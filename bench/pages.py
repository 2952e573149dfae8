"""Server time of the web app's main pages on a generated value chain (100,000 parts by default).

Usage: python -m bench.pages [--parts 100000] [--repeats 7] [--url DATABASE_URL]

Requests go through the whole application in-process (guard, session, queries, templates), so the
time is the server's, without network. Prints a Markdown table of the median and worst time per
page and writes it to bench/pages-results-BACKEND.md. The issue's budget is 200 ms per page.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BUDGET_MS = 200.0


def _database(parts: int, url: str | None) -> str:
    from keten import migrate
    from keten.catalog.models import Part
    from keten.dataio import service
    from keten.dataio.generate import generate
    from keten.db import make_engine

    url = url or f"sqlite:///{OUT / f'pages-{parts}.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        loaded = session.scalar(select(func.count()).select_from(Part)) or 0
        if loaded < parts:
            folder = OUT / f"chain-{parts}-{max(20, parts // 20)}"
            if not (folder / "stock.csv").exists():
                generate(folder, parts=parts, suppliers=max(20, parts // 20), seed=1)
            service.import_tables(session, service.read_path(folder), username="bench")
            session.commit()
    engine.dispose()
    return url


def _targets(url: str) -> list[tuple[str, str]]:
    """Return (label, path) of each page, picking the heaviest parts of this chain."""
    from keten.catalog.models import BomLine, Part
    from keten.db import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        product = session.scalars(select(Part).where(Part.kind == "product").order_by(Part.id)).first()
        widest = session.execute(
            select(Part.id, Part.part_number)
            .join(BomLine, BomLine.parent_id == Part.id)
            .group_by(Part.id, Part.part_number)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        most_used = session.execute(
            select(Part.id, Part.part_number)
            .join(BomLine, BomLine.child_id == Part.id)
            .group_by(Part.id, Part.part_number)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        total = session.scalar(select(func.count()).select_from(Part)) or 0
    engine.dispose()
    assert product is not None
    last_page = max(1, (total + 49) // 50)
    return [
        ("overview", "/"),
        ("parts, first page", "/parts"),
        ("parts, last page", f"/parts?page={last_page}"),
        ("parts, search", "/parts?q=bolt"),
        ("parts, filter by kind", "/parts?kind=component&page=20"),
        ("part page, main product", f"/parts/{product.part_number}"),
        ("part page, widest BOM", f"/parts/{widest.part_number}"),
        ("part page, most used part", f"/parts/{most_used.part_number}"),
        ("BOM tree node (lazy)", f"/catalog/bom/{widest.id}"),
        ("sources of a part (lazy)", f"/partners/sourcing/{most_used.id}"),
        ("organizations with map", "/organizations"),
        ("bought parts without source", "/unsourced"),
        ("import page", "/import"),
        ("footprints list", "/footprints"),
        ("footprint page, main product", f"/footprints/{product.part_number}"),
        ("risk overview with the world map", "/risk"),
        ("risk: ranked critical nodes", "/risk/critical"),
        ("risk: scenario builder", "/risk/scenario"),
        ("risk: critical raw materials of the main product", f"/risk/crm?product={product.part_number}"),
        ("exchange: partners", "/exchange"),
        ("passports list", "/passports"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("--parts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--url", default=None, help="database to use (default: a SQLite file in bench/out)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    url = _database(args.parts, args.url)
    backend = url.split(":", 1)[0].split("+", 1)[0]

    from fastapi.testclient import TestClient

    from keten.app import create_app
    from keten.partners import auth
    from keten.settings import Settings

    app = create_app(Settings(database_url=url))
    with Session(app.state.engine) as session:
        user = auth.get_user(session, username="bench") or auth.create_user(
            session, username="bench", password=None, role="admin"
        )
        secret, _ = auth.create_api_token(session, user=user, name="bench")
        session.commit()
    rows = []
    slowest = 0.0
    with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as client:
        for label, path in _targets(url):
            started = time.perf_counter()
            client.get(path)  # warm caches, as a page a user reloads
            first = (time.perf_counter() - started) * 1000
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            median, worst = statistics.median(times), max(times)
            slowest = max(slowest, median)
            rows.append(f"| {label} | `{path}` | {first:.0f} ms | {median:.0f} ms | {worst:.0f} ms |")
            print(rows[-1], flush=True)
    app.state.engine.dispose()
    table = (
        f"{args.parts:,} parts on {backend}; {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; the first request (cold caches) and the median and worst "
        f"of {args.repeats} requests after it.\n\n"
        "| page | path | first | median | worst |\n|---|---|---:|---:|---:|\n" + "\n".join(rows) + "\n"
    )
    (HERE / f"pages-results-{backend}.md").write_text(table, encoding="utf-8")
    print()
    print(table)
    verdict = "within" if slowest <= BUDGET_MS else "OVER"
    print(f"slowest median {slowest:.0f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")


if __name__ == "__main__":
    main()
