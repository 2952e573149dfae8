"""schemathesis over the whole /api surface, as an admin, against a live node on SQLite and on
PostgreSQL: no answer is a 5xx, and every answer matches what the OpenAPI description promises.
Bounded (a few examples an operation) so the suite stays within minutes."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.settings import Settings
from tests.conftest import make_user
from tests.exchange.conftest import build_chain, live_server

BOUNDED = examples(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _api_operations() -> list[Any]:
    app = create_app(Settings(database_url="sqlite://"))
    document = app.openapi()
    app.state.engine.dispose()
    schema = schemathesis.openapi.from_dict(document)
    return [op for op in (r.ok() for r in schema.get_all_operations()) if op.path.startswith("/api/")]


def test_the_whole_api_answers_no_5xx_and_keeps_to_its_schema(settings: Settings, engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        build_chain(session)
        session.commit()
    admin = {"Authorization": f"Bearer {make_user(engine, 'admin')}"}
    operations = _api_operations()
    assert len({op.path for op in operations}) > 60
    failures: list[str] = []
    calls = 0
    with live_server(settings) as base:
        for operation in operations:

            @given(case=operation.as_strategy())
            @BOUNDED
            def run(case: Any) -> None:
                nonlocal calls
                case.headers = {**(case.headers or {}), **admin}
                response = case.call(base_url=base, timeout=60)
                calls += 1
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
                except Exception as exc:  # one line per failing operation, the whole list at the end
                    failures.append(f"{case.method} {case.formatted_path}: {str(exc).splitlines()[0]}")
                    raise

            recorded = len(failures)
            try:
                run()
            except Exception:
                if len(failures) == recorded:
                    raise  # not an answer that broke a check: the test itself went wrong
    assert not failures, "\n".join(failures)
    assert calls > 200
