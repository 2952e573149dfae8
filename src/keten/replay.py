"""Answers replayed from memory while the data behind them is unchanged.

A partner polls the same PACT page, and every phone that scans a machine's QR code asks for the
same public passport; working such an answer out again costs milliseconds of ORM work that the
answer itself does not need. The ``Replay`` middleware keeps such answers (status, headers and
body, as the route sent them) and replays them while the data they were made from is unchanged.

What "unchanged" means is kept by the database, so every worker process and the command line
agree on it: database triggers (migration 0008) add one to a named row of ``change_counters``
whenever a table an answer depends on changes (for ``exchange``: partners, grants, published
footprints and a part's category; for ``passports``: a passport's current revision). An answer is
kept under the counter's value read *before* the route ran, so it can only be newer than its key,
never older; each request reads the counter once (one indexed row) and a change is seen at once.

A route makes its answer replayable by calling :func:`mark` with what else bounds it: a time it
stops being true (a grant's expiry) and the least token issue time it may be replayed to (a
partner's secret rotation). Only 200 answers to GET requests a lane recognises are kept; a lane
names who may have the answer (its key holds the caller) and what a replay must still do (the
exchange logs every call, replayed or not).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy import String, bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keten.db import Base
from keten.lru import SegmentedLru, StoreStats

__all__ = ["ChangeCounter", "Lane", "Mark", "Replay", "ReplayStats", "counter_version", "header", "mark"]

SCOPE_KEY = "keten.replay"
MAX_BYTES = 64 * 1024 * 1024
"""Memory for kept answers per process (:class:`keten.lru.SegmentedLru`: an answer asked again is
protected from answers asked once). An anonymous item passport as JSON takes about 9 KB with its
headers, so 64 MiB holds some 7,000 of them, 51 MiB of which are kept for those asked again."""


class ChangeCounter(Base):
    """A named count of changes, raised by database triggers (see migration 0008)."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


_VERSION = select(ChangeCounter.version).where(ChangeCounter.name == bindparam("name"))


def counter_version(engine: Engine, name: str) -> int | None:
    """Return the current value of the change counter ``name``, or None when it has no row (then
    nothing counts changes, and nothing is replayed)."""
    with engine.connect() as connection:
        found = connection.execute(_VERSION, {"name": name}).scalar()
    return None if found is None else int(found)


@dataclass(frozen=True)
class Mark:
    """What a route says about its answer: which counter it depends on and what else bounds it."""

    counter: str
    valid_until: float = math.inf
    """Epoch seconds after which the answer may no longer be true (say, a grant expires)."""
    min_issued_at: int = 0
    """Replay only to callers whose token was issued at or after this (epoch seconds)."""
    subject_id: int | None = None
    """The caller the answer was made for, for the lane's bookkeeping on a replay."""
    note: tuple[str, ...] = ()
    """What the lane needs on a replay (the exchange: the access log's action and target)."""


def mark(request: Request, answer_mark: Mark) -> None:
    """Let the middleware keep this request's answer under ``answer_mark``'s counter."""
    request.scope[SCOPE_KEY] = answer_mark


def header(scope: Scope, name: bytes) -> bytes | None:
    """Return the first value of the request header ``name`` (lower case), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


@dataclass(frozen=True)
class Lane:
    """Requests of one kind whose answers may be replayed.

    ``key(scope)`` returns (key, context) for a request the lane takes (the key names everything
    the answer depends on besides the counter: the caller, the path, the query, the host), or
    None to let the request take the normal way. ``admit(context, mark)`` says whether a kept
    answer may go to this caller; ``replayed(scope, context, mark)`` runs after a replay.
    """

    counter: str
    key: Callable[[Scope], tuple[Hashable, Any] | None]
    admit: Callable[[Any, Mark], bool] = lambda _context, _mark: True
    replayed: Callable[[Scope, Any, Mark], None] = lambda _scope, _context, _mark: None


@dataclass(frozen=True)
class ReplayStats:
    """What a process's replay middleware did since it started, and its store of kept answers."""

    replayed: int
    """Answers sent from memory."""
    worked_out: int
    """Requests of a lane that took the normal way: nothing was kept for them, or not for this caller.
    A request that arrives while the same answer is being worked out waits for it and is replayed."""
    store: StoreStats


@dataclass
class _Kept:
    mark: Mark
    start: Message
    body: bytes
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.body) + sum(len(k) + len(v) for k, v in self.start["headers"]) + 200


class Replay:
    """ASGI middleware that replays kept answers of its lanes (see the module's docstring)."""

    def __init__(self, app: ASGIApp, lanes: list[Lane], max_bytes: int = MAX_BYTES) -> None:
        self.app = app
        self.lanes = lanes
        self.max_bytes = max_bytes
        self._kept: SegmentedLru[_Kept] = SegmentedLru(max_bytes)
        self._replayed = 0
        self._worked_out = 0
        self._flights: dict[Hashable, asyncio.Future[None]] = {}
        self._next: dict[str, asyncio.Future[int | None]] = {}
        self._reads: set[asyncio.Task[None]] = set()

    @staticmethod
    def enabled(scope: Scope) -> bool:
        """Return whether the app's settings let answers be replayed."""
        return bool(scope["app"].state.settings.replay_answers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.enabled(scope):
            await self.app(scope, receive, send)
            return
        for lane in self.lanes:
            found = lane.key(scope)
            if found is not None:
                break
        else:
            await self.app(scope, receive, send)
            return
        key, context = found
        version = await self._version(scope["app"].state.engine, lane.counter)
        if version is None:
            await self.app(scope, receive, send)
            return
        full_key = (lane.counter, version, key)
        if await self._replay(scope, send, lane, context, full_key):
            return
        loop = asyncio.get_running_loop()
        flight = self._flights.get(full_key)
        if flight is not None and flight.get_loop() is loop:
            # The same answer is being worked out for another reader: wait for it, not work it twice.
            await asyncio.shield(flight)
            if await self._replay(scope, send, lane, context, full_key):
                return
        self._worked_out += 1
        flight = loop.create_future()
        self._flights[full_key] = flight
        try:
            await self._answer_and_keep(scope, receive, send, full_key)
        finally:
            if self._flights.get(full_key) is flight:
                del self._flights[full_key]
            flight.set_result(None)

    async def _replay(self, scope: Scope, send: Send, lane: Lane, context: Any, full_key: Hashable) -> bool:
        """Send the answer kept under ``full_key`` if there is one this caller may have; say whether."""
        kept = self._kept.get(full_key)
        if kept is None or time.time() >= kept.mark.valid_until or not lane.admit(context, kept.mark):
            return False
        self._replayed += 1
        await send(dict(kept.start))
        await send({"type": "http.response.body", "body": kept.body})
        lane.replayed(scope, context, kept.mark)
        return True

    async def _version(self, engine: Engine, name: str) -> int | None:
        """Return the counter ``name`` as it stands now (see ``_shared_read``)."""
        if engine.dialect.name == "sqlite":
            # One read of one row of a local file: shorter than a hand-over to the thread pool.
            return counter_version(engine, name)
        return await self._shared_read(engine, name)

    async def _shared_read(self, engine: Engine, name: str) -> int | None:
        """Return the counter ``name`` as read by a read that started after this call began.

        Requests that arrive while no read of the counter has started yet wait for the same one:
        under load one round trip to the server answers every request of an event-loop turn, and
        each still sees every change committed before it arrived.
        """
        loop = asyncio.get_running_loop()
        waiting = self._next.get(name)
        if waiting is None or waiting.get_loop() is not loop:
            waiting = loop.create_future()
            self._next[name] = waiting
            task = loop.create_task(self._read_for(waiting, engine, name))
            # The loop keeps only a weak reference to a task; this one must finish.
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)
        return await asyncio.shield(waiting)

    async def _read_for(self, waiting: asyncio.Future[int | None], engine: Engine, name: str) -> None:
        # From here on a new arrival starts the next read: this one may have begun before it came.
        if self._next.get(name) is waiting:
            del self._next[name]
        try:
            waiting.set_result(await run_in_threadpool(counter_version, engine, name))
        except Exception as exc:
            waiting.set_exception(exc)

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, full_key: Hashable) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        complete = False

        async def capture(message: Message) -> None:
            nonlocal start, complete
            if message["type"] == "http.response.start":
                start = {**message, "headers": list(message.get("headers", []))}
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                complete = not message.get("more_body", False)
            await send(message)

        scope.pop(SCOPE_KEY, None)
        await self.app(scope, receive, capture)
        answer_mark = scope.get(SCOPE_KEY)
        if not isinstance(answer_mark, Mark) or start is None or start["status"] != 200 or not complete:
            return
        kept = _Kept(answer_mark, start, b"".join(chunks))
        self._kept.put(full_key, kept, kept.size)

    def stats(self) -> ReplayStats:
        """Return what this middleware replayed and worked out, and what its store holds."""
        return ReplayStats(replayed=self._replayed, worked_out=self._worked_out, store=self._kept.stats())
