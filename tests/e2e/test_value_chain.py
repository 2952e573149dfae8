"""Three keten nodes on loopback ports, each with its own database: a tier-2 supplier, a tier-1
supplier and an OEM. Footprints travel up the chain over PACT as primary data, a footprint request
travels down and is fulfilled, the OEM's passport of its machine shows the chain's primary data
share, and a partner without a grant sees nothing.

The OEM's node runs on PostgreSQL when KETEN_TEST_POSTGRES_URL names a server, the suppliers' on
SQLite files, so the chain also crosses database backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from keten.db import make_engine
from keten.exchange import service
from keten.exchange.schemas import GrantCreate, PartnerCreate, PartnerRemote
from keten.footprints import service as footprints
from keten.footprints.models import Activity, FootprintRun
from keten.migrate import upgrade
from keten.settings import Settings
from tests.conftest import make_user
from tests.exchange.conftest import FACTORS, Partner, add_partner, live_server, token_of, wait_for
from tests.factories import make_bom, make_composition, make_material, make_org, make_part, make_site

POSTGRES_URL = os.environ.get("KETEN_TEST_POSTGRES_URL")


@contextmanager
def _database(folder: Path, name: str, *, postgres: bool = False) -> Iterator[tuple[str, Engine]]:
    """Yield (URL, engine) of a new migrated database: a SQLite file, or a PostgreSQL database."""
    if postgres and POSTGRES_URL:
        database = f"exchange_e2e_{name}_{uuid.uuid4().hex[:8]}"
        admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        url = make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)
    else:
        url, admin, database = f"sqlite:///{folder / name}.db", None, ""
    engine = make_engine(url)
    upgrade(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()


def _node(session: Session, *, own: str, product: str, product_kg: float, child: str | None) -> None:
    """Store a node's own company, its product (with ``child`` as a purchased part) and its factors."""
    footprints.load_factor_csv(session, FACTORS, name="hand", version="1", make_default=True)
    al = make_material(session, code="AL")
    org = make_org(session, code=own, name=f"{own} B.V.", role="own", country="NL")
    site = make_site(session, organization=org, code=f"{own}-FAB", country="NL")
    made = make_part(session, part_number=product, kind="product", mass_kg=product_kg, category="products")
    if child is None:
        # The tier-2 cell: 0.5 kg aluminium (4.0) and 10 kWh measured at its own plant (3.0).
        make_composition(session, part=made, material=al, mass_kg=0.5)
    else:
        bought = make_part(session, part_number=child, mass_kg=0.5, category="bought")
        make_composition(session, part=bought, material=al, mass_kg=0.5)
        make_bom(session, made, (bought, 2.0))
    session.add(
        Activity(part_id=made.id, kind="electricity", site_id=site.id, amount=10.0, primary_share=1.0)
    )
    session.flush()
    footprints.calculate(session, part_number=product)


def _share(engine: Engine, part_number: str) -> float:
    with Session(engine) as session:
        return float(footprints.latest(session, part_number=part_number).primary_data_share or 0.0)


def _connect(
    supplier_engine: Engine,
    customer_engine: Engine,
    supplier_base: str,
    *,
    code_at_supplier: str,
    code_at_customer: str,
) -> tuple[Partner, Partner]:
    """Make the customer a partner of the supplier, and the supplier a partner of the customer that
    the customer calls with those credentials; return the customer's credentials at the supplier and
    the supplier's at the customer (one partner record serves both directions)."""
    with Session(supplier_engine, expire_on_commit=False) as session:
        credentials = add_partner(session, code_at_supplier)
        session.commit()
    with Session(customer_engine) as session:
        back, secret = service.create_partner(
            session,
            data=PartnerCreate(
                code=code_at_customer,
                name=f"{code_at_customer} B.V.",
                remote=PartnerRemote(
                    base_url=supplier_base, client_id=credentials.client_id, client_secret=credentials.secret
                ),
            ),
        )
        session.commit()
        return credentials, Partner(code_at_customer, back.client_id, secret)


def _keten(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "200"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)


def _api(base: str, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method, f"{base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60, **kwargs
    )


def test_footprints_travel_up_the_chain_and_a_request_travels_down(tmp_path: Path) -> None:
    with (
        _database(tmp_path, "tier2") as (t2_url, t2),
        _database(tmp_path, "tier1") as (t1_url, t1),
        _database(tmp_path, "oem", postgres=True) as (oem_url, oem),
    ):
        with Session(t2) as session:
            _node(session, own="TIER2", product="CELL", product_kg=0.5, child=None)
            service.publish(session, part_number="CELL", node_name="tier2")
            session.commit()
        with Session(t1) as session:
            _node(session, own="TIER1", product="MODULE", product_kg=2.0, child="CELL")
            session.commit()
        with Session(oem) as session:
            _node(session, own="OEM", product="MACHINE", product_kg=10.0, child="MODULE")
            session.commit()
        tokens = {name: make_user(engine, "editor") for name, engine in (("t1", t1), ("oem", oem))}
        t1_before, oem_before = _share(t1, "MODULE"), _share(oem, "MACHINE")
        with (
            live_server(Settings(database_url=t2_url, node_name="tier2")) as t2_base,
            live_server(Settings(database_url=t1_url, node_name="tier1")) as t1_base,
            live_server(Settings(database_url=oem_url, node_name="oem")) as oem_base,
        ):
            _connect(t2, t1, t2_base, code_at_supplier="TIER1", code_at_customer="TIER2")
            oem_at_t1, t1_at_oem = _connect(
                t1, oem, t1_base, code_at_supplier="OEM", code_at_customer="TIER1"
            )
            # The tier-1 answers the OEM's requests by calling the OEM's own PACT API.
            with Session(t1) as session:
                service.set_remote(
                    session,
                    code="OEM",
                    remote=PartnerRemote(
                        base_url=oem_base, client_id=t1_at_oem.client_id, client_secret=t1_at_oem.secret
                    ),
                )
                session.commit()

            # Without a grant the tier-1 sees nothing of the tier-2, and its pull stores nothing.
            empty = _keten("exchange", "pull", "TIER2", url=t1_url)
            assert empty.returncode == 0, empty.stderr
            assert _share(t1, "MODULE") == t1_before

            # The tier-2 grants its cell to the tier-1: the tier-1 pulls it as primary data.
            with Session(t2) as session:
                service.create_grant(
                    session,
                    data=GrantCreate(partner="TIER1", part_number="CELL", purpose="module footprint"),
                    username="tier2",
                )
                session.commit()
            pulled = _keten("exchange", "pull", "TIER2", url=t1_url)
            assert pulled.returncode == 0, pulled.stderr
            assert "CELL" in pulled.stdout and "MODULE" in pulled.stdout
            t1_after = _share(t1, "MODULE")
            assert t1_after > t1_before
            with Session(t1) as session:
                module = footprints.latest(session, part_number="MODULE")
                # 2 cells of 7.0 each from the tier-2 (4.0 aluminium + 3.0 electricity), plus 3.0 own.
                assert module.total_kg_co2e == pytest.approx(17.0)

            # The tier-1 publishes its module to the OEM, who pulls it over the API.
            published = _api(t1_base, tokens["t1"], "POST", "/api/exchange/footprints/MODULE/publish")
            assert published.status_code == 201, published.text
            granted = _api(
                t1_base,
                tokens["t1"],
                "POST",
                "/api/exchange/grants",
                json={"partner": "OEM", "category": "products", "purpose": "machine footprint"},
            )
            assert granted.status_code == 201, granted.text
            report = _api(oem_base, tokens["oem"], "POST", "/api/exchange/partners/TIER1/pull")
            assert report.status_code == 200, report.text
            assert report.json()["stored"] == ["MODULE"] and report.json()["recalculated"] == ["MACHINE"]
            oem_after = _share(oem, "MACHINE")
            assert oem_after > oem_before
            machine = _api(oem_base, tokens["oem"], "POST", "/api/exchange/footprints/MACHINE/publish")
            assert machine.status_code == 201
            with Session(oem) as session:
                active = service.active_published(session, part_number="MACHINE")
                assert active is not None
                pcf = json.loads(active.document_v2)["pcf"]
                # Sent to the two decimals of a per cent that PACT documents carry.
                assert pcf["primaryDataShare"] == pytest.approx(100 * oem_after, abs=0.005)
            # The OEM's passport of the machine shows the chain's primary data, to anyone.
            gtin = _api(
                oem_base,
                tokens["oem"],
                "PUT",
                "/api/passport-inputs/MACHINE",
                json={"gtin": "08712345000011"},
            )
            assert gtin.status_code == 200, gtin.text
            issued = _api(oem_base, tokens["oem"], "POST", "/api/passports", json={"part_number": "MACHINE"})
            assert issued.status_code == 201, issued.text
            public = httpx.get(f"{oem_base}/api/passports/{issued.json()[0]['id']}")
            assert public.status_code == 200, public.text
            footprint = public.json()["passport"]["carbonFootprint"]
            assert footprint["primaryDataShare"] == pytest.approx(oem_after, abs=1e-9)

            # A request travels down: the OEM asks the tier-1, which fulfils it.
            asked = _api(
                oem_base,
                tokens["oem"],
                "POST",
                "/api/exchange/requests",
                json={"partner": "TIER1", "part_number": "MODULE", "comment": "for the 2026 report"},
            )
            assert asked.status_code == 201, asked.text

            # The request is queued in the OEM's outbox with the request, and its worker sends it.
            def arrived() -> list[dict[str, Any]]:
                queue = _api(
                    t1_base, tokens["t1"], "GET", "/api/exchange/requests", params={"direction": "incoming"}
                )
                return [r for r in queue.json() if r["event_id"] == asked.json()["event_id"]]

            incoming = wait_for(arrived)
            assert incoming[0]["comment"] == "for the 2026 report"
            answered = _api(
                t1_base,
                tokens["t1"],
                "POST",
                f"/api/exchange/requests/{incoming[0]['id']}/fulfil",
                json={"part_number": "MODULE"},
            )
            assert answered.status_code == 200, answered.text

            def fulfilled() -> list[dict[str, Any]]:
                mine = _api(
                    oem_base, tokens["oem"], "GET", "/api/exchange/requests", params={"direction": "outgoing"}
                )
                return [r for r in mine.json() if r["status"] == "fulfilled"]

            mine = wait_for(fulfilled)
            assert len(mine) == 1 and mine[0]["footprint_ids"] == answered.json()["footprint_ids"]

            # A partner without a grant sees nothing, by list, by id, by filter or by error message.
            with Session(t2, expire_on_commit=False) as session:
                snoop = add_partner(session, "SNOOP")
                cell_id = service.active_published(session, part_number="CELL")
                session.commit()
            assert cell_id is not None
            bearer = {"Authorization": f"Bearer {token_of(t2_base, snoop)}"}
            for version in ("2", "3"):
                listed = httpx.get(f"{t2_base}/{version}/footprints", headers=bearer)
                assert listed.json() == {"data": []}
                one = httpx.get(f"{t2_base}/{version}/footprints/{cell_id.id}", headers=bearer)
                assert one.status_code == 404 and "CELL" not in one.text and cell_id.id not in one.text
            with Session(oem) as session:
                assert session.scalar(select(FootprintRun.id).limit(1)) is not None
            assert oem_at_t1.code == "OEM"
