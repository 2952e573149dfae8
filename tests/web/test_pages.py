"""The pages through HTTP: sign-in with cookies and CSRF, every main page on a loaded database, the
import page's check-then-confirm flow, languages, security headers and the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.app import create_app
from keten.catalog.models import BomLine, Part
from keten.dataio.models import ImportRun
from keten.partners.models import AuditEntry, Organization, WebSession
from keten.settings import Settings
from keten.ui.i18n import NL
from keten.web import NAVIGATION

from ..conftest import make_user
from .conftest import PASSWORD, add_user, csrf_of, sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "keten"


def test_sign_in_sets_a_session_cookie_that_is_http_only_and_same_site(
    anonymous_client: TestClient, engine: Engine
) -> None:
    add_user(engine, "ada", "viewer")
    form = anonymous_client.get("/signin")
    assert form.status_code == 200 and 'name="password"' in form.text
    response = anonymous_client.post(
        "/signin",
        data={"username": "ada", "password": PASSWORD, "csrf_token": csrf_of(form.text), "next": "/parts"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/parts"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("keten_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http, as on the demo's 127.0.0.1
    page = anonymous_client.get("/")
    assert page.status_code == 200 and "ada" in page.text
    anonymous_client.post("/signout", data={"csrf_token": csrf_of(page.text)})
    assert anonymous_client.get("/", follow_redirects=False).status_code == 401
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["sign in", "sign out"]


def test_sign_in_refuses_a_forged_form_a_wrong_password_and_then_slows_down(
    anonymous_client: TestClient, engine: Engine
) -> None:
    add_user(engine, "ada", "viewer")
    forged = anonymous_client.post(
        "/signin", data={"username": "ada", "password": PASSWORD, "csrf_token": "x"}
    )
    assert forged.status_code == 403
    token = csrf_of(anonymous_client.get("/signin").text)
    wrong = {"username": "ada", "password": "wrong password", "csrf_token": token}
    statuses = [anonymous_client.post("/signin", data=wrong).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    # From now on each failure blocks for twice as long; on a slow machine the first block (1 s) may
    # pass before the next request arrives, so keep trying until one is refused: it must come soon.
    for _ in range(5):
        right = {"username": "ada", "password": PASSWORD, "csrf_token": token}
        blocked = anonymous_client.post("/signin", data=right, follow_redirects=False)
        if blocked.status_code == 429:
            break
        assert blocked.status_code == 303  # the block had passed: the right password got in
        anonymous_client.cookies.clear()
        token = csrf_of(anonymous_client.get("/signin").text)
        wrong["csrf_token"] = token
        for _ in range(4):
            anonymous_client.post("/signin", data=wrong)
    assert blocked.status_code == 429 and "try again in" in blocked.text and blocked.headers["retry-after"]


def test_a_redirect_after_sign_in_stays_on_this_node(anonymous_client: TestClient, engine: Engine) -> None:
    add_user(engine, "ada", "viewer")
    token = csrf_of(anonymous_client.get("/signin").text)
    response = anonymous_client.post(
        "/signin",
        data={"username": "ada", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_a_form_without_its_csrf_token_is_refused(anonymous_client: TestClient, engine: Engine) -> None:
    add_user(engine, "ada", "viewer")
    sign_in(anonymous_client, "ada")
    assert anonymous_client.post("/account/tokens", data={"name": "ci"}).status_code == 403
    assert (
        anonymous_client.post("/account/tokens", data={"name": "ci", "csrf_token": "wrong"}).status_code
        == 403
    )
    page = anonymous_client.get("/account")
    created = anonymous_client.post("/account/tokens", data={"name": "ci", "csrf_token": csrf_of(page.text)})
    assert created.status_code == 200
    secret = re.search(r'data-testid="new-token">([^<]+)<', created.text)
    assert secret is not None
    # The token works for scripts, without cookies and without a CSRF token.
    api = TestClient(anonymous_client.app, headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.get("/api/openapi.json").status_code == 200
    assert "ci" in anonymous_client.get("/account").text


def test_every_main_page_renders_on_a_loaded_database(
    loaded: Engine, client_as: Callable[[str], TestClient]
) -> None:
    viewer = client_as("viewer")
    with Session(loaded) as session:
        product = session.scalars(select(Part).where(Part.kind == "product").order_by(Part.id)).first()
        assert product is not None
        children = session.scalar(
            select(func.count()).select_from(BomLine).where(BomLine.parent_id == product.id)
        )
        child = session.scalars(
            select(Part).join(BomLine, BomLine.child_id == Part.id).where(BomLine.parent_id == product.id)
        ).first()
        parts = session.scalar(select(func.count()).select_from(Part))
    assert child is not None
    overview = viewer.get("/")
    assert overview.status_code == 200
    assert f'data-testid="count-parts">{parts}<' in overview.text
    assert "Last imports" in overview.text and "parts.csv" in overview.text

    listing = viewer.get("/parts", params={"kind": "product"})
    assert product.part_number in listing.text
    searched = viewer.get("/parts", params={"q": product.part_number.lower()})
    assert product.part_number in searched.text
    assert 'rel="next"' in viewer.get("/parts").text  # more than one page of 50
    # % and _ are taken literally, as in the API: no part number holds them, so nothing is found
    for wildcard in ("%", "_"):
        assert 'data-testid="parts-table"' not in viewer.get("/parts", params={"q": wildcard}).text

    page = viewer.get(f"/parts/{product.part_number}")
    assert page.status_code == 200
    assert page.text.count('<li class="node') == min(children or 0, 100)
    assert f"/catalog/bom/{child.id}" in page.text or child.part_number in page.text
    fragment = viewer.get(f"/catalog/bom/{child.id}")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    used = viewer.get(f"/parts/{child.part_number}")
    assert product.part_number in used.text  # where-used names the product
    assert viewer.get(f"/partners/sourcing/{child.id}").status_code == 200
    assert viewer.get("/parts/NO-SUCH-PART", headers={"Accept": "text/html"}).status_code == 404

    organizations = viewer.get("/organizations")
    assert organizations.status_code == 200 and 'data-testid="supplier-map"' in organizations.text
    assert "&#34;locations&#34;" in organizations.text
    with Session(loaded) as session:
        supplier = session.scalars(select(Organization).where(Organization.role == "supplier")).first()
    assert supplier is not None
    found = viewer.get("/organizations", params={"q": supplier.code.lower()}).text
    assert f"/organizations/{supplier.code}" in found
    assert f"/organizations/{supplier.code}" not in viewer.get("/organizations", params={"q": "%"}).text
    detail = viewer.get(f"/organizations/{supplier.code}")
    assert detail.status_code == 200 and supplier.name in detail.text
    assert viewer.get("/organizations/NO-SUCH-ORG", headers={"Accept": "text/html"}).status_code == 404
    assert viewer.get("/unsourced").status_code == 200
    assert viewer.get("/vendor/plotly.min.js").headers["content-type"].startswith("text/javascript")


def test_the_import_page_checks_then_imports_on_confirmation(
    client_as: Callable[[str], TestClient], engine: Engine, chain_dir: Path
) -> None:
    editor = client_as("editor")
    files = [
        ("files", (name, (chain_dir / name).read_bytes(), "text/csv"))
        for name in ("organizations.csv", "parts.csv")
    ]
    checked = editor.post("/import", files=files)
    assert checked.status_code == 200 and 'data-testid="import-report"' in checked.text
    token = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert token is not None
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Part)) == 0  # the check wrote nothing
    done = editor.post("/import/confirm", data={"token": token.group(1)})
    assert done.status_code == 200 and 'data-testid="import-done"' in done.text
    again = editor.post("/import/confirm", data={"token": token.group(1)})
    assert again.status_code == 410
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Part)) == 300
        runs = list(session.scalars(select(ImportRun)))
        request_entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "POST /import/confirm")
        ).one()
        import_entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert {r.kind for r in runs} == {"organizations", "parts"} and all(
        r.username.startswith("editor") for r in runs
    )
    assert request_entry.username == import_entry.username
    assert import_entry.username is not None and import_entry.username.startswith("editor")
    assert "parts from parts.csv: 300 rows, 300 inserted" in import_entry.detail
    assert "import_runs added: 2" in request_entry.detail


def test_the_import_page_lists_errors_and_writes_nothing(
    client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    editor = client_as("editor")
    bad = b"part_number,name,kind,unit\nP-1,Bolt,gizmo,pcs\n"
    response = editor.post("/import", files=[("files", ("parts.csv", bad, "text/csv"))])
    assert 'data-testid="import-errors"' in response.text and "gizmo" in response.text
    assert "parts.csv" in response.text
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Part)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_viewer_is_refused_the_import_with_a_page_in_their_language(
    client_as: Callable[[str], TestClient],
) -> None:
    viewer = client_as("viewer")
    refused = viewer.get(
        "/import", headers={"Accept": "text/html", "Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}
    )
    assert refused.status_code == 403
    assert "Uw rol (lezer) staat dit niet toe" in refused.text


def test_the_language_follows_the_browser_and_the_switch(client_as: Callable[[str], TestClient]) -> None:
    viewer = client_as("viewer")
    assert ">Parts<" in viewer.get("/parts").text
    assert ">Onderdelen<" in viewer.get("/parts", headers={"Accept-Language": "nl"}).text
    switched = viewer.post("/language", data={"lang": "nl", "next": "/parts"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/parts"
    assert ">Onderdelen<" in viewer.get("/parts").text
    viewer.post("/language", data={"lang": "en", "next": "/"})
    assert ">Parts<" in viewer.get("/parts", headers={"Accept-Language": "nl"}).text


def test_every_response_carries_the_security_headers(anonymous_client: TestClient) -> None:
    for path in ("/signin", "/static/css/app.css", "/api/openapi.json", "/nowhere"):
        headers = anonymous_client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers  # plain http: a promise of HTTPS would be false
    https = TestClient(anonymous_client.app, base_url="https://keten.example")
    assert https.get("/signin").headers["strict-transport-security"] == "max-age=31536000"


def test_no_page_has_an_inline_script() -> None:
    for template in SRC.rglob("templates/*.html"):
        for tag in re.findall(r"<script[^>]*>", template.read_text(encoding="utf-8")):
            assert "src=" in tag, f"{template.name} has an inline script: {tag}"


def test_admins_manage_users_and_every_change_is_audited(
    client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    admin = client_as("admin")
    created = admin.post(
        "/users", data={"username": "bob", "password": PASSWORD, "role": "viewer"}, follow_redirects=False
    )
    assert created.status_code == 303
    assert admin.post("/users", data={"username": "bob", "password": PASSWORD}).status_code == 409
    with Session(engine) as session:
        bob = session.scalars(select(AuditEntry).where(AuditEntry.target == "bob (viewer)")).one()
        assert bob.username is not None and bob.username.startswith("admin")
    page = admin.get("/users")
    assert "bob" in page.text and "Audit log" in page.text


def test_every_label_has_a_dutch_translation() -> None:
    labels: set[str] = {label for _, label, _ in NAVIGATION}
    pattern = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
    for template in SRC.rglob("templates/*.html"):
        for double, single in pattern.findall(template.read_text(encoding="utf-8")):
            labels.add(double or single)
    for module in (SRC / "web" / "pages.py", SRC / "dataio" / "pages.py"):
        text = module.read_text(encoding="utf-8")
        labels.update(re.findall(r'(?:message|error)=\s*"([^"]+)"', text))
        labels.update(re.findall(r'\(\s*"([^"]+: \{count\})"', text))
        labels.update(re.findall(r'\(\s*"([A-Za-z ]+)",\s*(?:kinds|sum|_count)', text))
    missing = sorted(label for label in labels if label not in NL)
    assert not missing, f"labels without a Dutch translation: {missing}"
    assert len(labels) > 100


def test_cookies_are_secure_when_configured_or_on_https(settings: Settings) -> None:
    for configured, base_url in ((True, "http://testserver"), (None, "https://keten.example")):
        app = create_app(settings.model_copy(update={"cookie_secure": configured}))
        with TestClient(app, base_url=base_url) as browser:
            cookie = browser.get("/signin").headers["set-cookie"]
            assert cookie.startswith("keten_csrf=") and "Secure" in cookie and "HttpOnly" in cookie
        app.state.engine.dispose()


def test_htmx_requests_carry_the_csrf_token_in_a_header(anonymous_client: TestClient, engine: Engine) -> None:
    add_user(engine, "ada", "viewer")
    sign_in(anonymous_client, "ada")
    page = anonymous_client.get("/account")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert token is not None and token.group(1) == csrf_of(page.text)
    created = anonymous_client.post(
        "/account/tokens", data={"name": "x"}, headers={"X-CSRF-Token": token.group(1)}
    )
    assert created.status_code == 200


def test_a_revoked_token_stops_working_at_once(anonymous_client: TestClient, engine: Engine) -> None:
    add_user(engine, "ada", "viewer")
    sign_in(anonymous_client, "ada")
    created = anonymous_client.post(
        "/account/tokens", data={"name": "ci", "csrf_token": csrf_of(anonymous_client.get("/account").text)}
    )
    secret = re.search(r'data-testid="new-token">([^<]+)<', created.text)
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', created.text)
    assert secret is not None and token_id is not None
    bearer = {"Authorization": f"Bearer {secret.group(1)}"}
    assert anonymous_client.get("/api/openapi.json", headers=bearer).status_code == 200
    revoked = anonymous_client.post(
        f"/account/tokens/{token_id.group(1)}/revoke", data={"csrf_token": csrf_of(created.text)}
    )
    assert revoked.status_code == 200 and "Revoked" in revoked.text
    assert anonymous_client.get("/api/openapi.json", headers=bearer).status_code == 401


def test_an_upload_can_only_be_confirmed_by_who_checked_it(
    client_as: Callable[[str], TestClient], engine: Engine, chain_dir: Path
) -> None:
    first, second = client_as("editor"), client_as("editor")
    files = [("files", ("organizations.csv", (chain_dir / "organizations.csv").read_bytes(), "text/csv"))]
    token = re.search(r'name="token" value="([^"]+)"', first.post("/import", files=files).text)
    assert token is not None
    assert second.post("/import/confirm", data={"token": token.group(1)}).status_code == 410
    assert second.post("/import/confirm", data={"token": "../../etc"}).status_code == 410
    assert first.post("/import/confirm", data={"token": token.group(1)}).status_code == 200


def test_the_openapi_document_says_how_to_authenticate(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    assert schema["security"] == [{"apiToken": []}]
    assert not any(path.startswith(("/parts", "/signin", "/import")) for path in schema["paths"])


def test_a_bom_node_opens_with_its_quantities_per_product(
    client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    with Session(engine) as session:
        product = Part(part_number="M-1", name="Machine", kind="product")
        module = Part(part_number="A-1", name="Module", kind="assembly")
        bolt = Part(part_number="B-1", name="Bolt", kind="component")
        session.add_all([product, module, bolt])
        session.flush()
        session.add_all(
            [
                BomLine(parent_id=product.id, child_id=module.id, quantity=2),
                BomLine(parent_id=module.id, child_id=bolt.id, quantity=3),
            ]
        )
        session.commit()
        module_id = module.id
    viewer = client_as("viewer")
    page = viewer.get("/parts/M-1")
    assert f"/catalog/bom/{module_id}?factor=2.0&depth=2&root=M-1" in page.text
    node = viewer.get(f"/catalog/bom/{module_id}", params={"factor": 2.0, "depth": 2, "root": "M-1"})
    assert "B-1" in node.text and "Σ 6" in node.text and 'title="Total in one M-1"' in node.text
    assert "toggle-spacer" in node.text  # the bolt has no BOM of its own: nothing to open


def test_a_form_with_missing_fields_gets_a_page_not_json(client_as: Callable[[str], TestClient]) -> None:
    admin = client_as("admin")
    response = admin.post("/users", data={"username": "x"}, headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Check what you entered" in response.text and "password" in response.text
    api = admin.post("/api/imports", data={})
    assert api.headers["content-type"] == "application/problem+json"


def test_the_import_page_takes_an_xlsx_workbook_with_a_sheet_per_kind(
    client_as: Callable[[str], TestClient], engine: Engine, chain_dir: Path
) -> None:
    import csv
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in ("organizations", "sites"):
        sheet = workbook.create_sheet(kind)
        with (chain_dir / f"{kind}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    editor = client_as("editor")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    checked = editor.post("/import", files=[("files", ("supply-base.xlsx", data.getvalue(), xlsx))])
    token = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert token is not None, checked.text
    assert editor.post("/import/confirm", data={"token": token.group(1)}).status_code == 200
    with Session(engine) as session:
        kinds = {run.kind for run in session.scalars(select(ImportRun))}
    assert kinds == {"organizations", "sites"}


def test_a_wide_bom_opens_in_batches_and_the_overview_warnings_lead_to_their_parts(
    client_as: Callable[[str], TestClient], engine: Engine
) -> None:
    with Session(engine) as session:
        rack = Part(part_number="R-1", name="Rack", kind="product", mass_kg=10.0)
        screws = [Part(part_number=f"S-{i:03d}", name="Screw", kind="component") for i in range(105)]
        empty = Part(part_number="E-1", name="Empty product", kind="product", mass_kg=1.0)
        session.add_all([rack, empty, *screws])
        session.flush()
        session.add_all([BomLine(parent_id=rack.id, child_id=s.id, quantity=1) for s in screws])
        session.commit()
        rack_id = rack.id
    viewer = client_as("viewer")
    page = viewer.get("/parts/R-1")
    assert page.text.count('<li class="node"') == 100
    assert f"/catalog/bom/{rack_id}?offset=100" in page.text and "Show more (5)" in page.text
    rest = viewer.get(f"/catalog/bom/{rack_id}", params={"offset": 100})
    assert rest.text.count('<li class="node"') == 5 and "S-104" in rest.text and "Show more" not in rest.text

    overview = viewer.get("/").text
    assert "Parts without mass: 105" in overview and "Products without a BOM: 1" in overview
    assert "Bought parts without a source: 105" in overview
    assert "E-1" in viewer.get("/parts", params={"problem": "no-bom"}).text
    assert "S-000" in viewer.get("/parts", params={"problem": "no-mass"}).text
    assert "R-1" not in viewer.get("/parts", params={"problem": "no-mass"}).text
    assert "S-050" in viewer.get("/unsourced", params={"page": 2}).text


def test_the_import_page_refuses_files_over_the_upload_limit(settings: Settings, engine: Engine) -> None:
    app = create_app(settings.model_copy(update={"max_upload_mb": 1}))
    with TestClient(app, headers={"Authorization": f"Bearer {make_user(engine, 'editor')}"}) as editor:
        big = b"part_number,name,kind\n" + b"P-1,Bolt,component\n" * 60_000
        response = editor.post("/import", files=[("files", ("parts.csv", big, "text/csv"))])
        assert response.status_code == 413 and "larger than 1 MB" in response.text
        empty = editor.post("/import", files=[("files", ("parts.csv", b"", "text/csv"))])
        assert empty.status_code == 422 and "Choose at least one file" in empty.text
    app.state.engine.dispose()
