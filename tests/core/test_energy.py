"""Counter deltas, energy from power, step signals and attribution on systems worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from keten.core import energy
from keten.core.energy import DOWN, IDLE, RUNNING, SETUP


def test_a_gap_in_the_readings_loses_no_energy() -> None:
    # 100 -> 101 -> (connection lost for an hour) -> 109: the last delta covers the gap
    d = energy.counter_deltas(np.array([100.0, 101.0, 109.0]))
    assert d.delta_kwh.tolist() == [0.0, 1.0, 8.0]
    assert not d.reset.any() and not d.rollover.any()


def test_a_restart_resumes_from_the_last_stored_reading() -> None:
    d = energy.counter_deltas(np.array([103.5, 104.0]), previous_kwh=101.0)
    assert d.delta_kwh.tolist() == [2.5, 0.5]


def test_jitter_within_tolerance_is_no_energy_and_no_reset() -> None:
    d = energy.counter_deltas(np.array([50.0, 49.995, 50.5]), reset_tolerance_kwh=0.01)
    assert d.delta_kwh == pytest.approx([0.0, 0.0, 0.505])
    assert not d.reset.any()


def test_a_reset_counts_the_new_reading() -> None:
    # the meter was replaced at 500 kWh and reads 3 kWh at the next sample
    d = energy.counter_deltas(np.array([498.0, 500.0, 3.0, 4.0]), reset_tolerance_kwh=0.01)
    assert d.delta_kwh.tolist() == [0.0, 2.0, 3.0, 1.0]
    assert d.reset.tolist() == [False, False, True, False]


def test_a_rollover_counts_what_was_left_to_the_maximum() -> None:
    # a 1000 kWh counter: 998 -> 2 is 2 kWh to the top and 2 after it
    d = energy.counter_deltas(np.array([998.0, 2.0]), previous_kwh=997.0, max_kwh=1000.0)
    assert d.delta_kwh.tolist() == [1.0, 4.0]
    assert d.rollover.tolist() == [False, True] and not d.reset.any()
    # a drop from the middle of the range is a reset even when the maximum is known
    mid = energy.counter_deltas(np.array([400.0, 5.0]), max_kwh=1000.0)
    assert mid.reset.tolist() == [False, True] and mid.delta_kwh.tolist() == [0.0, 5.0]


def test_power_to_energy_by_trapezoid_skipping_long_gaps() -> None:
    t = np.array([0.0, 1800.0, 3600.0, 10800.0])
    p = np.array([2.0, 4.0, 4.0, 4.0])
    # 0.5 h at mean 3 kW = 1.5 kWh, 0.5 h at 4 kW = 2 kWh, then a 2 h gap counted as nothing
    assert energy.power_to_energy(t, p, max_gap_s=3600.0).tolist() == [0.0, 1.5, 2.0, 0.0]


def test_step_at_carries_the_last_value_forward() -> None:
    got = energy.step_at(np.array([10.0, 20.0]), np.array([3, 7]), np.array([5.0, 10.0, 15.0, 25.0]))
    assert got.tolist() == [-1, 3, 3, 7]


def test_attribution_by_rule() -> None:
    # intervals:  setup(no order)  run A  idle A  run B  down B  setup(none, nothing runs after)
    kwh = np.array([1.0, 4.0, 2.0, 6.0, 3.0, 5.0])
    secs = np.array([60.0, 100.0, 60.0, 300.0, 60.0, 60.0])
    state = np.array([SETUP, RUNNING, IDLE, RUNNING, DOWN, SETUP])
    order = np.array([-1, 0, 0, 1, 1, -1])
    rules: dict[int, energy.ShareRule] = {SETUP: "next", IDLE: "runtime", DOWN: "current"}
    a = energy.attribute(kwh, secs, state, order, 2, rules=rules)
    # setup before A goes to A; idle 2 kWh by runtime 100:300 -> 0.5 / 1.5; down stays with B;
    # the last setup has no following order and is unattributed
    assert a.by_state_kwh.tolist() == [[4.0, 0.5, 0.0, 1.0], [6.0, 1.5, 3.0, 0.0]]
    assert a.unattributed_kwh.tolist() == [0.0, 0.0, 0.0, 5.0]
    assert a.order_kwh.sum() + a.unattributed_kwh.sum() == pytest.approx(kwh.sum())


def test_attribution_by_output_and_to_none() -> None:
    kwh = np.array([4.0, 4.0, 2.0])
    state = np.array([RUNNING, RUNNING, IDLE])
    order = np.array([0, 1, -1])
    secs = np.ones(3)
    by_output = energy.attribute(
        kwh, secs, state, order, 2, rules={IDLE: "output"}, good_units=np.array([30.0, 10.0])
    )
    assert by_output.by_state_kwh[:, IDLE].tolist() == [1.5, 0.5]
    overhead = energy.attribute(kwh, secs, state, order, 2, rules={IDLE: "none"})
    assert overhead.unattributed_kwh.tolist() == [0.0, 2.0, 0.0, 0.0]
