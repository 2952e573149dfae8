"""Supply-chain risk over keten's data: the network arrays, concentration, critical raw materials,
time to survive and recover, scenarios, the ranking of critical nodes and mitigations.

The database is read in a few narrow column queries into a :class:`Network` (the core's
:class:`~keten.core.risk.SupplyNetwork` plus the names behind its indices), kept by engine and a
fingerprint of the data, so requests on unchanged data only pay for the aggregate queries that
make the fingerprint. How stored rows become the model:

* Parts of kind ``product`` are what is sold: their weekly demand is the ``weekly_usage`` of their
  stock row, or, where that is absent, the non-negative least-squares fit of the products' BOM
  explosions to the weekly usage stored for bought parts (results say which).
* A part's stock is its ``on_hand``; its weekly usage the stored one, else what the demand of the
  products explodes to.
* Sourcing rows with a share are primary sources; their shares are scaled to add up to 1 per part.
  A qualified alternate that takes no volume today can take all of it, from the week its first
  order arrives (its lead time, rounded up to weeks). A row with no share that is not a qualified
  alternate delivers nothing.
* Materials map to the EU 2023 critical raw materials (data/crm) by code, or by element within a
  group (Nd is a light rare earth). A country's share of a material's world supply is the larger
  of its extraction and processing shares, so a country failure cuts the parts containing that
  material by at least what the bottleneck stage loses.

Nodes are referred to as ``site:CODE``, ``supplier:ORGANIZATION``, ``country:CC`` and
``material:CODE``; a supplier stands for all of its sites at once.
"""

from __future__ import annotations

import csv
import hashlib
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pycountry
from jinja2 import pass_context
from scipy.optimize import nnls
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.catalog.service import load_bom_graph, raw_rows
from keten.core import risk
from keten.core.bom import explode
from keten.core.errors import CoreError
from keten.partners.models import Organization, Site, Sourcing
from keten.problems import Problem
from keten.resilience.models import RiskReport, RiskScenario
from keten.ui import format as fmt
from keten.ui import install_formats
from keten.ui.i18n import country_name, gettext

__all__ = [
    "CRM_DIR",
    "NODE_KINDS",
    "CrmMaterial",
    "Network",
    "concentration",
    "country_exposure",
    "critical_nodes",
    "crm_list",
    "crm_of_product",
    "delete_scenario",
    "exposure",
    "get_report",
    "get_scenario",
    "list_reports",
    "list_scenarios",
    "load",
    "material_concentration",
    "mitigations",
    "product_risk",
    "products",
    "render_report",
    "report_context",
    "report_pdf",
    "run_saved_scenario",
    "save_report",
    "save_scenario",
    "scenario",
]

CRM_DIR = Path(__file__).resolve().parents[3] / "data" / "crm"
NODE_KINDS = ("site", "supplier", "country", "material")
MATERIAL_TTR_WEEKS = 26.0
"""Time to recover of a material when the caller names none: half a year to find and qualify
another grade or origin, as no figure for it is in the data."""
HORIZON_WEEKS = 52

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# --- the critical raw materials reference -----------------------------------------------------


@dataclass(frozen=True)
class CrmMaterial:
    """One row of the EU 2023 critical raw materials list, with its main supplying countries."""

    code: str
    name: str
    strategic: bool
    supply_risk: float | None
    economic_importance: float | None
    members: tuple[str, ...]
    strategic_scope: str
    source: str
    licence: str


@dataclass(frozen=True)
class CrmData:
    """The list, the country shares per code and stage, and a hash of both files."""

    materials: dict[str, CrmMaterial]
    shares: dict[str, list[tuple[str, str, float]]]
    """code -> [(stage, country, share)]."""
    by_code: dict[str, str]
    """Upper-cased material or element code -> code of its list entry."""
    digest: str


def _number(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@lru_cache(maxsize=4)
def _crm(directory: Path = CRM_DIR) -> CrmData:
    digest = hashlib.sha256()
    materials: dict[str, CrmMaterial] = {}
    by_code: dict[str, str] = {}
    path = directory / "crm_eu_2023.csv"
    digest.update(path.read_bytes())
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            members = tuple(m for m in (row["members"] or "").split(";") if m)
            entry = CrmMaterial(
                code=row["code"],
                name=row["material"],
                strategic=row["strategic"] == "yes",
                supply_risk=_number(row["supply_risk"]),
                economic_importance=_number(row["economic_importance"]),
                members=members,
                strategic_scope=row["strategic_scope"] or "",
                source=row["source"],
                licence=row["licence"],
            )
            materials[entry.code] = entry
            by_code[entry.code.upper()] = entry.code
            for member in members:
                by_code[member.upper()] = entry.code
    shares: dict[str, list[tuple[str, str, float]]] = {}
    path = directory / "crm_country_shares.csv"
    digest.update(path.read_bytes())
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            share = _number(row["share"])
            if share is not None:
                shares.setdefault(row["code"], []).append((row["stage"], row["country"], share))
    return CrmData(materials, shares, by_code, digest.hexdigest()[:16])


def crm_list() -> list[dict[str, Any]]:
    """Return the critical raw materials list with each entry's main supplying countries."""
    data = _crm()
    out: list[dict[str, Any]] = []
    for m in data.materials.values():
        countries: dict[str, float] = {}
        for code in (m.code, *m.members):
            for _stage, country, share in data.shares.get(code, []):
                countries[country] = max(countries.get(country, 0.0), share)
        out.append(
            {
                "code": m.code,
                "name": m.name,
                "strategic": m.strategic,
                "supply_risk": m.supply_risk,
                "economic_importance": m.economic_importance,
                "members": list(m.members),
                "strategic_scope": m.strategic_scope or None,
                "main_countries": [
                    {"country": c, "share": s} for c, s in sorted(countries.items(), key=lambda kv: -kv[1])
                ][:6],
                "source": m.source,
                "licence": m.licence,
            }
        )
    return out


def _material_shares(data: CrmData, code: str) -> dict[str, dict[str, float]]:
    """Return {stage: {country: share}} for a material code (its own rows, else its entry's)."""
    rows = data.shares.get(code) or data.shares.get(data.by_code.get(code.upper(), ""), [])
    if not rows:
        for known, found in data.shares.items():
            if known.upper() == code.upper():
                rows = found
                break
    out: dict[str, dict[str, float]] = {}
    for stage, country, share in rows:
        out.setdefault(stage, {})[country] = share
    return out


# --- loading the network ----------------------------------------------------------------------


def _lookup(ids: IntArray, values: Iterable[int]) -> IntArray:
    lookup = np.full(int(ids.max(initial=0)) + 2, -1, dtype=np.int64)
    lookup[ids] = np.arange(ids.size, dtype=np.int64)
    arr = np.fromiter(values, dtype=np.int64)
    return lookup[np.clip(arr, 0, lookup.size - 1)]


@dataclass(frozen=True)
class Network:
    """The supply network of the stored data, with the names behind every index."""

    net: risk.SupplyNetwork
    fingerprint: str
    part_ids: IntArray
    part_numbers: list[str]
    part_names: list[str]
    part_index: dict[str, int]
    site_codes: list[str]
    site_names: list[str]
    site_org: IntArray
    org_codes: list[str]
    org_names: list[str]
    countries: list[str]
    material_codes: list[str]
    material_names: list[str]
    material_crm: list[str | None]
    material_stage_shares: list[dict[str, dict[str, float]]]
    edge_price: FloatArray
    """Price per unit of each sourcing edge, NaN where unknown, shape (e,)."""
    product_qty: FloatArray
    """Units of every part in one unit of every product, shape (p, n)."""
    demand_estimated: BoolArray
    spend_per_week: FloatArray
    """EUR spent per week on each part (usage × share-weighted price), shape (n,)."""
    revenue_behind: FloatArray
    """EUR per week of the products that contain each part, shape (n,)."""
    unit_price: FloatArray
    """Share-weighted price per unit of each bought part (NaN where unknown), shape (n,)."""
    own_org: str | None
    crm_digest: str
    caches: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def cache(self, key: Any, compute: Any) -> Any:
        """Return what ``compute()`` gives for ``key``, computed once per network (the data is fixed)."""
        with _CACHE_LOCK:
            if key in self.caches:
                return self.caches[key]
        value = compute()
        with _CACHE_LOCK:
            self.caches[key] = value
        return value

    def _pos(self, kind: str) -> dict[str, int]:
        codes = {"site": self.site_codes, "supplier": self.org_codes, "material": self.material_codes}[kind]
        found: dict[str, int] = self.cache(("pos", kind), lambda: {c: i for i, c in enumerate(codes)})
        return found

    def node_ref(self, node: int) -> str:
        """Return the reference (``kind:code``) of a core node index."""
        s, c = self.net.n_sites, self.net.n_countries
        if node < s:
            return f"site:{self.site_codes[node]}"
        if node < s + c:
            return f"country:{self.countries[node - s]}"
        return f"material:{self.material_codes[node - s - c]}"

    def nodes(self, ref: str) -> IntArray:
        """Return the core node indices of a reference; a 422 problem names an unknown one."""
        kind, _, code = ref.partition(":")
        s, c = self.net.n_sites, self.net.n_countries
        found: list[int] = []
        if kind == "site" and code in self._pos("site"):
            found = [self._pos("site")[code]]
        elif kind == "supplier" and code in self._pos("supplier"):
            found = np.flatnonzero(self.site_org == self._pos("supplier")[code]).tolist()
        elif kind == "country" and code.upper() in self.countries:
            found = [s + self.countries.index(code.upper())]
        elif kind == "material" and code in self._pos("material"):
            found = [s + c + self._pos("material")[code]]
        if not found:
            raise Problem(
                422,
                "Unknown node",
                f"{ref!r} names no node; use site:CODE, supplier:CODE, country:CC or material:CODE "
                "with a code that exists",
                errors=[{"field": "nodes", "node": ref, "message": "no such node"}],
            )
        return np.asarray(found, dtype=np.int64)

    def node_name(self, ref: str) -> str:
        """Return a readable name of a node reference."""
        kind, _, code = ref.partition(":")
        if kind == "site" and code in self._pos("site"):
            return self.site_names[self._pos("site")[code]]
        if kind == "supplier" and code in self._pos("supplier"):
            return self.org_names[self._pos("supplier")[code]]
        if kind == "material" and code in self._pos("material"):
            return self.material_names[self._pos("material")[code]]
        if kind == "country":
            found = pycountry.countries.get(alpha_2=code.upper())
            return str(found.name) if found is not None else code
        return code

    def position(self, part_number: str) -> int:
        """Return the position of a part; a 404 problem if there is none."""
        found = self.part_index.get(part_number)
        if found is None:
            raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
        return found


def _fingerprint(session: Session) -> str:
    """Return a hash that changes whenever any table the network reads changes."""
    parts = session.execute(
        select(
            func.count(), func.max(Part.id), func.max(Part.updated_at), func.sum(Part.revenue_per_unit_eur)
        )
    ).one()
    aggregates = [
        session.execute(select(func.count(), func.max(key), *sums)).one()
        for key, sums in (
            (BomLine.id, (func.sum(BomLine.quantity),)),
            (
                Sourcing.id,
                (
                    func.sum(Sourcing.share),
                    func.sum(Sourcing.lead_time_days),
                    func.sum(Sourcing.price_eur),
                    func.sum(Sourcing.site_id),
                    func.count(Sourcing.id).filter(Sourcing.qualified_alternate.is_(True)),
                ),
            ),
            (Stock.id, (func.sum(Stock.on_hand), func.sum(Stock.weekly_usage), func.sum(Stock.part_id))),
            (PartMaterial.id, (func.sum(PartMaterial.mass_kg), func.sum(PartMaterial.material_id))),
            (Material.id, ()),
            (Organization.id, ()),
        )
    ]
    digest = hashlib.sha256(repr((tuple(parts), [tuple(a) for a in aggregates])).encode())
    # Sites are few; their country and organization change without leaving a trace elsewhere.
    for row in raw_rows(
        session, select(Site.id, Site.code, Site.country, Site.organization_id).order_by(Site.id)
    ):
        digest.update(repr(tuple(row)).encode())
    for row in raw_rows(session, select(Material.id, Material.code).order_by(Material.id)):
        digest.update(repr(tuple(row)).encode())
    for row in raw_rows(
        session, select(Organization.id, Organization.code, Organization.role).order_by(Organization.id)
    ):
        digest.update(repr(tuple(row)).encode())
    digest.update(_crm().digest.encode())
    return digest.hexdigest()[:32]


_CACHE: dict[tuple[str, str], Network] = {}
_CACHE_LOCK = threading.Lock()
RECHECK_SECONDS = 2.0
"""How long a network is served without recomputing the data fingerprint, as long as this process
has written nothing; writes by other processes (workers, the command line) show within this time."""
_WRITES = [0]
_CHECKED: dict[str, tuple[int, float, Network]] = {}
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "DROP", "ALTER", "CREATE", "COPY")


@event.listens_for(Engine, "after_cursor_execute")
def _count_writes(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    # Any statement that can change data makes the next load check the fingerprint again.
    if statement.lstrip()[:8].upper().startswith(_WRITE_VERBS):
        _WRITES[0] += 1


def load(session: Session) -> Network:
    """Return the supply network of the stored data; unchanged data is served from memory.

    The fingerprint (a few aggregate queries, a few hundred milliseconds on 100,000 parts in
    SQLite) is skipped for ``RECHECK_SECONDS`` after the last check when this process has run no
    write since.
    """
    url = str(session.connection().engine.url)
    now = time.monotonic()
    with _CACHE_LOCK:
        checked = _CHECKED.get(url)
    if (
        checked is not None
        and checked[0] == _WRITES[0]
        and now - checked[1] < RECHECK_SECONDS
        and not (session.new or session.dirty or session.deleted)
    ):
        return checked[2]
    writes = _WRITES[0]
    fingerprint = _fingerprint(session)
    key = (url, fingerprint)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    network = cached if cached is not None else _load(session, fingerprint)
    with _CACHE_LOCK:
        if cached is None:
            if len(_CACHE) >= 4:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = network
        _CHECKED[url] = (writes, time.monotonic(), network)
    return network


def _estimate_demand(usage_stored: FloatArray, product_qty: FloatArray) -> FloatArray:
    """Return the products' weekly demand that best explains the stored weekly usage of the parts."""
    used = usage_stored > 0
    matrix = product_qty[:, used].T
    if matrix.size == 0:
        return np.zeros(product_qty.shape[0])
    demand, _residual = nnls(matrix, usage_stored[used])
    return np.asarray(demand, dtype=np.float64)


def _load(session: Session, fingerprint: str) -> Network:
    crm = _crm()
    arrays = load_bom_graph(session)
    ids = np.asarray(arrays.part_index.ids, dtype=np.int64)
    n = ids.size
    info = {
        r[0]: r[1:]
        for r in raw_rows(session, select(Part.id, Part.name, Part.kind, Part.revenue_per_unit_eur))
    }
    names = [info[i][0] for i in ids.tolist()]
    kinds = [info[i][1] for i in ids.tolist()]
    revenue_per_unit = np.array([info[i][2] or 0.0 for i in ids.tolist()], dtype=np.float64)

    orgs = raw_rows(
        session,
        select(Organization.id, Organization.code, Organization.name, Organization.role).order_by(
            Organization.id
        ),
    )
    org_ids = np.array([o[0] for o in orgs], dtype=np.int64)
    own = next((o[1] for o in orgs if o[3] == "own"), None)
    sites = raw_rows(
        session, select(Site.id, Site.code, Site.name, Site.country, Site.organization_id).order_by(Site.id)
    )
    site_ids = np.array([s[0] for s in sites], dtype=np.int64)
    site_org = _lookup(org_ids, (s[4] for s in sites)) if sites else np.zeros(0, dtype=np.int64)

    materials = raw_rows(session, select(Material.id, Material.code, Material.name).order_by(Material.id))
    material_ids = np.array([m[0] for m in materials], dtype=np.int64)
    material_codes = [m[1] for m in materials]
    material_crm = [crm.by_code.get(code.upper()) for code in material_codes]
    stage_shares = [
        _material_shares(crm, code) if found else {}
        for code, found in zip(material_codes, material_crm, strict=True)
    ]

    countries = sorted(
        {(s[3] or "").upper() for s in sites}
        | {c for shares in stage_shares for stage in shares.values() for c in stage}
    )
    country_index = {c: i for i, c in enumerate(countries)}
    site_country = np.array([country_index[(s[3] or "").upper()] for s in sites], dtype=np.int64)
    mcs = np.zeros((len(materials), len(countries)))
    for k, shares in enumerate(stage_shares):
        for stage in shares.values():
            for country, value in stage.items():
                j = country_index[country]
                mcs[k, j] = max(mcs[k, j], min(value, 1.0))

    src = raw_rows(
        session,
        select(
            Sourcing.part_id,
            Sourcing.site_id,
            Sourcing.share,
            Sourcing.lead_time_days,
            Sourcing.price_eur,
            Sourcing.qualified_alternate,
        ).order_by(Sourcing.id),
    )
    e_part = _lookup(ids, (r[0] for r in src)) if src else np.zeros(0, dtype=np.int64)
    e_site = _lookup(site_ids, (r[1] for r in src)) if src else np.zeros(0, dtype=np.int64)
    e_share = np.array([float(r[2] or 0.0) for r in src], dtype=np.float64)
    e_lead = np.array([float(r[3] or 0) for r in src], dtype=np.float64)
    e_price = np.array([math.nan if r[4] is None else float(r[4]) for r in src], dtype=np.float64)
    e_qualified = np.array([bool(r[5]) for r in src], dtype=bool)
    alternate = e_qualified & (e_share <= 0)
    keep = (e_share > 0) | alternate
    e_part, e_site, alternate = e_part[keep], e_site[keep], alternate[keep]
    e_share, e_lead, e_price = e_share[keep], e_lead[keep], e_price[keep]
    primary_total = np.bincount(e_part[~alternate], weights=e_share[~alternate], minlength=n)
    share = np.where(
        alternate, 1.0, e_share / np.where(primary_total[e_part] > 0, primary_total[e_part], 1.0)
    )
    qual = np.where(alternate, np.ceil(e_lead / 7.0), 0).astype(np.int64)

    stock_rows = raw_rows(session, select(Stock.part_id, Stock.on_hand, Stock.weekly_usage))
    stock = np.zeros(n)
    usage_stored = np.zeros(n)
    if stock_rows:
        at = _lookup(ids, (r[0] for r in stock_rows))
        stock[at] = [float(r[1] or 0.0) for r in stock_rows]
        usage_stored[at] = [float(r[2] or 0.0) for r in stock_rows]

    comp = raw_rows(session, select(PartMaterial.part_id, PartMaterial.material_id, PartMaterial.mass_kg))
    comp_part = _lookup(ids, (r[0] for r in comp)) if comp else np.zeros(0, dtype=np.int64)
    comp_material = _lookup(material_ids, (r[1] for r in comp)) if comp else np.zeros(0, dtype=np.int64)
    comp_kg = np.array([float(r[2]) for r in comp], dtype=np.float64)

    products = np.array([i for i, k in enumerate(kinds) if k == "product"], dtype=np.int64)
    product_qty = np.zeros((products.size, n))
    for j, root in enumerate(products.tolist()):
        product_qty[j] = explode(arrays.graph, root)
        product_qty[j, root] = 0.0
    stored_demand = usage_stored[products]
    estimated = stored_demand <= 0
    demand = stored_demand.copy()
    if estimated.any():
        others = usage_stored.copy()
        others[products] = 0.0
        # Products with a stored demand account for part of the usage; the rest is fitted.
        explained = stored_demand[~estimated] @ product_qty[~estimated]
        fitted = _estimate_demand(np.maximum(others - explained, 0.0), product_qty[estimated])
        demand[estimated] = fitted
    exploded_usage = demand @ product_qty if products.size else np.zeros(n)
    usage = np.where(usage_stored > 0, usage_stored, exploded_usage)
    usage[products] = demand
    revenue = revenue_per_unit[products]

    net = risk.build_network(
        arrays.graph,
        edge_part=e_part,
        edge_site=e_site,
        edge_share=share,
        edge_lead_days=e_lead,
        edge_alternate=alternate,
        edge_qual_weeks=qual,
        site_country=site_country,
        site_org=site_org,
        n_countries=len(countries),
        comp_part=comp_part,
        comp_material=comp_material,
        comp_kg=comp_kg,
        n_materials=len(materials),
        material_country_share=mcs,
        stock=stock,
        usage=usage,
        products=products,
        demand=demand,
        revenue=revenue,
    )
    prim = ~alternate
    priced = prim & ~np.isnan(e_price)
    weight = np.bincount(e_part[priced], weights=share[priced], minlength=n)
    paid = np.bincount(e_part[priced], weights=share[priced] * e_price[priced], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_price = np.where(weight > 0, paid / weight, np.nan)
    spend = np.where(np.isnan(unit_price), 0.0, unit_price) * usage
    weekly_revenue = demand * revenue
    revenue_behind = (product_qty > 0).T.astype(np.float64) @ weekly_revenue if products.size else np.zeros(n)
    revenue_behind[products] += weekly_revenue
    return Network(
        net=net,
        fingerprint=fingerprint,
        part_ids=ids,
        part_numbers=list(arrays.part_numbers),
        part_names=names,
        part_index={pn: i for i, pn in enumerate(arrays.part_numbers)},
        site_codes=[s[1] for s in sites],
        site_names=[s[2] for s in sites],
        site_org=site_org,
        org_codes=[o[1] for o in orgs],
        org_names=[o[2] for o in orgs],
        countries=countries,
        material_codes=material_codes,
        material_names=[m[2] for m in materials],
        material_crm=material_crm,
        material_stage_shares=stage_shares,
        edge_price=e_price,
        product_qty=product_qty,
        demand_estimated=estimated,
        spend_per_week=spend,
        revenue_behind=revenue_behind,
        unit_price=unit_price,
        own_org=own,
        crm_digest=crm.digest,
    )


# --- concentration ----------------------------------------------------------------------------


def _nan_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _edges_of(network: Network, part: int) -> IntArray:
    net = network.net
    return net.part_edge_order[net.part_edge_ptr[part] : net.part_edge_ptr[part + 1]]


def _sources(network: Network, part: int) -> list[dict[str, Any]]:
    net = network.net
    out: list[dict[str, Any]] = []
    for e in _edges_of(network, part).tolist():
        site = int(net.edge_site[e])
        out.append(
            {
                "site": network.site_codes[site],
                "supplier": network.org_codes[int(network.site_org[site])],
                "country": network.countries[int(net.site_country[site])],
                "share": float(net.edge_share[e]),
                "alternate": bool(net.edge_alternate[e]),
                "lead_time_weeks": float(net.edge_lead_days[e]) / 7.0,
            }
        )
    return out


def concentration(
    session: Session, *, single: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of bought parts by revenue behind them, with supplier and country HHI, and the count.

    ``single``: ``source`` or ``country`` keeps only single-source or single-country parts.
    """
    network = load(session)
    conc = network.cache("concentration", lambda: risk.concentration(network.net, by_organization=True))
    sourced = np.flatnonzero(~np.isnan(conc.hhi_supplier))
    if single == "source":
        sourced = sourced[conc.single_source[sourced]]
    elif single == "country":
        sourced = sourced[conc.single_country[sourced]]
    order = np.lexsort((-network.spend_per_week[sourced], -network.revenue_behind[sourced]))
    chosen = sourced[order]
    page = chosen[offset : offset + limit]
    items = []
    for i in page.tolist():
        items.append(
            {
                "part_number": network.part_numbers[i],
                "name": network.part_names[i],
                "suppliers": int(conc.n_suppliers[i]),
                "countries": int(conc.n_countries[i]),
                "hhi_supplier": float(conc.hhi_supplier[i]),
                "hhi_country": float(conc.hhi_country[i]),
                "single_source": bool(conc.single_source[i]),
                "single_country": bool(conc.single_country[i]),
                "has_alternate": bool(network.net.edge_alternate[_edges_of(network, i)].any()),
                "spend_eur_per_week": float(network.spend_per_week[i]),
                "revenue_eur_per_week": float(network.revenue_behind[i]),
                "stock_weeks": _nan_none(float(network.net.cover[i])),
                "sources": _sources(network, i),
            }
        )
    return items, int(chosen.size)


def _hhi(shares: Iterable[float]) -> float | None:
    values = list(shares)
    return float(sum(s * s for s in values)) if values else None


def _supplier_flows(network: Network) -> dict[int, dict[int, float]]:
    """Return kg per week of each material through each supplier organization: {material: {org: kg}}."""
    net = network.net
    width = max(len(network.org_codes), 1)
    counts = net.part_edge_ptr[net.comp_part + 1] - net.part_edge_ptr[net.comp_part]
    row = np.repeat(np.arange(net.comp_part.size), counts)
    starts = np.repeat(net.part_edge_ptr[net.comp_part] - (np.cumsum(counts) - counts), counts)
    edge = net.part_edge_order[starts + np.arange(row.size)] if row.size else np.empty(0, np.int64)
    primary = ~net.edge_alternate[edge]
    row, edge = row[primary], edge[primary]
    flow = net.comp_kg[row] * net.usage[net.comp_part[row]] * net.edge_share[edge]
    key = net.comp_material[row] * width + network.site_org[net.edge_site[edge]]
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=flow)
    out: dict[int, dict[int, float]] = {}
    for u, value in zip(uniq.tolist(), summed.tolist(), strict=True):
        m, o = divmod(u, width)
        out.setdefault(m, {})[o] = value
    return out


def material_concentration(session: Session) -> list[dict[str, Any]]:
    """Return every material the products contain: world supply concentration, own sourcing, exposure."""
    network = load(session)
    net = network.net
    content = network.cache("content", lambda: risk.material_content(net))
    weekly_revenue = net.demand * net.revenue
    kg_week = np.bincount(
        net.comp_material, weights=net.comp_kg * net.usage[net.comp_part], minlength=net.n_materials
    )
    crm = _crm()
    flows = _supplier_flows(network)
    out: list[dict[str, Any]] = []
    for k, code in enumerate(network.material_codes):
        rows = np.flatnonzero(net.comp_material == k)
        if rows.size == 0:
            continue
        parts = np.unique(net.comp_part[rows])
        by_supplier = flows.get(k, {})
        total = sum(by_supplier.values())
        stages = network.material_stage_shares[k]
        top = max(
            ((c, s, stage) for stage, shares in stages.items() for c, s in shares.items()),
            key=lambda t: t[1],
            default=None,
        )
        entry = crm.materials.get(network.material_crm[k] or "")
        out.append(
            {
                "code": code,
                "name": network.material_names[k],
                "crm": entry.code if entry else None,
                "crm_name": entry.name if entry else None,
                "strategic": bool(entry and entry.strategic),
                "supply_risk": entry.supply_risk if entry else None,
                "kg_per_week": float(kg_week[k]),
                "parts": int(parts.size),
                "suppliers": len(by_supplier),
                "hhi_supplier": _hhi(v / total for v in by_supplier.values()) if total > 0 else None,
                "hhi_world_extraction": _hhi(stages.get("extraction", {}).values()),
                "hhi_world_processing": _hhi(stages.get("processing", {}).values()),
                "top_country": top[0] if top else None,
                "top_country_share": top[1] if top else None,
                "top_country_stage": top[2] if top else None,
                "revenue_eur_per_week": float(weekly_revenue[content.kg[:, k] > 0].sum()),
            }
        )
    out.sort(key=lambda m: (not m["strategic"], m["crm"] is None, -m["revenue_eur_per_week"], m["code"]))
    return out


# --- critical raw materials per product -------------------------------------------------------


def products(session: Session) -> list[dict[str, Any]]:
    """Return the products with their weekly demand, revenue per unit and whether demand was estimated."""
    network = load(session)
    net = network.net
    return [
        {
            "part_number": network.part_numbers[int(p)],
            "name": network.part_names[int(p)],
            "demand_per_week": float(net.demand[j]),
            "demand_estimated": bool(network.demand_estimated[j]),
            "revenue_per_unit_eur": float(net.revenue[j]),
        }
        for j, p in enumerate(net.products.tolist())
    ]


def product_risk(session: Session, *, weeks: float | None = None) -> list[dict[str, Any]]:
    """Return per product what a board asks first: its revenue per week, how many single suppliers,
    countries and materials stop it when they fail (each for its time to recover, or ``weeks``), and
    the one that costs the most."""
    rows = products(session)
    critical, _ = critical_nodes(session, weeks=weeks, limit=100_000)
    for row in rows:
        stopping = [c for c in critical if row["part_number"] in c["products_stopped"]]
        worst = stopping[0] if stopping else None  # ranked by revenue at risk
        row["revenue_per_week_eur"] = row["demand_per_week"] * row["revenue_per_unit_eur"]
        row["nodes_stopping"] = len(stopping)
        row["worst_node"] = None if worst is None else {k: worst[k] for k in ("node", "kind", "code", "name")}
        row["worst_revenue_at_risk_eur"] = 0.0 if worst is None else worst["revenue_at_risk_eur"]
    return rows


def crm_of_product(
    session: Session, *, part_number: str, all_materials: bool = False, via_limit: int | None = None
) -> dict[str, Any]:
    """Return the critical raw materials in one unit of a product (kg), through which parts and suppliers.

    ``via_limit`` keeps the heaviest parts of each material (``via_count`` says how many there are):
    a 100,000-part product carries a material through tens of thousands of parts.
    """
    network = load(session)
    net = network.net
    root = network.position(part_number)
    slot = int(net.product_slot[root])
    if slot < 0:
        raise Problem(404, "Not Found", f"'{part_number}' is not a product (kind product)")
    content = network.cache("content", lambda: risk.material_content(net))
    crm = _crm()
    rows = np.flatnonzero(content.via_product == slot)
    materials: list[dict[str, Any]] = []
    for k in np.flatnonzero(content.kg[slot] > 0).tolist():
        entry = crm.materials.get(network.material_crm[k] or "")
        if entry is None and not all_materials:
            continue
        via = rows[content.via_material[rows] == k]
        via = via[np.argsort(-content.via_kg[via], kind="stable")]
        via_count = int(via.size)
        if via_limit is not None:
            via = via[:via_limit]
        stages = network.material_stage_shares[k]
        materials.append(
            {
                "code": network.material_codes[k],
                "name": network.material_names[k],
                "crm": entry.code if entry else None,
                "crm_name": entry.name if entry else None,
                "strategic": bool(entry and entry.strategic),
                "supply_risk": entry.supply_risk if entry else None,
                "kg_per_unit": float(content.kg[slot, k]),
                "via_count": via_count,
                "world_supply": {
                    stage: [{"country": c, "share": s} for c, s in sorted(sh.items(), key=lambda kv: -kv[1])]
                    for stage, sh in stages.items()
                },
                "via": [
                    {
                        "part_number": network.part_numbers[int(content.via_part[r])],
                        "name": network.part_names[int(content.via_part[r])],
                        "kg_per_unit": float(content.via_kg[r]),
                        "sources": _sources(network, int(content.via_part[r])),
                    }
                    for r in via.tolist()
                ],
            }
        )
    materials.sort(key=lambda m: (not m["strategic"], m["crm"] is None, -m["kg_per_unit"]))
    return {
        "part_number": part_number,
        "name": network.part_names[root],
        "fingerprint": network.fingerprint,
        "materials": materials,
    }


# --- time to survive and recover, and the ranking of single failures ----------------------------


def _node_list(network: Network, kind: str) -> list[tuple[str, IntArray]]:
    """Return (reference, core nodes) of every node of a kind."""
    net = network.net
    s, c = net.n_sites, net.n_countries
    if kind == "site":
        return [(f"site:{code}", np.array([i])) for i, code in enumerate(network.site_codes)]
    if kind == "supplier":
        out: list[tuple[str, IntArray]] = []
        for org, code in enumerate(network.org_codes):
            found = np.flatnonzero(network.site_org == org)
            if found.size and code != network.own_org:
                out.append((f"supplier:{code}", found.astype(np.int64)))
        return out
    if kind == "country":
        return [(f"country:{code}", np.array([s + i])) for i, code in enumerate(network.countries)]
    if kind == "material":
        # Only listed critical raw materials: steel or a polymer is not a material whose supply fails.
        return [
            (f"material:{code}", np.array([s + c + i]))
            for i, code in enumerate(network.material_codes)
            if network.material_crm[i] is not None
        ]
    raise Problem(422, "Unprocessable Content", f"kind must be one of {', '.join(NODE_KINDS)}, not {kind!r}")


def _ttr(network: Network, nodes: IntArray, material_ttr_weeks: float) -> float:
    """Return the time to recover of a group of nodes: the longest of theirs.

    A site recovers in the longest lead time of its sourcing, a country in the longest of its
    sites, and, where it mines or processes a material the parts contain, no sooner than that
    material (``material_ttr_weeks``).
    """
    net = network.net
    ttr = network.cache("ttr", lambda: risk.lead_time_ttr(net))
    values = np.where(np.isnan(ttr[nodes]), material_ttr_weeks, ttr[nodes])
    s, c = net.n_sites, net.n_countries
    countries = nodes[(nodes >= s) & (nodes < s + c)] - s
    if countries.size:
        used = network.cache(
            "used materials", lambda: np.bincount(net.comp_material, minlength=net.n_materials) > 0
        )
        if np.any(net.material_country_share[used][:, countries] > 0):
            values = np.append(values, material_ttr_weeks)
    return float(values.max())


def _cached_impacts(
    network: Network, kind: str, weeks: float | None, material_ttr_weeks: float, horizon: int
) -> list[dict[str, Any]]:
    """Return, per node of a kind, its TTR and the impact of it failing for ``weeks`` (or its TTR)."""

    def compute() -> list[dict[str, Any]]:
        net = network.net
        out: list[dict[str, Any]] = []
        for ref, nodes in _node_list(network, kind):
            ttr = _ttr(network, nodes, material_ttr_weeks)
            outage = ttr if weeks is None else weeks
            impact = risk.node_impact(net, nodes, outage, horizon=horizon)
            stopped = np.isfinite(impact.product_start)
            tts = float(impact.product_start.min()) if stopped.any() else math.inf
            out.append(
                {
                    "node": ref,
                    "ttr": ttr,
                    "outage": outage,
                    "tts": tts,
                    "revenue_at_risk": impact.revenue_at_risk,
                    "parts_short": int(impact.parts.size),
                    "products_stopped": [
                        network.part_numbers[int(net.products[j])] for j in np.flatnonzero(stopped).tolist()
                    ],
                    "product_tts": {
                        network.part_numbers[int(net.products[j])]: float(impact.product_start[j])
                        for j in np.flatnonzero(stopped).tolist()
                    },
                }
            )
        return out

    found: list[dict[str, Any]] = network.cache(
        ("impacts", kind, weeks, material_ttr_weeks, horizon), compute
    )
    return found


def _node_row(network: Network, row: dict[str, Any]) -> dict[str, Any]:
    kind, _, code = row["node"].partition(":")
    country = None
    if kind == "site":
        country = network.countries[int(network.net.site_country[network._pos("site")[code]])]
    elif kind == "country":
        country = code
    return {
        "node": row["node"],
        "kind": kind,
        "code": code,
        "name": network.node_name(row["node"]),
        "country": country,
        "ttr_weeks": row["ttr"],
        "tts_weeks": _nan_none(row["tts"]),
        "outage_weeks": row["outage"],
        "exposed": row["tts"] < row["ttr"],
        "gap_weeks": max(row["ttr"] - row["tts"], 0.0) if math.isfinite(row["tts"]) else 0.0,
        "revenue_at_risk_eur": row["revenue_at_risk"],
        "parts_short": row["parts_short"],
        "products_stopped": row["products_stopped"],
    }


def exposure(
    session: Session,
    *,
    kind: str,
    material_ttr_weeks: float = MATERIAL_TTR_WEEKS,
    exposed_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of nodes of a kind with time to survive against time to recover, largest gap first.

    Every node fails for its own time to recover (the longest lead time of its sourcing; for a
    material ``material_ttr_weeks``); its time to survive is when the first product stops.
    """
    network = load(session)
    rows = [
        _node_row(network, r) for r in _cached_impacts(network, kind, None, material_ttr_weeks, HORIZON_WEEKS)
    ]
    if exposed_only:
        rows = [r for r in rows if r["exposed"]]
    rows.sort(key=lambda r: (-r["gap_weeks"], -r["revenue_at_risk_eur"], r["node"]))
    return rows[offset : offset + limit], len(rows)


def critical_nodes(
    session: Session,
    *,
    kinds: Sequence[str] = ("supplier", "country", "material"),
    weeks: float | None = None,
    material_ttr_weeks: float = MATERIAL_TTR_WEEKS,
    horizon: int = HORIZON_WEEKS,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of single-node failures ranked by revenue at risk within ``horizon`` weeks.

    Each node fails for ``weeks``, or for its own time to recover when ``weeks`` is None.
    """
    network = load(session)
    rows: list[dict[str, Any]] = []
    for kind in kinds:
        rows.extend(
            _node_row(network, r) for r in _cached_impacts(network, kind, weeks, material_ttr_weeks, horizon)
        )
    rows.sort(key=lambda r: (-r["revenue_at_risk_eur"], -r["gap_weeks"], r["node"]))
    ranked = [{"rank": i + 1, **r} for i, r in enumerate(rows)]
    return ranked[offset : offset + limit], len(ranked)


def country_exposure(
    session: Session, *, weeks: float | None = None, material_ttr_weeks: float = MATERIAL_TTR_WEEKS
) -> list[dict[str, Any]]:
    """Return every country with its supplier sites, spend per week and revenue at risk if it fails."""
    network = load(session)
    net = network.net
    impacts = {
        r["node"]: r for r in _cached_impacts(network, "country", weeks, material_ttr_weeks, HORIZON_WEEKS)
    }
    spend = np.zeros(net.n_countries)
    prim = ~net.edge_alternate
    edge_spend = net.edge_share * net.usage[net.edge_part] * np.nan_to_num(network.edge_price)
    np.add.at(spend, net.site_country[net.edge_site[prim]], edge_spend[prim])
    sites = np.bincount(net.site_country, minlength=net.n_countries)
    used = np.zeros(net.n_materials, dtype=bool)
    used[net.comp_material] = True
    out: list[dict[str, Any]] = []
    for i, code in enumerate(network.countries):
        row = impacts[f"country:{code}"]
        out.append(
            {
                "country": code,
                "sites": int(sites[i]),
                "spend_eur_per_week": float(spend[i]),
                "materials": [
                    network.material_codes[k]
                    for k in np.flatnonzero((net.material_country_share[:, i] > 0) & used).tolist()
                ],
                "ttr_weeks": row["ttr"],
                "tts_weeks": _nan_none(row["tts"]),
                "revenue_at_risk_eur": row["revenue_at_risk"],
            }
        )
    out.sort(key=lambda r: (-r["revenue_at_risk_eur"], -r["spend_eur_per_week"], r["country"]))
    return out


# --- scenarios --------------------------------------------------------------------------------


def _resolve(network: Network, refs: Sequence[str]) -> IntArray:
    if not refs:
        raise Problem(
            422,
            "Unprocessable Content",
            "a scenario needs at least one node",
            errors=[{"field": "nodes", "message": "name at least one node"}],
        )
    return np.unique(np.concatenate([network.nodes(ref) for ref in refs]))


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
    products_pn = [network.part_numbers[int(p)] for p in net.products.tolist()]
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
    product_rows = []
    for j, pn in enumerate(products_pn):
        lost = float(result.units_lost[:, j].sum())
        stopped_weeks = np.flatnonzero(result.product_stopped[:, j] > 0)
        product_rows.append(
            {
                "part_number": pn,
                "name": network.part_names[int(net.products[j])],
                "stops_week": int(stopped_weeks[0]) if stopped_weeks.size else None,
                "stops_on": (
                    day0
                    + timedelta(
                        days=7
                        * (int(stopped_weeks[0]) + 1 - float(result.product_stopped[stopped_weeks[0], j]))
                    )
                ).isoformat()
                if stopped_weeks.size
                else None,
                "weeks_stopped": float(result.product_stopped[:, j].sum()),
                "units_lost": lost,
                "revenue_lost_eur": lost * float(net.revenue[j]),
            }
        )
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


# --- mitigations ------------------------------------------------------------------------------


def _candidate_site(network: Network, failed: IntArray) -> int | None:
    """Return the site outside the failure (its organizations and countries) that supplies most parts."""
    net = network.net
    s = net.n_sites
    failed_sites = failed[failed < s]
    failed_countries = failed[(failed >= s) & (failed < s + net.n_countries)] - s
    bad_orgs = set(network.site_org[failed_sites].tolist())
    bad_countries = set(failed_countries.tolist()) | set(net.site_country[failed_sites].tolist())
    if failed_countries.size == 0:
        bad_countries = set()
    counts = np.bincount(net.edge_site, minlength=s)
    best: int | None = None
    for site in np.argsort(-counts, kind="stable").tolist():
        if int(network.site_org[site]) in bad_orgs or int(net.site_country[site]) in bad_countries:
            continue
        if network.org_codes[int(network.site_org[site])] == network.own_org:
            continue
        best = int(site)
        break
    return best


def mitigations(
    session: Session,
    *,
    node: str,
    weeks: float | None = None,
    qualification_weeks: int = 8,
    material_ttr_weeks: float = MATERIAL_TTR_WEEKS,
) -> dict[str, Any]:
    """Return what closes the gap of a failing node, each option with its effect recomputed.

    Options: extra safety stock of the directly affected parts (units and cost per part); for a
    site or supplier, an alternate source of those parts qualified after ``qualification_weeks``
    at another organization's site; for a country, the same in a second country. Materials are
    cut whatever the source, so for them only stock helps.
    """
    network = load(session)
    net = network.net
    ids = network.nodes(node)
    outage = _ttr(network, ids, material_ttr_weeks) if weeks is None else float(weeks)
    before = risk.node_impact(net, ids, outage)
    kind = node.partition(":")[0]
    options: list[dict[str, Any]] = []

    if ids.size == 1:
        parts, extra, after = risk.safety_stock_to_close(net, int(ids[0]), outage)
    else:
        # a supplier with several sites: size the stock against all of them failing at once
        edges = np.concatenate([_site_edges(net, int(i)) for i in ids])
        parts = np.unique(net.edge_part[edges])
        need = np.array(
            [float(net.usage[p]) * outage * (1.0 - _kept_share(net, int(p), edges)) for p in parts.tolist()]
        )
        extra_all = np.maximum(need - net.stock[parts], 0.0)
        keep = extra_all > 0
        parts, extra = parts[keep], extra_all[keep]
        after = risk.node_impact(risk.with_extra_stock(net, parts, extra), ids, outage)
    price = np.nan_to_num(network.unit_price[parts]) if parts.size else np.zeros(0)
    options.append(
        {
            "kind": "safety_stock",
            "description": "extra safety stock of the directly affected parts",
            "parts": [
                {
                    "part_number": network.part_numbers[int(p)],
                    "extra_units": float(u),
                    "extra_weeks": float(u / net.usage[p]) if net.usage[p] > 0 else None,
                    "cost_eur": float(u * c),
                }
                for p, u, c in zip(parts.tolist(), extra.tolist(), price.tolist(), strict=True)
            ],
            "cost_eur": float(np.sum(extra * price)),
            "revenue_at_risk_after_eur": after.revenue_at_risk,
        }
    )
    if kind in ("site", "supplier", "country"):
        edges = np.concatenate(
            [_site_edges(net, int(i)) for i in ids[ids < net.n_sites]] or [np.empty(0, np.int64)]
        )
        if kind == "country":
            country = int(ids[0]) - net.n_sites
            edges = np.flatnonzero(net.site_country[net.edge_site] == country)
        affected = np.unique(net.edge_part[edges[~net.edge_alternate[edges]]])
        site = _candidate_site(network, ids)
        if affected.size and site is not None:
            alt_net = risk.with_alternate(net, affected, site, 1.0, qualification_weeks)
            after_alt = risk.node_impact(alt_net, ids, outage)
            options.append(
                {
                    "kind": "second_country" if kind == "country" else "alternate",
                    "description": "qualify an alternate source of the affected parts"
                    + (" in another country" if kind == "country" else " at another supplier"),
                    "candidate_site": network.site_codes[site],
                    "candidate_country": network.countries[int(net.site_country[site])],
                    "qualification_weeks": qualification_weeks,
                    "parts": [{"part_number": network.part_numbers[int(p)]} for p in affected.tolist()],
                    "revenue_at_risk_after_eur": after_alt.revenue_at_risk,
                }
            )
    for option in options:
        option["revenue_saved_eur"] = before.revenue_at_risk - option["revenue_at_risk_after_eur"]
    return {
        "node": node,
        "name": network.node_name(node),
        "outage_weeks": outage,
        "revenue_at_risk_eur": before.revenue_at_risk,
        "fingerprint": network.fingerprint,
        "options": options,
    }


def _site_edges(net: risk.SupplyNetwork, site: int) -> IntArray:
    return net.site_edge_order[net.site_edge_ptr[site] : net.site_edge_ptr[site + 1]]


def _kept_share(net: risk.SupplyNetwork, part: int, failed_edges: IntArray) -> float:
    """Return the share of a part's usage its primary sources outside ``failed_edges`` still deliver."""
    edges = net.part_edge_order[net.part_edge_ptr[part] : net.part_edge_ptr[part + 1]]
    live = edges[~np.isin(edges, failed_edges) & ~net.edge_alternate[edges]]
    return float(min(net.edge_share[live].sum(), 1.0))


# --- the CRMA risk assessment report -----------------------------------------------------------


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
