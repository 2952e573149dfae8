"""The demo value chain in data/demo imports, has the promised size and content, and reloads idempotently."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.core.bom import build_bom
from keten.dataio import demo, service
from keten.dataio.tables import KIND_ORDER
from keten.partners.models import Organization, Site, Sourcing
from keten.validators import check_gln, check_lei

REQUIRED_COUNTRIES = {"NL", "DE", "BE", "JP", "TW", "CN", "US"}
CRITICAL_MATERIALS = {"Nd", "Dy", "Ga", "Ge", "W", "Co"}


@pytest.fixture
def loaded(session: Session) -> service.ImportReport:
    report = demo.load(session)
    session.commit()
    return report


def part_numbers(session: Session) -> dict[int, str]:
    return {pid: number for pid, number in session.execute(select(Part.id, Part.part_number))}


def test_demo_has_150_parts_over_at_least_four_levels_with_shared_subassemblies(
    session: Session, loaded: service.ImportReport
) -> None:
    numbers = part_numbers(session)
    assert len(numbers) >= 150
    index = {pid: i for i, pid in enumerate(numbers)}
    lines = session.execute(select(BomLine.parent_id, BomLine.child_id, BomLine.quantity)).all()
    graph = build_bom(
        len(index),
        [index[p] for p, _, _ in lines],
        [index[c] for _, c, _ in lines],
        [q for _, _, q in lines],
        labels=list(numbers.values()),
    )
    assert graph.depth >= 4
    ws = index[next(pid for pid, number in numbers.items() if number == "WS-1000")]
    assert graph.level[ws] == 0

    parents: dict[str, set[str]] = defaultdict(set)
    for parent, child, _ in lines:
        parents[numbers[child]].add(numbers[parent])
    assert {"WS-1100", "WS-1200"} <= parents["LM-2000"]
    assert len(parents["SB-2200"]) >= 3


def test_demo_main_product_is_a_plausible_wafer_stage(session: Session, loaded: service.ImportReport) -> None:
    ws = session.scalars(select(Part).where(Part.part_number == "WS-1000")).one()
    assert ws.kind == "product" and ws.value_chain == "existing"
    assert ws.revenue_per_unit_eur is not None and ws.revenue_per_unit_eur > 1_000_000
    assert ws.mass_kg is not None and 300 <= ws.mass_kg <= 1_700
    chains = set(session.scalars(select(Part.value_chain).where(Part.kind == "product")))
    assert {"existing", "health", "digital"} <= chains
    massless = session.scalars(
        select(Part.part_number).where(Part.kind == "component", Part.mass_kg.is_(None))
    ).all()
    assert massless == []


def test_demo_suppliers_span_eight_countries_with_valid_identifiers(
    session: Session, loaded: service.ImportReport
) -> None:
    suppliers = session.scalar(select(func.count()).where(Organization.role == "supplier"))
    assert suppliers is not None and suppliers >= 25
    assert session.scalar(select(func.count()).where(Organization.role == "own")) == 1
    countries = set(session.scalars(select(Site.country)))
    assert len(countries) >= 8 and countries >= REQUIRED_COUNTRIES
    leis = [v for v in session.scalars(select(Organization.lei)) if v is not None]
    glns = [v for v in session.scalars(select(Organization.gln)) if v is not None]
    assert len(leis) >= 2 and len(glns) >= 2
    assert [check_lei(v) for v in leis] == leis and [check_gln(v) for v in glns] == glns


def test_demo_contains_critical_raw_materials_with_an_ndfeb_composition(
    session: Session, loaded: service.ImportReport
) -> None:
    used = set(session.scalars(select(Material.code).join(PartMaterial).distinct()))
    assert used >= CRITICAL_MATERIALS
    magnet = session.scalars(select(Part).where(Part.part_number == "MG-C01")).one()
    assert magnet.mass_kg is not None
    shares = {
        code: mass / magnet.mass_kg
        for code, mass in session.execute(
            select(Material.code, PartMaterial.mass_kg)
            .join(PartMaterial)
            .where(PartMaterial.part_id == magnet.id)
        )
    }
    assert 0.29 <= shares["Nd"] <= 0.32 and 0.01 <= shares["Dy"] <= 0.04
    assert shares["Fe"] == pytest.approx(0.65, abs=0.02) and shares["B"] == pytest.approx(0.01, abs=0.002)


def test_demo_every_bought_part_has_sources_and_stock(session: Session, loaded: service.ImportReport) -> None:
    bought = set(
        session.scalars(select(Part.id).where(Part.kind.in_(("component", "material", "consumable"))))
    )
    sources = session.execute(
        select(Sourcing.part_id, Sourcing.share, Sourcing.lead_time_days, Sourcing.qualified_alternate)
    )
    total_share: dict[int, float] = defaultdict(float)
    count: dict[int, int] = defaultdict(int)
    alternates = 0
    for part_id, share, lead_time_days, alternate in sources:
        assert 5 <= lead_time_days <= 180
        total_share[part_id] += share
        count[part_id] += 1
        alternates += alternate and share == 0
    assert set(total_share) == bought
    assert all(share == pytest.approx(1.0) for share in total_share.values())
    assert sum(1 for n in count.values() if n == 1) >= 10 and sum(1 for n in count.values() if n >= 2) >= 10
    assert alternates >= 1
    stocked = set(session.scalars(select(Stock.part_id).where(Stock.weekly_usage > 0)))
    assert stocked == bought


def test_second_demo_load_changes_nothing(session: Session, loaded: service.ImportReport) -> None:
    assert sum(r.inserted for r in loaded.results) == loaded.rows
    again = demo.load(session)
    session.commit()
    assert all(r.inserted == r.updated == r.deleted == 0 for r in again.results)
    assert sum(r.unchanged for r in again.results) == again.rows


def test_demo_csv_files_are_what_the_build_script_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(demo.DEMO_DIR / "build_demo.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    # The script writes the eight import files; other CSVs in the folder (footprint activity data)
    # are written by hand and are not its business.
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(f"{kind}.csv" for kind in KIND_ORDER)
    for name in written:
        assert (tmp_path / name).read_bytes() == (demo.DEMO_DIR / name).read_bytes(), name
