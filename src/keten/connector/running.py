"""A connector process: every source of one file read at once, the recorder flushed to the database
every ``flush_s`` seconds or ``batch_size`` samples, one transaction per flush."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session, sessionmaker

from keten.connector import mqtt, opcua
from keten.connector.apps import AppHost
from keten.connector.config import ConnectorConfig
from keten.connector.recording import Recorder

__all__ = ["run"]

log = logging.getLogger("keten.connector")


def _flush(recorder: Recorder, factory: sessionmaker[Session]) -> int:
    with factory() as session:
        written = recorder.flush(session)
        session.commit()
    recorder.notify()
    return written


async def _flusher(
    recorder: Recorder, factory: sessionmaker[Session], config: ConnectorConfig, stop: asyncio.Event
) -> None:
    loop = asyncio.get_running_loop()
    due = loop.time() + config.flush_s
    while not stop.is_set():
        await asyncio.sleep(min(0.05, config.flush_s))
        if recorder.pending >= config.batch_size or loop.time() >= due:
            _flush(recorder, factory)
            due = loop.time() + config.flush_s


async def run(
    config: ConnectorConfig,
    factory: sessionmaker[Session],
    stop: asyncio.Event,
    *,
    on_start: Callable[[Recorder], Awaitable[None]] | None = None,
    apps: AppHost | None = None,
) -> Recorder:
    """Read every source of ``config`` into the database until ``stop`` is set; return the recorder.

    What is buffered when ``stop`` is set is written before this returns. With ``apps``, the apps
    receive the readings of every flush as twin events once they are stored.
    """
    recorder = Recorder(config)
    if apps is not None:
        recorder.listeners.append(apps.feed)
    with factory() as session:
        recorder.start(session)
        session.commit()
    readers = []
    for source in config.sources:
        if source.kind == "mqtt":
            readers.append(mqtt.read(config, source, recorder, stop))
        else:
            readers.append(opcua.read(config, source, recorder, stop))
    tasks = [asyncio.ensure_future(r) for r in readers]
    flusher = asyncio.ensure_future(_flusher(recorder, factory, config, stop))
    if apps is not None:
        tasks.append(asyncio.ensure_future(apps.run(stop)))
    if on_start is not None:
        await on_start(recorder)
    try:
        await asyncio.gather(*tasks, flusher)
    finally:
        for task in (*tasks, flusher):
            task.cancel()
        _flush(recorder, factory)
    log.info("connector stopped")
    return recorder
