"""The connector's public face: what the API, the pages and the commands call.

The concepts live beside it: config (the YAML file), samples (storage), recording (batches and
counters), decoding (payloads to readings), and the sources (mqtt, opcua).
"""

from __future__ import annotations

from keten.connector.attribution import (
    DEFAULT_RULES,
    attribute_period,
    feed_footprints,
    list_oee,
    list_part_energy,
)
from keten.connector.config import ConnectorConfig, load, parse
from keten.connector.live import (
    LiveSignal,
    LiveValue,
    app_results,
    live_value,
    live_values,
    recent,
    write_app_result,
)
from keten.connector.recording import Reading, Recorder
from keten.connector.samples import Series, find_equipment, get_equipment, series, store, sync_equipment
from keten.connector.status import events, list_equipment, sources

__all__ = [
    "DEFAULT_RULES",
    "ConnectorConfig",
    "LiveSignal",
    "LiveValue",
    "Reading",
    "Recorder",
    "Series",
    "app_results",
    "attribute_period",
    "events",
    "feed_footprints",
    "find_equipment",
    "get_equipment",
    "list_equipment",
    "list_oee",
    "list_part_energy",
    "live_value",
    "live_values",
    "load",
    "parse",
    "recent",
    "series",
    "sources",
    "store",
    "sync_equipment",
    "write_app_result",
]
