"""Pydantic shapes of imports and exports in the JSON API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from keten.timestamps import UtcDateTime

__all__ = ["ImportReportRead", "ImportRunRead", "KindResultRead"]


class KindResultRead(BaseModel):
    """What an import did with one table."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    source: str
    rows: int
    inserted: int
    updated: int
    deleted: int
    unchanged: int


class ImportReportRead(BaseModel):
    """What an import did, table by table."""

    model_config = ConfigDict(from_attributes=True)

    dry_run: bool
    seconds: float
    rows: int
    results: list[KindResultRead]


class ImportRunRead(BaseModel):
    """One committed import, as kept in the import log."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    source: str
    rows: int
    inserted: int
    updated: int
    deleted: int
    started_at: UtcDateTime
    finished_at: UtcDateTime
    username: str | None
