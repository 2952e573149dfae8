"""One transaction per request: a commit that fails is an error to the caller, and nothing is kept."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from keten.catalog.models import Part


def test_a_failing_commit_is_not_answered_with_success(client: TestClient) -> None:
    factory: Any = client.app.state.session_factory  # type: ignore[attr-defined]

    def mark(session: Session, _context: object) -> None:
        if any(isinstance(o, Part) for o in session.new):
            session.info["wrote_part"] = True

    def refuse(session: Session) -> None:
        if session.info.get("wrote_part"):
            raise RuntimeError("the database refused the commit")

    event.listen(factory, "before_flush", lambda s, c, _i: mark(s, c))
    event.listen(factory, "before_commit", refuse)
    # As a real server would: the error becomes a response instead of propagating into the test.
    server_like = TestClient(client.app, raise_server_exceptions=False, headers=client.headers)
    response = server_like.post(
        "/api/parts", json={"part_number": "LOST", "name": "Lost", "kind": "component"}
    )
    assert response.status_code == 500, response.text
    event.remove(factory, "before_commit", refuse)
    with Session(client.app.state.engine) as check:  # type: ignore[attr-defined]
        assert check.scalar(select(func.count()).select_from(Part).where(Part.part_number == "LOST")) == 0
