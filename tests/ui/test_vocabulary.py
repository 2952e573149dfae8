"""Every material name keten brings in English has its Dutch name, with its source and licence."""

from __future__ import annotations

import csv
from pathlib import Path

from keten.dataio.generate import _MATERIALS
from keten.ui.vocabulary import MATERIAL_NAMES_FILE, material_name, material_names

DATA = Path(__file__).resolve().parents[2] / "data"


def _english_names() -> set[str]:
    names = {m[1] for m in _MATERIALS}
    for path, column in (
        (DATA / "factors" / "materials.csv", "name"),
        (DATA / "demo" / "materials.csv", "name"),
        (DATA / "crm" / "crm_eu_2023.csv", "material"),
    ):
        with path.open(newline="", encoding="utf-8") as handle:
            names.update(row[column] for row in csv.DictReader(handle))
    return names


def test_every_material_name_of_the_reference_data_and_the_demo_has_its_dutch() -> None:
    dutch = material_names("nl")
    assert _english_names() - set(dutch) == set()
    with MATERIAL_NAMES_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len({row["name"] for row in rows}) == len(rows)
    assert all(row["source"] and row["licence"] and row["name_nl"].strip() for row in rows)


def test_a_material_is_named_in_dutch_and_a_company_name_stays_as_written() -> None:
    assert material_name("Copper", "nl") == "Koper"
    assert material_name("Stainless steel 316L", "nl") == "Roestvast staal 316L"
    assert material_name("Copper", "en") == "Copper"
    assert material_name("Koperdraad eigen menging", "nl") == "Koperdraad eigen menging"
    assert material_name(None, "nl") == ""
