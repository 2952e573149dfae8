"""``keten connector``: check a connector file, and run a connector beside the server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from keten import cli_support
from keten.problems import Problem

__all__ = ["connector_app", "register"]

console = Console()

connector_app = typer.Typer(
    help="The factory connector: equipment signals over OPC UA and MQTT.", no_args_is_help=True
)


def _where(error: dict[str, Any]) -> str:
    if "line" in error:
        return f"{error.get('file')}:{error['line']} {error.get('field') or ''}".rstrip()
    return str(error.get("field") or "")


@connector_app.command("check")
def check(config: Annotated[Path, typer.Argument(help="The connector's YAML file.")]) -> None:
    """Validate a connector file; each error names its line."""
    from keten.connector import config as connector_config

    try:
        parsed = connector_config.load(config)
    except Problem as problem:
        cli_support.print_problem(problem, where=_where, limit=None)
        raise typer.Exit(1) from None
    signals = sum(len(e.signals) for e in parsed.equipment)
    console.print(
        f"{config.name}: site {parsed.site}, {len(parsed.sources)} source(s), "
        f"{len(parsed.equipment)} equipment, {signals} signal(s): valid",
        highlight=False,
    )


@connector_app.command("run")
def run(
    config: Annotated[Path, typer.Argument(help="The connector's YAML file.")],
    aas_url: Annotated[
        str,
        typer.Option(
            envvar="KETEN_AAS_URL",
            help="The AAS API the file's apps read the twins through.",
        ),
    ] = "http://127.0.0.1:8000/aas/api/v3.0",
) -> None:
    """Read the file's sources into the database until interrupted (Ctrl-C or SIGTERM), and run the
    apps the file names.

    Runs as its own process beside the server; several connectors may feed one database. The apps
    sign in to the AAS API with the API token in KETEN_APPS_TOKEN.
    """
    import asyncio
    import logging
    import os
    import signal

    from keten.connector import config as connector_config
    from keten.connector import running
    from keten.connector.aas_client import AasReader
    from keten.connector.apps import AppHost
    from keten.db import make_engine, make_session_factory
    from keten.settings import get_settings

    try:
        parsed = connector_config.load(config)
    except Problem as problem:
        cli_support.print_problem(problem, where=_where, limit=None)
        raise typer.Exit(1) from None
    token = os.environ.get("KETEN_APPS_TOKEN", "")
    if parsed.apps and not token:
        console.print(
            f"error: {config.name} names apps; set KETEN_APPS_TOKEN to an API token they read the twins with"
        )
        raise typer.Exit(1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = make_engine(get_settings().database_url)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print(f"connector {config.name}: {len(parsed.sources)} source(s); Ctrl-C stops it")
        factory = make_session_factory(engine)
        host = AppHost(parsed, factory, AasReader(aas_url, token)) if parsed.apps else None
        recorder = await running.run(parsed, factory, stop, apps=host)
        total = sum(s.samples for s in recorder.sources.values())
        console.print(f"stopped after {total} samples", highlight=False)

    try:
        asyncio.run(main())
    finally:
        engine.dispose()


@connector_app.command("energy")
def energy(
    start: Annotated[
        datetime, typer.Option("--from", help="Start of the period (ISO 8601, UTC if no zone).")
    ],
    end: Annotated[datetime, typer.Option("--to", help="End of the period (exclusive).")],
    idle: Annotated[str, typer.Option(help="Rule for idle energy.")] = "runtime",
    setup: Annotated[str, typer.Option(help="Rule for setup energy.")] = "next",
    down: Annotated[str, typer.Option(help="Rule for energy while down.")] = "current",
    site: Annotated[str | None, typer.Option(help="Only the equipment of this site.")] = None,
    footprints: Annotated[
        bool, typer.Option("--footprints", help="Make the measured energy per unit each part's electricity.")
    ] = False,
) -> None:
    """Attribute a period's energy to orders (rules: current, next, runtime, output, none), store
    energy per unit of each part and OEE per machine and site."""
    from keten.connector import service

    period = {"start": _utc(start), "end": _utc(end)}

    def work(session: Session) -> tuple[Any, Any]:
        rules = {"idle": idle, "setup": setup, "down": down}
        result = service.attribute_period(session, rules=rules, site=site, **period)
        fed = service.feed_footprints(session, **period) if footprints else None
        return result, fed

    result, fed = cli_support.run(work, commit=True, where=_where)
    console.print(
        f"{result.orders} orders, {result.energy_kwh:.3f} kWh "
        f"({result.unattributed_kwh:.3f} kWh on no order)",
        highlight=False,
    )
    table = Table("part", "site", "kWh", "good", "kWh/unit")
    for p in result.parts:
        table.add_row(
            p["part_number"],
            p["site_code"],
            f"{p['energy_kwh']:.3f}",
            f"{p['good_units']:g}",
            f"{p['kwh_per_unit']:.4f}",
        )
    console.print(table)
    oee_table = Table("equipment", "site", "availability", "performance", "quality", "OEE", "good/h")
    for o in result.oee:
        cells = [o[k] for k in ("availability", "performance", "quality", "oee")]
        shown = ["–" if v is None else f"{100 * v:.1f} %" for v in cells]
        per_hour = "–" if o["good_per_hour"] is None else f"{o['good_per_hour']:.1f}"
        oee_table.add_row(o["equipment"] or "(site)", o["site"], *shown, per_hour)
    console.print(oee_table)
    for f in fed or []:
        console.print(
            f"footprint {f['part_number']} at {f['site']}: " + ("fed" if f["fed"] else f["reason"]),
            highlight=False,
        )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def register(app: typer.Typer) -> None:
    """Add ``keten connector`` to the ``keten`` command."""
    app.add_typer(connector_app, name="connector")
