"""Numbers and dates as a reader of each language writes them, for pages, charts and reports.

Dutch writes a decimal comma, English a decimal point; both group thousands with a narrow
no-break space (the SI way, which neither language misreads and which never breaks a number over
two lines). A figure is shown to the digits that are known: its uncertainty where there is one,
else three significant figures; never in scientific notation.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

__all__ = [
    "DASH",
    "GROUP",
    "amount",
    "decimals_for",
    "format_date",
    "format_datetime",
    "money",
    "number",
    "percent",
    "plotly_separators",
    "quantity",
    "significant",
]

GROUP = "\u202f"
"""Thousands separator of both languages: a narrow no-break space."""
DASH = "–"
"""What stands where there is no value."""
_DECIMAL = {"nl": ",", "en": "."}
_MONTHS = {
    "nl": ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def _decimal_mark(lang: str) -> str:
    return _DECIMAL.get(lang, ".")


def number(value: Any, lang: str = "en", digits: int = 0) -> str:
    """Return ``value`` with ``digits`` decimals, grouped in thousands, in ``lang``'s notation."""
    if value is None:
        return DASH
    if not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return DASH
    text = f"{value:,.{max(digits, 0)}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    return text.replace(",", GROUP).replace(".", _decimal_mark(lang))


def decimals_for(value: float, figures: int = 3) -> int:
    """Return how many decimals show ``value`` to ``figures`` significant figures (0 for large)."""
    if value == 0 or not math.isfinite(value):
        return 0
    magnitude = math.floor(math.log10(abs(value)))
    return max(figures - 1 - magnitude, 0)


def significant(value: Any, lang: str = "en", figures: int = 3) -> str:
    """Return ``value`` rounded to ``figures`` significant figures, without an exponent.

    1 717 840.9 → "1 720 000"; 0.00008608 → "0.0000861"; 19.87 → "19.9"; 6.0 → "6".
    """
    if value is None:
        return DASH
    if not isinstance(value, int | float) or not math.isfinite(value):
        return DASH if isinstance(value, float) else str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    rounded = round(value, figures - 1 - magnitude)
    text = number(rounded, lang, decimals_for(value, figures))
    mark = _decimal_mark(lang)
    # Trailing zeros after the mark claim digits that were only filled in: 6.00 reads 6.
    return text.rstrip("0").rstrip(mark) if mark in text else text


def amount(value: Any, lang: str = "en", uncertainty: float | None = None) -> str:
    """Return ``value`` to the digits its ``uncertainty`` (relative, 0.08 for ±8 %) leaves known.

    The last digit shown is that of the uncertainty's leading digit: 1 717 841 ± 8 % is
    ± 137 000, so it reads "1 700 000"; without an uncertainty, three significant figures.
    """
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return significant(value, lang)
    if not uncertainty or uncertainty <= 0 or value == 0:
        return significant(value, lang)
    spread = abs(value) * uncertainty
    figures = math.floor(math.log10(abs(value))) - math.floor(math.log10(spread)) + 1
    return significant(value, lang, min(max(figures, 1), 6))


def percent(share: Any, lang: str = "en", digits: int = 1) -> str:
    """Return a share (0.354) as a percentage ("35.4 %"); a small share that is not zero reads
    "< 0.1 %" rather than a misleading "0.0 %"."""
    if share is None or not isinstance(share, int | float) or not math.isfinite(share):
        return DASH
    value = share * 100
    smallest = 10.0**-digits
    if 0 < abs(value) < smallest:
        return f"< {number(smallest, lang, digits)}\u00a0%"
    return f"{number(value, lang, digits)}\u00a0%"


def quantity(value: Any, lang: str = "en") -> str:
    """Return a quantity (of a BOM line, a share of a material) with up to six significant figures,
    trailing zeros dropped and never an exponent: 2, 0.5, 0.0000861."""
    if value is None:
        return DASH
    if not isinstance(value, int | float) or not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return number(int(value), lang)
    return significant(value, lang, 6)


def money(value: Any, lang: str = "en") -> str:
    """Return an amount in euros without cents: "€ 1 250 000"."""
    return DASH if value is None else f"€\u00a0{number(value, lang, 0)}"


def format_date(value: date | datetime | None, lang: str = "en") -> str:
    """Return a date as the language writes it: "3 dec. 2026" or "3 Dec 2026"."""
    if value is None:
        return DASH
    months = _MONTHS.get(lang, _MONTHS["en"])
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None, lang: str = "en") -> str:
    """Return a moment to the minute: "3 dec. 2026 15:57"."""
    if value is None:
        return DASH
    return f"{format_date(value, lang)} {value:%H:%M}"


def plotly_separators(lang: str) -> str:
    """Return Plotly's ``separators`` layout value (decimal mark, then thousands) for ``lang``."""
    return _decimal_mark(lang) + GROUP
