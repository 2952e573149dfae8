"""The p-chart and the idle baseline on numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from keten.core import control


def test_a_p_chart_takes_its_center_from_the_baseline_and_flags_a_subgroup_above_its_limit() -> None:
    scrap = np.array([1.0, 2.0, 1.0, 8.0, 0.0])
    made = np.array([20.0, 20.0, 20.0, 20.0, 0.0])
    chart = control.p_chart(scrap, made, baseline=3)
    # 4 scrapped of 60 made: center 1/15; upper limit 1/15 + 3 sqrt((1/15)(14/15)/20) = 0.2340
    assert chart.center == pytest.approx(1 / 15)
    assert chart.upper[3] == pytest.approx(1 / 15 + 3 * math.sqrt((1 / 15) * (14 / 15) / 20))
    assert chart.lower[0] == 0.0
    assert chart.above.tolist() == [False, False, False, True, False]
    assert math.isnan(chart.p[4])
    with pytest.raises(ValueError, match="baseline"):
        control.p_chart(scrap, made, baseline=6)


def test_idle_power_above_the_baseline_for_a_run_of_readings_is_an_anomaly() -> None:
    assert control.idle_baseline(np.array([5.0, 5.2, 4.8, 30.0])) == pytest.approx(5.1)
    readings = np.array([5.0, 6.5, 6.6, 5.9, 6.5, 6.7, 6.8])
    flags = control.idle_anomalies(readings, baseline_kw=5.0, tolerance=0.2, min_excess_kw=0.5, run=2)
    # above 6.0 kW (20 %) and 0.5 kW over: 6.5, 6.6 | 5.9 breaks the run | 6.5, 6.7, 6.8
    assert flags.tolist() == [False, False, True, False, False, True, True]
    with pytest.raises(ValueError, match="idle reading"):
        control.idle_baseline(np.array([]))
