"""Sparkplug B payloads (Eclipse Sparkplug 3.0): the topic namespace, the protobuf Payload and its
metrics, and the aliases a node's or device's birth certificate gives its metrics.

The Payload message is described here from the published field numbers (only what a metric's value
needs) and built with protobuf's descriptor API, so no generated code is shipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from keten.connector.decoding import Binding, Malformed, reading
from keten.connector.recording import Reading

__all__ = ["Devices", "Payload", "birth_filter", "encode", "readings"]

NAMESPACE = "spBv1.0"
_F = descriptor_pb2.FieldDescriptorProto

# (name, number, type, label) of the fields keten reads; the value fields form the oneof "value".
_METRIC_FIELDS = [
    ("name", 1, _F.TYPE_STRING),
    ("alias", 2, _F.TYPE_UINT64),
    ("timestamp", 3, _F.TYPE_UINT64),
    ("datatype", 4, _F.TYPE_UINT32),
    ("is_historical", 5, _F.TYPE_BOOL),
    ("is_transient", 6, _F.TYPE_BOOL),
    ("is_null", 7, _F.TYPE_BOOL),
]
_VALUE_FIELDS = [
    ("int_value", 10, _F.TYPE_UINT32),
    ("long_value", 11, _F.TYPE_UINT64),
    ("float_value", 12, _F.TYPE_FLOAT),
    ("double_value", 13, _F.TYPE_DOUBLE),
    ("boolean_value", 14, _F.TYPE_BOOL),
    ("string_value", 15, _F.TYPE_STRING),
]
_SIGNED = {1: 8, 2: 16, 3: 32, 4: 64}
"""Sparkplug's signed integer datatypes (Int8..Int64) and their width: sent as unsigned two's complement."""


def _build() -> Any:
    file = descriptor_pb2.FileDescriptorProto(
        name="keten_sparkplug_b.proto", package="keten.sparkplug_b", syntax="proto2"
    )
    payload = file.message_type.add(name="Payload")
    metric = payload.nested_type.add(name="Metric")
    metric.oneof_decl.add(name="value")
    for name, number, kind in _METRIC_FIELDS:
        metric.field.add(name=name, number=number, type=kind, label=_F.LABEL_OPTIONAL)
    for name, number, kind in _VALUE_FIELDS:
        metric.field.add(name=name, number=number, type=kind, label=_F.LABEL_OPTIONAL, oneof_index=0)
    payload.field.add(name="timestamp", number=1, type=_F.TYPE_UINT64, label=_F.LABEL_OPTIONAL)
    payload.field.add(
        name="metrics",
        number=2,
        type=_F.TYPE_MESSAGE,
        label=_F.LABEL_REPEATED,
        type_name=".keten.sparkplug_b.Payload.Metric",
    )
    payload.field.add(name="seq", number=3, type=_F.TYPE_UINT64, label=_F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("keten.sparkplug_b.Payload"))


Payload = _build()
"""The Sparkplug B Payload message class (timestamp, metrics, seq)."""


def encode(metrics: list[dict[str, Any]], *, timestamp_ms: int, seq: int = 0) -> bytes:
    """Return a Sparkplug B payload holding ``metrics`` (dicts of Metric fields)."""
    message = Payload(timestamp=timestamp_ms, seq=seq)
    for item in metrics:
        message.metrics.add(**item)
    data: bytes = message.SerializeToString()
    return data


@dataclass
class Devices:
    """The metric names by alias of each edge node or device, from their birth certificates."""

    aliases: dict[str, dict[int, str]] = field(default_factory=dict)


def _parts(topic: str) -> list[str] | None:
    parts = topic.split("/")
    if len(parts) not in (4, 5) or parts[0] != NAMESPACE:
        return None
    return parts


def birth_filter(data_topic: str) -> str:
    """Return the birth topic that belongs to a node's or device's data topic."""
    parts = _parts(data_topic)
    if parts is None:
        return data_topic
    parts[2] = parts[2].replace("DATA", "BIRTH")
    return "/".join(parts)


def _value(metric: Any) -> Any:
    which = metric.WhichOneof("value")
    if which is None or metric.is_null:
        raise Malformed(f"metric {metric.name or metric.alias} has no value")
    value = getattr(metric, which)
    width = _SIGNED.get(metric.datatype)
    if width and which in ("int_value", "long_value") and value >= 1 << (width - 1):
        value -= 1 << width
    return value


def readings(
    devices: Devices, topics: dict[str, list[Binding]], topic: str, payload: bytes, arrived_ms: int
) -> Iterator[Reading | Malformed]:
    """Yield the readings in one Sparkplug B message (data or birth), or what was malformed."""
    parts = _parts(topic)
    if parts is None or parts[2] not in ("NBIRTH", "DBIRTH", "NDATA", "DDATA"):
        return
    data_topic = "/".join([*parts[:2], parts[2].replace("BIRTH", "DATA"), *parts[3:]])
    bindings = topics.get(data_topic, [])
    try:
        message = Payload.FromString(payload)
    except DecodeError as exc:
        yield Malformed(f"not a Sparkplug B payload: {exc}")
        return
    aliases = devices.aliases.setdefault(data_topic, {})
    if "BIRTH" in parts[2]:
        aliases.clear()
        aliases.update({m.alias: m.name for m in message.metrics if m.HasField("alias") and m.name})
    by_metric: dict[str, list[Binding]] = {}
    for binding in bindings:
        by_metric.setdefault(binding.signal.metric or "", []).append(binding)
    for metric in message.metrics:
        name = metric.name or aliases.get(metric.alias, "")
        if not name:
            yield Malformed(f"metric alias {metric.alias} without a birth certificate naming it")
            continue
        wanted = by_metric.get(name)
        if not wanted:
            continue
        ts_ms = int(metric.timestamp or message.timestamp or arrived_ms)
        for binding in wanted:
            try:
                yield reading(binding, _value(metric), ts_ms)
            except Malformed as exc:
                yield Malformed(f"{binding.equipment}.{binding.key}: {exc}")
