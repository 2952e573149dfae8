"""Names of keten's reference vocabulary in the reader's language: the materials of the emission
factors, the critical raw materials list and the demo, from data/vocabulary/material_names.csv.

A name that is not one of the vocabulary's English names is a company's own and stays as it is.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

__all__ = ["MATERIAL_NAMES_FILE", "material_name", "material_names"]

MATERIAL_NAMES_FILE = Path(__file__).resolve().parents[3] / "data" / "vocabulary" / "material_names.csv"


@cache
def material_names(lang: str) -> dict[str, str]:
    """Return each English material name of the vocabulary → its name in ``lang`` (empty for English)."""
    if lang == "en":
        return {}
    column = f"name_{lang}"
    with MATERIAL_NAMES_FILE.open(newline="", encoding="utf-8") as handle:
        return {row["name"]: row[column] for row in csv.DictReader(handle) if row.get(column)}


def material_name(name: str | None, lang: str) -> str:
    """Return a material's name in ``lang``: "Copper" is "Koper" in Dutch; a company's own name as it is."""
    if not name:
        return ""
    return material_names(lang).get(name, name)
