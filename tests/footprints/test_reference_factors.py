"""The shipped reference factors (data/factors) drive stored footprints on SQLite and PostgreSQL.

Expected figures are read from the shipped CSV files, so the tests follow the data when it is
updated, yet fail if the loader drops a column or uses the wrong one.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.footprints import service
from keten.footprints.models import Activity, Factor
from tests.factories import make_composition, make_material, make_part

AT = date(2026, 6, 1)


def _row(name: str, column: str, value: str) -> dict[str, str]:
    with (service.FACTORS_DIR / name).open(newline="", encoding="utf-8") as handle:
        return next(r for r in csv.DictReader(handle) if r[column] == value)


def test_a_shipped_recycled_route_is_weighted_by_the_recycled_share(session: Session) -> None:
    service.load_reference_factors(session)
    pp = _row("materials.csv", "material_code", "PP")
    al = _row("materials.csv", "material_code", "AL")
    pp_primary, pp_secondary = float(pp["kg_co2e_per_unit_primary"]), float(pp["kg_co2e_per_unit_secondary"])
    al_primary, al_secondary = float(al["kg_co2e_per_unit_primary"]), float(al["kg_co2e_per_unit_secondary"])
    housing = make_part(session, part_number="HOUSING", kind="product")
    make_composition(
        session, part=housing, material=make_material(session, code="PP"), mass_kg=2.0, recycled_share=0.25
    )
    make_composition(
        session, part=housing, material=make_material(session, code="AL"), mass_kg=0.5, recycled_share=0.6
    )
    session.flush()

    run = service.calculate(session, part_number="HOUSING", at=AT)

    expected = 2.0 * (0.75 * pp_primary + 0.25 * pp_secondary) + 0.5 * (0.4 * al_primary + 0.6 * al_secondary)
    assert run.by_stage["materials"] == pytest.approx(expected, rel=1e-12)
    assert run.total_kg_co2e == pytest.approx(expected, rel=1e-12)
    # the recycled routes are shipped, so no stand-in factor was needed
    assert run.fallbacks == []
    # and the recycled content lowers the footprint below all-primary material
    assert expected < 2.0 * pp_primary + 0.5 * al_primary


def test_a_spend_activity_takes_the_shipped_factor_of_its_naics_code(session: Session) -> None:
    service.load_reference_factors(session)
    pcb = _row("spend.csv", "naics_code", "334412")
    board = make_part(session, part_number="BOARD", kind="product")
    session.add(Activity(part_id=board.id, kind="spend", code="334412", amount=250.0, primary_share=0.0))
    session.flush()

    run = service.calculate(session, part_number="BOARD", at=AT)

    assert run.by_stage["purchased_parts"] == pytest.approx(250.0 * float(pcb["kg_co2e_per_usd"]), rel=1e-12)
    assert run.total_kg_co2e == pytest.approx(250.0 * float(pcb["kg_co2e_per_usd"]), rel=1e-12)


def test_every_shipped_factor_is_stored_with_its_source_and_licence(session: Session) -> None:
    reference = service.load_reference_factors(session)
    stored = session.scalars(select(Factor).where(Factor.factor_set_id == reference.id)).all()
    assert {"material", "electricity", "freight", "gas", "spend"} <= {f.kind for f in stored}
    assert all(f.source and f.licence for f in stored)
    with (service.FACTORS_DIR / "spend.csv").open(newline="", encoding="utf-8") as handle:
        naics = {r["naics_code"] for r in csv.DictReader(handle)}
    assert {f.code for f in stored if f.kind == "spend"} == naics
