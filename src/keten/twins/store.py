"""Where the twins come from: every shell and submodel id keten serves, and the basyx object behind
each, built from the database when it is asked for (the live values are read at that moment)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from basyx.aas import model
from sqlalchemy.orm import Session

from keten.connector import service as connector
from keten.problems import Problem
from keten.twins import equipment, products

__all__ = ["SubmodelSummary", "Twin", "list_shells", "live_element", "shell", "submodel", "submodel_ids"]

_EQ_SHELL = "urn:keten:aas:equipment:"
_EQ_SUBMODEL = "urn:keten:submodel:equipment:"


@dataclass(frozen=True)
class SubmodelSummary:
    """What a registry says of a submodel without reading it: its id, idShort and semantic id."""

    id: str
    id_short: str
    semantic_id: str | None


@dataclass(frozen=True)
class Twin:
    """One shell with its submodels' summaries; ``equipment`` or ``part_number`` says whose it is."""

    shell: model.AssetAdministrationShell
    submodels: tuple[SubmodelSummary, ...]
    equipment: str | None = None
    part_number: str | None = None

    @property
    def submodel_ids(self) -> tuple[str, ...]:
        """Return the ids of the twin's submodels."""
        return tuple(s.id for s in self.submodels)


def _not_found(what: str, ident: str) -> Problem:
    return Problem(404, "Not Found", f"no {what} with id {ident!r}")


def _equipment_twin(row: object) -> Twin:
    key = getattr(row, "key")  # noqa: B009
    summaries = tuple(
        SubmodelSummary(equipment.submodel_id(key, k), *equipment.SUMMARY[k]) for k in equipment.KINDS
    )
    return Twin(equipment.shell(row), summaries, equipment=key)


def _product_twin(session: Session, part_number: str) -> Twin | None:
    try:
        shell_, submodels = products.environment(session, part_number=part_number)
    except Problem:
        # A part whose passport cannot be made (no economic operator yet) has no twin.
        return None
    summaries = tuple(
        SubmodelSummary(str(s.id), str(s.id_short), _semantic(s.semantic_id)) for s in submodels
    )
    return Twin(shell_, summaries, part_number=part_number)


def _semantic(reference: model.Reference | None) -> str | None:
    return str(reference.key[0].value) if reference is not None and reference.key else None


def list_shells(session: Session, *, start: int, limit: int) -> tuple[list[Twin], int | None]:
    """Return the twins from position ``start`` (equipment by key, then products by part number), at
    most ``limit``, and the position of the next page (None after the last)."""
    rows = connector.list_equipment(session)
    parts = products.part_numbers(session)
    keys: list[tuple[str, object]] = [("equipment", r) for r in rows] + [("product", p) for p in parts]
    out: list[Twin] = []
    position = start
    while position < len(keys) and len(out) < limit:
        kind, item = keys[position]
        position += 1
        if kind == "equipment":
            out.append(_equipment_twin(item))
        else:
            twin = _product_twin(session, str(item))
            if twin is not None:
                out.append(twin)
    return out, position if position < len(keys) else None


def shell(session: Session, aas_id: str) -> Twin:
    """Return the twin whose shell has id ``aas_id``; 404 when there is none."""
    if aas_id.startswith(_EQ_SHELL):
        key = unquote(aas_id[len(_EQ_SHELL) :])
        row = connector.find_equipment(session, key=key)
        if row is not None and equipment.shell_id(key) == aas_id:
            return _equipment_twin(row)
    part = products.part_of_shell(aas_id)
    if part is not None and products.shell_id(part) == aas_id and part in products.part_numbers(session):
        twin = _product_twin(session, part)
        if twin is not None:
            return twin
    raise _not_found("shell", aas_id)


def submodel(session: Session, sm_id: str, *, base_url: str) -> model.Submodel:
    """Return the submodel with id ``sm_id``; 404 when there is none."""
    if sm_id.startswith(_EQ_SUBMODEL):
        key, _, kind = sm_id[len(_EQ_SUBMODEL) :].rpartition(":")
        row = connector.find_equipment(session, key=unquote(key))
        if row is not None and kind in equipment.KINDS and equipment.submodel_id(row.key, kind) == sm_id:
            return equipment.submodel(session, row, kind, base_url=base_url)
    part = products.part_of_submodel(sm_id)
    if part is not None and part in products.part_numbers(session):
        try:
            _shell, submodels = products.environment(session, part_number=part)
        except Problem:
            submodels = []
        for found in submodels:
            if found.id == sm_id:
                return found
    raise _not_found("submodel", sm_id)


def live_element(session: Session, sm_id: str, path: str) -> model.Property | None:
    """Return the live value at ``path`` of the operational data ``sm_id`` (``Power``, ``State``, ...)
    read with one query and without building the submodel; None when ``sm_id`` and ``path`` name
    anything else, or nothing (``submodel`` then answers, or says what is missing)."""
    signal = equipment.LIVE_SIGNAL.get(path)
    if signal is None or not sm_id.startswith(_EQ_SUBMODEL):
        return None
    key, _, kind = sm_id[len(_EQ_SUBMODEL) :].rpartition(":")
    key = unquote(key)
    if kind != "operational-data" or equipment.submodel_id(key, kind) != sm_id:
        return None
    found = connector.live_value(session, key=key, signal=signal)
    if found is None or not found.configured:
        return None
    return equipment.live_property(signal, found.last)


def submodel_ids(session: Session) -> list[str]:
    """Return the id of every submodel keten serves, equipment first."""
    ids = [
        equipment.submodel_id(r.key, k) for r in connector.list_equipment(session) for k in equipment.KINDS
    ]
    for part in products.part_numbers(session):
        twin = _product_twin(session, part)
        if twin is not None:
            ids.extend(twin.submodel_ids)
    return ids
