"""``keten lifecycle``: capture an EPCIS document from a file, show a machine's history, and a
product's circularity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from keten import cli_support

__all__ = ["lifecycle_app", "register"]

console = Console()

lifecycle_app = typer.Typer(
    help="Machine lifecycles (EPCIS 2.0 events) and circularity.", no_args_is_help=True
)


def _where(error: dict[str, Any]) -> str:
    return str(error.get("location", ""))


@lifecycle_app.command("capture")
def capture(
    file: Annotated[Path, typer.Argument(help="An EPCISDocument in JSON-LD.", exists=True, dir_okay=False)],
) -> None:
    """Capture every event of an EPCIS 2.0 document (all or none), each stored once."""
    from keten.lifecycle import service

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        cli_support.err_console.print(f"[bold red]error:[/] {file} is not JSON: {exc}")
        raise typer.Exit(1) from None

    def work(session: Session) -> str:
        result = service.capture_document(session, document=document, caller=service.Caller(username="cli"))
        read = len(result.event_ids)
        return f"{read:,} events read from {file.name}, {result.stored:,} new (capture {result.capture_id})"

    console.print(cli_support.run(work, commit=True, where=_where))


@lifecycle_app.command("history")
def history(
    gtin: Annotated[str, typer.Argument(help="GTIN-14 of the machine's product.")],
    serial: Annotated[str, typer.Argument(help="The machine's serial number.")],
) -> None:
    """Show a machine's status, the modules it holds and its events, oldest first."""
    from keten.lifecycle import service

    def work(session: Session) -> str:
        found = service.timeline(session, gtin=gtin, serial=serial, caller=service.Caller(username="cli"))
        lines = [found.machine]
        if found.lifecycle is not None:
            lines.append(f"status: {found.lifecycle.status} since {found.lifecycle.status_since.isoformat()}")
            lines += [f"holds: {m.id}" for m in found.lifecycle.as_maintained]
        lines += [f"{e['eventTime']}  {e['type']:<20} {e.get('bizStep', '')}" for e in found.events]
        return "\n".join(lines) if found.events else f"{found.machine}: no events"

    console.print(cli_support.run(work), highlight=False)


@lifecycle_app.command("circularity")
def circularity(
    product: Annotated[str, typer.Argument(help="Part number of the product.")],
    collected_for_recycling: Annotated[
        float, typer.Option(min=0, max=1, help="Share collected for recycling.")
    ] = 0.0,
    collected_for_reuse: Annotated[
        float, typer.Option(min=0, max=1, help="Share collected for reuse.")
    ] = 0.0,
    average_lifetime: Annotated[
        float | None, typer.Option(help="Industry average lifetime in years.")
    ] = None,
) -> None:
    """Show a product's recycled content and Material Circularity Indicator."""
    from keten.lifecycle import service
    from keten.lifecycle.schemas import CircularityAssumptions
    from keten.settings import get_settings

    assumptions = CircularityAssumptions(
        collected_for_recycling=collected_for_recycling,
        collected_for_reuse=collected_for_reuse,
        average_lifetime_years=average_lifetime,
    )

    def work(session: Session) -> str:
        found = service.product_circularity(
            session, part_number=product, assumptions=assumptions, resolver=get_settings().resolver_url
        )
        return (
            f"{product}: {found.mass_kg:.3f} kg, recycled content {found.recycled_content_share:.1%}, "
            f"recoverable {found.recoverable_kg:.3f} kg, LFI {found.linear_flow_index:.3f}, "
            f"utility F(X) {found.utility_factor:.3f}, MCI {found.mci:.3f}"
        )

    console.print(cli_support.run(work), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``keten lifecycle`` to the ``keten`` command."""
    app.add_typer(lifecycle_app, name="lifecycle")
