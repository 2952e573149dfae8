"""Issuing and revising a passport from its pages: the GTIN asked for where the product has none,
editors only, in English and Dutch."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.passports import service
from keten.passports.models import PassportRecord
from keten.passports.schemas import PassportInputData
from tests.factories import make_part

from .conftest import Product


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(PassportRecord)) or 0)


def test_an_editor_issues_a_passport_and_is_asked_for_the_missing_gtin(
    client_as: Callable[[str], TestClient], product: Product, engine: Engine
) -> None:
    with Session(engine) as session:
        make_part(session, part_number="NEW-1", name="New product", kind="product", mass_kg=1.0)
        session.commit()
    editor = client_as("editor")
    form = editor.get("/passports")
    assert 'data-testid="issue"' in form.text and 'name="gtin"' in form.text
    asked = editor.post("/passports", data={"part_number": "NEW-1", "level": "model"}, follow_redirects=False)
    assert asked.status_code == 422
    assert "NEW-1 has no GTIN yet: give it its GTIN to issue its passport." in asked.text
    assert 'value="NEW-1"' in asked.text and "required autofocus" in asked.text
    assert _count(engine) == 0
    wrong = editor.post("/passports", data={"part_number": "NEW-1", "gtin": "8712345000128"})
    assert wrong.status_code == 422 and "check digit should be 7" in wrong.text
    issued = editor.post(
        "/passports", data={"part_number": "NEW-1", "gtin": "8712345000127"}, follow_redirects=False
    )
    assert issued.status_code == 303, issued.text
    page = editor.get(issued.headers["location"])
    assert "Passports issued and signed: 1." in page.text and "08712345000127" in page.text
    with Session(engine) as session:
        assert service.get_input(session, part_number="NEW-1").gtin == "08712345000127"
        model = service.find(session, gtin="08712345000127")
    items = editor.post(
        "/passports",
        data={"part_number": "NEW-1", "level": "item", "serials": "A1, A2\nA3"},
        follow_redirects=False,
    )
    assert items.status_code == 303 and items.headers["location"].endswith("?issued=3")
    again = editor.post("/passports", data={"part_number": "NEW-1", "level": "model"})
    assert again.status_code == 409 and "has a model passport; revise it instead" in again.text
    revised = editor.post(f"/passports/{model.uid}/revise", follow_redirects=False)
    assert revised.headers["location"] == f"/passports/{model.uid}?unchanged=1"
    with Session(engine) as session:
        service.set_input(
            session,
            part_number="NEW-1",
            data=PassportInputData(gtin="8712345000127", expected_lifetime_years=12),
        )
        session.commit()
    revised = editor.post(f"/passports/{model.uid}/revise")
    assert "Revision 2 signed." in revised.text


def test_only_editors_issue_and_revise_and_the_form_speaks_dutch(
    client_as: Callable[[str], TestClient], product: Product, engine: Engine
) -> None:
    viewer = client_as("viewer")
    assert 'data-testid="issue"' not in viewer.get("/passports").text
    assert viewer.post("/passports", data={"part_number": "P-1"}).status_code == 403
    with Session(engine) as session:
        [model] = service.issue(session, part_number="P-1", resolver="https://id.example.com")
        session.commit()
        uid = model.uid
    assert viewer.post(f"/passports/{uid}/revise").status_code == 403
    assert "Revise from the current data" not in viewer.get(f"/passports/{uid}").text
    editor = client_as("editor")
    editor.cookies.set("keten_lang", "nl")
    with Session(engine) as session:
        make_part(session, part_number="NEW-2", name="Nieuw", kind="product", mass_kg=1.0)
        session.commit()
    dutch = editor.post("/passports", data={"part_number": "NEW-2"})
    assert "NEW-2 heeft nog geen GTIN" in dutch.text and "Paspoort uitgeven" in dutch.text
    assert "Herzien met de huidige gegevens" in editor.get(f"/passports/{uid}").text
