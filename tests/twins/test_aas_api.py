"""The twins over the AAS HTTP/REST API: every answer read back with basyx-python-sdk's JSON
decoder, the modifiers, paging, the registry and discovery calls, and the refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from basyx.aas import model
from basyx.aas.adapter.json import StrictAASFromJsonDecoder
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.catalog.models import Part
from keten.twins import equipment, products

from .conftest import POWER_KW

API = "/aas/api/v3.0"
CNC = equipment.shell_id("CNC-01")


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decoded(response: Any) -> Any:
    """Return the answer's JSON read with basyx's strict decoder (AAS objects become objects)."""
    assert response.status_code == 200, response.text
    return json.loads(response.text, cls=StrictAASFromJsonDecoder)


def every_page(client: TestClient, path: str, limit: int = 2) -> list[Any]:
    items: list[Any] = []
    cursor = None
    for _ in range(1000):
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = decoded(client.get(f"{API}{path}", params=params))
        assert len(body["result"]) <= limit
        items += body["result"]
        cursor = body["paging_metadata"].get("cursor")
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


@pytest.fixture
def viewer(client_as: Callable[[str], TestClient], plant: None) -> TestClient:
    return client_as("viewer")


def test_every_shell_and_submodel_reads_back_in_basyx(viewer: TestClient) -> None:
    shells = every_page(viewer, "/shells")
    assert all(isinstance(s, model.AssetAdministrationShell) for s in shells)
    ids = [s.id for s in shells]
    assert ids[:2] == [CNC, equipment.shell_id("CNC-02")]
    assert len(ids) == len(set(ids)) > 2, "the demo's products with a BOM have shells too"
    product = shells[2]
    refs = every_page(viewer, f"/shells/{b64(product.id)}/submodel-refs", limit=1)
    kinds = set()
    for ref in refs:
        submodel = decoded(viewer.get(f"{API}/submodels/{b64(ref['keys'][0]['value'])}"))
        assert isinstance(submodel, model.Submodel)
        kinds.add(submodel.id_short)
    assert {"Nameplate", "HierarchicalStructures"} <= kinds
    submodels = every_page(viewer, "/submodels", limit=5)
    assert all(isinstance(s, model.Submodel) for s in submodels)
    assert {equipment.submodel_id("CNC-01", k) for k in equipment.KINDS} <= {s.id for s in submodels}


def test_an_equipment_twin_shows_its_nameplate_live_values_and_time_series(viewer: TestClient) -> None:
    shell = decoded(viewer.get(f"{API}/shells/{b64(CNC)}"))
    assert shell.asset_information.global_asset_id == equipment.asset_id("CNC-01")
    plate = decoded(viewer.get(f"{API}/submodels/{b64(equipment.submodel_id('CNC-01', 'nameplate'))}"))
    assert plate.get_referable("SerialNumber").value == "SN-4711"
    assert plate.get_referable("ManufacturerName").value["en"] == "Hermle"
    op_id = b64(equipment.submodel_id("CNC-01", "operational-data"))
    live = viewer.get(f"{API}/submodels/{op_id}/submodel-elements/Power/$value")
    assert live.status_code == 200 and live.json() == {"Power": POWER_KW}
    values = viewer.get(f"{API}/submodels/{op_id}/$value").json()
    assert values["State"] == "running" and values["GoodCount"] == 41.0 and values["OrderId"] == "PO-1001"
    series = decoded(viewer.get(f"{API}/submodels/{b64(equipment.submodel_id('CNC-01', 'time-series'))}"))
    assert series.semantic_id.key[0].value == "https://admin-shell.io/idta/TimeSeries/1/1"
    records = series.get_referable("Segments").get_referable("Recent").get_referable("Records")
    assert len(records.value) == 20 + 1, "the 20 newest of each signal, merged by time"
    linked = series.get_referable("Segments").get_referable("AllPower")
    assert linked.get_referable("Endpoint").value.endswith("/api/connector/equipment/CNC-01/series")


def test_the_modifiers_and_levels(viewer: TestClient) -> None:
    tech = b64(equipment.submodel_id("CNC-01", "technical-data"))
    meta = viewer.get(f"{API}/submodels/{tech}/$metadata").json()
    assert "submodelElements" not in meta and meta["idShort"] == "TechnicalData"
    core = viewer.get(f"{API}/submodels/{tech}", params={"level": "core"}).json()
    assert all("value" not in e for e in core["submodelElements"]), "children's children are left out"
    deep = decoded(viewer.get(f"{API}/submodels/{tech}", params={"level": "deep"}))
    assert deep.get_referable("TechnicalProperties").get_referable("RatedPower").value == 38
    # Every submodel's paths are one list, paged as such.
    first = viewer.get(f"{API}/submodels/$path", params={"limit": 1}).json()
    assert first["result"] == ["URIOfTheProduct"] and first["paging_metadata"]["cursor"]
    paths = viewer.get(f"{API}/submodels/{tech}/$path").json()
    assert "TechnicalProperties.Signals.Power" in paths
    rated = f"{API}/submodels/{tech}/submodel-elements/TechnicalProperties.RatedPower"
    ref = viewer.get(f"{rated}/$reference").json()
    assert [k["type"] for k in ref["keys"]] == ["Submodel", "SubmodelElementCollection", "Property"]
    element = decoded(viewer.get(rated))
    assert isinstance(element, model.Property)
    listed = viewer.get(f"{API}/submodels/{tech}/submodel-elements/$value").json()["result"]
    assert listed[1]["TechnicalProperties"]["RatedPower"] == 38
    through_shell = viewer.get(
        f"{API}/shells/{b64(CNC)}/submodels/{tech}/submodel-elements/TechnicalProperties/$path"
    )
    assert through_shell.json()[0] == "TechnicalProperties"


def test_registry_and_discovery(viewer: TestClient) -> None:
    descriptors = every_page(viewer, "/shell-descriptors")
    cnc = next(d for d in descriptors if d["id"] == CNC)
    href = cnc["endpoints"][0]["protocolInformation"]["href"]
    assert href.endswith(f"{API}/shells/{b64(CNC)}")
    assert len(cnc["submodelDescriptors"]) == 4
    assert viewer.get(href.replace("http://testserver", "")).json()["id"] == CNC
    serial = b64(json.dumps({"name": "serialNumber", "value": "SN-4711"}))
    assert viewer.get(f"{API}/lookup/shells", params={"assetIds": serial}).json()["result"] == [CNC]
    found = viewer.get(f"{API}/shells", params={"assetIds": serial}).json()["result"]
    assert [s["id"] for s in found] == [CNC]
    asset_ids = viewer.get(f"{API}/lookup/shells/{b64(CNC)}").json()
    assert {"name": "equipmentId", "value": "CNC-01"} in asset_ids
    one = viewer.get(
        f"{API}/submodel-descriptors/{b64(equipment.submodel_id('CNC-01', 'time-series'))}"
    ).json()
    assert one["semanticId"]["keys"][0]["value"] == equipment.TIME_SERIES


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/shells/invalid-base64url=====", 400),
        (f"/shells/{b64('urn:nothing')}", 404),
        ("/shells?limit=-1", 400),
        ("/shells?cursor=bm90LWEtbnVtYmVy", 400),
        (f"/submodels/{b64('urn:keten:submodel:equipment:CNC-01:nameplate')}?level=%23%23%23", 400),
        (f"/submodels/{b64('urn:keten:submodel:equipment:CNC-01:nameplate')}/submodel-elements/Nope", 404),
        (f"/shells/{b64(CNC)}/submodels/{b64('urn:keten:submodel:bom:x')}", 404),
    ],
)
def test_refusals_answer_with_the_apis_result(viewer: TestClient, path: str, status: int) -> None:
    response = viewer.get(f"{API}{path}")
    assert response.status_code == status, response.text
    message = response.json()["messages"][0]
    assert message["code"] == str(status) and message["messageType"] == "Error" and message["text"]


def test_equipment_twins_are_not_public(anonymous_client: TestClient, plant: None) -> None:
    response = anonymous_client.get(f"{API}/shells")
    assert response.status_code == 401
    assert response.json()["messages"][0]["code"] == "401"


def test_a_part_without_a_bom_has_no_twin(viewer: TestClient, engine: Engine) -> None:
    with Session(engine) as session:
        with_bom = set(products.part_numbers(session))
        leaf = next(n for n in session.scalars(select(Part.part_number)) if n not in with_bom)
    assert viewer.get(f"{API}/shells/{b64(products.shell_id(leaf))}").status_code == 404
    nameplate = f"urn:keten:submodel:nameplate:{leaf}"
    assert viewer.get(f"{API}/submodels/{b64(nameplate)}").status_code == 404
