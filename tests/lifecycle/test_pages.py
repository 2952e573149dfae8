"""The lifecycle pages on the demo's machines, in English and Dutch: the overview with statuses and
the harvest, a machine's timeline, and a product's circularity."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.dataio import demo

ONE, TWO, THREE = demo.DEMO_SERIALS


def _load(engine: Engine) -> None:
    with Session(engine) as session:
        demo.load(session, passports=True, resolver="http://testserver")
        session.commit()


def test_the_overview_shows_each_demo_machine_s_status_and_the_harvest(
    engine: Engine, client_as: Callable[[str], TestClient]
) -> None:
    _load(engine)
    viewer = client_as("viewer")
    page = viewer.get("/lifecycle")
    assert page.status_code == 200
    for serial, status in ((ONE, "in_use"), (TWO, "refurbished"), (THREE, "end_of_life")):
        row = page.text[page.text.index(f">{serial}</a>") :]
        assert f"status-{status}" in row[: row.index("</tr>")], serial
    returns = page.text[page.text.index('data-testid="lifecycle-returns"') :]
    assert "harvesting" in returns and "8712345CH2400-0003" in returns
    viewer.cookies.set("keten_lang", "nl")
    dutch = viewer.get("/lifecycle").text
    assert "Machines in het veld" in dutch and "gereviseerd" in dutch and "onderdelen geoogst" in dutch


def test_the_refurbished_machine_holds_the_harvested_chuck(
    engine: Engine, client_as: Callable[[str], TestClient]
) -> None:
    _load(engine)
    viewer = client_as("viewer")
    page = viewer.get(f"/lifecycle/machines/{demo.DEMO_GTIN}/{TWO}")
    assert page.status_code == 200
    modules = page.text[page.text.index('data-testid="machine-modules"') :]
    assert "CH2400-0003" in modules[: modules.index("</table>")]
    assert "CH2400-0002" not in modules[: modules.index("</table>")]
    service = page.text[page.text.index('data-testid="machine-service"') :]
    assert "refurbishing" in service and "replacing" in service
    assert viewer.get(f"/lifecycle/machines/{demo.DEMO_GTIN}/NO-SUCH").status_code == 200
    assert viewer.get("/lifecycle/machines/123/ONE").status_code == 422


def test_circularity_of_the_demo_product_in_both_languages(
    engine: Engine, client_as: Callable[[str], TestClient]
) -> None:
    _load(engine)
    viewer = client_as("viewer")
    page = viewer.get("/lifecycle/circularity/WS-1000", params={"collected_for_recycling": 0.9})
    assert page.status_code == 200
    api = viewer.get(
        "/api/lifecycle/products/WS-1000/circularity", params={"collected_for_recycling": 0.9}
    ).json()
    assert 0 < api["mci"] < 1
    assert f">{api['mci']:.3f}<" in page.text
    viewer.cookies.set("keten_lang", "nl")
    dutch = viewer.get("/lifecycle/circularity/WS-1000", params={"collected_for_recycling": 0.9}).text
    assert f">{api['mci']:.3f}<".replace(".", ",") in dutch and "Aannames" in dutch
