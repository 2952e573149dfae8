"""The import page: upload files, check the kind and column mapping keten proposes for each table,
see its first rows as keten reads them and every error of every file, then import.

The uploaded files wait on the server under a token (keten.dataio.staging) until the import, so
the user chooses them once: a report with errors, a corrected mapping or a replaced file come back
to the same pending import.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as FormFile

from keten.dataio import mappings, review, service, staging
from keten.dataio.tables import KIND_ORDER
from keten.deps import get_session
from keten.partners import auth
from keten.problems import Problem
from keten.ui import Templates, access

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    values: dict[str, Any] = {
        "kinds": KIND_ORDER,
        "report": None,
        "errors": None,
        "total_errors": 0,
        "token": None,
        "done": False,
        "message": None,
        "message_values": {},
        "names": [],
        "reviews": [],
        "saved": [],
        "saved_now": [],
        "mapping_name": None,
        "applied": {},
    }
    values.update(context)
    headers = {}
    if request.headers.get("hx-request"):
        # The address names the pending import, so a reload shows it again; once imported, the
        # import page itself.
        headers["HX-Push-Url"] = (
            "/import" if values["done"] or not values["token"] else f"/import/{values['token']}"
        )
    if request.headers.get("hx-request") and status_code >= 400:
        # htmx swaps only successful answers; the message is in the page all the same.
        status_code = 200
    return templates.render(request, "import.html", values, status_code=status_code, headers=headers)


def _expired(request: Request) -> Response:
    return _page(
        request,
        message="The upload expired or was already imported; upload the files again.",
        status_code=410,
    )


def _too_large(request: Request, files: dict[str, bytes]) -> Response | None:
    limit_mb: int = request.app.state.settings.max_upload_mb
    if sum(len(data) for data in files.values()) <= limit_mb * 1024 * 1024:
        return None
    return _page(
        request,
        message="The files are larger than {mb} MB together; import them with keten import.",
        message_values={"mb": limit_mb},
        status_code=413,
    )


def _error(source: str, problem: Problem) -> list[dict[str, Any]]:
    if problem.errors:
        return problem.errors
    return [{"file": source, "row": None, "column": None, "message": problem.detail or problem.title}]


def _tables(
    request: Request, session: Session, pending: staging.Pending
) -> tuple[list[service.Table], list[dict[str, Any]], dict[str, str]]:
    """Return the pending import's tables with the user's choices applied, the files' read errors,
    and the name of the saved mapping applied to each table that has one."""
    limits = service.ReadLimits.of(request.app.state.settings)
    tables, errors = service.read_files(pending.files.items(), kind=pending.kind, limits=limits)
    applied: dict[str, str] = {}
    try:
        applied = mappings.apply(session, tables, name=pending.mapping_name)
    except Problem as problem:
        errors.extend(_error(", ".join(pending.files), problem))
    for table in tables:
        chosen = pending.choices.get(table.source, {})
        if chosen.get("kind") in KIND_ORDER:
            if chosen["kind"] != table.kind:
                table.mapping = {}
            table.kind = chosen["kind"]
            if chosen.get("mapping_kind") == table.kind:
                table.mapping = dict(chosen.get("mapping") or {})
    return tables, errors, applied


def _review(
    request: Request,
    session: Session,
    pending: staging.Pending,
    to_save: list[tuple[str, str, dict[str, str]]] | None = None,
) -> Response:
    """Check the pending import with a dry run and show each table, every error and what it would do."""
    tables, read_errors, applied = _tables(request, session, pending)
    report = None
    errors: list[dict[str, Any]] = []
    total = 0
    try:
        report = service.import_tables(
            session, tables, dry_run=True, username=pending.username, read_errors=read_errors
        )
    except service.ImportFailed as exc:
        errors, total = exc.errors, int(exc.extensions.get("total_errors", len(exc.errors)))
    except Problem as exc:
        errors, total = _error(", ".join(pending.files), exc), 1
    session.rollback()
    saved_now = []
    for kind, name, columns in to_save or []:
        saved_now.append(
            mappings.save(session, kind=kind, name=name, columns=columns, username=pending.username).name
        )
    return _page(
        request,
        reviews=[review.review(t) for t in tables],
        errors=errors or None,
        total_errors=total,
        report=None if errors else report,
        token=pending.token,
        names=list(pending.files),
        saved=mappings.list_mappings(session),
        saved_now=saved_now,
        mapping_name=pending.mapping_name,
        applied=applied,
    )


@router.get("/import", openapi_extra=access("editor"))
def import_form(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Response:
    return _page(request, saved=mappings.list_mappings(session))


@router.post("/import", openapi_extra=access("editor"))
def import_check(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    files: Annotated[list[UploadFile], File()],
    mapping_name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Keep the uploaded files for a pending import and show how keten reads them."""
    uploads = {f.filename or "upload.csv": f.file.read() for f in files if f.filename}
    if not uploads or not any(uploads.values()):
        return _page(request, message="Choose at least one file.", status_code=422)
    too_large = _too_large(request, uploads)
    if too_large is not None:
        return too_large
    pending = staging.create(
        request.state.user.username, uploads, kind=None, mapping_name=mapping_name or None
    )
    return _review(request, session, pending)


@router.post("/import/confirm", openapi_extra=access("editor"))
def import_confirm(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    token: Annotated[str, Form(max_length=64)],
) -> Response:
    """Import for real the files checked under ``token``, with the choices made on them."""
    username: str = request.state.user.username
    pending = staging.load(token, username)
    if pending is None:
        return _expired(request)
    tables, read_errors, _ = _tables(request, session, pending)
    try:
        report = service.import_tables(session, tables, username=username, read_errors=read_errors)
    except service.ImportFailed:
        # The data changed between check and confirmation: show the pending import again, with why.
        session.rollback()
        return _review(request, session, pending)
    staging.discard(token)
    auth.record_audit(
        session,
        username=username,
        action="import",
        target=", ".join(pending.files),
        detail="; ".join(
            f"{r.kind} from {r.source}: {r.rows} rows, {r.inserted} inserted, {r.updated} updated, "
            f"{r.deleted} deleted"
            for r in report.results
        ),
        ip=request.client.host if request.client else None,
    )
    return _page(request, report=report, done=True, names=list(pending.files))


@router.get("/import/{token}", openapi_extra=access("editor"))
def import_pending(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")], token: str
) -> Response:
    """Show a pending import again: its files stay chosen."""
    pending = staging.load(token, request.state.user.username)
    if pending is None:
        return _expired(request)
    return _review(request, session, pending)


def _choices(form: FormData, pending: staging.Pending) -> list[tuple[str, str, dict[str, str]]]:
    """Record the kinds and mappings chosen in the form; return the mappings to save by name."""
    to_save = []
    index = 0
    while f"source-{index}" in form:
        source = str(form[f"source-{index}"])
        kind = str(form.get(f"kind-{index}", ""))
        shown = str(form.get(f"shown-kind-{index}", ""))
        choice: dict[str, Any] = {"kind": kind if kind in KIND_ORDER else None}
        if kind and kind == shown:
            headers = form.getlist(f"header-{index}")
            mapping = {
                str(h): str(form.get(f"col-{index}-{j}", "")) for j, h in enumerate(headers) if str(h).strip()
            }
            choice.update(mapping=mapping, mapping_kind=kind)
            name = str(form.get(f"save-{index}", "")).strip()
            if name:
                to_save.append((kind, name[:100], mapping))
        pending.choices[source] = choice
        index += 1
    return to_save


@router.post("/import/{token}", openapi_extra=access("editor"))
async def import_update(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")], token: str
) -> Response:
    """Take the kinds, column mappings and added or replaced files chosen for a pending import."""
    pending = staging.load(token, request.state.user.username)
    if pending is None:
        return _expired(request)
    async with request.form() as form:
        to_save = _choices(form, pending)
        for upload in form.getlist("files"):
            if isinstance(upload, FormFile) and upload.filename:
                data = await upload.read()
                if data:
                    pending.files[upload.filename] = data
    too_large = _too_large(request, pending.files)
    if too_large is not None:
        return too_large
    staging.save(pending)
    return await run_in_threadpool(_review, request, session, pending, to_save)
