"""One measurement in a fresh process, so peak memory belongs to that measurement alone.

Usage: python -m bench._measure import URL DIR
       python -m bench._measure explode URL PART_NUMBER REPEATS
Prints one JSON object.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _import(url: str, folder: str) -> dict[str, float]:
    from keten import migrate
    from keten.dataio import service
    from keten.db import make_engine, make_session_factory

    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    with make_session_factory(engine)() as session:
        tables = service.read_path(Path(folder))
        report = service.import_tables(session, tables)
        session.commit()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "rows": float(report.rows), "peak_mb": _peak_mb()}


def _explode(url: str, part_number: str, repeats: int) -> dict[str, float]:
    from keten.catalog import service as catalog
    from keten.core.bom import explode
    from keten.db import make_engine, make_session_factory

    engine = make_engine(url)
    factory = make_session_factory(engine)
    loaded: list[float] = []
    in_memory: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        with factory() as session:
            index, graph = catalog.load_bom_graph(session)[:2]
            root = index.index(catalog.get_part(session, part_number=part_number).id)
        total = explode(graph, root)
        loaded.append(time.perf_counter() - started)
        assert total[root] == 1.0
    for _ in range(repeats * 10):
        started = time.perf_counter()
        explode(graph, root)
        in_memory.append(time.perf_counter() - started)
    peer = _sparse_solve_seconds(graph, root, repeats)
    engine.dispose()
    return {
        "load_and_explode_s": statistics.median(loaded),
        "explode_ms": statistics.median(in_memory) * 1000,
        "sparse_solve_ms": peer * 1000,
        "parts": float(graph.n),
        "edges": float(graph.edge_parent.size),
        "depth": float(graph.depth),
        "peak_mb": _peak_mb(),
    }


def _sparse_solve_seconds(graph: object, root: int, repeats: int) -> float:
    """Return the median time of the textbook peer: solve (I - Aᵀ) x = e_root with SuperLU.

    This is how an LCA engine treats a BOM (a technosphere matrix); the level-by-level pass must
    give the same answer, which is checked here too.
    """
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    from keten.core.bom import BomGraph, explode

    assert isinstance(graph, BomGraph)
    n = graph.n
    a_t = sp.csr_matrix((graph.edge_quantity, (graph.edge_child, graph.edge_parent)), shape=(n, n))
    system = (sp.identity(n, format="csr") - a_t).tocsc()
    demand = np.zeros(n)
    demand[root] = 1.0
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        solution = spsolve(system, demand)
        times.append(time.perf_counter() - started)
    ours = explode(graph, root)
    assert np.allclose(solution, ours, rtol=1e-9, atol=1e-12 * float(np.abs(ours).max()))
    return statistics.median(times)


def main() -> None:
    what = sys.argv[1]
    if what == "import":
        result = _import(sys.argv[2], sys.argv[3])
    elif what == "explode":
        result = _explode(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown measurement {what!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
