"""Supply risk over stored data, on SQLite and PostgreSQL, on networks small enough to check by hand.

The main system mirrors tests/core/test_risk.py, built through the database:
product P (10 a week at 100 each, no stock) holds 1 × subassembly S and 1 × part C3; S holds
2 × part C2. C2 (40 on hand, 20 a week: two weeks) comes from site S0 of supplier A in NL, C3
(nothing on hand) from site S1 of supplier B, also in NL; S has one week of stock. Site S2 of
supplier C in DE supplies nothing yet. C2 holds 0.1 kg of neodymium, C3 0.2 kg of gallium.
Every lead time is 28 days: four weeks to recover.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from keten.problems import Problem
from keten.resilience import service
from tests.factories import (
    make_bom,
    make_composition,
    make_material,
    make_org,
    make_part,
    make_site,
    make_sourcing,
    make_stock,
)


def build(
    session: Session, *, alternate_lead_days: int | None = None, p_stock: bool = True
) -> dict[str, Any]:
    p = make_part(session, part_number="P", kind="product", revenue_per_unit_eur=100.0)
    s = make_part(session, part_number="S", kind="assembly")
    c2 = make_part(session, part_number="C2")
    c3 = make_part(session, part_number="C3")
    make_bom(session, p, (s, 1.0), (c3, 1.0))
    make_bom(session, s, (c2, 2.0))
    if p_stock:
        make_stock(session, part=p, on_hand=0.0, safety_stock=0.0, weekly_usage=10.0)
    make_stock(session, part=s, on_hand=10.0, safety_stock=0.0, weekly_usage=10.0)
    make_stock(session, part=c2, on_hand=40.0, safety_stock=10.0, weekly_usage=20.0)
    make_stock(session, part=c3, on_hand=0.0, safety_stock=0.0, weekly_usage=10.0)
    a = make_org(session, code="A", country="NL")
    b = make_org(session, code="B", country="NL")
    c = make_org(session, code="C", country="DE")
    s0 = make_site(session, organization=a, code="S0", country="NL")
    s1 = make_site(session, organization=b, code="S1", country="NL")
    s2 = make_site(session, organization=c, code="S2", country="DE")
    make_sourcing(session, part=c2, site=s0, lead_time_days=28, price_eur=5.0)
    make_sourcing(session, part=c3, site=s1, lead_time_days=28, price_eur=2.0)
    if alternate_lead_days is not None:
        make_sourcing(
            session, part=c2, site=s2, share=0.0, qualified_alternate=True, lead_time_days=alternate_lead_days
        )
    nd = make_material(session, code="Nd", name="Neodymium")
    ga = make_material(session, code="Ga", name="Gallium")
    make_composition(session, part=c2, material=nd, mass_kg=0.1)
    make_composition(session, part=c3, material=ga, mass_kg=0.2)
    session.flush()
    return {"p": p, "s": s, "c2": c2, "c3": c3}


MONDAY = date(2026, 1, 5)


def _lost(session: Session, nodes: list[str], weeks: float, **kw: Any) -> float:
    result = service.scenario(session, nodes=nodes, start=MONDAY, weeks=weeks, as_of=MONDAY, **kw)
    return float(result["revenue_lost_eur"])


def test_single_source_with_stock_lasts_through_the_bom(session: Session) -> None:
    build(session)
    result = service.scenario(session, nodes=["site:S0"], start=MONDAY, weeks=6, as_of=MONDAY, horizon=8)
    # C2 lasts two weeks, then S's week of stock: P stops in week 3 and loses weeks 3, 4 and 5
    assert [w["revenue_lost_eur"] for w in result["weekly"]] == pytest.approx(
        [0, 0, 0, 1000, 1000, 1000, 0, 0]
    )
    runs_out = {p["part_number"]: p["short_from_week"] for p in result["parts"]}
    assert runs_out == pytest.approx({"C2": 2.0, "S": 3.0, "P": 3.0})
    assert result["products"][0]["stops_on"] == "2026-01-26"
    # a long list is cut, the count is not
    first = service.scenario(session, nodes=["site:S0"], start=MONDAY, weeks=6, as_of=MONDAY, parts_listed=1)
    assert [p["part_number"] for p in first["parts"]] == ["C2"] and first["parts_short"] == 3


def test_single_source_without_stock_stops_at_once(session: Session) -> None:
    build(session)
    assert _lost(session, ["site:S1"], 6) == pytest.approx(6000.0)
    # a supplier is all of its sites
    assert _lost(session, ["supplier:B"], 6) == pytest.approx(6000.0)


def test_a_country_that_hosts_two_suppliers_fails_both(session: Session) -> None:
    build(session)
    result = service.scenario(session, nodes=["country:NL"], start=MONDAY, weeks=6, as_of=MONDAY)
    assert {p["part_number"] for p in result["parts"]} == {"P", "S", "C2", "C3"}
    assert result["revenue_lost_eur"] == pytest.approx(6000.0)
    assert _lost(session, ["country:DE"], 6) == 0.0


@pytest.mark.parametrize(("lead_days", "lost"), [(21, 0.0), (28, 1000.0)])
def test_a_qualified_alternate_delivers_after_its_lead_time(
    session: Session, lead_days: int, lost: float
) -> None:
    # after three weeks the alternate takes over before S's stock runs out; after four, P loses week 3
    build(session, alternate_lead_days=lead_days)
    assert _lost(session, ["site:S0"], 10) == pytest.approx(lost)


def test_scenario_starts_in_the_week_of_its_date(session: Session) -> None:
    build(session)
    result = service.scenario(
        session, nodes=["site:S0"], start=date(2026, 1, 14), weeks=4, as_of=MONDAY, horizon=8
    )
    # down weeks 1..5: C2 short [3, 5), S and P [4, 5)
    # the impact is followed for the horizon from the start: weeks 1..8
    assert result["start_week"] == 1
    assert [w["week"] for w in result["weekly"]] == list(range(1, 9))
    assert [w["revenue_lost_eur"] for w in result["weekly"]] == pytest.approx([0, 0, 0, 1000, 0, 0, 0, 0])
    assert result["weekly"][3]["units_lost"] == pytest.approx(10.0)
    assert result["weekly"][3]["week_start"] == "2026-02-02"


def test_a_country_reaches_parts_through_their_materials(session: Session) -> None:
    build(session)
    # China processes 93.8 % of the world's gallium: C3 gets 6.2 % of its 10 a week and has no stock
    result = service.scenario(session, nodes=["country:CN"], start=MONDAY, weeks=2, as_of=MONDAY)
    assert result["products"][0]["stops_week"] == 0
    assert result["revenue_lost_eur"] == pytest.approx(2000.0)
    assert _lost(session, ["material:Ga"], 3) == pytest.approx(3000.0)


def test_several_nodes_at_once(session: Session) -> None:
    build(session)
    # S0 alone costs 3 weeks of 6, S1 alone all 6; together P stops at once as well
    assert _lost(session, ["site:S0", "site:S1"], 6) == pytest.approx(6000.0)


def test_bad_scenarios_are_refused_naming_the_field(session: Session) -> None:
    build(session)
    with pytest.raises(Problem) as unknown:
        service.scenario(session, nodes=["site:NOPE"], start=MONDAY, weeks=2, as_of=MONDAY)
    assert unknown.value.status == 422 and "site:NOPE" in (unknown.value.detail or "")
    with pytest.raises(Problem) as early:
        service.scenario(session, nodes=["site:S0"], start=date(2026, 1, 1), weeks=2, as_of=MONDAY)
    assert early.value.errors[0]["field"] == "start"


def test_demand_is_fitted_where_the_product_has_none(session: Session) -> None:
    build(session, p_stock=False)
    rows = service.products(session)
    # C2 is used 20 a week at 2 per P and C3 10 a week at 1 per P: 10 a week
    assert rows[0]["demand_estimated"] is True
    assert rows[0]["demand_per_week"] == pytest.approx(10.0)
    assert _lost(session, ["site:S1"], 6) == pytest.approx(6000.0)


def test_concentration_of_parts(session: Session) -> None:
    rows = build(session)
    c4 = make_part(session, part_number="C4")
    make_bom(session, rows["s"], (c4, 1.0))
    make_stock(session, part=c4, on_hand=0.0, weekly_usage=10.0)
    sites = {
        s.code: s
        for s in [make_site(session, code="S3", country="DE"), make_site(session, code="S4", country="NL")]
    }
    make_sourcing(session, part=c4, site=sites["S3"], share=0.5, price_eur=1.0)
    make_sourcing(session, part=c4, site=sites["S4"], share=0.5, price_eur=3.0)
    items, total = service.concentration(session)
    by = {i["part_number"]: i for i in items}
    assert total == 3
    assert by["C4"]["hhi_supplier"] == pytest.approx(0.5) and by["C4"]["hhi_country"] == pytest.approx(0.5)
    assert not by["C4"]["single_source"]
    assert by["C2"]["single_source"] and by["C2"]["stock_weeks"] == pytest.approx(2.0)
    # spend: 20 a week at 5; C4 10 a week at the mean price 2
    assert by["C2"]["spend_eur_per_week"] == pytest.approx(100.0)
    assert by["C4"]["spend_eur_per_week"] == pytest.approx(20.0)
    assert by["C3"]["revenue_eur_per_week"] == pytest.approx(1000.0)
    singles, count = service.concentration(session, single="source")
    assert count == 2 and {i["part_number"] for i in singles} == {"C2", "C3"}


def test_critical_raw_materials_per_product(session: Session) -> None:
    build(session)
    crm = service.crm_of_product(session, part_number="P")
    by = {m["code"]: m for m in crm["materials"]}
    # 2 × 0.1 kg of Nd through C2, 0.2 kg of Ga through C3
    assert by["Nd"]["kg_per_unit"] == pytest.approx(0.2)
    assert by["Nd"]["crm"] == "LREE" and by["Nd"]["strategic"]
    assert by["Ga"]["kg_per_unit"] == pytest.approx(0.2)
    assert by["Ga"]["via"][0]["part_number"] == "C3"
    assert by["Ga"]["via"][0]["sources"][0]["supplier"] == "B"
    assert by["Ga"]["world_supply"]["processing"][0] == {"country": "CN", "share": 0.938}
    assert by["Nd"]["via_count"] == len(by["Nd"]["via"]) >= 1
    none_listed = {
        m["code"]: m for m in service.crm_of_product(session, part_number="P", via_limit=0)["materials"]
    }
    assert none_listed["Nd"]["via"] == [] and none_listed["Nd"]["via_count"] == by["Nd"]["via_count"]
    with pytest.raises(Problem):
        service.crm_of_product(session, part_number="C2")


def test_time_to_survive_against_time_to_recover(session: Session) -> None:
    build(session)
    rows, total = service.exposure(session, kind="site")
    by = {r["node"]: r for r in rows}
    assert total == 3
    assert by["site:S0"]["ttr_weeks"] == pytest.approx(4.0) and by["site:S0"]["tts_weeks"] == pytest.approx(
        3.0
    )
    assert by["site:S0"]["exposed"] and by["site:S1"]["tts_weeks"] == 0.0
    assert by["site:S2"]["tts_weeks"] is None and not by["site:S2"]["exposed"]
    countries, _ = service.exposure(session, kind="country", exposed_only=True)
    # China holds gallium and recovers as slowly as a material (26 weeks); NL in its lead time.
    # Malaysia processes 10.5 % of the neodymium: C2's 40 units cover the missing 2.1 a week for
    # 19.05 weeks, S one more.
    by = {c["node"]: (c["ttr_weeks"], c["tts_weeks"]) for c in countries}
    assert countries[0]["node"] == "country:CN" and by["country:CN"] == (26.0, 0.0)
    assert by["country:NL"] == (4.0, 0.0)
    assert by["country:MY"] == pytest.approx((26.0, 40 / 2.1 + 1))
    assert "country:DE" not in by


def test_critical_nodes_are_ranked_by_revenue_at_risk(session: Session) -> None:
    build(session)
    ranked, _ = service.critical_nodes(session, kinds=("site", "supplier"), weeks=6)
    risk = {r["node"]: r["revenue_at_risk_eur"] for r in ranked}
    assert ranked[0]["node"] in {"site:S1", "supplier:B"} and ranked[0]["rank"] == 1
    assert risk["site:S0"] == pytest.approx(3000.0) and risk["site:S2"] == 0.0
    assert math.isclose(risk["supplier:B"], 6000.0)


def test_mitigations_are_recomputed(session: Session) -> None:
    build(session)
    answer = service.mitigations(session, node="site:S1", weeks=6, qualification_weeks=2)
    assert answer["revenue_at_risk_eur"] == pytest.approx(6000.0)
    stock, alternate = answer["options"]
    assert stock["parts"] == [
        {"part_number": "C3", "extra_units": 60.0, "extra_weeks": 6.0, "cost_eur": pytest.approx(120.0)}
    ]
    assert stock["revenue_at_risk_after_eur"] == 0.0
    # a full alternate after two weeks leaves the two weeks without stock
    assert alternate["kind"] == "alternate" and alternate["candidate_site"] != "S1"
    assert alternate["revenue_at_risk_after_eur"] == pytest.approx(2000.0)
    assert alternate["revenue_saved_eur"] == pytest.approx(4000.0)


def test_a_saved_scenario_records_its_run(session: Session) -> None:
    build(session)
    row = service.save_scenario(session, name="NL out", nodes=["country:NL"], start=MONDAY, weeks=6)
    with pytest.raises(Problem) as taken:
        service.save_scenario(session, name="NL out", nodes=["country:NL"], start=MONDAY, weeks=6)
    assert taken.value.status == 409
    ran = service.run_saved_scenario(session, scenario_id=row.id, as_of=MONDAY)
    assert ran["revenue_lost_eur"] == pytest.approx(6000.0)
    assert row.last_revenue_lost_eur == pytest.approx(6000.0) and row.last_fingerprint == ran["fingerprint"]


def test_the_network_follows_the_data(session: Session) -> None:
    rows = build(session)
    before = service.load(session)
    assert service.load(session) is before
    make_stock(session, part=make_part(session, part_number="C9"), on_hand=1.0)
    session.flush()
    assert service.load(session).fingerprint != before.fingerprint
    assert rows["p"].part_number == "P"
