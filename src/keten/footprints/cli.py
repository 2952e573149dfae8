"""``keten footprint``: calculate, show and export product carbon footprints; load factor sets."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from keten import cli_support

__all__ = ["footprint_app", "register"]

console = Console()

footprint_app = typer.Typer(help="Product carbon footprints.", no_args_is_help=True)
factors_app = typer.Typer(help="Emission factor sets.", no_args_is_help=True)
footprint_app.add_typer(factors_app, name="factors")


def _where(error: dict[str, Any]) -> str:
    return str(error.get("part") or error.get("row") or "")


def _print_run(summary: dict[str, Any]) -> None:
    console.print(
        f"[bold]{summary['part_number']}[/]: {summary['total_kg_co2e']:,.1f} kg CO2e per unit "
        f"(cradle to gate {summary['cradle_to_gate_kg_co2e']:,.1f}), factor set {summary['factor_set']} "
        f"{summary['factor_set_version']}, computed {summary['computed_at']:%Y-%m-%d %H:%M}"
    )
    table = Table("stage", "kg CO2e", "share")
    total = summary["total_kg_co2e"] or 1.0
    for stage, value in summary["by_stage"].items():
        table.add_row(stage, f"{value:,.2f}", f"{100 * value / total:.1f} %")
    console.print(table)
    share = summary["primary_data_share"]
    if share is not None:
        console.print(f"primary data share {100 * share:.1f} %")
    from keten.footprints.service import UNKNOWN_SHARE

    for used, stand_in in summary["fallbacks"]:
        if stand_in == UNKNOWN_SHARE:
            console.print(f"[yellow]data quality:[/] {used}: {stand_in}")
        else:
            console.print(f"[yellow]fallback:[/] {used} took the value of {stand_in}")


_run = partial(cli_support.run, where=_where)
"""Return ``work(session)`` for one command (committed with ``commit=True``); a problem ends it."""


@footprint_app.command("calculate")
def calculate(
    part_number: Annotated[str, typer.Argument(help="Part number of the product or part.")],
    factor_set: Annotated[str | None, typer.Option(help="Factor set name or name@version.")] = None,
) -> None:
    """Calculate and store the footprint of one unit of a part."""
    from keten.footprints import service

    def work(session: Session) -> dict[str, Any]:
        labels = ["loading the chain's arrays", "calculating and storing", "summarising"]
        with cli_support.steps(labels) as done:
            service.load(session, factor_set=factor_set)  # the calculation reuses what this loads
            done()
            run = service.calculate(session, part_number=part_number, factor_set=factor_set)
            done()
            summary = service.run_summary(session, run)
            done()
        return summary

    _print_run(_run(work, commit=True))


@footprint_app.command("show")
def show(part_number: Annotated[str, typer.Argument(help="Part number.")]) -> None:
    """Show the latest stored footprint of a part."""
    from keten.footprints import service

    _print_run(_run(lambda s: service.run_summary(s, service.latest(s, part_number=part_number))))


@footprint_app.command("export")
def export(
    part_number: Annotated[str, typer.Argument(help="Part number.")],
    format_: Annotated[Literal["pact", "idta"], typer.Option("--format", help="pact or idta.")] = "pact",
    company_name: Annotated[str, typer.Option(help="Company name in the PACT footprint.")] = "keten node",
    company_id: Annotated[str, typer.Option(help="Company id (a URN).")] = "urn:keten:company:local",
) -> None:
    """Print the latest stored footprint as PACT ProductFootprint or IDTA Carbon Footprint JSON."""
    from keten.footprints import service

    def work(session: Session) -> dict[str, Any]:
        if format_ == "idta":
            return service.idta_submodel(session, part_number=part_number)
        return service.pact_footprint(
            session, part_number=part_number, company_name=company_name, company_id=company_id
        )

    print(json.dumps(_run(work), indent=2, default=str))


@footprint_app.command("activities")
def activities(
    path: Annotated[
        Path, typer.Argument(help="An activities CSV: part_number, kind, code, site, amount, ...")
    ],
) -> None:
    """Load activity data (energy, transport, gases, use phase) per part; replaces the parts' old rows."""
    from keten.footprints import service

    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")
    count = _run(lambda s: service.load_activities_csv(s, path), commit=True)
    console.print(f"{count} activity rows loaded from {path.name}")


@factors_app.command("list")
def list_factors() -> None:
    """List the factor sets, newest first; the default is marked."""
    from keten.footprints import service

    def work(session: Session) -> list[tuple[str, str, int, bool, str]]:
        return [(s.name, s.version, n, s.is_default, s.source or "") for s, n in service.factor_sets(session)]

    table = Table("name", "version", "factors", "default", "source")
    for name, version, count, is_default, source in _run(work):
        table.add_row(name, version, str(count), "yes" if is_default else "", source[:60])
    console.print(table)


@factors_app.command("load")
def load_factors(
    path: Annotated[
        Path | None, typer.Argument(help="A factor CSV; the shipped reference data if absent.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name of the factor set (required with a file).")] = None,
    version: Annotated[
        str | None, typer.Option(help="Version of the factor set (required with a file).")
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="Make it the default set.")] = False,
) -> None:
    """Load a factor set from CSV (kind, code, unit, kg_co2e_per_unit, ...), or the reference data."""
    from keten.footprints import service

    if path is not None and (not name or not version):
        raise typer.BadParameter("give --name and --version with a file")

    def work(session: Session) -> tuple[str, str]:
        if path is None:
            loaded = service.load_reference_factors(session)
        else:
            text = path.read_text(encoding="utf-8-sig")
            loaded = service.load_factor_csv(
                session, text, name=name or "", version=version or "", make_default=default
            )
        return loaded.name, loaded.version

    set_name, set_version = _run(work, commit=True)
    console.print(f"factor set [bold]{set_name}[/] version {set_version} loaded")


def register(app: typer.Typer) -> None:
    """Add ``keten footprint`` to the ``keten`` command."""
    app.add_typer(footprint_app, name="footprint")
