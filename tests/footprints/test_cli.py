"""``keten footprint`` on the demo in a fresh SQLite file, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text


def _keten(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "200"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_demo_footprint_calculates_shows_and_exports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    loaded = _keten("demo", "--load-only", url=url, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    calculated = _keten("footprint", "calculate", "WS-1000", url=url, cwd=tmp_path)
    assert calculated.returncode == 0, calculated.stderr
    assert "kg CO2e per unit" in calculated.stdout and "keten-demo" in calculated.stdout
    shown = _keten("footprint", "show", "WS-1000", url=url, cwd=tmp_path)
    assert shown.returncode == 0 and "use" in shown.stdout
    pact = _keten("footprint", "export", "WS-1000", "--format", "pact", url=url, cwd=tmp_path)
    body = json.loads(pact.stdout)
    assert (
        body["productNameCompany"].startswith("Wafer stage")
        and float(body["pcf"]["pCfIncludingBiogenic"]) > 0
    )
    missing = _keten("footprint", "show", "NO-SUCH-PART", url=url, cwd=tmp_path)
    assert missing.returncode == 1 and "no part" in missing.stderr


def test_loading_a_user_factor_set(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    assert _keten("db", "upgrade", url=url, cwd=tmp_path).returncode == 0
    csv = tmp_path / "green.csv"
    csv.write_text("kind,code,unit,kg_co2e_per_unit\nelectricity,NL,kWh,0.02\n", encoding="utf-8")
    loaded = _keten(
        "footprint", "factors", "load", str(csv), "--name", "green", "--version", "1", url=url, cwd=tmp_path
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "green" in loaded.stdout
    reference = _keten("footprint", "factors", "load", url=url, cwd=tmp_path)
    assert reference.returncode == 0 and "keten-reference" in reference.stdout


def test_loading_activity_data_and_listing_factor_sets(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _keten("demo", "--load-only", url=url, cwd=tmp_path).returncode == 0
    listed = _keten("footprint", "factors", "list", url=url, cwd=tmp_path)
    assert listed.returncode == 0 and "keten-demo" in listed.stdout and "yes" in listed.stdout
    good = tmp_path / "activities.csv"
    good.write_text("part_number,kind,code,site,amount,primary_share\nWS-1000,electricity,,BPS-2,7000,1\n")
    loaded = _keten("footprint", "activities", str(good), url=url, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "1 activity rows loaded" in loaded.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("part_number,kind,code,site,amount\nWS-1000,electricity,,BPS-2,-5\n")
    refused = _keten("footprint", "activities", str(bad), url=url, cwd=tmp_path)
    assert refused.returncode == 1
    assert "bad.csv" in refused.stderr and "2: a number of at least 0" in refused.stderr


def test_a_supplier_pcf_without_primary_data_share_is_named_in_data_quality(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _keten("demo", "--load-only", url=url, cwd=tmp_path).returncode == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        child = conn.execute(
            text(
                "SELECT c.id, c.part_number FROM bom_lines b JOIN parts p ON p.id = b.parent_id "
                "JOIN parts c ON c.id = b.child_id WHERE p.part_number = 'WS-1000' ORDER BY c.id LIMIT 1"
            )
        ).one()
        conn.execute(
            text(
                "INSERT INTO supplier_pcfs (part_id, kg_co2e_per_unit, biogenic_kg_co2e_per_unit, quality) "
                "VALUES (:part, 10.0, 0.0, 2.0)"
            ),
            {"part": child.id},
        )
    engine.dispose()
    calculated = _keten("footprint", "calculate", "WS-1000", url=url, cwd=tmp_path)
    assert calculated.returncode == 0, calculated.stderr
    assert f"data quality: supplier PCF {child.part_number}: no primary data share: counted as 0 %" in (
        calculated.stdout
    )
