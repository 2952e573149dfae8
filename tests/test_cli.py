"""The ``keten`` command as a user runs it: a fresh database, migrations, the demo, generate then import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from keten.catalog.models import Part
from keten.db import make_engine

KETEN = str(Path(sys.executable).parent / "keten")


def _keten(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url}
    return subprocess.run(
        [KETEN, *args], capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=300
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = _keten("--help", url=f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("import", "export", "generate", "demo", "serve", "db", "lifecycle"):
        assert command in result.stdout


def test_demo_loads_into_a_fresh_sqlite_file_and_a_second_load_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _keten("demo", "--load-only", url=url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo value chain loaded" in first.stdout
    second = _keten("demo", "--load-only", url=url, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        assert (conn.scalar(select(func.count()).select_from(Part)) or 0) >= 150
    engine.dispose()


def test_generate_then_import_a_small_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gen.db'}"
    out = tmp_path / "chain"
    generated = _keten(
        "generate",
        "--parts",
        "500",
        "--suppliers",
        "30",
        "--seed",
        "7",
        "--out",
        str(out),
        url=url,
        cwd=tmp_path,
    )
    assert generated.returncode == 0, generated.stderr
    assert _keten("db", "upgrade", url=url, cwd=tmp_path).returncode == 0
    imported = _keten("import", str(out), url=url, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Part)) == 500
    engine.dispose()
