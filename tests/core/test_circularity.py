"""Circularity figures on systems small enough to compute on paper."""

from __future__ import annotations

import numpy as np
import pytest

from keten.core.circularity import (
    harvest,
    material_circularity,
    recycled_content,
    resource_efficiency,
    utility_factor,
)
from keten.core.errors import CircularityInputError


def _mci(mass: list[float], **shares: list[float]) -> float:
    n = len(mass)
    values = {
        k: np.array(shares.get(k, [0.0] * n))
        for k in ("recycled_share", "reused_share", "collected_for_recycling", "collected_for_reuse")
    }
    efficiency = {
        k: np.array(shares.get(k, [1.0] * n)) for k in ("recycling_efficiency", "feedstock_efficiency")
    }
    utility = shares.get("utility", [0.9])[0]
    return material_circularity(np.array(mass), **values, **efficiency, utility=utility).mci


def test_a_fully_linear_product_of_average_utility_scores_0_1() -> None:
    # V = M, W = W_0 = M, LFI = 2M / 2M = 1, MCI = 1 − 1 × 0.9 = 0.1
    assert _mci([2.0]) == pytest.approx(0.1)


def test_a_fully_circular_product_scores_1() -> None:
    assert _mci([2.0], recycled_share=[1.0], collected_for_recycling=[1.0]) == pytest.approx(1.0)


def test_half_recycled_in_and_half_collected_with_lossy_recycling_by_hand() -> None:
    # M = 1, F_R = 0.5, E_F = 0.8, C_R = 0.5, E_C = 0.6
    # V = 0.5; W_0 = 0.5; W_C = 1 × 0.4 × 0.5 = 0.2; W_F = 1 × 0.2 × 0.5 / 0.8 = 0.125
    # W = 0.5 + (0.125 + 0.2) / 2 = 0.6625; LFI = (0.5 + 0.6625) / (2 + (0.125 − 0.2) / 2) = 1.1625 / 1.9625
    expected = 1 - (1.1625 / 1.9625) * 0.9
    found = _mci(
        [1.0],
        recycled_share=[0.5],
        feedstock_efficiency=[0.8],
        collected_for_recycling=[0.5],
        recycling_efficiency=[0.6],
    )
    assert found == pytest.approx(expected)


def test_the_utility_factor_rewards_a_longer_life_and_the_mci_never_drops_below_0() -> None:
    assert utility_factor(20, 10) == pytest.approx(0.45)
    assert utility_factor(10, 10, uses=2, average_uses=1) == pytest.approx(0.45)
    assert _mci([1.0], utility=[utility_factor(20, 10)]) == pytest.approx(0.55)
    assert _mci([1.0], utility=[utility_factor(1, 10)]) == 0.0
    with pytest.raises(CircularityInputError):
        utility_factor(0, 10)


def test_materials_add_up_by_mass() -> None:
    # Steel 3 kg fully recycled in and out, plastic 1 kg linear:
    # V = 1, W = 1, LFI = 2 / 8, MCI = 1 − 0.25 × 0.9
    found = _mci([3.0, 1.0], recycled_share=[1.0, 0.0], collected_for_recycling=[1.0, 0.0])
    assert found == pytest.approx(1 - 0.25 * 0.9)
    assert recycled_content(np.array([3.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(0.75)


def test_wrong_inputs_are_named() -> None:
    with pytest.raises(CircularityInputError, match="recycled_share"):
        _mci([1.0], recycled_share=[1.5])
    with pytest.raises(CircularityInputError, match="exceed"):
        _mci([1.0], recycled_share=[0.6], reused_share=[0.6])
    with pytest.raises(CircularityInputError, match="mass_kg"):
        _mci([0.0])


def test_harvest_of_returned_modules_by_hand() -> None:
    # Two reusable modules (1,000 € new at 60 %, 500 € at 40 %), one scrapped of 30 kg.
    found = harvest(
        np.array([True, True, False]),
        np.array([1000.0, 500.0, 200.0]),
        np.array([0.6, 0.4, 0.0]),
        np.array([10.0, 5.0, 30.0]),
        np.array([120.0, 40.0, 90.0]),
    )
    assert found.reused_modules == 2
    assert found.value_eur == pytest.approx(800.0)
    assert found.value_share_of_new == pytest.approx(800 / 1500)
    assert found.recycled_kg == pytest.approx(30.0)
    assert found.avoided_kg_co2e == pytest.approx(160.0)


def test_resource_efficiency_per_year() -> None:
    found = resource_efficiency(
        np.array([100.0, 200.0, 0.0]),
        np.array([20.0, 100.0, 0.0]),
        np.array([50.0, 0.0, 10.0]),
        np.array([25.0, 0.0, 10.0]),
    )
    assert found.circular_input_share.tolist() == pytest.approx([0.2, 0.5, 0.0])
    assert found.recovered_output_share.tolist() == pytest.approx([0.5, 0.0, 1.0])
    assert found.resource_efficiency.tolist() == pytest.approx([0.35, 0.25, 0.5])
    with pytest.raises(CircularityInputError):
        resource_efficiency(np.array([1.0]), np.array([2.0]), np.array([1.0]), np.array([0.0]))
