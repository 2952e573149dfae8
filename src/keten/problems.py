"""RFC 9457 problem details: one exception type that every layer can raise, one JSON shape out."""

from __future__ import annotations

from typing import Any

__all__ = ["Problem"]


class Problem(Exception):
    """An error meant for the caller: an HTTP status, a short title and a detail that says what to do.

    ``errors`` lists field-level problems, each a dict such as
    ``{"file": "bom.csv", "row": 12, "column": "quantity", "message": "..."}``.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        errors: list[dict[str, Any]] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.errors = errors or []
        self.extensions = extensions

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        """Return the problem as an RFC 9457 JSON object."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body
