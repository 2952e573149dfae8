"""Supply-chain risk over arrays: concentration, critical raw material content, time to survive and
recover, disruption scenarios and mitigations.

The package's public face; its modules: :mod:`.network`, :mod:`.concentration`, :mod:`.failures`
and :mod:`.scenarios`.

The network has ``n`` parts (a :class:`~keten.core.bom.BomGraph`), ``e`` sourcing edges
(part ← site), ``s`` sites in ``c`` countries, ``k`` materials and ``p`` products (parts that are
sold). Nodes that can fail are numbered ``0..s-1`` (sites), ``s..s+c-1`` (countries) and
``s+c..s+c+k-1`` (materials).

Model of a failure (stated so results can be checked by hand):

* A primary edge delivers ``share`` of the part's usage; primary shares of a part add up to 1.
  An alternate edge (``alternate`` true) delivers nothing in normal times and up to ``share``
  once ``qual_weeks`` weeks after the failure have passed (0: already qualified).
* While nodes are down, the supply of a part in week t is ``f(t) = min(1, sum of the shares of
  edges that still deliver)``; a failed material cuts every part that contains it (its
  composition) to ``f = 0``, and a failed country that holds a share of a material's world supply
  caps those parts at ``f ≤ 1 − share`` (``material_country_share``). When the outage ends, ``f = 1``.
* The part draws its stock on hand to cover ``usage × (1 − f(t))`` per week; it is short from
  the moment (in weeks, continuous) the cumulative shortfall exceeds its stock until ``f``
  reaches 1 again.
* A part with short children is short from ``min(child start) + stock / usage`` (its own stock
  lasts that long) until ``max(child end)``; a product stops while it is short. A product makes
  nothing while it is short: partial supply from an alternate below full share only slows the
  depletion of stock (conservative).
* Time to survive (TTS) of a product under a node failure is the start of its shortage with the
  outage lasting the node's time to recover (TTR); the node is an exposure where TTS < TTR.

Concentration indices (Herfindahl-Hirschman) are returned on the 0..1 scale (multiply by 10,000
for the antitrust convention).

Layout: sourcing edges are indexed by part, site and country, compositions by material, and BOM
edges by child (all CSR), once in :func:`build_network`. A failure gathers its edges, simulates
the weekly supply of only the parts it reaches, and carries shortages up the BOM level by level
through their ancestors only, so a single-node scenario costs in proportion to what it touches,
not to the size of the network.
"""

from __future__ import annotations

from keten.core.risk.concentration import (
    Concentration,
    MaterialContent,
    concentration,
    material_content,
    material_hhi,
)
from keten.core.risk.failures import (
    NodeImpact,
    lead_time_ttr,
    node_impact,
    rank_organizations,
    rank_single_nodes,
    time_to_survive,
)
from keten.core.risk.network import LONGEST_OUTAGE_WEEKS, SupplyNetwork, build_network
from keten.core.risk.scenarios import (
    ScenarioResult,
    run_scenario,
    safety_stock_to_close,
    with_alternate,
    with_extra_stock,
)

__all__ = [
    "LONGEST_OUTAGE_WEEKS",
    "Concentration",
    "MaterialContent",
    "NodeImpact",
    "ScenarioResult",
    "SupplyNetwork",
    "build_network",
    "concentration",
    "lead_time_ttr",
    "material_content",
    "material_hhi",
    "node_impact",
    "rank_organizations",
    "rank_single_nodes",
    "run_scenario",
    "safety_stock_to_close",
    "time_to_survive",
    "with_alternate",
    "with_extra_stock",
]
