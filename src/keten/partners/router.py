"""JSON API of partners: organizations, their sites, and sourcing of parts from sites.

Organizations and sites are addressed by code, parts by part number, never by internal id.
Lists are pages (`limit`, `offset`) with an RFC 8288 Link header; errors are RFC 9457 problems.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from keten.apidoc import problems
from keten.deps import get_session
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Offset, Page, page
from keten.partners import service
from keten.partners.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    Role,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    SourcingCreate,
    SourcingRead,
    SourcingUpdate,
)

__all__ = ["router"]

router = APIRouter(tags=["partners"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")]
CountryFilter = Annotated[
    str | None, Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 country code, e.g. NL.")
]
PAGED = "The Link header (RFC 8288) holds the URLs of the next and previous pages where they exist."


# --- organizations ----------------------------------------------------------------------------


@router.get(
    "/organizations",
    response_model=Page[OrganizationRead],
    summary="List organizations",
    description=f"Organizations by code, filtered. {PAGED}",
    responses=problems(422),
)
def list_organizations(
    request: Request,
    response: Response,
    session: DbSession,
    role: Annotated[Role | None, Query(description="Only organizations with this role.")] = None,
    country: CountryFilter = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Code or name contains this, in any case.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[OrganizationRead]:
    items, total = service.list_organizations(
        session, limit=limit, offset=offset, role=role, country=country, q=q
    )
    return page(Page[OrganizationRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/organizations",
    response_model=OrganizationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an organization",
    description=(
        "Create an organization with a new code. Country, KvK number, LEI and GLN are checked; "
        "at most one organization can have the role `own`."
    ),
    responses=problems(409, 422, s409="The code is taken, or another organization is already `own`."),
)
def create_organization(session: DbSession, data: OrganizationCreate, response: Response) -> OrganizationRead:
    organization = service.create_organization(session, data=data)
    response.headers["Location"] = f"/api/organizations/{quote(organization.code, safe='')}"
    return OrganizationRead.model_validate(organization)


@router.get(
    "/organizations/{code}",
    response_model=OrganizationRead,
    summary="Get an organization",
    description="One organization by its code.",
    responses=problems(404),
)
def get_organization(session: DbSession, code: str) -> OrganizationRead:
    return OrganizationRead.model_validate(service.get_organization(session, code=code))


@router.patch(
    "/organizations/{code}",
    response_model=OrganizationRead,
    summary="Change an organization",
    description="Change the fields sent and keep the others; `null` empties an optional field.",
    responses=problems(404, 409, 422, s409="Another organization is already `own`."),
)
def patch_organization(session: DbSession, code: str, data: OrganizationUpdate) -> OrganizationRead:
    return OrganizationRead.model_validate(service.update_organization(session, code=code, data=data))


@router.delete(
    "/organizations/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an organization",
    description="Delete an organization that has no sites left.",
    responses=problems(404, 409, s409="The organization still has sites; the problem names them."),
)
def delete_organization(session: DbSession, code: str) -> Response:
    service.delete_organization(session, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/organizations/{code}/sites",
    response_model=list[SiteRead],
    summary="Sites of an organization",
    description="Every site of one organization, by code.",
    responses=problems(404),
)
def organization_sites(session: DbSession, code: str) -> list[SiteRead]:
    return service.organization_sites(session, code=code)


# --- sites ------------------------------------------------------------------------------------


@router.get(
    "/sites",
    response_model=Page[SiteRead],
    summary="List sites",
    description=f"Sites by code, filtered. {PAGED}",
    responses=problems(422),
)
def list_sites(
    request: Request,
    response: Response,
    session: DbSession,
    country: CountryFilter = None,
    organization: Annotated[
        str | None, Query(max_length=64, description="Only sites of this organization.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Code, name or city contains this, in any case.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[SiteRead]:
    items, total = service.list_sites(
        session, limit=limit, offset=offset, country=country, organization=organization, q=q
    )
    return page(Page[SiteRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/sites",
    response_model=SiteRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a site",
    description="Create a site with a new code for an existing organization.",
    responses=problems(
        409, 422, s409="The code is taken.", s422="Invalid fields or an unknown organization."
    ),
)
def create_site(session: DbSession, data: SiteCreate, response: Response) -> SiteRead:
    site = service.create_site(session, data=data)
    response.headers["Location"] = f"/api/sites/{quote(site.code, safe='')}"
    return site


@router.get(
    "/sites/{code}",
    response_model=SiteRead,
    summary="Get a site",
    description="One site by its code.",
    responses=problems(404),
)
def get_site(session: DbSession, code: str) -> SiteRead:
    return service.get_site(session, code=code)


@router.patch(
    "/sites/{code}",
    response_model=SiteRead,
    summary="Change a site",
    description="Change the fields sent and keep the others; `organization` moves the site.",
    responses=problems(404, 422),
)
def patch_site(session: DbSession, code: str, data: SiteUpdate) -> SiteRead:
    return service.update_site(session, code=code, data=data)


@router.delete(
    "/sites/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a site",
    description="Delete a site that supplies no part any more.",
    responses=problems(404, 409, s409="Parts are still sourced from the site; the problem names them."),
)
def delete_site(session: DbSession, code: str) -> Response:
    service.delete_site(session, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- sourcing ---------------------------------------------------------------------------------


@router.get(
    "/sourcing",
    response_model=Page[SourcingRead],
    summary="List sourcing",
    description=(
        "Which site supplies which part, by part number and site: share, lead time, price, and "
        f"whether it is a qualified alternate. {PAGED}"
    ),
    responses=problems(422),
)
def list_sourcing(
    request: Request,
    response: Response,
    session: DbSession,
    part_number: Annotated[str | None, Query(max_length=64, description="Only this part.")] = None,
    site: Annotated[str | None, Query(max_length=64, description="Only this site.")] = None,
    organization: Annotated[
        str | None, Query(max_length=64, description="Only sites of this organization.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[SourcingRead]:
    items, total = service.list_sourcing(
        session, limit=limit, offset=offset, part_number=part_number, site=site, organization=organization
    )
    return page(Page[SourcingRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/sourcing",
    response_model=SourcingRead,
    status_code=status.HTTP_201_CREATED,
    summary="Source a part from a site",
    description=(
        "A supplier site starts supplying a part. The shares of a part's sites may not add up to more than 1."
    ),
    responses=problems(
        409,
        422,
        s409="The part is already sourced from the site; change it with PATCH.",
        s422="Invalid fields, an unknown part or site, or shares above 1.",
    ),
)
def create_sourcing(session: DbSession, data: SourcingCreate, response: Response) -> SourcingRead:
    line = service.create_sourcing(session, data=data)
    response.headers["Location"] = (
        f"/api/sourcing/{quote(line.part_number, safe='')}/{quote(line.site, safe='')}"
    )
    return line


@router.get(
    "/sourcing/{part_number}/{site}",
    response_model=SourcingRead,
    summary="Get how a site supplies a part",
    description="One sourcing line by part number and site code.",
    responses=problems(404),
)
def get_sourcing(session: DbSession, part_number: str, site: str) -> SourcingRead:
    return service.get_sourcing(session, part_number=part_number, site=site)


@router.patch(
    "/sourcing/{part_number}/{site}",
    response_model=SourcingRead,
    summary="Change how a site supplies a part",
    description="Change the fields sent and keep the others; shares may not add up to more than 1.",
    responses=problems(404, 422),
)
def patch_sourcing(session: DbSession, part_number: str, site: str, data: SourcingUpdate) -> SourcingRead:
    return service.update_sourcing(session, part_number=part_number, site=site, data=data)


@router.delete(
    "/sourcing/{part_number}/{site}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop sourcing a part from a site",
    description="Remove one sourcing line.",
    responses=problems(404),
)
def delete_sourcing(session: DbSession, part_number: str, site: str) -> Response:
    service.delete_sourcing(session, part_number=part_number, site=site)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/parts/{part_number}/sources",
    response_model=list[SourcingRead],
    summary="Sources of a part",
    description=(
        "The supplier sites of one part, largest share first, with their organization and country, "
        "lead time, price and qualification."
    ),
    responses=problems(404),
)
def part_sources(session: DbSession, part_number: str) -> list[SourcingRead]:
    return service.part_sources(session, part_number=part_number)
