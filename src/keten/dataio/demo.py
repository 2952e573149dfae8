"""The demo value chain shipped in data/demo: a wafer-stage module of a lithography machine."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from keten.dataio import service
from keten.footprints import service as footprints_service

__all__ = ["DEMO_ADMIN", "DEMO_DIR", "admin_password", "load", "welcome_lines"]

DEMO_ADMIN = "demo"

DEMO_DIR = Path(__file__).resolve().parents[3] / "data" / "demo"


def load(session: Session) -> service.ImportReport:
    """Import the demo value chain (again: a second load changes nothing) and return the report."""
    if not DEMO_DIR.is_dir():
        raise FileNotFoundError(f"demo data not found at {DEMO_DIR}")
    report = service.import_tables(session, service.read_path(DEMO_DIR), username="demo")
    footprints_service.load_demo(session, DEMO_DIR / "footprints")
    return report


def admin_password(session: Session) -> str:
    """Return a fresh password of the demo's admin user, creating the user on the first run."""
    from keten.partners import auth

    return auth.demo_admin(session, username=DEMO_ADMIN)


def welcome_lines(host: str, port: int, password: str) -> list[str]:
    """Return the lines ``keten demo`` prints: how to sign in and where to go once the server runs."""
    base = f"http://{host}:{port}"
    return [
        f"keten runs at [bold]{base}[/]",
        f"  sign in as [bold]{DEMO_ADMIN}[/] with password [bold]{password}[/] (new at every start)",
        f"  overview:            {base}/",
        f"  the wafer stage:     {base}/parts/WS-1000",
        f"  parts:               {base}/parts",
        f"  suppliers:           {base}/organizations",
        f"  import your files:   {base}/import",
        f"  API documentation:   {base}/docs",
        f"  BOM explosion (API): {base}/api/parts/WS-1000/explosion",
        "stop with Ctrl+C",
    ]
