"""The demo value chain shipped in data/demo: a wafer-stage module of a lithography machine."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from keten.dataio import service

__all__ = ["DEMO_DIR", "load", "welcome_lines"]

DEMO_DIR = Path(__file__).resolve().parents[3] / "data" / "demo"


def load(session: Session) -> service.ImportReport:
    """Import the demo value chain (again: a second load changes nothing) and return the report."""
    if not DEMO_DIR.is_dir():
        raise FileNotFoundError(f"demo data not found at {DEMO_DIR}")
    return service.import_tables(session, service.read_path(DEMO_DIR), username="demo")


def welcome_lines(host: str, port: int) -> list[str]:
    """Return the lines ``keten demo`` prints: where to go once the server runs."""
    base = f"http://{host}:{port}"
    return [
        f"keten runs at [bold]{base}[/]",
        f"  API documentation: {base}/docs",
        f"  parts:             {base}/api/parts",
        f"  wafer stage BOM:   {base}/api/parts/WS-1000/explosion",
        "stop with Ctrl+C",
    ]
