"""Circularity figures: the Material Circularity Indicator of the Ellen MacArthur Foundation (MCI,
methodology of 2015 revised 2019) with its utility factor, recycled content in, recoverable content
out, the harvest value of returned machines, and a company's resource efficiency year by year.

Functions over arrays, one entry per material (or module, or year); no database, no units library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from keten.core.errors import CircularityInputError

__all__ = [
    "Harvest",
    "Mci",
    "ResourceEfficiency",
    "harvest",
    "material_circularity",
    "recycled_content",
    "resource_efficiency",
    "utility_factor",
]

FloatArray = NDArray[np.float64]


def _shares(name: str, values: FloatArray, n: int) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (n,):
        raise CircularityInputError(f"{name} has shape {array.shape}; expected ({n},), one per material")
    if np.any(~np.isfinite(array)) or np.any(array < 0) or np.any(array > 1):
        raise CircularityInputError(f"{name} must hold shares between 0 and 1")
    return array


def utility_factor(
    lifetime_years: float, average_lifetime_years: float, uses: float = 1.0, average_uses: float = 1.0
) -> float:
    """Return F(X) = 0.9 / X, with utility X = (L / L_av) · (U / U_av): a product that lasts or is
    used longer than the industry average scores higher."""
    if min(lifetime_years, average_lifetime_years, uses, average_uses) <= 0:
        raise CircularityInputError("lifetimes and intensities of use must be positive")
    x = (lifetime_years / average_lifetime_years) * (uses / average_uses)
    return 0.9 / x


@dataclass(frozen=True)
class Mci:
    """The MCI of one product and its terms (masses in kg for one unit)."""

    mass_kg: float
    virgin_kg: float
    """V = M (1 − F_R − F_U)."""
    waste_kg: float
    """W = W_0 + (W_F + W_C) / 2."""
    linear_flow_index: float
    utility: float
    """F(X)."""
    mci: float


def material_circularity(
    mass_kg: FloatArray,
    *,
    recycled_share: FloatArray,
    reused_share: FloatArray,
    collected_for_recycling: FloatArray,
    collected_for_reuse: FloatArray,
    recycling_efficiency: FloatArray,
    feedstock_efficiency: FloatArray,
    utility: float,
) -> Mci:
    """Return the MCI of a product from its materials, each array of shape (n_materials,).

    Per material: F_R, F_U the recycled and reused shares of its input; C_R, C_U the shares
    collected for recycling and for reuse after use; E_C the efficiency of recycling what is
    collected; E_F the efficiency of the process that made its recycled feedstock. ``utility`` is
    F(X) (see utility_factor). MCI = max(0, 1 − LFI · F(X)), LFI = (V + W) / (2M + (W_F − W_C) / 2).
    """
    m = np.asarray(mass_kg, dtype=np.float64)
    n = m.shape[0] if m.ndim == 1 else -1
    if n < 1 or np.any(~np.isfinite(m)) or np.any(m < 0) or m.sum() <= 0:
        raise CircularityInputError("mass_kg must hold one non-negative mass per material, summing above 0")
    f_r, f_u = _shares("recycled_share", recycled_share, n), _shares("reused_share", reused_share, n)
    c_r, c_u = (
        _shares("collected_for_recycling", collected_for_recycling, n),
        _shares("collected_for_reuse", collected_for_reuse, n),
    )
    e_c, e_f = (
        _shares("recycling_efficiency", recycling_efficiency, n),
        _shares("feedstock_efficiency", feedstock_efficiency, n),
    )
    if np.any(f_r + f_u > 1 + 1e-12) or np.any(c_r + c_u > 1 + 1e-12):
        raise CircularityInputError(
            "recycled plus reused input, and collected for recycling plus reuse, exceed 1"
        )
    if np.any((f_r > 0) & (e_f <= 0)):
        raise CircularityInputError("a material with recycled input needs a feedstock efficiency above 0")
    total = float(m.sum())
    virgin = float(np.sum(m * (1 - f_r - f_u)))
    w0 = float(np.sum(m * (1 - c_r - c_u)))
    wc = float(np.sum(m * (1 - e_c) * c_r))
    wf = float(np.sum(np.divide(m * (1 - e_f) * f_r, e_f, out=np.zeros_like(m), where=e_f > 0)))
    waste = w0 + (wf + wc) / 2
    lfi = (virgin + waste) / (2 * total + (wf - wc) / 2)
    return Mci(
        mass_kg=total,
        virgin_kg=virgin,
        waste_kg=waste,
        linear_flow_index=lfi,
        utility=utility,
        mci=max(0.0, 1 - lfi * utility),
    )


def recycled_content(mass_kg: FloatArray, recycled_share: FloatArray) -> float:
    """Return the mass-weighted recycled share of the input (0 when there is no mass)."""
    m = np.asarray(mass_kg, dtype=np.float64)
    total = float(m.sum())
    return (
        float(np.sum(m * _shares("recycled_share", recycled_share, m.shape[0])) / total) if total > 0 else 0.0
    )


@dataclass(frozen=True)
class Harvest:
    """What returned machines give back: modules to reuse, their value, mass to recycle, and the
    footprint a new machine avoids by using the harvested modules."""

    reused_modules: int
    value_eur: float
    """Sum over reused modules of their price new × their residual value share."""
    value_share_of_new: float
    recycled_kg: float
    avoided_kg_co2e: float


def harvest(
    reusable: NDArray[np.bool_],
    new_price_eur: FloatArray,
    residual_value_share: FloatArray,
    mass_kg: FloatArray,
    cradle_to_gate_kg_co2e: FloatArray,
) -> Harvest:
    """Return the harvest of returned modules, each array of shape (n_modules,).

    A reusable module is worth its new price times its residual value share; the rest goes to
    recycling by mass. By the cut-off rule the footprint engine applies, a reused module enters its
    second life free of its first production's burden, so using it instead of a new one avoids
    that module's cradle-to-gate footprint.
    """
    keep = np.asarray(reusable, dtype=bool)
    n = keep.shape[0]
    price = np.asarray(new_price_eur, dtype=np.float64)
    share = _shares("residual_value_share", residual_value_share, n)
    mass = np.asarray(mass_kg, dtype=np.float64)
    footprint = np.asarray(cradle_to_gate_kg_co2e, dtype=np.float64)
    if price.shape != (n,) or mass.shape != (n,) or footprint.shape != (n,):
        raise CircularityInputError("every module array must have one entry per module")
    value = float(np.sum(price * share, where=keep))
    new_total = float(np.sum(price, where=keep))
    return Harvest(
        reused_modules=int(keep.sum()),
        value_eur=value,
        value_share_of_new=value / new_total if new_total > 0 else 0.0,
        recycled_kg=float(np.sum(mass, where=~keep)),
        avoided_kg_co2e=float(np.sum(footprint, where=keep)),
    )


@dataclass(frozen=True)
class ResourceEfficiency:
    """A company's circularity per year, arrays of shape (n_years,)."""

    circular_input_share: FloatArray
    """Share of material input that is recycled or reused."""
    recovered_output_share: FloatArray
    """Share of material output (returned, scrapped) that is reused or recycled."""
    resource_efficiency: FloatArray
    """The mean of the two: the circularity figure of the 2040 monitor (1 is fully circular)."""


def resource_efficiency(
    input_kg: FloatArray,
    circular_input_kg: FloatArray,
    output_kg: FloatArray,
    recovered_output_kg: FloatArray,
) -> ResourceEfficiency:
    """Return the resource efficiency per year from the year's masses, each of shape (n_years,);
    a year without input (or output) counts its share as 0."""
    arrays = [
        np.asarray(a, dtype=np.float64) for a in (input_kg, circular_input_kg, output_kg, recovered_output_kg)
    ]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise CircularityInputError("the yearly masses must be four arrays of the same length")
    total_in, circular_in, total_out, recovered_out = arrays
    if np.any(circular_in > total_in + 1e-9) or np.any(recovered_out > total_out + 1e-9):
        raise CircularityInputError("a circular part cannot exceed its total")
    share_in = np.divide(circular_in, total_in, out=np.zeros_like(total_in), where=total_in > 0)
    share_out = np.divide(recovered_out, total_out, out=np.zeros_like(total_out), where=total_out > 0)
    return ResourceEfficiency(
        circular_input_share=share_in,
        recovered_output_share=share_out,
        resource_efficiency=(share_in + share_out) / 2,
    )
