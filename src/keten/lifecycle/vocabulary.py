"""The Core Business Vocabulary (CBV 2.0) words EPCIS events may carry bare, and keten's own business
steps for the circular life of a machine, which CBV does not name and which therefore travel as
URIs under keten's namespace (as EPCIS 2.0 requires of any non-CBV value)."""

from __future__ import annotations

__all__ = [
    "ACTIONS",
    "BIZ_STEPS",
    "BIZ_TRANSACTION_TYPES",
    "DISPOSITIONS",
    "ERROR_REASONS",
    "EVENT_TYPES",
    "KETEN_STEPS",
    "LIFECYCLE_STEPS",
    "SOURCE_DEST_TYPES",
    "keten_step",
    "step_name",
]

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ACTIONS = ("ADD", "OBSERVE", "DELETE")
BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
        "sensor_reporting",
        "sampling",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "container_closed",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "no_pedigree_match",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unknown",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_open",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "non_conformant",
        "unavailable",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DEST_TYPES = frozenset({"owning_party", "possessing_party", "location"})
ERROR_REASONS = frozenset({"did_not_occur", "incorrect_data"})

KETEN_NAMESPACE = "https://keten.dev/ns/lifecycle/"
KETEN_STEPS = ("upgrading", "refurbishing", "harvesting", "recycling")
"""Steps of a machine's circular life that CBV 2.0 has no word for."""


def keten_step(word: str) -> str:
    """Return the URI of one of keten's own business steps."""
    if word not in KETEN_STEPS:
        raise ValueError(f"'{word}' is not one of keten's business steps ({', '.join(KETEN_STEPS)})")
    return f"{KETEN_NAMESPACE}BizStep-{word}"


LIFECYCLE_STEPS = (
    "commissioning",
    "shipping",
    "receiving",
    "installing",
    "inspecting",
    "repairing",
    "replacing",
    keten_step("upgrading"),
    keten_step("refurbishing"),
    "decommissioning",
    "disassembling",
    keten_step("harvesting"),
    keten_step("recycling"),
)
"""The business steps of the issue's lifecycle, in the order a machine meets them: CBV's bare words
where CBV has one (dismantling is CBV's disassembling), keten's URIs otherwise."""


def step_name(value: str) -> str:
    """Return the short name of a business step: the bare word, or the part after 'BizStep-'."""
    for prefix in (
        "https://ref.gs1.org/cbv/BizStep-",
        "urn:epcglobal:cbv:bizstep:",
        f"{KETEN_NAMESPACE}BizStep-",
    ):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value
