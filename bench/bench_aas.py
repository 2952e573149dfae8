"""Time the AASX export and import on the demo value chain (a temporary SQLite file).

Usage: python -m bench.bench_aas [--repeats R]
Prints, per access tier, the median export time, the size of the package, and the median time of
the peer measured in the same run: basyx's own JSON writer on the same environment, the floor any
AASX export built on basyx pays. Then the median import time of a supplier's package.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from basyx.aas.adapter.json import write_aas_json_file
from sqlalchemy.orm import Session

from keten.dataio import demo
from keten.db import make_engine
from keten.footprints import service as footprints
from keten.migrate import upgrade
from keten.passports import aas, aas_export
from keten.passports.models import TIERS

PRODUCT = "WS-1000"


def _median_ms(seconds: list[float]) -> float:
    return 1000.0 * statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        with Session(engine) as session:
            demo.load(session)
            footprints.calculate(session, part_number=PRODUCT)
            footprints.calculate(session, part_number="LM-2000")
            session.commit()
            print(f"AASX of {PRODUCT} (demo), median of {args.repeats}")
            print("| tier | export ms | package bytes | basyx JSON writer ms (peer) | ratio |")
            print("|---|---|---|---|---|")
            for tier in TIERS:
                exports: list[float] = []
                peers: list[float] = []
                size = 0
                for _ in range(args.repeats):
                    out = io.BytesIO()
                    started = time.perf_counter()
                    aas_export.export_aasx(session, part_number=PRODUCT, out=out, tier=tier)
                    exports.append(time.perf_counter() - started)
                    size = len(out.getvalue())
                    content = aas_export.product_content(session, part_number=PRODUCT, tier=tier)
                    store, _, _ = aas_export.build_environment(content)
                    started = time.perf_counter()
                    write_aas_json_file(io.StringIO(), store)
                    peers.append(time.perf_counter() - started)
                ratio = statistics.median(exports) / statistics.median(peers)
                print(
                    f"| {tier} | {_median_ms(exports):.1f} | {size} | {_median_ms(peers):.1f} | {ratio:.1f} |"
                )
            package = io.BytesIO()
            aas_export.export_aasx(session, part_number="LM-2000", out=package)
            imports: list[float] = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                data = io.BytesIO(package.getvalue())
                aas.import_aasx(session, path=data, file_name="lm.aasx", organization="KEMPEN-MECH")
                imports.append(time.perf_counter() - started)
                session.rollback()
            size = len(package.getvalue())
            print(f"import of a supplier package ({size} bytes): {_median_ms(imports):.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
