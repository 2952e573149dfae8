"""The connector's YAML file: sources (OPC UA servers, MQTT brokers) and the equipment whose signals
they carry, validated with messages that name the line of the file."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import pint
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from keten.problems import Problem

__all__ = [
    "SIGNALS",
    "STATES",
    "AppGrant",
    "ConnectorConfig",
    "Equipment",
    "MethodGrant",
    "MqttSource",
    "Nameplate",
    "OpcUaSource",
    "SetpointGrant",
    "Signal",
    "SignalName",
    "load",
    "parse",
    "unit_factor",
]

STATES = ("running", "idle", "down", "setup")
"""The states a machine reports, in the order of their codes (running is 0)."""

SignalName = Literal[
    "power_kw", "energy_kwh", "state", "good_count", "scrap_count", "order_id", "part_number"
]
SIGNALS: tuple[str, ...] = get_args(SignalName)
"""The signals an equipment may have; the first two are numbers in kW and kWh once converted."""

_UNITS: Any = pint.UnitRegistry()
_SIGNAL_UNIT = {"power_kw": "kW", "energy_kwh": "kWh"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpcUaSource(_Strict):
    """An OPC UA server: its endpoint, the security it requires and the user keten signs in as."""

    kind: Literal["opcua"]
    name: str = Field(min_length=1, max_length=100)
    endpoint: str = Field(pattern=r"^opc\.tcp://")
    security_policy: Literal["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"] = (
        "None"
    )
    security_mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    certificate: str | None = None
    private_key: str | None = None
    username: str | None = None
    password_env: str | None = None
    """The environment variable holding the password: the file itself never holds a secret."""
    application_uri: str = "urn:keten:connector"
    """keten's application URI, as in its certificate's subject alternative name."""
    publishing_interval_ms: int = Field(default=500, ge=10, le=60_000)
    reconnect_s: float = Field(default=2.0, gt=0, le=600)


class MqttSource(_Strict):
    """An MQTT broker; ``payload`` says how its messages are read (JSON per topic or Sparkplug B)."""

    kind: Literal["mqtt"]
    name: str = Field(min_length=1, max_length=100)
    host: str = Field(min_length=1)
    port: int = Field(default=1883, ge=1, le=65535)
    client_id: str = Field(min_length=1, max_length=100)
    """Fixed, so that the broker keeps the session (and queues QoS 1 messages) while keten is away."""
    username: str | None = None
    password_env: str | None = None
    qos: Literal[0, 1, 2] = 1
    payload: Literal["json", "sparkplug_b"] = "json"
    reconnect_s: float = Field(default=2.0, gt=0, le=600)


class Signal(_Strict):
    """Where one signal of an equipment comes from and how its value is read."""

    node: str | None = None
    """OPC UA node id, e.g. ``ns=2;s=CNC01.Energy``."""
    topic: str | None = None
    """MQTT topic (for Sparkplug B the device's DDATA topic)."""
    path: str = "value"
    """Dotted path of the value in a JSON payload."""
    timestamp_path: str | None = None
    """Dotted path of the time (ISO 8601 or epoch milliseconds); the arrival time when absent."""
    metric: str | None = None
    """Sparkplug B metric name."""
    unit: str | None = None
    """Unit of the value as sent (``W``, ``kW``, ``Wh``, ``kWh``, ``MWh``); converted through pint."""
    map: dict[str, Literal["running", "idle", "down", "setup"]] | None = None
    """For ``state``: the machine's values (as text) to keten's states."""

    @field_validator("map", mode="before")
    @classmethod
    def _keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value


class Nameplate(_Strict):
    """What the equipment's nameplate says (IDTA Digital Nameplate), as the engineer copies it."""

    manufacturer: str = Field(min_length=1, max_length=200)
    designation: str | None = Field(default=None, max_length=200)
    """The manufacturer's product designation ("5-axis machining centre")."""
    type: str | None = Field(default=None, max_length=100)
    serial_number: str | None = Field(default=None, max_length=100)
    year_of_construction: int | None = Field(default=None, ge=1900, le=2200)
    country_of_origin: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    website: str | None = Field(default=None, max_length=500)
    rated_power_kw: float | None = Field(default=None, gt=0)


EQUIPMENT_KEY = r"^[A-Za-z0-9._-]+$"
"""What an equipment's id may be made of."""


class Equipment(_Strict):
    """A piece of equipment at the site, the source that carries its signals, and the signals."""

    id: str = Field(min_length=1, max_length=100, pattern=EQUIPMENT_KEY)
    name: str | None = None
    source: str
    site: str | None = None
    """Site code; the file's ``site`` when absent."""
    energy_max_kwh: float | None = Field(default=None, gt=0)
    """The value at which the energy counter rolls over to zero, when the meter says."""
    reset_tolerance_kwh: float = Field(default=0.01, ge=0)
    """A counter drop larger than this is a reset (or rollover); a smaller one is meter jitter."""
    ideal_cycle_s: float | None = Field(default=None, gt=0)
    """The ideal time for one part, for the performance part of OEE."""
    nameplate: Nameplate | None = None
    signals: dict[SignalName, Signal]


class SetpointGrant(_Strict):
    """The right to write one OPC UA variable of one equipment, within bounds."""

    equipment: str
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    """What the app calls the setpoint (``feed_rate``)."""
    node: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None


class MethodGrant(_Strict):
    """The right to call one OPC UA method of one equipment."""

    equipment: str
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    object: str = Field(min_length=1)
    """Node id of the object the method belongs to."""
    method: str = Field(min_length=1)


class AppGrant(_Strict):
    """An app the connector runs and what it may do."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    """The app as the audit log and the twins name it (``app:NAME``); unique in the file."""
    app: str | None = Field(default=None, min_length=1, max_length=100)
    """The entry point of the ``keten.apps`` group to run; ``name`` when absent."""
    equipment: list[str] | None = None
    """The equipment whose events it receives; every equipment when absent."""
    results: bool = True
    """Whether it may write results back to the twins of its equipment."""
    setpoints: list[SetpointGrant] = Field(default_factory=list)
    methods: list[MethodGrant] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)


class ConnectorConfig(_Strict):
    """A whole connector file."""

    site: str = Field(min_length=1, max_length=50)
    sources: list[Annotated[OpcUaSource | MqttSource, Field(discriminator="kind")]] = Field(min_length=1)
    equipment: list[Equipment] = Field(min_length=1)
    apps: list[AppGrant] = Field(default_factory=list)
    batch_size: int = Field(default=5000, ge=1, le=1_000_000)
    flush_s: float = Field(default=1.0, gt=0, le=60)

    def source(self, name: str) -> OpcUaSource | MqttSource:
        """Return the source named ``name``."""
        return next(s for s in self.sources if s.name == name)


@dataclass(frozen=True)
class _Located:
    """A YAML document as plain data, with the line (1-based) of each value by its path."""

    data: Any
    lines: dict[tuple[str | int, ...], int]


def _plain(node: yaml.Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are kept as written (``1:`` of a state map is the text "1"), as pydantic names them.
            key = str(key_node.value)
            out[key] = _plain(value_node, (*path, key), lines)
            # A key's error is reported at the key's line, not its (possibly nested) value's.
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _compose(text: str, source: str) -> _Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise Problem(
            422,
            "Unprocessable Content",
            f"{source} is not valid YAML",
            errors=[{"file": source, "line": line, "field": "", "message": str(exc.problem)}],
        ) from None
    if node is None:
        raise Problem(422, "Unprocessable Content", f"{source} is empty")
    lines: dict[tuple[str | int, ...], int] = {}
    return _Located(_plain(node, (), lines), lines)


def _line(lines: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...]) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _yaml_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # pydantic names the member of a tagged union it tried ('opcua', 'mqtt') and marks a bad mapping
    # key with '[key]'; the file has neither.
    return tuple(
        p
        for i, p in enumerate(loc)
        if p != "[key]" and not (i == 2 and loc[0] == "sources" and p in ("opcua", "mqtt"))
    )


def _cross_check(config: ConnectorConfig) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (location, message) for what one model alone cannot see: names, kinds and units."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    names = [s.name for s in config.sources]
    for i, name in enumerate(names):
        if names.index(name) != i:
            found.append((("sources", i, "name"), f"a second source named {name!r}"))
    ids = [e.id for e in config.equipment]
    for i, equipment in enumerate(config.equipment):
        if ids.index(equipment.id) != i:
            found.append((("equipment", i, "id"), f"a second equipment with id {equipment.id!r}"))
        if equipment.source not in names:
            found.append((("equipment", i, "source"), f"no source named {equipment.source!r}"))
            continue
        source = config.source(equipment.source)
        for key, signal in equipment.signals.items():
            found.extend(
                (
                    (("equipment", i, "signals", key, *loc), msg)
                    for loc, msg in _check_signal(key, signal, source)
                )
            )
    found.extend(_check_apps(config))
    return found


def _check_apps(config: ConnectorConfig) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    kinds = {
        e.id: config.source(e.source).kind
        for e in config.equipment
        if e.source in {s.name for s in config.sources}
    }
    names = [a.name for a in config.apps]
    for i, app in enumerate(config.apps):
        if names.index(app.name) != i:
            found.append((("apps", i, "name"), f"a second app named {app.name!r}"))
        for j, key in enumerate(app.equipment or []):
            if key not in kinds:
                found.append((("apps", i, "equipment", j), f"no equipment with id {key!r}"))
        targets = [("setpoints", j, g.equipment) for j, g in enumerate(app.setpoints)]
        targets += [("methods", j, g.equipment) for j, g in enumerate(app.methods)]
        for field_name, j, key in targets:
            where: tuple[str | int, ...] = ("apps", i, field_name, j, "equipment")
            if key not in kinds:
                found.append((where, f"no equipment with id {key!r}"))
            elif kinds[key] != "opcua":
                found.append((where, f"{key} is not on an OPC UA source: nothing to write to"))
    return found


def _check_signal(
    key: str, signal: Signal, source: OpcUaSource | MqttSource
) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    if source.kind == "opcua" and not signal.node:
        found.append(((), f"source {source.name!r} is OPC UA: the signal needs a node"))
    if source.kind == "mqtt" and not signal.topic:
        found.append(((), f"source {source.name!r} is MQTT: the signal needs a topic"))
    if source.kind == "mqtt" and source.payload == "sparkplug_b" and not signal.metric:
        found.append(((), f"source {source.name!r} sends Sparkplug B: the signal needs a metric"))
    if signal.unit is not None:
        wanted = _SIGNAL_UNIT.get(key)
        if wanted is None:
            found.append((("unit",), f"{key} has no unit"))
        else:
            try:
                _UNITS.Quantity(1.0, signal.unit).to(wanted)
            except (pint.errors.PintError, AttributeError, TypeError, ValueError):
                found.append(
                    (
                        ("unit",),
                        f"{signal.unit!r} is not a unit of {'power' if key == 'power_kw' else 'energy'}",
                    )
                )
    if key == "state" and not signal.map:
        found.append(
            (("map",), "a state needs a map from the machine's values to running, idle, down, setup")
        )
    if key != "state" and signal.map:
        found.append((("map",), f"only a state has a map, not {key}"))
    return found


def unit_factor(key: str, unit: str | None) -> float:
    """Return what a value of signal ``key`` sent in ``unit`` is multiplied by to be in kW or kWh."""
    wanted = _SIGNAL_UNIT.get(key)
    if unit is None or wanted is None:
        return 1.0
    factor = float(_UNITS.Quantity(1.0, unit).to(wanted).magnitude)
    return factor if math.isfinite(factor) else 1.0


def parse(text: str, *, source: str = "connector.yaml") -> ConnectorConfig:
    """Return the connector configuration in YAML ``text``; a 422 problem lists each error by line."""
    located = _compose(text, source)
    errors: list[dict[str, Any]] = []
    try:
        config = ConnectorConfig.model_validate(located.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _yaml_loc(tuple(err["loc"]))
            errors.append(
                {
                    "file": source,
                    "line": _line(located.lines, loc),
                    "field": _dotted(loc),
                    "message": err["msg"],
                }
            )
        config = None
    if config is not None:
        for loc, message in _cross_check(config):
            errors.append(
                {"file": source, "line": _line(located.lines, loc), "field": _dotted(loc), "message": message}
            )
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise Problem(
            422,
            "Unprocessable Content",
            f"{source} has {len(errors)} error(s)",
            errors=errors,
            total_errors=len(errors),
        )
    assert config is not None
    return config


def load(path: Path) -> ConnectorConfig:
    """Return the connector configuration in the file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Problem(422, "Unprocessable Content", f"cannot read {path}: {exc.strerror}") from None
    return parse(text, source=path.name)
