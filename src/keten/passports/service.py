"""Passports over keten's data: content built from the catalog, footprints and hand-written input;
issued and changed only by new, signed, hash-chained revisions; read filtered to the caller's tier.

A model passport holds every section. A batch or item passport holds its identification and
as-built BOM and names the model revision (by its hash) whose other sections it inherits, so
issuing 100,000 serialized machines writes 100,000 small revisions, not 100,000 copies of the
model's content. Every read goes through :func:`view`, which drops each field above the reader's
tier, in every format.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, get_args

import numpy as np
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from keten.catalog import service as catalog
from keten.catalog.models import BomLine, Material, Part, PartMaterial
from keten.core import bom as core_bom
from keten.footprints import service as footprints
from keten.lru import SegmentedLru
from keten.partners.models import Organization, Site, Sourcing, User
from keten.passports import regulatory, signing
from keten.passports.models import (
    TIERS,
    PassportGrant,
    PassportInput,
    PassportKey,
    PassportMember,
    PassportRecord,
    PassportRevision,
)
from keten.passports.schemas import (
    AsBuiltLine,
    CarbonFootprint,
    Circularity,
    Composition,
    CriticalRawMaterial,
    DisassemblyStep,
    Document,
    EndOfLifeRoute,
    Facility,
    Identification,
    MachineLifecycle,
    MaterialShare,
    Owner,
    Party,
    PassportContent,
    PassportInputData,
    SparePart,
    SubstanceOfConcern,
    check_gtin,
    tier_of,
)
from keten.problems import Problem
from keten.timestamps import utc_now

__all__ = [
    "CRM_FILE",
    "INPUT_FILES",
    "RANK",
    "Crm",
    "add_member",
    "build_model_content",
    "caller_tier",
    "content",
    "digital_link",
    "document",
    "document_json",
    "find",
    "follow_machine",
    "get",
    "get_input",
    "give_gtin",
    "grant",
    "gtins_of",
    "import_inputs",
    "issue",
    "issue_serials",
    "item_serials",
    "jwks",
    "link_of",
    "list_grants",
    "list_passports",
    "product_view",
    "read_inputs",
    "revise",
    "revisions",
    "revoke_grant",
    "set_input",
    "signing_key",
    "verify_chain",
    "view",
]

REPO = Path(__file__).resolve().parents[3]
CRM_FILE = REPO / "data" / "crm" / "crm_eu_2023.csv"
RANK = {tier: i for i, tier in enumerate(TIERS)}
_BATCH = 2000


# --- tiers ------------------------------------------------------------------------------------


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


@cache
def _fields(model: type[BaseModel]) -> dict[str, tuple[int, type[BaseModel] | None]]:
    """Return {JSON key: (tier rank, nested content model)} of a content model; every field needs a tier."""
    out = {}
    for name, info in model.model_fields.items():
        tier = tier_of(info.metadata)
        if tier is None:
            raise TypeError(f"{model.__name__}.{name} has no access tier")
        out[info.alias or name] = (RANK[tier], _nested_model(info.annotation))
    return out


def _view(model: type[BaseModel], data: dict[str, Any], rank: int) -> dict[str, Any]:
    fields = _fields(model)
    out: dict[str, Any] = {}
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None or spec[0] > rank:
            continue
        nested = spec[1]
        if nested is not None and isinstance(value, list):
            value = [_view(nested, v, rank) if isinstance(v, dict) else v for v in value]
        elif nested is not None and isinstance(value, dict):
            value = _view(nested, value, rank)
        out[key] = value
    return out


def view(data: dict[str, Any], tier: str) -> dict[str, Any]:
    """Return passport content (JSON, camelCase) with every field above ``tier`` left out.

    Keys the content model does not know are left out too, so nothing unclassified can leak.
    """
    return _view(PassportContent, data, RANK[tier])


def caller_tier(session: Session, *, user_id: int | None) -> str:
    """Return the tier of a caller: public without sign-in; the tier granted to the organization of a
    partner's user (public without a grant); owner for the company's own users."""
    if user_id is None:
        return "public"
    row = session.execute(
        select(Organization.role, PassportGrant.tier)
        .select_from(PassportMember)
        .join(Organization, Organization.id == PassportMember.organization_id)
        .outerjoin(PassportGrant, PassportGrant.organization_id == Organization.id)
        .where(PassportMember.user_id == user_id)
    ).first()
    if row is None or row[0] == "own":
        return "owner"
    return str(row[1]) if row[1] else "public"


def grant(
    session: Session, *, organization: str, tier: str, note: str | None = None, username: str | None = None
) -> PassportGrant:
    """Return the organization's grant, now of ``tier`` (a new grant or a changed one)."""
    org = session.scalar(select(Organization).where(Organization.code == organization))
    if org is None:
        raise Problem(404, "Not Found", f"there is no organization {organization!r}")
    if org.role == "own":
        raise Problem(422, "Own company", "the own company reads every passport as owner already")
    if tier not in ("legitimate_interest", "authority"):
        raise Problem(422, "Unknown tier", "a grant is of tier legitimate_interest or authority")
    row = session.scalar(select(PassportGrant).where(PassportGrant.organization_id == org.id))
    if row is None:
        row = PassportGrant(organization_id=org.id, tier=tier)
        session.add(row)
    row.tier, row.note, row.granted_by, row.granted_at = tier, note, username, utc_now()
    session.flush()
    return row


def revoke_grant(session: Session, *, organization: str) -> None:
    """Withdraw an organization's grant; its users read at the public tier from now on."""
    org_id = session.scalar(select(Organization.id).where(Organization.code == organization))
    row = session.scalar(select(PassportGrant).where(PassportGrant.organization_id == org_id))
    if row is None:
        raise Problem(404, "Not Found", f"organization {organization!r} has no passport grant")
    session.delete(row)
    session.flush()


def list_grants(session: Session) -> list[dict[str, Any]]:
    """Return every grant with its organization."""
    rows = session.execute(
        select(Organization.code, Organization.name, PassportGrant)
        .join(PassportGrant, PassportGrant.organization_id == Organization.id)
        .order_by(Organization.code)
    ).all()
    return [
        {
            "organization": code,
            "organization_name": name,
            "tier": g.tier,
            "granted_at": g.granted_at,
            "granted_by": g.granted_by,
            "note": g.note,
        }
        for code, name, g in rows
    ]


def add_member(session: Session, *, username: str, organization: str) -> PassportMember:
    """Return the link that makes a user read passports on behalf of a partner organization."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise Problem(404, "Not Found", f"there is no user {username!r}")
    org_id = session.scalar(select(Organization.id).where(Organization.code == organization))
    if org_id is None:
        raise Problem(404, "Not Found", f"there is no organization {organization!r}")
    row = session.scalar(select(PassportMember).where(PassportMember.user_id == user.id))
    if row is None:
        row = PassportMember(user_id=user.id, organization_id=org_id)
        session.add(row)
    row.organization_id = org_id
    session.flush()
    return row


# --- keys -------------------------------------------------------------------------------------


def signing_key(session: Session) -> signing.KeyPair:
    """Return the company's active signing key, making one on first use."""
    row = session.scalar(
        select(PassportKey).where(PassportKey.active.is_(True)).order_by(PassportKey.id.desc())
    )
    if row is None:
        key_id, public, private = signing.generate()
        row = PassportKey(key_id=key_id, public_key=public, private_key=private, active=True)
        session.add(row)
        session.flush()
    return signing.KeyPair(row.key_id, row.public_key, row.private_key)


def jwks(session: Session) -> dict[str, Any]:
    """Return every public key the company ever signed with, as a JWK set (old revisions keep verifying)."""
    rows = session.scalars(select(PassportKey).order_by(PassportKey.id)).all()
    return {"keys": [signing.jwk(r.key_id, r.public_key) for r in rows]}


# --- hand-written input -----------------------------------------------------------------------

REGULATORY_COLUMNS = (
    "operator_id",
    "operator_street_address",
    "operator_postal_code",
    "operator_locality",
    "operator_country",
    "facility_id",
    "importer",
    "importer_eori",
    "authorised_representative",
    "renewable_content_share",
    "footprint_performance_class",
    "footprint_standard",
    "footprint_study_url",
    "repairability_score",
    "repairability_method",
    "registry_id",
    "backup_provider",
    "backup_url",
    "due_diligence_report_title",
    "due_diligence_report_url",
    "due_diligence_report_issued_by",
)
"""Columns of product.csv for the fields ESPR and the Battery Regulation ask (keten.passports.regulatory)."""
_LISTS = {"tools", "hazard_classes", "legislation"}
"""Columns that hold a list, separated by ``;``."""
INPUT_FILES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "product.csv": (
        None,
        (
            "gtin",
            "product_category",
            "commodity_code",
            "facility",
            "contact_email",
            "expected_lifetime_years",
            "warranty_years",
            "spare_parts_available_years",
            "repairability",
            "notes",
            *REGULATORY_COLUMNS,
        ),
    ),
    "repair.csv": ("repair_instructions", ("instruction",)),
    "spare_parts.csv": ("spare_parts", ("spare_part_number", "available_years")),
    "disassembly.csv": (
        "disassembly",
        ("step", "description", "tools", "fasteners", "time_minutes", "hazards"),
    ),
    "end_of_life.csv": ("end_of_life", ("component", "route", "note")),
    "substances.csv": (
        "substances",
        (
            "name",
            "cas_number",
            "ec_number",
            "location",
            "mass_kg",
            "concentration_percent",
            "hazard_classes",
            "scip_number",
            "reason",
            "handling",
        ),
    ),
    "labels.csv": ("labels", ("name", "legislation", "url", "issued_by", "valid_until")),
    "documents.csv": ("documents", ("kind", "title", "url", "issued_by", "valid_until", "tier")),
}
"""The CSV files of hand-written input: (list field they fill, or None for one row per product;
their columns besides ``part_number``). ``source`` and ``licence`` columns are allowed and kept out."""
_IGNORED_COLUMNS = {"source", "licence"}
_ADDRESS = ("street_address", "postal_code", "locality", "country")


def _input_row(file: str, row: dict[str, str]) -> Any:
    values: dict[str, Any] = {k: v.strip() for k, v in row.items() if v is not None and v.strip() != ""}
    if file == "repair.csv":
        return values.get("instruction", "")
    if file == "spare_parts.csv":
        values["part_number"] = values.pop("spare_part_number", "")
    for column in _LISTS & set(values):
        values[column] = [t.strip() for t in values[column].split(";") if t.strip()]
    address = {k: values.pop(f"operator_{k}") for k in _ADDRESS if f"operator_{k}" in values}
    if address:
        values["operator_address"] = address
    return values


def read_inputs(folder: Path) -> dict[str, dict[str, Any]]:
    """Return {part number: raw input} from the CSV files of ``folder`` (and any ``*.json`` of
    {part number: input}); a 422 problem names each file, row and column that is wrong."""
    raw: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    if not names:
        raise Problem(422, "No input", f"{folder} is not a folder with passport input files")
    for name in sorted(names):
        path = folder / name
        if name.endswith(".json"):
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                errors.append({"file": name, "row": exc.lineno, "message": f"not JSON: {exc.msg}"})
                continue
            if not isinstance(loaded, dict):
                errors.append({"file": name, "message": "expected an object of part number: input"})
                continue
            for part_number, data in loaded.items():
                raw.setdefault(part_number, {}).update(data)
            continue
        if name not in INPUT_FILES:
            if name.endswith(".csv"):
                errors.append({"file": name, "message": f"unknown file; expected {', '.join(INPUT_FILES)}"})
            continue
        field, columns = INPUT_FILES[name]
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        header = set(reader.fieldnames or ())
        unknown = header - set(columns) - _IGNORED_COLUMNS - {"part_number"}
        if "part_number" not in header or unknown:
            errors.append(
                {
                    "file": name,
                    "row": 1,
                    "message": f"columns must be part_number, {', '.join(columns)}"
                    + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else ""),
                }
            )
            continue
        for number, row in enumerate(reader, start=2):
            part_number = (row.get("part_number") or "").strip()
            if not part_number:
                errors.append({"file": name, "row": number, "column": "part_number", "message": "empty"})
                continue
            target = raw.setdefault(part_number, {})
            value = _input_row(name, {k: v for k, v in row.items() if k in columns})
            if field is None:
                target.update(value)
            else:
                target.setdefault(field, []).append(value)
                target.setdefault("_rows", {}).setdefault(field, []).append((name, number))
    if errors:
        raise Problem(422, "Invalid passport input", f"{len(errors)} problems in {folder}", errors=errors)
    return raw


def _validate_inputs(raw: dict[str, dict[str, Any]]) -> dict[str, PassportInputData]:
    errors: list[dict[str, Any]] = []
    valid = {}
    for part_number, data in raw.items():
        rows = data.pop("_rows", {})
        try:
            valid[part_number] = PassportInputData.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(x) for x in err["loc"]]
                entry: dict[str, Any] = {"part": part_number, "field": ".".join(loc), "message": err["msg"]}
                if len(loc) >= 2 and loc[0] in rows and loc[1].isdigit() and int(loc[1]) < len(rows[loc[0]]):
                    entry["file"], entry["row"] = rows[loc[0]][int(loc[1])]
                    entry["column"] = loc[2] if len(loc) > 2 else None
                errors.append(entry)
    if errors:
        raise Problem(422, "Invalid passport input", f"{len(errors)} problems in the input", errors=errors)
    return valid


def set_input(session: Session, *, part_number: str, data: PassportInputData) -> PassportInput:
    """Return the stored hand-written input of a part, now ``data``."""
    part = catalog.get_part(session, part_number=part_number)
    row = session.scalar(select(PassportInput).where(PassportInput.part_id == part.id))
    payload = data.model_dump(mode="json", exclude_none=True)
    if row is None:
        row = PassportInput(part_id=part.id, data=payload)
        session.add(row)
    else:
        row.data = payload
    session.flush()
    return row


def get_input(session: Session, *, part_number: str) -> PassportInputData:
    """Return the hand-written input of a part (empty if none was given)."""
    part = catalog.get_part(session, part_number=part_number)
    data = session.scalar(select(PassportInput.data).where(PassportInput.part_id == part.id))
    return PassportInputData.model_validate(data or {})


def _valid_gtin(gtin: str) -> str:
    try:
        return check_gtin(gtin)
    except ValueError as exc:
        message = str(exc)
        raise Problem(422, "Invalid GTIN", message, errors=[{"field": "gtin", "message": message}]) from None


def give_gtin(session: Session, *, part_number: str, gtin: str) -> str:
    """Return the product's GTIN (14 digits), now ``gtin`` if it had none; a 409 problem if it has another."""
    given = _valid_gtin(gtin)
    data = get_input(session, part_number=part_number)
    if data.gtin is not None and data.gtin != given:
        raise Problem(409, "Another GTIN", f"{part_number} has GTIN {data.gtin} already, not {given}")
    if data.gtin is None:
        set_input(session, part_number=part_number, data=data.model_copy(update={"gtin": given}))
    return given


def import_inputs(session: Session, raw: dict[str, dict[str, Any]]) -> int:
    """Store the input of every part in ``raw`` (all or nothing) and return how many parts got one."""
    valid = _validate_inputs(raw)
    known = dict(
        session.execute(select(Part.part_number, Part.id).where(Part.part_number.in_(list(valid)))).all()
    )
    missing = sorted(set(valid) - set(known))
    if missing:
        raise Problem(
            422,
            "Unknown parts",
            f"no part {', '.join(missing[:20])} in the catalog",
            errors=[{"part": p, "message": "not in the catalog"} for p in missing],
        )
    for part_number, data in valid.items():
        set_input(session, part_number=part_number, data=data)
    return len(valid)


# --- content ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Crm:
    """An entry of the EU 2023 critical raw materials list."""

    code: str
    name: str
    strategic: bool
    members: tuple[str, ...]


@cache
def _crm_list(path: Path = CRM_FILE) -> tuple[Crm, ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(
            Crm(
                code=r["code"],
                name=r["material"],
                strategic=r["strategic"] == "yes",
                members=tuple(m for m in (r.get("members") or "").split(";") if m),
            )
            for r in csv.DictReader(handle)
            if r["critical"] == "yes"
        )


def _crm_of(material_code: str) -> Crm | None:
    for entry in _crm_list():
        if material_code == entry.code or material_code in entry.members:
            return entry
    return None


def digital_link(resolver: str, gtin: str, *, serial: str | None = None, batch: str | None = None) -> str:
    """Return the GS1 Digital Link URI of a GTIN, with its serial (AI 21) or batch (AI 10)."""
    path = f"/01/{gtin}"
    if serial is not None:
        path += f"/21/{serial}"
    elif batch is not None:
        path += f"/10/{batch}"
    return resolver.rstrip("/") + path


def _link_path(gtin: str, serial: str | None, batch: str | None) -> str:
    return digital_link("", gtin, serial=serial, batch=batch)


def _exploded(session: Session, part: Part) -> dict[int, float]:
    """Return {part id: quantity in one unit of ``part``} over its whole BOM, itself included."""
    arrays = catalog.load_bom_graph(session)
    root = arrays.part_index.index(part.id)
    totals = core_bom.explode(arrays.graph, root, 1.0)
    inside = np.flatnonzero(totals > 0)
    return {arrays.part_index.key(int(i)): float(totals[i]) for i in inside}


def _composition(
    session: Session, part: Part, quantities: dict[int, float], data: PassportInputData
) -> Composition:
    rows = session.execute(
        select(
            PartMaterial.part_id,
            Material.code,
            Material.name,
            Material.family,
            Material.cas_number,
            PartMaterial.mass_kg,
            PartMaterial.recycled_share,
        )
        .join(Material, Material.id == PartMaterial.material_id)
        .where(PartMaterial.part_id.in_(list(quantities)))
    ).all()
    mass: dict[str, float] = {}
    recycled: dict[str, float] = {}
    info: dict[str, tuple[str, str, str | None]] = {}
    for part_id, code, name, family, cas, kg, share in rows:
        amount = quantities[part_id] * kg
        mass[code] = mass.get(code, 0.0) + amount
        recycled[code] = recycled.get(code, 0.0) + amount * share
        info[code] = (name, family, cas)
    total = sum(mass.values())
    materials = [
        MaterialShare(
            code=code,
            name=info[code][0],
            family=info[code][1],
            cas_number=info[code][2],
            mass_kg=round(kg, 6),
            mass_fraction=round(kg / part.mass_kg, 6) if part.mass_kg else None,
            recycled_share=round(recycled[code] / kg, 4) if kg else 0.0,
        )
        for code, kg in sorted(mass.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    by_crm: dict[str, tuple[Crm, list[str], float, float]] = {}
    for code, kg in mass.items():
        entry = _crm_of(code)
        if entry is None:
            continue
        _, names, sum_kg, sum_recycled = by_crm.get(entry.code, (entry, [], 0.0, 0.0))
        by_crm[entry.code] = (entry, [*names, code], sum_kg + kg, sum_recycled + recycled[code])
    crms = [
        CriticalRawMaterial(
            crm=entry.code,
            name=entry.name,
            strategic=entry.strategic,
            materials=sorted(names),
            mass_kg=round(kg, 6),
            recycled_share=round(rec / kg, 4) if kg else 0.0,
        )
        for entry, names, kg, rec in sorted(by_crm.values(), key=lambda v: -v[2])
    ]
    # A substance given without its mass weighs what the BOM holds of the material with its CAS number.
    by_cas = {info[code][2]: kg for code, kg in mass.items() if info[code][2]}
    substances = [
        SubstanceOfConcern(
            name=s.name,
            cas_number=s.cas_number,
            location=s.location,
            mass_kg=s.mass_kg if s.mass_kg is not None else _rounded(by_cas.get(s.cas_number or "")),
            reason=s.reason,
            handling=s.handling,
        )
        for s in data.substances
    ]
    return Composition(
        total_mass_kg=part.mass_kg,
        recycled_content_share=round(sum(recycled.values()) / total, 4) if total else None,
        critical_raw_materials=crms,
        substances_of_concern=substances,
        materials=materials,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _footprint(session: Session, part_number: str) -> CarbonFootprint | None:
    try:
        run = footprints.latest(session, part_number=part_number)
    except Problem:
        return None
    summary = footprints.run_summary(session, run)
    return CarbonFootprint(
        total_kg_co2e=round(summary["total_kg_co2e"], 3),
        cradle_to_gate_kg_co2e=round(summary["cradle_to_gate_kg_co2e"], 3),
        by_stage={k: round(v, 3) for k, v in summary["by_stage"].items()},
        primary_data_share=summary["primary_data_share"],
        computed_at=_aware(summary["computed_at"]),
        factor_set=summary["factor_set"],
        factor_set_version=summary["factor_set_version"],
        input_revisions=summary["input_revisions"],
        top_contributors=list(summary["top_parts"])[:10],
    )


def _operator_and_facility(session: Session, data: PassportInputData) -> tuple[Party | None, Facility | None]:
    own = session.scalar(select(Organization).where(Organization.role == "own").order_by(Organization.id))
    if own is None:
        return None, None
    party = Party(
        name=own.name,
        country=own.country,
        lei=own.lei,
        gln=own.gln,
        chamber_of_commerce_number=own.kvk,
        website=own.website,
        contact_email=data.contact_email,
    )
    query = select(Site).where(Site.organization_id == own.id).order_by(Site.code)
    if data.facility:
        query = select(Site).where(Site.code == data.facility)
    site = session.scalars(query).first()
    if data.facility and site is None:
        raise Problem(
            422, "Unknown facility", f"the passport input names facility {data.facility!r}, no site"
        )
    facility = (
        Facility(name=site.name, country=site.country, city=site.city, gln=site.gln, address=site.address)
        if site
        else None
    )
    return party, facility


def _circularity(session: Session, data: PassportInputData) -> Circularity:
    numbers = [s.part_number for s in data.spare_parts]
    names = dict(
        session.execute(select(Part.part_number, Part.name).where(Part.part_number.in_(numbers))).all()
    )
    lead = dict(
        session.execute(
            select(Part.part_number, func.min(Sourcing.lead_time_days))
            .join(Sourcing, Sourcing.part_id == Part.id)
            .where(Part.part_number.in_(numbers))
            .group_by(Part.part_number)
        ).all()
    )
    unknown = [n for n in numbers if n not in names]
    if unknown:
        raise Problem(422, "Unknown spare parts", f"spare parts not in the catalog: {', '.join(unknown)}")
    return Circularity(
        expected_lifetime_years=data.expected_lifetime_years,
        warranty_years=data.warranty_years,
        spare_parts_available_years=data.spare_parts_available_years,
        repairability=data.repairability,
        repair_instructions=list(data.repair_instructions),
        spare_parts=[
            SparePart(
                part_number=s.part_number,
                name=names[s.part_number],
                available_years=s.available_years,
                lead_time_days=lead.get(s.part_number),
            )
            for s in data.spare_parts
        ],
        disassembly=[
            DisassemblyStep(
                step=s.step,
                description=s.description,
                tools=list(s.tools),
                fasteners=s.fasteners,
                time_minutes=s.time_minutes,
                hazards=s.hazards,
            )
            for s in sorted(data.disassembly, key=lambda s: s.step)
        ],
        end_of_life=[
            EndOfLifeRoute(component=e.component, route=e.route, note=e.note) for e in data.end_of_life
        ],
    )


def _suppliers(session: Session, part_ids: Iterable[int]) -> list[str]:
    ids = list(part_ids)
    names: set[str] = set()
    for start in range(0, len(ids), _BATCH):
        names.update(
            session.scalars(
                select(Organization.name)
                .join(Site, Site.organization_id == Organization.id)
                .join(Sourcing, Sourcing.site_id == Site.id)
                .where(Sourcing.part_id.in_(ids[start : start + _BATCH]))
            ).all()
        )
    return sorted(names)


def _gtin_of(data: PassportInputData, part_number: str) -> str:
    if data.gtin is None:
        raise Problem(
            422,
            "No GTIN",
            f"part {part_number!r} has no GTIN; give it one in its passport input (product.csv, gtin)",
        )
    return data.gtin


def _identification_data(
    part: Part, data: PassportInputData, *, gtin: str | None, serial: str | None, resolver: str
) -> dict[str, Any]:
    """Return the identification of a product model (or, with ``serial``, an item) as JSON, but its UUID."""
    link = digital_link(resolver, gtin, serial=serial) if gtin else None
    return {
        "granularity": "item" if serial else "model",
        "gtin": gtin,
        "serialNumber": serial,
        "digitalLink": link,
        "globalAssetId": link,
        "partNumber": part.part_number,
        "productName": part.name,
        "description": part.description,
        "productCategory": data.product_category or part.category,
        "commodityCode": data.commodity_code or part.hs_code,
    }


def _model_sections(session: Session, part: Part, data: PassportInputData) -> dict[str, Any]:
    """Return every section of a model passport but its identification, from the current data."""
    quantities = _exploded(session, part)
    party, facility = _operator_and_facility(session, data)
    documents = [d for d in data.documents if d.tier == "public"]
    technical = [d for d in data.documents if d.tier == "authority"]
    return {
        "economic_operator": party,
        "facility": facility,
        "composition": _composition(session, part, quantities, data),
        "carbon_footprint": _footprint(session, part.part_number),
        "circularity": _circularity(session, data),
        "documents": [_document(d) for d in documents],
        "technical_documentation": [_document(d) for d in technical],
        "owner": Owner(
            revenue_per_unit_eur=part.revenue_per_unit_eur,
            suppliers=_suppliers(session, quantities),
            notes=data.notes,
        ),
    }


def build_model_content(session: Session, *, part: Part, uid: str, resolver: str) -> PassportContent:
    """Return the full content of a product model's passport from the current data."""
    data = get_input(session, part_number=part.part_number)
    gtin = _gtin_of(data, part.part_number)
    ident = _identification_data(part, data, gtin=gtin, serial=None, resolver=resolver)
    content = PassportContent(
        identification=Identification.model_validate({"uniqueProductIdentifier": f"urn:uuid:{uid}", **ident}),
        **_model_sections(session, part, data),
    )
    return regulatory.complete(session, content, data, product_mass_kg=part.mass_kg)


def product_view(
    session: Session,
    *,
    part_number: str,
    tier: str,
    resolver: str,
    serial: str | None = None,
    gtin: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Return what a reader of ``tier`` sees of a product's passport, and the signed download it is from.

    That is the item passport of ``serial`` (else the model passport) when it is issued; when it is
    not, the content its passport would have from the current data, unsigned (no download), whose
    GTIN is the one given, else the one of the passport input; without one the asset has no Digital
    Link. A GTIN given that differs from the product's own is refused.
    """
    if tier not in RANK:
        raise Problem(422, "Unknown tier", f"unknown access tier {tier!r}; one of {', '.join(TIERS)}")
    part = catalog.get_part(session, part_number=part_number)
    data = get_input(session, part_number=part_number)
    query = select(PassportRecord).where(PassportRecord.part_id == part.id)
    query = (
        query.where(PassportRecord.serial == serial)
        if serial
        else query.where(PassportRecord.level == "model")
    )
    record = session.scalars(query).first()
    known = record.gtin if record is not None else data.gtin
    if gtin is not None:
        given = _valid_gtin(gtin)
        if known is not None and given != known:
            raise Problem(
                422,
                "Another GTIN",
                f"{part_number} has GTIN {known}; the GTIN given, {given}, is another: leave it out",
            )
        known = given
    if record is not None:
        downloaded = document(session, record=record, tier=tier)
        return downloaded["passport"], downloaded
    unsigned = regulatory.complete(
        session,
        PassportContent.model_construct(**_model_sections(session, part, data)),
        data,
        product_mass_kg=part.mass_kg,
    )
    content: dict[str, Any] = unsigned.model_dump(mode="json", by_alias=True, exclude={"identification"})
    content["identification"] = _identification_data(part, data, gtin=known, serial=serial, resolver=resolver)
    if serial:
        content["asBuilt"] = [
            line.model_dump(mode="json", by_alias=True) for line in _as_built(session, part.id)
        ]
    return view(content, tier), None


def _document(d: Any) -> Document:
    return Document(kind=d.kind, title=d.title, url=d.url, issued_by=d.issued_by, valid_until=d.valid_until)


def _as_built(session: Session, part_id: int) -> list[AsBuiltLine]:
    rows = session.execute(
        select(BomLine.position, Part.part_number, Part.name, BomLine.quantity)
        .join(Part, Part.id == BomLine.child_id)
        .where(BomLine.parent_id == part_id)
        .order_by(BomLine.position, Part.part_number)
    ).all()
    return [AsBuiltLine(position=r[0], part_number=r[1], name=r[2], quantity=r[3]) for r in rows]


def _dump(content: PassportContent) -> dict[str, Any]:
    data: dict[str, Any] = content.model_dump(mode="json", by_alias=True)
    return data


# --- revisions --------------------------------------------------------------------------------


def _header(
    uid: str, number: int, previous: str | None, views: dict[str, str], key_id: str, issued: str
) -> dict[str, Any]:
    return {
        "type": signing.HEADER_TYPE,
        "passport": f"urn:uuid:{uid}",
        "revision": number,
        "previous": previous,
        "issued": issued,
        "key": key_id,
        "views": views,
    }


def _revision_row(
    key: signing.KeyPair,
    *,
    passport_id: int,
    uid: str,
    number: int,
    previous: str | None,
    data: dict[str, Any],
    username: str | None,
    issued: datetime,
) -> dict[str, Any]:
    """Return the column values of a new signed revision of ``data``."""
    salts = {tier: signing.new_salt() for tier in TIERS}
    views = {tier: signing.view_hash(salts[tier], view(data, tier)) for tier in TIERS}
    header = _header(uid, number, previous, views, key.key_id, issued.isoformat())
    header_bytes = signing.canonical(header)
    return {
        "passport_id": passport_id,
        "number": number,
        "content": signing.canonical(data).decode("utf-8"),
        "salts": salts,
        "header": header_bytes.decode("utf-8"),
        "sha256": signing.sha256_hex(header_bytes),
        "previous_sha256": previous,
        "signature": key.sign(header_bytes),
        "key_id": key.key_id,
        "created_at": issued,
        "created_by": username,
    }


def _current(session: Session, record: PassportRecord) -> PassportRevision | None:
    return session.scalar(
        select(PassportRevision).where(
            PassportRevision.passport_id == record.id, PassportRevision.number == record.current_revision
        )
    )


def _append(
    session: Session, record: PassportRecord, data: dict[str, Any], username: str | None
) -> PassportRevision | None:
    """Add a revision of ``data`` to ``record``, or return None when the content is unchanged."""
    current = _current(session, record)
    if current is not None and current.content == signing.canonical(data).decode("utf-8"):
        return None
    values = _revision_row(
        signing_key(session),
        passport_id=record.id,
        uid=record.uid,
        number=record.current_revision + 1,
        previous=current.sha256 if current else None,
        data=data,
        username=username,
        issued=utc_now(),
    )
    revision = PassportRevision(**values)
    session.add(revision)
    record.current_revision = revision.number
    session.flush()
    return revision


def get(session: Session, *, passport_id: str) -> PassportRecord:
    """Return a passport by its UUID (with or without ``urn:uuid:``); a 404 problem if unknown."""
    uid = passport_id.removeprefix("urn:uuid:")
    record = session.scalar(select(PassportRecord).where(PassportRecord.uid == uid))
    if record is None:
        raise Problem(404, "Not Found", f"there is no passport {passport_id!r}")
    return record


def link_of(session: Session, record: PassportRecord) -> str:
    """Return the GS1 Digital Link URI the passport's current revision was signed with."""
    current = _current(session, record)
    if current is None:
        raise Problem(404, "Not Found", f"passport {record.uid} has no revision yet")
    return str(json.loads(current.content)["identification"]["digitalLink"])


def find(
    session: Session, *, gtin: str, serial: str | None = None, batch: str | None = None
) -> PassportRecord:
    """Return the passport a GS1 Digital Link names; a 404 problem if none."""
    record = session.scalar(
        select(PassportRecord).where(PassportRecord.link == _link_path(gtin, serial, batch))
    )
    if record is None:
        raise Problem(404, "Not Found", f"no passport is known for {_link_path(gtin, serial, batch)}")
    return record


def gtins_of(session: Session, *, part_numbers: Iterable[str]) -> set[str]:
    """Return the GTINs of the passports of ``part_numbers`` (model, batch and item passports)."""
    numbers = sorted(set(part_numbers))
    if not numbers:
        return set()
    return set(session.scalars(select(PassportRecord.gtin).where(PassportRecord.part_number.in_(numbers))))


def _model_record(session: Session, part: Part) -> PassportRecord | None:
    return session.scalar(
        select(PassportRecord).where(PassportRecord.part_id == part.id, PassportRecord.level == "model")
    )


def _issue_model(session: Session, part: Part, *, resolver: str, username: str | None) -> PassportRecord:
    uid = str(uuid.uuid4())
    content = build_model_content(session, part=part, uid=uid, resolver=resolver)
    gtin = content.identification.gtin
    path = _link_path(gtin, None, None)
    if session.scalar(select(PassportRecord.id).where(PassportRecord.link == path)) is not None:
        raise Problem(409, "Conflict", f"a passport for {path} exists already")
    record = PassportRecord(
        uid=uid, level="model", part_id=part.id, part_number=part.part_number, gtin=gtin, link=path
    )
    session.add(record)
    session.flush()
    _append(session, record, _dump(content), username)
    return record


def _item_data(
    model: PassportRecord,
    model_revision: PassportRevision,
    model_content: dict[str, Any],
    *,
    uid: str,
    level: str,
    serial: str | None,
    batch: str | None,
    production_date: date | None,
    resolver: str,
    as_built: list[dict[str, Any]],
) -> dict[str, Any]:
    ident = dict(model_content["identification"])
    link = digital_link(resolver, model.gtin, serial=serial, batch=batch)
    ident.update(
        {
            "uniqueProductIdentifier": f"urn:uuid:{uid}",
            "granularity": level,
            "serialNumber": serial,
            "batchNumber": batch,
            "digitalLink": link,
            "globalAssetId": link,
            "productionDate": production_date.isoformat() if production_date else None,
            "model": {
                "id": f"urn:uuid:{model.uid}",
                "revision": model_revision.number,
                "sha256": model_revision.sha256,
            },
        }
    )
    return {"identification": ident, "asBuilt": as_built}


def issue(
    session: Session,
    *,
    part_number: str,
    level: str = "model",
    serials: Sequence[str] = (),
    batch: str | None = None,
    production_date: date | None = None,
    resolver: str,
    username: str | None = None,
) -> list[PassportRecord]:
    """Return new passports: the model passport of a product, or batch or item passports.

    A batch or item passport needs the model passport, which is issued first when missing. A 409
    problem if a passport for the same Digital Link exists.
    """
    part = catalog.get_part(session, part_number=part_number)
    model = _model_record(session, part)
    if level == "model":
        if model is not None:
            raise Problem(409, "Conflict", f"{part_number} has a model passport; revise it instead")
        return [_issue_model(session, part, resolver=resolver, username=username)]
    if model is None:
        model = _issue_model(session, part, resolver=resolver, username=username)
    if level == "batch":
        if not batch:
            raise Problem(422, "No batch number", "a batch passport needs a batch number")
        return _issue_children(
            session,
            model,
            [(None, batch)],
            level="batch",
            production_date=production_date,
            resolver=resolver,
            username=username,
        )
    if not serials:
        raise Problem(422, "No serial numbers", "item passports need at least one serial number")
    if len(set(serials)) != len(serials):
        raise Problem(422, "Duplicate serial numbers", "each serial number may occur once")
    return _issue_children(
        session,
        model,
        [(s, batch) for s in serials],
        level="item",
        production_date=production_date,
        resolver=resolver,
        username=username,
    )


def _chunks(items: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f]*')
"""Text that JSON writes as it is, without escapes."""
_PASSPORTS: Table = PassportRecord.__table__  # type: ignore[assignment]
_REVISIONS: Table = PassportRevision.__table__  # type: ignore[assignment]


class _ItemTemplate:
    """Revisions of many items of one model, which differ only in UUID, serial and batch number.

    The canonical JSON of the content and of each tier's view is made once with stand-in tokens,
    and each item's text is the template with its own values put in: the same bytes as serializing
    each item, for values that JSON writes without escapes (UUIDs, and serial and batch numbers,
    whose characters the schema limits). Anything else goes the slow way.
    """

    _UID, _SERIAL, _BATCH = "kEtEnUiDtOkEn", "kEtEnSeRiAlToKeN", "kEtEnBaTcHtOkEn"

    def __init__(
        self,
        item_data: Any,
        *,
        username: str | None,
        issued: datetime,
    ) -> None:
        self._item_data = item_data
        self._username = username
        self._issued = issued
        self._texts: dict[tuple[bool, bool], tuple[str, dict[str, str]]] = {}
        # Several tiers often see the same text (an item's sections are public or legitimate
        # interest only); each distinct text is filled in once per item.
        self._distinct: dict[tuple[bool, bool], list[str]] = {}
        self._header_checked = False

    def _template(self, has_serial: bool, has_batch: bool) -> tuple[str, dict[str, str]]:
        found = self._texts.get((has_serial, has_batch))
        if found is None:
            data = self._item_data(
                self._UID, self._SERIAL if has_serial else None, self._BATCH if has_batch else None
            )
            views = {tier: signing.canonical(view(data, tier)).decode("utf-8") for tier in TIERS}
            found = (signing.canonical(data).decode("utf-8"), views)
            self._distinct[(has_serial, has_batch)] = sorted(set(views.values()) | {found[0]})
            self._texts[(has_serial, has_batch)] = found
        return found

    def _fill(self, text: str, uid: str, serial: str | None, batch: str | None) -> str:
        text = text.replace(self._UID, uid)
        if serial is not None:
            text = text.replace(self._SERIAL, serial)
        if batch is not None:
            text = text.replace(self._BATCH, batch)
        return text

    def _header_bytes(self, uid: str, hashes: dict[str, str], key_id: str) -> bytes:
        # The canonical header written directly (keys in sorted order, every value plain text); the
        # first one is checked against the general serializer, so a change of the header cannot
        # silently sign something else.
        views = ",".join(f'"{tier}":"{hashes[tier]}"' for tier in sorted(TIERS))
        text = (
            f'{{"issued":"{self._issued.isoformat()}","key":"{key_id}","passport":"urn:uuid:{uid}",'
            f'"previous":null,"revision":1,"type":"{signing.HEADER_TYPE}","views":{{{views}}}}}'
        ).encode()
        if not self._header_checked:
            expected = signing.canonical(_header(uid, 1, None, hashes, key_id, self._issued.isoformat()))
            if text != expected:
                raise RuntimeError("the bulk header differs from the canonical header")
            self._header_checked = True
        return text

    def row(
        self, key: signing.KeyPair, *, passport_id: int, uid: str, serial: str | None, batch: str | None
    ) -> dict[str, Any]:
        """Return the column values of the first, signed revision of one item."""
        plain = all(v is None or _PLAIN.fullmatch(v) for v in (uid, serial, batch))
        if not plain:
            return _revision_row(
                key,
                passport_id=passport_id,
                uid=uid,
                number=1,
                previous=None,
                data=self._item_data(uid, serial, batch),
                username=self._username,
                issued=self._issued,
            )
        content, views = self._template(serial is not None, batch is not None)
        filled = {
            text: self._fill(text, uid, serial, batch).encode("utf-8")
            for text in self._distinct[(serial is not None, batch is not None)]
        }
        random = os.urandom(16 * len(TIERS))
        salt_bytes = {tier: random[16 * i : 16 * (i + 1)] for i, tier in enumerate(TIERS)}
        salts = {tier: b.hex() for tier, b in salt_bytes.items()}
        hashes = {tier: hashlib.sha256(salt_bytes[tier] + filled[views[tier]]).hexdigest() for tier in TIERS}
        header_bytes = self._header_bytes(uid, hashes, key.key_id)
        return {
            "passport_id": passport_id,
            "number": 1,
            "content": filled[content].decode("utf-8"),
            "salts": salts,
            "header": header_bytes.decode("utf-8"),
            "sha256": signing.sha256_hex(header_bytes),
            "previous_sha256": None,
            "signature": key.sign(header_bytes),
            "key_id": key.key_id,
            "created_at": self._issued,
            "created_by": self._username,
        }


def _issue_children(
    session: Session,
    model: PassportRecord,
    keys: Sequence[tuple[str | None, str | None]],
    *,
    level: str,
    production_date: date | None,
    resolver: str,
    username: str | None,
) -> list[PassportRecord]:
    """Insert batch or item passports with their first revision in bulk; returns them."""
    model_revision = _current(session, model)
    assert model_revision is not None
    model_content = json.loads(model_revision.content)
    as_built = (
        [line.model_dump(mode="json", by_alias=True) for line in _as_built(session, model.part_id)]
        if level == "item" and model.part_id is not None
        else []
    )
    paths = [_link_path(model.gtin, s, None if s else b) for s, b in keys]
    taken: list[str] = []
    for chunk in _chunks(paths):
        taken += session.scalars(select(PassportRecord.link).where(PassportRecord.link.in_(chunk))).all()
    if taken:
        raise Problem(
            409, "Conflict", f"{len(taken)} passports exist already, e.g. {taken[0]}", links=taken[:20]
        )
    key = signing_key(session)
    issued = utc_now()

    def item_data(uid: str, serial: str | None, batch: str | None) -> dict[str, Any]:
        return _item_data(
            model,
            model_revision,
            model_content,
            uid=uid,
            level=level,
            serial=serial,
            batch=batch,
            production_date=production_date,
            resolver=resolver,
            as_built=as_built,
        )

    template = _ItemTemplate(item_data, username=username, issued=issued)
    ids: list[int] = []
    uids = [str(uuid.uuid4()) for _ in keys]
    for start in range(0, len(keys), _BATCH):
        rows = [
            {
                "uid": uids[i],
                "level": level,
                "part_id": model.part_id,
                "part_number": model.part_number,
                "gtin": model.gtin,
                "serial": keys[i][0],
                "batch": keys[i][1],
                "link": paths[i],
                "model_id": model.id,
                "current_revision": 1,
                "created_at": issued,
            }
            for i in range(start, min(start + _BATCH, len(keys)))
        ]
        # Core statements: the ORM's bulk path costs more than the rows for 100,000 small revisions,
        # and an executemany without RETURNING stays one batch on SQLite; the ids are read back.
        connection = session.connection()
        connection.execute(insert(_PASSPORTS), rows)
        chunk_uids = [r["uid"] for r in rows]
        statement = select(_PASSPORTS.c.uid, _PASSPORTS.c.id).where(_PASSPORTS.c.uid.in_(chunk_uids))
        found = {uid: id_ for uid, id_ in connection.execute(statement)}
        ids += [found[u] for u in chunk_uids]
        revisions = [
            template.row(key, passport_id=ids[i], uid=uids[i], serial=keys[i][0], batch=keys[i][1])
            for i in range(start, min(start + _BATCH, len(keys)))
        ]
        connection.execute(insert(_REVISIONS), revisions)
    return list(session.scalars(select(PassportRecord).where(PassportRecord.id.in_(ids[:1000]))))


def issue_serials(
    session: Session,
    *,
    part_number: str,
    count: int,
    prefix: str = "SN",
    start: int = 1,
    resolver: str,
    production_date: date | None = None,
    username: str | None = None,
) -> int:
    """Return ``count`` after issuing item passports for serials ``{prefix}{n:07d}`` from ``start``."""
    if count < 1:
        raise Problem(422, "Nothing to issue", "give a positive number of serials")
    serials = [f"{prefix}{n:07d}" for n in range(start, start + count)]
    issue(
        session,
        part_number=part_number,
        level="item",
        serials=serials,
        resolver=resolver,
        production_date=production_date,
        username=username,
    )
    return count


def revise(
    session: Session,
    *,
    passport_id: str,
    resolver: str,
    username: str | None = None,
    content: PassportContent | None = None,
) -> PassportRevision | None:
    """Return a new revision of a passport built from the current data (or ``content`` as given),
    or None when nothing changed. A batch or item passport moves to the model's current revision."""
    record = get(session, passport_id=passport_id)
    if content is not None:
        data = _dump(content)
    elif record.level == "model":
        part = session.get(Part, record.part_id) if record.part_id else None
        if part is None:
            raise Problem(409, "Part gone", f"the part of passport {passport_id} is no longer in the catalog")
        data = _dump(build_model_content(session, part=part, uid=record.uid, resolver=resolver))
    else:
        model = session.get(PassportRecord, record.model_id)
        assert model is not None
        model_revision = _current(session, model)
        assert model_revision is not None
        current = _current(session, record)
        assert current is not None
        old = json.loads(current.content)
        ident = old["identification"]
        data = _item_data(
            model,
            model_revision,
            json.loads(model_revision.content),
            uid=record.uid,
            level=record.level,
            serial=record.serial,
            batch=record.batch,
            production_date=date.fromisoformat(ident["productionDate"])
            if ident.get("productionDate")
            else None,
            resolver=ident["digitalLink"][: -len(record.link)],
            as_built=old.get("asBuilt", []),
        )
        if "lifecycle" in old:
            data["lifecycle"] = old["lifecycle"]
    return _append(session, record, data, username)


def follow_machine(
    session: Session, *, gtin: str, serial: str, lifecycle: MachineLifecycle, username: str | None = None
) -> PassportRevision | None:
    """Return the new signed revision of a serialized machine's passport carrying ``lifecycle``
    (status, as-maintained modules, service record); None when the passport has it already or
    there is no item passport for ``gtin`` and ``serial``."""
    record = session.scalar(
        select(PassportRecord).where(PassportRecord.link == _link_path(gtin, serial, None))
    )
    if record is None:
        return None
    current = _current(session, record)
    assert current is not None
    data = {**json.loads(current.content), "lifecycle": lifecycle.model_dump(mode="json", by_alias=True)}
    return _append(session, record, data, username)


def item_serials(session: Session, *, gtins: Iterable[str]) -> set[tuple[str, str]]:
    """Return (GTIN, serial) of every item passport of ``gtins``."""
    wanted = sorted(set(gtins))
    if not wanted:
        return set()
    rows = session.execute(
        select(PassportRecord.gtin, PassportRecord.serial).where(
            PassportRecord.gtin.in_(wanted), PassportRecord.level == "item"
        )
    )
    return {(g, s) for g, s in rows if s is not None}


def revisions(session: Session, *, passport_id: str) -> list[PassportRevision]:
    """Return every revision of a passport, oldest first."""
    record = get(session, passport_id=passport_id)
    return list(
        session.scalars(
            select(PassportRevision)
            .where(PassportRevision.passport_id == record.id)
            .order_by(PassportRevision.number)
        )
    )


def list_passports(
    session: Session, *, level: str | None = None, q: str | None = None, limit: int, offset: int
) -> tuple[list[PassportRecord], int]:
    """Return one page of passports, newest first, and how many there are."""
    query = select(PassportRecord)
    if level:
        query = query.where(PassportRecord.level == level)
    if q:
        pattern = catalog.like_pattern(q)
        query = query.where(
            PassportRecord.part_number.like(pattern, escape="\\")
            | PassportRecord.link.like(pattern, escape="\\")
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(PassportRecord.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


# --- reading ----------------------------------------------------------------------------------


def _chain(session: Session, record: PassportRecord) -> list[PassportRevision]:
    """Return the current revision of the passport and, for a batch or item, the model revision it names."""
    current = _current(session, record)
    if current is None:
        raise Problem(404, "Not Found", f"passport {record.uid} has no revision yet")
    chain = [current]
    if record.model_id is not None:
        reference = json.loads(current.content)["identification"]["model"]
        model_revision = session.scalar(
            select(PassportRevision).where(
                PassportRevision.passport_id == record.model_id,
                PassportRevision.number == reference["revision"],
            )
        )
        if model_revision is None:
            raise Problem(500, "Broken passport", f"the model revision of passport {record.uid} is missing")
        chain.append(model_revision)
    return chain


def _history(session: Session, revision: PassportRevision) -> list[dict[str, Any]]:
    """Return the signed headers of the revisions before ``revision``, oldest first: its chain."""
    if revision.number == 1:
        return []
    rows = session.execute(
        select(PassportRevision.header, PassportRevision.signature)
        .where(
            PassportRevision.passport_id == revision.passport_id, PassportRevision.number < revision.number
        )
        .order_by(PassportRevision.number)
    )
    return [{"header": json.loads(header), "signature": signature} for header, signature in rows]


def _proof(session: Session, revision: PassportRevision, tier: str, shown: dict[str, Any]) -> dict[str, Any]:
    """Return the proof of one revision at ``tier``: its view, salt, signed header and earlier headers."""
    return {
        "tier": tier,
        "header": json.loads(revision.header),
        "signature": revision.signature,
        "salt": revision.salts[tier],
        "content": shown,
        "history": _history(session, revision),
    }


def document(
    session: Session, *, passport_id: str | None = None, record: PassportRecord | None = None, tier: str
) -> dict[str, Any]:
    """Return the passport as a reader of ``tier`` may download it: the merged view, and per revision
    the view, its salt, the signed header and the signature, and the signed headers of the revisions
    before it, so it verifies offline with its whole chain."""
    if record is None:
        record = get(session, passport_id=passport_id or "")
    proofs = [
        _proof(session, revision, tier, view(json.loads(revision.content), tier))
        for revision in _chain(session, record)
    ]
    return {
        "id": f"urn:uuid:{record.uid}",
        "tier": tier,
        "revision": record.current_revision,
        "passport": signing.merge([p["content"] for p in proofs]),
        "proof": proofs,
    }


# Revisions never change, so what a tier sees of one can be kept in memory under the revision's
# SHA-256 (unique: its header names the passport's UUID and random salts) and is never stale; only
# which revision is current needs the database. Kept per process, bounded in bytes: a tier's view
# of an item revision takes about 2 KB, so 64 MiB holds some 30,000; views read again (a model
# revision, a working set of items) are protected from views read once (keten.lru).
_VIEW_CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class _Served:
    """One revision as a tier sees it, serialized: its top-level sections and its proof entry."""

    sections: dict[str, bytes]
    proof: bytes
    model: tuple[str, int] | None
    """(SHA-256, revision number) of the model revision a batch or item revision inherits from."""

    @property
    def size(self) -> int:
        return len(self.proof) + sum(len(v) + len(k) for k, v in self.sections.items())


_VIEW_CACHE: SegmentedLru[_Served] = SegmentedLru(_VIEW_CACHE_BYTES)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _served(session: Session, sha256: str, tier: str, where: Callable[[], Any]) -> _Served:
    """Return the tier's view of the revision with ``sha256``, loading it by ``where()`` on a miss."""
    key = (sha256, tier)
    found = _VIEW_CACHE.get(key)
    if found is not None:
        return found
    revision = session.scalar(select(PassportRevision).where(where()))
    if revision is None or revision.sha256 != sha256:
        raise Problem(500, "Broken passport", f"passport revision {sha256} is missing")
    data = json.loads(revision.content)
    shown = view(data, tier)
    reference = data["identification"].get("model")
    proof = _proof(session, revision, tier, shown)
    served = _Served(
        sections={k: _json(v) for k, v in shown.items()},
        proof=_json(proof),
        model=(str(reference["sha256"]), int(reference["revision"])) if reference else None,
    )
    _VIEW_CACHE.put(key, served, served.size)
    return served


def _lookup(column: Any) -> Any:
    # Built once: constructing the statement costs more than running it on a warm read.
    return (
        select(
            PassportRecord.uid,
            PassportRecord.current_revision,
            PassportRecord.model_id,
            PassportRevision.id,
            PassportRevision.sha256,
        )
        .join(
            PassportRevision,
            (PassportRevision.passport_id == PassportRecord.id)
            & (PassportRevision.number == PassportRecord.current_revision),
        )
        .where(column == bindparam("key"))
    )


_BY_UID = _lookup(PassportRecord.uid)
_BY_LINK = _lookup(PassportRecord.link)


def document_json(
    session: Session,
    *,
    passport_id: str | None = None,
    gtin: str | None = None,
    serial: str | None = None,
    batch: str | None = None,
    tier: str,
    context: str | None = None,
) -> bytes:
    """Return :func:`document` serialized as JSON (as JSON-LD with ``context``), the same content.

    One query finds the passport and its current revision; the tier's view of each revision comes
    from memory after its first read.
    """
    if passport_id is not None:
        row = session.execute(_BY_UID, {"key": passport_id.removeprefix("urn:uuid:")}).first()
        where = repr(passport_id)
    else:
        path = _link_path(gtin or "", serial, batch)
        row = session.execute(_BY_LINK, {"key": path}).first()
        where = f"for {path}"
    if row is None:
        raise Problem(404, "Not Found", f"there is no passport {where}")
    uid, number, model_id, revision_id, sha256 = row
    chain = [_served(session, sha256, tier, lambda: PassportRevision.id == revision_id)]
    if chain[0].model is not None:
        model_sha, model_number = chain[0].model
        chain.append(
            _served(
                session,
                model_sha,
                tier,
                lambda: (
                    (PassportRevision.passport_id == model_id) & (PassportRevision.number == model_number)
                ),
            )
        )
    merged: dict[str, bytes] = {}
    for served in reversed(chain):
        merged.update(served.sections)
    passport = b"{" + b",".join(_json(k) + b":" + v for k, v in merged.items()) + b"}"
    head: dict[str, Any] = {"id": f"urn:uuid:{uid}", "tier": tier, "revision": number}
    if context is not None:
        head = {"@context": context, "@id": head.pop("id"), "@type": "DigitalProductPassport", **head}
    return (
        _json(head)[:-1]
        + b',"passport":'
        + passport
        + b',"proof":['
        + b",".join(s.proof for s in chain)
        + b"]}"
    )


def content(session: Session, *, passport_id: str, tier: str) -> PassportContent:
    """Return the passport's content as a reader of ``tier`` sees it (a batch or item passport with
    its model's sections), typed; fields above the tier are empty."""
    doc = document(session, passport_id=passport_id, tier=tier)
    return PassportContent.model_validate(doc["passport"])


# --- integrity --------------------------------------------------------------------------------


def verify_chain(session: Session) -> list[str]:
    """Return every inconsistency of the stored revisions (empty: none was tampered with).

    Recomputes, per revision, that the content is canonical, each tier's salted view hash, the
    header's hash, its signature with the stored public key, and the link to the revision before.
    """
    keys = {k.key_id: k.public_key for k in session.scalars(select(PassportKey))}
    records = {
        r[0]: r[1:]
        for r in session.execute(
            select(PassportRecord.id, PassportRecord.uid, PassportRecord.current_revision)
        )
    }
    problems: list[str] = []
    last: dict[int, tuple[int, str]] = {}
    statement = select(PassportRevision).order_by(PassportRevision.passport_id, PassportRevision.number)
    for revision in session.scalars(statement.execution_options(yield_per=2000)):
        uid, current = records.get(revision.passport_id, ("?", 0))
        where = f"passport {uid} revision {revision.number}"
        before = last.get(revision.passport_id)
        expected_number = before[0] + 1 if before else 1
        expected_previous = before[1] if before else None
        if revision.number != expected_number:
            problems.append(f"{where}: expected revision {expected_number}; a revision is missing")
        if revision.previous_sha256 != expected_previous:
            problems.append(f"{where}: does not point back to the revision before it")
        last[revision.passport_id] = (revision.number, revision.sha256)
        try:
            header = json.loads(revision.header)
            data = json.loads(revision.content)
        except json.JSONDecodeError:
            problems.append(f"{where}: stored JSON is damaged")
            continue
        if signing.canonical(data).decode("utf-8") != revision.content:
            problems.append(f"{where}: the content is not in canonical form; it was edited")
        if signing.sha256_hex(revision.header.encode("utf-8")) != revision.sha256:
            problems.append(f"{where}: the header does not hash to the stored SHA-256")
        if (header.get("passport"), header.get("revision"), header.get("previous")) != (
            f"urn:uuid:{uid}",
            revision.number,
            revision.previous_sha256,
        ):
            problems.append(f"{where}: the signed header names another passport, revision or predecessor")
        for tier in TIERS:
            salt = (revision.salts or {}).get(tier, "")
            if signing.view_hash(salt, view(data, tier)) != (header.get("views") or {}).get(tier):
                problems.append(
                    f"{where}: the {tier} view does not match its signed hash; the content was changed"
                )
        key = keys.get(revision.key_id)
        if key is None or not signing.verify_signature(
            key, revision.header.encode("utf-8"), revision.signature
        ):
            problems.append(
                f"{where}: the signature does not verify with the company's key {revision.key_id}"
            )
    for passport_id, (uid, current) in records.items():
        if last.get(passport_id, (0, ""))[0] != current:
            problems.append(f"passport {uid}: its current revision {current} is not its last stored revision")
    return problems
