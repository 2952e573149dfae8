"""``keten connector``: check a connector file, and run a connector beside the server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

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
def run(config: Annotated[Path, typer.Argument(help="The connector's YAML file.")]) -> None:
    """Read the file's sources into the database until interrupted (Ctrl-C or SIGTERM).

    Runs as its own process beside the server; several connectors may feed one database.
    """
    import asyncio
    import logging
    import signal

    from keten.connector import config as connector_config
    from keten.connector import running
    from keten.db import make_engine, make_session_factory
    from keten.settings import get_settings

    try:
        parsed = connector_config.load(config)
    except Problem as problem:
        cli_support.print_problem(problem, where=_where, limit=None)
        raise typer.Exit(1) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = make_engine(get_settings().database_url)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print(f"connector {config.name}: {len(parsed.sources)} source(s); Ctrl-C stops it")
        recorder = await running.run(parsed, make_session_factory(engine), stop)
        total = sum(s.samples for s in recorder.sources.values())
        console.print(f"stopped after {total} samples", highlight=False)

    try:
        asyncio.run(main())
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add ``keten connector`` to the ``keten`` command."""
    app.add_typer(connector_app, name="connector")
