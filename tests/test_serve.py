"""`keten serve` on a database that was never migrated: the embedded SQLite file sets itself up,
PostgreSQL is refused at once with the command that migrates it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKENDS, _create_postgres_database, _drop_postgres_database
from tests.exchange.conftest import free_port

KETEN = str(Path(sys.executable).parent / "keten")


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_on_a_database_never_migrated(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        _sqlite_is_migrated_before_it_answers(tmp_path)
    else:
        _postgresql_is_refused(tmp_path)


def _sqlite_is_migrated_before_it_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "KETEN_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    server = subprocess.Popen(
        [KETEN, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/parts", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert answer.status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/signin", timeout=5).status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "schema migrated from empty to revision" in output


def _postgresql_is_refused(tmp_path: Path) -> None:
    url, name = _create_postgres_database("serve")
    try:
        done = subprocess.run(
            [KETEN, "serve", "--port", str(free_port())],
            env={**os.environ, "KETEN_DATABASE_URL": url},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        _drop_postgres_database(name)
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert "not migrated" in message and "keten db upgrade" in message
