"""Product carbon footprints over a bill of materials: roll-up, contributions, what-if, Monte Carlo.

The package's public face; each concept is a module of its own: :mod:`.inputs`, :mod:`.model`
(preparation), :mod:`.rollup`, :mod:`.uncertainty` and :mod:`.whatif`.

The model
---------
Parts 0..n-1 form a BOM (:class:`keten.core.bom.BomGraph`). Emissions enter a part through rows of
*activity*: an amount per unit of the part (kg of a material, kWh at a site, tonne-km by road,
kg of SF6 released, one supplier PCF) times one emission factor (kg CO2e per unit of activity),
assigned to a life-cycle :class:`Stage`. A part's *direct* emissions are the sum of its own rows;
its *contribution* to a root is its direct emissions times its total quantity in the root (the
explosion), so the total of a root is one explosion and a dot product, and the per-part
contributions are the contribution tree.

Materials are weighted by their recycled share: ``mass × (primary factor × (1 − r) + secondary
factor × r)``. A part whose supplier PCF is held (primary data) takes that PCF in place of its own
cradle-to-gate rows and of everything below it: its children are not counted again. Its inbound
transport stays (the supplier's gate is not ours), and use and end-of-life rows are never cut,
since they happen after our gate whoever made the part.

Use phase (energy per year × lifetime × grid factor of the installed base, optionally following a
projected decarbonisation path year by year) and end of life are stages of their own. Fossil and
biogenic emissions are kept apart throughout; the total is their sum.

A factor without a value is never a silent zero: :class:`MissingFactorError` lists every part and
what it lacks, unless the factor set declares a fallback for that factor.

Uncertainty: the total is linear in the factors, so Monte Carlo samples one lognormal multiplier
per distinct factor (not per part) and multiplies a precomputed (factors × stages) loading matrix,
in chunks of iterations that bound memory. The spread of a factor comes from its data quality
rating (1 best … 5 worst, see :data:`QUALITY_GSD`) unless it states its own.
"""

from __future__ import annotations

from keten.core.footprint.inputs import (
    GATE_STAGES,
    N_STAGES,
    QUALITY_GSD,
    STAGE_NAMES,
    Activities,
    Composition,
    Factors,
    FootprintInputs,
    GridPath,
    Materials,
    MissingFactorError,
    Stage,
    SupplierPcfs,
    UsePhase,
    gsd_for_quality,
)
from keten.core.footprint.model import FootprintModel, FootprintResult, prepare
from keten.core.footprint.rollup import (
    DQR_THRESHOLD,
    DataQuality,
    Hotspot,
    data_quality,
    footprint,
    footprints_per_unit,
    hotspots,
)
from keten.core.footprint.uncertainty import FactorLoadings, Uncertainty, factor_loadings, monte_carlo
from keten.core.footprint.whatif import (
    WhatIf,
    what_if,
    with_activity_factor,
    with_factor_value,
    with_material,
    with_recycled_share,
    with_supplier_pcf,
)

__all__ = [
    "DQR_THRESHOLD",
    "GATE_STAGES",
    "N_STAGES",
    "QUALITY_GSD",
    "STAGE_NAMES",
    "Activities",
    "Composition",
    "DataQuality",
    "FactorLoadings",
    "Factors",
    "FootprintInputs",
    "FootprintModel",
    "FootprintResult",
    "GridPath",
    "Hotspot",
    "Materials",
    "MissingFactorError",
    "Stage",
    "SupplierPcfs",
    "Uncertainty",
    "UsePhase",
    "WhatIf",
    "data_quality",
    "factor_loadings",
    "footprint",
    "footprints_per_unit",
    "gsd_for_quality",
    "hotspots",
    "monte_carlo",
    "prepare",
    "what_if",
    "with_activity_factor",
    "with_factor_value",
    "with_material",
    "with_recycled_share",
    "with_supplier_pcf",
]
