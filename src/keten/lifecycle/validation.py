"""What keten checks of an EPCIS 2.0 document or event before it stores any of it: the structure the
EPCIS 2.0 JSON schema lays down (written here constraint by constraint, for the four event types
keten records), then the CBV vocabulary, each finding as 'where: what'."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker

from keten.lifecycle import vocabulary as voc

__all__ = ["MAX_FINDINGS", "document_schema", "event_schema", "validate_document", "validate_event"]

MAX_FINDINGS = 50
RECORDED_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent", "AssociationEvent")

_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_CBV_URI = r"^(?!(urn:epcglobal:cbv|https?://ns\.gs1\.org/cbv/))"

_formats = FormatChecker(formats=())


@_formats.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or _URI.fullmatch(value) is not None


@_formats.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|z|[+-]\d\d:\d\d)", value):
        raise ValueError("not an RFC 3339 date-time with a time zone")
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def _uri() -> dict[str, Any]:
    return {"type": "string", "format": "uri"}


def _vocabulary(words: frozenset[str] | tuple[str, ...]) -> dict[str, Any]:
    # A CBV value is a bare word of its list; any other value is a URI outside CBV's namespaces.
    return {"anyOf": [{"type": "string", "enum": sorted(words)}, {**_uri(), "pattern": _CBV_URI}]}


def _names(*allowed: str) -> dict[str, Any]:
    # EPCIS lets an event carry extension fields, named by a URI or a prefixed name (a CURIE).
    return {"anyOf": [{"type": "string", "enum": list(allowed)}, _uri()]}


def _quantity() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "epcClass": _uri(),
            "quantity": {"type": "number"},
            "uom": {"type": "string", "pattern": "^[A-Z0-9]{2,3}$"},
        },
        "required": ["epcClass"],
        "additionalProperties": False,
    }


def _typed(field: str, kinds: frozenset[str], *, type_required: bool) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"type": _vocabulary(kinds), field: _uri()},
            "required": ["type", field] if type_required else [field],
            "additionalProperties": False,
        },
    }


_COMMON = (
    "@context",
    "type",
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "certificationInfo",
    "errorDeclaration",
)
_WHERE = (
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
)


def _common_properties() -> dict[str, Any]:
    location = {"type": "object", "properties": {"id": _uri()}, "required": ["id"]}
    return {
        "@context": {"anyOf": [_uri(), {"type": "object"}, {"type": "array", "uniqueItems": True}]},
        "eventTime": {"type": "string", "format": "date-time"},
        "recordTime": {"type": "string", "format": "date-time"},
        "eventTimeZoneOffset": {
            "type": "string",
            "pattern": r"^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$",
        },
        "eventID": _uri(),
        "certificationInfo": {"anyOf": [_uri(), {"type": "array", "items": _uri()}]},
        "errorDeclaration": {
            "type": "object",
            "properties": {
                "declarationTime": {"type": "string", "format": "date-time"},
                "reason": _vocabulary(voc.ERROR_REASONS),
                "correctiveEventIDs": {"type": "array", "items": _uri()},
            },
            "required": ["declarationTime"],
        },
        "action": {"type": "string", "enum": list(voc.ACTIONS)},
        "bizStep": _vocabulary(voc.BIZ_STEPS),
        "disposition": _vocabulary(voc.DISPOSITIONS),
        "persistentDisposition": {
            "type": "object",
            "properties": {
                k: {
                    "type": "array",
                    "items": _vocabulary(voc.DISPOSITIONS),
                    "minItems": 1,
                    "uniqueItems": True,
                }
                for k in ("set", "unset")
            },
            "additionalProperties": False,
            "anyOf": [{"required": ["set"]}, {"required": ["unset"]}],
        },
        "readPoint": location,
        "bizLocation": location,
        "bizTransactionList": _typed("bizTransaction", voc.BIZ_TRANSACTION_TYPES, type_required=False),
        "sourceList": _typed("source", voc.SOURCE_DEST_TYPES, type_required=True),
        "destinationList": _typed("destination", voc.SOURCE_DEST_TYPES, type_required=True),
        "sensorElementList": {"type": "array", "items": {"type": "object", "required": ["sensorReport"]}},
        "ilmd": {"type": "object", "propertyNames": _uri()},
        "epcList": {"type": "array", "items": _uri(), "uniqueItems": True},
        "quantityList": {"type": "array", "items": _quantity()},
        "parentID": _uri(),
        "childEPCs": {"type": "array", "items": _uri()},
        "childQuantityList": {"type": "array", "items": _quantity()},
        "inputEPCList": {"type": "array", "items": _uri(), "uniqueItems": True},
        "inputQuantityList": {"type": "array", "items": _quantity()},
        "outputEPCList": {"type": "array", "items": _uri(), "uniqueItems": True},
        "outputQuantityList": {"type": "array", "items": _quantity()},
        "transformationID": _uri(),
    }


def _some(*alternatives: tuple[str, int]) -> dict[str, Any]:
    return {
        "anyOf": [
            {"required": [name], "properties": {name: {"minItems": least}}} for name, least in alternatives
        ]
    }


def _per_type() -> list[dict[str, Any]]:
    children = _some(("childEPCs", 1), ("childQuantityList", 1))
    shapes: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, Any]]] = {
        "ObjectEvent": (
            ("action",),
            ("epcList", "quantityList", "persistentDisposition", "ilmd", *_WHERE),
            _some(("epcList", 0), ("quantityList", 1), ("sensorElementList", 1)),
        ),
        "AggregationEvent": (
            ("action",),
            ("parentID", "childEPCs", "childQuantityList", *_WHERE),
            {"anyOf": [*children["anyOf"], {"properties": {"action": {"const": "DELETE"}}}]},
        ),
        "AssociationEvent": (
            ("action", "parentID"),
            ("parentID", "childEPCs", "childQuantityList", *_WHERE),
            {"anyOf": [*children["anyOf"], {"properties": {"action": {"const": "DELETE"}}}]},
        ),
        "TransformationEvent": (
            (),
            ("inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID",
             "persistentDisposition", "ilmd", *[w for w in _WHERE if w != "action"]),
            {"anyOf": [
                {"allOf": [_some(("inputEPCList", 1), ("inputQuantityList", 1)),
                           _some(("outputEPCList", 1), ("outputQuantityList", 1))]},
                {"allOf": [_some(("inputEPCList", 1), ("inputQuantityList", 1), ("outputEPCList", 1),
                                 ("outputQuantityList", 1)), {"required": ["transformationID"]}]},
            ]},
        ),
    }  # fmt: skip
    return [
        {
            "if": {"properties": {"type": {"const": name}}},
            "then": {
                "allOf": [{"required": list(required), "propertyNames": _names(*_COMMON, *fields)}, extra]
            },
        }
        for name, (required, fields, extra) in shapes.items()
    ]


@cache
def event_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 7) of one EPCIS 2.0 event of a type keten records."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["type", "eventTime", "eventTimeZoneOffset"],
        "properties": {**_common_properties(), "type": {"type": "string", "enum": list(RECORDED_TYPES)}},
        "allOf": _per_type(),
    }


@cache
def document_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 7) of an EPCISDocument whose events keten records."""
    header = (
        "@context",
        "id",
        "type",
        "schemaVersion",
        "creationDate",
        "instanceIdentifier",
        "sender",
        "receiver",
        "epcisHeader",
        "epcisBody",
    )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
        "properties": {
            "@context": {"anyOf": [_uri(), {"type": "object"}, {"type": "array", "uniqueItems": True}]},
            "id": _uri(),
            "type": {"const": "EPCISDocument"},
            "schemaVersion": {"type": "string", "pattern": r"^\d+(\.\d+)*$"},
            "creationDate": {"type": "string", "format": "date-time"},
            "instanceIdentifier": {"type": "string"},
            "sender": {"type": "string"},
            "receiver": {"type": "string"},
            "epcisHeader": {"type": "object"},
            "epcisBody": {
                "type": "object",
                "required": ["eventList"],
                "properties": {"eventList": {"type": "array", "items": event_schema()}},
            },
        },
        "propertyNames": _names(*header),
    }  # fmt: skip


@cache
def _validator(kind: str) -> Draft7Validator:
    schema = document_schema() if kind == "document" else event_schema()
    return Draft7Validator(schema, format_checker=_formats)


def _uri_format(value: str) -> bool:
    return _URI.fullmatch(value) is not None


def _date_time_format(value: str) -> bool:
    try:
        return _is_date_time(value)
    except ValueError:
        return False


@cache
def _compiled_event(event_type: str) -> Any:
    """Return the compiled check of one event of ``event_type``: the common constraints and its
    type's own, without the dispatch on type that would make every other type's branch fail first."""
    schema = event_schema()
    own = next(
        branch["then"]
        for branch in schema["allOf"]
        if branch["if"]["properties"]["type"]["const"] == event_type
    )
    flat = {k: v for k, v in schema.items() if k != "allOf"} | {"allOf": [own]}
    return fastjsonschema.compile(flat, formats={"uri": _uri_format, "date-time": _date_time_format})


@cache
def _compiled_header() -> Any:
    schema = copy.deepcopy(document_schema())
    schema["properties"]["epcisBody"]["properties"]["eventList"] = {
        "type": "array",
        "items": {"type": "object"},
    }
    return fastjsonschema.compile(schema, formats={"uri": _uri_format, "date-time": _date_time_format})


def _passes(kind: str, data: Any) -> bool:
    """Return whether ``data`` passes the compiled checks (about fifty times faster than the validator
    that lists reasons, which then runs only on what fails here)."""
    try:
        events = [data] if kind == "event" else _compiled_header()(data)["epcisBody"]["eventList"]
        for event in events:
            if not isinstance(event, dict) or event.get("type") not in RECORDED_TYPES:
                return False
            _compiled_event(event["type"])(event)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _findings(kind: str, data: Any, *, require_context: bool) -> list[str]:
    found = []
    if require_context and isinstance(data, dict) and "@context" not in data:
        found.append("(root): '@context' is a required property")
    if _passes(kind, data):
        return found
    errors = sorted(_validator(kind).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{where}: {_message(error)}")
        if len(found) >= MAX_FINDINGS:
            break
    return found


def _message(error: Any) -> str:
    # An anyOf over alternatives says little; the deepest reason of its best alternative says more.
    if error.validator in {"anyOf", "allOf"} and error.context:
        best = max(error.context, key=lambda e: len(list(e.absolute_path)))
        return str(best.message)
    return str(error.message)


def validate_document(data: Any) -> list[str]:
    """Return what is wrong with ``data`` as an EPCISDocument of recordable events; empty when right."""
    return _findings("document", data, require_context=False)


def validate_event(data: Any) -> list[str]:
    """Return what is wrong with ``data`` as one EPCIS event sent on its own (which needs its own
    ``@context``); empty when right."""
    return _findings("event", data, require_context=True)
