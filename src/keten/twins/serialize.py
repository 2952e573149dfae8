"""The JSON forms the AAS API answers with (IDTA 01002 Part 2): the normal serialization (basyx),
value-only (``$value``), metadata (``$metadata``), references (``$reference``), idShort paths
(``$path``), ``level=core``, and descriptors for the registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from basyx.aas import model
from basyx.aas.adapter.json import AASToJsonEncoder

__all__ = [
    "element_at",
    "elements",
    "metadata",
    "paths",
    "plain",
    "reference",
    "value_only",
]


def plain(obj: object) -> Any:
    """Return ``obj`` (a basyx object or a list of them) in the AAS JSON serialization."""
    return json.loads(json.dumps(obj, cls=AASToJsonEncoder))


def _primitive(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _value(element: model.SubmodelElement) -> Any:
    if isinstance(element, model.Property):
        return _primitive(element.value)
    if isinstance(element, model.MultiLanguageProperty):
        return [{lang: text} for lang, text in (element.value or {}).items()]
    if isinstance(element, model.Range):
        return {"min": _primitive(element.min), "max": _primitive(element.max)}
    if isinstance(element, model.File | model.Blob):
        out: dict[str, Any] = {"contentType": element.content_type}
        if element.value is not None:
            out["value"] = (
                element.value if isinstance(element, model.File) else element.value.decode("latin-1")
            )
        return out
    if isinstance(element, model.ReferenceElement):
        return plain(element.value) if element.value is not None else None
    if isinstance(element, model.RelationshipElement):
        return {"first": plain(element.first), "second": plain(element.second)}
    if isinstance(element, model.SubmodelElementCollection):
        return {str(e.id_short): _value(e) for e in element.value}
    if isinstance(element, model.SubmodelElementList):
        return [_value(e) for e in element.value]
    if isinstance(element, model.Entity):
        entity: dict[str, Any] = {
            "statements": {str(e.id_short): _value(e) for e in element.statement},
            "entityType": "SelfManagedEntity"
            if element.entity_type == model.EntityType.SELF_MANAGED_ENTITY
            else "CoManagedEntity",
        }
        if element.global_asset_id:
            entity["globalAssetId"] = element.global_asset_id
        return entity
    return None


def value_only(obj: model.Submodel | model.SubmodelElement) -> dict[str, Any]:
    """Return the value-only serialization of a submodel (its elements by idShort) or of one element
    (``{idShort: value}``)."""
    if isinstance(obj, model.Submodel):
        return {str(e.id_short): _value(e) for e in obj.submodel_element}
    return {str(obj.id_short): _value(obj)}


_VALUE_KEYS = (
    "value",
    "valueId",
    "statements",
    "submodelElements",
    "first",
    "second",
    "annotations",
    "min",
    "max",
)


def metadata(obj: model.Submodel | model.SubmodelElement) -> dict[str, Any]:
    """Return ``obj`` without its values (``$metadata``)."""
    out: dict[str, Any] = plain(obj)
    for key in _VALUE_KEYS:
        out.pop(key, None)
    if isinstance(obj, model.Entity):
        out.pop("globalAssetId", None)
        out.pop("specificAssetIds", None)
    return out


def _children(obj: model.Submodel | model.SubmodelElement) -> list[model.SubmodelElement]:
    if isinstance(obj, model.Submodel):
        return list(obj.submodel_element)
    if isinstance(obj, model.SubmodelElementCollection | model.SubmodelElementList):
        return list(obj.value)
    if isinstance(obj, model.Entity):
        return list(obj.statement)
    return []


def core(serialized: dict[str, Any]) -> dict[str, Any]:
    """Return a serialized submodel or element with its children's children left out (``level=core``)."""
    for key in ("submodelElements", "value", "statements"):
        children = serialized.get(key)
        if isinstance(children, list):
            for child in children:
                if isinstance(child, dict):
                    for inner in ("value", "statements"):
                        if (
                            isinstance(child.get(inner), list)
                            and child.get("modelType") != "MultiLanguageProperty"
                        ):
                            child.pop(inner)
    return serialized


def elements(submodel: model.Submodel) -> list[model.SubmodelElement]:
    """Return the top-level elements of ``submodel`` in order."""
    return list(submodel.submodel_element)


def _walk(obj: model.Submodel | model.SubmodelElement, prefix: str) -> Iterator[str]:
    for i, child in enumerate(_children(obj)):
        if isinstance(obj, model.SubmodelElementList):
            path = f"{prefix}[{i}]"
        else:
            path = f"{prefix}.{child.id_short}" if prefix else str(child.id_short)
        yield path
        yield from _walk(child, path)


def paths(obj: model.Submodel | model.SubmodelElement, *, own: str = "", deep: bool = True) -> list[str]:
    """Return the idShortPath of ``obj`` (when an element) and of every element below it."""
    found = [own] if own else []
    for path in _walk(obj, own):
        if deep or path.count(".") + path.count("[") <= own.count(".") + own.count("[") + 1:
            found.append(path)
    return found


def element_at(submodel: model.Submodel, path: str) -> model.SubmodelElement | None:
    """Return the element at idShortPath ``path`` (``A.B``, ``List[0]``) of ``submodel``, or None."""
    current: model.Submodel | model.SubmodelElement = submodel
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if not name:
            return None
        found = next((c for c in _children(current) if c.id_short == name), None)
        if found is None:
            return None
        current = found
        while rest:
            index, _, rest = rest.partition("]")
            rest = rest.removeprefix("[")
            if not isinstance(current, model.SubmodelElementList) or not index.isdigit():
                return None
            items = list(current.value)
            if int(index) >= len(items):
                return None
            current = items[int(index)]
    return current if isinstance(current, model.SubmodelElement) else None


def reference(submodel_id: str, path: str = "") -> dict[str, Any]:
    """Return the model reference (JSON) of a submodel or of the element at ``path`` in it."""
    keys = [{"type": "Submodel", "value": submodel_id}]
    return {"type": "ModelReference", "keys": keys + _path_keys(path)}


def _path_keys(path: str) -> list[dict[str, str]]:
    return [
        {"type": "SubmodelElement", "value": p}
        for p in path.replace("[", ".").replace("]", "").split(".")
        if p
    ]
