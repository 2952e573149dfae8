"""Run keten's benchmarks: import and BOM explosion of generated value chains of growing size.

Each measurement runs in its own process (peak memory is that process's maximum resident set).
PostgreSQL is measured when KETEN_BENCH_POSTGRES_URL (or KETEN_TEST_POSTGRES_URL) names a server.
Results are printed as a Markdown table and written to bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def _measure(*args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "bench._measure", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE.parent,
    )
    if result.returncode != 0:
        raise SystemExit(f"measurement {args[0]} failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _chain(parts: int, suppliers: int) -> Path:
    from keten.dataio.generate import generate

    folder = OUT / f"chain-{parts}-{suppliers}"
    if not (folder / "stock.csv").exists():
        generate(folder, parts=parts, suppliers=suppliers, seed=1)
    return folder


def _product(folder: Path) -> str:
    with (folder / "parts.csv").open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            fields = line.split(",")
            if fields[2] == "product":
                return fields[0]
    raise SystemExit(f"no product in {folder}")


class _Postgres:
    def __init__(self, url: str) -> None:
        self.admin = url
        self.names: list[str] = []

    def new(self) -> str:
        from keten.db import make_engine

        name = f"keten_bench_{uuid.uuid4().hex[:8]}"
        engine = make_engine(self.admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.names.append(name)
        return make_url(self.admin).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        from keten.db import make_engine

        engine = make_engine(self.admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="part counts, comma separated")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each timing (median quoted)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pg_url = os.environ.get("KETEN_BENCH_POSTGRES_URL") or os.environ.get("KETEN_TEST_POSTGRES_URL")
    postgres = _Postgres(pg_url) if pg_url else None
    OUT.mkdir(exist_ok=True)
    rows: list[str] = []
    try:
        for parts in sizes:
            suppliers = max(20, parts // 20)
            folder = _chain(parts, suppliers)
            product = _product(folder)
            imports: dict[str, list[dict[str, float]]] = {"sqlite": []}
            if postgres:
                imports["postgresql"] = []
            urls: dict[str, str] = {}
            for backend in imports:
                for _ in range(max(1, args.repeats // 2)):
                    if backend == "sqlite":
                        db = OUT / f"bench-{parts}-{uuid.uuid4().hex[:6]}.db"
                        url = f"sqlite:///{db}"
                    else:
                        assert postgres is not None
                        url = postgres.new()
                    imports[backend].append(_measure("import", url, str(folder)))
                    urls[backend] = url
            for backend, runs in imports.items():
                seconds = sorted(r["seconds"] for r in runs)[len(runs) // 2]
                peak = max(r["peak_mb"] for r in runs)
                explosion = _measure("explode", urls[backend], product, str(args.repeats))
                ratio = explosion["sparse_solve_ms"] / explosion["explode_ms"]
                rows.append(
                    f"| {parts:,} | {backend} | {int(runs[0]['rows']):,} | {seconds:.2f} s | {peak:.0f} MB "
                    f"| {explosion['load_and_explode_s'] * 1000:.0f} ms | {explosion['explode_ms']:.2f} ms "
                    f"| {explosion['sparse_solve_ms']:.1f} ms "
                    f"({ratio:.0f}×) | {int(explosion['depth']) + 1} |"
                )
                print(rows[-1], flush=True)
            for db_file in OUT.glob("bench-*.db*"):
                db_file.unlink()
    finally:
        if postgres:
            postgres.drop_all()
    header = (
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}. Medians of {args.repeats} runs; "
        "peak memory is the importing process's maximum RSS.\n\n"
        "| parts | database | rows imported | import (CSV → DB) | peak memory "
        "| load BOM from DB + explode | explode in memory | peer: sparse LU solve (ratio) | BOM levels |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    table = header + "\n".join(rows) + "\n"
    (HERE / "results.md").write_text(table, encoding="utf-8")
    print()
    print(table)


if __name__ == "__main__":
    main()
