"""Opening an uploaded AASX package safely: its size, the size of what it unpacks to, and a refusal in
words for every way it can be broken (no ZIP, no OPC package, no AASX, an AAS part that is not JSON
or XML, or not the AAS metamodel), before the AAS reader sees it.

An AASX is an OPC package (ISO/IEC 29500-2, a ZIP archive with ``[Content_Types].xml``) whose
``aasx-origin`` relationship leads to the parts holding the AAS environment (relationship type
``aas-spec``), in JSON or XML (IDTA 01005, AAS Part 5).
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from basyx.aas import model
from basyx.aas.adapter import aasx

from keten.problems import Problem

__all__ = ["AasxLimits", "check_size", "read_package", "refusal"]

Store = model.DictIdentifiableStore[model.Identifiable]
_MIB = 1024 * 1024
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_ENVIRONMENT_LISTS = ("assetAdministrationShells", "submodels", "conceptDescriptions")


@dataclass(frozen=True)
class AasxLimits:
    """How large an AASX package may be (bytes), and what it may unpack to, per member and in all."""

    max_bytes: int = 50 * _MIB
    max_member_bytes: int = 50 * _MIB
    max_unpacked_bytes: int = 200 * _MIB

    @classmethod
    def of(cls, settings: Any) -> AasxLimits:
        """Return the limits a node's settings set (KETEN_AASX_MAX_BYTES and its siblings)."""
        return cls(settings.aasx_max_bytes, settings.aasx_max_member_bytes, settings.aasx_max_unpacked_bytes)


def _kind(value: Any) -> str:
    """Return what a JSON value is, in words."""
    kinds = {dict: "an object", list: "a list", str: "a text", bool: "true or false", type(None): "null"}
    return kinds.get(type(value), "a number")


def refusal(name: str, where: str, message: str, status: int = 422) -> Problem:
    """Return the problem that refuses package ``name``, naming where in it and what is wrong."""
    title = "Content Too Large" if status == 413 else "Unprocessable Content"
    return Problem(
        status,
        title,
        f"{name}: {where}: {message}",
        errors=[{"file": name, "element": where, "message": message}],
    )


def _too_large(name: str, where: str, size: int, limit: int, setting: str, what: str) -> Problem:
    return refusal(
        name,
        where,
        f"{what} {size:,} bytes, more than the {limit:,} bytes an AASX import allows (setting {setting})",
        status=413,
    )


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """Return (type, target part) of the relationships of ``part`` ("" for the package itself)."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{base}.rels")
    if rels not in archive.namelist():
        return []
    try:
        root = ElementTree.fromstring(archive.read(rels))
    except ElementTree.ParseError as exc:
        raise refusal(archive.filename or "AASX", rels, f"is not well-formed XML ({exc})") from None
    found = []
    for element in root.iter(_RELATIONSHIP):
        target = element.get("Target", "")
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        found.append((element.get("Type", ""), posixpath.normpath(resolved)))
    return found


def _spec_parts(name: str, archive: zipfile.ZipFile) -> list[str]:
    """Return the parts holding the AAS environment, found through the aasx-origin relationship."""
    members = set(archive.namelist())
    if "[Content_Types].xml" not in members:
        raise refusal(name, "package", "has no [Content_Types].xml: it is a ZIP archive, but no OPC package")
    origins = [t for kind, t in _relationships(archive, "") if kind.endswith("/aasx-origin")]
    if not origins:
        raise refusal(name, "_rels/.rels", "names no aasx-origin part: it is an OPC package, but no AASX")
    specs = [t for kind, t in _relationships(archive, origins[0]) if kind.endswith("/aas-spec")]
    if not specs:
        raise refusal(name, origins[0], "names no part holding the AAS environment (relationship aas-spec)")
    for spec in specs:
        if spec not in members:
            raise refusal(name, spec, "is named as the AAS environment, but the package does not hold it")
    return specs


def _check_json(name: str, part: str, data: bytes) -> None:
    try:
        environment = json.loads(data)
    except UnicodeDecodeError:
        raise refusal(name, part, "is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise refusal(
            name, part, f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(environment, dict):
        raise refusal(name, part, f"holds {_kind(environment)}, not the object of an AAS environment")
    for key in _ENVIRONMENT_LISTS:
        value = environment.get(key, [])
        if not isinstance(value, list):
            raise refusal(name, f"{part}/{key}", f"is {_kind(value)}, not a list")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise refusal(name, f"{part}/{key}[{index}]", f"is {_kind(item)}, not an object")


def _check_parts(name: str, archive: zipfile.ZipFile, limits: AasxLimits) -> list[str]:
    total = 0
    for info in archive.infolist():
        if info.file_size > limits.max_member_bytes:
            member = f"member {info.filename}"
            raise _too_large(
                name,
                member,
                info.file_size,
                limits.max_member_bytes,
                "KETEN_AASX_MAX_MEMBER_BYTES",
                "unpacks to",
            )
        total += info.file_size
    if total > limits.max_unpacked_bytes:
        raise _too_large(
            name, "package", total, limits.max_unpacked_bytes, "KETEN_AASX_MAX_UNPACKED_BYTES", "unpacks to"
        )
    specs = _spec_parts(name, archive)
    for spec in specs:
        try:
            data = archive.read(spec)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise refusal(name, spec, f"cannot be unpacked: {exc}") from None
        if spec.lower().endswith(".json"):
            _check_json(name, spec, data)
        else:
            try:
                ElementTree.fromstring(data)
            except ElementTree.ParseError as exc:
                raise refusal(name, spec, f"is not well-formed XML ({exc})") from None
    return specs


def check_size(name: str, size: int, limits: AasxLimits, *, read_whole: bool = True) -> None:
    """Refuse (413) a package of ``size`` bytes when it is larger than ``limits`` allow.

    Without ``read_whole`` the size is how much was read before stopping, not the file's own.
    """
    if size > limits.max_bytes and read_whole:
        raise _too_large(name, "file", size, limits.max_bytes, "KETEN_AASX_MAX_BYTES", "is")
    if size > limits.max_bytes:
        allowed = f"{limits.max_bytes:,} bytes an AASX import allows (setting KETEN_AASX_MAX_BYTES)"
        raise refusal(name, "file", f"is larger than the {allowed}", status=413)


_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")


def read_package(data: bytes, name: str, limits: AasxLimits) -> tuple[Store, list[str]]:
    """Return the AAS objects of package bytes ``data`` (file ``name``) and its supplementary files.

    Refuses, naming the file and the part, a package larger than ``limits`` allow (413) or broken
    in any way (422).
    """
    check_size(name, len(data), limits)
    if not data:
        raise refusal(name, "file", "is empty; an AASX package is a ZIP archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            specs = _check_parts(name, archive, limits)
    except zipfile.BadZipFile:
        raise refusal(name, "file", "is not a ZIP archive, so not an AASX package") from None
    store: Store = model.DictIdentifiableStore()
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    try:
        with aasx.AASXReader(io.BytesIO(data), failsafe=False) as reader:
            reader.read_into(store, files)
    except Exception as exc:
        # What is left is the AAS reader's verdict on the content: say which part, in its words.
        words = _OBJECT_REPR.sub("the package", str(exc)).strip() or type(exc).__name__
        raise refusal(
            name, ", ".join(specs), f"does not follow the AAS metamodel 3.0: {words[:500]}"
        ) from None
    return store, sorted(files)
