"""The supply-chain risk assessment report (the CRMA asks large companies for one): its context,
stored issues, HTML and PDF."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.problems import Problem
from keten.resilience.concentration import concentration, material_concentration
from keten.resilience.crm import crm_list
from keten.resilience.mitigations import mitigations
from keten.resilience.models import RiskReport
from keten.resilience.network import HORIZON_WEEKS, MATERIAL_TTR_WEEKS, load
from keten.resilience.products import crm_of_product, products
from keten.resilience.scenarios import list_scenarios, scenario
from keten.resilience.survival import country_exposure, critical_nodes
from keten.ui import format as fmt
from keten.ui import install_formats
from keten.ui.i18n import country_name, gettext


def report_context(
    session: Session,
    *,
    as_of: date | None = None,
    weeks: float | None = None,
    top: int = 10,
    title: str = "Supply-chain risk assessment",
) -> dict[str, Any]:
    """Return everything the risk assessment report shows, computed on the stored data now."""
    network = load(session)
    day0 = as_of or datetime.now(UTC).date()
    product_rows = products(session)
    crm_products = [crm_of_product(session, part_number=p["part_number"], via_limit=4) for p in product_rows]
    critical, total_nodes = critical_nodes(session, weeks=weeks, limit=top)
    scenarios = []
    saved, _ = list_scenarios(session, limit=100)
    for row in saved:
        start = max(row.start, day0)
        result = scenario(
            session, nodes=row.nodes, start=start, weeks=row.weeks, horizon=row.horizon_weeks, as_of=day0
        )
        scenarios.append({"name": row.name, "result": result})
    mitigation_rows = [
        mitigations(session, node=c["node"], weeks=weeks)
        for c in critical[:5]
        if c["revenue_at_risk_eur"] > 0
    ]
    singles, single_total = concentration(session, single="source", limit=top)
    _, sourced_total = concentration(session, limit=1)
    _, single_country_total = concentration(session, single="country", limit=1)
    return {
        "title": title,
        "as_of": day0.isoformat(),
        "company": next(
            (
                name
                for code, name in zip(network.org_codes, network.org_names, strict=True)
                if code == network.own_org
            ),
            None,
        ),
        "fingerprint": network.fingerprint,
        "crm_digest": network.crm_digest,
        "inputs": {
            "weeks": weeks,
            "top": top,
            "material_ttr_weeks": MATERIAL_TTR_WEEKS,
            "horizon_weeks": HORIZON_WEEKS,
        },
        "products": product_rows,
        "crm_products": crm_products,
        "materials": material_concentration(session),
        "countries": country_exposure(session, weeks=weeks)[:top],
        "critical": critical,
        "critical_total": total_nodes,
        "single_source": singles,
        "single_source_total": single_total,
        "single_country_total": single_country_total,
        "sourced_total": sourced_total,
        "scenarios": scenarios,
        "mitigations": mitigation_rows,
        "crm_sources": sorted({m["source"] for m in crm_list()}),
    }


def save_report(
    session: Session, *, html: str, context: dict[str, Any], username: str | None = None
) -> RiskReport:
    """Store an issued report with its date, inputs and the fingerprint of the data it read."""
    row = RiskReport(
        title=context["title"],
        as_of=date.fromisoformat(context["as_of"]),
        created_by=username,
        fingerprint=context["fingerprint"],
        inputs={**context["inputs"], "crm_digest": context["crm_digest"]},
        html=html,
    )
    session.add(row)
    session.flush()
    return row


def list_reports(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[RiskReport], int]:
    """Return one page of issued reports, newest first, and their count."""
    items = list(
        session.scalars(select(RiskReport).order_by(RiskReport.id.desc()).limit(limit).offset(offset))
    )
    total = int(session.scalar(select(func.count()).select_from(RiskReport)) or 0)
    return items, total


def get_report(session: Session, *, report_id: int) -> RiskReport:
    """Return an issued report; a 404 problem if there is none."""
    row = session.get(RiskReport, report_id)
    if row is None:
        raise Problem(404, "Not Found", f"no report with id {report_id}")
    return row


_REPORT_ENV: Any = None


def render_report(context: dict[str, Any], lang: str = "en") -> str:
    """Return the report as one self-contained HTML document (styles inline, no scripts), in
    ``lang``: its words, numbers, dates and country names."""
    global _REPORT_ENV
    if _REPORT_ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        _REPORT_ENV = Environment(
            loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        install_formats(_REPORT_ENV)
        # The report's own names for them: whole euros, one decimal, whole percentages, 4 figures.
        _REPORT_ENV.filters["eur"] = _REPORT_ENV.filters["money"]
        _REPORT_ENV.filters["num"] = pass_context(lambda c, v, d=1: fmt.number(v, c["lang"], d))
        _REPORT_ENV.filters["pct"] = pass_context(lambda c, v: fmt.percent(v, c["lang"], 0))
        _REPORT_ENV.filters["sig"] = pass_context(lambda c, v: fmt.significant(v, c["lang"], 4))
    html: str = _REPORT_ENV.get_template("report.html").render(
        **context,
        lang=lang,
        as_of_date=date.fromisoformat(context["as_of"]),
        _=lambda text, **kw: gettext(lang, text, **kw),
        country_name=lambda code: country_name(code, lang),
    )
    return html


def report_pdf(html: str) -> bytes:
    """Return the report HTML typeset as PDF (WeasyPrint)."""
    import logging

    from weasyprint import HTML

    # WeasyPrint reports every unsupported CSS property through logging; the report uses none on
    # purpose, and its font subsetting chatter is not for the user.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
