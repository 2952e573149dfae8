"""The synthetic value-chain generator: deterministic files the importer reads, with the shape of a
lithography machine's chain (levels, sharing, sourcing, countries, composition)."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pycountry
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keten.catalog.models import BomLine, Material, Part, PartMaterial, Stock
from keten.core.bom import build_bom, explode
from keten.dataio import service
from keten.dataio.generate import FILES, GenerateSummary, generate
from keten.partners.models import Organization, Site, Sourcing

HEADERS = {
    "organizations.csv": ["code", "name", "role", "country", "kvk", "lei", "gln", "website"],
    "sites.csv": ["code", "organization", "name", "country", "city", "address", "gln"],
    "materials.csv": ["code", "name", "family", "cas_number"],
    "parts.csv": [
        "part_number",
        "name",
        "kind",
        "unit",
        "mass",
        "category",
        "hs_code",
        "revenue_per_unit_eur",
        "value_chain",
        "description",
    ],
    "bom.csv": ["parent", "child", "quantity", "unit", "position"],
    "composition.csv": ["part_number", "material", "mass", "mass_fraction", "recycled_share"],
    "sourcing.csv": ["part_number", "site", "share", "lead_time_days", "price_eur", "qualified_alternate"],
    "stock.csv": ["part_number", "on_hand", "safety_stock", "weekly_usage"],
}
PURCHASED = {"component", "material", "consumable"}
MASS_UNITS = {"g": 0.001, "kg": 1.0, "t": 1000.0}


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def kilograms(text: str) -> float:
    """Mass cell as kg: ``12 g``, ``0.5 kg``, ``3.2 t`` or a bare number of kg."""
    value, _, unit = text.partition(" ")
    return float(value) * MASS_UNITS[unit or "kg"]


def share(text: str) -> float:
    """Share cell as a fraction: ``0.4``, ``40 %``, or empty for the default of 1."""
    if not text:
        return 1.0
    if text.endswith(" %"):
        return float(text[:-2]) / 100.0
    return float(text)


class Chain:
    """The generated files of one run, read back."""

    def __init__(self, folder: Path, summary: GenerateSummary) -> None:
        self.folder = folder
        self.summary = summary
        self.tables = {name: read(folder, name) for name in FILES}
        self.parts = self.tables["parts.csv"]
        self.index = {row["part_number"]: i for i, row in enumerate(self.parts)}
        self.kind = {row["part_number"]: row["kind"] for row in self.parts}
        bom = self.tables["bom.csv"]
        self.parent = np.array([self.index[r["parent"]] for r in bom])
        self.child = np.array([self.index[r["child"]] for r in bom])


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    folder = tmp_path_factory.mktemp("chain")
    return Chain(folder, generate(folder, parts=5_000, suppliers=250, seed=7))


def test_same_arguments_give_the_same_bytes_and_another_seed_other_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", parts=1_000, suppliers=60, seed=3)
    second = generate(tmp_path / "b", parts=1_000, suppliers=60, seed=3)
    other = generate(tmp_path / "c", parts=1_000, suppliers=60, seed=4)
    assert first == second
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("organizations.csv", "parts.csv", "bom.csv", "sourcing.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name
    assert other.parts == 1_000


def test_files_have_the_import_headers_and_the_counts_of_the_summary(chain: Chain) -> None:
    for name in FILES:
        with (chain.folder / name).open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == HEADERS[name], name
    assert chain.summary.rows() == {name: len(rows) for name, rows in chain.tables.items()}
    assert chain.summary.parts == 5_000
    assert len({row["part_number"] for row in chain.parts}) == 5_000
    organizations = chain.tables["organizations.csv"]
    assert len(organizations) == 251
    assert Counter(row["role"] for row in organizations) == {"own": 1, "supplier": 250}
    sites_per_org = Counter(row["organization"] for row in chain.tables["sites.csv"])
    assert set(sites_per_org.values()) == {1, 2}


def test_part_numbers_and_codes_are_readable(chain: Chain) -> None:
    assert all(re.fullmatch(r"P\d{6}", row["part_number"]) for row in chain.parts)
    assert all(re.fullmatch(r"ORG\d{4}", row["code"]) for row in chain.tables["organizations.csv"])
    assert all(re.fullmatch(r"SITE\d{4}-[12]", row["code"]) for row in chain.tables["sites.csv"])


def test_bom_is_acyclic_with_five_to_eight_levels_and_every_part_used(chain: Chain) -> None:
    n = len(chain.parts)
    graph = build_bom(n, chain.parent, chain.child, np.ones(chain.parent.size))
    assert chain.summary.levels == graph.depth + 1
    assert 5 <= chain.summary.levels <= 8
    assert 1.2 <= chain.parent.size / n <= 1.6

    products = [row["part_number"] for row in chain.parts if row["kind"] == "product"]
    assert list(chain.summary.products) == products
    assert 4 <= len(products) <= 6
    assert chain.parts[chain.index[products[0]]]["name"] == "EUV lithography system"
    roots = {chain.parts[i]["part_number"] for i in np.flatnonzero(graph.level == 0)}
    assert roots == set(products)

    has_children = np.bincount(chain.parent, minlength=n) > 0
    for row, parent in zip(chain.parts, has_children.tolist(), strict=True):
        assert parent == (row["kind"] in ("product", "assembly")), row["part_number"]
    # Each position of a parent is a find number of its own.
    positions = Counter((r["parent"], r["position"]) for r in chain.tables["bom.csv"])
    assert max(positions.values()) == 1


def test_the_default_shape_has_five_to_eight_levels_and_forty_countries(tmp_path: Path) -> None:
    summary = generate(tmp_path, parts=100_000, suppliers=5_000)
    assert 5 <= summary.levels <= 8
    assert summary.countries == 40
    assert summary.parts == 100_000 and summary.organizations == 5_001
    assert 120_000 <= summary.bom <= 160_000
    assert summary.shared_subassemblies > 100


def test_subassemblies_are_shared_by_several_parents_and_across_products(chain: Chain) -> None:
    n = len(chain.parts)
    assembly = np.array([row["kind"] == "assembly" for row in chain.parts])
    pairs = np.unique(chain.parent * n + chain.child)
    distinct_parents = np.bincount(pairs % n, minlength=n)
    shared = assembly & (distinct_parents >= 2)
    assert chain.summary.shared_subassemblies == int(shared.sum()) > 0

    graph = build_bom(n, chain.parent, chain.child, np.ones(chain.parent.size))
    contained = np.array([explode(graph, chain.index[p]) > 0 for p in chain.summary.products])
    in_several_products = assembly & (contained.sum(axis=0) >= 2)
    assert in_several_products.any()


def test_every_reference_resolves(chain: Chain) -> None:
    t = chain.tables
    organizations = {row["code"] for row in t["organizations.csv"]}
    sites = {row["code"] for row in t["sites.csv"]}
    materials = {row["code"] for row in t["materials.csv"]}
    parts = set(chain.index)
    assert {row["organization"] for row in t["sites.csv"]} <= organizations
    assert {row["parent"] for row in t["bom.csv"]} | {row["child"] for row in t["bom.csv"]} <= parts
    assert {row["part_number"] for row in t["composition.csv"]} <= parts
    assert {row["material"] for row in t["composition.csv"]} <= materials
    assert {row["part_number"] for row in t["sourcing.csv"]} <= parts
    assert {row["site"] for row in t["sourcing.csv"]} <= sites
    assert {row["part_number"] for row in t["stock.csv"]} <= parts
    countries = {row["country"] for row in t["organizations.csv"]} | {
        row["country"] for row in t["sites.csv"]
    }
    assert all(pycountry.countries.get(alpha_2=code) is not None for code in countries)


def test_suppliers_spread_over_forty_countries_led_by_the_main_ones(tmp_path: Path) -> None:
    summary = generate(tmp_path, parts=200, suppliers=5_000)
    countries = Counter(
        row["country"] for row in read(tmp_path, "organizations.csv") if row["role"] == "supplier"
    )
    assert summary.countries == len(countries) == 40
    top = {"NL", "DE", "JP", "US", "TW", "CN", "BE", "KR", "CH", "FR"}
    assert sum(countries[c] for c in top) / 5_000 > 0.75
    assert countries.most_common(1)[0][0] == "NL"
    assert min(countries.values()) >= 1


def test_purchased_parts_have_one_to_three_sources_with_shares_summing_to_one(chain: Chain) -> None:
    by_part: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in chain.tables["sourcing.csv"]:
        by_part[row["part_number"]].append(row)
    purchased = {pn for pn, kind in chain.kind.items() if kind in PURCHASED}
    assert set(by_part) == purchased

    sources = Counter(len(rows) for rows in by_part.values())
    assert set(sources) == {1, 2, 3}
    assert 0.3 <= sources[1] / len(by_part) <= 0.5
    alternates = 0
    for pn, rows in by_part.items():
        assert len({r["site"] for r in rows}) == len(rows), pn
        assert sum(share(r["share"]) for r in rows) == pytest.approx(1.0), pn
        for r in rows:
            assert 5 <= int(r["lead_time_days"]) <= 200
            assert float(r["price_eur"]) > 0
            if r["qualified_alternate"] in ("yes", "ja"):
                alternates += 1
                assert share(r["share"]) == 0.0
    assert alternates > 0


def test_materials_include_critical_raw_materials_and_compositions_match_part_masses(chain: Chain) -> None:
    materials = {row["code"]: row for row in chain.tables["materials.csv"]}
    assert 55 <= len(materials) <= 80
    critical = {
        "Nd",
        "Dy",
        "Ga",
        "Ge",
        "W",
        "Co",
        "Ta",
        "Pd",
        "Pt",
        "Ru",
        "Cu",
        "Al",
        "SiC",
        "SS316L",
        "SS304",
    }
    assert critical <= set(materials)
    families = {"metal", "polymer", "ceramic", "glass", "electronics", "composite", "fluid", "other"}
    assert {row["family"] for row in materials.values()} <= families

    by_part: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in chain.tables["composition.csv"]:
        by_part[row["part_number"]].append(row)
    components = [pn for pn, kind in chain.kind.items() if kind == "component"]
    assert set(components) <= set(by_part)
    mass = {row["part_number"]: kilograms(row["mass"]) for row in chain.parts}
    for pn, rows in by_part.items():
        assert 1 <= len(rows) <= 4
        assert len({r["material"] for r in rows}) == len(rows)
        if rows[0]["mass"]:
            assert sum(kilograms(r["mass"]) for r in rows) == pytest.approx(mass[pn], rel=0.01), pn
        else:
            assert sum(share(r["mass_fraction"]) for r in rows) == pytest.approx(1.0, rel=0.01), pn
        for r in rows:
            assert 0.0 <= (share(r["recycled_share"]) if r["recycled_share"] else 0.0) <= 0.8


def test_parts_carry_units_kinds_masses_in_mixed_notation_and_product_data(chain: Chain) -> None:
    assert {row["kind"] for row in chain.parts} == {
        "product",
        "assembly",
        "component",
        "material",
        "consumable",
    }
    units = Counter(row["unit"] for row in chain.parts)
    assert set(units) == {"pcs", "kg", "m", "l"}
    assert units["pcs"] / len(chain.parts) > 0.8
    notations = Counter(row["mass"].partition(" ")[2] for row in chain.parts)
    assert notations[""] > 0 and notations["g"] > 0 and notations["kg"] > 0
    assert all(kilograms(row["mass"]) > 0 for row in chain.parts)
    for row in chain.parts:
        if row["kind"] == "component":
            assert re.fullmatch(r"\d{6,10}", row["hs_code"]), row
        if row["kind"] == "product":
            assert float(row["revenue_per_unit_eur"]) > 0
            assert row["value_chain"] in {"health", "sustainability", "digital", "defence", "existing"}
        assert row["category"]

    stock = {row["part_number"]: row for row in chain.tables["stock.csv"]}
    assert set(stock) == {pn for pn, kind in chain.kind.items() if kind in PURCHASED}
    assert all(float(row["weekly_usage"]) > 0 for row in stock.values())


def test_bom_quantities_mix_notations_that_fit_the_child_unit(chain: Chain) -> None:
    unit = {row["part_number"]: row["unit"] for row in chain.parts}
    seen: Counter[str] = Counter()
    for row in chain.tables["bom.csv"]:
        value, _, in_cell = row["quantity"].partition(" ")
        assert float(value) > 0
        given = in_cell or row["unit"]
        child_unit = unit[row["child"]]
        allowed = {"pcs": {"", "pcs"}, "kg": {"", "kg", "g"}, "m": {"", "m", "mm"}, "l": {"", "l"}}
        assert given in allowed[child_unit], row
        if child_unit == "pcs":
            assert float(value).is_integer(), row
        seen[given] += 1
    assert seen["g"] > 0 and seen["mm"] > 0 and seen["kg"] > 0


def test_small_sizes_are_refused_below_the_minimum(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="parts"):
        generate(tmp_path, parts=10, suppliers=5)
    with pytest.raises(ValueError, match="suppliers"):
        generate(tmp_path, parts=500, suppliers=0)
    tiny = generate(tmp_path, parts=50, suppliers=1)
    assert tiny.parts == 50 and tiny.levels == 5


def test_a_generated_chain_imports_cleanly(session: Session, tmp_path: Path) -> None:
    summary = generate(tmp_path, parts=600, suppliers=40, seed=11)
    report = service.import_tables(session, service.read_path(tmp_path))
    session.commit()
    assert {r.kind: r.inserted for r in report.results} == {
        name.removesuffix(".csv"): count for name, count in summary.rows().items()
    }

    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    assert count(Organization) == summary.organizations and count(Site) == summary.sites
    assert count(Part) == 600 and count(BomLine) == summary.bom and count(Material) == summary.materials
    assert count(PartMaterial) == summary.composition and count(Sourcing) == summary.sourcing
    assert count(Stock) == summary.stock
    assert (session.scalar(select(func.min(Part.mass_kg))) or 0.0) > 0
