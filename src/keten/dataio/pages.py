"""The import page: upload CSV or XLSX files, see the validation report of a dry run, confirm.

Uploaded bytes wait in a private temporary folder under a random token between the check and the
confirmation, so the files are not sent twice and the confirmation imports exactly what was checked.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from keten.dataio import service
from keten.dataio.tables import KIND_ORDER
from keten.deps import get_session
from keten.partners import auth
from keten.problems import Problem
from keten.ui import Templates, access

__all__ = ["UPLOAD_LIFETIME_SECONDS", "router", "upload_dir"]

router = APIRouter(include_in_schema=False)
templates = Templates(__file__)

UPLOAD_LIFETIME_SECONDS = 3600


def upload_dir() -> Path:
    """Return the folder where uploads wait for confirmation (created private to this user)."""
    folder = Path(tempfile.gettempdir()) / "keten-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_LIFETIME_SECONDS
    for entry in folder.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


def _save(token: str, username: str, kind: str | None, files: list[tuple[str, bytes]]) -> None:
    folder = upload_dir() / token
    folder.mkdir(mode=0o700)
    names = []
    for index, (name, data) in enumerate(files):
        (folder / f"{index}.bin").write_bytes(data)
        names.append(name)
    (folder / "meta.json").write_text(json.dumps({"username": username, "kind": kind, "names": names}))


def _load(token: str, username: str) -> tuple[str | None, list[tuple[str, bytes]]] | None:
    if not token.isascii() or not token.replace("-", "").replace("_", "").isalnum():
        return None
    folder = upload_dir() / token
    meta_file = folder / "meta.json"
    if not meta_file.exists() or meta_file.stat().st_mtime < time.time() - UPLOAD_LIFETIME_SECONDS:
        return None
    meta = json.loads(meta_file.read_text())
    if meta["username"] != username:
        return None
    files = [(name, (folder / f"{i}.bin").read_bytes()) for i, name in enumerate(meta["names"])]
    return meta["kind"], files


def _tables(request: Request, kind: str | None, files: list[tuple[str, bytes]]) -> list[service.Table]:
    limits = service.ReadLimits.of(request.app.state.settings)
    tables: list[service.Table] = []
    for name, data in files:
        tables.extend(service.read_file(name, data, kind=kind, limits=limits))
    return tables


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
    }
    values.update(context)
    return templates.render(request, "import.html", values, status_code=status_code)


@router.get("/import", openapi_extra=access("editor"))
def import_form(request: Request) -> Response:
    return _page(request)


@router.post("/import", openapi_extra=access("editor"))
def import_check(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    files: Annotated[list[UploadFile], File()],
    kind: Annotated[str, Form()] = "",
) -> Response:
    """Check the uploaded files with a dry run and show what the import would do."""
    uploads = [(f.filename or "upload.csv", f.file.read()) for f in files if f.filename]
    if not uploads or not any(data for _, data in uploads):
        return _page(request, message="Choose at least one file.", status_code=422)
    limit_mb: int = request.app.state.settings.max_upload_mb
    if sum(len(data) for _, data in uploads) > limit_mb * 1024 * 1024:
        return _page(
            request,
            message="The files are larger than {mb} MB together; import them with keten import.",
            message_values={"mb": limit_mb},
            status_code=413,
        )
    chosen_kind = kind or None
    names = [name for name, _ in uploads]
    try:
        report = service.import_tables(
            session,
            _tables(request, chosen_kind, uploads),
            dry_run=True,
            username=request.state.user.username,
        )
    except service.ImportFailed as exc:
        session.rollback()
        return _page(
            request,
            errors=exc.errors,
            total_errors=exc.extensions.get("total_errors", len(exc.errors)),
            names=names,
        )
    except Problem as exc:
        session.rollback()
        error = {"file": ", ".join(names), "row": None, "column": None, "message": exc.detail or exc.title}
        return _page(request, errors=[error], total_errors=1, names=names)
    session.rollback()
    folder = upload_dir()
    _forget_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    _save(token, request.state.user.username, chosen_kind, uploads)
    return _page(request, report=report, token=token, names=names)


@router.post("/import/confirm", openapi_extra=access("editor"))
def import_confirm(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    token: Annotated[str, Form(max_length=64)],
) -> Response:
    """Import for real the files checked under ``token``."""
    username: str = request.state.user.username
    loaded = _load(token, username)
    if loaded is None:
        return _page(
            request,
            message="The upload expired or was already imported; upload the files again.",
            status_code=410,
        )
    kind, uploads = loaded
    try:
        report = service.import_tables(session, _tables(request, kind, uploads), username=username)
    except service.ImportFailed as exc:
        # The data changed between check and confirmation; show why, keep nothing.
        session.rollback()
        return _page(
            request, errors=exc.errors, total_errors=exc.extensions.get("total_errors", len(exc.errors))
        )
    shutil.rmtree(upload_dir() / token, ignore_errors=True)
    auth.record_audit(
        session,
        username=username,
        action="import",
        target=", ".join(name for name, _ in uploads),
        detail="; ".join(
            f"{r.kind} from {r.source}: {r.rows} rows, {r.inserted} inserted, {r.updated} updated, "
            f"{r.deleted} deleted"
            for r in report.results
        ),
        ip=request.client.host if request.client else None,
    )
    return _page(request, report=report, done=True, names=[name for name, _ in uploads])
