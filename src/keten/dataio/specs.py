"""What each import kind's columns are and how one row's cells become typed values.

Each parser takes the row's cells by canonical column name and returns the typed values,
or raises CellError naming the column. Parsers are plain functions so an import of 100,000
rows costs one call per row, not one per cell and rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from keten import ranges, validators
from keten.catalog.models import MATERIAL_FAMILIES, PART_KINDS, VALUE_CHAINS
from keten.messages import Invalid, Message, Term, message_of
from keten.partners.models import ORGANIZATION_ROLES

__all__ = ["SPECS", "CellError", "KindSpec"]


class CellError(ValueError):
    """A cell that cannot be read: ``column`` names it, ``message`` says what was expected.

    ``message`` is a template with its values (keten.messages), so a page says it in its reader's
    language; ``str()`` of the error is the English sentence.
    """

    def __init__(self, column: str, template: str | Message, /, **values: Any) -> None:
        self.message = template if isinstance(template, Message) else Message(template, **values)
        super().__init__(self.message)
        self.column = column

    def __str__(self) -> str:
        return str.__str__(self.message)

    def located(self) -> Message:
        """Return the message with the column in front, as an import's error lists it."""
        return Message("{column}: {problem}", column=Term(self.column), problem=self.message)


Cells = Mapping[str, str]
RowParser = Callable[[Cells], dict[str, Any]]


@dataclass(frozen=True)
class KindSpec:
    """The columns of one kind (required first), its natural key, and its row parser."""

    kind: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    key: tuple[str, ...]
    parse: RowParser
    numbers: tuple[str, ...] = ()
    """Columns holding numbers or quantities, whose decimal commas a Dutch file may need read."""


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_STARTS_WITH_NUMBER = re.compile(r"^[+-]?[.,]?\d")
_YES = {"yes", "y", "true", "1", "ja", "j", "x", "waar"}
_NO = {"no", "n", "false", "0", "nee", "onwaar", ""}


def _text(cells: Cells, column: str, *, required: bool = False, max_len: int = 200) -> str | None:
    value = cells.get(column, "").strip()
    if not value:
        if required:
            raise CellError(column, "is empty; a value is required")
        return None
    if len(value) > max_len:
        raise CellError(
            column, "is {length} characters long; at most {most} fit", length=len(value), most=max_len
        )
    return value


def _required_text(cells: Cells, column: str, max_len: int = 200) -> str:
    value = _text(cells, column, required=True, max_len=max_len)
    assert value is not None
    return value


def _number(
    cells: Cells, column: str, maximum: float, *, required: bool = False, minimum: float | None = 0.0
) -> float | None:
    raw = cells.get(column, "").strip()
    if not raw:
        if required:
            raise CellError(column, "is empty; a number is required")
        return None
    text = raw.replace(",", ".") if _DECIMAL_COMMA.match(raw) else raw.replace("_", "")
    try:
        value = float(text)
    except ValueError:
        raise CellError(column, "'{raw}' is not a number", raw=raw) from None
    if not math.isfinite(value):
        raise CellError(column, "'{raw}' is not a finite number", raw=raw)
    if minimum is not None and value < minimum:
        raise CellError(
            column, "{raw} is negative; expected a number of at least {minimum}", raw=raw, minimum=minimum
        )
    if value > maximum:
        raise CellError(
            column,
            "{raw} is above {maximum}, the most {column} may be",
            raw=raw,
            maximum=maximum,
            column=Term(column),
        )
    return value


def _share(cells: Cells, column: str, default: float | None) -> float | None:
    raw = cells.get(column, "").strip()
    if not raw:
        return default
    percent = raw.endswith("%")
    text = raw.rstrip("%").strip()
    text = text.replace(",", ".") if _DECIMAL_COMMA.match(text) else text
    try:
        value = float(text)
    except ValueError:
        raise CellError(
            column, "'{raw}' is not a share; expected 0 to 1 or a percentage like 35 %", raw=raw
        ) from None
    if percent:
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        raise CellError(column, "'{raw}' is outside 0 to 1 (or 0 % to 100 %)", raw=raw)
    return value


def _bool(cells: Cells, column: str) -> bool:
    raw = cells.get(column, "").strip().lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise CellError(column, "'{raw}' is not yes or no", raw=cells.get(column))


def _choice(
    cells: Cells, column: str, choices: tuple[str, ...], *, required: bool, default: str | None = None
) -> str | None:
    raw = cells.get(column, "").strip().lower()
    if not raw:
        if required and default is None:
            raise CellError(column, "is empty; expected one of {choices}", choices=choices)
        return default
    if raw not in choices:
        raise CellError(column, "'{raw}' is not one of {choices}", raw=cells.get(column), choices=choices)
    return raw


def _check(cells: Cells, column: str, check: Callable[[str], str], *, required: bool = False) -> str | None:
    raw = cells.get(column, "").strip()
    if not raw:
        if required:
            raise CellError(column, "is empty; a value is required")
        return None
    try:
        return check(raw)
    except ValueError as exc:
        raise CellError(column, message_of(exc)) from None


def _mass_kg(cells: Cells, column: str) -> float | None:
    raw = cells.get(column, "").strip()
    if not raw:
        return None
    try:
        value = validators.parse_quantity(raw, "kg")
    except ValueError as exc:
        raise CellError(column, message_of(exc)) from None
    if value < 0:
        raise CellError(column, "'{raw}' is negative; a mass is at least 0", raw=raw)
    if value > ranges.MASS_KG_MAX:
        raise CellError(
            column,
            "'{raw}' is above {maximum} kg, the most a mass may be",
            raw=raw,
            maximum=ranges.MASS_KG_MAX,
        )
    return value


def _hs_code(raw: str) -> str:
    digits = re.sub(r"[\s.]", "", raw)
    if not digits.isdigit() or not 4 <= len(digits) <= 10:
        raise Invalid("'{raw}' is not an HS or CN code; expected 4 to 10 digits", raw=raw)
    return digits


def _parse_organization(cells: Cells) -> dict[str, Any]:
    return {
        "code": _required_text(cells, "code", 64),
        "name": _required_text(cells, "name"),
        "role": _choice(cells, "role", ORGANIZATION_ROLES, required=True),
        "country": _check(cells, "country", validators.check_country),
        "kvk": _check(cells, "kvk", validators.check_kvk),
        "lei": _check(cells, "lei", validators.check_lei),
        "gln": _check(cells, "gln", validators.check_gln),
        "website": _text(cells, "website"),
    }


def _parse_site(cells: Cells) -> dict[str, Any]:
    return {
        "code": _required_text(cells, "code", 64),
        "organization": _required_text(cells, "organization", 64),
        "name": _required_text(cells, "name"),
        "country": _check(cells, "country", validators.check_country, required=True),
        "city": _text(cells, "city", max_len=100),
        "address": _text(cells, "address", max_len=300),
        "gln": _check(cells, "gln", validators.check_gln),
    }


def _parse_material(cells: Cells) -> dict[str, Any]:
    return {
        "code": _required_text(cells, "code", 64),
        "name": _required_text(cells, "name"),
        "family": _choice(cells, "family", MATERIAL_FAMILIES, required=False, default="other"),
        "cas_number": _text(cells, "cas_number", max_len=32),
    }


def _parse_part(cells: Cells) -> dict[str, Any]:
    unit_raw = cells.get("unit", "").strip() or "pcs"
    try:
        unit = validators.canonical_unit(unit_raw)
    except ValueError as exc:
        raise CellError("unit", message_of(exc)) from None
    return {
        "part_number": _required_text(cells, "part_number", 64),
        "name": _required_text(cells, "name"),
        "kind": _choice(cells, "kind", PART_KINDS, required=True),
        "unit": unit,
        "mass_kg": _mass_kg(cells, "mass"),
        "category": _text(cells, "category", max_len=64),
        "hs_code": _check(cells, "hs_code", _hs_code),
        "revenue_per_unit_eur": _number(cells, "revenue_per_unit_eur", ranges.REVENUE_EUR_MAX),
        "value_chain": _choice(cells, "value_chain", VALUE_CHAINS, required=False),
        "description": _text(cells, "description", max_len=1000),
    }


def _parse_bom(cells: Cells) -> dict[str, Any]:
    quantity = cells.get("quantity", "").strip()
    if not quantity:
        raise CellError("quantity", "is empty; a quantity is required")
    if not _STARTS_WITH_NUMBER.match(quantity):
        # Checked here, not only when the BOM is written, so it is reported with every other file's errors.
        raise CellError(
            "quantity",
            "'{raw}' is not a quantity; expected a number with an optional unit, such as 2 or 250 g",
            raw=quantity,
        )
    return {
        "parent": _required_text(cells, "parent", 64),
        "child": _required_text(cells, "child", 64),
        "quantity_text": quantity,
        "unit": cells.get("unit", "").strip() or None,
        "position": _text(cells, "position", max_len=32) or "",
    }


def _parse_composition(cells: Cells) -> dict[str, Any]:
    mass_kg = _mass_kg(cells, "mass")
    fraction = _share(cells, "mass_fraction", None)
    if mass_kg is None and fraction is None:
        raise CellError("mass", "is empty and so is {other}; give one of them", other=Term("mass_fraction"))
    if mass_kg is not None and fraction is not None:
        raise CellError(
            "mass_fraction", "is given together with {other}; give one of them", other=Term("mass")
        )
    return {
        "part_number": _required_text(cells, "part_number", 64),
        "material": _required_text(cells, "material", 64),
        "mass_kg": mass_kg,
        "mass_fraction": fraction,
        "recycled_share": _share(cells, "recycled_share", 0.0),
    }


def _parse_sourcing(cells: Cells) -> dict[str, Any]:
    lead = _number(cells, "lead_time_days", ranges.LEAD_TIME_DAYS_MAX, required=True)
    assert lead is not None
    if not lead.is_integer():
        raise CellError(
            "lead_time_days", "'{raw}' is not a whole number of days", raw=cells["lead_time_days"]
        )
    return {
        "part_number": _required_text(cells, "part_number", 64),
        "site": _required_text(cells, "site", 64),
        "share": _share(cells, "share", 1.0),
        "lead_time_days": int(lead),
        "price_eur": _number(cells, "price_eur", ranges.PRICE_EUR_MAX),
        "qualified_alternate": _bool(cells, "qualified_alternate"),
    }


def _parse_stock(cells: Cells) -> dict[str, Any]:
    return {
        "part_number": _required_text(cells, "part_number", 64),
        "on_hand": _number(cells, "on_hand", ranges.STOCK_MAX, required=True),
        "safety_stock": _number(cells, "safety_stock", ranges.STOCK_MAX) or 0.0,
        "weekly_usage": _number(cells, "weekly_usage", ranges.STOCK_MAX) or 0.0,
    }


SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            "organizations",
            ("code", "name", "role", "country", "kvk", "lei", "gln", "website"),
            ("code", "name", "role"),
            ("code",),
            _parse_organization,
        ),
        KindSpec(
            "sites",
            ("code", "organization", "name", "country", "city", "address", "gln"),
            ("code", "organization", "name", "country"),
            ("code",),
            _parse_site,
        ),
        KindSpec(
            "materials",
            ("code", "name", "family", "cas_number"),
            ("code", "name"),
            ("code",),
            _parse_material,
        ),
        KindSpec(
            "parts",
            (
                "part_number",
                "name",
                "kind",
                "unit",
                "mass",
                "category",
                "hs_code",
                "revenue_per_unit_eur",
                "value_chain",
                "description",
            ),
            ("part_number", "name", "kind"),
            ("part_number",),
            _parse_part,
            ("mass", "revenue_per_unit_eur"),
        ),
        KindSpec(
            "bom",
            ("parent", "child", "quantity", "unit", "position"),
            ("parent", "child", "quantity"),
            ("parent", "child", "position"),
            _parse_bom,
            ("quantity",),
        ),
        KindSpec(
            "composition",
            ("part_number", "material", "mass", "mass_fraction", "recycled_share"),
            ("part_number", "material"),
            ("part_number", "material"),
            _parse_composition,
            ("mass", "mass_fraction", "recycled_share"),
        ),
        KindSpec(
            "sourcing",
            ("part_number", "site", "share", "lead_time_days", "price_eur", "qualified_alternate"),
            ("part_number", "site", "lead_time_days"),
            ("part_number", "site"),
            _parse_sourcing,
            ("share", "lead_time_days", "price_eur"),
        ),
        KindSpec(
            "stock",
            ("part_number", "on_hand", "safety_stock", "weekly_usage"),
            ("part_number", "on_hand"),
            ("part_number",),
            _parse_stock,
            ("on_hand", "safety_stock", "weekly_usage"),
        ),
    )
}
