"""JSON API of imports and exports."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from keten.dataio import mappings, service
from keten.dataio.schemas import (
    ColumnMappingCreate,
    ColumnMappingRead,
    ImportReportRead,
    ImportRunRead,
    KindResultRead,
)
from keten.dataio.tables import KIND_ORDER
from keten.deps import get_session
from keten.problems import Problem

__all__ = ["router"]

router = APIRouter(tags=["import and export"])

_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "zip": "application/zip",
}


def _mapping(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Problem(422, "Invalid column mapping", f"mapping is not JSON: {exc}") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Problem(
            422,
            "Invalid column mapping",
            'mapping must be a JSON object like {"Artikelnummer": "part_number"}',
        )
    return value


@router.post(
    "/imports",
    response_model=ImportReportRead,
    summary="Import files",
    description=(
        "Upload one or more CSV, XLSX or JSON files (see docs/import-format.md). All files are checked "
        "together and written in one transaction; any error rejects the whole import with a problem "
        "listing every error by file, row and column. With `dry_run` nothing is written."
    ),
    responses={422: {"description": "The files have errors; nothing was written."}},
)
def create_import(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    files: Annotated[list[UploadFile], File(description="CSV, XLSX or JSON files named after their kind.")],
    kind: Annotated[str | None, Form(description="Kind of a single file whose name does not say it.")] = None,
    mapping: Annotated[
        str | None, Form(description='Column mapping as JSON, e.g. {"Artikelnummer": "part_number"}.')
    ] = None,
    dry_run: Annotated[bool, Form(description="Check and report only.")] = False,
    encoding: Annotated[
        str | None, Form(description="Encoding of CSV files; default UTF-8, else Windows-1252.")
    ] = None,
    mapping_name: Annotated[
        str | None, Form(description="Name of a saved column mapping to apply (see /import-mappings).")
    ] = None,
) -> ImportReportRead:
    tables, read_errors = service.read_files(
        ((upload.filename or "upload.csv", upload.file.read()) for upload in files),
        kind=kind,
        encoding=encoding,
        limits=service.ReadLimits.of(request.app.state.settings),
    )
    mappings.apply(session, tables, name=mapping_name or None)
    report = service.import_tables(
        session, tables, mapping=_mapping(mapping), dry_run=dry_run, read_errors=read_errors
    )
    if dry_run:
        session.rollback()
    return ImportReportRead(
        dry_run=report.dry_run,
        seconds=report.seconds,
        rows=report.rows,
        results=[KindResultRead.model_validate(r) for r in report.results],
        products=report.products,
    )


@router.get(
    "/import-mappings",
    response_model=list[ColumnMappingRead],
    summary="Saved column mappings",
    description="Column mappings saved by name, per kind, for files whose headers are not keten's.",
)
def list_mappings(
    session: Annotated[Session, Depends(get_session, scope="function")],
    kind: Annotated[str | None, Query(description="Only mappings of this kind.")] = None,
) -> list[ColumnMappingRead]:
    return [ColumnMappingRead.model_validate(m) for m in mappings.list_mappings(session, kind=kind)]


@router.post(
    "/import-mappings",
    response_model=ColumnMappingRead,
    status_code=201,
    summary="Save a column mapping",
    description=(
        "Save a mapping of your own headers onto the columns of one kind under a name, replacing one "
        "saved before under the same kind and name. An import applies a saved mapping when the file "
        "has all its headers, or when it is named in `mapping_name`."
    ),
)
def save_mapping(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    body: ColumnMappingCreate,
) -> ColumnMappingRead:
    user = getattr(request.state, "user", None)
    saved = mappings.save(
        session,
        kind=body.kind,
        name=body.name,
        columns=body.columns,
        username=user.username if user is not None else None,
    )
    return ColumnMappingRead.model_validate(saved)


@router.delete("/import-mappings/{mapping_id}", status_code=204, summary="Remove a saved column mapping")
def delete_mapping(
    session: Annotated[Session, Depends(get_session, scope="function")], mapping_id: int
) -> Response:
    mappings.delete(session, mapping_id=mapping_id)
    return Response(status_code=204)


@router.get(
    "/imports",
    response_model=list[ImportRunRead],
    summary="Import log",
    description="The latest imports, newest first.",
)
def list_imports(
    session: Annotated[Session, Depends(get_session, scope="function")],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ImportRunRead]:
    return [ImportRunRead.model_validate(run) for run in service.recent_imports(session, limit=limit)]


@router.get(
    "/exports/{fmt}",
    summary="Export the value chain",
    description=(
        "The whole value chain in the import format: `csv` (one kind with `kind`, else a ZIP of one CSV per "
        "kind), `xlsx` (a sheet per kind) or `json` (a list of records per kind). Re-importing an export "
        "changes nothing."
    ),
    response_class=Response,
)
def export(
    session: Annotated[Session, Depends(get_session, scope="function")],
    fmt: str,
    kind: Annotated[str | None, Query(description="Only this kind.")] = None,
) -> Response:
    if fmt not in service.EXPORT_FORMATS:
        raise Problem(
            404,
            "Not Found",
            f"'{fmt}' is not an export format; use one of {', '.join(service.EXPORT_FORMATS)}",
        )
    if kind is not None and kind not in KIND_ORDER:
        raise Problem(422, "Unknown kind", f"'{kind}' is not a kind; expected one of {', '.join(KIND_ORDER)}")
    tables = service.export_tables(session)
    if kind is not None:
        tables = {kind: tables[kind]}
    files = service.write_export(tables, fmt)
    if len(files) == 1:
        name, data = next(iter(files.items()))
        media = _MEDIA[fmt]
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file_name, content in files.items():
                archive.writestr(file_name, content)
        name, data, media = "keten-export.zip", buffer.getvalue(), _MEDIA["zip"]
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
