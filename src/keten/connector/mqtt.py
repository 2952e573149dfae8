"""An MQTT source: subscribe with QoS 1 on a persistent session (a fixed client id, clean session
off), so that a broker keeping sessions across its restarts delivers what arrived while keten was
away; read JSON payloads per topic, or Sparkplug B metrics; reconnect after a lost connection."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import aiomqtt

from keten.connector import decoding, sparkplug
from keten.connector.config import ConnectorConfig, MqttSource
from keten.connector.recording import Recorder

__all__ = ["read"]


def _handle(
    recorder: Recorder,
    source: MqttSource,
    topics: dict[str, list[decoding.Binding]],
    devices: sparkplug.Devices,
    topic: str,
    payload: bytes,
) -> None:
    arrived_ms = int(time.time() * 1000)
    if source.payload == "sparkplug_b":
        results = sparkplug.readings(devices, topics, topic, payload, arrived_ms)
    else:
        bindings = topics.get(topic)
        if not bindings:
            return
        results = decoding.from_json(bindings, payload, arrived_ms)
    for result in results:
        if isinstance(result, decoding.Malformed):
            recorder.error(source.name, "malformed", f"{topic}: {result}")
        else:
            recorder.add(source.name, result)


def _subscriptions(source: MqttSource, topics: dict[str, list[decoding.Binding]]) -> list[str]:
    if source.payload == "sparkplug_b":
        # Births carry the alias of each metric; a device's data may name metrics only by alias.
        return sorted({t for t in topics} | {sparkplug.birth_filter(t) for t in topics})
    return sorted(topics)


async def read(config: ConnectorConfig, source: MqttSource, recorder: Recorder, stop: asyncio.Event) -> None:
    """Read ``source`` into ``recorder`` until ``stop`` is set, reconnecting whenever it is lost."""
    topics = decoding.bindings_by(config, source.name, "topic")
    devices = sparkplug.Devices()
    password = os.environ.get(source.password_env) if source.password_env else None
    while not stop.is_set():
        try:
            async with aiomqtt.Client(
                source.host,
                source.port,
                identifier=source.client_id,
                username=source.username,
                password=password,
                clean_session=False,
                protocol=aiomqtt.ProtocolVersion.V311,
                timeout=5,
            ) as client:
                for topic in _subscriptions(source, topics):
                    await client.subscribe(topic, qos=source.qos)
                recorder.connected(source.name, True)
                await _receive(client, recorder, source, topics, devices, stop)
        except aiomqtt.MqttError as exc:
            recorder.connected(source.name, False, f"{source.host}:{source.port}: {exc}")
            await _sleep_or_stop(stop, source.reconnect_s)
    recorder.connected(source.name, False, "stopped")


async def _receive(
    client: aiomqtt.Client,
    recorder: Recorder,
    source: MqttSource,
    topics: dict[str, list[decoding.Binding]],
    devices: sparkplug.Devices,
    stop: asyncio.Event,
) -> None:
    messages = client.messages.__aiter__()
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            nxt = asyncio.ensure_future(messages.__anext__())
            done, _ = await asyncio.wait({nxt, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if nxt not in done:
                nxt.cancel()
                break
            message = nxt.result()
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
            _handle(recorder, source, topics, devices, message.topic.value, payload)
    finally:
        stopping.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
