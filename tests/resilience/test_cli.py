"""``keten risk`` on the demo in a fresh SQLite file, as a user runs it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader


def _keten(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KETEN_DATABASE_URL": url, "COLUMNS": "220"}
    command = [sys.executable, "-c", "from keten.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def test_risk_commands_on_the_demo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _keten("demo", "--load-only", url=url, cwd=tmp_path).returncode == 0

    single = _keten("risk", "concentration", "--single", "source", "--limit", "5", url=url, cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    assert "5 of " in single.stdout and "1.00" in single.stdout

    crm = _keten("risk", "crm", "WS-1000", url=url, cwd=tmp_path)
    assert crm.returncode == 0, crm.stderr
    # the wafer stage's magnets hold neodymium, a light rare earth that China mostly processes
    assert "Light rare earth elements (strategic)" in crm.stdout and "processing CN 85 %" in crm.stdout

    ttr = _keten("risk", "ttr", "--kind", "supplier", "--exposed", url=url, cwd=tmp_path)
    assert ttr.returncode == 0 and "yes" in ttr.stdout and " no " not in ttr.stdout

    scenario = _keten(
        "risk", "scenario", "--country", "CN", "--from", "2030-01-07", "--weeks", "8", url=url, cwd=tmp_path
    )
    assert scenario.returncode == 0, scenario.stderr
    assert "country:CN unavailable from 2030-01-07 for 8 weeks" in scenario.stdout
    assert "runs out on 2030-01" in scenario.stdout

    critical = _keten("risk", "critical", "--kind", "country", "--limit", "3", url=url, cwd=tmp_path)
    assert critical.returncode == 0 and "country:CN" in critical.stdout and "3 of " in critical.stdout

    mitigate = _keten("risk", "mitigate", "country:CN", url=url, cwd=tmp_path)
    assert mitigate.returncode == 0 and "extra safety stock" in mitigate.stdout

    unknown = _keten("risk", "scenario", "--material", "Unobtainium", url=url, cwd=tmp_path)
    assert unknown.returncode == 1 and "material:Unobtainium" in unknown.stderr
    nothing = _keten("risk", "scenario", url=url, cwd=tmp_path)
    assert nothing.returncode != 0 and "at least one" in nothing.stderr


def test_the_report_is_written_as_html_and_pdf(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert _keten("demo", "--load-only", url=url, cwd=tmp_path).returncode == 0
    html = tmp_path / "report.html"
    made = _keten("risk", "report", "--as-of", "2030-01-07", "--out", str(html), url=url, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    text = html.read_text(encoding="utf-8")
    assert "7 Jan 2030" in text and "Wafer stage module" in text and "Neodymium" in text
    pdf = tmp_path / "report.pdf"
    made = _keten(
        "risk", "report", "--format", "pdf", "--as-of", "2030-01-07", "--out", str(pdf), url=url, cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    fingerprint = made.stdout.split("fingerprint ")[1].split(")")[0]
    # the same data gives the same fingerprint, and the PDF carries it
    assert fingerprint in text
    pages = PdfReader(io.BytesIO(pdf.read_bytes())).pages
    content = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert fingerprint in content and "Critical nodes" in content and "Mitigations" in content
    dutch = tmp_path / "rapport.html"
    made = _keten("risk", "report", "--lang", "nl", "--out", str(dutch), url=url, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "Kritieke knooppunten" in dutch.read_text(encoding="utf-8")


def test_long_work_shows_its_steps_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from keten import cli_support

    screen = io.StringIO()
    monkeypatch.setattr(cli_support, "err_console", Console(file=screen, force_terminal=True, width=100))
    with cli_support.steps(["loading", "calculating"]) as done:
        done()
        done()
    assert "loading" in screen.getvalue() and "2/2" in screen.getvalue()
