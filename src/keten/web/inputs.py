"""What every request must be before any route sees it: no larger than the node accepts, and free of
NUL characters in its path, query, form or JSON body (PostgreSQL text cannot hold one, and no
identifier or name needs one).

Uploaded files are not scanned here: the importer reads them and names the row that holds one.
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keten.problems import Problem

__all__ = ["RequestInputs"]

# A JSON escape of U+0000: "\u0000" after an even number of backslashes (an odd run escapes itself).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM = b"application/x-www-form-urlencoded"
_JSON = (b"application/json", b"application/merge-patch+json", b"application/ld+json")


class RequestInputs:
    """ASGI middleware: 413 above ``max_bytes``, 400 (path, query, form) or 422 (JSON) for a NUL."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, setting: str = "KETEN_MAX_UPLOAD_MB") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.setting = setting

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode()
        if b"%00" in raw_path or "\x00" in scope.get("path", ""):
            await _refuse(
                scope, send, 400, "the path holds a NUL character (%00), which no address may contain"
            )
            return
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            await _refuse(
                scope, send, 400, "the query holds a NUL character (%00), which no parameter may hold"
            )
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(scope, send, 413, self._too_large())
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type == _FORM or content_type in _JSON:
            await self._checked_body(scope, receive, send, content_type)
            return
        await self.app(scope, self._counting(receive), send)

    def _too_large(self) -> str:
        mb = self.max_bytes / 1024 / 1024
        return (
            f"the request is larger than {mb:,.0f} MB, the most this node accepts; "
            f"raise {self.setting} to allow more"
        )

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # Raised inside the route's reading of the body, where an HTTPException passes through.
                raise HTTPException(413, self._too_large())
            return message

        return counted

    async def _checked_body(self, scope: Scope, receive: Receive, send: Send, content_type: bytes) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await _refuse(scope, send, 413, self._too_large())
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if content_type == _FORM and (b"%00" in body or b"\x00" in body):
            await _refuse(scope, send, 400, "the form holds a NUL character (%00), which no field may hold")
            return
        if content_type in _JSON and (b"\x00" in body or _JSON_NUL.search(body)):
            await _refuse(
                scope, send, 422, "the JSON body holds a NUL character (\\u0000), which no field may hold"
            )
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    path = scope.get("path", "").replace("\x00", "")
    if path.startswith(("/2/", "/3/")):
        # The PACT API promises its own error body to partners, whatever the refusal.
        body: dict[str, object] = {"code": "BadRequest", "message": detail}
        media_type = b"application/json"
    else:
        titles = {400: "Bad Request", 413: "Content Too Large", 422: "Unprocessable Content"}
        body = Problem(status, titles[status], detail).to_dict(path)
        media_type = b"application/problem+json"
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
