"""Organizations, their sites, and sourcing. Functions flush, never commit."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

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
    "list_organizations",
    "list_sites",
    "list_sourcing",
    "update_organization",
    "update_site",
]


def list_organizations(
    session: Session,
    *,
    limit: int,
    offset: int,
    role: str | None = None,
    country: str | None = None,
    q: str | None = None,
) -> tuple[list[Organization], int]:
    """Return one page of organizations by code, filtered, and how many match."""
    statement = select(Organization).order_by(Organization.code)
    if role:
        statement = statement.where(Organization.role == role)
    if country:
        statement = statement.where(Organization.country == country.upper())
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(or_(Organization.code.ilike(pattern), Organization.name.ilike(pattern)))
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
        raise Problem(409, "Conflict", f"'{other}' is already the own organization; only one can be")


def create_organization(session: Session, *, data: OrganizationCreate) -> Organization:
    """Create an organization; a 409 problem if the code is taken or a second 'own' is made."""
    if session.scalar(select(exists().where(Organization.code == data.code))):
        raise Problem(409, "Conflict", f"an organization with code '{data.code}' exists already")
    _check_single_own(session, data.role, data.code)
    organization = Organization(**data.model_dump())
    session.add(organization)
    session.flush()
    return organization


def update_organization(session: Session, *, code: str, data: OrganizationUpdate) -> Organization:
    """Change the given fields of an organization."""
    organization = get_organization(session, code=code)
    values = data.model_dump(exclude_unset=True)
    _check_single_own(session, values.get("role"), code)
    for key, value in values.items():
        setattr(organization, key, value)
    session.flush()
    return organization


def delete_organization(session: Session, *, code: str) -> None:
    """Delete an organization with its sites and their sourcing."""
    session.delete(get_organization(session, code=code))
    session.flush()


def _site_query() -> Select[Site, str]:
    return (
        select(Site, Organization.code)
        .join(Organization, Organization.id == Site.organization_id)
        .order_by(Site.code)
    )


def _site_read(site: Site, organization: str) -> SiteRead:
    return SiteRead(
        code=site.code,
        organization=organization,
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
) -> tuple[list[SiteRead], int]:
    """Return one page of sites by code, filtered, and how many match."""
    statement = _site_query()
    if country:
        statement = statement.where(Site.country == country.upper())
    if organization:
        statement = statement.where(Organization.code == organization)
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return [_site_read(site, org) for site, org in rows], count(session, statement)


def get_site(session: Session, *, code: str) -> SiteRead:
    """Return the site with ``code``; a 404 problem if there is none."""
    row = session.execute(_site_query().where(Site.code == code)).one_or_none()
    if row is None:
        raise Problem(404, "Not Found", f"no site with code '{code}'")
    return _site_read(row[0], row[1])


def _site(session: Session, code: str) -> Site:
    found = session.scalars(select(Site).where(Site.code == code)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no site with code '{code}'")
    return found


def create_site(session: Session, *, data: SiteCreate) -> SiteRead:
    """Create a site of an existing organization; a 409 problem if the code is taken."""
    if session.scalar(select(exists().where(Site.code == data.code))):
        raise Problem(409, "Conflict", f"a site with code '{data.code}' exists already")
    organization = get_organization(session, code=data.organization)
    site = Site(**data.model_dump(exclude={"organization"}), organization_id=organization.id)
    session.add(site)
    session.flush()
    return _site_read(site, organization.code)


def update_site(session: Session, *, code: str, data: SiteUpdate) -> SiteRead:
    """Change the given fields of a site."""
    site = _site(session, code)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(site, key, value)
    session.flush()
    return get_site(session, code=code)


def delete_site(session: Session, *, code: str) -> None:
    """Delete a site and the sourcing from it."""
    session.delete(_site(session, code))
    session.flush()


def list_sourcing(
    session: Session, *, limit: int, offset: int, part_number: str | None = None, site: str | None = None
) -> tuple[list[SourcingRead], int]:
    """Return one page of sourcing lines by part number and site, and how many match."""
    statement = (
        select(Part.part_number, Site.code, Sourcing)
        .join(Sourcing, Sourcing.part_id == Part.id)
        .join(Site, Site.id == Sourcing.site_id)
        .order_by(Part.part_number, Site.code)
    )
    if part_number:
        statement = statement.where(Part.part_number == part_number)
    if site:
        statement = statement.where(Site.code == site)
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    items = [
        SourcingRead(
            part_number=number,
            site=code,
            share=line.share,
            lead_time_days=line.lead_time_days,
            price_eur=line.price_eur,
            qualified_alternate=line.qualified_alternate,
        )
        for number, code, line in rows
    ]
    return items, count(session, statement)


def _part(session: Session, part_number: str) -> Part:
    found = session.scalars(select(Part).where(Part.part_number == part_number)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no part with part number '{part_number}'")
    return found


def create_sourcing(session: Session, *, data: SourcingCreate) -> SourcingRead:
    """Add or change the sourcing of a part from a site; the part's shares may not add up to more than 1."""
    part = _part(session, data.part_number)
    site = _site(session, data.site)
    line = session.scalars(
        select(Sourcing).where(Sourcing.part_id == part.id, Sourcing.site_id == site.id)
    ).one_or_none()
    others = sum(
        session.scalars(
            select(Sourcing.share).where(Sourcing.part_id == part.id, Sourcing.site_id != site.id)
        ).all()
    )
    if others + data.share > 1.0 + 1e-6:
        raise Problem(
            422,
            "Shares above 1",
            f"the shares of part '{data.part_number}' would add up to {others + data.share:.4g}",
        )
    if line is None:
        line = Sourcing(part_id=part.id, site_id=site.id)
        session.add(line)
    for key in ("share", "lead_time_days", "price_eur", "qualified_alternate"):
        setattr(line, key, getattr(data, key))
    session.flush()
    return SourcingRead.model_validate(data.model_dump())


def delete_sourcing(session: Session, *, part_number: str, site: str) -> None:
    """Stop sourcing a part from a site."""
    part = _part(session, part_number)
    site_row = _site(session, site)
    line = session.scalars(
        select(Sourcing).where(Sourcing.part_id == part.id, Sourcing.site_id == site_row.id)
    ).one_or_none()
    if line is None:
        raise Problem(404, "Not Found", f"part '{part_number}' is not sourced from site '{site}'")
    session.delete(line)
    session.flush()
