"""From a source's raw value to a reading in keten's units: JSON paths, state maps, units, times.

A value that cannot be read raises :class:`Malformed`, whose message says what and where; the
source logs it and goes on with the next message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keten.connector.config import STATES, ConnectorConfig, Signal, unit_factor
from keten.connector.recording import Reading

__all__ = ["Binding", "Malformed", "bindings_by", "from_json", "reading"]

TEXT_SIGNALS = ("order_id", "part_number")


class Malformed(ValueError):
    """A payload or value that does not hold what the connector file says it does."""


@dataclass(frozen=True)
class Binding:
    """One configured signal: the equipment and signal it feeds and how its value is read."""

    equipment: str
    key: str
    signal: Signal
    factor: float


def bindings_by(config: ConnectorConfig, source: str, attribute: str) -> dict[str, list[Binding]]:
    """Return the signals carried by ``source``, grouped by their ``attribute`` (topic or node)."""
    out: dict[str, list[Binding]] = {}
    for item in config.equipment:
        if item.source != source:
            continue
        for key, signal in item.signals.items():
            address = getattr(signal, attribute)
            if address:
                out.setdefault(address, []).append(
                    Binding(item.id, key, signal, unit_factor(key, signal.unit))
                )
    return out


def _at_path(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise Malformed(f"no {path!r} in the payload")
    return node


def _time_ms(value: Any) -> int:
    if isinstance(value, bool):
        raise Malformed(f"a time, not {value!r}")
    if isinstance(value, int | float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    raise Malformed(f"a time (ISO 8601 or epoch milliseconds), not {value!r}")


def reading(binding: Binding, value: Any, ts_ms: int) -> Reading:
    """Return the reading of ``value`` for ``binding``; :class:`Malformed` when it cannot be one."""
    if binding.key in TEXT_SIGNALS:
        if value is None or isinstance(value, dict | list):
            raise Malformed(f"{binding.key} must be a text or number, not {value!r}")
        return Reading(binding.equipment, binding.key, ts_ms, text=str(value)[:100])
    if binding.key == "state":
        mapped = (binding.signal.map or {}).get(str(value))
        if mapped is None:
            raise Malformed(f"state value {value!r} is not in the map")
        return Reading(binding.equipment, "state", ts_ms, value=float(STATES.index(mapped)))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Malformed(f"{binding.key} must be a number, not {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise Malformed(f"{binding.key} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise Malformed(f"{binding.key} must be a finite number, not {value!r}")
    return Reading(binding.equipment, binding.key, ts_ms, value=number * binding.factor)


def from_json(bindings: list[Binding], payload: bytes, arrived_ms: int) -> Iterator[Reading | Malformed]:
    """Yield the reading of each binding in a JSON payload, or the :class:`Malformed` it raised."""
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield Malformed(f"not JSON: {exc}")
        return
    for binding in bindings:
        try:
            value = _at_path(document, binding.signal.path)
            stamp = binding.signal.timestamp_path
            ts_ms = _time_ms(_at_path(document, stamp)) if stamp else arrived_ms
            yield reading(binding, value, ts_ms)
        except Malformed as exc:
            yield Malformed(f"{binding.equipment}.{binding.key}: {exc}")
