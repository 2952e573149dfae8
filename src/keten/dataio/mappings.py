"""Column mappings saved by name, per kind, and applied to the tables of an upload.

A saved mapping is applied to a table when every header it maps is in the table's header, so
next month's export of the same ERP report imports without being mapped again; a mapping chosen
by name is applied to the tables of its kind even when the header changed a little.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.dataio.columns import fold
from keten.dataio.models import ColumnMapping
from keten.dataio.specs import SPECS
from keten.dataio.tables import KIND_ORDER, Table
from keten.messages import Message, Term
from keten.problems import Problem

__all__ = ["apply", "delete", "list_mappings", "save"]


def _check(kind: str, name: str, columns: Mapping[str, str]) -> None:
    if kind not in SPECS:
        raise Problem(
            422,
            "Unknown kind",
            Message(
                "'{kind}' is not a kind; expected one of {kinds}",
                kind=kind,
                kinds=tuple(Term(k) for k in KIND_ORDER),
            ),
        )
    if not name.strip() or len(name.strip()) > 100:
        raise Problem(422, "Invalid column mapping", Message("the name must be 1 to 100 characters long"))
    if not columns:
        raise Problem(422, "Invalid column mapping", Message("the mapping maps no column"))
    wrong = sorted({v for v in columns.values() if v and v not in SPECS[kind].columns})
    if wrong:
        raise Problem(
            422,
            "Invalid column mapping",
            Message(
                "{names} is not a column of {kind}; its columns are {columns}"
                if len(wrong) == 1
                else "{names} are not columns of {kind}; its columns are {columns}",
                names=tuple(repr(w) for w in wrong),
                kind=Term(kind),
                columns=tuple(Term(c) for c in SPECS[kind].columns),
            ),
        )


def save(
    session: Session, *, kind: str, name: str, columns: Mapping[str, str], username: str | None
) -> ColumnMapping:
    """Return the mapping saved under (kind, name), replacing one saved there before. Only flushes."""
    _check(kind, name, columns)
    name = name.strip()
    mapping = session.scalars(
        select(ColumnMapping).where(ColumnMapping.kind == kind, ColumnMapping.name == name)
    ).one_or_none()
    if mapping is None:
        mapping = ColumnMapping(kind=kind, name=name)
        session.add(mapping)
    mapping.columns = {str(k): str(v) for k, v in columns.items()}
    mapping.saved_by = username
    mapping.saved_at = datetime.now(UTC)
    session.flush()
    return mapping


def list_mappings(
    session: Session, *, kind: str | None = None, name: str | None = None
) -> list[ColumnMapping]:
    """Return the saved mappings, of one kind or name if given, by name then kind."""
    query = select(ColumnMapping).order_by(ColumnMapping.name, ColumnMapping.kind)
    if kind is not None:
        query = query.where(ColumnMapping.kind == kind)
    if name is not None:
        query = query.where(ColumnMapping.name == name)
    return list(session.scalars(query))


def delete(session: Session, *, mapping_id: int) -> None:
    """Remove a saved mapping. Only flushes."""
    mapping = session.get(ColumnMapping, mapping_id)
    if mapping is None:
        raise Problem(404, "Not Found", Message("no saved column mapping with id {id}", id=mapping_id))
    session.delete(mapping)
    session.flush()


def _fits(mapping: ColumnMapping, table: Table, *, chosen: bool) -> int:
    """Return how many of the mapping's headers the table has (0: it does not fit the table)."""
    if table.kind not in (None, mapping.kind):
        return 0
    header = {fold(h) for h in table.header}
    present = sum(1 for h in mapping.columns if fold(h) in header)
    if chosen:
        return present
    return present if present == len(mapping.columns) else 0


def apply(session: Session, tables: Sequence[Table], *, name: str | None = None) -> dict[str, str]:
    """Give each table the saved mapping that fits it best; return the mapping's name per table source.

    With ``name`` only the mappings saved under that name are tried (a Problem if there is none);
    else every saved mapping whose headers the table all has. A table of unknown kind takes the
    kind of the mapping it fits. The user's own choices in ``table.mapping`` win.
    """
    candidates = list_mappings(session, name=name) if name else list_mappings(session)
    if name and not candidates:
        known = tuple(sorted({m.name for m in list_mappings(session)}))
        raise Problem(
            404,
            "Unknown column mapping",
            Message(
                "no column mapping is saved as '{name}'; saved: {known}",
                name=name,
                known=known or Message("none"),
            ),
        )
    applied: dict[str, str] = {}
    for table in tables:
        best = max(candidates, key=lambda m: _fits(m, table, chosen=name is not None), default=None)
        if best is None or _fits(best, table, chosen=name is not None) == 0:
            continue
        table.kind = best.kind
        table.mapping = {**best.columns, **table.mapping}
        applied[table.source] = best.name
    return applied
