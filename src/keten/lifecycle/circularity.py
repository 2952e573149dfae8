"""A product's circularity: its materials (from the passport it has or would have) through the
Material Circularity Indicator of keten.core.circularity, under stated end-of-use assumptions."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from keten.core import circularity as core
from keten.core.errors import CircularityInputError
from keten.lifecycle.schemas import CircularityAssumptions, MaterialCircularityRead, ProductCircularityRead
from keten.passports import service as passports
from keten.problems import Problem

__all__ = ["product_circularity"]


def product_circularity(
    session: Session, *, part_number: str, assumptions: CircularityAssumptions, resolver: str
) -> ProductCircularityRead:
    """Return the recycled content, recoverable mass and MCI of one unit of ``part_number``."""
    content, _ = passports.product_view(session, part_number=part_number, tier="owner", resolver=resolver)
    materials = [
        MaterialCircularityRead(
            code=m["code"], family=m["family"], mass_kg=m["massKg"], recycled_share=m["recycledShare"]
        )
        for m in (content.get("composition") or {}).get("materials", [])
    ]
    if not materials or sum(m.mass_kg for m in materials) <= 0:
        raise Problem(422, "No composition", f"{part_number} has no materials in its BOM; the MCI needs them")
    lifetime = (content.get("circularity") or {}).get("expectedLifetimeYears")
    average = assumptions.average_lifetime_years or lifetime
    mass = np.array([m.mass_kg for m in materials])
    n = len(materials)
    try:
        utility = core.utility_factor(lifetime, average) if lifetime and average else 0.9
        found = core.material_circularity(
            mass,
            recycled_share=np.array([m.recycled_share for m in materials]),
            reused_share=np.zeros(n),
            collected_for_recycling=np.full(n, assumptions.collected_for_recycling),
            collected_for_reuse=np.full(n, assumptions.collected_for_reuse),
            recycling_efficiency=np.full(n, assumptions.recycling_efficiency),
            feedstock_efficiency=np.full(n, assumptions.feedstock_efficiency),
            utility=utility,
        )
    except CircularityInputError as exc:
        raise Problem(422, "Circularity not computable", str(exc)) from None
    collected = assumptions.collected_for_recycling + assumptions.collected_for_reuse
    return ProductCircularityRead(
        part_number=part_number,
        mass_kg=found.mass_kg,
        recycled_content_share=core.recycled_content(mass, np.array([m.recycled_share for m in materials])),
        recoverable_kg=found.mass_kg * min(collected, 1.0),
        lifetime_years=lifetime,
        utility_factor=found.utility,
        linear_flow_index=found.linear_flow_index,
        mci=found.mci,
        assumptions=assumptions,
        materials=materials,
    )
