"""Organizations, their sites, and sourcing of parts from sites.

Functions take the session first and keyword arguments after; they flush, never commit, and
answer a caller's mistake with a keten.problems.Problem before anything is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keten.catalog import service as catalog
from keten.catalog.models import Part
from keten.pagination import count
from keten.partners.models import Organization, Site, Sourcing
from keten.partners.schemas import (
    OrganizationCreate,
    OrganizationUpdate,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    SourcingCreate,
    SourcingRead,
    SourcingUpdate,
)
from keten.problems import Problem

__all__ = [
    "create_organization",
    "create_site",
    "create_sourcing",
    "delete_organization",
    "delete_site",
    "delete_sourcing",
    "get_organization",
    "get_site",
    "get_sourcing",
    "list_organizations",
    "list_sites",
    "list_sourcing",
    "organization_sites",
    "part_sources",
    "update_organization",
    "update_site",
    "update_sourcing",
]


def _flush_or_conflict(session: Session, detail: str) -> None:
    # The existence check before an insert can race with another request; the unique index decides.
    try:
        session.flush()
    except IntegrityError:
        raise Problem(409, "Conflict", detail) from None


def _some(names: list[str]) -> str:
    return ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")


# --- organizations ----------------------------------------------------------------------------


def list_organizations(
    session: Session,
    *,
    limit: int,
    offset: int,
    role: str | None = None,
    country: str | None = None,
    q: str | None = None,
) -> tuple[list[Organization], int]:
    """Return one page of organizations by code, filtered, and how many match.

    ``q`` matches codes and names that contain it, in any case.
    """
    statement = select(Organization).order_by(Organization.code)
    if role:
        statement = statement.where(Organization.role == role)
    if country:
        statement = statement.where(Organization.country == country.strip().upper())
    if q:
        pattern = catalog.like_pattern(q)
        statement = statement.where(
            or_(Organization.code.ilike(pattern, escape="\\"), Organization.name.ilike(pattern, escape="\\"))
        )
    return list(session.scalars(statement.limit(limit).offset(offset))), count(session, statement)


def get_organization(session: Session, *, code: str) -> Organization:
    """Return the organization with ``code``; a 404 problem if there is none."""
    found = session.scalars(select(Organization).where(Organization.code == code)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no organization with code '{code}'")
    return found


def _check_single_own(session: Session, role: str | None, code: str) -> None:
    if role != "own":
        return
    other = session.scalar(
        select(Organization.code).where(Organization.role == "own", Organization.code != code)
    )
    if other is not None:
        raise Problem(
            409, "Conflict", f"'{other}' is already the own organization; only one organization can be 'own'"
        )


def create_organization(session: Session, *, data: OrganizationCreate) -> Organization:
    """Return a new organization; a 409 problem if the code is taken or a second 'own' is made."""
    taken = f"an organization with code '{data.code}' exists already"
    if session.scalar(select(exists().where(Organization.code == data.code))):
        raise Problem(409, "Conflict", taken)
    _check_single_own(session, data.role, data.code)
    organization = Organization(**data.model_dump())
    session.add(organization)
    _flush_or_conflict(session, taken)
    return organization


def update_organization(session: Session, *, code: str, data: OrganizationUpdate) -> Organization:
    """Return the organization after changing the fields set in ``data``."""
    organization = get_organization(session, code=code)
    values = data.model_dump(exclude_unset=True)
    _check_single_own(session, values.get("role"), code)
    for key, value in values.items():
        setattr(organization, key, value)
    session.flush()
    return organization


def delete_organization(session: Session, *, code: str) -> None:
    """Delete an organization; a 409 problem naming its sites while it has any.

    Sites are removed one by one first, so their sourcing is never lost by accident.
    """
    organization = get_organization(session, code=code)
    sites = list(
        session.scalars(
            select(Site.code).where(Site.organization_id == organization.id).order_by(Site.code)
        ).all()
    )
    if sites:
        raise Problem(
            409,
            "Conflict",
            f"organization '{code}' still has sites {_some(sites)}; delete those first",
            sites=sites,
        )
    session.delete(organization)
    session.flush()


# --- sites ------------------------------------------------------------------------------------


def _site_query() -> Select[Site, str, str]:
    return (
        select(Site, Organization.code, Organization.name)
        .join(Organization, Organization.id == Site.organization_id)
        .order_by(Site.code)
    )


def _site_read(site: Site, organization: str, organization_name: str) -> SiteRead:
    return SiteRead(
        code=site.code,
        organization=organization,
        organization_name=organization_name,
        name=site.name,
        country=site.country,
        city=site.city,
        address=site.address,
        gln=site.gln,
    )


def list_sites(
    session: Session,
    *,
    limit: int,
    offset: int,
    country: str | None = None,
    organization: str | None = None,
    q: str | None = None,
) -> tuple[list[SiteRead], int]:
    """Return one page of sites by code, filtered, and how many match."""
    statement = _site_query()
    if country:
        statement = statement.where(Site.country == country.strip().upper())
    if organization:
        statement = statement.where(Organization.code == organization)
    if q:
        pattern = catalog.like_pattern(q)
        statement = statement.where(
            or_(
                Site.code.ilike(pattern, escape="\\"),
                Site.name.ilike(pattern, escape="\\"),
                Site.city.ilike(pattern, escape="\\"),
            )
        )
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return [_site_read(*row) for row in rows], count(session, statement)


def organization_sites(session: Session, *, code: str) -> list[SiteRead]:
    """Return every site of an organization by code; a 404 problem for an unknown organization."""
    organization = get_organization(session, code=code)
    rows = session.execute(_site_query().where(Site.organization_id == organization.id)).all()
    return [_site_read(*row) for row in rows]


def _site(session: Session, code: str) -> Site:
    found = session.scalars(select(Site).where(Site.code == code)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no site with code '{code}'")
    return found


def get_site(session: Session, *, code: str) -> SiteRead:
    """Return the site with ``code``; a 404 problem if there is none."""
    row = session.execute(_site_query().where(Site.code == code)).one_or_none()
    if row is None:
        raise Problem(404, "Not Found", f"no site with code '{code}'")
    return _site_read(*row)


def _referenced_organization(session: Session, code: str) -> Organization:
    found = session.scalars(select(Organization).where(Organization.code == code)).one_or_none()
    if found is None:
        raise Problem(
            422,
            "Unknown organization",
            f"no organization with code '{code}'; create it first",
            errors=[{"location": "body.organization", "message": f"no organization with code '{code}'"}],
        )
    return found


def create_site(session: Session, *, data: SiteCreate) -> SiteRead:
    """Return a new site of an existing organization; a 409 problem if the code is taken."""
    taken = f"a site with code '{data.code}' exists already"
    if session.scalar(select(exists().where(Site.code == data.code))):
        raise Problem(409, "Conflict", taken)
    organization = _referenced_organization(session, data.organization)
    site = Site(**data.model_dump(exclude={"organization"}), organization_id=organization.id)
    session.add(site)
    _flush_or_conflict(session, taken)
    return _site_read(site, organization.code, organization.name)


def update_site(session: Session, *, code: str, data: SiteUpdate) -> SiteRead:
    """Return the site after changing the fields set in ``data`` (``organization`` moves it)."""
    site = _site(session, code)
    values = data.model_dump(exclude_unset=True)
    if "organization" in values:
        site.organization_id = _referenced_organization(session, values.pop("organization")).id
    for key, value in values.items():
        setattr(site, key, value)
    session.flush()
    return get_site(session, code=code)


def delete_site(session: Session, *, code: str) -> None:
    """Delete a site; a 409 problem naming the parts sourced from it while there are any."""
    site = _site(session, code)
    parts = list(
        session.scalars(
            select(Part.part_number)
            .join(Sourcing, Sourcing.part_id == Part.id)
            .where(Sourcing.site_id == site.id)
            .order_by(Part.part_number)
        ).all()
    )
    if parts:
        raise Problem(
            409,
            "Conflict",
            f"site '{code}' still supplies {_some(parts)}; remove that sourcing first",
            parts=parts,
        )
    session.delete(site)
    session.flush()


# --- sourcing ---------------------------------------------------------------------------------


def _sourcing_query() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Part.part_number,
            Part.name,
            Site.code,
            Site.name,
            Organization.code,
            Organization.name,
            Site.country,
            Sourcing.share,
            Sourcing.lead_time_days,
            Sourcing.price_eur,
            Sourcing.qualified_alternate,
        )
        .join(Sourcing, Sourcing.part_id == Part.id)
        .join(Site, Site.id == Sourcing.site_id)
        .join(Organization, Organization.id == Site.organization_id)
    )


def _sourcing_read(row: Any) -> SourcingRead:
    return SourcingRead(
        part_number=row[0],
        part_name=row[1],
        site=row[2],
        site_name=row[3],
        organization=row[4],
        organization_name=row[5],
        country=row[6],
        share=row[7],
        lead_time_days=row[8],
        price_eur=row[9],
        qualified_alternate=row[10],
    )


def list_sourcing(
    session: Session,
    *,
    limit: int,
    offset: int,
    part_number: str | None = None,
    site: str | None = None,
    organization: str | None = None,
) -> tuple[list[SourcingRead], int]:
    """Return one page of sourcing by part number and site, filtered, and how many match."""
    statement = _sourcing_query().order_by(Part.part_number, Site.code)
    if part_number:
        statement = statement.where(Part.part_number == part_number)
    if site:
        statement = statement.where(Site.code == site)
    if organization:
        statement = statement.where(Organization.code == organization)
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return [_sourcing_read(r) for r in rows], count(session, statement)


def part_sources(session: Session, *, part_number: str) -> list[SourcingRead]:
    """Return the sites that supply a part, largest share first; a 404 problem for an unknown part."""
    part = catalog.get_part(session, part_number=part_number)
    rows = session.execute(
        _sourcing_query().where(Sourcing.part_id == part.id).order_by(Sourcing.share.desc(), Site.code)
    ).all()
    return [_sourcing_read(r) for r in rows]


def get_sourcing(session: Session, *, part_number: str, site: str) -> SourcingRead:
    """Return how a site supplies a part; a 404 problem if it does not."""
    row = session.execute(
        _sourcing_query().where(Part.part_number == part_number, Site.code == site)
    ).one_or_none()
    if row is None:
        raise Problem(404, "Not Found", f"part '{part_number}' is not sourced from site '{site}'")
    return _sourcing_read(row)


def _check_shares(session: Session, *, part: Part, site_id: int, share: float) -> None:
    others = sum(
        session.scalars(
            select(Sourcing.share).where(Sourcing.part_id == part.id, Sourcing.site_id != site_id)
        ).all()
    )
    if others + share > 1.0 + 1e-9:
        raise Problem(
            422,
            "Shares above 1",
            f"the shares of part '{part.part_number}' would add up to {others + share:.4g}; "
            "lower another site's share first",
            errors=[
                {
                    "location": "body.share",
                    "message": f"the part's shares would add up to {others + share:.4g}",
                }
            ],
        )


def create_sourcing(session: Session, *, data: SourcingCreate) -> SourcingRead:
    """Return a new sourcing line; 422 for an unknown part or site or shares above 1, 409 if it exists."""
    unknown = []
    part = session.scalars(select(Part).where(Part.part_number == data.part_number)).one_or_none()
    if part is None:
        unknown.append(
            {"location": "body.part_number", "message": f"no part with part number '{data.part_number}'"}
        )
    site = session.scalars(select(Site).where(Site.code == data.site)).one_or_none()
    if site is None:
        unknown.append({"location": "body.site", "message": f"no site with code '{data.site}'"})
    if part is None or site is None:
        raise Problem(422, "Unknown part or site", "; ".join(e["message"] for e in unknown), errors=unknown)
    taken = f"part '{data.part_number}' is already sourced from site '{data.site}'; change it with PATCH"
    if session.scalar(select(exists().where(Sourcing.part_id == part.id, Sourcing.site_id == site.id))):
        raise Problem(409, "Conflict", taken)
    _check_shares(session, part=part, site_id=site.id, share=data.share)
    session.add(
        Sourcing(part_id=part.id, site_id=site.id, **data.model_dump(exclude={"part_number", "site"}))
    )
    _flush_or_conflict(session, taken)
    return get_sourcing(session, part_number=data.part_number, site=data.site)


def _line(session: Session, part_number: str, site: str) -> tuple[Part, Sourcing]:
    part = catalog.get_part(session, part_number=part_number)
    site_row = _site(session, site)
    line = session.scalars(
        select(Sourcing).where(Sourcing.part_id == part.id, Sourcing.site_id == site_row.id)
    ).one_or_none()
    if line is None:
        raise Problem(404, "Not Found", f"part '{part_number}' is not sourced from site '{site}'")
    return part, line


def update_sourcing(session: Session, *, part_number: str, site: str, data: SourcingUpdate) -> SourcingRead:
    """Return how a site supplies a part after changing the fields set in ``data``."""
    part, line = _line(session, part_number, site)
    values = data.model_dump(exclude_unset=True)
    if "share" in values:
        _check_shares(session, part=part, site_id=line.site_id, share=values["share"])
    for key, value in values.items():
        setattr(line, key, value)
    session.flush()
    return get_sourcing(session, part_number=part_number, site=site)


def delete_sourcing(session: Session, *, part_number: str, site: str) -> None:
    """Stop sourcing a part from a site; a 404 problem if it was not sourced there."""
    _part, line = _line(session, part_number, site)
    session.delete(line)
    session.flush()
