"""Fixtures of the web tests: a small generated value chain, and browser-like sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.dataio import service as dataio
from keten.dataio.generate import generate
from keten.partners import auth

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def chain_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder with a generated 300-part value chain as import CSV files."""
    folder = tmp_path_factory.mktemp("chain")
    generate(folder, parts=300, suppliers=12, seed=7)
    return folder


@pytest.fixture
def loaded(engine: Engine, chain_dir: Path) -> Engine:
    """Return the engine of a database holding the generated chain."""
    with Session(engine) as session:
        dataio.import_tables(session, dataio.read_path(chain_dir), username="loader")
        session.commit()
    return engine


def add_user(engine: Engine, username: str, role: str, password: str = PASSWORD) -> None:
    with Session(engine) as session:
        auth.create_user(session, username=username, password=password, role=role)
        session.commit()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Sign ``client`` in through the sign-in form, as a browser would."""
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
