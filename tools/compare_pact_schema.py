"""Compare keten's PACT schema with a published PACT OpenAPI file, constraint by constraint.

    .venv/bin/python tools/compare_pact_schema.py OPENAPI.yaml data/pact/product-footprint-v3.schema.json

Both sides are resolved (``$ref``, ``allOf``) into one tree of the ProductFootprint; every
property path is then compared on the constraints that decide whether a document validates
(type, required, pattern, enum, const, format, minItems, maxItems, uniqueItems, minLength,
minimum, maximum, exclusive bounds, and the number of ``oneOf``/``anyOf`` branches). Each
difference is printed on a line; the exit status is 1 if there is one. The published file is
read where it lies and is not kept in keten.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

CHECKED = (
    "type",
    "pattern",
    "enum",
    "const",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
)


def _pointer(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for step in ref.removeprefix("#/").split("/"):
        node = node[step.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(root: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Return ``node`` with every ``$ref`` replaced and every ``allOf`` merged into one schema."""
    if depth > 40:
        raise RecursionError("schema too deep (a cycle of $ref?)")
    if isinstance(node, list):
        return [resolve(root, item, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = resolve(root, _pointer(root, node.pop("$ref")), depth + 1)
        node = {**target, **node}
    merged: dict[str, Any] = {}
    for part in node.pop("allOf", []):
        _merge(merged, resolve(root, part, depth + 1))
    _merge(merged, {k: resolve(root, v, depth + 1) for k, v in node.items()})
    return merged


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if key == "properties":
            into.setdefault("properties", {}).update(value)
        elif key == "required":
            into["required"] = sorted(set(into.get("required", [])) | set(value))
        else:
            into[key] = value


def _type(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = sorted(k for k in kind if k != "null")
        return kinds[0] if len(kinds) == 1 else kinds
    return kind


# OpenAPI formats that JSON Schema validators (and the conformance service) do not check.
ANNOTATIONS = {"int32", "int64", "float", "double", "decimal", "urn", "byte", "binary", "password"}


def _facts(schema: dict[str, Any]) -> dict[str, Any]:
    facts = {key: schema[key] for key in CHECKED if key in schema}
    if facts.get("format") in ANNOTATIONS:
        facts.pop("format")
    if "type" in facts:
        facts["type"] = _type(schema)
    if "enum" in facts:
        facts["enum"] = sorted(map(str, facts["enum"]))
    if schema.get("uniqueItems") is False:
        facts.pop("uniqueItems")
    facts["required"] = sorted(schema.get("required", []))
    for branch in ("oneOf", "anyOf"):
        if branch in schema:
            facts[branch] = len(schema[branch])
    return facts


def compare(published: dict[str, Any], ours: dict[str, Any], path: str = "") -> list[str]:
    """Return one line per constraint on which the two resolved schemas differ."""
    lines = []
    theirs_facts, our_facts = _facts(published), _facts(ours)
    for key in sorted(set(theirs_facts) | set(our_facts)):
        left, right = theirs_facts.get(key), our_facts.get(key)
        if left != right and not (key == "required" and not left and not right):
            lines.append(f"{path or '/'}: {key} published={left!r} keten={right!r}")
    theirs_props = published.get("properties", {})
    our_props = ours.get("properties", {})
    for name in sorted(set(theirs_props) | set(our_props)):
        where = f"{path}/{name}"
        if name not in our_props:
            lines.append(f"{where}: missing in keten")
        elif name not in theirs_props:
            lines.append(f"{where}: not in the published schema")
        else:
            lines.extend(compare(theirs_props[name], our_props[name], where))
    if isinstance(published.get("items"), dict) and isinstance(ours.get("items"), dict):
        lines.extend(compare(published["items"], ours["items"], f"{path}[]"))
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    spec = yaml.safe_load(Path(argv[1]).read_text(encoding="utf-8"))
    published = resolve(spec, spec["components"]["schemas"]["ProductFootprint"])
    document = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    ours = resolve(document, document)
    lines = compare(published, ours)
    print("\n".join(lines) if lines else "no difference")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
