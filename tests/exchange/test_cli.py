"""``keten exchange`` as a user runs it, on a SQLite file: partners, grants, publishing, rotation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.exchange import service
from keten.exchange.models import ExchangePartner, Grant
from tests.exchange.conftest import build_chain, new_database


def _keten(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "200"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_partners_grants_publishing_and_rotation_from_the_command_line(tmp_path: Path) -> None:
    url, engine = new_database(tmp_path, "cli")
    with Session(engine) as session:
        build_chain(session, publish=False)
        session.commit()
    added = _keten("exchange", "add-partner", "OEM", "--name", "OEM B.V.", url=url)
    assert added.returncode == 0, added.stderr
    secret = re.search(r"client secret: (\S+)", added.stdout)
    assert secret is not None
    with Session(engine) as session:
        partner = session.scalars(select(ExchangePartner)).one()
        assert partner.secret_hash.startswith("$argon2id$") and secret.group(1) not in partner.secret_hash
    granted = _keten(
        "exchange",
        "grant",
        "OEM",
        "--category",
        "modules",
        "--purpose",
        "LCA",
        "--expires",
        "2099-12-31",
        url=url,
    )
    assert granted.returncode == 0, granted.stderr
    with Session(engine) as session:
        grant = session.scalars(select(Grant)).one()
        assert (grant.category, grant.purpose, grant.expires_at is not None) == ("modules", "LCA", True)
    published = _keten("exchange", "publish", "MOD", url=url)
    assert published.returncode == 0 and "version 1" in published.stdout
    missing = _keten("exchange", "publish", "NOPE", url=url)
    assert missing.returncode == 1 and "no part" in missing.stderr
    rotated = _keten("exchange", "rotate", "OEM", url=url)
    new_secret = re.search(r"client secret: (\S+)", rotated.stdout)
    assert new_secret is not None and new_secret.group(1) != secret.group(1)
    assert _keten("exchange", "revoke", "OEM", url=url).returncode == 0
    with Session(engine) as session:
        assert service.get_partner(session, code="OEM").revoked_at is not None
    no_remote = _keten("exchange", "pull", "OEM", url=url)
    assert no_remote.returncode == 1 and "no base URL" in no_remote.stderr
    listed = _keten("exchange", "requests", url=url)
    assert listed.returncode == 0 and "direction" in listed.stdout
    engine.dispose()
