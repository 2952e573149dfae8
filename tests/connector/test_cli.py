"""``keten connector run`` as its own process: it reads the broker into the database until SIGTERM,
and two of them can feed one database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.publish as publish
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.connector import samples
from keten.connector.models import ConnectorSource
from keten.db import make_engine
from keten.migrate import upgrade


def _file(tmp_path: Path, prefix: str, name: str, equipment: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"""site: FAB-1
flush_s: 0.1
sources:
  - {{name: {name}, kind: mqtt, host: 127.0.0.1, client_id: keten-{name}-{prefix[-10:]}}}
equipment:
  - id: {equipment}
    source: {name}
    signals:
      energy_kwh: {{topic: {prefix}/{equipment}/energy}}
"""
    )
    return path


def test_two_connector_processes_feed_one_database(tmp_path: Path, prefix: str) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    engine = make_engine(url)
    upgrade(engine)
    env = {**os.environ, "KETEN_DATABASE_URL": url}
    command = [sys.executable, "-c", "from keten.cli import main; main()", "connector", "run"]
    processes = [
        subprocess.Popen(
            [*command, str(_file(tmp_path, prefix, n, e))], env=env, stdout=subprocess.PIPE, text=True
        )
        for n, e in (("hall-a", "M1"), ("hall-b", "M2"))
    ]
    try:
        deadline = time.monotonic() + 180  # two interpreters start; a shared machine may be slow
        with Session(engine) as session:
            while len(session.scalars(select(ConnectorSource).where(ConnectorSource.connected)).all()) < 2:
                assert time.monotonic() < deadline, "the connectors did not connect"
                time.sleep(0.1)
                session.expire_all()
        for equipment in ("M1", "M2"):
            for kwh in (1.0, 2.0, 3.5):
                payload = json.dumps({"value": kwh})
                publish.single(f"{prefix}/{equipment}/energy", payload, qos=1, hostname="127.0.0.1")
        time.sleep(1.0)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [p.communicate(timeout=30)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert all("stopped after 3 samples" in out for out in outputs), outputs
    with Session(engine) as session:
        for key in ("M1", "M2"):
            eq = samples.get_equipment(session, key=key).id
            assert samples.series(session, equipment_id=eq, signal="energy_kwh").value.tolist() == [
                1.0,
                2.0,
                3.5,
            ]
    engine.dispose()


def test_a_file_with_apps_needs_the_apps_token(tmp_path: Path, prefix: str) -> None:
    path = _file(tmp_path, prefix, "hall", "M1")
    path.write_text(path.read_text() + "apps:\n  - {name: idle-watch, app: energy-anomaly}\n")
    env = {k: v for k, v in os.environ.items() if k != "KETEN_APPS_TOKEN"}
    env["KETEN_DATABASE_URL"] = f"sqlite:///{tmp_path / 'keten.db'}"
    done = subprocess.run(
        [sys.executable, "-c", "from keten.cli import main; main()", "connector", "run", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "set KETEN_APPS_TOKEN" in done.stdout
