"""An OPC UA source: a subscription to every configured node, with the security policy, mode and
user the server requires; a lost connection is noticed by a periodic check and the client connects
and subscribes again (a new subscription reports each node's current value, so a counter's delta
covers the gap)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from asyncua.client.client import Client
from asyncua.ua.uaerrors import UaError

from keten.connector import decoding
from keten.connector.config import ConnectorConfig, OpcUaSource
from keten.connector.recording import Recorder

__all__ = ["client_for", "read"]

_LOST = (ConnectionError, OSError, TimeoutError, UaError)


async def client_for(source: OpcUaSource) -> Client:
    """Return a client (not yet connected) set up with the source's security and user."""
    client = Client(url=source.endpoint, timeout=4)
    client.application_uri = source.application_uri
    if source.username:
        client.set_user(source.username)
        password = os.environ.get(source.password_env) if source.password_env else None
        if password is not None:
            client.set_password(password)
    if source.security_policy != "None":
        await client.set_security_string(
            f"{source.security_policy},{source.security_mode},{source.certificate},{source.private_key}"
        )
    return client


class _Handler:
    """Turns each data change of a subscribed node into readings for the recorder."""

    def __init__(self, recorder: Recorder, source: str, nodes: dict[str, list[decoding.Binding]]) -> None:
        self.recorder = recorder
        self.source = source
        self.nodes = nodes

    def datachange_notification(self, node: Any, value: Any, data: Any) -> None:
        node_id = node.nodeid.to_string()
        stamp = data.monitored_item.Value.SourceTimestamp or data.monitored_item.Value.ServerTimestamp
        ts_ms = int(stamp.timestamp() * 1000)
        for binding in self.nodes.get(node_id, []):
            try:
                self.recorder.add(self.source, decoding.reading(binding, value, ts_ms))
            except decoding.Malformed as exc:
                self.recorder.error(
                    self.source, "malformed", f"{node_id}: {exc}", equipment=binding.equipment
                )

    def status_change_notification(self, status: Any) -> None:
        self.recorder.connected(self.source, False, f"subscription status {status}")


async def _session(
    source: OpcUaSource, nodes: dict[str, list[decoding.Binding]], recorder: Recorder, stop: asyncio.Event
) -> None:
    client = await client_for(source)
    async with client:
        handler = _Handler(recorder, source.name, nodes)
        subscription = await client.create_subscription(source.publishing_interval_ms, handler)
        await subscription.subscribe_data_change([client.get_node(n) for n in nodes])
        recorder.connected(source.name, True)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=source.reconnect_s)
            except TimeoutError:
                await client.check_connection()


async def read(config: ConnectorConfig, source: OpcUaSource, recorder: Recorder, stop: asyncio.Event) -> None:
    """Read ``source`` into ``recorder`` until ``stop`` is set, reconnecting whenever it is lost."""
    nodes = decoding.bindings_by(config, source.name, "node")
    while not stop.is_set():
        try:
            await _session(source, nodes, recorder, stop)
        except _LOST as exc:
            recorder.connected(source.name, False, f"{source.endpoint}: {exc!r}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=source.reconnect_s)
    recorder.connected(source.name, False, "stopped")
