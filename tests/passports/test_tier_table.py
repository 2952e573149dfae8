"""The tier table docs/passports.md prints is the schema's, field for field."""

from __future__ import annotations

import re
from pathlib import Path

from keten.passports.schemas import tier_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "passports.md"


def test_the_documented_tier_table_is_the_schema_s() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("<!-- tier table") : text.index("<!-- end of tier table -->")]
    documented = re.findall(r"^\| `([\w.]+)` \| (\w+) \|$", section, flags=re.MULTILINE)
    rows = tier_table()
    paths = [path for path, _ in rows]
    fields = [(p, t) for p, t in rows if not any(q.startswith(f"{p}.") for q in paths)]
    assert documented == fields
    assert ("carbonFootprint.factorSet", "authority") in fields
    assert ("asBuilt.partNumber", "legitimate_interest") in fields
    assert ("owner.suppliers", "owner") in fields
