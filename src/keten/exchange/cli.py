"""``keten exchange``: partners and their credentials, grants, publishing, pulling a supplier's
footprints over PACT, and footprint requests in both directions."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from keten import cli_support
from keten.cli_support import err_console

__all__ = ["exchange_app", "register"]

console = Console()

exchange_app = typer.Typer(help="Footprint exchange with partners over the PACT API.", no_args_is_help=True)


_session = partial(cli_support.session_scope, commit=True)
"""Yield a session that commits at the end of the command; a problem ends it with exit code 1."""


def _source() -> str:
    from keten.settings import get_settings

    return f"urn:keten:node:{get_settings().node_name}"


@exchange_app.command("add-partner")
def add_partner(
    code: Annotated[str, typer.Argument(help="Short code of the partner.")],
    name: Annotated[str, typer.Option(help="The partner's company name.")],
    organization: Annotated[str | None, typer.Option(help="Code of its organization in keten.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Base URL of the partner's PACT API.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Our client id at the partner.")] = None,
    client_secret: Annotated[str | None, typer.Option(help="Our client secret at the partner.")] = None,
    pact_version: Annotated[str, typer.Option(help="PACT major version the partner speaks: 2 or 3.")] = "2",
) -> None:
    """Add a partner and show its client credentials for this node (the secret is shown once)."""
    from keten.exchange import service
    from keten.exchange.schemas import PartnerCreate, PartnerRemote

    remote = None
    if base_url or client_id or client_secret:
        remote = PartnerRemote(
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
            pact_version="3" if pact_version == "3" else "2",
        )
    with _session() as session:
        partner, secret = service.create_partner(
            session, data=PartnerCreate(code=code, name=name, organization=organization, remote=remote)
        )
        console.print(f"partner [bold]{partner.code}[/] added")
        console.print(f"client id:     {partner.client_id}")
        console.print(f"client secret: {secret}   (shown once; give it to the partner)")


@exchange_app.command("rotate")
def rotate(code: Annotated[str, typer.Argument(help="Code of the partner.")]) -> None:
    """Give a partner a new client secret; the old secret and its tokens stop working."""
    from keten.exchange import service

    with _session() as session:
        partner, secret = service.rotate_secret(session, code=code)
        console.print(f"client id:     {partner.client_id}")
        console.print(f"client secret: {secret}   (shown once)")


@exchange_app.command("revoke")
def revoke(code: Annotated[str, typer.Argument(help="Code of the partner.")]) -> None:
    """Revoke a partner's credentials at once."""
    from keten.exchange import service

    with _session() as session:
        service.revoke_partner(session, code=code)
        console.print(f"the credentials of [bold]{code}[/] are revoked")


@exchange_app.command("grant")
def grant(
    partner: Annotated[str, typer.Argument(help="Code of the partner.")],
    purpose: Annotated[str, typer.Option(help="What the partner may use the footprints for.")],
    part: Annotated[str | None, typer.Option(help="Part number to grant.")] = None,
    category: Annotated[str | None, typer.Option(help="Product group (catalogue category) to grant.")] = None,
    expires: Annotated[datetime | None, typer.Option(help="When the grant ends.")] = None,
) -> None:
    """Let a partner read the footprints of a part or a product group."""
    from keten.exchange import service
    from keten.exchange.schemas import GrantCreate

    with _session() as session:
        made = service.create_grant(
            session,
            data=GrantCreate(
                partner=partner, part_number=part, category=category, purpose=purpose, expires_at=expires
            ),
            username="cli",
        )
        console.print(f"grant {made.id}: {partner} may read {part or category} for {purpose!r}")


@exchange_app.command("publish")
def publish(
    part_numbers: Annotated[list[str], typer.Argument(help="Parts whose latest footprints to publish.")],
) -> None:
    """Publish parts' latest footprints over PACT (validated against the schemas of v2 and v3), then
    tell each partner granted them with one Published event (queued in the outbox, sent now)."""
    from keten.exchange import client, service
    from keten.settings import get_settings

    ids: list[str] = []
    with _session() as session:
        for part_number in dict.fromkeys(part_numbers):
            published = service.publish(session, part_number=part_number, node_name=get_settings().node_name)
            console.print(f"published {part_number} as {published.id} (version {published.version})")
            ids.append(published.id)
        notified = client.notify_published(session, pf_ids=ids, source=_source())
    # The footprints and their events are committed: only now may a partner be told.
    for left_out in (n for n in notified if n.entry_id is None):
        console.print(f"[yellow]not notified[/] {left_out.partner}: no remote configured", highlight=False)
    if not _deliver_now([n.entry_id for n in notified if n.entry_id is not None]):
        raise typer.Exit(2)


def _deliver_now(entry_ids: list[int]) -> bool:
    """Return whether every one of the committed outbox entries ``entry_ids`` was delivered, after
    one attempt at each, one line per entry; a failed one stays queued for the worker. An entry a
    running server's worker took first is waited for and reported the same way."""
    import time

    from keten.db import make_engine, make_session_factory
    from keten.exchange import outbox, service
    from keten.exchange.worker import Worker
    from keten.settings import get_settings

    if not entry_ids:
        return True
    settings = get_settings()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    worker = Worker.of(settings, factory)
    deadline = time.monotonic() + settings.pact_timeout_seconds * (settings.pact_retries + 2)
    try:
        tried: set[int] = set()
        while done := worker.run_once(ids=[i for i in entry_ids if i not in tried]):
            tried.update(o.entry.id for o in done)
        while True:
            with factory() as session:
                rows = outbox.entry_rows(session, ids=entry_ids)
            settled = [r for r in rows if r["attempts"] and r["status"] != "delivering"]
            if len(settled) == len(rows) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        worker.close()
        service.flush_access_log(engine)
        engine.dispose()
    for row in rows:
        if row["status"] == "delivered" and row["kind"] == "published":
            count = len(row["footprint_ids"])
            console.print(f"notified {row['partner']} of {count} footprint{'s' if count != 1 else ''}")
        elif row["status"] == "delivered":
            console.print(f"{row['partner']} took the event {row['event_id']}")
        else:
            err_console.print(
                f"[bold red]sending {row['partner']} the event {row['event_id']} failed[/] "
                f"({row['last_status'] or 'no answer'}): {row['last_error'] or 'not attempted yet'}; "
                "it stays in the outbox and is tried again",
                highlight=False,
            )
    return all(row["status"] == "delivered" for row in rows)


@exchange_app.command("pull")
def pull(partner: Annotated[str, typer.Argument(help="Code of the supplier to pull from.")]) -> None:
    """Fetch a supplier's footprints, store the ones that match parts as primary data, recalculate."""
    from keten.exchange import client
    from keten.settings import get_settings

    with _session() as session:
        result = client.pull(session, partner_code=partner, options=client.CallOptions.of(get_settings()))
        table = Table("", "count", "which")
        table.add_row("fetched", str(result.fetched), "")
        table.add_row("stored", str(len(result.stored)), ", ".join(result.stored[:20]))
        table.add_row("unmatched", str(len(result.unmatched)), ", ".join(result.unmatched[:10]))
        table.add_row("invalid", str(len(result.invalid)), "")
        table.add_row("recalculated", str(len(result.recalculated)), ", ".join(result.recalculated[:20]))
        console.print(table)
        for line in result.invalid[:50]:
            err_console.print(f"[yellow]invalid:[/] {line}", highlight=False)
        for line in result.failures:
            err_console.print(f"[bold red]failed:[/] {line}", highlight=False)
    if result.failures:
        raise typer.Exit(2)


@exchange_app.command("request")
def request(
    partner: Annotated[str, typer.Argument(help="Code of the supplier.")],
    part_number: Annotated[str, typer.Argument(help="Part whose footprint to ask for.")],
    comment: Annotated[str, typer.Option(help="A note for the supplier.")] = "",
) -> None:
    """Ask a supplier for a part's footprint (RequestCreated event, queued in the outbox, sent now)."""
    from keten.exchange import client, outbox

    with _session() as session:
        sent = client.send_request(
            session,
            partner_code=partner,
            part_number=part_number,
            comment=comment,
            source=_source(),
        )
        queued = outbox.queued(session)
        console.print(f"request {sent.id} to {partner} queued (event {sent.event_id})")
    if not _deliver_now(queued):
        raise typer.Exit(2)


@exchange_app.command("requests")
def requests(
    direction: Annotated[str | None, typer.Option(help="incoming or outgoing")] = None,
) -> None:
    """List footprint requests, newest first."""
    from keten.exchange import service

    with _session() as session:
        table = Table("id", "direction", "partner", "products", "status", "reason", "created")
        for row in service.list_requests(session, direction=direction):
            table.add_row(
                str(row["id"]),
                row["direction"],
                row["partner"],
                ", ".join(row["product_ids"]),
                row["status"],
                row["reason"],
                f"{row['created_at']:%Y-%m-%d %H:%M}",
            )
        console.print(table)


@exchange_app.command("fulfil")
def fulfil(
    request_id: Annotated[int, typer.Argument(help="Incoming request to answer.")],
    part_number: Annotated[str, typer.Argument(help="Part whose footprint answers it.")],
) -> None:
    """Answer an incoming request with a part's footprint (RequestFulfilled event, queued, sent now)."""
    from keten.exchange import client, outbox
    from keten.settings import get_settings

    with _session() as session:
        client.fulfil(
            session,
            request_id=request_id,
            part_number=part_number,
            source=_source(),
            node_name=get_settings().node_name,
        )
        queued = outbox.queued(session)
        console.print(f"request {request_id} fulfilled with {part_number}")
    if not _deliver_now(queued):
        raise typer.Exit(2)


@exchange_app.command("reject")
def reject(
    request_id: Annotated[int, typer.Argument(help="Incoming request to answer.")],
    reason: Annotated[str, typer.Option(help="Why the request is rejected.")],
) -> None:
    """Reject an incoming request with a reason (RequestRejected event, queued, sent now)."""
    from keten.exchange import client, outbox

    with _session() as session:
        client.reject(
            session,
            request_id=request_id,
            reason=reason,
            source=_source(),
        )
        queued = outbox.queued(session)
        console.print(f"request {request_id} rejected")
    if not _deliver_now(queued):
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``keten exchange`` to the ``keten`` command."""
    app.add_typer(exchange_app, name="exchange")
