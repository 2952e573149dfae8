"""What every AAS API call takes as input: identifiers in base64url, the cursor and limit of a page,
the ``level`` and ``extent`` modifiers; and the error result (``messages[]``) of a bad one."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

__all__ = [
    "DEFAULT_LIMIT",
    "AasError",
    "decode_id",
    "encode_id",
    "error_body",
    "page",
    "paged",
    "parse_asset_id",
    "parse_cursor",
    "parse_level",
    "parse_limit",
]

DEFAULT_LIMIT = 100
_MAX_LIMIT = 10_000
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


class AasError(Exception):
    """A request the AAS API refuses: answered with its status and a Result of one message."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text

    def response(self) -> JSONResponse:
        """Return the error as the API's Result."""
        return JSONResponse(error_body(self.status, self.text), status_code=self.status)


def error_body(status: int, text: str) -> dict[str, Any]:
    """Return a Result with one error message (IDTA 01002: ``messages[]``)."""
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    kind = "Exception" if status >= 500 else "Error"
    return {"messages": [{"code": str(status), "messageType": kind, "text": text, "timestamp": moment}]}


def encode_id(identifier: str) -> str:
    """Return ``identifier`` base64url-encoded without padding, as a path segment names it."""
    return base64.urlsafe_b64encode(identifier.encode("utf-8")).decode("ascii").rstrip("=")


def decode_id(segment: str, *, what: str = "identifier") -> str:
    """Return the identifier a base64url path segment or query value encodes; 400 when it is not one."""
    if not _BASE64URL.match(segment):
        raise AasError(400, f"the {what} {segment!r} is not base64url-encoded")
    body = segment.rstrip("=")
    if len(body) % 4 == 1:
        raise AasError(400, f"the {what} {segment!r} is not base64url-encoded")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AasError(400, f"the {what} {segment!r} is not base64url-encoded UTF-8") from None


def parse_limit(raw: str | None) -> int:
    """Return the page size asked for (default 100); 400 when it is not a positive integer."""
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or int(raw) < 1:
        raise AasError(400, f"limit must be a positive integer, not {raw!r}")
    return min(int(raw), _MAX_LIMIT)


def parse_cursor(raw: str | None) -> int:
    """Return the position a cursor of this API points at (0 without one); 400 for a foreign cursor."""
    if raw is None or raw == "":
        return 0
    text = decode_id(raw, what="cursor")
    if not text.isdigit():
        raise AasError(400, f"the cursor {raw!r} is not one this server gave")
    return int(text)


def page(items: list[Any], start: int, limit: int) -> dict[str, Any]:
    """Return ``items[start:start+limit]`` as a paged result, with a cursor when more follow."""
    chunk = items[start : start + limit]
    return paged(chunk, start + limit if start + limit < len(items) else None)


def paged(result: list[Any], next_position: int | None) -> dict[str, Any]:
    """Return ``result`` as a paged result whose cursor (when not last) points at ``next_position``."""
    metadata: dict[str, Any] = {}
    if next_position is not None:
        metadata["cursor"] = encode_id(str(next_position))
    return {"paging_metadata": metadata, "result": result}


def parse_level(level: str | None, extent: str | None) -> bool:
    """Return whether ``level`` asks for the core only; 400 for a level or extent that is not one."""
    if level not in (None, "deep", "core"):
        raise AasError(400, f"level must be deep or core, not {level!r}")
    if extent not in (None, "withBlobValue", "withoutBlobValue"):
        raise AasError(400, f"extent must be withBlobValue or withoutBlobValue, not {extent!r}")
    return level == "core"


def parse_asset_id(raw: str) -> tuple[str, str]:
    """Return (name, value) of an asset id sent as base64url-encoded JSON (``{"name", "value"}``)."""
    text = decode_id(raw, what="assetIds value")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise AasError(400, f"the assetIds value {raw!r} does not encode JSON") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("name"), str)
        or not isinstance(data.get("value"), str)
    ):
        raise AasError(400, "an assetIds value must encode an object with a name and a value")
    return data["name"], data["value"]
