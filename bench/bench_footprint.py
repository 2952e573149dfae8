"""Footprint benchmark on the generated 100,000-part chain: engine, Brightway, service path, Monte Carlo.

Usage: python -m bench.bench_footprint [--parts 100000] [--url sqlite:///...]

The chain is generated once (bench/out/chain-N-S) and imported into bench/out/footprint-N.db
with a bench factor set (the reference data plus a deterministic factor for every generated
material without one), electricity per assembly at a site, inbound road transport for a third of
the purchased parts and supplier PCFs for 2 % of the parts. Measured:

- the roll-up of the product with per-part contributions on arrays in memory (median);
- bw2calc on the same cradle-to-gate system (a technosphere from the BOM, one biosphere flow
  carrying each part's direct emissions), checked to agree to 1e-9, and the ratio;
- the service path (what an API request runs) cold, loading everything from the database and
  preparing the model, and warm, on unchanged data;
- Monte Carlo with 1,000 iterations, time and peak memory (tracemalloc peak of the run, and the
  process's peak resident set).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import statistics
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
FACTORS = HERE.parent / "data" / "factors"


def _median_ms(work: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _chain(parts: int) -> Path:
    from keten.dataio.generate import generate

    suppliers = max(1, parts // 20)
    folder = OUT / f"chain-{parts}-{suppliers}"
    if not (folder / "stock.csv").exists():
        generate(folder, parts=parts, suppliers=suppliers, seed=1)
    return folder


def _product(session: Session) -> str:
    from keten.catalog.models import BomLine, Part

    parents = select(BomLine.parent_id).distinct()
    found = session.scalar(
        select(Part.part_number).where(Part.kind == "product", Part.id.in_(parents)).order_by(Part.id)
    )
    if found is None:
        raise SystemExit("no product with a BOM in the chain")
    return found


def _bench_factor_csv(material_codes: list[str]) -> str:
    """Return the reference data as one factor CSV, plus a factor for every material it lacks."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kind", "code", "unit", "kg_co2e_per_unit", "secondary_kg_co2e_per_unit", "quality"])
    known: dict[str, float] = {}
    with (FACTORS / "materials.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            known[row["material_code"].upper()] = float(row["kg_co2e_per_unit_primary"])
    rng = np.random.default_rng(7)
    for code in material_codes:
        primary = known.get(code.upper(), float(rng.lognormal(1.5, 1.0)))
        writer.writerow(["material", code, "kg", primary, round(primary * 0.3, 6), 3])
    with (FACTORS / "grid_electricity.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            writer.writerow(["electricity", row["country"], "kWh", row["kg_co2e_per_kwh"], "", 2])
    with (FACTORS / "freight.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            writer.writerow(["freight", row["mode"], "t*km", row["kg_co2e_per_tonne_km"], "", 3])
    return out.getvalue()


def _prepare_database(url: str, folder: Path) -> None:
    """Import the chain and add the bench factor set and activity data, unless done already."""
    from keten import migrate
    from keten.catalog.models import BomLine, Material, Part
    from keten.dataio import service as dataio
    from keten.db import make_engine, make_session_factory
    from keten.footprints import service
    from keten.footprints.models import Activity, FactorSet, SupplierPcf
    from keten.partners.models import Site

    engine = make_engine(url)
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session:
        if session.scalar(select(FactorSet.id).where(FactorSet.name == "bench")) is not None:
            engine.dispose()
            return
        if session.scalar(select(Part.id).limit(1)) is None:
            print("importing the chain (once) ...", flush=True)
            dataio.import_tables(session, dataio.read_path(folder))
            session.commit()
        materials = list(session.scalars(select(Material.code).order_by(Material.id)))
        service.load_factor_csv(
            session, _bench_factor_csv(materials), name="bench", version="1", make_default=True
        )
        rng = np.random.default_rng(11)
        parents = sorted(set(session.scalars(select(BomLine.parent_id).distinct())))
        leaves = [p for p in session.scalars(select(Part.id)) if p not in set(parents)]
        sites = list(session.scalars(select(Site.id).order_by(Site.id).limit(20)))
        rows: list[dict[str, Any]] = [
            {
                "part_id": p,
                "kind": "electricity",
                "code": None,
                "site_id": sites[int(rng.integers(0, len(sites)))],
                "amount": float(rng.uniform(1.0, 50.0)),
                "primary_share": 1.0,
            }
            for p in parents
        ]
        for p in rng.choice(leaves, size=len(leaves) // 3, replace=False).tolist():
            rows.append(
                {
                    "part_id": p,
                    "kind": "transport",
                    "code": "road_hgv",
                    "site_id": None,
                    "amount": float(rng.uniform(0.001, 2.0)),
                    "primary_share": 0.0,
                }
            )
        session.execute(insert(Activity), rows)
        held = rng.choice(leaves, size=len(leaves) // 50, replace=False).tolist()
        session.execute(
            insert(SupplierPcf),
            [
                {
                    "part_id": p,
                    "kg_co2e_per_unit": float(rng.uniform(0.1, 50.0)),
                    "biogenic_kg_co2e_per_unit": 0.0,
                    "primary_data_share": float(rng.uniform(0.2, 1.0)),
                    "quality": 2.0,
                }
                for p in held
            ],
        )
        session.commit()
    engine.dispose()


def _brightway(model: Any, root: int) -> tuple[float, float]:
    """Return bw2calc's cradle-to-gate score of ``root`` and its median time in ms (of 3 runs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import bw2calc
        import bw_processing as bwp

    graph = model.gate_graph
    n = graph.n
    keep = graph.edge_quantity != 0.0
    rows = np.concatenate([np.arange(n), graph.edge_child[keep]])
    cols = np.concatenate([np.arange(n), graph.edge_parent[keep]])
    values = np.concatenate([np.ones(n), graph.edge_quantity[keep]])
    flip = np.concatenate([np.zeros(n, dtype=bool), np.ones(int(keep.sum()), dtype=bool)])
    direct = model.direct[:, :5, :].sum(axis=(0, 1))

    def indices(r: np.ndarray, c: np.ndarray) -> np.ndarray:
        out = np.empty(r.size, dtype=bwp.INDICES_DTYPE)
        out["row"], out["col"] = r, c
        return out

    flow = 10_000_000
    score = 0.0

    def run() -> None:
        nonlocal score
        package = bwp.create_datapackage()
        package.add_persistent_vector(
            matrix="technosphere_matrix",
            indices_array=indices(rows, cols),
            data_array=values,
            flip_array=flip,
        )
        package.add_persistent_vector(
            matrix="biosphere_matrix",
            indices_array=indices(np.full(n, flow), np.arange(n)),
            data_array=direct,
        )
        package.add_persistent_vector(
            matrix="characterization_matrix",
            indices_array=indices(np.array([flow]), np.array([0])),
            data_array=np.array([1.0]),
        )
        lca = bw2calc.LCA({root: 1.0}, data_objs=[package])
        lca.lci()
        lca.lcia()
        score = float(lca.score)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = _median_ms(run, 3)
    return score, ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="database URL (default: a SQLite file in bench/out)")
    args = parser.parse_args()

    from keten.core import footprint as fp
    from keten.db import make_engine, make_session_factory
    from keten.footprints import service

    folder = _chain(args.parts)
    url = args.url or f"sqlite:///{OUT / f'footprint-{args.parts}.db'}"
    _prepare_database(url, folder)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    figures: list[tuple[str, str]] = []

    with factory() as session:
        product = _product(session)
        colds = []
        for _ in range(3):
            service._CACHE.clear()
            started = time.perf_counter()
            run = service.calculate(session, part_number=product)
            colds.append((time.perf_counter() - started) * 1000)
            session.rollback()
        cold = statistics.median(colds)
        warm = _median_ms(lambda: service.calculate(session, part_number=product), 5)
        session.rollback()
        loaded = service.load(session)
        total = run.total_kg_co2e

    model = loaded.model
    root = loaded.position(product)
    result = fp.footprint(model, root)
    assert abs(result.total_kg_co2e - total) <= 1e-9 * abs(total)
    roll_up = _median_ms(lambda: fp.footprint(model, root), 21)
    prepare = _median_ms(lambda: fp.prepare(loaded.inputs), 3)
    bw_score, bw_ms = _brightway(model, root)
    gate = result.cradle_to_gate_kg_co2e
    agree = abs(bw_score - gate) <= 1e-9 * abs(gate)

    tracemalloc.start()
    started = time.perf_counter()
    mc = fp.monte_carlo(model, root, iterations=1000, seed=1)
    mc_s = time.perf_counter() - started
    _, mc_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    n = loaded.bom.graph.n
    figures += [
        (
            "parts / BOM lines / activity rows",
            f"{n:,} / {loaded.bom.graph.edge_parent.size:,} / {loaded.act_part.size:,}",
        ),
        (f"footprint of {product}", f"{total:,.1f} kg CO2e (cradle to gate {gate:,.1f})"),
        ("roll-up with per-part contributions, in memory (median)", f"{roll_up:.1f} ms"),
        ("prepare (inputs → emission rows, once per data change)", f"{prepare:.1f} ms"),
        ("bw2calc, same cradle-to-gate system (median of 3)", f"{bw_ms:.1f} ms, agrees to 1e-9: {agree}"),
        ("ratio bw2calc / keten roll-up", f"{bw_ms / roll_up:.0f}×"),
        ("service path cold (DB load, prepare, roll-up, store; median of 3)", f"{cold:.0f} ms"),
        ("service path warm (unchanged data, median of 5)", f"{warm:.1f} ms"),
        ("Monte Carlo, 1,000 iterations", f"{mc_s:.2f} s (p5 {mc.p5:,.0f}, p95 {mc.p95:,.0f})"),
        (
            "Monte Carlo peak memory (tracemalloc) / process peak RSS",
            f"{mc_peak / 2**20:.0f} MB / {rss_mb:.0f} MB",
        ),
    ]
    engine.dispose()
    print(f"\n## Footprint, {args.parts:,}-part generated chain ({engine.dialect.name})\n")
    print("| measure | value |\n|---|---|")
    for name, value in figures:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
