"""Uploads waiting to be imported: the files and the user's choices, kept under a random token.

The files stay on the server between the first check and the import, so the user chooses them
once: a report with errors, a changed column mapping or a replaced file all come back to the same
pending import. A pending import belongs to the user who uploaded it and expires after an hour.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LIFETIME_SECONDS", "Pending", "create", "discard", "load", "save", "upload_dir"]

LIFETIME_SECONDS = 3600


@dataclass
class Pending:
    """One pending import: its files (name → bytes) and the choices made on them so far.

    ``choices`` maps a table's source (a file, or a file's sheet) to the kind chosen for it and
    the column mapping chosen for that kind.
    """

    token: str
    username: str
    files: dict[str, bytes]
    kind: str | None = None
    mapping_name: str | None = None
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)


def upload_dir() -> Path:
    """Return the folder where uploads wait for confirmation (created private to this user)."""
    folder = Path(tempfile.gettempdir()) / "keten-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - LIFETIME_SECONDS
    for entry in folder.iterdir():
        if entry.is_dir() and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


def _folder(token: str) -> Path | None:
    if not token or not token.isascii() or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return upload_dir() / token


def create(username: str, files: dict[str, bytes], *, kind: str | None, mapping_name: str | None) -> Pending:
    """Return a new pending import of ``files``, stored under a fresh token."""
    _forget_old(upload_dir())
    pending = Pending(secrets.token_urlsafe(24), username, dict(files), kind, mapping_name)
    folder = upload_dir() / pending.token
    folder.mkdir(mode=0o700)
    save(pending)
    return pending


def save(pending: Pending) -> None:
    """Write the pending import's files and choices under its token."""
    folder = upload_dir() / pending.token
    for stale in folder.glob("*.bin"):
        stale.unlink()
    names = list(pending.files)
    for index, name in enumerate(names):
        (folder / f"{index}.bin").write_bytes(pending.files[name])
    meta = {
        "username": pending.username,
        "kind": pending.kind,
        "mapping_name": pending.mapping_name,
        "names": names,
        "choices": pending.choices,
    }
    (folder / "meta.json").write_text(json.dumps(meta))


def load(token: str, username: str) -> Pending | None:
    """Return the pending import under ``token`` if it is this user's and has not expired."""
    folder = _folder(token)
    if folder is None:
        return None
    meta_file = folder / "meta.json"
    if not meta_file.exists() or meta_file.stat().st_mtime < time.time() - LIFETIME_SECONDS:
        return None
    meta = json.loads(meta_file.read_text())
    if meta["username"] != username:
        return None
    files = {name: (folder / f"{i}.bin").read_bytes() for i, name in enumerate(meta["names"])}
    return Pending(token, username, files, meta["kind"], meta.get("mapping_name"), meta.get("choices", {}))


def discard(token: str) -> None:
    """Remove a pending import once it was imported."""
    folder = _folder(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
