"""Synthetic value chains of lithography-machine scale, written as the CSV files the importer reads.

The chain has one main product (an EUV lithography system) and a few smaller ones, 5 to 8 BOM
levels, shared subassemblies and standard parts used across the tree, suppliers in about forty
countries with one or two sites each, single, dual and triple sourcing, a material composition
for every purchased part and stock figures that follow from a weekly build plan.

Parts are laid out by nominal level: every part below the products has one primary parent one
level up, and every further use of it comes from a parent at some level above. So no edge ever
points upwards (the BOM is acyclic by construction) and a part's longest path from a product is
exactly its nominal level.

Everything is drawn from one ``numpy.random.default_rng(seed)`` in a fixed order, vectorised per
level or per category, and written with the csv module: the same arguments give the same bytes.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from keten.core.bom import build_bom

__all__ = ["FILES", "MIN_PARTS", "GenerateSummary", "generate"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FILES = (
    "organizations.csv",
    "sites.csv",
    "materials.csv",
    "parts.csv",
    "bom.csv",
    "composition.csv",
    "sourcing.csv",
    "stock.csv",
)

_HEADERS: dict[str, tuple[str, ...]] = {
    "organizations.csv": ("code", "name", "role", "country", "kvk", "lei", "gln", "website"),
    "sites.csv": ("code", "organization", "name", "country", "city", "address", "gln"),
    "materials.csv": ("code", "name", "family", "cas_number"),
    "parts.csv": (
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
    ),
    "bom.csv": ("parent", "child", "quantity", "unit", "position"),
    "composition.csv": ("part_number", "material", "mass", "mass_fraction", "recycled_share"),
    "sourcing.csv": ("part_number", "site", "share", "lead_time_days", "price_eur", "qualified_alternate"),
    "stock.csv": ("part_number", "on_hand", "safety_stock", "weekly_usage"),
}

MIN_PARTS = 50


@dataclass(frozen=True)
class GenerateSummary:
    """What ``generate`` wrote: rows per file and the shape of the value chain."""

    organizations: int
    sites: int
    materials: int
    parts: int
    bom: int
    composition: int
    sourcing: int
    stock: int
    levels: int
    """Number of BOM levels, products included (the deepest level + 1)."""
    countries: int
    """Distinct countries of organizations and sites."""
    shared_subassemblies: int
    """Assemblies used by at least two different parents."""
    products: tuple[str, ...]
    """Part numbers of the products, the main product first."""

    def rows(self) -> dict[str, int]:
        """Return the number of data rows per file name, in import order."""
        counts = (
            self.organizations,
            self.sites,
            self.materials,
            self.parts,
            self.bom,
            self.composition,
            self.sourcing,
            self.stock,
        )
        return dict(zip(FILES, counts, strict=True))


# --- reference vocabulary -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Country:
    code: str
    weight: float
    legal_form: str
    cities: tuple[str, ...]
    gs1_prefix: str
    street: str


# The ten countries that dominate a Dutch semiconductor-equipment supply base carry 85% of the
# suppliers; thirty more share the rest with a falling weight, as a long tail does.
_TOP_COUNTRIES = (
    _Country("NL", 0.20, "B.V.", ("Eindhoven", "Veldhoven", "Best", "Helmond", "Delft", "Enschede",
             "Nijmegen", "Venlo", "Almelo", "Tilburg"), "871", "Industrieweg {n}"),
    _Country("DE", 0.16, "GmbH", ("Jena", "Oberkochen", "Aalen", "Stuttgart", "München", "Dresden",
             "Karlsruhe", "Wetzlar", "Nürnberg"), "400", "Industriestraße {n}"),
    _Country("JP", 0.10, "Co., Ltd.", ("Tokyo", "Osaka", "Kyoto", "Yokohama", "Hamamatsu", "Nagoya"),
             "450", "{n}-chome Kogyo"),
    _Country("US", 0.10, "Inc.", ("San Diego", "San Jose", "Boston", "Rochester", "Austin", "Wilton"),
             "060", "{n} Technology Drive"),
    _Country("TW", 0.06, "Co., Ltd.", ("Hsinchu", "Taichung", "Tainan", "Taoyuan"), "471",
             "No. {n}, Science Park Rd."),
    _Country("CN", 0.06, "Co., Ltd.", ("Shanghai", "Shenzhen", "Suzhou", "Wuxi", "Ningbo", "Baotou",
             "Ganzhou"), "690", "No. {n} Industrial Avenue"),
    _Country("BE", 0.05, "NV", ("Leuven", "Antwerpen", "Gent", "Liège", "Hasselt"), "540",
             "Industrielaan {n}"),
    _Country("KR", 0.04, "Co., Ltd.", ("Seoul", "Suwon", "Incheon", "Busan"), "880", "{n} Gongdan-ro"),
    _Country("CH", 0.04, "AG", ("Zürich", "Basel", "Baar", "Neuchâtel"), "760", "Industriestrasse {n}"),
    _Country("FR", 0.04, "SAS", ("Grenoble", "Paris", "Lyon", "Toulouse"), "300", "{n} rue de l'Industrie"),
)  # fmt: skip

_TAIL_COUNTRIES = (
    ("GB", "Ltd", ("Cambridge", "Oxford", "Bristol"), "500"),
    ("IT", "S.p.A.", ("Milano", "Torino", "Bologna"), "800"),
    ("AT", "GmbH", ("Wien", "Graz", "Linz"), "900"),
    ("SE", "AB", ("Stockholm", "Göteborg", "Lund"), "730"),
    ("FI", "Oy", ("Helsinki", "Espoo", "Tampere"), "640"),
    ("IL", "Ltd.", ("Haifa", "Rehovot"), "729"),
    ("SG", "Pte. Ltd.", ("Singapore",), "888"),
    ("MY", "Sdn. Bhd.", ("Penang", "Kuala Lumpur"), "955"),
    ("CZ", "s.r.o.", ("Brno", "Praha", "Ostrava"), "859"),
    ("IE", "Ltd", ("Dublin", "Cork"), "539"),
    ("DK", "A/S", ("København", "Aarhus"), "570"),
    ("ES", "S.L.", ("Barcelona", "Madrid", "Bilbao"), "840"),
    ("PL", "Sp. z o.o.", ("Wrocław", "Kraków", "Warszawa"), "590"),
    ("HU", "Kft.", ("Budapest", "Győr"), "599"),
    ("IN", "Pvt. Ltd.", ("Bengaluru", "Pune", "Chennai"), "890"),
    ("CA", "Inc.", ("Toronto", "Ottawa", "Montréal"), "754"),
    ("TH", "Co., Ltd.", ("Bangkok", "Chonburi"), "885"),
    ("NO", "AS", ("Oslo", "Trondheim"), "700"),
    ("SK", "s.r.o.", ("Bratislava", "Košice"), "858"),
    ("SI", "d.o.o.", ("Ljubljana", "Maribor"), "383"),
    ("PT", "Lda.", ("Porto", "Lisboa"), "560"),
    ("VN", "Co., Ltd.", ("Hanoi", "Ho Chi Minh City"), "893"),
    ("MX", "S.A. de C.V.", ("Monterrey", "Guadalajara"), "750"),
    ("PH", "Inc.", ("Manila", "Cebu"), "480"),
    ("RO", "S.R.L.", ("Cluj-Napoca", "Timișoara"), "594"),
    ("BR", "Ltda.", ("São Paulo", "Campinas"), "789"),
    ("AU", "Pty Ltd", ("Sydney", "Melbourne"), "930"),
    ("TR", "A.Ş.", ("İstanbul", "Bursa"), "869"),
    ("EE", "OÜ", ("Tallinn", "Tartu"), "474"),
    ("LT", "UAB", ("Vilnius", "Kaunas"), "477"),
)


def _countries() -> tuple[_Country, ...]:
    tail_weight = 0.15 / np.arange(1, len(_TAIL_COUNTRIES) + 1) ** 0.6
    tail_weight *= 0.15 / tail_weight.sum()
    tail = tuple(
        _Country(code, float(w), form, cities, prefix, "{n} Industrial Park")
        for (code, form, cities, prefix), w in zip(_TAIL_COUNTRIES, tail_weight, strict=True)
    )
    return _TOP_COUNTRIES + tail


_COUNTRIES = _countries()

# code, name, family, CAS number (elements and defined substances only), typical recycled share
_MATERIALS: tuple[tuple[str, str, str, str, float], ...] = (
    ("Nd", "Neodymium", "metal", "7440-00-8", 0.01),
    ("Dy", "Dysprosium", "metal", "7429-91-6", 0.0),
    ("Tb", "Terbium", "metal", "7440-27-9", 0.0),
    ("Pr", "Praseodymium", "metal", "7440-10-0", 0.01),
    ("Ga", "Gallium", "metal", "7440-55-3", 0.0),
    ("Ge", "Germanium", "metal", "7440-56-4", 0.1),
    ("W", "Tungsten", "metal", "7440-33-7", 0.4),
    ("Co", "Cobalt", "metal", "7440-48-4", 0.2),
    ("Ta", "Tantalum", "metal", "7440-25-7", 0.2),
    ("Pd", "Palladium", "metal", "7440-05-3", 0.3),
    ("Pt", "Platinum", "metal", "7440-06-4", 0.3),
    ("Ru", "Ruthenium", "metal", "7440-18-8", 0.1),
    ("Au", "Gold", "metal", "7440-57-5", 0.4),
    ("Ag", "Silver", "metal", "7440-22-4", 0.4),
    ("Cu", "Copper", "metal", "7440-50-8", 0.4),
    ("Al", "Aluminium", "metal", "7429-90-5", 0.5),
    ("Ni", "Nickel", "metal", "7440-02-0", 0.3),
    ("Ti", "Titanium", "metal", "7440-32-6", 0.2),
    ("Mo", "Molybdenum", "metal", "7439-98-7", 0.3),
    ("Sn", "Tin", "metal", "7440-31-5", 0.3),
    ("In", "Indium", "metal", "7440-74-6", 0.1),
    ("Si", "Silicon", "metal", "7440-21-3", 0.0),
    ("AL6061", "Aluminium alloy 6061-T6", "metal", "", 0.5),
    ("AL7075", "Aluminium alloy 7075-T6", "metal", "", 0.4),
    ("SS304", "Stainless steel 1.4301 (304)", "metal", "", 0.6),
    ("SS316L", "Stainless steel 1.4404 (316L)", "metal", "", 0.6),
    ("SS17-4PH", "Stainless steel 1.4542 (17-4PH)", "metal", "", 0.5),
    ("S355", "Structural steel S355", "metal", "", 0.7),
    ("42CrMo4", "Alloy steel 42CrMo4", "metal", "", 0.6),
    ("100Cr6", "Bearing steel 100Cr6", "metal", "", 0.5),
    ("GJL250", "Grey cast iron EN-GJL-250", "metal", "", 0.8),
    ("INVAR36", "Invar FeNi36", "metal", "", 0.2),
    ("Ti6Al4V", "Titanium alloy Ti-6Al-4V", "metal", "", 0.2),
    ("CuBe2", "Beryllium copper CuBe2", "metal", "", 0.3),
    ("CuZn37", "Brass CuZn37", "metal", "", 0.6),
    ("NdFeB", "Neodymium-iron-boron magnet alloy", "metal", "", 0.01),
    ("SmCo", "Samarium-cobalt magnet alloy", "metal", "", 0.01),
    ("SAC305", "Lead-free solder SnAg3Cu0.5", "metal", "", 0.2),
    ("SiC", "Silicon carbide", "ceramic", "409-21-2", 0.0),
    ("Al2O3", "Aluminium oxide", "ceramic", "1344-28-1", 0.0),
    ("AlN", "Aluminium nitride", "ceramic", "24304-00-5", 0.0),
    ("Si3N4", "Silicon nitride", "ceramic", "12033-89-5", 0.0),
    ("ZrO2", "Zirconium dioxide", "ceramic", "1314-23-4", 0.0),
    ("PZT", "Lead zirconate titanate", "ceramic", "12626-81-2", 0.0),
    ("SiO2", "Fused silica", "glass", "60676-86-0", 0.0),
    ("CaF2", "Calcium fluoride", "glass", "7789-75-5", 0.0),
    ("ZnSe", "Zinc selenide", "glass", "1315-09-9", 0.0),
    ("ZERODUR", "Glass-ceramic with near-zero expansion", "glass", "", 0.0),
    ("ULE", "Ultra-low expansion titania-silicate glass", "glass", "", 0.0),
    ("PTFE", "Polytetrafluoroethylene", "polymer", "9002-84-0", 0.05),
    ("PEEK", "Polyether ether ketone", "polymer", "29658-26-2", 0.05),
    ("PA66", "Polyamide 66", "polymer", "32131-17-2", 0.1),
    ("POM", "Polyoxymethylene", "polymer", "9002-81-7", 0.1),
    ("PE", "Polyethylene", "polymer", "9002-88-4", 0.2),
    ("PP", "Polypropylene", "polymer", "9003-07-0", 0.2),
    ("PET", "Polyethylene terephthalate", "polymer", "25038-59-9", 0.3),
    ("PVC", "Polyvinyl chloride", "polymer", "9002-86-2", 0.1),
    ("FKM", "Fluoroelastomer", "polymer", "9011-17-0", 0.0),
    ("EPDM", "Ethylene propylene diene rubber", "polymer", "25038-36-2", 0.05),
    ("PDMS", "Silicone rubber", "polymer", "63148-62-9", 0.0),
    ("EPOXY", "Epoxy resin", "polymer", "25068-38-6", 0.0),
    ("FR4", "Glass-epoxy laminate FR-4", "composite", "", 0.0),
    ("CFRP", "Carbon-fibre reinforced polymer", "composite", "", 0.05),
    ("IC", "Integrated circuits", "electronics", "", 0.0),
    ("MLCC", "Multilayer ceramic capacitors", "electronics", "", 0.0),
    ("H2", "Hydrogen", "fluid", "1333-74-0", 0.0),
    ("H2O", "Water", "fluid", "7732-18-5", 0.0),
    ("MEG", "Ethylene glycol", "fluid", "107-21-1", 0.1),
    ("IPA", "Isopropanol", "fluid", "67-63-0", 0.0),
    ("PFPE", "Perfluoropolyether lubricant", "fluid", "", 0.0),
)
_MATERIAL_INDEX = {m[0]: i for i, m in enumerate(_MATERIALS)}
# Precious metals and dopant-like elements make up a small part of a part's mass where they occur.
_TRACE = {
    "Au": 0.01,
    "Ag": 0.02,
    "Pd": 0.01,
    "Pt": 0.01,
    "Ru": 0.01,
    "Ta": 0.05,
    "Ga": 0.02,
    "Ge": 0.05,
    "In": 0.02,
    "Dy": 0.1,
    "Tb": 0.05,
    "Pr": 0.1,
    "Nd": 0.2,
    "Co": 0.1,
    "Ni": 0.1,
}
_MASS_WEIGHT = np.array([_TRACE.get(m[0], 1.0) for m in _MATERIALS])


@dataclass(frozen=True)
class _LeafCategory:
    """A category of purchased part: what it is called, weighs, costs and is made of."""

    name: str
    kind: str
    weight: float
    unit: str
    nouns: tuple[str, ...]
    specs: tuple[str, ...]
    mass_kg: float
    """Median mass of one unit of measure."""
    hs_code: str
    price_eur: float
    """Median price of one unit of measure."""
    lead_days: float
    materials: tuple[tuple[str, float], ...]
    max_materials: int
    quantity: float
    """Median quantity per parent: pieces for ``pcs`` (1 and up), an amount otherwise."""
    standard: bool = False
    """Catalogue parts (screws, seals, connectors) that many assemblies use."""


_C = _LeafCategory
_LEAF_CATEGORIES = (
    _C("fastener", "component", 0.13, "pcs", ("Socket head screw", "Set screw", "Hex nut", "Washer",
       "Dowel pin", "Threaded insert"), ("M2", "M3", "M4", "M5", "M6", "M8", "M10", "M12"), 0.004,
       "731815", 0.3, 10, (("SS316L", 5), ("SS304", 4), ("SS17-4PH", 1), ("Ti6Al4V", 0.5),
       ("CuZn37", 0.5)), 1, 6, True),
    _C("seal", "component", 0.05, "pcs", ("O-ring", "Gasket", "Lip seal"), ("8x1", "12x1.5", "24x2",
       "40x2.5", "CF40", "KF25"), 0.002, "401693", 2.0, 12, (("FKM", 5), ("EPDM", 2), ("PTFE", 2),
       ("PDMS", 1), ("Cu", 1)), 1, 2, True),
    _C("connector", "component", 0.06, "pcs", ("Connector", "Feedthrough", "Terminal block",
       "Coaxial connector"), ("2-pin", "4-pin", "9-pin", "15-pin", "SMA", "LEMO 1B"), 0.02,
       "853669", 6.0, 15, (("CuZn37", 3), ("CuBe2", 2), ("PA66", 3), ("Au", 1), ("Ni", 1)), 4, 2, True),
    _C("passive", "component", 0.05, "pcs", ("Capacitor", "Resistor", "Inductor", "Fuse"), ("0402",
       "0603", "0805", "1206", "TH"), 0.0005, "853224", 0.2, 20, (("MLCC", 4), ("Ag", 1), ("Pd", 1),
       ("Ni", 1), ("Ta", 1), ("Cu", 1)), 3, 4, True),
    _C("spring", "component", 0.02, "pcs", ("Compression spring", "Leaf spring", "Flexure"),
       ("small", "medium", "large"), 0.01, "732020", 1.5, 14, (("SS304", 3), ("SS17-4PH", 2),
       ("CuBe2", 1), ("Ti6Al4V", 1)), 1, 2, True),
    _C("tube-fitting", "component", 0.03, "pcs", ("Elbow fitting", "Tee fitting", "Union",
       "Quick coupling"), ("4 mm", "6 mm", "1/4 in", "3/8 in"), 0.03, "730799", 8.0, 15,
       (("SS316L", 4), ("CuZn37", 2), ("PTFE", 1), ("FKM", 1)), 2, 2, True),
    _C("bearing", "component", 0.03, "pcs", ("Ball bearing", "Angular contact bearing",
       "Crossed roller bearing", "Air bearing pad"), ("608", "6201", "7002", "RB3010"), 0.1,
       "848210", 35, 30, (("100Cr6", 5), ("SS304", 2), ("Si3N4", 1), ("PTFE", 0.5)), 3, 1),
    _C("machined-aluminium", "component", 0.10, "pcs", ("Bracket", "Housing", "Mounting plate",
       "Cover", "Adapter", "Clamp"), ("rev A", "rev B", "rev C", "rev D"), 0.3, "761699", 180, 35,
       (("AL6061", 5), ("AL7075", 2)), 1, 1),
    _C("machined-steel", "component", 0.08, "pcs", ("Shaft", "Flange", "Base plate", "Spacer",
       "Housing", "Clamp ring"), ("rev A", "rev B", "rev C"), 0.5, "732690", 220, 40,
       (("SS316L", 4), ("SS304", 3), ("42CrMo4", 1), ("INVAR36", 1)), 1, 1),
    _C("machined-titanium", "component", 0.015, "pcs", ("Flexure hinge", "Strut", "Mount"),
       ("rev A", "rev B"), 0.4, "810890", 450, 50, (("Ti6Al4V", 1),), 1, 1),
    _C("sheet-metal", "component", 0.05, "pcs", ("Panel", "Shield", "Cover plate", "Cable tray",
       "Enclosure door"), ("rev A", "rev B", "rev C"), 0.8, "732690", 70, 25, (("SS304", 3),
       ("AL6061", 2)), 1, 1),
    _C("casting", "component", 0.004, "pcs", ("Cast frame", "Cast housing", "Cast base"), ("rev A",
       "rev B"), 15, "732510", 900, 70, (("GJL250", 3), ("AL6061", 1)), 1, 1),
    _C("weldment", "component", 0.001, "pcs", ("Welded frame", "Support structure", "Skid"),
       ("rev A", "rev B"), 80, "730890", 3500, 60, (("S355", 4), ("SS304", 1)), 1, 1),
    _C("ceramic-part", "component", 0.02, "pcs", ("Wafer chuck blank", "Insulator", "Ceramic beam",
       "Vacuum pin plate"), ("rev A", "rev B"), 0.3, "690919", 600, 80, (("SiC", 3), ("Al2O3", 3),
       ("AlN", 1), ("Si3N4", 1), ("ZrO2", 1)), 1, 1),
    _C("optical-element", "component", 0.02, "pcs", ("Multilayer mirror", "Lens", "Window",
       "Beam splitter", "Grating"), ("d25", "d50", "d100", "d300"), 0.5, "900190", 6000, 120,
       (("ZERODUR", 3), ("ULE", 2), ("SiO2", 3), ("CaF2", 1), ("Mo", 0.5), ("Si", 0.5), ("Ru", 0.3)),
       3, 1),
    _C("pcb", "component", 0.05, "pcs", ("Controller board", "Amplifier board", "Interface board",
       "Sensor board", "Power board"), ("rev 1", "rev 2", "rev 3"), 0.15, "853400", 350, 45,
       (("FR4", 5), ("Cu", 3), ("IC", 2), ("MLCC", 1), ("SAC305", 1), ("Au", 0.3), ("Ta", 0.3)), 4, 1),
    _C("ic", "component", 0.03, "pcs", ("FPGA", "Microcontroller", "ADC", "Laser diode",
       "Photodiode", "Power MOSFET"), ("QFN", "BGA", "TO-220", "SOIC"), 0.002, "854231", 45, 90,
       (("IC", 4), ("Si", 2), ("Au", 0.5), ("Cu", 1), ("Ga", 0.5), ("Ge", 0.3), ("In", 0.2)), 3, 1),
    _C("cable-assembly", "component", 0.04, "pcs", ("Cable assembly", "Flex cable", "Coax cable",
       "Fibre patch cord"), ("0.5 m", "1 m", "2 m", "5 m"), 0.25, "854442", 45, 20, (("Cu", 4),
       ("PVC", 2), ("PTFE", 2), ("SiO2", 0.3), ("Au", 0.2)), 3, 1),
    _C("sensor", "component", 0.03, "pcs", ("Temperature sensor", "Pressure sensor",
       "Position encoder", "Capacitive probe", "Interferometer head"), ("type A", "type B", "type C"),
       0.05, "903180", 450, 60, (("SS316L", 2), ("Cu", 2), ("Pt", 0.5), ("Si", 1), ("Ge", 0.3),
       ("Ga", 0.3), ("Al2O3", 1)), 4, 1),
    _C("motor", "component", 0.015, "pcs", ("Linear motor coil", "Voice coil actuator",
       "Stepper motor", "Servo motor"), ("size 1", "size 2", "size 3"), 2.0, "850131", 900, 70,
       (("Cu", 4), ("SS304", 2), ("AL6061", 1), ("NdFeB", 1), ("EPOXY", 1)), 4, 1),
    _C("magnet", "component", 0.015, "pcs", ("Permanent magnet", "Magnet array", "Halbach segment"),
       ("N42", "N48H", "N52", "SmCo 2:17"), 0.2, "850511", 60, 90, (("NdFeB", 5), ("Dy", 2),
       ("Tb", 0.5), ("Nd", 1), ("Pr", 1), ("Co", 1), ("SmCo", 1), ("Ni", 0.5)), 4, 2),
    _C("piezo-actuator", "component", 0.01, "pcs", ("Piezo stack", "Piezo shear actuator"),
       ("5 um", "15 um", "30 um"), 0.05, "854160", 400, 80, (("PZT", 5), ("Ag", 1), ("Pd", 0.5),
       ("EPOXY", 1)), 3, 2),
    _C("valve", "component", 0.025, "pcs", ("Gate valve", "Solenoid valve", "Needle valve",
       "Check valve"), ("DN16", "DN25", "DN40", "DN100"), 0.8, "848180", 300, 45, (("SS316L", 5),
       ("FKM", 1), ("PTFE", 1), ("Cu", 0.5)), 3, 1),
    _C("vacuum-part", "component", 0.03, "pcs", ("Bellows", "CF flange", "Vacuum nipple",
       "Viewport"), ("CF16", "CF40", "CF63", "CF100"), 0.7, "730721", 120, 35, (("SS316L", 5),
       ("Cu", 1), ("SiO2", 0.5)), 2, 1),
    _C("pump", "component", 0.004, "pcs", ("Turbomolecular pump", "Scroll pump", "Coolant pump",
       "Ion getter pump"), ("300 l/s", "700 l/s", "1500 l/s"), 10, "841410", 9000, 110,
       (("AL6061", 3), ("SS304", 2), ("Cu", 1), ("NdFeB", 0.5), ("Ti", 0.5)), 4, 1),
    _C("power-supply", "component", 0.01, "pcs", ("Power supply", "Amplifier", "High-voltage module"),
       ("500 W", "1 kW", "3 kW"), 3.0, "850440", 1200, 60, (("SS304", 2), ("Cu", 2), ("AL6061", 2),
       ("FR4", 1), ("IC", 1), ("MLCC", 0.5)), 4, 1),
    _C("laser", "component", 0.0015, "pcs", ("CO2 laser amplifier", "Seed laser", "Alignment laser"),
       ("10 kW", "20 kW", "5 mW"), 25, "901320", 60000, 180, (("Cu", 3), ("SS304", 2), ("ZnSe", 0.5),
       ("Ge", 0.5), ("Mo", 0.5), ("W", 0.3)), 4, 1),
    _C("heat-exchanger", "component", 0.006, "pcs", ("Cold plate", "Heat exchanger", "Chiller coil"),
       ("small", "medium", "large"), 4.0, "841950", 1400, 55, (("Cu", 3), ("AL6061", 2),
       ("SS316L", 2), ("Al", 1)), 3, 1),
    _C("filter", "component", 0.015, "pcs", ("Particle filter", "Gas purifier", "Water filter"),
       ("0.003 um", "0.1 um", "5 um"), 0.3, "842139", 150, 30, (("SS316L", 3), ("PTFE", 2),
       ("PP", 1)), 2, 1),
    _C("plastic-part", "component", 0.03, "pcs", ("Insulator", "Cable clip", "Guide block",
       "Protective cap"), ("rev A", "rev B"), 0.04, "392690", 12, 25, (("PEEK", 3), ("PTFE", 2),
       ("PA66", 2), ("POM", 2), ("PE", 1)), 1, 2),
    _C("linear-guide", "component", 0.015, "pcs", ("Linear guide", "Ball screw", "Cross roller slide"),
       ("15 mm", "20 mm", "25 mm"), 1.0, "848340", 300, 50, (("100Cr6", 3), ("SS304", 2), ("POM", 0.5)),
       2, 1),
    _C("cfrp-part", "component", 0.005, "pcs", ("Lightweight beam", "Stage arm"), ("rev A", "rev B"),
       1.5, "681591", 2000, 100, (("CFRP", 4), ("Ti6Al4V", 0.5), ("EPOXY", 0.5)), 2, 1),
    _C("aluminium-bar", "material", 0.02, "kg", ("Aluminium bar", "Aluminium plate"), ("6061-T6",
       "7075-T6"), 1.0, "760429", 9, 20, (("AL6061", 3), ("AL7075", 1)), 1, 1.0),
    _C("steel-bar", "material", 0.015, "kg", ("Stainless bar", "Stainless plate", "Invar bar"),
       ("1.4404", "1.4301", "FeNi36"), 1.0, "722220", 7, 25, (("SS316L", 3), ("SS304", 2),
       ("INVAR36", 0.5)), 1, 1.5),
    _C("wire", "material", 0.02, "m", ("Copper wire", "Enamelled winding wire"), ("0.5 mm", "1 mm",
       "1.5 mm"), 0.012, "854411", 1.8, 15, (("Cu", 4), ("PET", 1)), 2, 5.0),
    _C("cable", "material", 0.015, "m", ("Signal cable", "Power cable", "Shielded cable"),
       ("2x0.25", "4x0.5", "3G1.5"), 0.09, "854449", 4.5, 15, (("Cu", 3), ("PVC", 2), ("PTFE", 1)),
       3, 2.0),
    _C("tubing", "material", 0.01, "m", ("PTFE tubing", "PE tubing", "Stainless tubing"), ("4x6",
       "6x8", "1/4 in"), 0.05, "391732", 6, 15, (("PTFE", 2), ("PE", 2), ("SS316L", 1)), 1, 1.5),
    _C("adhesive", "consumable", 0.01, "l", ("Epoxy adhesive", "UV-curing adhesive",
       "Thread locker"), ("low outgassing", "standard"), 1.15, "350691", 180, 20, (("EPOXY", 1),), 1,
       0.01),
    _C("lubricant", "consumable", 0.005, "kg", ("Vacuum grease", "Bearing grease"), ("PFPE",
       "low vapour pressure"), 1.0, "340319", 400, 30, (("PFPE", 1),), 1, 0.005),
    _C("cleaning-agent", "consumable", 0.005, "l", ("Isopropanol",), ("99.9%", "electronic grade"),
       0.786, "290512", 8, 10, (("IPA", 1),), 1, 0.05),
    _C("coolant", "consumable", 0.005, "l", ("Coolant",), ("ultrapure water", "water-glycol 30%"),
       1.04, "382000", 4, 10, (("H2O", 3), ("MEG", 1)), 2, 0.5),
    _C("process-gas", "consumable", 0.003, "l", ("Hydrogen", "Helium purge gas"), ("6.0", "5.0"),
       0.00009, "280410", 0.02, 10, (("H2", 1),), 1, 50),
    _C("source-tin", "consumable", 0.001, "kg", ("Tin target material",), ("99.995%",), 1.0, "800110",
       45, 30, (("Sn", 1),), 1, 0.02),
    _C("solder", "consumable", 0.004, "kg", ("Solder wire", "Solder paste"), ("SAC305",), 1.0,
       "800300", 90, 15, (("SAC305", 1),), 1, 0.01),
    _C("cleanroom-wipe", "consumable", 0.004, "pcs", ("Cleanroom wipe",), ("ISO 4", "ISO 5"), 0.005,
       "630710", 0.5, 10, (("PP", 1), ("PET", 1)), 2, 4),
)  # fmt: skip
del _C

# Assembly categories with what their parts are called. The main product's modules have names
# of their own.
_ASSEMBLY_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mechatronic-assembly", ("Short-stroke stage", "Long-stroke stage", "Actuator unit", "Gripper",
                              "Drive unit", "Damper unit", "Z-manipulator")),
    ("optical-assembly", ("Mirror mount", "Lens barrel", "Fold mirror unit", "Beam expander",
                          "Collector unit", "Sensor optics")),
    ("vacuum-assembly", ("Vacuum vessel", "Load lock", "Pump module", "Valve block", "Bellows unit")),
    ("electronic-assembly", ("Control cabinet", "Amplifier rack", "Sensor electronics",
                             "Power distribution unit", "Controller crate")),
    ("thermal-assembly", ("Cooling manifold", "Thermal shield", "Conditioning unit", "Heat sink unit")),
    ("frame-assembly", ("Base frame", "Metrology frame", "Support frame", "Enclosure")),
    ("cable-harness", ("Cable harness", "Hose bundle", "Umbilical")),
    ("handling-assembly", ("Wafer handler arm", "Reticle gripper", "Pre-aligner", "Storage rack")),
)  # fmt: skip

_EUV_MODULES = (
    "EUV source vessel",
    "Droplet generator",
    "Collector mirror module",
    "Illuminator",
    "Projection optics box",
    "Reticle stage",
    "Wafer stage",
    "Reticle handler",
    "Wafer handler",
    "Metrology frame",
    "Alignment sensor",
    "Level sensor",
    "Vacuum system",
    "Hydrogen supply",
    "Thermal conditioning cabinet",
    "Electronics cabinet",
    "Drive laser",
    "Beam transport",
    "Base frame",
    "Enclosure and facilities",
)


@dataclass(frozen=True)
class _Product:
    name: str
    category: str
    hs_code: str
    revenue_per_unit_eur: float
    value_chain: str
    weekly_builds: float
    description: str


_MAIN_PRODUCT = _Product(
    "EUV lithography system", "lithography-system", "84862090", 180_000_000, "existing", 1.0,
    "Extreme-ultraviolet scanner that images 13.5 nm light onto 300 mm wafers",
)  # fmt: skip
_SMALL_PRODUCTS = (
    _Product("DUV immersion lithography system", "lithography-system", "84862090", 65_000_000,
             "existing", 1.5, "193 nm immersion scanner"),
    _Product("Proton therapy beam positioner", "medical-system", "902229", 4_500_000, "health", 0.2,
             "Patient positioning and beam delivery module for proton therapy"),
    _Product("Electrolyser stack test module", "energy-system", "854330", 1_200_000, "sustainability",
             0.5, "Test and conditioning module for green-hydrogen electrolyser stacks"),
    _Product("E-beam wafer inspection system", "inspection-system", "903141", 12_000_000, "digital",
             0.4, "Multi-beam electron inspection of patterned wafers"),
    _Product("Satellite laser communication terminal", "space-system", "852910", 2_500_000,
             "defence", 0.1, "Optical terminal for secure satellite links"),
)  # fmt: skip

_NAME_STEMS_A = (
    "Van", "Kro", "Del", "Ber", "Hol", "Tec", "Pri", "Nor", "Sil", "Alt", "Bra", "Cor", "Dyn",
    "Ela", "Fer", "Gal", "Hex", "Ion", "Kel", "Lum", "Mec", "Nex", "Opt", "Pol", "Qua", "Rho",
    "Sta", "Ter", "Vec", "Zen",
)  # fmt: skip
_NAME_STEMS_B = (
    "tronics", "lux", "mark", "tec", "dyne", "vac", "ion", "form", "ex", "ix", "ord", "ware",
    "ma", "tek", "ron", "lab", "oss", "ent", "ica", "ano", "ara", "is", "on", "ar", "um", "ia",
    "ode", "ax", "ris", "ova",
)  # fmt: skip
_SPECIALTY = {
    "component": "Components",
    "material": "Materials",
    "consumable": "Supplies",
    "fastener": "Fasteners",
    "seal": "Sealing",
    "connector": "Interconnect",
    "passive": "Electronics",
    "spring": "Springs",
    "tube-fitting": "Fluidics",
    "bearing": "Bearings",
    "machined-aluminium": "Precision Machining",
    "machined-steel": "Precision Machining",
    "machined-titanium": "Precision Machining",
    "sheet-metal": "Sheet Metal",
    "casting": "Foundry",
    "weldment": "Metalworks",
    "ceramic-part": "Ceramics",
    "optical-element": "Optics",
    "pcb": "Electronics",
    "ic": "Semiconductors",
    "cable-assembly": "Cable Systems",
    "sensor": "Sensors",
    "motor": "Motion",
    "magnet": "Magnetics",
    "piezo-actuator": "Piezo Systems",
    "valve": "Vacuum Technology",
    "vacuum-part": "Vacuum Technology",
    "pump": "Vacuum Technology",
    "power-supply": "Power Electronics",
    "laser": "Lasers",
    "heat-exchanger": "Thermal Systems",
    "filter": "Filtration",
    "plastic-part": "Plastics",
    "linear-guide": "Motion",
    "cfrp-part": "Composites",
    "aluminium-bar": "Metals",
    "steel-bar": "Metals",
    "wire": "Wire",
    "cable": "Cables",
    "tubing": "Fluidics",
    "adhesive": "Chemicals",
    "lubricant": "Chemicals",
    "cleaning-agent": "Chemicals",
    "coolant": "Chemicals",
    "process-gas": "Gases",
    "solder": "Chemicals",
    "source-tin": "Metals",
    "cleanroom-wipe": "Cleanroom Supplies",
}


# --- formatting ----------------------------------------------------------------------------------


_POW10 = np.array([float(f"1e{k}") for k in range(23)])


def _round_sig(values: npt.ArrayLike, sig: int) -> FloatArray:
    """Return ``values`` (non-negative) rounded to ``sig`` significant digits.

    Dividing or multiplying a whole number by an exact power of ten gives the double nearest
    to the decimal, so its ``repr`` is the short decimal text and numbers and text agree.
    """
    v = np.asarray(values, dtype=np.float64)
    magnitude = np.floor(np.log10(np.where(v > 0, v, 1.0))).astype(np.int64)
    decimals = np.clip(sig - 1 - magnitude, -22, 22)
    up = decimals >= 0
    scale = _POW10[np.abs(decimals)]
    return np.asarray(
        np.where(up, np.round(v * scale) / scale, np.round(v / scale) * scale), dtype=np.float64
    )


def _fmt(values: npt.ArrayLike, sig: int = 4) -> list[str]:
    """Return each value as plain decimal text rounded to ``sig`` significant digits, no exponent."""
    out: list[str] = []
    for x in _round_sig(values, sig).tolist():
        s = repr(x)
        if s.endswith(".0"):
            s = s[:-2]
        elif "e" in s:
            s = np.format_float_positional(x, trim="-")
        out.append(s)
    return out


def _mass_text(mass_kg: FloatArray, style: IntArray) -> list[str]:
    """Return masses as text in mixed notations: bare kg, ``kg``, ``g`` below 1 kg, ``t`` from 1 t."""
    kg = _fmt(mass_kg)
    grams = _fmt(mass_kg * 1000.0)
    tonnes = _fmt(mass_kg / 1000.0)
    out: list[str] = []
    for m, s, k, g, t in zip(mass_kg.tolist(), style.tolist(), kg, grams, tonnes, strict=True):
        if s == 1:
            out.append(f"{k} kg")
        elif s == 2 and m < 1.0:
            out.append(f"{g} g")
        elif s == 2 and m >= 1000.0:
            out.append(f"{t} t")
        else:
            out.append(k)
    return out


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """Write one CSV file and return its number of data rows."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def _gs1_check(body: str) -> str:
    """Return ``body`` with its GS1 mod-10 check digit appended."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _lei_check(body: str) -> str:
    """Return an 18-character LEI body with its ISO 7064 MOD 97-10 check digits appended."""
    number = int("".join(str(int(ch, 36)) for ch in body) + "00")
    return f"{body}{98 - number % 97:02d}"


# --- organizations and sites ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Partners:
    org_rows: list[tuple[str, ...]]
    site_rows: list[tuple[str, ...]]
    site_codes: list[str]
    """Codes of supplier sites, shape (n_sites,)."""
    site_org: IntArray
    """Supplier (0..suppliers-1) of each supplier site, shape (n_sites,)."""
    org_size: FloatArray
    """Relative business volume of each supplier, shape (suppliers,)."""
    org_categories: tuple[IntArray, IntArray]
    """(supplier, leaf category) pairs: who can supply what."""
    countries: int


def _partners(rng: np.random.Generator, suppliers: int) -> _Partners:
    n_cat = len(_LEAF_CATEGORIES)
    width = max(4, len(str(suppliers)))
    weights = np.array([c.weight for c in _COUNTRIES])
    country = rng.choice(len(_COUNTRIES), size=suppliers, p=weights / weights.sum())
    # Every country appears once the supplier base is large enough, so the long tail is there.
    spread = rng.permutation(suppliers)[: min(suppliers, len(_COUNTRIES))]
    country[spread] = np.arange(spread.size)

    cat_weight = np.array([c.weight for c in _LEAF_CATEGORIES])
    primary = rng.choice(n_cat, size=suppliers, p=cat_weight / cat_weight.sum())
    extra_count = rng.choice(3, size=suppliers, p=[0.5, 0.35, 0.15])
    extra = rng.integers(0, n_cat, size=(suppliers, 2))
    # Each category gets a few guaranteed suppliers so no purchased part is left without a source.
    cover_org = (np.arange(n_cat)[:, None] * 7 + np.arange(3)[None, :]) % suppliers
    pair_org = np.concatenate(
        [
            np.arange(suppliers),
            np.repeat(np.arange(suppliers), extra_count),
            cover_org.ravel(),
        ]
    )
    pair_cat = np.concatenate(
        [
            primary,
            extra[np.arange(2)[None, :] < extra_count[:, None]],
            np.repeat(np.arange(n_cat), 3),
        ]
    ).astype(np.int64)
    key = np.unique(pair_org.astype(np.int64) * n_cat + pair_cat)
    org_size = rng.lognormal(0.0, 1.2, size=suppliers)

    stem_a = rng.integers(0, len(_NAME_STEMS_A), size=suppliers)
    stem_b = rng.integers(0, len(_NAME_STEMS_B), size=suppliers)
    city_pick = rng.integers(0, 1_000_000, size=(suppliers, 2))
    two_sites = rng.random(suppliers) < 0.45
    second_abroad = rng.random(suppliers) < 0.5
    second_country = rng.choice(len(_COUNTRIES), size=suppliers, p=weights / weights.sum())
    kvk = rng.integers(10_000_000, 100_000_000, size=suppliers)
    has_kvk = rng.random(suppliers) < 0.9
    has_lei = rng.random(suppliers) < 0.4
    lei_body = rng.integers(0, 36, size=(suppliers, 12))
    has_gln = rng.random(suppliers) < 0.3
    gln_body = rng.integers(0, 1_000_000_000, size=(suppliers, 3))
    has_site_gln = rng.random((suppliers, 2)) < 0.4
    has_address = rng.random((suppliers, 2)) < 0.7
    street_no = rng.integers(1, 250, size=(suppliers, 2))
    has_web = rng.random(suppliers) < 0.6

    org_rows: list[tuple[str, ...]] = [
        ("ORG" + "0" * width, "Demo Lithography Systems B.V.", "own", "NL", "17012345", "", "",
         "https://www.demo-lithography.example"),
    ]  # fmt: skip
    site_rows: list[tuple[str, ...]] = [
        ("SITE" + "0" * width + "-1", "ORG" + "0" * width, "Demo Lithography Systems Veldhoven", "NL",
         "Veldhoven", "De Run 1", ""),
    ]  # fmt: skip
    site_codes: list[str] = []
    site_org: list[int] = []
    used_countries = {"NL"}
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i in range(suppliers):
        c = _COUNTRIES[int(country[i])]
        number = f"{i + 1:0{width}d}"
        code = "ORG" + number
        stem = _NAME_STEMS_A[int(stem_a[i])] + _NAME_STEMS_B[int(stem_b[i])]
        specialty = _SPECIALTY[_LEAF_CATEGORIES[int(primary[i])].name]
        name = f"{stem} {specialty} {c.legal_form}"
        lei = ""
        if has_lei[i]:
            lei = _lei_check("7245" + "00" + "".join(alphabet[j] for j in lei_body[i].tolist()))
        gln = _gs1_check(f"{c.gs1_prefix}{int(gln_body[i, 0]):09d}") if has_gln[i] else ""
        web = f"https://www.{stem.lower()}-{number}.example" if has_web[i] else ""
        org_rows.append(
            (code, name, "supplier", c.code, f"{int(kvk[i])}" if c.code == "NL" and has_kvk[i] else "",
             lei, gln, web)
        )  # fmt: skip
        used_countries.add(c.code)
        n_sites = 2 if two_sites[i] else 1
        for k in range(n_sites):
            sc = c if k == 0 or not second_abroad[i] else _COUNTRIES[int(second_country[i])]
            city = sc.cities[int(city_pick[i, k]) % len(sc.cities)]
            address = sc.street.format(n=int(street_no[i, k])) if has_address[i, k] else ""
            site_gln = (
                _gs1_check(f"{sc.gs1_prefix}{int(gln_body[i, k + 1]):09d}") if has_site_gln[i, k] else ""
            )
            site_code = f"SITE{number}-{k + 1}"
            site_rows.append((site_code, code, f"{stem} {city}", sc.code, city, address, site_gln))
            site_codes.append(site_code)
            site_org.append(i)
            used_countries.add(sc.code)
    return _Partners(
        org_rows=org_rows,
        site_rows=site_rows,
        site_codes=site_codes,
        site_org=np.asarray(site_org, dtype=np.int64),
        org_size=org_size,
        org_categories=(key // n_cat, key % n_cat),
        countries=len(used_countries),
    )


# --- the BOM -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chain:
    """The parts and BOM edges, by part index 0..n-1 (products first)."""

    n_products: int
    level: IntArray
    """Nominal level of each part, shape (n,); 0 for products."""
    is_assembly: BoolArray
    leaf_category: IntArray
    """Index into _LEAF_CATEGORIES, -1 for products and assemblies, shape (n,)."""
    root: IntArray
    """Product whose tree holds the part's primary parent chain, shape (n,)."""
    parent: IntArray
    child: IntArray
    quantity: FloatArray
    """Quantity per edge in the child's unit, shape (m,)."""


def _level_sizes(parts: int, n_products: int, depth: int) -> tuple[IntArray, IntArray]:
    """Return parts per level and assemblies per level, each shape (depth,).

    Level sizes grow geometrically from the products; the growth factor is found by bisection
    so the sizes add up to ``parts``. Each level holds at most half as many assemblies as the
    level below holds parts, so every assembly gets children.
    """
    lo, hi = 1.0, float(parts)
    for _ in range(100):
        mid = (lo + hi) / 2
        if n_products * np.sum(mid ** np.arange(depth)) > parts:
            hi = mid
        else:
            lo = mid
    cum = np.round(n_products * np.cumsum(lo ** np.arange(depth))).astype(np.int64)
    cum[-1] = parts
    sizes = np.diff(np.concatenate([[0], cum]))
    share = np.linspace(0.75, 0.4, max(depth - 2, 1))
    assemblies = np.zeros(depth, dtype=np.int64)
    assemblies[0] = n_products
    for k in range(1, depth - 1):
        want = max(1, round(share[k - 1] * sizes[k]))
        assemblies[k] = max(1, min(want, sizes[k + 1] // 2, sizes[k] - 1))
    return sizes, assemblies


def _chain(rng: np.random.Generator, parts: int, n_products: int, depth: int) -> _Chain:
    sizes, assemblies = _level_sizes(parts, n_products, depth)
    start = np.concatenate([[0], np.cumsum(sizes)])
    level = np.repeat(np.arange(depth, dtype=np.int64), sizes)
    is_assembly = np.zeros(parts, dtype=np.bool_)
    for k in range(1, depth - 1):
        is_assembly[start[k] : start[k] + assemblies[k]] = True
    is_leaf = ~is_assembly
    is_leaf[:n_products] = False

    cat_weight = np.array([c.weight for c in _LEAF_CATEGORIES])
    leaf_category = np.full(parts, -1, dtype=np.int64)
    leaves = np.flatnonzero(is_leaf)
    leaf_category[leaves] = rng.choice(
        len(_LEAF_CATEGORIES), size=leaves.size, p=cat_weight / cat_weight.sum()
    )

    # Primary tree: each part below the products gets one parent one level up; every parent of
    # that level gets at least one child, the rest follow an uneven fan-out.
    primary = np.full(parts, -1, dtype=np.int64)
    root = np.arange(parts, dtype=np.int64)
    for k in range(1, depth):
        parents = np.arange(start[k - 1], start[k - 1] + assemblies[k - 1])
        children = np.arange(start[k], start[k + 1])
        if k == 1:
            w = np.full(parents.size, 0.6 / max(n_products - 1, 1))
            w[0] = 4.0
        else:
            w = rng.lognormal(0.0, 0.7, size=parents.size)
        order = rng.permutation(children.size)
        pick = np.empty(children.size, dtype=np.int64)
        pick[order[: parents.size]] = np.arange(parents.size)
        pick[order[parents.size :]] = rng.choice(
            parents.size, size=children.size - parents.size, p=w / w.sum()
        )
        primary[children] = parents[pick]
        root[children] = root[parents[pick]]

    # Further uses: standard parts all over the tree, shared subassemblies, and any part now and
    # then; each from a parent at a level above the child's.
    non_product = np.arange(n_products, parts)
    extra_total = round(0.45 * non_product.size)
    standard_cats = np.array([c.standard for c in _LEAF_CATEGORIES])
    standard = np.flatnonzero(is_leaf & standard_cats[np.maximum(leaf_category, 0)])
    shareable = np.flatnonzero(is_assembly & (level >= 2))
    shared_flag = shareable[rng.random(shareable.size) < 0.12]
    n_std = round(0.55 * extra_total) if standard.size else 0
    n_shared = round(0.06 * extra_total) if shared_flag.size else 0
    n_any = extra_total - n_std - n_shared
    # The most used standard parts sit deep in the tree, so their users spread over many assemblies.
    std_popularity = 1.0 / np.arange(1, standard.size + 1) ** 1.0
    std_ranked = standard[np.lexsort((rng.random(standard.size), -level[standard]))]
    extra_child = np.concatenate(
        [
            std_ranked[rng.choice(standard.size, size=n_std, p=std_popularity / std_popularity.sum())]
            if n_std
            else np.empty(0, dtype=np.int64),
            shared_flag[rng.integers(0, shared_flag.size, size=n_shared)]
            if n_shared
            else np.empty(0, dtype=np.int64),
            leaves[rng.integers(0, leaves.size, size=n_any)],
        ]
    ).astype(np.int64)
    up = rng.geometric(0.6, size=extra_child.size) - 1
    parent_level = np.maximum(level[extra_child] - 1 - up, 0)
    # Parents of a level: products at level 0, the assemblies of that level elsewhere.
    cap_start = start[:-1].copy()
    cap_count = assemblies.copy()
    extra_parent = cap_start[parent_level] + np.floor(
        rng.random(extra_child.size) * cap_count[parent_level]
    ).astype(np.int64)

    # Each smaller product reuses a few shared modules of the main product, so subassemblies are
    # shared across products and not only within one.
    cross_parent: list[int] = []
    cross_child: list[int] = []
    candidates = shared_flag[(root[shared_flag] == 0) & (level[shared_flag] == 2)]
    if candidates.size == 0:
        candidates = np.flatnonzero(is_assembly & (level >= 2) & (root == 0))
    for p in range(1, n_products):
        if candidates.size == 0:
            break
        chosen = rng.choice(candidates, size=min(3, candidates.size), replace=False)
        cross_parent.extend([p] * chosen.size)
        cross_child.extend(sorted(chosen.tolist()))

    child = np.concatenate(
        [np.arange(n_products, parts), extra_child, np.asarray(cross_child, dtype=np.int64)]
    )
    parent = np.concatenate([primary[n_products:], extra_parent, np.asarray(cross_parent, dtype=np.int64)])
    quantity = _quantities(rng, child, leaf_category)

    # One line per parent and child, except for a few counted parts split over two positions
    # on the drawing, as the import format allows.
    key, inverse = np.unique(parent * parts + child, return_inverse=True)
    quantity = np.bincount(inverse, weights=quantity, minlength=key.size).astype(np.float64)
    parent, child = key // parts, key % parts
    counted = np.array([c.unit == "pcs" for c in _LEAF_CATEGORIES])[np.maximum(leaf_category[child], 0)]
    split = np.flatnonzero(
        counted & (leaf_category[child] >= 0) & (quantity >= 2) & (rng.random(key.size) < 0.03)
    )
    half = np.floor(quantity[split] / 2)
    quantity[split] -= half
    parent = np.concatenate([parent, parent[split]])
    child = np.concatenate([child, child[split]])
    quantity = np.concatenate([quantity, half])
    return _Chain(
        n_products=n_products,
        level=level,
        is_assembly=is_assembly,
        leaf_category=leaf_category,
        root=root,
        parent=parent,
        child=child,
        quantity=quantity,
    )


def _quantities(rng: np.random.Generator, child: IntArray, leaf_category: IntArray) -> FloatArray:
    """Return the quantity of each edge in the child's unit: whole pieces, or an amount.

    Assemblies (category -1) are mostly used once per parent; purchased parts by their category.
    """
    n = child.size
    cat = leaf_category[child]
    median = np.array([c.quantity for c in _LEAF_CATEGORIES])[np.maximum(cat, 0)]
    counted = np.array([c.unit == "pcs" for c in _LEAF_CATEGORIES])[np.maximum(cat, 0)]
    u = rng.random(n)
    pieces = np.where(u < 0.6, 1.0, np.ceil(rng.exponential(median, size=n)))
    amount = _round_sig(rng.lognormal(np.log(median), 0.8, size=n), 3)
    assembly_q = rng.choice(np.array([1.0, 2.0, 3.0, 4.0]), size=n, p=[0.9, 0.07, 0.02, 0.01])
    q = np.where(counted, np.maximum(pieces, 1.0), amount)
    q = np.where(cat < 0, assembly_q, q)
    return np.asarray(q, dtype=np.float64)


def _by_parent_level(chain: _Chain) -> list[IntArray]:
    """Return edge positions grouped by the level of their parent, shape list[(m_level,)]."""
    parent_level = chain.level[chain.parent]
    order = np.argsort(parent_level, kind="stable")
    bounds = np.searchsorted(parent_level[order], np.arange(int(chain.level.max()) + 2))
    return [order[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]


# --- the files -----------------------------------------------------------------------------------


def generate(
    out_dir: Path, *, parts: int = 100_000, suppliers: int = 5_000, seed: int = 1
) -> GenerateSummary:
    """Return a summary of the synthetic value chain written as import CSV files into ``out_dir``.

    ``parts`` rows go to parts.csv (at least 50), ``suppliers`` supplier organizations (plus the
    own company) to organizations.csv. Existing files of the same names are overwritten.
    """
    if parts < MIN_PARTS:
        raise ValueError(f"parts must be at least {MIN_PARTS}, got {parts}")
    if suppliers < 1:
        raise ValueError(f"suppliers must be at least 1, got {suppliers}")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    depth = int(np.clip(round(np.log10(parts)) + 2, 5, 8))
    n_products = 1 + 3 + int(parts >= 5_000) + int(parts >= 50_000)
    products = (_MAIN_PRODUCT, *_SMALL_PRODUCTS[: n_products - 1])
    partners = _partners(rng, suppliers)
    chain = _chain(rng, parts, n_products, depth)
    n = parts

    # Part numbers do not follow the levels: a permutation mixes them, as in a real PLM system.
    width = max(6, len(str(parts)))
    number = np.arange(1, n + 1, dtype=np.int64)
    number[n_products:] = n_products + 1 + rng.permutation(n - n_products)
    part_numbers = [f"P{x:0{width}d}" for x in number.tolist()]
    write_order = np.argsort(number, kind="stable")

    cats = _LEAF_CATEGORIES
    cat = chain.leaf_category
    is_leaf = cat >= 0
    safe_cat = np.maximum(cat, 0)

    # Masses: purchased parts drawn per category, assemblies and products rolled up from the BOM.
    mass_median = np.array([c.mass_kg for c in cats])[safe_cat]
    per_unit = np.array([c.unit != "pcs" for c in cats])[safe_cat] & is_leaf
    mass = np.where(
        per_unit,
        mass_median,
        rng.lognormal(np.log(mass_median), 0.8, size=n),
    )
    mass = np.where(is_leaf, _round_sig(mass, 4), 0.0)
    groups = _by_parent_level(chain)
    for edges in reversed(groups):
        if edges.size:
            mass += np.bincount(
                chain.parent[edges],
                weights=chain.quantity[edges] * mass[chain.child[edges]],
                minlength=n,
            )
    mass = np.where(is_leaf, mass, _round_sig(mass, 4))

    # Weekly usage of every part from the weekly build plan of the products, top down.
    usage = np.zeros(n)
    usage[:n_products] = [p.weekly_builds for p in products]
    for edges in groups:
        if edges.size:
            usage += np.bincount(
                chain.child[edges],
                weights=chain.quantity[edges] * usage[chain.parent[edges]],
                minlength=n,
            )

    # Each file is written as soon as its rows exist, so only one file's text is held at a time.
    def write(name: str, rows: Sequence[Sequence[str]]) -> int:
        return _write(out_dir / name, _HEADERS[name], rows)

    counts = {
        "organizations.csv": write("organizations.csv", partners.org_rows),
        "sites.csv": write("sites.csv", partners.site_rows),
        "materials.csv": write("materials.csv", [m[:4] for m in _MATERIALS]),
        "parts.csv": write("parts.csv", _part_rows(rng, chain, products, part_numbers, mass, write_order)),
        "bom.csv": write("bom.csv", _bom_rows(rng, chain, part_numbers, number)),
        "composition.csv": write(
            "composition.csv", _composition_rows(rng, chain, part_numbers, mass, write_order)
        ),
    }
    sourcing, stock = _sourcing_and_stock_rows(rng, chain, partners, part_numbers, usage, write_order)
    counts["sourcing.csv"] = write("sourcing.csv", sourcing)
    counts["stock.csv"] = write("stock.csv", stock)
    del sourcing, stock

    graph = build_bom(n, chain.parent, chain.child, chain.quantity, labels=part_numbers)
    pairs = np.unique(chain.parent * n + chain.child)
    distinct_parents = np.bincount(pairs % n, minlength=n)
    return GenerateSummary(
        organizations=counts["organizations.csv"],
        sites=counts["sites.csv"],
        materials=counts["materials.csv"],
        parts=counts["parts.csv"],
        bom=counts["bom.csv"],
        composition=counts["composition.csv"],
        sourcing=counts["sourcing.csv"],
        stock=counts["stock.csv"],
        levels=graph.depth + 1,
        countries=partners.countries,
        shared_subassemblies=int(np.count_nonzero(chain.is_assembly & (distinct_parents >= 2))),
        products=tuple(part_numbers[:n_products]),
    )


ObjArray = npt.NDArray[np.object_]


def _obj(values: Sequence[str]) -> ObjArray:
    """Return ``values`` as a numpy object array, for vectorised picking and joining of text."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _table(groups: Sequence[Sequence[str]]) -> tuple[ObjArray, IntArray, IntArray]:
    """Return texts of several groups flattened, with each group's start and length."""
    lengths = np.array([len(g) for g in groups], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return _obj([t for g in groups for t in g]), starts, lengths


def _rows(*columns: ObjArray | Sequence[str]) -> list[tuple[str, ...]]:
    """Return the rows of equally long columns."""
    return list(zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in columns), strict=True))


def _part_rows(
    rng: np.random.Generator,
    chain: _Chain,
    products: Sequence[_Product],
    part_numbers: Sequence[str],
    mass: FloatArray,
    write_order: IntArray,
) -> list[tuple[str, ...]]:
    n = len(part_numbers)
    cats = _LEAF_CATEGORIES
    cat = chain.leaf_category
    leaf = cat >= 0
    safe_cat = np.maximum(cat, 0)
    noun_pick = rng.integers(0, 1_000_000, size=n)
    spec_pick = rng.integers(0, 1_000_000, size=n)
    asm_cat = rng.integers(0, len(_ASSEMBLY_CATEGORIES), size=n)
    mass_style = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])
    long_hs = rng.random(n) < 0.3

    nouns, noun_start, noun_len = _table([c.nouns for c in cats])
    specs, spec_start, spec_len = _table([c.specs for c in cats])
    leaf_name = (
        nouns[noun_start[safe_cat] + noun_pick % noun_len[safe_cat]]
        + " "
        + specs[spec_start[safe_cat] + spec_pick % spec_len[safe_cat]]
    )
    a_nouns, a_start, a_len = _table([nouns for _, nouns in _ASSEMBLY_CATEGORIES])
    asm_name = a_nouns[a_start[asm_cat] + noun_pick % a_len[asm_cat]]
    asm_category = _obj([name for name, _ in _ASSEMBLY_CATEGORIES])[asm_cat]

    # The main product's modules get names of their own, numbered once the list runs out.
    modules = np.flatnonzero(chain.is_assembly & (chain.level == 1) & (chain.root == 0))
    asm_name[modules] = _obj(
        [
            _EUV_MODULES[i % len(_EUV_MODULES)]
            + (f" {i // len(_EUV_MODULES) + 1}" if i >= len(_EUV_MODULES) else "")
            for i in range(modules.size)
        ]
    )
    asm_category[modules] = "module"

    empty = np.full(n, "", dtype=object)
    name = np.where(leaf, leaf_name, asm_name)
    kind = np.where(leaf, _obj([c.kind for c in cats])[safe_cat], "assembly")
    unit = np.where(leaf, _obj([c.unit for c in cats])[safe_cat], "pcs")
    category = np.where(leaf, _obj([c.name for c in cats])[safe_cat], asm_category)
    hs = np.where(leaf, _obj([c.hs_code for c in cats])[safe_cat] + np.where(long_hs, "00", ""), empty)
    revenue, value_chain, description = empty.copy(), empty.copy(), empty.copy()
    for i, p in enumerate(products):
        name[i], kind[i], category[i], hs[i] = p.name, "product", p.category, p.hs_code
        revenue[i] = _fmt([p.revenue_per_unit_eur], 6)[0]
        value_chain[i], description[i] = p.value_chain, p.description
    mass_text = _obj(_mass_text(mass, mass_style))
    o = write_order
    return _rows(
        _obj(part_numbers)[o],
        name[o],
        kind[o],
        unit[o],
        mass_text[o],
        category[o],
        hs[o],
        revenue[o],
        value_chain[o],
        description[o],
    )


def _bom_rows(
    rng: np.random.Generator, chain: _Chain, part_numbers: Sequence[str], number: IntArray
) -> list[tuple[str, ...]]:
    m = chain.parent.size
    order = np.lexsort((number[chain.child], number[chain.parent]))
    parent = chain.parent[order]
    child = chain.child[order]
    q = chain.quantity[order]
    style = rng.choice(4, size=m, p=[0.45, 0.3, 0.15, 0.1])

    # Find numbers count 10, 20, 30, ... within each parent.
    new_parent = np.ones(m, dtype=np.bool_)
    new_parent[1:] = parent[1:] != parent[:-1]
    first = np.maximum.accumulate(np.where(new_parent, np.arange(m), 0))
    position = _obj([str(x) for x in range(10, 10 * (m + 1), 10)])[np.arange(m) - first]

    cat = chain.leaf_category[child]
    unit = np.where(cat >= 0, _obj([c.unit for c in _LEAF_CATEGORIES])[np.maximum(cat, 0)], "pcs")
    plain = _obj(_fmt(q, 6))
    milli = _obj(_fmt(q * 1000.0, 6))
    # Mixed notations exercise unit parsing: a unit in the cell, in the unit column, or none.
    measured = unit != "pcs"
    with_unit = measured & (style == 1)
    in_grams = (unit == "kg") & (style == 2)
    in_mm = (unit == "m") & (style == 2)
    unit_column = style == 3
    quantity = np.where(with_unit, plain + " " + unit, plain)
    quantity = np.where(in_grams, milli + " g", quantity)
    quantity = np.where(in_mm, milli + " mm", quantity)
    unit_cell = np.where(unit_column, unit, "")
    numbers = _obj(part_numbers)
    return _rows(numbers[parent], numbers[child], quantity, unit_cell, position)


def _composition_rows(
    rng: np.random.Generator,
    chain: _Chain,
    part_numbers: Sequence[str],
    mass: FloatArray,
    write_order: IntArray,
) -> list[tuple[str, ...]]:
    cats = _LEAF_CATEGORIES
    n = len(part_numbers)
    cat = chain.leaf_category
    k_max = 4
    chosen = np.full((n, k_max), -1, dtype=np.int64)
    # Per category: pick distinct materials by weight (Gumbel top-k), 1..max_materials of them.
    for ci, lc in enumerate(cats):
        members = np.flatnonzero(cat == ci)
        if members.size == 0:
            continue
        codes = np.array([_MATERIAL_INDEX[code] for code, _ in lc.materials], dtype=np.int64)
        log_w = np.log(np.array([w for _, w in lc.materials]))
        keys = log_w[None, :] + rng.gumbel(size=(members.size, codes.size))
        ranked = codes[np.argsort(-keys, axis=1)]
        top = min(lc.max_materials, codes.size, k_max)
        count = rng.integers(1, top + 1, size=members.size)
        take = np.arange(top)[None, :] < count[:, None]
        chosen[members, :top] = np.where(take, ranked[:, :top], -1)
    used = chosen >= 0
    alpha = np.array([4.0, 1.5, 0.8, 0.5])
    raw = rng.gamma(alpha[None, :], size=(n, k_max)) + 1e-3
    raw = np.where(used, raw * _MASS_WEIGHT[np.maximum(chosen, 0)], 0.0)
    total = raw.sum(axis=1)
    fraction = _round_sig(raw / np.where(total > 0, total, 1.0)[:, None], 4)
    typical = np.array([m[4] for m in _MATERIALS])
    recycled = np.clip(typical[np.maximum(chosen, 0)] * rng.uniform(0.2, 1.6, size=(n, k_max)), 0.0, 0.8)
    recycled = np.where(rng.random((n, k_max)) < 0.3, 0.0, np.round(recycled, 2))
    by_fraction = np.repeat(rng.random(n) < 0.3, k_max).reshape(n, k_max)
    as_percent = np.repeat(rng.random(n) < 0.3, k_max).reshape(n, k_max)
    mass_style = rng.choice(3, size=(n, k_max), p=[0.4, 0.3, 0.3])

    # Rows in part-number order, and within a part in the order the materials were drawn.
    sel = used[write_order]
    row_part = np.repeat(write_order, sel.sum(axis=1))
    pick = (write_order[:, None], np.arange(k_max)[None, :])
    material = _obj([m[0] for m in _MATERIALS])[chosen[pick][sel]]
    frac = fraction[pick][sel]
    rec = recycled[pick][sel]
    pct = as_percent[pick][sel]
    mass_text = _obj(_mass_text(mass[row_part] * frac, mass_style[pick][sel]))
    frac_text = np.where(pct, _obj(_fmt(frac * 100.0, 4)) + " %", _obj(_fmt(frac, 4)))
    rec_text = np.where(pct, _obj(_fmt(rec * 100.0, 2)) + " %", _obj(_fmt(rec, 2)))
    rec_text = np.where(rec > 0, rec_text, "")
    fraction_rows = by_fraction[pick][sel]
    mass_col = np.where(fraction_rows, "", mass_text)
    frac_col = np.where(fraction_rows, frac_text, "")
    return _rows(_obj(part_numbers)[row_part], material, mass_col, frac_col, rec_text)


# Shares of the sources of a part, by number of sources; a share of 0 marks a qualified
# alternate that takes no volume today.
_SHARE_PATTERNS = np.array(
    [
        [[1.0, 0.0, 0.0]] * 7,
        [[0.5, 0.5, 0.0], [0.6, 0.4, 0.0], [0.7, 0.3, 0.0], [0.8, 0.2, 0.0], [0.9, 0.1, 0.0],
         [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
        [[0.5, 0.3, 0.2], [0.6, 0.3, 0.1], [0.4, 0.3, 0.3], [0.5, 0.25, 0.25], [0.7, 0.3, 0.0],
         [0.6, 0.4, 0.0], [1.0, 0.0, 0.0]],
    ]
)  # fmt: skip


def _sourcing_and_stock_rows(
    rng: np.random.Generator,
    chain: _Chain,
    partners: _Partners,
    part_numbers: Sequence[str],
    usage: FloatArray,
    write_order: IntArray,
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    cats = _LEAF_CATEGORIES
    n_cat = len(cats)
    cat = chain.leaf_category
    bought = write_order[cat[write_order] >= 0]

    # Candidate sites per category, weighted by the size of their organization: a few large
    # suppliers carry many parts, as in a real supply base.
    pair_org, pair_cat = partners.org_categories
    org_site_start = np.searchsorted(partners.site_org, np.arange(partners.org_size.size + 1))
    pool_sites: list[IntArray] = []
    for ci in range(n_cat):
        orgs = pair_org[pair_cat == ci]
        sites = [np.arange(org_site_start[o], org_site_start[o + 1]) for o in orgs.tolist()]
        pool_sites.append(np.concatenate(sites).astype(np.int64))
    pool_len = np.array([p.size for p in pool_sites], dtype=np.int64)
    pool_start = np.concatenate([[0], np.cumsum(pool_len)]).astype(np.int64)
    pool = np.concatenate(pool_sites)
    pool_w = partners.org_size[partners.site_org[pool]]
    cum = np.empty(pool.size)
    for ci in range(n_cat):
        lo, hi = pool_start[ci], pool_start[ci + 1]
        cum[lo:hi] = ci + np.cumsum(pool_w[lo:hi]) / pool_w[lo:hi].sum()

    nb = bought.size
    c = cat[bought]
    n_src = rng.choice(np.array([1, 2, 3]), size=nb, p=[0.4, 0.4, 0.2])
    n_src = np.minimum(n_src, pool_len[c])
    pos = np.empty((nb, 3), dtype=np.int64)
    for j in range(3):
        draw = np.searchsorted(cum, c + rng.random(nb) * (1 - 1e-12), side="right")
        pos[:, j] = np.clip(draw, pool_start[c], pool_start[c + 1] - 1)
    # A site drawn twice for the same part moves on to the next site of the pool.
    for j in (1, 2):
        for _ in range(3):
            clash = np.zeros(nb, dtype=np.bool_)
            for k in range(j):
                clash |= pos[:, j] == pos[:, k]
            if not clash.any():
                break
            local = pos[clash, j] - pool_start[c[clash]] + 1
            pos[clash, j] = pool_start[c[clash]] + local % pool_len[c[clash]]
    site = pool[pos]

    share = _SHARE_PATTERNS[n_src - 1, rng.integers(0, 7, size=nb)]
    base_price = np.array([lc.price_eur for lc in cats])[c] * rng.lognormal(0.0, 0.7, size=nb)
    base_lead = np.array([lc.lead_days for lc in cats])[c] * rng.lognormal(0.0, 0.5, size=nb)
    price = base_price[:, None] * rng.uniform(0.9, 1.15, size=(nb, 3))
    lead = np.clip(np.round(base_lead[:, None] * rng.uniform(0.8, 1.3, size=(nb, 3))), 5, 200)
    as_percent = np.repeat(rng.random(nb) < 0.1, 3).reshape(nb, 3)
    dutch = np.repeat(rng.random(nb) < 0.1, 3).reshape(nb, 3)

    sel = np.arange(3)[None, :] < n_src[:, None]
    single = np.repeat(n_src == 1, 3).reshape(nb, 3)[sel]
    share_code = np.round(share[sel] * 100).astype(np.int64)
    decimal = _obj(_fmt(np.arange(101) / 100.0, 3))
    percent = _obj([f"{x} %" for x in range(101)])
    share_text = np.where(as_percent[sel], percent[share_code], decimal[share_code])
    dutch_rows = dutch[sel]
    share_text = np.where(single, np.where(dutch_rows, "1", ""), share_text)
    alternate = share_code == 0
    alt_text = np.where(alternate, np.where(dutch_rows, "ja", "yes"), np.where(dutch_rows, "nee", "no"))
    alt_text = np.where(single, "", alt_text)
    numbers = _obj(part_numbers)
    sourcing = _rows(
        numbers[np.repeat(bought, n_src)],
        _obj(partners.site_codes)[site[sel]],
        share_text,
        [str(int(x)) for x in lead[sel].tolist()],
        _fmt(price[sel], 4),
        alt_text,
    )

    counted = np.array([lc.unit == "pcs" for lc in cats])[c]
    use = usage[bought]
    safety = rng.uniform(1.0, 8.0, size=nb) * use
    on_hand = rng.lognormal(np.log(6.0), 0.8, size=nb) * (rng.random(nb) > 0.05) * use
    safety = np.where(counted, np.ceil(safety), _round_sig(safety, 3))
    on_hand = np.where(counted, np.ceil(on_hand), _round_sig(on_hand, 3))
    stock = _rows(numbers[bought], _fmt(on_hand, 6), _fmt(safety, 6), _fmt(use, 4))
    return sourcing, stock
