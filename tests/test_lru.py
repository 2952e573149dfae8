"""keten.lru: a map bounded in bytes in which what is read again outlasts what is read once."""

from __future__ import annotations

import pytest

from keten.lru import SegmentedLru


def test_it_holds_at_most_its_bytes_and_drops_the_least_recently_used_first_read_first() -> None:
    store: SegmentedLru[str] = SegmentedLru(1000)
    for i in range(12):
        store.put(i, f"v{i}", 100)
    stats = store.stats()
    assert stats.bytes == 1000 and stats.entries == 10 and stats.evicted == 2 and stats.kept == 12
    assert store.get(0) is None and store.get(1) is None and store.get(2) == "v2"
    assert store.stats().hits == 1 and store.stats().misses == 2


def test_an_entry_read_again_outlasts_any_number_of_entries_read_once() -> None:
    store: SegmentedLru[str] = SegmentedLru(1000)
    store.put("hot", "kept", 100)
    assert store.get("hot") == "kept"
    for i in range(100):
        store.put(i, "once", 100)
    assert store.get("hot") == "kept"
    assert store.stats().protected_entries == 1 and store.stats().bytes <= 1000


def test_a_full_protected_segment_sends_its_oldest_back_to_probation_not_out() -> None:
    store: SegmentedLru[int] = SegmentedLru(1000, protected_share=0.5)
    for i in range(6):
        store.put(i, i, 100)
        assert store.get(i) == i
    # 0 went back to probation when 5 was read again; it is still there and comes back on a read.
    stats = store.stats()
    assert stats.protected_entries == 5 and stats.entries == 6 and stats.evicted == 0
    assert store.get(0) == 0
    store.put("new", -1, 100)
    assert store.stats().bytes == 700


def test_an_entry_over_a_quarter_of_the_store_is_not_kept_and_a_bad_bound_is_refused() -> None:
    store: SegmentedLru[str] = SegmentedLru(1000)
    store.put("big", "x", 251)
    assert store.get("big") is None and store.stats().too_large == 1
    store.put("a", "x", 100)
    store.put("a", "y", 200)  # put again: replaced, counted once in the bytes
    assert store.get("a") == "y" and store.stats().bytes == 200
    store.clear()
    assert store.stats().entries == 0 and store.stats().bytes == 0
    with pytest.raises(ValueError, match="max_bytes"):
        SegmentedLru(0)
