"""Critical raw materials per product: which products contain them, through which parts, and at what
risk."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from keten.core import risk
from keten.problems import Problem
from keten.resilience.concentration import _sources
from keten.resilience.crm import _crm
from keten.resilience.network import load
from keten.resilience.survival import critical_nodes


def products(session: Session) -> list[dict[str, Any]]:
    """Return the products with their weekly demand, revenue per unit and whether demand was estimated."""
    network = load(session)
    net = network.net
    return [
        {
            "part_number": network.part_numbers[int(p)],
            "name": network.part_names[int(p)],
            "demand_per_week": float(net.demand[j]),
            "demand_estimated": bool(network.demand_estimated[j]),
            "revenue_per_unit_eur": float(net.revenue[j]),
        }
        for j, p in enumerate(net.products.tolist())
    ]


def product_risk(session: Session, *, weeks: float | None = None) -> list[dict[str, Any]]:
    """Return per product what a board asks first: its revenue per week, how many single suppliers,
    countries and materials stop it when they fail (each for its time to recover, or ``weeks``), and
    the one that costs the most."""
    rows = products(session)
    critical, _ = critical_nodes(session, weeks=weeks, limit=100_000)
    for row in rows:
        stopping = [c for c in critical if row["part_number"] in c["products_stopped"]]
        worst = stopping[0] if stopping else None  # ranked by revenue at risk
        row["revenue_per_week_eur"] = row["demand_per_week"] * row["revenue_per_unit_eur"]
        row["nodes_stopping"] = len(stopping)
        row["worst_node"] = None if worst is None else {k: worst[k] for k in ("node", "kind", "code", "name")}
        row["worst_revenue_at_risk_eur"] = 0.0 if worst is None else worst["revenue_at_risk_eur"]
    return rows


def crm_of_product(
    session: Session, *, part_number: str, all_materials: bool = False, via_limit: int | None = None
) -> dict[str, Any]:
    """Return the critical raw materials in one unit of a product (kg), through which parts and suppliers.

    ``via_limit`` keeps the heaviest parts of each material (``via_count`` says how many there are):
    a 100,000-part product carries a material through tens of thousands of parts.
    """
    network = load(session)
    net = network.net
    root = network.position(part_number)
    slot = int(net.product_slot[root])
    if slot < 0:
        raise Problem(404, "Not Found", f"'{part_number}' is not a product (kind product)")
    content = network.cache("content", lambda: risk.material_content(net))
    crm = _crm()
    rows = np.flatnonzero(content.via_product == slot)
    materials: list[dict[str, Any]] = []
    for k in np.flatnonzero(content.kg[slot] > 0).tolist():
        entry = crm.materials.get(network.material_crm[k] or "")
        if entry is None and not all_materials:
            continue
        via = rows[content.via_material[rows] == k]
        via = via[np.argsort(-content.via_kg[via], kind="stable")]
        via_count = int(via.size)
        if via_limit is not None:
            via = via[:via_limit]
        stages = network.material_stage_shares[k]
        materials.append(
            {
                "code": network.material_codes[k],
                "name": network.material_names[k],
                "crm": entry.code if entry else None,
                "crm_name": entry.name if entry else None,
                "strategic": bool(entry and entry.strategic),
                "supply_risk": entry.supply_risk if entry else None,
                "kg_per_unit": float(content.kg[slot, k]),
                "via_count": via_count,
                "world_supply": {
                    stage: [{"country": c, "share": s} for c, s in sorted(sh.items(), key=lambda kv: -kv[1])]
                    for stage, sh in stages.items()
                },
                "via": [
                    {
                        "part_number": network.part_numbers[int(content.via_part[r])],
                        "name": network.part_names[int(content.via_part[r])],
                        "kg_per_unit": float(content.via_kg[r]),
                        "sources": _sources(network, int(content.via_part[r])),
                    }
                    for r in via.tolist()
                ],
            }
        )
    materials.sort(key=lambda m: (not m["strategic"], m["crm"] is None, -m["kg_per_unit"]))
    return {
        "part_number": part_number,
        "name": network.part_names[root],
        "fingerprint": network.fingerprint,
        "materials": materials,
    }
