"""OEE on a shift worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from keten.core import oee
from keten.core.energy import DOWN, IDLE, RUNNING, SETUP


def test_state_seconds_within_the_period() -> None:
    t = np.array([-100.0, 600.0, 3000.0, 3300.0])
    state = np.array([SETUP, RUNNING, DOWN, IDLE])
    # the setup began before the period: only its part from 0 counts; the idle runs to the end
    assert oee.state_seconds(t, state, 0.0, 3600.0).tolist() == [2400.0, 300.0, 300.0, 600.0]


def test_oee_of_a_shift() -> None:
    # 8 h planned, 6 h running, ideal cycle 60 s, 300 good + 20 scrap
    seconds = np.array([6 * 3600.0, 1 * 3600.0, 0.5 * 3600.0, 0.5 * 3600.0])
    r = oee.oee(seconds, good=300.0, scrap=20.0, ideal_time_s=60.0 * 320)
    assert r.availability == pytest.approx(0.75)
    assert r.performance == pytest.approx(320 * 60 / (6 * 3600))
    assert r.quality == pytest.approx(300 / 320)
    assert r.oee == pytest.approx(0.75 * (320 * 60 / 21600) * (300 / 320))
    assert r.good_per_hour == pytest.approx(300 / 8)


def test_without_an_ideal_cycle_performance_is_unknown() -> None:
    r = oee.oee(np.array([100.0, 0.0, 0.0, 0.0]), good=1.0, scrap=0.0, ideal_time_s=None)
    assert math.isnan(r.performance) and math.isnan(r.oee) and r.availability == 1.0
