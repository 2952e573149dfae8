"""The overview's first answer to a board: per product its carbon footprint and its supply risk,
from the footprints and resilience services (the 2040 monitor will grow out of it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from keten.footprints import service as footprints
from keten.problems import Problem
from keten.resilience import service as resilience

__all__ = ["MAX_PRODUCTS", "board_figures"]

MAX_PRODUCTS = 12
"""Products shown on the overview, by revenue per week; the footprint list has them all."""


def _footprint(session: Session, part_number: str) -> dict[str, Any] | None:
    try:
        return footprints.run_summary(session, footprints.latest(session, part_number=part_number))
    except Problem:
        return None


def board_figures(session: Session) -> dict[str, Any]:
    """Return per product (largest revenue first) its stored footprint per unit, its primary data
    share, revenue per week and what single failure stops it; and the share of bought parts that
    have a single source. Empty when there are no products."""
    try:
        rows = resilience.product_risk(session)
        _, single = resilience.concentration(session, single="source", limit=1)
        _, sourced = resilience.concentration(session, limit=1)
    except Problem:
        return {"products": [], "single_source_share": None}
    rows.sort(key=lambda r: (-r["revenue_per_week_eur"], r["part_number"]))
    for row in rows[:MAX_PRODUCTS]:
        row["footprint"] = _footprint(session, row["part_number"])
    return {
        "products": rows[:MAX_PRODUCTS],
        "more_products": max(len(rows) - MAX_PRODUCTS, 0),
        "single_source_share": single / sourced if sourced else None,
    }
