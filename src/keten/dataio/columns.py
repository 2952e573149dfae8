"""Which keten column each header of a file stands for, and which kind a table holds.

Headers are matched against keten's own column names and the synonyms in
data/import/column_synonyms.csv (Dutch and English), without regard to case, spaces, punctuation
or a unit in brackets: "Gewicht (g)" is a mass given in grams. A mapping the user gave wins over
every proposal. Numbers written the Dutch way ("1.234,5" in a semicolon file) are rewritten to the
form the row parsers read before they are parsed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from keten import validators
from keten.dataio.specs import SPECS

__all__ = [
    "SYNONYMS_FILE",
    "cell_converters",
    "fold",
    "guess_kind",
    "header_unit",
    "propose",
    "synonyms",
]

SYNONYMS_FILE = Path(__file__).resolve().parents[3] / "data" / "import" / "column_synonyms.csv"

_BRACKETS = re.compile(r"[(\[][^)\]]*[)\]]")
_UNIT_IN_BRACKETS = re.compile(r"[(\[]\s*([^)\]]+?)\s*[)\]]")
_DUTCH_NUMBER = re.compile(r"^(\s*[+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(.*)$", re.DOTALL)
_COMMA_DECIMAL = re.compile(r"\d,\d")
_BARE_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
_UNIT_COLUMNS = ("mass", "quantity")
"""Columns whose bare numbers take the unit written in brackets in their header."""


def fold(name: str) -> str:
    """Return a header folded for matching: lower case letters and digits only, brackets dropped."""
    return re.sub(r"[\W_]+", "", _BRACKETS.sub("", name).casefold())


@lru_cache(maxsize=1)
def synonyms() -> dict[str, dict[str, str]]:
    """Return, per kind, each folded header that names one of its columns → that column.

    keten's own column names come first; a synonym never overrides one of them.
    """
    table: dict[str, dict[str, str]] = {
        kind: {fold(c): c for c in spec.columns} for kind, spec in SPECS.items()
    }
    with SYNONYMS_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kinds = list(SPECS) if row["kind"] == "*" else [row["kind"]]
            for kind in kinds:
                if row["column"] in SPECS[kind].columns:
                    table[kind].setdefault(fold(row["synonym"]), row["column"])
    return table


def header_unit(name: str) -> str | None:
    """Return the unit written in brackets in a header ("Gewicht (g)" → "g"), or None."""
    match = _UNIT_IN_BRACKETS.search(name)
    if match is None:
        return None
    try:
        return validators.canonical_unit(match.group(1))
    except ValueError:
        return None


def propose(kind: str, header: Sequence[str], mapping: Mapping[str, str] | None = None) -> list[str | None]:
    """Return the column of ``kind`` each header cell stands for (None: not imported).

    ``mapping`` (their header → keten column, "" to leave a column out) wins over the synonyms;
    an entry naming no column of this kind is ignored, so one mapping can serve several kinds.
    Two cells mapped explicitly onto one column are both returned, for the import to report.
    """
    columns = SPECS[kind].columns
    known = synonyms()[kind]
    explicit = {fold(k): v for k, v in (mapping or {}).items()}
    chosen: list[str | None] = []
    for cell in header:
        folded = fold(cell)
        given = explicit.get(folded)
        if given == "":
            chosen.append(None)
        elif given is not None and given in columns:
            chosen.append(given)
        else:
            chosen.append(known.get(folded) if folded else None)
    # A proposal from the synonyms gives way to an explicit choice of the same column, and to an
    # earlier proposal of it.
    taken = {c for c, cell in zip(chosen, header, strict=True) if c and explicit.get(fold(cell)) == c}
    for index, (column, cell) in enumerate(zip(chosen, header, strict=True)):
        if column is None or explicit.get(fold(cell)) == column:
            continue
        if column in taken:
            chosen[index] = None
        else:
            taken.add(column)
    return chosen


def guess_kind(header: Sequence[str], mapping: Mapping[str, str] | None = None) -> str | None:
    """Return the kind whose columns the header matches best, or None when no kind stands out.

    A kind whose required columns are all there beats one that lacks some; then more matched
    required columns, then more matched columns in all. At least two columns must match.
    """
    scored: list[tuple[tuple[bool, int, int], str]] = []
    for kind, spec in SPECS.items():
        found = {c for c in propose(kind, header, mapping) if c}
        required = len(found & set(spec.required))
        scored.append(((required == len(spec.required), required, len(found)), kind))
    scored.sort(reverse=True)
    (best_score, best), (second_score, _) = scored[0], scored[1]
    if best_score[2] < 2 or best_score == second_score:
        return None
    return best


def _dutch(text: str) -> str:
    match = _DUTCH_NUMBER.match(text)
    if match is None:
        return text
    sign, whole, fraction, rest = match.groups()
    return f"{sign}{whole.replace('.', '')}{'.' + fraction if fraction else ''}{rest}"


def cell_converters(
    kind: str,
    header: Sequence[str],
    positions: Mapping[str, int],
    rows: Sequence[Sequence[str]],
    *,
    decimal_comma: bool,
) -> dict[str, Callable[[str], str]]:
    """Return, per numeric column that needs it, a function that rewrites a cell before parsing.

    In a file written with decimal commas, a column with any value like "12,5" has its dots taken
    as thousands separators ("1.234,5" → "1234.5"); a column without one is left as it is, so
    "0.5" in such a file still reads as a half. A bare number in a column whose header names a
    unit ("Gewicht (g)") gets that unit.
    """
    converters: dict[str, Callable[[str], str]] = {}
    for column in SPECS[kind].numbers:
        position = positions.get(column)
        if position is None:
            continue
        steps: list[Callable[[str], str]] = []
        if decimal_comma and any(
            position < len(row) and _COMMA_DECIMAL.search(row[position]) for row in rows
        ):
            steps.append(_dutch)
        unit = header_unit(header[position]) if column in _UNIT_COLUMNS else None
        if unit is not None:
            steps.append(_with_unit(unit))
        if steps:
            converters[column] = _chain(steps)
    return converters


def _with_unit(unit: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        return f"{text.strip()} {unit}" if _BARE_NUMBER.match(text) else text

    return convert


def _chain(steps: Sequence[Callable[[str], str]]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    return convert
