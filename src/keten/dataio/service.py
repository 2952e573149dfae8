"""Import of value-chain tables into the database and export of them again.

An import validates every table first and writes through bulk statements; any error anywhere
fails the whole import, and the caller rolls the transaction back, so nothing is written.
Rows are matched by natural key: re-importing a file updates rows, never duplicates them.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from keten import db, ranges, validators
from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.core.bom import build_bom
from keten.core.errors import BomCycleError
from keten.dataio import columns
from keten.dataio.models import ImportRun
from keten.dataio.specs import SPECS, CellError, KindSpec
from keten.dataio.tables import (
    KIND_ORDER,
    ReadLimits,
    Table,
    escape_formula,
    read_file,
    read_path,
)
from keten.messages import Message, Term, message_of
from keten.partners.models import Organization, Site, Sourcing
from keten.problems import Problem

__all__ = [
    "EXPORT_FORMATS",
    "ImportFailed",
    "ImportReport",
    "KindResult",
    "ReadLimits",
    "Table",
    "export_tables",
    "import_tables",
    "read_file",
    "read_files",
    "read_path",
    "recent_imports",
    "write_export",
]

Progress = Callable[[str, int, int], None]
"""Called with ("read" or "written", rows so far, rows in all) while an import runs."""

_BATCH = 5_000
_FIRST_NEW_PART_ID = "keten.import.first_new_part_id"
_MASS_TOLERANCE = 1.001
_IMPORT_LOCK = 0x6B6574656E_01
"""Imports run one at a time: two at once would each insert the part the other is inserting."""


@dataclass
class KindResult:
    """What an import did with one table."""

    kind: str
    source: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import did, table by table; ``dry_run`` says nothing was kept."""

    results: list[KindResult] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    """Part numbers of the products the import brought: its parts of kind product and its BOMs' tops."""

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.results)


class ImportFailed(Problem):
    """An import with errors: every error names its file, row and column; nothing was written."""

    def __init__(self, errors: list[dict[str, Any]], total: int) -> None:
        shown = len(errors)
        if total == 1 and errors:
            # A single error is said in the detail too, so a reader of the detail alone learns what it is.
            detail = Message("the import has 1 error; nothing was written: {error}", error=_say(errors[0]))
        elif total > shown:
            detail = Message(
                "the import has {count} errors (the first {shown} are listed); nothing was written",
                count=total,
                shown=shown,
            )
        else:
            detail = Message("the import has {count} errors; nothing was written", count=total)
        super().__init__(
            422,
            "Import rejected",
            detail,
            type_="https://keten.dev/problems/import-rejected",
            errors=errors,
            total_errors=total,
        )


def _say(error: dict[str, Any]) -> Message:
    """Return one error as a sentence: where (file, row, column), then what."""
    row, column = error.get("row"), error.get("column")
    where: list[str] = [str(error.get("file") or "")]
    if row is not None:
        where.append(Message("row {row}", row=row))
    if column:
        where.append(Message("column {column}", column=column))
    place = tuple(w for w in where if w)
    problem = error.get("message", "")
    return (
        Message("{place}: {problem}", place=place, problem=problem)
        if place
        else Message("{problem}", problem=problem)
    )


class _Errors:
    """Collects errors up to a cap and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[dict[str, Any]] = []
        self.total = 0

    def add(self, source: str, row: int | None, column: str | None, message: str) -> None:
        """Add an error; ``message`` (and ``column`` where it is keten's) a keten.messages.Message
        (or Term), so that a page says it in its reader's language."""
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append({"file": source, "row": row, "column": column, "message": message})

    def cell(self, source: str, row: int | None, column: str, template: str, /, **values: Any) -> None:
        """Add an error of keten's column ``column``: its message starts with the column's name."""
        problem = Message(template, **values)
        self.add(
            source, row, Term(column), Message("{column}: {problem}", column=Term(column), problem=problem)
        )

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass
class _Parsed:
    table: Table
    spec: KindSpec
    records: list[dict[str, Any]]
    row_numbers: list[int]


def _column_positions(
    table: Table, spec: KindSpec, mapping: Mapping[str, str], errors: _Errors
) -> dict[str, int] | None:
    positions: dict[str, int] = {}
    chosen = columns.propose(spec.kind, table.header, {**mapping, **table.mapping})
    for index, (raw, target) in enumerate(zip(table.header, chosen, strict=True)):
        if target is None:
            continue
        if target in positions:
            errors.add(
                table.source,
                1,
                raw,
                Message("column '{column}' appears twice in the header", column=Term(target)),
            )
            continue
        positions[target] = index
    missing = [c for c in spec.required if c not in positions]
    if missing:
        found = tuple(repr(h) for h in table.header if h.strip())
        errors.add(
            table.source,
            1,
            Message("{columns}", columns=tuple(Term(c) for c in missing)),
            Message(
                "missing required column {columns}; the header has {found} (map your own names onto "
                "keten's with a column mapping: on the import page, or with --map or --mapping-name; "
                "see docs/import-format.md)"
                if len(missing) == 1
                else "missing required columns {columns}; the header has {found} (map your own names "
                "onto keten's with a column mapping: on the import page, or with --map or "
                "--mapping-name; see docs/import-format.md)",
                columns=tuple(Term(c) for c in missing),
                found=found or Message("nothing"),
            ),
        )
        return None
    return positions


def _parse_table(
    table: Table, mapping: Mapping[str, str], errors: _Errors, tick: Callable[[int], None]
) -> _Parsed | None:
    if table.kind is None:
        errors.add(
            table.source,
            None,
            None,
            Message(
                "neither its name nor its columns tell which kind it holds; choose its kind ({kinds})",
                kinds=tuple(Term(k) for k in KIND_ORDER),
            ),
        )
        return None
    spec = SPECS[table.kind]
    positions = _column_positions(table, spec, mapping, errors)
    if positions is None:
        return None
    before = errors.total
    items = list(positions.items())
    convert = columns.cell_converters(
        spec.kind, table.header, positions, table.rows, decimal_comma=table.decimal_comma
    )
    records: list[dict[str, Any]] = []
    numbers: list[int] = []
    seen: dict[tuple[Any, ...], int] = {}
    parse = spec.parse
    for i, (row, number) in enumerate(zip(table.rows, table.row_numbers, strict=True)):
        width = len(row)
        cells = {name: (row[pos] if pos < width else "") for name, pos in items}
        for name, rewrite in convert.items():
            cells[name] = rewrite(cells[name])
        try:
            record = parse(cells)
        except CellError as exc:
            errors.add(table.source, number, Term(exc.column), exc.located())
            continue
        key = tuple(record[k] if k in record else cells[k] for k in spec.key)
        first = seen.setdefault(key, number)
        if first != number:
            shown = tuple(
                Message("{column}={value}", column=Term(k), value=repr(v))
                for k, v in zip(spec.key, key, strict=True)
            )
            errors.add(
                table.source,
                number,
                Term(spec.key[0]),
                Message("duplicate {key}: already on row {row}", key=shown, row=first),
            )
            continue
        records.append(record)
        numbers.append(number)
        if i % _BATCH == _BATCH - 1:
            tick(_BATCH)
    tick(len(table.rows) % _BATCH)
    if errors.total > before:
        return None
    return _Parsed(table, spec, records, numbers)


def _chunks(items: Sequence[dict[str, Any]], size: int = _BATCH) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _column_defaults(table: Any, given: Iterable[str]) -> dict[str, Any]:
    """Return the client-side default of every column of ``table`` not in ``given``."""
    values: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or column.primary_key or default is None:
            continue
        values[column.name] = default.arg(None) if callable(default.arg) else default.arg
    return values


def _bulk_insert(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    table = model.__table__
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        # A Core insert goes straight to the driver's executemany; the ORM's bulk path costs
        # several times more per row and brings nothing here (no objects, no events).
        for chunk in _chunks(rows):
            session.execute(insert(table), list(chunk))
        return
    # On PostgreSQL, COPY moves rows an order of magnitude faster than INSERT statements; it runs
    # on the session's own connection, so it stays inside the import's one transaction.
    names = list(rows[0])
    defaults = _column_defaults(table, names)
    columns = [*names, *defaults]
    fixed = tuple(defaults.values())
    quoted = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row((*(row[name] for name in names), *fixed))


def _bulk_update(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        session.execute(update(model), list(chunk))


def _bulk_delete(session: Session, model: type[Any], ids: Sequence[int]) -> None:
    for start in range(0, len(ids), _BATCH):
        session.execute(delete(model).where(model.id.in_(ids[start : start + _BATCH])))


def _upsert(
    session: Session,
    model: type[Any],
    key: str,
    fields: Sequence[str],
    records: Sequence[dict[str, Any]],
    result: KindResult,
    *,
    extra_update: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """Insert records whose ``key`` is new, update those whose values changed."""
    columns = [getattr(model, name) for name in ("id", key, *fields)]
    extra_columns = [model.revision] if extra_update else []
    existing = {row[1]: row for row in session.execute(select(*columns, *extra_columns))}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in records:
        values = {name: record[name] for name in fields}
        current = existing.get(record[key])
        if current is None:
            inserts.append({key: record[key], **values})
            continue
        if tuple(current[2 : 2 + len(fields)]) == tuple(values[name] for name in fields):
            result.unchanged += 1
            continue
        change = {"id": current[0], **values}
        if extra_update:
            change.update(extra_update(current))
        updates.append(change)
    _bulk_insert(session, model, inserts)
    _bulk_update(session, model, updates)
    result.inserted += len(inserts)
    result.updated += len(updates)


def _bump_revisions(session: Session, part_ids: Iterable[int]) -> None:
    """Raise the revision of parts whose BOM or composition changed: results name inputs by revision."""
    # Parts created by this very import start at revision 1 with their BOM and composition.
    first_new = session.info.get(_FIRST_NEW_PART_ID, 0)
    ids = sorted(i for i in part_ids if i < first_new)
    now = datetime.now(UTC)
    for start in range(0, len(ids), _BATCH):
        session.execute(
            update(Part)
            .where(Part.id.in_(ids[start : start + _BATCH]))
            .values(revision=Part.revision + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def _id_map(session: Session, model: type[Any], key: str) -> dict[str, int]:
    return dict(session.execute(select(getattr(model, key), model.id)).all())


def _apply_organizations(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    owners = [r["code"] for r in parsed.records if r["role"] == "own"]
    existing_owners = set(
        session.scalars(select(Organization.code).where(Organization.role == "own")).all()
    ) - {r["code"] for r in parsed.records}
    if len(owners) + len(existing_owners) > 1:
        all_owners = tuple(sorted({*owners, *existing_owners}))
        errors.add(
            parsed.table.source,
            None,
            Term("role"),
            Message("only one organization can be 'own'; found {codes}", codes=all_owners),
        )
        return
    fields = ("name", "role", "country", "kvk", "lei", "gln", "website")
    _upsert(session, Organization, "code", fields, parsed.records, result)


def _apply_sites(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    organizations = _id_map(session, Organization, "code")
    records = []
    for record, number in zip(parsed.records, parsed.row_numbers, strict=True):
        organization_id = organizations.get(record["organization"])
        if organization_id is None:
            errors.cell(
                parsed.table.source,
                number,
                "organization",
                "no organization with code '{code}'",
                code=record["organization"],
            )
            continue
        records.append({**record, "organization_id": organization_id})
    if not errors:
        fields = ("organization_id", "name", "country", "city", "address", "gln")
        _upsert(session, Site, "code", fields, records, result)


def _apply_materials(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    _upsert(session, Material, "code", ("name", "family", "cas_number"), parsed.records, result)


def _apply_parts(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    fields = (
        "name",
        "kind",
        "unit",
        "mass_kg",
        "category",
        "hs_code",
        "revenue_per_unit_eur",
        "value_chain",
        "description",
    )
    now = datetime.now(UTC)

    def bump(current: Any) -> dict[str, Any]:
        return {"revision": current[-1] + 1, "updated_at": now}

    _upsert(session, Part, "part_number", fields, parsed.records, result, extra_update=bump)


def _part_index(session: Session) -> dict[str, tuple[int, str, float | None]]:
    rows = session.execute(select(Part.part_number, Part.id, Part.unit, Part.mass_kg))
    return {number: (pid, unit, mass) for number, pid, unit, mass in rows}


def _apply_bom(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    source = parsed.table.source
    parts = _part_index(session)
    wanted: dict[tuple[int, int, str], float] = {}
    for record, number in zip(parsed.records, parsed.row_numbers, strict=True):
        parent = parts.get(record["parent"])
        child = parts.get(record["child"])
        if parent is None:
            errors.cell(source, number, "parent", "no part with part number '{code}'", code=record["parent"])
        if child is None:
            errors.cell(source, number, "child", "no part with part number '{code}'", code=record["child"])
        if parent is None or child is None:
            continue
        if parent[0] == child[0]:
            errors.cell(source, number, "child", "part '{code}' cannot contain itself", code=record["child"])
            continue
        text = record["quantity_text"]
        if record["unit"]:
            text = f"{text} {record['unit']}"
        try:
            quantity = validators.parse_quantity(text, child[1])
        except ValueError as exc:
            errors.cell(
                source,
                number,
                "quantity",
                "{problem} (child '{code}')",
                problem=message_of(exc),
                code=record["child"],
            )
            continue
        if not quantity > 0:
            errors.cell(source, number, "quantity", "{raw} is not positive", raw=record["quantity_text"])
            continue
        if quantity > ranges.QUANTITY_MAX:
            errors.cell(
                source,
                number,
                "quantity",
                "{raw} is above {maximum}, the most a BOM line may hold",
                raw=record["quantity_text"],
                maximum=ranges.QUANTITY_MAX,
            )
            continue
        wanted[(parent[0], child[0], record["position"])] = quantity
    if errors:
        return

    parents = {key[0] for key in wanted}
    existing = session.execute(
        select(BomLine.id, BomLine.parent_id, BomLine.child_id, BomLine.position, BomLine.quantity)
    )
    kept_parent: list[int] = []
    kept_child: list[int] = []
    current: dict[tuple[int, int, str], tuple[int, float]] = {}
    for line_id, parent_id, child_id, position, quantity in existing:
        if parent_id in parents:
            current[(parent_id, child_id, position)] = (line_id, quantity)
        else:
            kept_parent.append(parent_id)
            kept_child.append(child_id)

    size = max(pid for pid, _, _ in parts.values()) + 1 if parts else 0
    labels = [""] * size
    for part_number, (pid, _, _) in parts.items():
        labels[pid] = part_number
    edge_parent = kept_parent + [k[0] for k in wanted]
    edge_child = kept_child + [k[1] for k in wanted]
    try:
        build_bom(size, edge_parent, edge_child, [1.0] * len(edge_parent), labels=labels)
    except BomCycleError as exc:
        errors.add(
            source,
            None,
            Term("child"),
            Message(
                "the BOM contains a cycle: {path}; remove one of these lines so no part contains itself",
                path=" → ".join(exc.cycle),
            ),
        )
        return

    inserts = []
    updates = []
    changed_parents: set[int] = set()
    for key, quantity in wanted.items():
        found = current.pop(key, None)
        if found is None:
            inserts.append(
                {"parent_id": key[0], "child_id": key[1], "position": key[2], "quantity": quantity}
            )
            changed_parents.add(key[0])
        elif found[1] != quantity:
            updates.append({"id": found[0], "quantity": quantity})
            changed_parents.add(key[0])
        else:
            result.unchanged += 1
    removed = [line_id for line_id, _ in current.values()]
    changed_parents.update(key[0] for key in current)
    _bulk_delete(session, BomLine, removed)
    _bulk_update(session, BomLine, updates)
    _bulk_insert(session, BomLine, inserts)
    _bump_revisions(session, changed_parents)
    result.inserted += len(inserts)
    result.updated += len(updates)
    result.deleted += len(removed)


def _replace_children(
    session: Session,
    model: type[Any],
    owner: str,
    member: str,
    wanted: Mapping[tuple[int, int], dict[str, Any]],
    fields: Sequence[str],
    result: KindResult,
    *,
    bump_owners: bool = False,
) -> None:
    """Make the rows of every owner named in ``wanted`` exactly ``wanted``: insert, update, delete.

    With ``bump_owners`` the owners (parts) whose rows changed get a new revision.
    """
    owners = {key[0] for key in wanted}
    owner_col, member_col = getattr(model, owner), getattr(model, member)
    columns = [getattr(model, name) for name in fields]
    current: dict[tuple[int, int], Any] = {}
    for row in session.execute(select(model.id, owner_col, member_col, *columns)):
        if row[1] in owners:
            current[(row[1], row[2])] = row
    inserts, updates = [], []
    updated_owners: set[int] = set()
    for key, values in wanted.items():
        found = current.pop(key, None)
        if found is None:
            inserts.append({owner: key[0], member: key[1], **values})
        elif tuple(found[3:]) != tuple(values[name] for name in fields):
            updates.append({"id": found[0], **values})
            updated_owners.add(key[0])
        else:
            result.unchanged += 1
    removed = [row[0] for row in current.values()]
    _bulk_delete(session, model, removed)
    _bulk_update(session, model, updates)
    _bulk_insert(session, model, inserts)
    if bump_owners:
        changed = {row[owner] for row in inserts} | {key[0] for key in current}
        _bump_revisions(session, changed | updated_owners)
    result.inserted += len(inserts)
    result.updated += len(updates)
    result.deleted += len(removed)


def _apply_composition(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    source = parsed.table.source
    parts = _part_index(session)
    materials = _id_map(session, Material, "code")
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    totals: dict[int, tuple[float, int]] = defaultdict(lambda: (0.0, 0))
    for record, number in zip(parsed.records, parsed.row_numbers, strict=True):
        part = parts.get(record["part_number"])
        material_id = materials.get(record["material"])
        if part is None:
            errors.cell(source, number, "part_number", "no part '{code}'", code=record["part_number"])
        if material_id is None:
            errors.cell(source, number, "material", "no material with code '{code}'", code=record["material"])
        if part is None or material_id is None:
            continue
        mass_kg = record["mass_kg"]
        if mass_kg is None:
            if part[2] is None:
                errors.cell(
                    source,
                    number,
                    "mass_fraction",
                    "part '{code}' has no mass, so a fraction of it cannot be turned into kg; "
                    "give the mass instead",
                    code=record["part_number"],
                )
                continue
            mass_kg = record["mass_fraction"] * part[2]
        wanted[(part[0], material_id)] = {"mass_kg": mass_kg, "recycled_share": record["recycled_share"]}
        total, _ = totals[part[0]]
        totals[part[0]] = (total + mass_kg, number)
    by_id = {pid: (number, mass) for number, (pid, _, mass) in parts.items()}
    for part_id, (total, number) in totals.items():
        part_number, part_mass = by_id[part_id]
        if part_mass is not None and total > part_mass * _MASS_TOLERANCE + 1e-12:
            errors.cell(
                source,
                number,
                "mass",
                "the materials of part '{code}' weigh {total} kg, more than the part itself ({mass} kg)",
                code=part_number,
                total=float(f"{total:.6g}"),
                mass=float(f"{part_mass:.6g}"),
            )
    if not errors:
        _replace_children(
            session,
            PartMaterial,
            "part_id",
            "material_id",
            wanted,
            ("mass_kg", "recycled_share"),
            result,
            bump_owners=True,
        )


def _apply_sourcing(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    source = parsed.table.source
    parts = _part_index(session)
    sites = _id_map(session, Site, "code")
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    shares: dict[str, tuple[float, int]] = defaultdict(lambda: (0.0, 0))
    for record, number in zip(parsed.records, parsed.row_numbers, strict=True):
        part = parts.get(record["part_number"])
        site_id = sites.get(record["site"])
        if part is None:
            errors.cell(source, number, "part_number", "no part '{code}'", code=record["part_number"])
        if site_id is None:
            errors.cell(source, number, "site", "no site with code '{code}'", code=record["site"])
        if part is None or site_id is None:
            continue
        wanted[(part[0], site_id)] = {
            "share": record["share"],
            "lead_time_days": record["lead_time_days"],
            "price_eur": record["price_eur"],
            "qualified_alternate": record["qualified_alternate"],
        }
        total, _ = shares[record["part_number"]]
        shares[record["part_number"]] = (total + record["share"], number)
    for part_number, (total, number) in shares.items():
        if total > 1.0 + 1e-6:
            errors.cell(
                source,
                number,
                "share",
                "the shares of part '{code}' add up to {total}, above 1",
                code=part_number,
                total=float(f"{total:.4g}"),
            )
    if not errors:
        fields = ("share", "lead_time_days", "price_eur", "qualified_alternate")
        _replace_children(session, Sourcing, "part_id", "site_id", wanted, fields, result)


def _apply_stock(session: Session, parsed: _Parsed, result: KindResult, errors: _Errors) -> None:
    source = parsed.table.source
    parts = _part_index(session)
    existing = {
        row[1]: row
        for row in session.execute(
            select(Stock.id, Stock.part_id, Stock.on_hand, Stock.safety_stock, Stock.weekly_usage)
        )
    }
    inserts, updates = [], []
    for record, number in zip(parsed.records, parsed.row_numbers, strict=True):
        part = parts.get(record["part_number"])
        if part is None:
            errors.cell(source, number, "part_number", "no part '{code}'", code=record["part_number"])
            continue
        values = {k: record[k] for k in ("on_hand", "safety_stock", "weekly_usage")}
        current = existing.get(part[0])
        if current is None:
            inserts.append({"part_id": part[0], **values})
        elif tuple(current[2:]) != tuple(values.values()):
            updates.append({"id": current[0], **values})
        else:
            result.unchanged += 1
    if not errors:
        _bulk_insert(session, Stock, inserts)
        _bulk_update(session, Stock, updates)
        result.inserted += len(inserts)
        result.updated += len(updates)


_APPLY: dict[str, Callable[[Session, _Parsed, KindResult, _Errors], None]] = {
    "organizations": _apply_organizations,
    "sites": _apply_sites,
    "materials": _apply_materials,
    "parts": _apply_parts,
    "bom": _apply_bom,
    "composition": _apply_composition,
    "sourcing": _apply_sourcing,
    "stock": _apply_stock,
}


def read_files(
    files: Iterable[tuple[str, bytes]],
    *,
    kind: str | None = None,
    encoding: str | None = None,
    limits: ReadLimits | None = None,
) -> tuple[list[Table], list[dict[str, Any]]]:
    """Return the tables of every file that can be read, and the errors of those that cannot."""
    tables: list[Table] = []
    errors: list[dict[str, Any]] = []
    for name, data in files:
        try:
            tables.extend(read_file(name, data, kind=kind, encoding=encoding, limits=limits))
        except Problem as problem:
            errors.extend(
                problem.errors or [{"file": name, "row": None, "column": None, "message": problem.detail}]
            )
    return tables, errors


def import_tables(
    session: Session,
    tables: Sequence[Table],
    *,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
    username: str | None = None,
    progress: Progress | None = None,
    max_errors: int = 200,
    read_errors: Sequence[dict[str, Any]] = (),
) -> ImportReport:
    """Validate and write ``tables`` in dependency order; return what was done.

    Raises ImportFailed listing every error (up to ``max_errors``) if any table has one, or if
    ``read_errors`` (of files that could not be read, see read_files) is not empty; the caller must
    then roll the session back. With ``dry_run`` the caller rolls back too, but the report tells
    what would have been done. Only flushes; the caller commits.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    errors = _Errors(max_errors)
    for error in read_errors:
        errors.add(error["file"], error.get("row"), error.get("column"), error["message"])
    ordered = sorted(tables, key=lambda t: KIND_ORDER.index(t.kind) if t.kind else -1)
    total_rows = sum(len(t.rows) for t in ordered)
    done = {"read": 0, "written": 0}

    def tick(rows: int, stage: str = "read") -> None:
        done[stage] += rows
        if progress is not None:
            progress(stage, done[stage], total_rows)

    report = ImportReport(dry_run=dry_run)
    broken = False
    written: list[_Parsed] = []
    db.serialize(session, _IMPORT_LOCK)
    session.info[_FIRST_NEW_PART_ID] = (session.scalar(select(func.max(Part.id))) or 0) + 1
    for table in ordered:
        parsed = _parse_table(table, mapping or {}, errors, tick)
        if parsed is None or broken:
            broken = broken or parsed is None
            continue
        result = KindResult(kind=parsed.spec.kind, source=table.source, rows=len(parsed.records))
        before = errors.total
        _APPLY[parsed.spec.kind](session, parsed, result, errors)
        if errors.total > before:
            broken = True
            continue
        session.flush()
        tick(len(parsed.records), "written")
        report.results.append(result)
        written.append(parsed)
    if errors:
        raise ImportFailed(errors.items, errors.total)
    for result in report.results:
        session.add(
            ImportRun(
                kind=result.kind,
                source=result.source[:300],
                rows=result.rows,
                inserted=result.inserted,
                updated=result.updated,
                deleted=result.deleted,
                started_at=started_at,
                finished_at=datetime.now(UTC),
                username=username,
            )
        )
    session.flush()
    report.products = _products(written)
    report.seconds = time.perf_counter() - started
    return report


def _products(written: Sequence[_Parsed]) -> list[str]:
    """Return the part numbers of the products among what was written, in file order."""
    found: dict[str, None] = {}
    for parsed in written:
        if parsed.spec.kind == "parts":
            found.update((r["part_number"], None) for r in parsed.records if r["kind"] == "product")
        elif parsed.spec.kind == "bom":
            children = {r["child"] for r in parsed.records}
            found.update((r["parent"], None) for r in parsed.records if r["parent"] not in children)
    return list(found)


def recent_imports(session: Session, *, limit: int = 20) -> list[ImportRun]:
    """Return the last ``limit`` imports, newest first."""
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


# --- export -----------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx", "json")


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def export_tables(session: Session) -> dict[str, tuple[tuple[str, ...], list[list[Any]]]]:
    """Return every kind as (columns, rows) in the import format, sorted by natural key."""
    part_numbers = dict(session.execute(select(Part.id, Part.part_number)).all())
    units = dict(session.execute(select(Part.id, Part.unit)).all())
    site_codes = dict(session.execute(select(Site.id, Site.code)).all())
    org_codes = dict(session.execute(select(Organization.id, Organization.code)).all())
    material_codes = dict(session.execute(select(Material.id, Material.code)).all())
    out: dict[str, tuple[tuple[str, ...], list[list[Any]]]] = {}

    orgs = session.execute(
        select(
            Organization.code,
            Organization.name,
            Organization.role,
            Organization.country,
            Organization.kvk,
            Organization.lei,
            Organization.gln,
            Organization.website,
        ).order_by(Organization.code)
    )
    out["organizations"] = (SPECS["organizations"].columns, [list(r) for r in orgs])
    sites = session.execute(
        select(
            Site.code, Site.organization_id, Site.name, Site.country, Site.city, Site.address, Site.gln
        ).order_by(Site.code)
    )
    out["sites"] = (SPECS["sites"].columns, [[r[0], org_codes[r[1]], *r[2:]] for r in sites])
    materials = session.execute(
        select(Material.code, Material.name, Material.family, Material.cas_number).order_by(Material.code)
    )
    out["materials"] = (SPECS["materials"].columns, [list(r) for r in materials])
    parts = session.execute(
        select(
            Part.part_number,
            Part.name,
            Part.kind,
            Part.unit,
            Part.mass_kg,
            Part.category,
            Part.hs_code,
            Part.revenue_per_unit_eur,
            Part.value_chain,
            Part.description,
        ).order_by(Part.part_number)
    )
    out["parts"] = (SPECS["parts"].columns, [list(r) for r in parts])
    bom = sorted(
        [part_numbers[p], part_numbers[c], q, units[c], pos]
        for p, c, q, pos in session.execute(
            select(BomLine.parent_id, BomLine.child_id, BomLine.quantity, BomLine.position)
        )
    )
    out["bom"] = (SPECS["bom"].columns, bom)
    composition = sorted(
        [part_numbers[p], material_codes[m], mass, None, share]
        for p, m, mass, share in session.execute(
            select(
                PartMaterial.part_id,
                PartMaterial.material_id,
                PartMaterial.mass_kg,
                PartMaterial.recycled_share,
            )
        )
    )
    out["composition"] = (SPECS["composition"].columns, composition)
    sourcing = sorted(
        [part_numbers[p], site_codes[s], share, lead, price, _yes_no(alt)]
        for p, s, share, lead, price, alt in session.execute(
            select(
                Sourcing.part_id,
                Sourcing.site_id,
                Sourcing.share,
                Sourcing.lead_time_days,
                Sourcing.price_eur,
                Sourcing.qualified_alternate,
            )
        )
    )
    out["sourcing"] = (SPECS["sourcing"].columns, sourcing)
    stock = sorted(
        [part_numbers[p], on_hand, safety, usage]
        for p, on_hand, safety, usage in session.execute(
            select(Stock.part_id, Stock.on_hand, Stock.safety_stock, Stock.weekly_usage)
        )
    )
    out["stock"] = (SPECS["stock"].columns, stock)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return escape_formula(str(value))


def _xlsx_row(sheet: Any, row: Sequence[Any]) -> list[Any]:
    """Return ``row`` for a write-only sheet with text always as text: openpyxl would write text
    starting with '=' as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[Any] = []
    for value in row:
        if isinstance(value, str) and value.startswith("="):
            value = WriteOnlyCell(sheet, value=value)
            value.data_type = "s"
        cells.append(value)
    return cells


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value) if abs(value) < 2**53 else value
    return value


def write_export(
    tables: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Any]]]], fmt: str, out: Path | None = None
) -> dict[str, bytes]:
    """Return the export as files (name → bytes); with ``out`` also write them there.

    csv: one file per kind (``out`` a folder); xlsx: one workbook with a sheet per kind;
    json: one document with a list of records per kind.
    """
    files: dict[str, bytes] = {}
    if fmt == "csv":
        for kind, (columns, rows) in tables.items():
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([_cell(v) for v in row] for row in rows)
            files[f"{kind}.csv"] = buffer.getvalue().encode("utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        for kind, (columns, rows) in tables.items():
            sheet = workbook.create_sheet(kind)
            sheet.append(list(columns))
            for row in rows:
                sheet.append(_xlsx_row(sheet, row))
        buffer_bytes = io.BytesIO()
        workbook.save(buffer_bytes)
        files["keten-export.xlsx"] = buffer_bytes.getvalue()
    elif fmt == "json":
        document = {
            kind: [
                {c: _json_value(v) for c, v in zip(columns, row, strict=True) if v is not None}
                for row in rows
            ]
            for kind, (columns, rows) in tables.items()
        }
        files["keten-export.json"] = json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
    else:
        raise Problem(
            422, "Unknown format", f"'{fmt}' is not an export format; use one of {', '.join(EXPORT_FORMATS)}"
        )
    if out is not None:
        if fmt == "csv" or out.is_dir() or not out.suffix:
            out.mkdir(parents=True, exist_ok=True)
            for name, data in files.items():
                (out / name).write_bytes(data)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(next(iter(files.values())))
    return files
