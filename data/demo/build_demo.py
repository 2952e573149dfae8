"""Writes the demo value chain: a wafer-stage module of a lithography machine and two smaller products.

Run ``python data/demo/build_demo.py`` to rebuild the CSV files next to this script, or
``python data/demo/build_demo.py FOLDER`` to write them elsewhere. The output is deterministic.
Organizations, identifiers and prices are fictional; see SOURCES.md for where the figures come from.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
rng = random.Random(2040)


def lei(prefix18: str) -> str:
    """Return a LEI with valid ISO 7064 mod 97-10 check digits."""
    digits = "".join(str(int(ch, 36)) for ch in prefix18 + "00")
    return f"{prefix18}{98 - int(digits) % 97:02d}"


def gln(body12: str) -> str:
    """Return a GLN with a valid GS1 check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body12)))
    return body12 + str((10 - total % 10) % 10)


# code, name, role, country, kvk?, city
ORGS = [
    ("BPS", "Brainport Precision Systems B.V.", "own", "NL", "17283946", "Veldhoven"),
    ("KEMPEN-MECH", "Kempen Mechatronica B.V.", "supplier", "NL", "17392015", "Eindhoven"),
    ("PEEL-PREC", "Peel Precisiebewerking B.V.", "supplier", "NL", "16048273", "Helmond"),
    ("DOMMEL-ELEC", "Dommel Elektronica B.V.", "supplier", "NL", "17520968", "Best"),
    ("TWENTE-VAC", "Twente Vacuümtechniek B.V.", "supplier", "NL", "08172634", "Enschede"),
    ("RUHR-MAGNET", "Ruhrtal Magnettechnik GmbH", "supplier", "DE", None, "Essen"),
    ("SAALE-OPTIK", "Saaletal Feinoptik GmbH", "supplier", "DE", None, "Jena"),
    ("SWAB-SCHRAUB", "Schwäbische Verbindungstechnik GmbH", "supplier", "DE", None, "Künzelsau"),
    ("PEGNITZ-KABEL", "Pegnitz Kabeltechnik GmbH", "supplier", "DE", None, "Nürnberg"),
    ("FLANDERS-CER", "Flanders Advanced Ceramics NV", "supplier", "BE", None, "Gent"),
    ("MEUSE-ALU", "Meuse Aluminium Extrusions SA", "supplier", "BE", None, "Liège"),
    ("KANSAI-CER", "Kansai Fine Ceramics K.K.", "supplier", "JP", None, "Kyoto"),
    ("TOKAI-BEARING", "Tokai Precision Bearing K.K.", "supplier", "JP", None, "Nagoya"),
    ("HOKU-MAG", "Hokuriku Rare Earth Magnets K.K.", "supplier", "JP", None, "Toyama"),
    ("HSINCHU-SEMI", "Hsinchu Power Semiconductor Co., Ltd.", "supplier", "TW", None, "Hsinchu"),
    ("TAOYUAN-PCB", "Taoyuan Circuit Board Co., Ltd.", "supplier", "TW", None, "Taoyuan"),
    ("NANLING-MAG", "Jiangxi Nanling Magnet Materials Co., Ltd.", "supplier", "CN", None, "Ganzhou"),
    ("SUZHOU-CONN", "Suzhou Connector Technology Co., Ltd.", "supplier", "CN", None, "Suzhou"),
    ("CUIHU-IR", "Kunming Cuihu Infrared Optics Co., Ltd.", "supplier", "CN", None, "Kunming"),
    ("OREGON-CTRL", "Willamette Motion Control Inc.", "supplier", "US", None, "Portland"),
    ("MASS-LASER", "Bay State Laser Metrology Inc.", "supplier", "US", None, "Boston"),
    ("JURA-SENS", "Jura Sensorik AG", "supplier", "CH", None, "Neuchâtel"),
    ("ALPES-TUNG", "Alpes Tungstène SAS", "supplier", "FR", None, "Grenoble"),
    ("GYEONGGI-CAP", "Gyeonggi Passive Components Co., Ltd.", "supplier", "KR", None, "Suwon"),
    ("BERGSLAGEN-STEEL", "Bergslagen Specialstål AB", "supplier", "SE", None, "Hagfors"),
    ("MORAVIA-CAST", "Moravia Precision Castings s.r.o.", "supplier", "CZ", None, "Brno"),
]

MATERIALS = [
    # code, name, family, cas
    ("AL6061", "Aluminium alloy 6061", "metal", ""),
    ("AL7075", "Aluminium alloy 7075", "metal", ""),
    ("SS316L", "Stainless steel 316L", "metal", ""),
    ("SS17-4PH", "Stainless steel 17-4PH", "metal", ""),
    ("STEEL", "Carbon steel", "metal", ""),
    ("INVAR36", "Invar 36 (Fe-Ni)", "metal", ""),
    ("Ti6Al4V", "Titanium alloy Ti-6Al-4V", "metal", ""),
    ("Cu", "Copper", "metal", "7440-50-8"),
    ("Nd", "Neodymium", "metal", "7440-00-8"),
    ("Dy", "Dysprosium", "metal", "7429-91-6"),
    ("Fe", "Iron", "metal", "7439-89-6"),
    ("B", "Boron", "other", "7440-42-8"),
    ("W", "Tungsten", "metal", "7440-33-7"),
    ("Ni", "Nickel", "metal", "7440-02-0"),
    ("Co", "Cobalt", "metal", "7440-48-4"),
    ("Ga", "Gallium", "metal", "7440-55-3"),
    ("Ge", "Germanium", "metal", "7440-56-4"),
    ("Ta", "Tantalum", "metal", "7440-25-7"),
    ("Au", "Gold", "metal", "7440-57-5"),
    ("Sn", "Tin", "metal", "7440-31-5"),
    ("SiC", "Silicon carbide ceramic", "ceramic", "409-21-2"),
    ("Al2O3", "Alumina ceramic", "ceramic", "1344-28-1"),
    ("GLASSCER", "Low-expansion glass ceramic", "glass", ""),
    ("PEEK", "Polyether ether ketone", "polymer", ""),
    ("CFRP", "Carbon-fibre reinforced epoxy", "composite", ""),
    ("PTFE", "Polytetrafluoroethylene", "polymer", "9002-84-0"),
    ("FKM", "Fluoroelastomer (FKM)", "polymer", ""),
    ("EPOXY", "Epoxy resin", "polymer", ""),
    ("FR4", "FR-4 glass-epoxy laminate", "composite", ""),
    ("SILICON", "Silicon (semiconductor die)", "electronics", "7440-21-3"),
    ("PVC", "Polyvinyl chloride", "polymer", "9002-86-2"),
    ("GLYCOL", "Water-glycol coolant", "fluid", ""),
    ("PFPE", "Perfluoropolyether vacuum grease", "fluid", ""),
]

parts: list[dict[str, str]] = []
bom: list[tuple[str, str, str, str]] = []
composition: list[tuple[str, str, str, str, str]] = []
category_of: dict[str, str] = {}


def part(
    number: str,
    name: str,
    kind: str,
    mass: str = "",
    *,
    unit: str = "pcs",
    category: str = "",
    hs: str = "",
    revenue: str = "",
    chain: str = "",
    description: str = "",
) -> str:
    parts.append(
        {
            "part_number": number,
            "name": name,
            "kind": kind,
            "unit": unit,
            "mass": mass,
            "category": category,
            "hs_code": hs,
            "revenue_per_unit_eur": revenue,
            "value_chain": chain,
            "description": description,
        }
    )
    category_of[number] = category
    return number


def use(parent: str, child: str, quantity: str, position: int) -> None:
    bom.append((parent, child, quantity, str(position)))


def made_of(number: str, *rows: tuple[str, str, str, str]) -> None:
    for material, mass, fraction, recycled in rows:
        composition.append((number, material, mass, fraction, recycled))


# --- products and modules ----------------------------------------------------------------------
WS = part(
    "WS-1000",
    "Wafer stage module, dual-stage",
    "product",
    "",
    revenue="4850000",
    chain="existing",
    description=(
        "Dual wafer-stage module of a lithography scanner: long-stroke planar motors, short-stroke chucks"
    ),
)
PS = part(
    "PS-500",
    "Precision patient-table positioning stage",
    "product",
    "",
    revenue="185000",
    chain="health",
    description="Maglev positioning stage sold to a medical-imaging maker",
)
MK = part(
    "MK-100",
    "Stage metrology retrofit kit",
    "product",
    "",
    revenue="96000",
    chain="digital",
    description="Interferometer and encoder upgrade kit with condition-monitoring firmware",
)

modules = {
    "WS-1100": "Long-stroke X stage assembly",
    "WS-1200": "Long-stroke Y stage assembly",
    "WS-1300": "Short-stroke chuck assembly",
    "WS-1400": "Metrology frame assembly",
    "WS-1500": "Stage control electronics cabinet",
    "WS-1600": "Cable and cooling harness",
    "WS-1700": "Base frame with vibration isolation",
}
for number, name in modules.items():
    part(number, name, "assembly", category="module")
use(WS, "WS-1100", "1", 10)
use(WS, "WS-1200", "2", 20)
use(WS, "WS-1300", "2", 30)
use(WS, "WS-1400", "1", 40)
use(WS, "WS-1500", "1", 50)
use(WS, "WS-1600", "1", 60)
use(WS, "WS-1700", "1", 70)

subs = {
    "LM-2000": "Linear motor coil unit",
    "MG-2100": "Magnet track assembly",
    "SB-2200": "Encoder sensor board assembly",
    "AB-2300": "Air bearing pad assembly",
    "CH-2400": "SiC wafer chuck subassembly",
    "IF-2500": "Interferometer head",
    "PA-2600": "Power amplifier unit",
    "CC-2700": "Motion controller board set",
    "IS-2800": "Active isolation mount",
    "CB-2900": "Counterbalance mass assembly",
}
for number, name in subs.items():
    part(number, name, "assembly", category="subassembly")

# Shared subassemblies: coil units and magnet tracks in both long-stroke stages; sensor boards everywhere.
for stage, pos in (("WS-1100", 10), ("WS-1200", 10)):
    use(stage, "LM-2000", "4", pos)
    use(stage, "MG-2100", "2", pos + 10)
    use(stage, "SB-2200", "2", pos + 20)
    use(stage, "AB-2300", "3", pos + 30)
    use(stage, "CB-2900", "1", pos + 40)
use("WS-1300", "CH-2400", "1", 10)
use("WS-1300", "SB-2200", "3", 20)
use("WS-1300", "LM-2000", "2", 30)
use("WS-1400", "IF-2500", "6", 10)
use("WS-1400", "SB-2200", "4", 20)
use("WS-1500", "PA-2600", "12", 10)
use("WS-1500", "CC-2700", "2", 20)
use("WS-1700", "IS-2800", "4", 10)
use(PS, "LM-2000", "2", 10)
use(PS, "MG-2100", "1", 20)
use(PS, "AB-2300", "4", 30)
use(PS, "SB-2200", "1", 40)
use(PS, "PA-2600", "2", 50)
use(MK, "IF-2500", "2", 10)
use(MK, "SB-2200", "2", 20)

# --- bulk materials counted in kg, m or l ------------------------------------------------------
CUWIRE = part(
    "MAT-CUWIRE", "Enamelled copper winding wire", "material", "1", unit="kg", category="wire", hs="854411"
)
EPOXY = part(
    "MAT-EPOXY",
    "Potting epoxy, thermally conductive",
    "material",
    "1",
    unit="kg",
    category="resin",
    hs="390730",
)
GLYCOL = part(
    "MAT-GLYCOL", "Water-glycol coolant", "consumable", "1.05", unit="l", category="coolant", hs="382000"
)
GREASE = part(
    "MAT-PFPE", "PFPE vacuum grease", "consumable", "1", unit="kg", category="lubricant", hs="340399"
)
CABLE_P = part(
    "CBL-PWR", "Power cable 4x2.5 mm², shielded", "component", "0.21", unit="m", category="cable", hs="854449"
)
CABLE_S = part(
    "CBL-SIG",
    "Signal cable, 12-core twisted pair, shielded",
    "component",
    "85 g",
    unit="m",
    category="cable",
    hs="854449",
)
TUBE = part(
    "TUB-PTFE", "PTFE cooling tube 8/6 mm", "component", "60 g", unit="m", category="tubing", hs="391732"
)
made_of(CUWIRE, ("Cu", "", "98 %", "0.35"), ("EPOXY", "", "2 %", "0"))
made_of(EPOXY, ("EPOXY", "", "100 %", "0"))
made_of(GLYCOL, ("GLYCOL", "", "100 %", "0"))
made_of(GREASE, ("PFPE", "", "100 %", "0"))
made_of(CABLE_P, ("Cu", "", "45 %", "0.3"), ("PVC", "", "50 %", "0"))
made_of(CABLE_S, ("Cu", "", "35 %", "0.3"), ("PVC", "", "60 %", "0"))
made_of(TUBE, ("PTFE", "", "100 %", "0"))

# --- fasteners (a family, as on any real BOM) --------------------------------------------------
fasteners: list[str] = []
for size, base_g in (
    ("M3", 0.9),
    ("M4", 1.8),
    ("M5", 3.1),
    ("M6", 4.9),
    ("M8", 10.5),
    ("M10", 19.0),
    ("M12", 30.0),
):
    for length in (10, 16, 25, 40):
        number = f"FST-{size}x{length}"
        grams = base_g * (0.55 + length / 40)
        mat = "Ti6Al4V" if size in ("M3", "M4") and length == 10 else "SS316L"
        fasteners.append(
            part(
                number,
                f"Socket head cap screw {size}x{length}, {'titanium' if mat != 'SS316L' else 'A4'}",
                "component",
                f"{grams:.1f} g",
                category="fastener",
                # Heading 7318 covers screws of iron or steel only; titanium screws are articles of titanium.
                hs="731815" if mat == "SS316L" else "810890",
            )
        )
        made_of(number, (mat, "", "100 %", "0.25" if mat == "SS316L" else "0"))
for size in ("M3", "M4", "M5", "M6", "M8"):
    number = f"FST-WSH-{size}"
    fasteners.append(
        part(
            number,
            f"Washer {size}, A4",
            "component",
            "0.4 g" if size in ("M3", "M4") else "1.2 g",
            category="fastener",
            hs="731822",
        )
    )
    made_of(number, ("SS316L", "", "100 %", "0.25"))


# --- components of each subassembly ------------------------------------------------------------
def component(
    number: str, name: str, mass: str, category: str, hs: str, *materials: tuple[str, str, str, str]
) -> str:
    part(number, name, "component", mass, category=category, hs=hs)
    made_of(number, *materials)
    return number


# Linear motor coil unit
coil = component(
    "LM-C01",
    "Ironless coil, 3-phase, potted",
    "1.8 kg",
    "coil",
    "850300",
)
coil_body = component(
    "LM-C02",
    "Coil carrier plate, AL7075 machined",
    "2.4 kg",
    "machined-aluminium",
    "848790",
    ("AL7075", "", "100 %", "0.3"),
)
# The coil is wound at a supplier from copper wire and epoxy that the OEM issues to it, so they sit in its
# BOM; its materials come from that BOM, which is why it has no composition of its own.
use(coil, CUWIRE, "1.2 kg", 10)
use(coil, EPOXY, "350 g", 20)
ntc = component(
    "LM-C03", "NTC temperature sensor, glass bead", "2 g", "sensor", "853340", ("Ni", "", "20 %", "0")
)
lm_cool = component(
    "LM-C04",
    "Cooling plate, stainless, vacuum brazed",
    "0.9 kg",
    "machined-steel",
    "841990",
    ("SS316L", "", "100 %", "0.2"),
)
for child, qty, pos in (
    (coil, "3", 10),
    (coil_body, "1", 20),
    (ntc, "2", 30),
    (lm_cool, "1", 40),
    (CUWIRE, "150 g", 50),
    (EPOXY, "0.2 kg", 60),
    ("FST-M4x16", "12", 70),
    ("FST-WSH-M4", "12", 80),
    (CABLE_P, "1.5 m", 90),
):
    use("LM-2000", child, qty, pos)

# Magnet track: NdFeB magnets with Dy for coercivity at temperature
magnet = component(
    "MG-C01",
    "NdFeB magnet block N42SH, NiCuNi coated, 50x25x10 mm",
    "94 g",
    "magnet",
    "850511",
    ("Nd", "", "29.5 %", "0"),
    ("Dy", "", "2.5 %", "0"),
    ("Fe", "", "66 %", "0"),
    ("B", "", "1 %", "0"),
    ("Ni", "", "0.5 %", "0"),
)
# Halbach arrays add smaller side magnets, magnetised across the main ones, between the main blocks.
side_magnet = component(
    "MG-C05",
    "NdFeB Halbach side magnet N45SH, NiCuNi coated, 50x12.5x10 mm",
    "46 g",
    "magnet",
    "850511",
    ("Nd", "", "30.5 %", "0"),
    ("Dy", "", "1.5 %", "0"),
    ("Fe", "", "65.5 %", "0"),
    ("B", "", "1 %", "0"),
    ("Ni", "", "0.5 %", "0"),
)
backiron = component(
    "MG-C02",
    "Back iron yoke, low-carbon steel",
    "6.5 kg",
    "machined-steel",
    "848790",
    ("STEEL", "", "100 %", "0.4"),
)
mg_frame = component(
    "MG-C03",
    "Magnet track frame, AL6061",
    "4.2 kg",
    "machined-aluminium",
    "848790",
    ("AL6061", "", "100 %", "0.3"),
)
mg_cover = component(
    "MG-C04",
    "Magnet cover foil, stainless 0.1 mm",
    "180 g",
    "sheet-metal",
    "732690",
    ("SS316L", "", "100 %", "0.2"),
)
for child, qty, pos in (
    (magnet, "48", 10),
    (side_magnet, "48", 15),
    (backiron, "1", 20),
    (mg_frame, "1", 30),
    (mg_cover, "1", 40),
    (EPOXY, "120 g", 50),
    ("FST-M5x16", "24", 60),
    ("FST-WSH-M5", "24", 70),
):
    use("MG-2100", child, qty, pos)

# Encoder sensor board assembly: electronics with Ga, Ge, Ta, Au
pcb = component(
    "SB-C01",
    "Encoder readout PCB, 8-layer FR-4, ENIG",
    "65 g",
    "pcb",
    "853400",
    ("FR4", "", "70 %", "0"),
    ("Cu", "", "22 %", "0"),
    ("Au", "", "0.1 %", "0"),
    ("Sn", "", "1 %", "0"),
)
asic = component(
    "SB-C02",
    "Encoder interpolation ASIC, QFN-48",
    "0.3 g",
    "ic",
    "854239",
    ("SILICON", "", "15 %", "0"),
    ("Cu", "", "40 %", "0"),
    ("Au", "", "0.5 %", "0"),
)
gan = component(
    "SB-C03",
    "GaN HEMT laser driver",
    "0.5 g",
    "ic",
    "854129",
    ("Ga", "", "0.02 %", "0"),
    ("SILICON", "", "10 %", "0"),
    ("Cu", "", "40 %", "0"),
)
tacap = component(
    "SB-C04", "Tantalum capacitor 47 µF", "0.25 g", "capacitor", "853221", ("Ta", "", "40 %", "0")
)
readhead = component(
    "SB-C05",
    "Optical encoder read head",
    "38 g",
    "sensor",
    "903180",
    ("AL6061", "", "40 %", "0"),
    ("GLASSCER", "", "10 %", "0"),
)
sb_housing = component(
    "SB-C06", "Sensor housing, PEEK", "22 g", "moulded-plastic", "392690", ("PEEK", "", "100 %", "0")
)
conn = component(
    "SB-C07",
    "Micro-D connector, 25 pin",
    "9 g",
    "connector",
    "853669",
    ("Cu", "", "30 %", "0"),
    ("Au", "", "0.3 %", "0"),
    ("PEEK", "", "40 %", "0"),
)
for child, qty, pos in (
    (pcb, "1", 10),
    (asic, "2", 20),
    (gan, "1", 30),
    (tacap, "6", 40),
    (readhead, "1", 50),
    (sb_housing, "1", 60),
    (conn, "1", 70),
    ("FST-M3x10", "4", 80),
    (CABLE_S, "2 m", 90),
):
    use("SB-2200", child, qty, pos)

# Air bearing pad
pad = component(
    "AB-C01",
    "Porous ceramic air bearing pad, 80 mm",
    "0.42 kg",
    "ceramic-part",
    "848330",
    ("Al2O3", "", "85 %", "0"),
    ("AL6061", "", "10 %", "0"),
)
vac_preload = component(
    "AB-C02", "Vacuum preload chamber", "0.6 kg", "vacuum-part", "732690", ("SS316L", "", "100 %", "0.2")
)
ball = component(
    "AB-C03",
    "Tungsten-carbide pivot ball",
    "35 g",
    "bearing",
    "848291",
    ("W", "", "86 %", "0"),
    ("Co", "", "8 %", "0"),
)
for child, qty, pos in (
    (pad, "1", 10),
    (vac_preload, "1", 20),
    (ball, "1", 30),
    ("FST-M4x10", "6", 40),
    (TUBE, "0.8 m", 50),
):
    use("AB-2300", child, qty, pos)

# SiC chuck
chuck = component(
    "CH-C01",
    "SiC wafer chuck, burl table, 300 mm",
    "9.5 kg",
    "ceramic-part",
    "690912",
    ("SiC", "", "100 %", "0"),
)
mirror_block = component(
    "CH-C02",
    "SiC mirror block with coated interferometer mirrors",
    "28 kg",
    "ceramic-part",
    "900190",
    ("SiC", "", "98 %", "0"),
)
clamp = component(
    "CH-C03",
    "Electrostatic clamp electrode set",
    "0.8 kg",
    "electrode",
    "848690",
    ("Al2O3", "", "80 %", "0"),
    ("Cu", "", "5 %", "0"),
)
pins = component(
    "CH-C04",
    "Ejector pin set, PEEK tipped",
    "60 g",
    "mechanism",
    "848790",
    ("PEEK", "", "30 %", "0"),
    ("SS17-4PH", "", "70 %", "0"),
)
for child, qty, pos in (
    (chuck, "1", 10),
    (mirror_block, "1", 20),
    (clamp, "1", 30),
    (pins, "1", 40),
    ("FST-M6x25", "16", 50),
    (GREASE, "5 g", 60),
):
    use("CH-2400", child, qty, pos)

# Interferometer head with germanium
laser = component(
    "IF-C01",
    "Stabilised HeNe laser source",
    "1.9 kg",
    "laser",
    "901320",
    ("AL6061", "", "60 %", "0"),
    ("GLASSCER", "", "10 %", "0"),
)
optics = component(
    "IF-C02",
    "Interferometer optics block",
    "0.7 kg",
    "optics",
    "900190",
    ("GLASSCER", "", "80 %", "0"),
    ("INVAR36", "", "15 %", "0"),
)
ge_window = component(
    "IF-C03",
    "Germanium window of the mirror IR temperature sensor, AR coated",
    "24 g",
    "optics",
    "900190",
    ("Ge", "", "100 %", "0"),
)
detector = component(
    "IF-C04",
    "Photodetector board",
    "40 g",
    "pcb",
    "854149",
    ("FR4", "", "60 %", "0"),
    ("Cu", "", "20 %", "0"),
    ("Ga", "", "0.005 %", "0"),
)
invar_mount = component(
    "IF-C05", "Invar optics mount", "0.45 kg", "machined-invar", "848790", ("INVAR36", "", "100 %", "0")
)
for child, qty, pos in (
    (laser, "1", 10),
    (optics, "1", 20),
    (ge_window, "1", 30),
    (detector, "2", 40),
    (invar_mount, "1", 50),
    ("FST-M3x16", "8", 60),
):
    use("IF-2500", child, qty, pos)

# Power amplifier with GaN
pa_pcb = component(
    "PA-C01",
    "Power stage PCB, 6-layer heavy copper",
    "0.32 kg",
    "pcb",
    "853400",
    ("FR4", "", "55 %", "0"),
    ("Cu", "", "40 %", "0"),
    ("Au", "", "0.05 %", "0"),
)
gan_fet = component(
    "PA-C02",
    "GaN power transistor 650 V",
    "2.1 g",
    "ic",
    "854129",
    ("Ga", "", "0.02 %", "0"),
    ("SILICON", "", "10 %", "0"),
    ("Cu", "", "50 %", "0"),
)
heatsink = component(
    "PA-C03",
    "Liquid-cooled heat sink",
    "1.6 kg",
    "machined-aluminium",
    "841990",
    ("AL6061", "", "100 %", "0.5"),
)
pa_cap = component(
    "PA-C04",
    "Film capacitor bank",
    "0.25 kg",
    "capacitor",
    "853225",
    ("Al2O3", "", "10 %", "0"),
    ("Cu", "", "15 %", "0"),
)
pa_case = component(
    "PA-C05",
    "Amplifier enclosure, sheet aluminium",
    "2.2 kg",
    "sheet-metal",
    "761699",
    ("AL6061", "", "100 %", "0.6"),
)
for child, qty, pos in (
    (pa_pcb, "1", 10),
    (gan_fet, "12", 20),
    (heatsink, "1", 30),
    (pa_cap, "1", 40),
    (pa_case, "1", 50),
    (tacap, "20", 60),
    ("FST-M4x10", "16", 70),
    (GLYCOL, "0.3 l", 80),
):
    use("PA-2600", child, qty, pos)

# Controller board set
fpga = component(
    "CC-C01",
    "FPGA module",
    "45 g",
    "ic",
    "854231",
    ("SILICON", "", "5 %", "0"),
    ("FR4", "", "50 %", "0"),
    ("Cu", "", "20 %", "0"),
)
cpu_board = component(
    "CC-C02",
    "Real-time controller board",
    "0.38 kg",
    "pcb",
    "847330",
    ("FR4", "", "55 %", "0"),
    ("Cu", "", "20 %", "0"),
    ("Au", "", "0.05 %", "0"),
)
backplane = component(
    "CC-C03",
    "Backplane, 19 inch",
    "0.9 kg",
    "pcb",
    "853400",
    ("FR4", "", "60 %", "0"),
    ("Cu", "", "25 %", "0"),
)
for child, qty, pos in (
    (fpga, "4", 10),
    (cpu_board, "2", 20),
    (backplane, "1", 30),
    (tacap, "40", 40),
    (conn, "8", 50),
):
    use("CC-2700", child, qty, pos)

# Isolation mount
airmount = component(
    "IS-C01",
    "Pneumatic isolator, membrane type",
    "8.5 kg",
    "isolator",
    "848790",
    ("SS316L", "", "60 %", "0.2"),
    ("AL6061", "", "30 %", "0.3"),
)
voicecoil = component(
    "IS-C02",
    "Voice-coil actuator",
    "1.2 kg",
    "motor",
    "850131",
    ("Cu", "", "30 %", "0"),
    ("Nd", "", "4 %", "0"),
    ("Dy", "", "0.3 %", "0"),
    ("Fe", "", "50 %", "0"),
)
geophone = component(
    "IS-C03",
    "Geophone velocity sensor",
    "0.35 kg",
    "sensor",
    "903180",
    ("SS316L", "", "70 %", "0"),
    ("Cu", "", "10 %", "0"),
)
for child, qty, pos in (
    (airmount, "1", 10),
    (voicecoil, "3", 20),
    (geophone, "3", 30),
    ("FST-M10x40", "8", 40),
):
    use("IS-2800", child, qty, pos)

# Counterbalance mass: tungsten heavy alloy
wmass = component(
    "CB-C01",
    "Tungsten heavy-alloy balance mass",
    "30 kg",
    "tungsten-part",
    "810199",
    ("W", "", "93 %", "0.1"),
    ("Ni", "", "5 %", "0"),
    ("Co", "", "2 %", "0"),
)
cb_frame = component(
    "CB-C02",
    "Balance mass carrier, 17-4PH",
    "12 kg",
    "machined-steel",
    "848790",
    ("SS17-4PH", "", "100 %", "0.2"),
)
for child, qty, pos in ((wmass, "2", 10), (cb_frame, "1", 20), ("FST-M12x40", "12", 30)):
    use("CB-2900", child, qty, pos)

# Parts used directly by modules
frame_x = component(
    "WS-C11",
    "X beam, SiC-reinforced aluminium",
    "85 kg",
    "machined-aluminium",
    "848790",
    ("AL6061", "", "85 %", "0.3"),
    ("SiC", "", "15 %", "0"),
)
frame_y = component(
    "WS-C12", "Y carriage, AL7075", "64 kg", "machined-aluminium", "848790", ("AL7075", "", "100 %", "0.3")
)
use("WS-1100", frame_x, "1", 60)
use("WS-1100", "FST-M8x25", "40", 70)
use("WS-1200", frame_y, "1", 60)
use("WS-1200", "FST-M8x25", "32", 70)
metro_frame = component(
    "WS-C41",
    "Metrology frame, Invar weldment",
    "180 kg",
    "machined-invar",
    "848790",
    ("INVAR36", "", "100 %", "0"),
)
glass_ref = component(
    "WS-C42",
    "Glass-ceramic reference grid plate",
    "18 kg",
    "optics",
    "900190",
    ("GLASSCER", "", "100 %", "0"),
)
use("WS-1400", metro_frame, "1", 30)
use("WS-1400", glass_ref, "2", 40)
use("WS-1400", "FST-M10x25", "24", 50)
cabinet = component(
    "WS-C51",
    "19-inch electronics cabinet, EMC shielded",
    "70 kg",
    "sheet-metal",
    "853810",
    ("STEEL", "", "80 %", "0.4"),
    ("Cu", "", "3 %", "0"),
)
psu = component(
    "WS-C52",
    "48 V power supply, 3 kW",
    "4.8 kg",
    "power-supply",
    "850440",
    ("AL6061", "", "40 %", "0"),
    ("Cu", "", "18 %", "0"),
    ("FR4", "", "12 %", "0"),
)
use("WS-1500", cabinet, "1", 30)
use("WS-1500", psu, "4", 40)
use("WS-1500", CABLE_S, "40 m", 50)
use("WS-1600", CABLE_P, "85 m", 10)
use("WS-1600", CABLE_S, "140 m", 20)
use("WS-1600", TUBE, "60 m", 30)
use("WS-1600", GLYCOL, "12 l", 40)
chain_carrier = component(
    "WS-C61", "Cable chain, PEEK links", "3.2 kg", "cable-carrier", "392690", ("PEEK", "", "100 %", "0")
)
manifold = component(
    "WS-C62",
    "Cooling water manifold, 316L",
    "5.5 kg",
    "vacuum-part",
    "848180",
    ("SS316L", "", "100 %", "0.2"),
)
use("WS-1600", chain_carrier, "4", 50)
use("WS-1600", manifold, "2", 60)
base = component(
    "WS-C71",
    "Granite-replacement base frame, cast iron",
    "0.26 t",
    "casting",
    "732599",
    ("Fe", "", "93 %", "0.6"),
)
use("WS-1700", base, "1", 20)
use("WS-1700", "FST-M12x40", "24", 30)

# Spares in the retrofit kit and the medical stage
ps_table = component(
    "PS-C01",
    "Carbon-fibre patient table interface",
    "14 kg",
    "composite-part",
    "902290",
    ("CFRP", "", "55 %", "0"),
    ("AL7075", "", "40 %", "0.3"),
)
use(PS, ps_table, "1", 60)
use(PS, "FST-M6x16", "16", 70)
kit_case = component(
    "MK-C01", "Transport case with foam inlay", "6 kg", "packaging", "420292", ("PVC", "", "60 %", "0")
)
use(MK, kit_case, "1", 30)
use(MK, CABLE_S, "10 m", 40)

# Spare and variant parts: connectors, sensors and seals in several sizes, as a real catalogue has
for i, (name, grams, cat, hs, mats) in enumerate(
    [
        ("O-ring FKM", 2, "seal", "401693", (("FKM", "", "100 %", "0"),)),
        (
            "Limit switch, optical",
            12,
            "sensor",
            "853650",
            (("PEEK", "", "40 %", "0"), ("Cu", "", "10 %", "0")),
        ),
        ("Thermocouple type K", 8, "sensor", "902519", (("Ni", "", "60 %", "0"),)),
        (
            "Vacuum feedthrough, Kovar",
            45,
            "vacuum-part",
            "853690",
            (("Fe", "", "53 %", "0"), ("Ni", "", "29 %", "0"), ("Co", "", "17 %", "0")),
        ),
        (
            "Shielded connector, M12",
            25,
            "connector",
            "853669",
            (("Cu", "", "30 %", "0"), ("SS316L", "", "40 %", "0")),
        ),
    ]
):
    for size in range(1, 10):
        number = f"SP-{i + 1}{size:02d}"
        component(number, f"{name}, size {size}", f"{grams * (0.6 + size * 0.2):.1f} g", cat, hs, *mats)
        parent = ("WS-1100", "WS-1200", "WS-1300", "WS-1400", "WS-1500", "WS-1600")[(size - 1) % 6]
        use(parent, number, str(2 + (i + size) % 5), 100 + i * 10 + size)

# Every fastener size in the catalogue holds something: brackets, covers and clamps of the modules.
used = {child for _, child, _, _ in bom}
holders = ("WS-1100", "WS-1200", "WS-1300", "WS-1400", "WS-1500", "WS-1600", "WS-1700", "AB-2300", "IS-2800")
for i, number in enumerate(f for f in fasteners if f not in used):
    use(holders[i % len(holders)], number, str(4 * (1 + i % 4)), 200 + i)

# --- masses of assemblies: the sum of what goes in, rounded -----------------------------------
masses: dict[str, float] = {}


def mass_kg(text: str) -> float:
    value, _, unit = text.partition(" ")
    return float(value) * {"g": 0.001, "t": 1000.0}.get(unit, 1.0)


units = {p["part_number"]: p["unit"] for p in parts}
for p in parts:
    if p["mass"]:
        masses[p["part_number"]] = mass_kg(p["mass"])


def qty_in_unit(text: str) -> float:
    value, _, unit = text.partition(" ")
    factor = {"g": 0.001, "mm": 0.001}.get(unit, 1.0)
    return float(value) * factor


def total_mass(number: str) -> float:
    if number in masses:
        return masses[number]
    total = sum(qty_in_unit(q) * total_mass(c) for p, c, q, _ in bom if p == number)
    masses[number] = total
    return total


for p in parts:
    if not p["mass"]:
        p["mass"] = f"{total_mass(p['part_number']):.2f} kg"

# --- organizations, sites --------------------------------------------------------------------
SUPPLIERS_BY_CATEGORY = {
    "coil": ["KEMPEN-MECH"],
    "machined-aluminium": ["PEEL-PREC", "MEUSE-ALU", "MORAVIA-CAST"],
    "sensor": ["JURA-SENS", "DOMMEL-ELEC"],
    "machined-steel": ["PEEL-PREC", "MORAVIA-CAST"],
    "magnet": ["HOKU-MAG", "NANLING-MAG"],
    "sheet-metal": ["PEEL-PREC", "KEMPEN-MECH"],
    "pcb": ["TAOYUAN-PCB", "DOMMEL-ELEC"],
    "ic": ["HSINCHU-SEMI"],
    "capacitor": ["GYEONGGI-CAP"],
    "moulded-plastic": ["KEMPEN-MECH"],
    "connector": ["SUZHOU-CONN", "PEGNITZ-KABEL"],
    "ceramic-part": ["KANSAI-CER", "FLANDERS-CER"],
    "vacuum-part": ["TWENTE-VAC"],
    "bearing": ["TOKAI-BEARING"],
    "electrode": ["KANSAI-CER"],
    "mechanism": ["KEMPEN-MECH"],
    "laser": ["MASS-LASER"],
    "optics": ["SAALE-OPTIK", "CUIHU-IR"],
    "machined-invar": ["PEEL-PREC"],
    "isolator": ["OREGON-CTRL"],
    "motor": ["RUHR-MAGNET", "OREGON-CTRL"],
    "tungsten-part": ["ALPES-TUNG"],
    "power-supply": ["DOMMEL-ELEC"],
    "cable-carrier": ["PEGNITZ-KABEL"],
    "casting": ["MORAVIA-CAST"],
    "composite-part": ["KEMPEN-MECH"],
    "packaging": ["KEMPEN-MECH"],
    "seal": ["SWAB-SCHRAUB"],
    "fastener": ["SWAB-SCHRAUB", "BERGSLAGEN-STEEL"],
    "cable": ["PEGNITZ-KABEL", "SUZHOU-CONN"],
    "tubing": ["TWENTE-VAC"],
    "wire": ["PEGNITZ-KABEL"],
    "resin": ["SAALE-OPTIK"],
    "coolant": ["TWENTE-VAC"],
    "lubricant": ["TWENTE-VAC"],
}
SINGLE_SOURCE = {
    "MG-C01": "HOKU-MAG",
    "MG-C05": "NANLING-MAG",
    "CH-C01": "KANSAI-CER",
    "CH-C02": "KANSAI-CER",
    "PA-C02": "HSINCHU-SEMI",
    "SB-C03": "HSINCHU-SEMI",
    "IF-C03": "CUIHU-IR",
    "IF-C01": "MASS-LASER",
    "CB-C01": "ALPES-TUNG",
}
LEAD_DAYS = {
    "magnet": 120,
    "ceramic-part": 160,
    "ic": 140,
    "optics": 110,
    "laser": 90,
    "tungsten-part": 100,
    "pcb": 35,
    "fastener": 10,
    "cable": 14,
    "casting": 75,
}

LEGAL_FORMS = (
    " Co., Ltd.",
    " B.V.",
    " GmbH",
    " NV",
    " SA",
    " K.K.",
    " Inc.",
    " AG",
    " SAS",
    " AB",
    " s.r.o.",
)


def trade_name(name: str) -> str:
    """Return the name without its legal form: what a site is called on a gate sign."""
    for form in LEGAL_FORMS:
        if name.endswith(form):
            return name.removesuffix(form)
    return name


org_rows = []
site_rows = []
for code, name, role, country, kvk, city in ORGS:
    org_rows.append([code, name, role, country, kvk or "", "", "", ""])
    site_rows.append([f"{code}-1", code, f"{trade_name(name)}, {city}", country, city, "", ""])
# Identifiers that do not depend on the process's hash seed:
org_rows[0][5] = lei("724500BPS000000017")
org_rows[0][6] = gln("871234500001")
org_rows[11][5] = lei("549300KANSAICER001")
org_rows[5][6] = gln("400123400007")
site_rows[0][6] = gln("871234500101")
org_rows[14][5] = lei("254900HSINCHUPWR01")
org_rows[19][5] = lei("5493007WILLAMETTE1")
org_rows[1][6] = gln("871234500202")
org_rows[22][6] = gln("301234500003")
for row in org_rows:
    # The reserved .example top-level domain keeps the fictional companies off real addresses.
    row[7] = f"https://www.{row[0].lower()}.example"
site_rows.append(
    ["BPS-2", "BPS", "Brainport Precision Systems Eindhoven cleanroom", "NL", "Eindhoven", "", ""]
)
site_rows.append(["HOKU-MAG-2", "HOKU-MAG", "Hokuriku Rare Earth Magnets Vietnam", "VN", "Hai Phong", "", ""])

# Prices: a piece price where a part is priced by function (electronics, optics, sensors), otherwise
# a price per kg of the part's category (machining, ceramics, magnets), otherwise a price per unit of
# measure for bulk material counted in kg, m or l.
PIECE_PRICE_EUR = {
    "LM-C03": 4.5,
    "SB-C01": 145,
    "SB-C02": 18,
    "SB-C03": 36,
    "SB-C04": 1.2,
    "SB-C05": 860,
    "SB-C06": 24,
    "SB-C07": 38,
    "AB-C03": 42,
    "CH-C03": 5800,
    "CH-C04": 310,
    "IF-C01": 12500,
    "IF-C02": 6800,
    "IF-C03": 390,
    "IF-C04": 220,
    "PA-C01": 430,
    "PA-C02": 27,
    "PA-C04": 180,
    "CC-C01": 640,
    "CC-C02": 1850,
    "CC-C03": 920,
    "IS-C01": 3900,
    "IS-C02": 880,
    "IS-C03": 1350,
    "WS-C42": 46000,
    "WS-C52": 2400,
    "MK-C01": 260,
}
EUR_PER_KG = {
    "coil": 320,
    "machined-aluminium": 65,
    "machined-steel": 48,
    "machined-invar": 190,
    "magnet": 270,
    "sheet-metal": 38,
    "ceramic-part": 2400,
    "vacuum-part": 140,
    "tungsten-part": 95,
    "casting": 9,
    "cable-carrier": 160,
    "composite-part": 210,
}
EUR_PER_UNIT = {"MAT-CUWIRE": 13.5, "MAT-EPOXY": 38, "MAT-GLYCOL": 6.2, "MAT-PFPE": 950}
EUR_PER_UNIT |= {"CBL-PWR": 6.8, "CBL-SIG": 4.3, "TUB-PTFE": 3.1}
SPARE_BASE_PRICE_EUR = {"seal": 1.4, "sensor": 38, "vacuum-part": 120, "connector": 22}

# Machines built per week: a few scanners' wafer stages, a few medical stages, one retrofit kit.
BUILDS_PER_WEEK = {WS: 2, PS: 3, MK: 1}


def unit_price(number: str, category: str) -> float:
    if number in PIECE_PRICE_EUR:
        return PIECE_PRICE_EUR[number]
    if number in EUR_PER_UNIT:
        return EUR_PER_UNIT[number]
    if category == "fastener":
        return 0.06 + masses[number] * 160
    if number.startswith("SP-"):
        return SPARE_BASE_PRICE_EUR[category] * (0.8 + int(number[-2:]) * 0.1)
    return masses[number] * EUR_PER_KG[category]


def exploded(number: str, factor: float, into: dict[str, float]) -> None:
    for parent, child, quantity, _ in bom:
        if parent == number:
            amount = factor * qty_in_unit(quantity)
            into[child] = into.get(child, 0.0) + amount
            exploded(child, amount, into)


weekly_usage: dict[str, float] = {}
for product, builds in BUILDS_PER_WEEK.items():
    exploded(product, builds, weekly_usage)


def amount(value: float, unit: str) -> str:
    if unit == "pcs":
        return str(round(value))
    return f"{value:.1f}" if value >= 10 else f"{value:.3f}"


sourcing_rows = []
stock_rows = []
for p in parts:
    number, kind, category = p["part_number"], p["kind"], p["category"]
    if kind in ("product", "assembly"):
        continue
    if number in SINGLE_SOURCE:
        sources = [SINGLE_SOURCE[number]]
    else:
        candidates = SUPPLIERS_BY_CATEGORY[category]
        sources = candidates[:2] if len(candidates) > 1 and rng.random() < 0.6 else candidates[:1]
    lead_days = LEAD_DAYS.get(category, 45)
    price = unit_price(number, category) * rng.uniform(0.9, 1.1)
    for i, org in enumerate(sources):
        share = "1" if len(sources) == 1 else ("0.7" if i == 0 else "0.3")
        site = f"{org}-1"
        sourcing_rows.append(
            [number, site, share, str(lead_days + 7 * i), f"{price * (1 + 0.08 * i):.2f}", "no"]
        )
    if number == "MG-C01":
        sourcing_rows.append([number, "HOKU-MAG-2", "0", "150", f"{price * 0.92:.2f}", "yes"])
    if number == "CH-C01":
        sourcing_rows.append([number, "FLANDERS-CER-1", "0", "180", f"{price * 1.2:.2f}", "yes"])
    weekly = weekly_usage[number]
    # Safety stock covers a third of the lead time, capped at eight weeks; on hand varies around it.
    safety = weekly * min(8.0, max(1.0, lead_days / 21))
    on_hand = safety + weekly * rng.uniform(0.5, 4.0)
    stock_rows.append(
        [number, amount(on_hand, p["unit"]), amount(safety, p["unit"]), amount(weekly, p["unit"])]
    )


def write(name: str, header: list[str], rows: list[list[str]] | list[tuple[str, ...]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


write("organizations.csv", ["code", "name", "role", "country", "kvk", "lei", "gln", "website"], org_rows)
write("sites.csv", ["code", "organization", "name", "country", "city", "address", "gln"], site_rows)
write("materials.csv", ["code", "name", "family", "cas_number"], [list(m) for m in MATERIALS])
fields = [
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
]
write("parts.csv", fields, [[p[f] for f in fields] for p in parts])


def split_unit(parent: str, quantity: str) -> list[str]:
    """Return quantity and unit cells: the harness module's lines use the unit column, the rest do not."""
    value, _, unit = quantity.partition(" ")
    return [value, unit] if parent == "WS-1600" and unit else [quantity, ""]


write(
    "bom.csv",
    ["parent", "child", "quantity", "unit", "position"],
    [[p, c, *split_unit(p, q), pos] for p, c, q, pos in bom],
)
# Bulky parts state how much of each material they hold, as a drawing's material list does; small parts
# and electronics state shares of their mass, as a supplier's material declaration does. Masses are
# rounded down so that a part never seems to hold more than it weighs.
MASS_STATED = {
    "machined-aluminium",
    "machined-steel",
    "machined-invar",
    "ceramic-part",
    "tungsten-part",
    "casting",
    "sheet-metal",
    "optics",
    "power-supply",
    "isolator",
    "motor",
    "laser",
}


def material_mass(fraction: str, part_mass_kg: float) -> str:
    kg = float(fraction.removesuffix("%")) / 100 * part_mass_kg
    # Rounding to 9 places first keeps 0.98 x 28 kg at 27.44 kg instead of flooring 27.4399999... down.
    if kg >= 1:
        return f"{math.floor(round(kg * 1000, 9)) / 1000:g} kg"
    return f"{math.floor(round(kg * 1e4, 9)) / 10:g} g"


composition_rows = []
for number, material, mass, fraction, recycled in composition:
    if category_of[number] in MASS_STATED and fraction:
        mass, fraction = material_mass(fraction, masses[number]), ""
    composition_rows.append([number, material, mass, fraction, recycled])
write(
    "composition.csv",
    ["part_number", "material", "mass", "mass_fraction", "recycled_share"],
    composition_rows,
)
write(
    "sourcing.csv",
    ["part_number", "site", "share", "lead_time_days", "price_eur", "qualified_alternate"],
    sourcing_rows,
)
write("stock.csv", ["part_number", "on_hand", "safety_stock", "weekly_usage"], stock_rows)
print(f"{len(parts)} parts, {len(bom)} BOM lines, {len(ORGS) - 1} suppliers")
