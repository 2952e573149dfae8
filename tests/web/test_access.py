"""Every route with every role and without credentials: the answer matches the route's access level,
so a route added later without protection fails here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from keten.app import create_app
from keten.partners.auth import ROLES, has_role
from keten.settings import Settings
from keten.web.access import required_level

PUBLIC_MOUNTS = {"/static", "/vendor/swagger-ui"}
"""Static files: stylesheets, scripts and the map outline, which the sign-in page needs."""

PARTNER_ROUTES = {
    ("POST", "/auth/token"),
    ("GET", "/2/footprints"),
    ("GET", "/2/footprints/999999"),
    ("POST", "/2/events"),
    ("GET", "/3/footprints"),
    ("GET", "/3/footprints/999999"),
    ("POST", "/3/events"),
}
"""The PACT API: public to keten's guard by design, as partners bring their own bearer tokens,
which these routes check themselves; a keten user's token opens nothing there."""

EPCIS_ROUTES = {
    ("GET", "/epcis/capture"),
    ("POST", "/epcis/capture"),
    ("OPTIONS", "/epcis/capture"),
    ("GET", "/epcis/capture/999999"),
    ("GET", "/epcis/events"),
    ("POST", "/epcis/events"),
    ("GET", "/epcis/events/999999"),
}
"""The EPCIS 2.0 binding: partners bring their exchange tokens, which the routes check themselves,
and keten users their API tokens, checked there too: reading needs a viewer, capturing an editor.
Only the discovery of what capture accepts (OPTIONS) answers without credentials."""


PUBLIC_ROUTES = {
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("POST", "/language"),
    ("GET", "/vendor/plotly.min.js"),
    # Passports are read by anyone who scans a machine's QR code; every answer is filtered to the
    # caller's tier on the server (tests/passports), so without credentials only public fields show.
    ("GET", "/api/passports/{passport_id}"),
    ("GET", "/api/passports/{passport_id}/jsonld"),
    ("GET", "/api/passports/{passport_id}/qr.{kind}"),
    ("GET", "/api/passports/{passport_id}/aas.{kind}"),
    ("GET", "/passports/{passport_id}"),
    # The GS1 Digital Link resolver: GET, HEAD and OPTIONS (CORS) as the GS1 resolver standard asks,
    # and its description file.
    ("GET", "/01/{path:path}"),
    ("HEAD", "/01/{path:path}"),
    ("OPTIONS", "/01/{path:path}"),
    ("GET", "/.well-known/gs1resolver"),
    # What an offline verifier needs: the keys that sign passports and the JSON-LD context.
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/contexts/passport-v1.jsonld"),
    # PACT discovery: where a partner finds the token endpoint and the keys that sign its tokens.
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/jwks"),
}
"""Every route that answers without credentials, each on purpose."""


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


def walk(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """Yield (method, concrete path, access level) of every endpoint; fail on anything unguarded."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(context.methods or ()):
                yield method, _concrete(str(context.path)), required_level(route, method)
        elif isinstance(route, Mount):
            assert context.path in PUBLIC_MOUNTS, f"mount {context.path} is not known to be public"
        else:
            raise AssertionError(f"{route!r} is not an API route, so the access guard does not cover it")


def _call(client: TestClient, method: str, path: str) -> int:
    return client.request(method, path, data={} if method != "GET" else None).status_code


def test_every_route_answers_each_role_as_its_access_level_says(
    anonymous_client: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    clients = {role: client_as(role) for role in ROLES}
    endpoints = list(walk(anonymous_client.app))  # type: ignore[arg-type]
    assert len(endpoints) >= 15
    checked = {"public": 0, "partner": 0, "viewer": 0, "editor": 0, "admin": 0}
    for method, path, level in endpoints:
        checked[level] += 1
        if level == "partner" and path.startswith("/epcis/"):
            assert (method, path) in EPCIS_ROUTES, f"{method} {path} is not known to be an EPCIS route"
            if method == "OPTIONS":
                continue
            assert _call(anonymous_client, method, path) == 401, f"{method} {path} answered without a token"
            for role, client in clients.items():
                status = _call(client, method, path)
                needed = "viewer" if method == "GET" else "editor"
                expected_refusal = not has_role(role, needed)
                assert (status == 403) == expected_refusal, f"{method} {path} answered {status} to a {role}"
            continue
        if level == "partner":
            assert (method, path) in PARTNER_ROUTES, f"{method} {path} is not known to be a PACT route"
            for client in (anonymous_client, *clients.values()):
                status = _call(client, method, path)
                assert status in (400, 401), f"{method} {path} answered {status} without a partner token"
            continue
        anonymous = _call(anonymous_client, method, path)
        if level == "public":
            assert anonymous != 401, f"{method} {path} is public but asked for credentials"
        else:
            assert anonymous == 401, f"{method} {path} answered {anonymous} without credentials"
        for role, client in clients.items():
            status = _call(client, method, path)
            if level == "public" or has_role(role, level):
                assert status not in (401, 403), f"{method} {path} refused a {role} ({status})"
            else:
                assert status == 403, f"{method} {path} answered {status} to a {role}, needs {level}"
    assert all(checked.values()), checked


def test_the_public_routes_are_exactly_the_intended_ones(anonymous_client: TestClient) -> None:
    public = set()
    for context in iter_route_contexts(anonymous_client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in context.methods or ():
                if required_level(route, method) == "public":
                    public.add((method, str(context.path)))
    assert public == PUBLIC_ROUTES


def test_a_route_added_later_is_guarded_without_saying_so(settings: Settings) -> None:
    app = create_app(settings)

    @app.post("/api/added-later")
    def added_later() -> dict[str, str]:
        return {"ok": "yes"}

    with TestClient(app) as client:
        assert client.post("/api/added-later").status_code == 401
    app.state.engine.dispose()


def test_the_walk_fails_on_a_route_that_bypasses_the_guard(settings: Settings) -> None:
    app = create_app(settings)
    app.router.routes.append(Route("/sneaky", lambda request: PlainTextResponse("data")))
    with pytest.raises(AssertionError, match="sneaky"):
        list(walk(app))
    app.state.engine.dispose()


def test_an_unknown_revoked_or_malformed_token_is_refused(anonymous_client: TestClient) -> None:
    for header in ("Bearer keten_nonsense", "Bearer ", "Bearer not-a-keten-token"):
        response = anonymous_client.get("/api/openapi.json", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"


def test_a_browser_without_a_session_is_sent_to_sign_in(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/parts?q=x", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fparts%3Fq%3Dx"
