"""What the OpenAPI document says about error answers: the RFC 9457 problem shape, per status."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ProblemDetails", "problems"]


class ProblemDetails(BaseModel):
    """An RFC 9457 problem: what went wrong and what to do, sent as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Field-level problems, each with where it is and a message."
    )


_SCHEMA = ProblemDetails.model_json_schema()
_DEFAULTS = {
    404: "No such resource; the problem names the key that was not found.",
    409: "Conflicts with what is stored; the problem says with what.",
    412: "If-Match names a revision the resource is no longer at; read it again.",
    422: "Invalid input; the problem lists each invalid field.",
}


def problems(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """Return a FastAPI ``responses`` mapping documenting problem answers for ``statuses``.

    ``described`` overrides a status's description, keyed ``s404=...``, ``s409=...``.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        # An inline schema: a `model` would be documented as application/json, which these are not.
        responses[status] = {
            "description": described.get(f"s{status}", _DEFAULTS.get(status, "A problem.")),
            "content": {"application/problem+json": {"schema": _SCHEMA}},
        }
    return responses
