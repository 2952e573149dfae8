"""The EPCIS Event Hash ID of CBV 2.0 (section 8.9): a pre-hash string built from an event's fields
in the canonical order with normalised values, then its SHA-256 as an RFC 6920 ``ni`` URI.

Two captures of the same event give the same id whatever their key order, time zone or
identifier syntax (EPC URN or Digital Link), which is how a repository stores an event once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from keten.lifecycle.identifiers import canonical_id

__all__ = ["event_hash_id", "namespaces_of", "prehash"]

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"

_QUANTITY = ("epcClass", "quantity", "uom")
_METADATA = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
_REPORT = (
    "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "time",
    "microorganism", "chemicalSubstance", "value", "component", "stringValue", "booleanValue",
    "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
    "percValue", "uom", "coordinateReferenceSystem",
)  # fmt: skip
_VOCABULARY = {
    # field holding a bare CBV word: the prefix of its Web URI
    "bizStep": CBV + "BizStep-",
    "disposition": CBV + "Disp-",
    "set": CBV + "Disp-",
    "unset": CBV + "Disp-",
    "reason": CBV + "ER-",
    "component": CBV + "Comp-",
}
_TYPED_LISTS = {
    "bizTransactionList": ("bizTransaction", "BTT-"),
    "sourceList": ("source", "SDT-"),
    "destinationList": ("destination", "SDT-"),
}
_URNS = {
    "urn:epcglobal:cbv:bizstep:": CBV + "BizStep-",
    "urn:epcglobal:cbv:disp:": CBV + "Disp-",
    "urn:epcglobal:cbv:btt:": CBV + "BTT-",
    "urn:epcglobal:cbv:sdt:": CBV + "SDT-",
    "urn:epcglobal:cbv:er:": CBV + "ER-",
}
_NOT_HASHED = {"type", "eventID", "recordTime", "errorDeclaration", "@context"}
_SEEN_LIMIT = 20_000
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_BARE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def namespaces_of(context: Any) -> dict[str, str]:
    """Return the prefixes a JSON-LD ``@context`` (string, object or list) defines, with their IRIs."""
    found: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, Mapping):
            found.update({k: v for k, v in item.items() if isinstance(v, str)})
    return found


def _time(text: str) -> str:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    # Milliseconds, the third decimal rounded up when the fourth is 5 to 9.
    rounded = moment.replace(microsecond=0) + timedelta(milliseconds=(moment.microsecond + 500) // 1000)
    return rounded.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rounded.microsecond // 1000:03d}Z"


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if float(value) == int(value):
        return str(int(value))
    return repr(float(value))


class _Writer:
    """Renders the values and keys of one event, knowing its document's prefixes."""

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self.namespaces = namespaces
        self._seen: dict[tuple[str, str], str] = {}

    def key(self, name: str) -> str:
        prefix, sep, local = name.partition(":")
        if sep and prefix in self.namespaces:
            return "{" + self.namespaces[prefix] + "}" + local
        return name

    def value(self, name: str, raw: Any) -> str:
        if isinstance(raw, bool | int | float):
            return _number(raw)
        # The steps, locations and items of a document's events repeat: each is rendered once.
        key = (name, str(raw))
        rendered = self._seen.get(key)
        if rendered is None:
            rendered = self._render(name, key[1].strip())
            if len(self._seen) >= _SEEN_LIMIT:
                self._seen.clear()
            self._seen[key] = rendered
        return rendered

    def _render(self, name: str, text: str) -> str:
        if "time" in name.lower() and "offset" not in name.lower():
            try:
                return _time(text)
            except (ValueError, OverflowError):
                return text
        if name in _VOCABULARY and _BARE.fullmatch(text):
            return _VOCABULARY[name] + text
        if name in {"type", "exception"} and _BARE.fullmatch(text):
            return GS1_VOC + text
        for urn, web in _URNS.items():
            if text.startswith(urn):
                return web + text[len(urn) :]
        prefix, sep, local = text.partition(":")
        if sep and prefix in self.namespaces and not local.startswith("//"):
            return self.namespaces[prefix] + local
        if _NUMBER.fullmatch(text):
            return _number(float(text))
        return canonical_id(text) or text

    def pair(self, name: str, raw: Any) -> str:
        text = self.value(name, raw)
        return f"{name}={text}" if text else ""

    def ordered(self, data: Mapping[str, Any], order: tuple[str, ...], *, extensions: bool) -> str:
        """Return the fields of ``order`` present in ``data``, then (with ``extensions``) the rest."""
        out = "".join(self.pair(k, data[k]) for k in order if k in data and data[k] is not None)
        if extensions:
            out += "".join(sorted(self.generic(k, v) for k, v in data.items() if k not in order))
        return out

    def generic(self, name: str, raw: Any) -> str:
        """Return a user extension (or ILMD) element: its expanded key, then value or children."""
        key = self.key(name)
        if isinstance(raw, Mapping):
            return key + "".join(sorted(self.generic(k, v) for k, v in raw.items()))
        if isinstance(raw, list):
            return "".join(sorted(self.generic(name, item) for item in raw))
        text = self.value(name, raw)
        return f"{key}={text}" if text else key


def _epcs(w: _Writer, name: str, raw: Any) -> str:
    values = sorted(f"epc={w.value('epc', v)}" for v in raw)
    return name + "".join(values) if values else ""


def _quantities(w: _Writer, name: str, raw: Any) -> str:
    values = sorted("quantityElement" + w.ordered(q, _QUANTITY, extensions=False) for q in raw)
    return name + "".join(values) if values else ""


def _sensors(w: _Writer, name: str, raw: Any) -> str:
    elements = []
    for element in raw:
        text = "sensorElement"
        if isinstance(element.get("sensorMetadata"), Mapping):
            text += "sensorMetadata" + w.ordered(element["sensorMetadata"], _METADATA, extensions=True)
        reports = sorted(
            "sensorReport" + w.ordered(r, _REPORT, extensions=True) for r in element.get("sensorReport", [])
        )
        text += "".join(reports)
        text += "".join(
            sorted(w.generic(k, v) for k, v in element.items() if k not in {"sensorMetadata", "sensorReport"})
        )
        elements.append(text)
    return name + "".join(sorted(elements)) if elements else ""


def _scalar(w: _Writer, name: str, raw: Any) -> str:
    if isinstance(raw, list):
        return "".join(sorted(w.pair(name, v) for v in raw))
    return w.pair(name, raw)


def _location(w: _Writer, name: str, raw: Any) -> str:
    return name + w.ordered(raw, ("id",), extensions=True)


def _persistent(w: _Writer, name: str, raw: Any) -> str:
    parts = ["".join(sorted(w.pair(k, v) for v in raw.get(k, []))) for k in ("set", "unset")]
    return name + "".join(parts)


_Render = Callable[[_Writer, str, Any], str]
_ORDER: tuple[tuple[str, _Render], ...] = (
    ("eventTime", _scalar),
    ("eventTimeZoneOffset", _scalar),
    ("certificationInfo", _scalar),
    ("parentID", _scalar),
    ("epcList", _epcs),
    ("inputEPCList", _epcs),
    ("childEPCs", _epcs),
    ("quantityList", _quantities),
    ("childQuantityList", _quantities),
    ("inputQuantityList", _quantities),
    ("outputEPCList", _epcs),
    ("outputQuantityList", _quantities),
    ("action", _scalar),
    ("transformationID", _scalar),
    ("bizStep", _scalar),
    ("disposition", _scalar),
    ("persistentDisposition", _persistent),
    ("readPoint", _location),
    ("bizLocation", _location),
    ("sensorElementList", _sensors),
)
_IN_ORDER = {name for name, _ in _ORDER}


def _typed_list(w: _Writer, name: str, raw: Any) -> str:
    field, vocabulary = _TYPED_LISTS[name]
    items = []
    for item in raw:
        kind = item.get("type")
        text = ""
        if kind is not None:
            kind = str(kind).strip()
            text = "type=" + (CBV + vocabulary + kind if _BARE.fullmatch(kind) else w.value("", kind))
        items.append(text + w.pair(field, item.get(field, "")))
    return name + "".join(sorted(items)) if items else ""


_WRITERS: dict[tuple[tuple[str, str], ...], _Writer] = {}


def _writer(namespaces: dict[str, str]) -> _Writer:
    """Return the writer of ``namespaces``, one for every set of prefixes seen lately."""
    key = tuple(sorted(namespaces.items()))
    writer = _WRITERS.get(key)
    if writer is None:
        writer = _Writer(namespaces)
        if len(_WRITERS) >= 64:
            _WRITERS.clear()
        _WRITERS[key] = writer
    return writer


def prehash(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """Return the pre-hash string of one EPCIS 2.0 event in its JSON-LD form.

    ``namespaces`` are the prefixes of the enclosing document's ``@context``; the event's own
    ``@context`` adds to them.
    """
    w = _writer({**(namespaces or {}), **namespaces_of(event.get("@context", []))})
    text = f"eventType={event.get('type', '')}"
    for name, render in _ORDER:
        if event.get(name) not in (None, [], {}):
            text += render(w, name, event[name])
    # Everything outside the fixed order (business transactions, sources, destinations, ILMD and
    # user extensions) follows, each element rendered whole and the elements sorted.
    rest = []
    for name, raw in event.items():
        if name in _IN_ORDER or name in _NOT_HASHED or raw in (None, [], {}):
            continue
        if name in _TYPED_LISTS:
            rest.append(_typed_list(w, name, raw))
        elif name == "ilmd":
            rest.append("ilmd" + "".join(sorted(w.generic(k, v) for k, v in raw.items())))
        else:
            rest.append(w.generic(name, raw))
    return text + "".join(sorted(rest))


def event_hash_id(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """Return the EPCIS Event Hash ID of ``event``: ``ni:///sha-256;{hex}?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash(event, namespaces).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
