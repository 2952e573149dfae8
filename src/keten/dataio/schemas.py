"""Pydantic shapes of imports and exports in the JSON API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from keten.timestamps import UtcDateTime

__all__ = ["ColumnMappingCreate", "ColumnMappingRead", "ImportReportRead", "ImportRunRead", "KindResultRead"]


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
    products: list[str] = Field(default_factory=list, description="Part numbers of the products imported.")


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


class ColumnMappingBase(BaseModel):
    """A mapping of a file's own headers onto the columns of one kind."""

    kind: str = Field(description="The kind whose columns the headers map onto: parts, bom, ...")
    name: str = Field(min_length=1, max_length=100, description="Name to choose the mapping by.")
    columns: dict[str, str] = Field(
        description='Each header as the file writes it → keten column, or "" to leave it out.',
        examples=[{"Artikelnummer": "part_number", "Omschrijving": "name", "Opmerking": ""}],
    )


class ColumnMappingCreate(ColumnMappingBase):
    """A mapping to save; one saved before under the same kind and name is replaced."""


class ColumnMappingRead(ColumnMappingBase):
    """A saved mapping, with who saved it and when."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    saved_by: str | None
    saved_at: UtcDateTime
