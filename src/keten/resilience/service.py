"""Supply-chain risk over keten's data, the domain's public face: callers import from here.

Each concept lives in its own module: :mod:`.crm` (the critical raw materials reference),
:mod:`.network` (the stored data as arrays, and when it is read again), :mod:`.concentration`,
:mod:`.products` (critical raw materials per product), :mod:`.survival` (time to survive and
recover, the ranking of single failures), :mod:`.scenarios`, :mod:`.mitigations` and
:mod:`.report` (the CRMA risk assessment).

Nodes are referred to as ``site:CODE``, ``supplier:ORGANIZATION``, ``country:CC`` and
``material:CODE``; a supplier stands for all of its sites at once.
"""

from __future__ import annotations

from keten.resilience.concentration import concentration, material_concentration
from keten.resilience.crm import CRM_DIR, CrmMaterial, crm_list
from keten.resilience.mitigations import mitigations
from keten.resilience.network import HORIZON_WEEKS, MATERIAL_TTR_WEEKS, NODE_KINDS, Network, load
from keten.resilience.products import crm_of_product, product_risk, products
from keten.resilience.report import (
    get_report,
    list_reports,
    render_report,
    report_context,
    report_pdf,
    save_report,
)
from keten.resilience.scenarios import (
    delete_scenario,
    get_scenario,
    list_scenarios,
    run_saved_scenario,
    save_scenario,
    scenario,
)
from keten.resilience.survival import country_exposure, critical_nodes, exposure

__all__ = [
    "CRM_DIR",
    "HORIZON_WEEKS",
    "MATERIAL_TTR_WEEKS",
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
