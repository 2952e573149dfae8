"""A product (a part with a BOM) as an Asset Administration Shell: the shell keten's passports export
(nameplate, carbon footprint, handover documentation, DPP metadata) as the owner sees it, with the
part's BOM one level down as its Hierarchical Structures submodel."""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, unquote

import numpy as np
from basyx.aas import model
from sqlalchemy.orm import Session

from keten.catalog import service as catalog
from keten.passports import aas_export

__all__ = ["environment", "part_numbers", "part_of_shell", "part_of_submodel", "shell_id"]

_SHELL = "urn:keten:aas:"
_SUBMODEL = "urn:keten:submodel:"
_KINDS = ("nameplate", "carbon-footprint", "bom", "regulatory", "handover", "dpp")


def part_numbers(session: Session) -> list[str]:
    """Return the part number of every part with a BOM, sorted."""
    arrays = catalog.load_bom_graph(session)
    parents = np.unique(arrays.graph.edge_parent)
    return sorted(arrays.part_numbers[int(p)] for p in parents)


def shell_id(part_number: str) -> str:
    """Return the id of the product shell of ``part_number`` (as the passport export names it)."""
    return f"{_SHELL}{quote(part_number, safe='')}"


def part_of_shell(aas_id: str) -> str | None:
    """Return the part number a product shell id names, or None when it names no product shell."""
    if not aas_id.startswith(_SHELL) or aas_id.startswith(f"{_SHELL}equipment:"):
        return None
    key = aas_id[len(_SHELL) :]
    return unquote(key) if key and ":" not in key else None


def part_of_submodel(sm_id: str) -> str | None:
    """Return the part number a product submodel id names, or None."""
    if not sm_id.startswith(_SUBMODEL):
        return None
    kind, _, key = sm_id[len(_SUBMODEL) :].partition(":")
    return unquote(key) if kind in _KINDS and key and ":" not in key else None


def environment(
    session: Session, *, part_number: str
) -> tuple[model.AssetAdministrationShell, list[model.Submodel]]:
    """Return the shell of product ``part_number`` and its submodels."""
    content = aas_export.product_content(session, part_number=part_number, tier="owner")
    lines = catalog.bom_children(session, part_number=part_number)
    children = tuple(
        aas_export.Child(part_number=line.child, name=line.name, quantity=float(line.quantity))
        for line in lines
    )
    content = dataclasses.replace(content, as_built=children or content.as_built)
    store, _files, _summary = aas_export.build_environment(content)
    shell = next(obj for obj in store if isinstance(obj, model.AssetAdministrationShell))
    submodels = [obj for obj in store if isinstance(obj, model.Submodel)]
    return shell, submodels
