"""Scenarios: what a failure of chosen nodes from a start date for some weeks does to the products,
and scenarios saved by name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.core import risk
from keten.core.errors import CoreError
from keten.problems import Problem
from keten.resilience.models import RiskScenario
from keten.resilience.network import HORIZON_WEEKS, IntArray, Network, load


def _resolve(network: Network, refs: Sequence[str]) -> IntArray:
    if not refs:
        raise Problem(
            422,
            "Unprocessable Content",
            "a scenario needs at least one node",
            errors=[{"field": "nodes", "message": "name at least one node"}],
        )
    return np.unique(np.concatenate([network.nodes(ref) for ref in refs]))


def _weekly_rows(
    network: Network, result: risk.ScenarioResult, day0: date, start_week: int, end: int
) -> list[dict[str, Any]]:
    """One row a week from the start of the failure to the end of the horizon."""
    products_pn = [network.part_numbers[int(p)] for p in network.net.products.tolist()]
    weekly = []
    for t in range(start_week, end):
        stopped = {
            products_pn[j]: float(result.product_stopped[t, j])
            for j in np.flatnonzero(result.product_stopped[t] > 0).tolist()
        }
        weekly.append(
            {
                "week": t,
                "week_start": (day0 + timedelta(weeks=t)).isoformat(),
                "parts_short": int(result.parts_short[t].sum()),
                "products_stopped": stopped,
                "units_lost": float(result.units_lost[t].sum()),
                "revenue_lost_eur": float(result.revenue_lost[t]),
            }
        )
    return weekly


def _product_rows(network: Network, result: risk.ScenarioResult, day0: date) -> list[dict[str, Any]]:
    """Per product: when it stops (the day within the week, from the stopped fraction), and what it loses."""
    net = network.net
    rows = []
    for j, product in enumerate(net.products.tolist()):
        lost = float(result.units_lost[:, j].sum())
        stopped_weeks = np.flatnonzero(result.product_stopped[:, j] > 0)
        stops_on = None
        if stopped_weeks.size:
            first = int(stopped_weeks[0])
            stops_on = (
                day0 + timedelta(days=7 * (first + 1 - float(result.product_stopped[first, j])))
            ).isoformat()
        rows.append(
            {
                "part_number": network.part_numbers[int(product)],
                "name": network.part_names[int(product)],
                "stops_week": int(stopped_weeks[0]) if stopped_weeks.size else None,
                "stops_on": stops_on,
                "weeks_stopped": float(result.product_stopped[:, j].sum()),
                "units_lost": lost,
                "revenue_lost_eur": lost * float(net.revenue[j]),
            }
        )
    return rows


def scenario(
    session: Session,
    *,
    nodes: Sequence[str],
    start: date,
    weeks: float,
    horizon: int = HORIZON_WEEKS,
    as_of: date | None = None,
    parts_listed: int = 500,
) -> dict[str, Any]:
    """Return the week-by-week impact of ``nodes`` being unavailable from ``start`` for ``weeks`` weeks.

    Week 0 is the week that begins on ``as_of`` (today when absent, the stock on hand is today's);
    the failure starts at the beginning of the week that holds ``start``, and the impact is
    followed for ``horizon`` weeks from there. ``parts`` lists the first ``parts_listed`` parts to
    run out (``parts_short`` counts them all). Nothing is stored.
    """
    network = load(session)
    net = network.net
    day0 = as_of or datetime.now(UTC).date()
    if start < day0:
        raise Problem(
            422,
            "Unprocessable Content",
            f"the scenario starts on {start}, before {day0}",
            errors=[{"field": "start", "message": f"on or after {day0}"}],
        )
    if weeks <= 0 or horizon < 1:
        raise Problem(
            422,
            "Unprocessable Content",
            "weeks must be positive and the horizon at least one week",
            errors=[{"field": "weeks", "message": "greater than 0"}],
        )
    ids = _resolve(network, nodes)
    start_week = (start - day0).days // 7
    end = start_week + horizon
    try:
        result = risk.run_scenario(net, ids, start_week, weeks, horizon=end)
    except CoreError as exc:
        raise Problem(422, "Unprocessable Content", str(exc)) from None
    weekly = _weekly_rows(network, result, day0, start_week, end)
    inside = np.flatnonzero(result.part_start < end)
    order = inside[np.argsort(result.part_start[inside], kind="stable")]
    parts = [
        {
            "part_number": network.part_numbers[int(result.parts[i])],
            "name": network.part_names[int(result.parts[i])],
            "short_from_week": float(result.part_start[i]),
            "short_until_week": float(min(result.part_end[i], end)),
            "runs_out_on": (day0 + timedelta(days=7 * float(result.part_start[i]))).isoformat(),
        }
        for i in order[:parts_listed].tolist()
    ]
    product_rows = _product_rows(network, result, day0)
    return {
        "nodes": list(nodes),
        "node_names": {ref: network.node_name(ref) for ref in nodes},
        "as_of": day0.isoformat(),
        "start": start.isoformat(),
        "start_week": start_week,
        "weeks": weeks,
        "horizon_weeks": horizon,
        "fingerprint": network.fingerprint,
        "revenue_lost_eur": result.total_revenue_lost,
        "units_lost": float(result.units_lost.sum()),
        "weekly": weekly,
        "parts_short": int(order.size),
        "parts": parts,
        "products": product_rows,
    }


def save_scenario(
    session: Session,
    *,
    name: str,
    nodes: Sequence[str],
    start: date,
    weeks: float,
    horizon: int = HORIZON_WEEKS,
    username: str | None = None,
) -> RiskScenario:
    """Store a named scenario after checking its nodes; a 409 problem if the name is taken."""
    network = load(session)
    _resolve(network, nodes)
    if weeks <= 0:
        raise Problem(
            422,
            "Unprocessable Content",
            "weeks must be positive",
            errors=[{"field": "weeks", "message": "greater than 0"}],
        )
    if session.scalar(select(RiskScenario.id).where(RiskScenario.name == name)) is not None:
        raise Problem(409, "Conflict", f"a scenario named {name!r} exists already")
    row = RiskScenario(
        name=name, nodes=list(nodes), start=start, weeks=weeks, horizon_weeks=horizon, created_by=username
    )
    session.add(row)
    session.flush()
    return row


def list_scenarios(session: Session, *, limit: int = 50, offset: int = 0) -> tuple[list[RiskScenario], int]:
    """Return one page of saved scenarios by name, and their count."""
    items = list(
        session.scalars(select(RiskScenario).order_by(RiskScenario.name).limit(limit).offset(offset))
    )
    total = int(session.scalar(select(func.count()).select_from(RiskScenario)) or 0)
    return items, total


def get_scenario(session: Session, *, scenario_id: int) -> RiskScenario:
    """Return a saved scenario; a 404 problem if there is none."""
    row = session.get(RiskScenario, scenario_id)
    if row is None:
        raise Problem(404, "Not Found", f"no scenario with id {scenario_id}")
    return row


def delete_scenario(session: Session, *, scenario_id: int) -> None:
    """Delete a saved scenario."""
    session.delete(get_scenario(session, scenario_id=scenario_id))
    session.flush()


def run_saved_scenario(
    session: Session, *, scenario_id: int, as_of: date | None = None, record: bool = True
) -> dict[str, Any]:
    """Return the impact of a saved scenario now; with ``record`` its totals and data fingerprint are kept."""
    row = get_scenario(session, scenario_id=scenario_id)
    day0 = as_of or min(datetime.now(UTC).date(), row.start)
    result = scenario(
        session, nodes=row.nodes, start=row.start, weeks=row.weeks, horizon=row.horizon_weeks, as_of=day0
    )
    if record:
        row.last_run_at = datetime.now(UTC)
        row.last_as_of = day0
        row.last_fingerprint = result["fingerprint"]
        row.last_revenue_lost_eur = result["revenue_lost_eur"]
        row.last_units_lost = result["units_lost"]
        session.flush()
    return {"id": row.id, "name": row.name, **result}
