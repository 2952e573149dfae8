"""Apps on the twins: Python packages found through the ``keten.apps`` entry point group, run by
a connector process for the apps its file names.

An app receives twin events (every new sample, and state changes), reads the twins through the AAS
API (keten.connector.aas_client), and may act through its context: write a result back to a twin,
write a setpoint or call a method on the machine over OPC UA. It may do only what the connector file
grants it (``apps:``); every action, done or refused, is written to the audit log under the
user name ``app:NAME``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

from asyncua import ua
from asyncua.ua.uaerrors import UaError
from sqlalchemy.orm import Session, sessionmaker

from keten.connector import live, opcua
from keten.connector.aas_client import AasReader
from keten.connector.config import STATES, AppGrant, ConnectorConfig, OpcUaSource
from keten.connector.recording import Reading
from keten.partners import auth
from keten.problems import Problem

__all__ = ["ENTRY_POINTS", "App", "AppContext", "AppHost", "Refused", "TwinEvent", "discover"]

ENTRY_POINTS = "keten.apps"

log = logging.getLogger("keten.connector.apps")


@dataclass(frozen=True)
class TwinEvent:
    """Something new on a twin: a ``sample`` of a signal, or a ``state`` change (value: the state)."""

    equipment: str
    kind: str
    signal: str
    value: float | str | None
    ts_ms: int


class App(Protocol):
    """What an app's entry point gives back (called with the app's ``settings``)."""

    async def on_event(self, event: TwinEvent, ctx: AppContext) -> None:
        """Handle one twin event."""


class Refused(Exception):
    """An action the connector file does not grant the app; it was audited and not done."""


def discover() -> dict[str, Callable[[dict[str, Any]], App]]:
    """Return the installed apps' factories by entry point name."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINTS)}


@dataclass
class AppContext:
    """What one app may use: the AAS reader, its settings, and the actions its grant allows."""

    grant: AppGrant
    config: ConnectorConfig
    factory: sessionmaker[Session]
    aas: AasReader
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> dict[str, Any]:
        """Return the app's settings from the connector file."""
        return dict(self.grant.settings)

    def _audit(self, action: str, target: str, detail: str) -> None:
        with self.factory() as session:
            auth.record_audit(
                session, username=f"app:{self.grant.name}", action=action, target=target, detail=detail
            )
            session.commit()

    def _refuse(self, action: str, target: str, why: str) -> Refused:
        self._audit(action, target, f"refused: {why}")
        log.warning("app %s: %s %s refused: %s", self.grant.name, action, target, why)
        return Refused(f"app {self.grant.name}: {action} {target} refused: {why}")

    def _covers(self, equipment: str) -> bool:
        return self.grant.equipment is None or equipment in self.grant.equipment

    async def write_result(self, equipment: str, name: str, value: str) -> None:
        """Write ``value`` as the app's result ``name`` on the twin of ``equipment``."""
        target = f"{equipment}/{name}"
        if not self.grant.results or not self._covers(equipment):
            raise self._refuse(
                "app result", target, "the connector file does not let the app write results here"
            )
        with self.factory() as session:
            try:
                live.write_app_result(session, key=equipment, app=self.grant.name, name=name, value=value)
            except Problem as exc:
                raise Refused(exc.detail or exc.title) from None
            auth.record_audit(
                session, username=f"app:{self.grant.name}", action="app result", target=target, detail=value
            )
            session.commit()

    def _setpoint(self, equipment: str, name: str) -> Any:
        return next((g for g in self.grant.setpoints if g.equipment == equipment and g.name == name), None)

    async def _client(self, equipment: str) -> Any:
        item = next(e for e in self.config.equipment if e.id == equipment)
        source = self.config.source(item.source)
        assert isinstance(source, OpcUaSource)
        client = self._clients.get(source.name)
        if client is None:
            client = await opcua.client_for(source)
            await client.connect()
            self._clients[source.name] = client
        return client

    async def read_setpoint(self, equipment: str, name: str) -> float:
        """Return the current value of a setpoint the app is granted."""
        grant = self._setpoint(equipment, name)
        if grant is None:
            raise self._refuse("app setpoint read", f"{equipment}/{name}", "no grant for this setpoint")
        client = await self._client(equipment)
        return float(await client.get_node(grant.node).read_value())

    async def write_setpoint(self, equipment: str, name: str, value: float) -> None:
        """Write ``value`` to the setpoint ``name`` of ``equipment`` over OPC UA, within its bounds."""
        target = f"{equipment}/{name}"
        grant = self._setpoint(equipment, name)
        if grant is None:
            raise self._refuse(
                "app setpoint", target, f"the connector file grants no setpoint {name} on {equipment}"
            )
        if (grant.min is not None and value < grant.min) or (grant.max is not None and value > grant.max):
            raise self._refuse("app setpoint", target, f"{value} is outside {grant.min}..{grant.max}")
        client = await self._client(equipment)
        node = client.get_node(grant.node)
        kind = await node.read_data_type_as_variant_type()
        await node.write_value(ua.DataValue(ua.Variant(value, kind)))
        self._audit("app setpoint", target, f"{grant.node} = {value}")

    async def call_method(self, equipment: str, name: str, *args: Any) -> Any:
        """Call the OPC UA method ``name`` of ``equipment`` the app is granted; return its result."""
        target = f"{equipment}/{name}"
        grant = next((g for g in self.grant.methods if g.equipment == equipment and g.name == name), None)
        if grant is None:
            raise self._refuse(
                "app method", target, f"the connector file grants no method {name} on {equipment}"
            )
        client = await self._client(equipment)
        result = await client.get_node(grant.object).call_method(grant.method, *args)
        self._audit("app method", target, f"{grant.method}({', '.join(map(repr, args))}) -> {result!r}")
        return result

    async def close(self) -> None:
        """Disconnect the OPC UA clients the app opened."""
        for client in self._clients.values():
            try:
                await client.disconnect()
            except (TimeoutError, OSError, UaError):
                log.info("app %s: an OPC UA client was already gone", self.grant.name)
        self._clients.clear()


class AppHost:
    """Runs the apps a connector file names and hands them the twin events of each flush."""

    def __init__(
        self,
        config: ConnectorConfig,
        factory: sessionmaker[Session],
        aas: AasReader,
        *,
        available: dict[str, Callable[[dict[str, Any]], App]] | None = None,
    ) -> None:
        installed = available if available is not None else discover()
        missing = sorted({g.app or g.name for g in config.apps} - set(installed))
        if missing:
            raise Problem(422, "Unprocessable Content", f"no app installed named {', '.join(missing)}")
        self.apps = [
            (installed[g.app or g.name](dict(g.settings)), AppContext(g, config, factory, aas))
            for g in config.apps
        ]
        self.queue: asyncio.Queue[TwinEvent] = asyncio.Queue()
        self._states: dict[str, str] = {}

    def feed(self, readings: list[Reading]) -> None:
        """Queue the events of readings just stored (called by the recorder after each flush)."""
        for r in sorted(readings, key=lambda r: r.ts_ms):
            value: float | str | None = r.value if r.value is not None else r.text
            self.queue.put_nowait(TwinEvent(r.equipment, "sample", r.signal, value, r.ts_ms))
            if r.signal == "state" and r.value is not None and 0 <= int(r.value) < len(STATES):
                state = STATES[int(r.value)]
                if self._states.get(r.equipment) != state:
                    self._states[r.equipment] = state
                    self.queue.put_nowait(TwinEvent(r.equipment, "state", "state", state, r.ts_ms))

    async def _dispatch(self, event: TwinEvent) -> None:
        for app, ctx in self.apps:
            if not ctx._covers(event.equipment):
                continue
            try:
                await app.on_event(event, ctx)
            except Refused:
                continue
            except Exception:
                # One app's fault must not stop the connector nor the other apps.
                log.exception("app %s failed on %s", ctx.grant.name, event)

    async def run(self, stop: asyncio.Event) -> None:
        """Hand queued events to the apps until ``stop`` is set and the queue is empty."""
        try:
            while not (stop.is_set() and self.queue.empty()):
                try:
                    event = await asyncio.wait_for(self.queue.get(), timeout=0.1)
                except TimeoutError:
                    continue
                await self._dispatch(event)
        finally:
            for _app, ctx in self.apps:
                await ctx.close()
            if self.apps:
                await self.apps[0][1].aas.close()
