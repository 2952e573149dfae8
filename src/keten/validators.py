"""Checks and conversions of identifiers, countries and physical quantities, shared by the
importer, the API schemas and the pages. Each raises ValueError (a keten.messages.Invalid, which a
page says in its reader's language) with a message that says what
was expected."""

from __future__ import annotations

import re
from functools import lru_cache

import pint
import pycountry

from keten.messages import Invalid

__all__ = [
    "canonical_unit",
    "check_country",
    "check_gln",
    "check_kvk",
    "check_lei",
    "parse_quantity",
    "ureg",
]

ureg: pint.UnitRegistry[float] = pint.UnitRegistry(on_redefinition="ignore", cache_folder=None)
ureg.define("piece = [count] = pcs = pc = ea = each = stuks = stuk = st")
ureg.define("pair = 2 * piece = pr")
ureg.define("dozen = 12 * piece = dz")

_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


@lru_cache(maxsize=1024)
def _unit(text: str) -> pint.Unit:
    try:
        unit = ureg.parse_units(text)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
    ):
        raise Invalid("unknown unit '{unit}'", unit=text) from None
    except Exception:  # pint raises a handful of tokenizer errors on garbage such as '12 ##'
        raise Invalid("unknown unit '{unit}'", unit=text) from None
    return unit


@lru_cache(maxsize=1024)
def canonical_unit(text: str) -> str:
    """Return the short, stable spelling of a unit: ``'pieces'`` → ``'pcs'``, ``'kilogram'`` → ``'kg'``."""
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("the unit is empty")
    unit = _unit(cleaned)
    if unit == ureg.piece:
        return "pcs"
    return f"{unit:~}".replace(" ", "").replace("**", "^")


@lru_cache(maxsize=4096)
def _factor(source: str, target: str) -> float:
    src, dst = _unit(source), _unit(target)
    if src.dimensionality != dst.dimensionality:
        raise Invalid("unit '{unit}' does not fit a part counted in '{target}'", unit=source, target=target)
    return float(ureg.Quantity(1.0, src).to(dst).magnitude)


def parse_quantity(text: str, target_unit: str) -> float:
    """Return the amount in ``text`` (``'12 g'``, ``'0,5 kg'``, ``'3'``) expressed in ``target_unit``.

    A bare number is taken to be in ``target_unit`` already.
    """
    match = _QUANTITY.match(text)
    if match is None:
        raise Invalid(
            "'{raw}' is not a quantity; expected a number with an optional unit, such as 12 g", raw=text
        )
    number, unit = match.groups()
    value = float(number.replace(",", "."))
    if not unit:
        return value
    return value * _factor(unit, target_unit)


@lru_cache(maxsize=512)
def check_country(code: str) -> str:
    """Return the ISO 3166-1 alpha-2 code ``code`` in upper case, if it is one."""
    cleaned = code.strip().upper()
    if len(cleaned) != 2 or pycountry.countries.get(alpha_2=cleaned) is None:
        raise Invalid("'{raw}' is not an ISO 3166-1 alpha-2 country code such as NL, DE or JP", raw=code)
    return cleaned


def check_kvk(number: str) -> str:
    """Return a Dutch Chamber of Commerce (KvK) number: eight digits."""
    cleaned = re.sub(r"\s", "", number)
    if not re.fullmatch(r"\d{8}", cleaned):
        raise Invalid("'{raw}' is not a KvK number; expected 8 digits", raw=number)
    return cleaned


def check_lei(code: str) -> str:
    """Return an ISO 17442 Legal Entity Identifier whose two check digits are right (ISO 7064 mod 97-10)."""
    cleaned = code.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{18}[0-9]{2}", cleaned):
        raise Invalid("'{raw}' is not a LEI; expected 18 letters or digits and 2 check digits", raw=code)
    digits = "".join(str(int(ch, 36)) for ch in cleaned)
    if int(digits) % 97 != 1:
        raise Invalid("'{raw}' is not a valid LEI: its check digits are wrong", raw=code)
    return cleaned


def _gs1_check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def check_gln(code: str) -> str:
    """Return a GS1 Global Location Number: 13 digits whose last is the GS1 check digit."""
    cleaned = re.sub(r"\s", "", code)
    if not re.fullmatch(r"\d{13}", cleaned):
        raise Invalid("'{raw}' is not a GLN; expected 13 digits", raw=code)
    if _gs1_check_digit(cleaned[:-1]) != int(cleaned[-1]):
        raise Invalid(
            "'{raw}' is not a valid GLN: its check digit should be {digit}",
            raw=code,
            digit=_gs1_check_digit(cleaned[:-1]),
        )
    return cleaned
