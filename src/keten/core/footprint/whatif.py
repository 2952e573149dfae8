"""What-if: the footprint before and after one change of the inputs, and the changes that can be made."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from keten.core.errors import CoreError
from keten.core.footprint.inputs import (
    BoolArray,
    FloatArray,
    FootprintInputs,
    Stage,
    SupplierPcfs,
    UsePhase,
    _ints,
)
from keten.core.footprint.model import FootprintModel, FootprintResult, _check_index, prepare
from keten.core.footprint.rollup import footprint


@dataclass(frozen=True)
class WhatIf:
    """A footprint before and after one change, and the difference (after − before)."""

    before: FootprintResult
    after: FootprintResult

    @property
    def delta_kg_co2e(self) -> float:
        """Return the change of the total."""
        return self.after.total_kg_co2e - self.before.total_kg_co2e

    @property
    def delta_by_stage(self) -> FloatArray:
        """Return the change by stage, shape (S,)."""
        return self.after.by_stage - self.before.by_stage

    @property
    def delta_by_part(self) -> FloatArray:
        """Return the change of each part's contribution, shape (n,)."""
        return self.after.by_part - self.before.by_part


def what_if(
    model: FootprintModel,
    changed: FootprintInputs | Callable[[FootprintInputs], FootprintInputs],
    root: int,
    *,
    quantity: float = 1.0,
    use: UsePhase | None = None,
    use_after: UsePhase | None = None,
) -> WhatIf:
    """Return the footprint of ``root`` under ``model`` and under ``changed`` inputs.

    ``changed`` is either the changed inputs or a change to apply to the model's, one of the
    ``with_*`` functions of this module bound to its arguments, e.g.
    ``what_if(model, lambda i: with_material(i, steel, aluminium), root)``. ``use_after`` replaces
    the use phase in the second (default: the same as ``use``). Nothing is modified.
    """
    if callable(changed):
        changed = changed(model.inputs)
    before = footprint(model, root, quantity=quantity, use=use)
    after_model = model if changed is model.inputs else prepare(changed)
    after = footprint(after_model, root, quantity=quantity, use=use_after if use_after is not None else use)
    return WhatIf(before, after)


def _part_mask(n: int, parts: Sequence[int] | None) -> BoolArray:
    if parts is None:
        return np.ones(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    mask[_ints(list(parts))] = True
    return mask


def with_factor_value(
    inputs: FootprintInputs, factor: int, *, fossil_kg_co2e: float, biogenic_kg_co2e: float = 0.0
) -> FootprintInputs:
    """Return the inputs with one factor's value replaced (e.g. a site's electricity contract)."""
    f = inputs.factors
    _check_index("factor", _ints([factor]), len(f.codes))
    fossil, biogenic = f.fossil_kg_co2e.copy(), f.biogenic_kg_co2e.copy()
    fossil[factor], biogenic[factor] = fossil_kg_co2e, biogenic_kg_co2e
    return dataclasses.replace(
        inputs, factors=dataclasses.replace(f, fossil_kg_co2e=fossil, biogenic_kg_co2e=biogenic)
    )


def with_activity_factor(
    inputs: FootprintInputs,
    old_factor: int,
    new_factor: int,
    *,
    parts: Sequence[int] | None = None,
    stage: Stage | None = None,
) -> FootprintInputs:
    """Return the inputs with activity rows moved from one factor to another.

    Limited to ``parts`` and ``stage`` when given: a site's electricity switched to another
    supply, a part's transport to another mode.
    """
    act = inputs.activities
    _check_index("factor", _ints([old_factor, new_factor]), len(inputs.factors.codes))
    rows = (act.factor == old_factor) & _part_mask(inputs.graph.n, parts)[act.part]
    if stage is not None:
        rows &= act.stage == int(stage)
    return dataclasses.replace(
        inputs, activities=dataclasses.replace(act, factor=np.where(rows, new_factor, act.factor))
    )


def with_material(
    inputs: FootprintInputs, old_material: int, new_material: int, *, parts: Sequence[int] | None = None
) -> FootprintInputs:
    """Return the inputs with one material replaced by another, in ``parts`` or everywhere."""
    comp = inputs.composition
    _check_index("material", _ints([old_material, new_material]), len(inputs.materials.codes))
    rows = (comp.material == old_material) & _part_mask(inputs.graph.n, parts)[comp.part]
    return dataclasses.replace(
        inputs, composition=dataclasses.replace(comp, material=np.where(rows, new_material, comp.material))
    )


def with_recycled_share(
    inputs: FootprintInputs, part: int, material: int, recycled_share: float
) -> FootprintInputs:
    """Return the inputs with the recycled share of one material in one part replaced."""
    comp = inputs.composition
    rows = (comp.part == part) & (comp.material == material)
    if not rows.any():
        raise CoreError(f"{inputs.label(part)} contains no material {material}")
    share = np.where(rows, recycled_share, comp.recycled_share)
    return dataclasses.replace(inputs, composition=dataclasses.replace(comp, recycled_share=share))


def with_supplier_pcf(
    inputs: FootprintInputs,
    part: int,
    *,
    fossil_kg_co2e: float | None,
    biogenic_kg_co2e: float = 0.0,
    primary_data_share: float = 1.0,
    quality: float = 2.0,
) -> FootprintInputs:
    """Return the inputs with a part's supplier PCF replaced, added, or removed (``None``).

    This is the core of switching supplier: the new supplier's PCF, or none and the part's own
    rows count again.
    """
    pcfs = inputs.pcfs
    keep = pcfs.part != part
    arrays = [pcfs.part[keep], pcfs.fossil_kg_co2e[keep], pcfs.biogenic_kg_co2e[keep]]
    arrays += [pcfs.primary_data_share[keep], pcfs.quality[keep]]
    if fossil_kg_co2e is not None:
        extra = (part, fossil_kg_co2e, biogenic_kg_co2e, primary_data_share, quality)
        arrays = [np.append(a, v) for a, v in zip(arrays, extra, strict=True)]
    new = SupplierPcfs.of(
        arrays[0], arrays[1], biogenic_kg_co2e=arrays[2], primary_data_share=arrays[3], quality=arrays[4]
    )
    return dataclasses.replace(inputs, pcfs=new)
