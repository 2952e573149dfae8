"""The live values of an equipment twin, the calls a client polls: one query for the value, the
same answers as the whole operational data submodel gives, and the same refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from basyx.aas import model
from basyx.aas.adapter.json import StrictAASFromJsonDecoder
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from keten.twins import equipment

from .conftest import POWER_KW

API = "/aas/api/v3.0"
LIVE = ["Power", "EnergyCounter", "State", "GoodCount", "ScrapCount", "OrderId"]
"""The live values CNC-01's connector file names."""


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def op(key: str) -> str:
    return f"{API}/submodels/{b64(equipment.submodel_id(key, 'operational-data'))}"


@pytest.fixture
def viewer(client_as: Callable[[str], TestClient], plant: None) -> TestClient:
    return client_as("viewer")


@pytest.fixture
def statements(viewer: TestClient) -> Iterator[list[str]]:
    """Yield the SQL statements the app runs from now on."""
    seen: list[str] = []
    engine: Engine = viewer.app.state.engine  # type: ignore[attr-defined]

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_live_value_is_one_query(viewer: TestClient, statements: list[str]) -> None:
    response = viewer.get(f"{op('CNC-01')}/submodel-elements/Power/$value")
    assert response.status_code == 200 and response.json() == {"Power": POWER_KW}
    signing_in = ("api_tokens", "users")
    own = [s for s in statements if not any(table in s for table in signing_in)]
    assert len(own) == 1, own
    assert "connector_equipment" in own[0] and "connector_sources" in own[0]


@pytest.mark.parametrize("id_short", LIVE)
def test_a_live_value_answers_as_the_whole_submodel_does(viewer: TestClient, id_short: str) -> None:
    whole_values = viewer.get(f"{op('CNC-01')}/$value").json()
    listed = viewer.get(f"{op('CNC-01')}/submodel-elements").json()["result"]
    whole_element = next(e for e in listed if e["idShort"] == id_short)
    value = viewer.get(f"{op('CNC-01')}/submodel-elements/{id_short}/$value")
    assert value.status_code == 200 and value.json() == {id_short: whole_values[id_short]}
    element = viewer.get(f"{op('CNC-01')}/submodel-elements/{id_short}")
    assert element.status_code == 200 and element.json() == whole_element
    decoded = json.loads(element.text, cls=StrictAASFromJsonDecoder)
    assert isinstance(decoded, model.Property) and decoded.id_short == id_short
    through_shell = viewer.get(
        f"{API}/shells/{b64(equipment.shell_id('CNC-01'))}/submodels/"
        f"{b64(equipment.submodel_id('CNC-01', 'operational-data'))}/submodel-elements/{id_short}/$value"
    )
    assert through_shell.json() == value.json()


def test_a_value_never_reported_is_null_and_a_signal_not_configured_is_not_there(
    viewer: TestClient,
) -> None:
    assert viewer.get(f"{op('CNC-02')}/submodel-elements/Power/$value").json() == {"Power": None}
    missing = viewer.get(f"{op('CNC-02')}/submodel-elements/State/$value")
    assert missing.status_code == 404 and missing.json()["messages"][0]["code"] == "404"
    for nobody in ("CNC-99", 'CNC-01"', "CNC-01']"):
        response = viewer.get(f"{op(nobody)}/submodel-elements/Power/$value")
        assert response.status_code == 404, (nobody, response.text)
    other_kind = viewer.get(
        f"{API}/submodels/{b64(equipment.submodel_id('CNC-01', 'nameplate'))}/submodel-elements/Power/$value"
    )
    assert other_kind.status_code == 404
    bad_level = viewer.get(f"{op('CNC-01')}/submodel-elements/Power", params={"level": "###"})
    assert bad_level.status_code == 400


def test_a_live_value_is_not_public(anonymous_client: TestClient, plant: None) -> None:
    response = anonymous_client.get(f"{op('CNC-01')}/submodel-elements/Power/$value")
    assert response.status_code == 401
    assert response.json()["messages"][0]["code"] == "401"
