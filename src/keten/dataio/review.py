"""What the import page shows of each table before it is imported: the kind it was given, the
keten column each of its headers maps onto, and its first rows as keten reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from keten.dataio import columns
from keten.dataio.specs import SPECS, CellError
from keten.dataio.tables import Table
from keten.messages import Term

__all__ = ["ColumnChoice", "PreviewRow", "TableReview", "review"]

PREVIEW_ROWS = 5
_BARE_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_SHOWN_AS = {"quantity_text": "quantity"}
"""Fields of a parsed row shown under the column the user knows them by."""
_TERMS = frozenset({"kind", "role", "family", "value_chain"})
"""Fields whose value is one of keten's words, which a page shows in its reader's language."""


@dataclass(frozen=True)
class ColumnChoice:
    """One header of the file, the keten column it maps onto (None: not imported), and its first values."""

    header: str
    column: str | None
    samples: tuple[str, ...]


@dataclass(frozen=True)
class PreviewRow:
    """One row as keten reads it: its values by field, or the error that stops it."""

    number: int
    values: dict[str, Any]
    error: str | None = None


@dataclass
class TableReview:
    """A table of an upload as the import page shows it; ``kind`` None asks the user to choose."""

    source: str
    kind: str | None
    choices: list[ColumnChoice]
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    missing: list[Term] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    total_rows: int = 0


def _shown(name: str, value: Any) -> Any:
    """Return a value as the page shows it: a quantity that is a bare number as a number, so the
    page writes it in the reader's way, and one of keten's words as a term the page translates."""
    if name in _SHOWN_AS and isinstance(value, str) and _BARE_NUMBER.match(value):
        return float(value)
    if name in _TERMS and isinstance(value, str):
        return Term(value)
    return value


def _samples(table: Table, index: int) -> tuple[str, ...]:
    return tuple(row[index] for row in table.rows[:3] if index < len(row) and row[index].strip())


def review(table: Table, *, rows: int = PREVIEW_ROWS) -> TableReview:
    """Return the table's proposed or chosen mapping and its first ``rows`` rows as keten reads them."""
    if table.kind is None:
        choices = [ColumnChoice(h, None, _samples(table, i)) for i, h in enumerate(table.header)]
        return TableReview(table.source, None, choices, total_rows=len(table.rows))
    spec = SPECS[table.kind]
    chosen = columns.propose(spec.kind, table.header, table.mapping)
    choices = [
        ColumnChoice(h, c, _samples(table, i))
        for i, (h, c) in enumerate(zip(table.header, chosen, strict=True))
    ]
    positions: dict[str, int] = {}
    for index, column in enumerate(chosen):
        if column is not None:
            positions.setdefault(column, index)
    result = TableReview(
        table.source,
        spec.kind,
        choices,
        options=spec.columns,
        required=spec.required,
        missing=[Term(c) for c in spec.required if c not in positions],
        total_rows=len(table.rows),
    )
    head = table.rows[:rows]
    convert = columns.cell_converters(
        spec.kind, table.header, positions, table.rows, decimal_comma=table.decimal_comma
    )
    fields: dict[str, None] = {}
    for row, number in zip(head, table.row_numbers, strict=False):
        cells = {name: (row[pos] if pos < len(row) else "") for name, pos in positions.items()}
        cells.update((name, rewrite(cells[name])) for name, rewrite in convert.items())
        try:
            record = spec.parse(cells)
        except CellError as exc:
            result.rows.append(PreviewRow(number, {}, exc.located()))
            continue
        shown = {_SHOWN_AS.get(name, name): _shown(name, value) for name, value in record.items()}
        fields.update((name, None) for name, value in shown.items() if value not in (None, ""))
        result.rows.append(PreviewRow(number, shown))
    result.fields = list(fields)
    return result
