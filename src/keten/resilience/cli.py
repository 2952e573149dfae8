"""``keten risk``: concentration, critical raw materials, time to survive and recover, scenarios,
critical nodes, mitigations and the risk assessment report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from keten import cli_support

__all__ = ["register", "risk_app"]

console = Console()

risk_app = typer.Typer(
    help="Supply-chain risk: concentration, raw materials, scenarios.", no_args_is_help=True
)

KINDS = ("site", "supplier", "country", "material")


def _where(error: dict[str, Any]) -> str:
    return str(error.get("node") or error.get("field") or "")


_run = partial(cli_support.run, where=_where)
"""Return ``work(session)`` for one command (committed with ``commit=True``); a problem ends it."""


def _eur(value: float | None) -> str:
    return "–" if value is None else f"€ {value:,.0f}"


def _weeks(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


@risk_app.command("concentration")
def concentration(
    single: Annotated[
        Literal["source", "country"] | None, typer.Option(help="Only single-source or single-country parts.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    materials: Annotated[bool, typer.Option("--materials", help="Materials instead of parts.")] = False,
) -> None:
    """Bought parts (or materials) by the revenue behind them, with supplier and country HHI."""
    from keten.resilience import service

    if materials:
        rows = _run(service.material_concentration)
        table = Table(
            "material", "EU list", "kg/week", "suppliers", "HHI own", "HHI world", "largest country"
        )
        for m in rows[:limit]:
            world = max(m["hhi_world_extraction"] or 0.0, m["hhi_world_processing"] or 0.0)
            table.add_row(
                m["code"],
                (m["crm"] or "–") + (" (strategic)" if m["strategic"] else ""),
                f"{m['kg_per_week']:.3f}",
                str(m["suppliers"]),
                "–" if m["hhi_supplier"] is None else f"{m['hhi_supplier']:.2f}",
                f"{world:.2f}" if m["crm"] else "–",
                f"{m['top_country']} {100 * m['top_country_share']:.0f} %" if m["top_country"] else "–",
            )
        console.print(table)
        return
    items, total = _run(lambda s: service.concentration(s, single=single, limit=limit))
    table = Table(
        "part", "suppliers", "countries", "HHI supplier", "HHI country", "stock weeks", "revenue/week"
    )
    for i in items:
        table.add_row(
            i["part_number"],
            str(i["suppliers"]),
            str(i["countries"]),
            f"{i['hhi_supplier']:.2f}",
            f"{i['hhi_country']:.2f}",
            _weeks(i["stock_weeks"]),
            _eur(i["revenue_eur_per_week"]),
        )
    console.print(table)
    console.print(f"{len(items)} of {total} parts")


@risk_app.command("crm")
def crm(
    product: Annotated[str, typer.Argument(help="Part number of a product.")],
    all_materials: Annotated[bool, typer.Option("--all", help="Also materials not on the EU list.")] = False,
) -> None:
    """Critical raw materials in one unit of a product: kg, through which parts and suppliers."""
    from keten.resilience import service

    answer = _run(lambda s: service.crm_of_product(s, part_number=product, all_materials=all_materials))
    console.print(f"[bold]{answer['part_number']}[/] {answer['name']}")
    table = Table("material", "EU list", "kg per unit", "main countries", "through parts (suppliers)")
    for m in answer["materials"]:
        countries = "; ".join(
            f"{stage} " + ", ".join(f"{r['country']} {100 * r['share']:.0f} %" for r in rows[:3])
            for stage, rows in m["world_supply"].items()
        )
        via = "; ".join(
            f"{v['part_number']} ({', '.join(dict.fromkeys(s['supplier'] for s in v['sources'])) or '–'})"
            for v in m["via"][:3]
        )
        table.add_row(
            f"{m['code']} {m['name']}",
            (m["crm_name"] or "–") + (" (strategic)" if m["strategic"] else ""),
            f"{m['kg_per_unit']:.4g}",
            countries or "–",
            via,
        )
    console.print(table)


def _exposure(kind: str, limit: int, exposed_only: bool) -> None:
    from keten.resilience import service

    rows, total = _run(lambda s: service.exposure(s, kind=kind, exposed_only=exposed_only, limit=limit))
    table = Table(kind, "TTR weeks", "TTS weeks", "exposed", "products stopped", "revenue at risk")
    for r in rows:
        table.add_row(
            f"{r['code']} {r['name'] if r['name'] != r['code'] else ''}".strip(),
            f"{r['ttr_weeks']:.1f}",
            _weeks(r["tts_weeks"]),
            "yes" if r["exposed"] else "no",
            ", ".join(r["products_stopped"]) or "–",
            _eur(r["revenue_at_risk_eur"]),
        )
    console.print(table)
    console.print(f"{len(rows)} of {total} nodes; TTS: when the first product stops, TTR: time to recover")


@risk_app.command("ttr")
def ttr(
    kind: Annotated[str, typer.Option(help="site, supplier, country or material.")] = "site",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    exposed: Annotated[bool, typer.Option("--exposed", help="Only nodes where TTS < TTR.")] = False,
) -> None:
    """Time to survive against time to recover per node, largest gap first."""
    _exposure(kind, limit, exposed)


@risk_app.command("tts")
def tts(
    kind: Annotated[str, typer.Option(help="site, supplier, country or material.")] = "site",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    exposed: Annotated[bool, typer.Option("--exposed", help="Only nodes where TTS < TTR.")] = False,
) -> None:
    """The same table as ``ttr``: time to survive against time to recover."""
    _exposure(kind, limit, exposed)


@risk_app.command("scenario")
def scenario(
    site: Annotated[list[str] | None, typer.Option(help="Site code (repeatable).")] = None,
    supplier: Annotated[list[str] | None, typer.Option(help="Organization code (repeatable).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="ISO country code (repeatable).")] = None,
    material: Annotated[list[str] | None, typer.Option(help="Material code (repeatable).")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="First day unavailable, YYYY-MM-DD; today.")
    ] = None,
    weeks: Annotated[float, typer.Option(min=0.1, max=260, help="Weeks unavailable.")] = 4.0,
    horizon: Annotated[int, typer.Option(min=1, max=260, help="Weeks followed.")] = 26,
) -> None:
    """Nodes unavailable from a date for some weeks: per week parts short, products stopped, revenue lost."""
    from keten.resilience import service

    nodes = [
        f"{kind}:{code}"
        for kind, codes in (
            ("site", site),
            ("supplier", supplier),
            ("country", country),
            ("material", material),
        )
        for code in codes or []
    ]
    if not nodes:
        raise typer.BadParameter("name at least one --site, --supplier, --country or --material")
    today = datetime.now(UTC).date()
    try:
        start = date.fromisoformat(from_) if from_ else today
    except ValueError:
        raise typer.BadParameter(f"--from {from_!r} is not a date (YYYY-MM-DD)") from None
    answer = _run(
        lambda s: service.scenario(
            s, nodes=nodes, start=start, weeks=weeks, horizon=horizon, as_of=min(today, start)
        )
    )
    console.print(
        f"[bold]{', '.join(nodes)}[/] unavailable from {answer['start']} for {weeks:g} weeks: "
        f"{answer['units_lost']:,.1f} units and {_eur(answer['revenue_lost_eur'])} lost"
    )
    table = Table("week", "from", "parts short", "products stopped", "units lost", "revenue lost")
    for w in answer["weekly"]:
        if not w["parts_short"] and not w["units_lost"]:
            continue
        table.add_row(
            str(w["week"]),
            w["week_start"],
            str(w["parts_short"]),
            ", ".join(f"{k} {100 * v:.0f} %" for k, v in w["products_stopped"].items()) or "–",
            f"{w['units_lost']:.1f}",
            _eur(w["revenue_lost_eur"]),
        )
    console.print(table)
    for p in answer["parts"][:15]:
        console.print(
            f"  {p['part_number']} runs out on {p['runs_out_on']} (week {p['short_from_week']:.1f})"
        )


@risk_app.command("critical")
def critical(
    kind: Annotated[list[str] | None, typer.Option(help="Kinds to rank (repeatable).")] = None,
    weeks: Annotated[float | None, typer.Option(help="Outage of every node; its TTR if absent.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """Single-node failures ranked by revenue at risk: the most critical suppliers, countries, materials."""
    from keten.resilience import service

    kinds = tuple(kind or ("supplier", "country", "material"))
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise typer.BadParameter(f"--kind must be one of {', '.join(KINDS)}, not {', '.join(bad)}")
    rows, total = _run(lambda s: service.critical_nodes(s, kinds=kinds, weeks=weeks, limit=limit))
    table = Table("#", "node", "name", "TTR", "TTS", "products stopped", "revenue at risk")
    for r in rows:
        table.add_row(
            str(r["rank"]),
            r["node"],
            r["name"],
            f"{r['ttr_weeks']:.1f}",
            _weeks(r["tts_weeks"]),
            ", ".join(r["products_stopped"]) or "–",
            _eur(r["revenue_at_risk_eur"]),
        )
    console.print(table)
    console.print(f"{len(rows)} of {total} nodes")


@risk_app.command("mitigate")
def mitigate(
    node: Annotated[str, typer.Argument(help="site:CODE, supplier:CODE, country:CC or material:CODE.")],
    weeks: Annotated[float | None, typer.Option(help="Outage; the node's TTR if absent.")] = None,
    qualification_weeks: Annotated[int, typer.Option(help="Weeks to qualify an alternate.")] = 8,
) -> None:
    """What closes the gap of a node: extra safety stock, an alternate, a second country."""
    from keten.resilience import service

    answer = _run(
        lambda s: service.mitigations(s, node=node, weeks=weeks, qualification_weeks=qualification_weeks)
    )
    console.print(
        f"[bold]{answer['node']}[/] {answer['name']}: {_eur(answer['revenue_at_risk_eur'])} at risk "
        f"over {answer['outage_weeks']:.1f} weeks"
    )
    for option in answer["options"]:
        cost = f", costs {_eur(option['cost_eur'])}" if "cost_eur" in option else ""
        console.print(
            f"  {option['description']}{cost}: {_eur(option['revenue_at_risk_after_eur'])} left at risk "
            f"({len(option['parts'])} parts)"
        )


@risk_app.command("report")
def report(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    format_: Annotated[Literal["html", "pdf"], typer.Option("--format", help="html or pdf.")] = "html",
    as_of: Annotated[str | None, typer.Option(help="Assessment date, YYYY-MM-DD; today.")] = None,
    weeks: Annotated[float | None, typer.Option(help="Outage of every node; its TTR if absent.")] = None,
    top: Annotated[int, typer.Option(min=1, max=100)] = 10,
    lang: Annotated[Literal["en", "nl"], typer.Option(help="Language of the report.")] = "en",
) -> None:
    """Issue the supply-chain risk assessment (Critical Raw Materials Act), store it and write it."""
    from keten.resilience import service

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None

    labels = ["computing every failure, scenario and mitigation", "writing the report", f"writing {out}"]
    with cli_support.steps(labels) as done:

        def work(session: Session) -> tuple[int, str, str]:
            context = service.report_context(session, as_of=day, weeks=weeks, top=top)
            done()
            html = service.render_report(context, lang)
            row = service.save_report(session, html=html, context=context, username="cli")
            return row.id, row.fingerprint, html

        report_id, fingerprint, html = _run(work, commit=True)
        done()
        if format_ == "pdf":
            out.write_bytes(service.report_pdf(html))
        else:
            out.write_text(html, encoding="utf-8")
        done()
    console.print(f"report {report_id} written to {out} (data fingerprint {fingerprint})")


def register(app: typer.Typer) -> None:
    """Add ``keten risk`` to the ``keten`` command."""
    app.add_typer(risk_app, name="risk")
