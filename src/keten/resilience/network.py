"""The supply network of the stored data: read in a few narrow column queries into a :class:`Network`
(the core's :class:`~keten.core.risk.SupplyNetwork` plus the names behind its indices), kept by
engine and a fingerprint of the data, so requests on unchanged data only pay for the aggregate
queries that make the fingerprint.

How stored rows become the model:

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
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pycountry
from scipy.optimize import nnls
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.catalog.service import BomArrays, load_bom_graph, raw_rows
from keten.core import risk
from keten.core.bom import explode
from keten.core.indexing import positions_of
from keten.partners.models import Organization, Site, Sourcing
from keten.problems import Problem
from keten.resilience.crm import CrmData, _crm, _material_shares

NODE_KINDS = ("site", "supplier", "country", "material")
MATERIAL_TTR_WEEKS = 26.0
"""Time to recover of a material when the caller names none: half a year to find and qualify
another grade or origin, as no figure for it is in the data."""
HORIZON_WEEKS = 52

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


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


@dataclass(frozen=True)
class _Nodes:
    """Organizations, sites, materials and countries of the stored data, in index order."""

    orgs: list[Any]
    own: str | None
    sites: list[Any]
    site_org: IntArray
    site_country: IntArray
    material_ids: IntArray
    materials: list[Any]
    material_crm: list[str | None]
    stage_shares: list[dict[str, dict[str, float]]]
    countries: list[str]
    material_country_share: FloatArray


def _read_nodes(session: Session, crm: CrmData) -> _Nodes:
    orgs = raw_rows(
        session,
        select(Organization.id, Organization.code, Organization.name, Organization.role).order_by(
            Organization.id
        ),
    )
    org_ids = np.array([o[0] for o in orgs], dtype=np.int64)
    sites = raw_rows(
        session, select(Site.id, Site.code, Site.name, Site.country, Site.organization_id).order_by(Site.id)
    )
    materials = raw_rows(session, select(Material.id, Material.code, Material.name).order_by(Material.id))
    material_crm = [crm.by_code.get(m[1].upper()) for m in materials]
    stage_shares = [
        _material_shares(crm, m[1]) if found else {} for m, found in zip(materials, material_crm, strict=True)
    ]
    countries = sorted(
        {(s[3] or "").upper() for s in sites}
        | {c for shares in stage_shares for stage in shares.values() for c in stage}
    )
    country_index = {c: i for i, c in enumerate(countries)}
    mcs = np.zeros((len(materials), len(countries)))
    for k, shares in enumerate(stage_shares):
        for stage in shares.values():
            for country, value in stage.items():
                j = country_index[country]
                mcs[k, j] = max(mcs[k, j], min(value, 1.0))
    return _Nodes(
        orgs=orgs,
        own=next((o[1] for o in orgs if o[3] == "own"), None),
        sites=sites,
        site_org=positions_of(org_ids, (s[4] for s in sites)),
        site_country=np.array([country_index[(s[3] or "").upper()] for s in sites], dtype=np.int64),
        material_ids=np.array([m[0] for m in materials], dtype=np.int64),
        materials=materials,
        material_crm=material_crm,
        stage_shares=stage_shares,
        countries=countries,
        material_country_share=mcs,
    )


@dataclass(frozen=True)
class _Edges:
    """The sourcing edges that deliver or may deliver: primary sources and qualified alternates."""

    part: IntArray
    site: IntArray
    share: FloatArray
    """Primary shares scaled to add up to 1 per part; 1 for an alternate (it can take it all)."""
    lead_days: FloatArray
    price: FloatArray
    alternate: BoolArray
    qual_weeks: IntArray


def _read_edges(session: Session, part_ids: IntArray, site_ids: IntArray) -> _Edges:
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
    e_part = positions_of(part_ids, (r[0] for r in src))
    e_site = positions_of(site_ids, (r[1] for r in src))
    e_share = np.array([float(r[2] or 0.0) for r in src], dtype=np.float64)
    e_lead = np.array([float(r[3] or 0) for r in src], dtype=np.float64)
    e_price = np.array([math.nan if r[4] is None else float(r[4]) for r in src], dtype=np.float64)
    e_qualified = np.array([bool(r[5]) for r in src], dtype=bool)
    alternate = e_qualified & (e_share <= 0)
    keep = (e_share > 0) | alternate
    e_part, e_site, alternate = e_part[keep], e_site[keep], alternate[keep]
    e_share, e_lead, e_price = e_share[keep], e_lead[keep], e_price[keep]
    primary_total = np.bincount(e_part[~alternate], weights=e_share[~alternate], minlength=part_ids.size)
    share = np.where(
        alternate, 1.0, e_share / np.where(primary_total[e_part] > 0, primary_total[e_part], 1.0)
    )
    return _Edges(
        part=e_part,
        site=e_site,
        share=share,
        lead_days=e_lead,
        price=e_price,
        alternate=alternate,
        qual_weeks=np.where(alternate, np.ceil(e_lead / 7.0), 0).astype(np.int64),
    )


@dataclass(frozen=True)
class _Demand:
    """What is sold and how much of everything is used a week."""

    products: IntArray
    product_qty: FloatArray
    demand: FloatArray
    estimated: BoolArray
    usage: FloatArray
    stock: FloatArray


def _read_demand(session: Session, arrays: BomArrays, part_ids: IntArray, kinds: list[str]) -> _Demand:
    n = part_ids.size
    stock_rows = raw_rows(session, select(Stock.part_id, Stock.on_hand, Stock.weekly_usage))
    stock = np.zeros(n)
    usage_stored = np.zeros(n)
    if stock_rows:
        at = positions_of(part_ids, (r[0] for r in stock_rows))
        stock[at] = [float(r[1] or 0.0) for r in stock_rows]
        usage_stored[at] = [float(r[2] or 0.0) for r in stock_rows]
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
        demand[estimated] = _estimate_demand(np.maximum(others - explained, 0.0), product_qty[estimated])
    exploded_usage = demand @ product_qty if products.size else np.zeros(n)
    usage = np.where(usage_stored > 0, usage_stored, exploded_usage)
    usage[products] = demand
    return _Demand(products, product_qty, demand, estimated, usage, stock)


def _load(session: Session, fingerprint: str) -> Network:
    crm = _crm()
    arrays = load_bom_graph(session)
    ids = np.asarray(arrays.part_index.ids, dtype=np.int64)
    n = ids.size
    info = {
        r[0]: r[1:]
        for r in raw_rows(session, select(Part.id, Part.name, Part.kind, Part.revenue_per_unit_eur))
    }
    revenue_per_unit = np.array([info[i][2] or 0.0 for i in ids.tolist()], dtype=np.float64)
    nodes = _read_nodes(session, crm)
    edges = _read_edges(session, ids, np.array([s[0] for s in nodes.sites], dtype=np.int64))
    comp = raw_rows(session, select(PartMaterial.part_id, PartMaterial.material_id, PartMaterial.mass_kg))
    use = _read_demand(session, arrays, ids, [info[i][1] for i in ids.tolist()])
    revenue = revenue_per_unit[use.products]
    net = risk.build_network(
        arrays.graph,
        edge_part=edges.part,
        edge_site=edges.site,
        edge_share=edges.share,
        edge_lead_days=edges.lead_days,
        edge_alternate=edges.alternate,
        edge_qual_weeks=edges.qual_weeks,
        site_country=nodes.site_country,
        site_org=nodes.site_org,
        n_countries=len(nodes.countries),
        comp_part=positions_of(ids, (r[0] for r in comp)),
        comp_material=positions_of(nodes.material_ids, (r[1] for r in comp)),
        comp_kg=np.array([float(r[2]) for r in comp], dtype=np.float64),
        n_materials=len(nodes.materials),
        material_country_share=nodes.material_country_share,
        stock=use.stock,
        usage=use.usage,
        products=use.products,
        demand=use.demand,
        revenue=revenue,
    )
    priced = ~edges.alternate & ~np.isnan(edges.price)
    weight = np.bincount(edges.part[priced], weights=edges.share[priced], minlength=n)
    paid = np.bincount(edges.part[priced], weights=edges.share[priced] * edges.price[priced], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_price = np.where(weight > 0, paid / weight, np.nan)
    weekly_revenue = use.demand * revenue
    revenue_behind = (
        (use.product_qty > 0).T.astype(np.float64) @ weekly_revenue if use.products.size else np.zeros(n)
    )
    revenue_behind[use.products] += weekly_revenue
    return Network(
        net=net,
        fingerprint=fingerprint,
        part_ids=ids,
        part_numbers=list(arrays.part_numbers),
        part_names=[info[i][0] for i in ids.tolist()],
        part_index={pn: i for i, pn in enumerate(arrays.part_numbers)},
        site_codes=[s[1] for s in nodes.sites],
        site_names=[s[2] for s in nodes.sites],
        site_org=nodes.site_org,
        org_codes=[o[1] for o in nodes.orgs],
        org_names=[o[2] for o in nodes.orgs],
        countries=nodes.countries,
        material_codes=[m[1] for m in nodes.materials],
        material_names=[m[2] for m in nodes.materials],
        material_crm=nodes.material_crm,
        material_stage_shares=nodes.stage_shares,
        edge_price=edges.price,
        product_qty=use.product_qty,
        demand_estimated=use.estimated,
        spend_per_week=np.where(np.isnan(unit_price), 0.0, unit_price) * use.usage,
        revenue_behind=revenue_behind,
        unit_price=unit_price,
        own_org=nodes.own,
        crm_digest=crm.digest,
    )
