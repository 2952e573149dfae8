"""The risk pages over the hand-checked system of test_service, in English and Dutch."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from keten.resilience.models import RiskReport, RiskScenario
from tests.resilience.test_service import build


@pytest.fixture
def system(engine: Engine) -> None:
    with Session(engine) as session:
        build(session)
        session.commit()


def test_overview_maps_exposure_by_country(client: TestClient, system: None) -> None:
    page = client.get("/risk")
    assert page.status_code == 200, page.text
    found = re.search(r'data-map="([^"]+)"', page.text)
    assert found is not None
    data = json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    values = dict(zip(data["locations"], data["values"], strict=True))
    # the Netherlands hosts both suppliers; China holds most of the gallium in C3
    assert values["NLD"] > 0 and values["CHN"] > 0 and values.get("DEU", 0) == 0
    assert 'data-testid="single-source">2<' in page.text
    assert ">Risk<" in page.text
    dutch = client.get("/risk", headers={"Accept-Language": "nl"})
    assert ">Risico<" in dutch.text and "Blootstelling per land" in dutch.text


def test_critical_nodes_page_and_mitigation_fragment(client: TestClient, system: None) -> None:
    page = client.get("/risk/critical", params={"kind": "site", "weeks": 6})
    assert page.status_code == 200
    rows = re.findall(
        r'<td class="num">(\d+)</td>\s*<td>([^<]+)<span class="mono small">([^<]+)</span>', page.text
    )
    assert [r[2] for r in rows][:1] == ["S1"]
    fragment = client.get("/risk/mitigations", params={"node": "site:S1", "weeks": 6})
    assert 'data-testid="mitigation-options"' in fragment.text and "+60" in fragment.text
    assert "names no node" in client.get("/risk/mitigations", params={"node": "site:NOPE"}).text


def test_scenario_builder_computes_and_an_editor_saves(
    client_as: Callable[[str], TestClient], system: None, engine: Engine
) -> None:
    viewer = client_as("viewer")
    form = viewer.get("/risk/scenario")
    assert 'value="site:S0"' in form.text and 'value="country:NL"' in form.text
    params = {"node": ["country:NL"], "weeks": 6, "horizon": 8}
    fragment = viewer.get("/risk/scenario/result", params=params)
    assert 'data-testid="impact-chart"' in fragment.text
    chart = re.search(r'data-chart="([^"]+)"', fragment.text)
    assert chart is not None
    assert json.loads(chart.group(1).replace("&#34;", '"'))["revenue"][:2] == [1000, 1000]
    full = viewer.get("/risk/scenario", params=params)
    assert 'data-testid="scenario-result"' in full.text and "Save this scenario" not in full.text
    bad = viewer.get("/risk/scenario/result", params={"node": ["site:NOPE"]})
    assert 'data-testid="scenario-error"' in bad.text
    editor = client_as("editor")
    assert "Save this scenario" in editor.get("/risk/scenario", params=params).text
    token = re.search(r'name="csrf_token" value="([^"]*)"', editor.get("/risk/scenario").text)
    assert token is not None
    saved = editor.post(
        "/risk/scenarios",
        data={"name": "NL", "node": ["country:NL"], "start": "2030-01-07", "weeks": "6", "horizon": "8"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with Session(engine) as session:
        assert session.scalars(select(RiskScenario.nodes)).one() == ["country:NL"]
    assert "NL" in viewer.get("/risk/scenario").text


def test_crm_page_lists_the_materials_of_a_product(client: TestClient, system: None) -> None:
    page = client.get("/risk/crm", params={"product": "P"})
    assert 'data-testid="crm-table"' in page.text
    assert "Light rare earth elements" in page.text and "Gallium" in page.text and "CN 94 %" in page.text


def test_an_editor_issues_a_report_from_the_overview(
    client_as: Callable[[str], TestClient], system: None, engine: Engine
) -> None:
    viewer = client_as("viewer")
    assert 'data-testid="issue-report"' not in viewer.get("/risk").text
    assert viewer.post("/risk/reports").status_code == 403
    editor = client_as("editor")
    issued = editor.post("/risk/reports", follow_redirects=False)
    assert issued.status_code == 303 and issued.headers["location"].startswith("/risk/reports/")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(RiskReport)) == 1
    assert 'data-testid="reports"' in viewer.get("/risk").text


def test_a_report_issued_in_dutch_opens_inside_the_app_and_its_pdf_fits_the_page(
    client_as: Callable[[str], TestClient], system: None
) -> None:
    import io

    from pypdf import PdfReader

    editor = client_as("editor")
    editor.cookies.set("keten_lang", "nl")
    page = editor.post("/risk/reports")
    assert page.status_code == 200 and 'class="topbar"' in page.text  # the app's header
    assert 'data-testid="report"' in page.text and "1. Beoordeelde producten" in page.text
    assert "Products assessed" not in page.text and "<style>" not in page.text
    pdf_link = re.search(r'href="(/api/risk/reports/\d+\.pdf)"', page.text)
    assert pdf_link is not None
    reader = PdfReader(io.BytesIO(editor.get(pdf_link.group(1)).content))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Kritieke knooppunten" in text and "pagina 1 van" in text
    # Every character is placed within the page: no column runs off its right edge.
    for number, pdf_page in enumerate(reader.pages, 1):
        width = float(pdf_page.mediabox.width)
        right: list[float] = []

        def _collect(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            if text.strip():
                right.append(cm[4] + tm[4] * cm[0])  # noqa: B023 - consumed within this page

        pdf_page.extract_text(visitor_text=_collect)
        assert right and max(right) < width, (number, max(right), width)
