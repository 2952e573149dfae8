"""JSON API of partners: organizations, their sites, and sourcing of parts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from keten.deps import get_session
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, set_link_header
from keten.partners import service
from keten.partners.schemas import (
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    SiteCreate,
    SiteRead,
    SiteUpdate,
    SourcingCreate,
    SourcingRead,
)

__all__ = ["router"]

router = APIRouter(tags=["partners"])

DbSession = Annotated[Session, Depends(get_session)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]


@router.get("/organizations", response_model=Page[OrganizationRead], summary="List organizations")
def list_organizations(
    request: Request,
    response: Response,
    session: DbSession,
    role: Annotated[str | None, Query(description="own, supplier, customer or partner.")] = None,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 country code.")] = None,
    q: Annotated[str | None, Query(description="Code or name contains this (any case).")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[OrganizationRead]:
    """Organizations by code, filtered and paginated."""
    items, total = service.list_organizations(
        session, limit=limit, offset=offset, role=role, country=country, q=q
    )
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[OrganizationRead](
        items=[OrganizationRead.model_validate(o) for o in items], total=total, limit=limit, offset=offset
    )


@router.post(
    "/organizations",
    response_model=OrganizationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an organization",
)
def create_organization(session: DbSession, data: OrganizationCreate) -> OrganizationRead:
    """Create an organization; KvK, LEI and GLN are checked, and only one can be the own organization."""
    return OrganizationRead.model_validate(service.create_organization(session, data=data))


@router.get("/organizations/{code}", response_model=OrganizationRead, summary="Get an organization")
def get_organization(session: DbSession, code: str) -> OrganizationRead:
    """One organization by its code."""
    return OrganizationRead.model_validate(service.get_organization(session, code=code))


@router.patch("/organizations/{code}", response_model=OrganizationRead, summary="Change an organization")
def patch_organization(session: DbSession, code: str, data: OrganizationUpdate) -> OrganizationRead:
    """Change the fields given."""
    return OrganizationRead.model_validate(service.update_organization(session, code=code, data=data))


@router.delete(
    "/organizations/{code}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an organization"
)
def delete_organization(session: DbSession, code: str) -> Response:
    """Delete an organization with its sites and their sourcing."""
    service.delete_organization(session, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/organizations/{code}/sites", response_model=list[SiteRead], summary="Sites of an organization")
def organization_sites(session: DbSession, code: str) -> list[SiteRead]:
    """Every site of one organization."""
    service.get_organization(session, code=code)
    items, _ = service.list_sites(session, limit=MAX_LIMIT, offset=0, organization=code)
    return items


@router.get("/sites", response_model=Page[SiteRead], summary="List sites")
def list_sites(
    request: Request,
    response: Response,
    session: DbSession,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 country code.")] = None,
    organization: Annotated[str | None, Query(description="Organization code.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[SiteRead]:
    """Sites by code, filtered and paginated."""
    items, total = service.list_sites(
        session, limit=limit, offset=offset, country=country, organization=organization
    )
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[SiteRead](items=items, total=total, limit=limit, offset=offset)


@router.post("/sites", response_model=SiteRead, status_code=status.HTTP_201_CREATED, summary="Create a site")
def create_site(session: DbSession, data: SiteCreate) -> SiteRead:
    """Create a site of an existing organization."""
    return service.create_site(session, data=data)


@router.get("/sites/{code}", response_model=SiteRead, summary="Get a site")
def get_site(session: DbSession, code: str) -> SiteRead:
    """One site by its code."""
    return service.get_site(session, code=code)


@router.patch("/sites/{code}", response_model=SiteRead, summary="Change a site")
def patch_site(session: DbSession, code: str, data: SiteUpdate) -> SiteRead:
    """Change the fields given."""
    return service.update_site(session, code=code, data=data)


@router.delete("/sites/{code}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a site")
def delete_site(session: DbSession, code: str) -> Response:
    """Delete a site and the sourcing from it."""
    service.delete_site(session, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sourcing", response_model=Page[SourcingRead], summary="List sourcing")
def list_sourcing(
    request: Request,
    response: Response,
    session: DbSession,
    part_number: Annotated[str | None, Query(description="Only this part.")] = None,
    site: Annotated[str | None, Query(description="Only this site.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[SourcingRead]:
    """Which site supplies which part: share, lead time, price, qualified alternate."""
    items, total = service.list_sourcing(
        session, limit=limit, offset=offset, part_number=part_number, site=site
    )
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[SourcingRead](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/sourcing", response_model=SourcingRead, status_code=status.HTTP_201_CREATED, summary="Source a part"
)
def create_sourcing(session: DbSession, data: SourcingCreate) -> SourcingRead:
    """Add or change the sourcing of a part from a site; a part's shares may not add up to more than 1."""
    return service.create_sourcing(session, data=data)


@router.delete(
    "/sourcing/{part_number}/{site}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop sourcing a part from a site",
)
def delete_sourcing(session: DbSession, part_number: str, site: str) -> Response:
    """Remove one sourcing line."""
    service.delete_sourcing(session, part_number=part_number, site=site)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
