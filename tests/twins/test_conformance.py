"""The AAS API against the official test engine (admin-shell-io/aas-test-engines): its read
profiles of the shell and submodel repositories, against keten served on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from keten.settings import Settings

from ..conftest import make_user
from ..exchange.conftest import live_server

SSP = "https://admin-shell.io/aas/API/3/0/"
RUNNER = Path(__file__).with_name("engine_runner.py")
PROFILES = [
    f"{SSP}AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
    f"{SSP}SubmodelRepositoryServiceSpecification/SSP-002",
]


@pytest.mark.parametrize("profile", PROFILES, ids=["aas-repository", "submodel-repository"])
def test_the_official_test_engine_passes(
    plant: None, settings: Settings, engine: Engine, profile: str
) -> None:
    token = make_user(engine, "viewer")
    with live_server(settings) as url:
        done = subprocess.run(
            [sys.executable, str(RUNNER), "check_server", f"{url}/aas/api/v3.0", profile],
            env={**os.environ, "KETEN_AAS_TOKEN": token},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    # "Negative tests passed: 34 / 34", "Positive tests passed: 78 / 78": every check ran and passed.
    counts = re.findall(r"tests passed: (\d+) / (\d+)", done.stdout)
    assert len(counts) == 2 and all(a == b and int(b) > 0 for a, b in counts), counts
    print(profile, "negative", "/".join(counts[0]), "positive", "/".join(counts[1]))
