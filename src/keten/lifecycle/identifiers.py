"""GS1 identifiers as EPCIS carries them: EPC URNs (SGTIN, SSCC, SGLN, …) and GS1 Digital Link URIs,
brought to the one canonical form (``https://id.gs1.org/…``) under which events are hashed, indexed
and matched to keten's passports (TDS 2.0 for the URNs, GS1 Digital Link 1.2 for the URIs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = [
    "CANONICAL_HOST",
    "Machine",
    "canonical_id",
    "check_digit",
    "machine_of",
    "sgtin_urn",
]

CANONICAL_HOST = "https://id.gs1.org"

_QUALIFIERS = {
    # primary key AI: the qualifiers that make it finer, finest first
    "01": ("21", "10", "235"),
    "414": ("254",),
    "8006": ("21", "10"),
    "8010": ("8011",),
}
_PRIMARY = {
    "00",
    "01",
    "253",
    "255",
    "401",
    "402",
    "414",
    "417",
    "8003",
    "8004",
    "8006",
    "8010",
    "8017",
    "8018",
}


def check_digit(body: str) -> str:
    """Return the GS1 check digit (mod 10, weights 3 and 1 from the right) of the digits ``body``."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def _gtin(company: str, item: str) -> str:
    # TDS: the indicator digit leads the item reference in the URN and the GTIN-14 itself.
    body = item[:1] + company + item[1:]
    return body + check_digit(body)


def _with_check(company: str, reference: str) -> str:
    body = company + reference
    return body + check_digit(body)


def _from_urn(value: str) -> str | None:
    match = re.fullmatch(r"urn:epc:(id|class|idpat):([a-z]+):(.+)", value)
    if match is None:
        return None
    kind, scheme, rest = match.groups()
    parts = rest.split(".")
    try:
        if scheme == "sgtin" and kind in {"id", "idpat"}:
            gtin = _gtin(parts[0], parts[1])
            return f"/01/{gtin}" if parts[2] == "*" else f"/01/{gtin}/21/{parts[2]}"
        if scheme == "lgtin" and kind == "class":
            return f"/01/{_gtin(parts[0], parts[1])}/10/{parts[2]}"
        if scheme == "sscc":
            body = parts[1][:1] + parts[0] + parts[1][1:]
            return f"/00/{body + check_digit(body)}"
        if scheme == "sgln":
            gln = _with_check(parts[0], parts[1])
            return f"/414/{gln}" if parts[2] == "0" else f"/414/{gln}/254/{parts[2]}"
        if scheme == "pgln":
            return f"/417/{_with_check(parts[0], parts[1])}"
        if scheme == "grai":
            return f"/8003/0{_with_check(parts[0], parts[1])}{parts[2]}"
        if scheme == "giai":
            return f"/8004/{parts[0]}{parts[1]}"
        if scheme == "gdti":
            return f"/253/{_with_check(parts[0], parts[1])}{parts[2]}"
        if scheme == "gsrn":
            return f"/8018/{_with_check(parts[0], parts[1])}"
    except IndexError:
        return None
    return None


def _from_digital_link(value: str) -> str | None:
    split = urlsplit(value)
    if split.scheme not in {"http", "https"} or not split.netloc:
        return None
    segments = [s for s in split.path.split("/") if s]
    # The GS1 keys start at the first segment that is a primary key AI (a custom domain may put
    # its own path before them).
    start = next((i for i, s in enumerate(segments) if s in _PRIMARY and i + 1 < len(segments)), None)
    if start is None:
        return None
    pairs = dict(zip(segments[start::2], segments[start + 1 :: 2], strict=False))
    primary = segments[start]
    path = f"/{primary}/{pairs[primary]}"
    for qualifier in _QUALIFIERS.get(primary, ()):
        if qualifier in pairs:
            return f"{path}/{qualifier}/{pairs[qualifier]}"
    return path


@lru_cache(maxsize=65536)
def canonical_id(value: str) -> str | None:
    """Return the constrained canonical GS1 Digital Link URI of an EPC URN or a GS1 Digital Link
    URI (any domain, no query string, only its finest level of identification); None when
    ``value`` is neither."""
    path = _from_urn(value) if value.startswith("urn:epc:") else _from_digital_link(value)
    return CANONICAL_HOST + path if path is not None else None


@dataclass(frozen=True)
class Machine:
    """A serialized item an identifier names: its GTIN-14 and serial number."""

    gtin: str
    serial: str


def machine_of(value: str) -> Machine | None:
    """Return the GTIN and serial an SGTIN URN or a Digital Link URI with /01/…/21/… names."""
    canonical = canonical_id(value)
    if canonical is None:
        return None
    match = re.fullmatch(re.escape(CANONICAL_HOST) + r"/01/(\d{14})/21/(.+)", canonical)
    return Machine(gtin=match.group(1), serial=match.group(2)) if match else None


def sgtin_urn(gtin: str, serial: str, *, company_prefix_length: int = 7) -> str:
    """Return the SGTIN EPC URN of a GTIN-14 and serial (TDS 2.0), for a company prefix of the
    given length."""
    company = gtin[1 : 1 + company_prefix_length]
    item = gtin[0] + gtin[1 + company_prefix_length : 13]
    return f"urn:epc:id:sgtin:{company}.{item}.{serial}"
