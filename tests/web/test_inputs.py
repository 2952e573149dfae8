"""Requests no route should see: NUL characters anywhere, offsets past any list, bodies past the
size limit. Each gets a 4xx problem on SQLite and on PostgreSQL, where a NUL in a text parameter
used to reach the driver and answer 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from keten.app import create_app
from keten.settings import Settings

ANONYMOUS_NUL = [
    "/api/passports/a%00b",
    "/01/0871234567890%00/21/1",
    "/01/08712345678906/21/1%00",
    "/api/parts?q=%00",
    "/signin?next=/%00",
]


@pytest.mark.parametrize("path", ANONYMOUS_NUL)
def test_a_nul_in_a_path_or_query_is_a_400_problem(anonymous_client: TestClient, path: str) -> None:
    response = anonymous_client.get(path)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/3/footprints?productId=%00", "/2/footprints/a%00b"])
def test_a_nul_on_the_pact_api_is_refused_in_the_pact_error_format(
    anonymous_client: TestClient, path: str
) -> None:
    # A PACT partner reads {"code", "message"}, never a problem document.
    response = anonymous_client.get(path)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == "BadRequest" and "NUL" in body["message"]
    assert set(body) == {"code", "message"}


def test_a_nul_in_a_form_is_refused_before_sign_in_or_the_token_endpoint(
    anonymous_client: TestClient,
) -> None:
    signin = anonymous_client.post("/signin", data={"username": "ad\x00min", "password": "x"})
    assert signin.status_code == 400 and "form" in signin.json()["detail"]
    token = anonymous_client.post(
        "/auth/token", data={"grant_type": "client_credentials\x00"}, auth=("client\x00", "secret")
    )
    assert token.status_code == 400


def test_a_nul_in_json_is_a_422_and_an_escaped_backslash_is_not(client: TestClient) -> None:
    refused = client.post(
        "/api/parts",
        content=b'{"part_number": "P-1", "name": "Bo\\u0000lt", "kind": "component"}',
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 422 and "\\u0000" in refused.json()["detail"]
    kept = client.post("/api/parts", json={"part_number": "P-2", "name": "Bo\\u0000lt", "kind": "component"})
    assert kept.status_code == 201, kept.text
    assert kept.json()["name"] == "Bo\\u0000lt"
    assert client.get("/api/parts").json()["total"] == 1


@pytest.mark.parametrize(
    "path",
    ["/api/parts", "/api/materials", "/api/organizations", "/api/passports", "/api/risk/scenarios"],
)
def test_an_offset_past_64_bits_is_a_422_on_every_list(client: TestClient, path: str) -> None:
    response = client.get(path, params={"offset": 2**63})
    assert response.status_code == 422, response.text
    assert client.get(path, params={"offset": 2**31 - 1}).status_code == 200


def test_a_body_past_the_upload_limit_is_413_naming_the_setting(
    database_url: str, engine: object, client_as: Callable[[str], TestClient]
) -> None:
    app = create_app(Settings(database_url=database_url, max_upload_mb=1))
    with TestClient(app) as small:
        big = b"part_number,name,kind\n" + b"P,x,component\n" * 100_000
        response = small.post("/api/imports", files=[("files", ("parts.csv", big, "text/csv"))])
        assert response.status_code == 413
        assert "KETEN_MAX_UPLOAD_MB" in response.json()["detail"]
        chunks = small.post("/api/parts", content=iter([b"{" + b" " * 700_000, b" " * 700_000 + b"}"]))
        assert chunks.status_code == 413
    app.state.engine.dispose()


def test_an_id_past_the_integer_columns_is_a_4xx_on_both_databases(client: TestClient) -> None:
    assert client.get(f"/api/risk/scenarios/{2**40}").status_code == 422
    assert client.get(f"/api/passports/{2**40}").status_code in (404, 422)
    assert client.post(f"/api/exchange/grants/{2**40}/revoke").status_code in (404, 422)
