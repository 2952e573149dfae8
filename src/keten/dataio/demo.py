"""The demo value chain shipped in data/demo: a wafer-stage module of a lithography machine."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.dataio import service
from keten.footprints import service as footprints_service
from keten.passports import service as passports_service
from keten.problems import Problem

__all__ = ["DEMO_ADMIN", "DEMO_DIR", "admin_password", "load", "welcome_lines"]

DEMO_ADMIN = "demo"

DEMO_DIR = Path(__file__).resolve().parents[3] / "data" / "demo"


def load(session: Session, *, passports: bool = False, resolver: str | None = None) -> service.ImportReport:
    """Import the demo value chain (again: a second load changes nothing) and return the report.

    With ``passports``, also store the WS-1000 footprint and issue its passports (see
    :func:`load_passports`), with Digital Link URIs on ``resolver``.
    """
    if not DEMO_DIR.is_dir():
        raise FileNotFoundError(f"demo data not found at {DEMO_DIR}")
    report = service.import_tables(session, service.read_path(DEMO_DIR), username="demo")
    footprints_service.load_demo(session, DEMO_DIR / "footprints")
    if passports:
        load_passports(session, resolver)
    return report


DEMO_SERIALS = ("WS1000-0001", "WS1000-0002", "WS1000-0003")


def load_passports(session: Session, resolver: str | None = None) -> None:
    """Give WS-1000 its passport input, a footprint, a model passport and three serialized machines;
    on a later load, revise the model passport if its data changed."""
    from keten.passports.models import PassportRecord
    from keten.settings import get_settings

    resolver = resolver or get_settings().resolver_url
    passports_service.import_inputs(session, passports_service.read_inputs(DEMO_DIR / "passports"))
    try:
        footprints_service.latest(session, part_number="WS-1000")
    except Problem:
        footprints_service.calculate(session, part_number="WS-1000")
    model = session.scalar(
        select(PassportRecord).where(PassportRecord.part_number == "WS-1000", PassportRecord.level == "model")
    )
    if model is None:
        passports_service.issue(
            session,
            part_number="WS-1000",
            level="item",
            serials=DEMO_SERIALS,
            resolver=resolver,
            username="demo",
        )
    else:
        passports_service.revise(session, passport_id=model.uid, resolver=resolver, username="demo")


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
        f"  passport (scan me):  {base}/01/08712345001001/21/{DEMO_SERIALS[0]}",
        f"  API documentation:   {base}/docs",
        f"  BOM explosion (API): {base}/api/parts/WS-1000/explosion",
        "stop with Ctrl+C",
    ]
