"""``keten passport``: issue passports (one model, a batch, or many serialized machines), import the
hand-written input, export a passport at a tier, verify a downloaded passport offline, and check
every stored revision."""

from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from keten import cli_support
from keten.cli_support import err_console
from keten.problems import Problem

__all__ = ["passport_app", "register"]

console = Console()

passport_app = typer.Typer(help="Digital product passports.", no_args_is_help=True)


def _where(error: dict[str, Any]) -> str:
    return ", ".join(f"{k} {error[k]}" for k in ("file", "row", "column", "part", "field") if error.get(k))


_run = partial(cli_support.run, where=_where)
"""Return ``work(session)`` for one command (committed with ``commit=True``); a problem ends it."""


def _resolver() -> str:
    from keten.settings import get_settings

    return get_settings().resolver_url


@passport_app.command("issue")
def issue(
    product: Annotated[str, typer.Option("--product", help="Part number of the product.")],
    serials: Annotated[int, typer.Option(help="Issue item passports for this many serial numbers.")] = 0,
    prefix: Annotated[str, typer.Option(help="Serial numbers are PREFIX followed by 7 digits.")] = "SN",
    start: Annotated[int, typer.Option(help="First serial number.")] = 1,
    batch: Annotated[str | None, typer.Option(help="Issue the passport of this batch.")] = None,
) -> None:
    """Issue the model passport of a product, a batch passport, or item passports for N serials."""
    from keten.passports import service

    began = time.perf_counter()

    def work(session: Session) -> str:
        if serials:
            count = service.issue_serials(
                session, part_number=product, count=serials, prefix=prefix, start=start, resolver=_resolver()
            )
            return f"{count:,} item passports of {product} issued and signed"
        level = "batch" if batch else "model"
        [record] = service.issue(session, part_number=product, level=level, batch=batch, resolver=_resolver())
        return f"{level} passport urn:uuid:{record.uid} of {product} issued: {_resolver()}{record.link}"

    message = _run(work, commit=True)
    console.print(f"{message} in {time.perf_counter() - began:.1f} s", highlight=False)


@passport_app.command("revise")
def revise(passport_id: Annotated[str, typer.Argument(help="The passport's UUID.")]) -> None:
    """Issue a new revision of a passport from the current data, if anything changed."""
    from keten.passports import service

    def work(session: Session) -> str:
        revision = service.revise(session, passport_id=passport_id, resolver=_resolver())
        return (
            "nothing changed; no new revision" if revision is None else f"revision {revision.number} signed"
        )

    console.print(_run(work, commit=True))


@passport_app.command("input")
def import_input(
    path: Annotated[Path, typer.Argument(help="A folder of passport input CSV files, or a JSON file.")],
) -> None:
    """Import hand-written passport input (repair, disassembly, documents, substances), all or nothing."""
    from keten.passports import service

    def work(session: Session) -> int:
        if path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise Problem(422, "Invalid JSON", f"{path.name}, line {exc.lineno}: {exc.msg}") from None
            return service.import_inputs(session, raw)
        return service.import_inputs(session, service.read_inputs(path))

    count = _run(work, commit=True)
    console.print(f"passport input of {count} products imported")


@passport_app.command("export")
def export(
    passport_id: Annotated[str, typer.Argument(help="The passport's UUID.")],
    tier: Annotated[
        Literal["public", "legitimate_interest", "authority", "owner"], typer.Option(help="Access tier.")
    ] = "public",
    format_: Annotated[Literal["json", "jsonld"], typer.Option("--format", help="json or jsonld.")] = "json",
) -> None:
    """Print a passport as a reader of TIER downloads it, with its proofs."""
    from keten.passports import jsonld, service

    document = _run(lambda s: service.document(s, passport_id=passport_id, tier=tier))
    if format_ == "jsonld":
        document = jsonld.to_jsonld(document)
    print(json.dumps(document, indent=2, ensure_ascii=False))


@passport_app.command("aasx-export")
def aasx_export(
    part_number: Annotated[str, typer.Argument(help="The product's part number.")],
    out: Annotated[Path, typer.Option("--out", help="The AASX file to write.")],
    serial: Annotated[str | None, typer.Option(help="Serial number of one machine.")] = None,
    gtin: Annotated[
        str | None, typer.Option(help="GTIN of the product, if it has none in its passport input yet.")
    ] = None,
    tier: Annotated[
        Literal["public", "legitimate_interest", "authority", "owner"], typer.Option(help="Access tier.")
    ] = "public",
) -> None:
    """Write the product's passport (the item's with --serial) at TIER as an Asset Administration Shell
    (AASX) with the IDTA submodels; a product not yet issued a passport is written from the current data."""
    from keten.passports import aas_export

    def work(session: Session) -> Any:
        return aas_export.export_aasx(
            session, part_number=part_number, out=out, serial=serial, gtin=gtin, tier=tier, base=_resolver()
        )

    summary = _run(work)
    console.print(f"{out}: {summary.aas_id} for {summary.global_asset_id} ({', '.join(summary.submodels)})")


@passport_app.command("aasx-import")
def aasx_import(
    path: Annotated[Path, typer.Argument(help="A supplier's AASX package.")],
    part_number: Annotated[str | None, typer.Option("--part", help="The part it describes.")] = None,
    organization: Annotated[str | None, typer.Option(help="The supplier's organization code.")] = None,
) -> None:
    """Attach a supplier's AASX nameplate and carbon footprint to the matching part (primary data)."""
    from keten.passports import aas
    from keten.passports.aasx_package import AasxLimits
    from keten.settings import get_settings

    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")
    limits = AasxLimits.of(get_settings())
    report = _run(
        lambda s: aas.import_aasx(
            s, path=path, part_number=part_number, organization=organization, imported_by="cli", limits=limits
        ),
        commit=True,
    )
    console.print(
        f"{report.file}: {report.part_number} (matched by {report.matched_by}), "
        f"{report.kg_co2e_per_unit:,.3f} kg CO2e per unit from {report.organization or 'the supplier'}"
        + ("" if report.created else ", held already")
    )
    plate = report.nameplate
    described = ", ".join(
        f"{label} {plate[key]}"
        for key, label in (
            ("ManufacturerProductDesignation", "designation"),
            ("ProductArticleNumberOfManufacturer", "article number"),
            ("SerialNumber", "serial number"),
            ("CountryOfOrigin", "country of origin"),
        )
        if key in plate
    )
    console.print(
        f"nameplate of {plate['ManufacturerName']}"
        + (f" ({described})" if described else "")
        + (" replaced the one held" if report.nameplate_replaced else " stored")
        + f", {len(plate)} fields",
        highlight=False,
    )
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@passport_app.command("key")
def key() -> None:
    """Print the company's public signing keys as a JWK set (also served at /.well-known/jwks.json)."""
    from keten.passports import service

    def work(session: Session) -> dict[str, Any]:
        service.signing_key(session)
        return service.jwks(session)

    print(json.dumps(_run(work, commit=True), indent=2))


@passport_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="A downloaded passport (JSON or JSON-LD).")],
    key: Annotated[
        Path | None,
        typer.Option(
            help="The published keys (a JWK set from /.well-known/jwks.json); from the database if absent."
        ),
    ] = None,
) -> None:
    """Verify a downloaded passport offline against the company's published public key."""
    from keten.passports import signing

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        err_console.print(f"[bold red]error:[/] {file} is not a readable JSON file: {exc}")
        raise typer.Exit(2) from None
    if key is not None:
        keys = signing.public_keys_from(json.loads(key.read_text(encoding="utf-8")))
    else:
        from keten.passports import service

        keys = signing.public_keys_from(_run(service.jwks))
    problems = signing.verify_document(document, keys) if isinstance(document, dict) else ["not a passport"]
    if problems:
        for problem in problems:
            err_console.print(f"[bold red]✗[/] {problem}", highlight=False)
        raise typer.Exit(1)
    # What is printed is what the signature covers, never the labels beside it.
    header = document["proof"][0]["header"]
    count = sum(1 + len(p.get("history") or []) for p in document["proof"])
    console.print(
        f"[bold green]✓[/] {header['passport']} revision {header['revision']} (tier {document.get('tier')}): "
        f"{count} signed revision{'s' if count > 1 else ''} verified, the chain complete, with key "
        f"{header['key']}",
        highlight=False,
    )


@passport_app.command("check")
def check() -> None:
    """Check every stored revision: content, hashes, chain and signatures; exit 1 on any tampering."""
    from keten.passports import service

    began = time.perf_counter()
    problems = _run(service.verify_chain)
    if problems:
        for problem in problems[:200]:
            err_console.print(f"[bold red]✗[/] {problem}", highlight=False)
        err_console.print(f"{len(problems)} problems")
        raise typer.Exit(1)
    console.print(f"[bold green]✓[/] every passport revision verifies ({time.perf_counter() - began:.1f} s)")


def register(app: typer.Typer) -> None:
    """Add ``keten passport`` to the ``keten`` command."""
    app.add_typer(passport_app, name="passport")
