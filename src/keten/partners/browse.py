"""What the partners' pages browse: supplier sites per country for the map, one page of
organizations with their number of sites, an organization's sites with how many parts each
supplies, and the sources of one part."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from keten.catalog import service as catalog
from keten.pagination import count
from keten.partners.models import Organization, Site, Sourcing
from keten.partners.service import get_organization

__all__ = [
    "CountrySites",
    "OrganizationRow",
    "PartSource",
    "SiteRow",
    "organization_sites_with_supply",
    "organizations_with_sites",
    "part_sources_by_id",
    "supplier_sites_per_country",
]

SOURCES_SHOWN = 200
"""Sources of one part shown at most, largest share first."""


class CountrySites(NamedTuple):
    """A country (ISO 3166 alpha-2, as stored) and how many supplier sites are in it."""

    country: str
    sites: int


class OrganizationRow(NamedTuple):
    organization: Organization
    sites: int


class SiteRow(NamedTuple):
    site: Site
    sourcing_lines: int
    """How many sourcing lines (part × site) name the site."""


class PartSource(NamedTuple):
    sourcing: Sourcing
    site: Site
    organization: Organization


def supplier_sites_per_country(session: Session) -> list[CountrySites]:
    """Return the number of supplier sites per country, most first."""
    rows = session.execute(
        select(Site.country, func.count(Site.id))
        .join(Organization, Organization.id == Site.organization_id)
        .where(Organization.role == "supplier")
        .group_by(Site.country)
        .order_by(func.count(Site.id).desc())
    ).all()
    return [CountrySites(country or "", int(n)) for country, n in rows]


def organizations_with_sites(
    session: Session, *, q: str | None, role: str | None, limit: int, offset: int
) -> tuple[list[OrganizationRow], int]:
    """Return one page of organizations by name with their number of sites, and how many match.

    ``q`` matches names and codes that contain it, in any case, ``%`` and ``_`` taken literally.
    """
    sites = (
        select(Site.organization_id, func.count(Site.id).label("sites"))
        .group_by(Site.organization_id)
        .subquery()
    )
    conditions = []
    if q and q.strip():
        pattern = catalog.like_pattern(q.strip())
        conditions.append(
            or_(Organization.name.ilike(pattern, escape="\\"), Organization.code.ilike(pattern, escape="\\"))
        )
    if role:
        conditions.append(Organization.role == role)
    statement = (
        select(Organization, func.coalesce(sites.c.sites, 0))
        .outerjoin(sites, sites.c.organization_id == Organization.id)
        .where(*conditions)
    )
    page = session.execute(statement.order_by(Organization.name).limit(limit).offset(offset))
    items = [OrganizationRow(r[0], int(r[1])) for r in page]
    return items, count(session, select(Organization.id).where(*conditions))


def organization_sites_with_supply(session: Session, *, code: str) -> tuple[Organization, list[SiteRow]]:
    """Return an organization and its sites by name, each with its sourcing lines; 404 if unknown."""
    organization = get_organization(session, code=code)
    rows = session.execute(
        select(Site, func.count(Sourcing.id))
        .outerjoin(Sourcing, Sourcing.site_id == Site.id)
        .where(Site.organization_id == organization.id)
        .group_by(Site.id)
        .order_by(Site.name)
    ).all()
    return organization, [SiteRow(r[0], int(r[1])) for r in rows]


def part_sources_by_id(session: Session, *, part_id: int) -> list[PartSource]:
    """Return the sources of a part (by its id), largest share first, at most :data:`SOURCES_SHOWN`."""
    rows = session.execute(
        select(Sourcing, Site, Organization)
        .join(Site, Site.id == Sourcing.site_id)
        .join(Organization, Organization.id == Site.organization_id)
        .where(Sourcing.part_id == part_id)
        .order_by(Sourcing.share.desc(), Organization.name)
        .limit(SOURCES_SHOWN)
    ).all()
    return [PartSource(r[0], r[1], r[2]) for r in rows]
