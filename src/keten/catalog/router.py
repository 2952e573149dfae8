"""JSON API of the catalog: parts, BOMs, explosion and where-used, materials, composition, stock.

Parts are addressed by part number and materials by code, never by internal id. Lists are pages
(`limit`, `offset`) with an RFC 8288 Link header; errors are RFC 9457 problems.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from keten.apidoc import problems
from keten.catalog import service
from keten.catalog.schemas import (
    BomLineIn,
    BomLineRead,
    CompositionIn,
    CompositionRead,
    ExplosionItem,
    MaterialCreate,
    MaterialFamily,
    MaterialRead,
    MaterialUpdate,
    PartBase,
    PartCreate,
    PartKind,
    PartRead,
    PartUpdate,
    StockRead,
    StockUpdate,
    ValueChain,
    WhereUsedItem,
)
from keten.deps import get_session
from keten.etags import IfMatch, etag, expected_revisions
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Offset, Page, page

__all__ = ["router"]

router = APIRouter(tags=["catalog"])

DbSession = Annotated[Session, Depends(get_session, scope="function")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")]
PAGED = "The Link header (RFC 8288) holds the URLs of the next and previous pages where they exist."


# --- parts ------------------------------------------------------------------------------------

ETAG = (
    "Its ETag is the part's revision; send it back as If-Match to make a change only on that revision "
    "(a 412 problem if another change came first)."
)


def _with_etag(part: PartRead, response: Response) -> PartRead:
    response.headers["ETag"] = etag(part.revision)
    return part


@router.get(
    "/parts",
    response_model=Page[PartRead],
    summary="List parts",
    description=f"Parts by part number, filtered. {PAGED}",
    responses=problems(422),
)
def list_parts(
    request: Request,
    response: Response,
    session: DbSession,
    q: Annotated[
        str | None, Query(max_length=200, description="Part number or name contains this, in any case.")
    ] = None,
    kind: Annotated[PartKind | None, Query(description="Only parts of this kind.")] = None,
    category: Annotated[str | None, Query(max_length=64, description="Only parts of this category.")] = None,
    value_chain: Annotated[ValueChain | None, Query(description="Only products of this value chain.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[PartRead]:
    items, total = service.list_parts(
        session, limit=limit, offset=offset, q=q, kind=kind, category=category, value_chain=value_chain
    )
    return page(Page[PartRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/parts",
    response_model=PartRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a part",
    description="Create a part with a new part number, at revision 1.",
    responses=problems(409, 422, s409="The part number is taken."),
)
def create_part(session: DbSession, data: PartCreate, response: Response) -> PartRead:
    part = service.create_part(session, data=data)
    response.headers["Location"] = f"/api/parts/{quote(part.part_number, safe='')}"
    return _with_etag(PartRead.model_validate(part), response)


@router.get(
    "/parts/{part_number}",
    response_model=PartRead,
    summary="Get a part",
    description=f"One part by its part number. {ETAG}",
    responses=problems(404),
)
def get_part(session: DbSession, part_number: str, response: Response) -> PartRead:
    return _with_etag(PartRead.model_validate(service.get_part(session, part_number=part_number)), response)


@router.patch(
    "/parts/{part_number}",
    response_model=PartRead,
    summary="Change a part",
    description=(
        "Change the fields sent and keep the others; `null` empties an optional field. "
        f"The part's revision rises by one if any value changed. {ETAG}"
    ),
    responses=problems(404, 412, 422),
)
def patch_part(
    session: DbSession, part_number: str, data: PartUpdate, response: Response, if_match: IfMatch = None
) -> PartRead:
    expected = expected_revisions(if_match)
    part = service.update_part(session, part_number=part_number, data=data, expected_revisions=expected)
    return _with_etag(PartRead.model_validate(part), response)


@router.put(
    "/parts/{part_number}",
    response_model=PartRead,
    summary="Create or replace a part",
    description=(
        "Set every field of the part with this part number; fields left out take their defaults. "
        "Creates the part (201) if there is none; otherwise its revision rises by one if any value changed. "
        + ETAG
    ),
    responses={201: {"model": PartRead, "description": "The part was created."}, **problems(412, 422)},
)
def put_part(
    session: DbSession, part_number: str, data: PartBase, response: Response, if_match: IfMatch = None
) -> PartRead:
    expected = expected_revisions(if_match)
    part, created = service.put_part(session, part_number=part_number, data=data, expected_revisions=expected)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _with_etag(PartRead.model_validate(part), response)


@router.delete(
    "/parts/{part_number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a part",
    description=(
        "Delete a part that no other part's BOM uses; its own BOM lines, composition, sourcing and "
        f"stock go with it. {ETAG}"
    ),
    responses=problems(404, 409, 412, s409="The part is still used in a BOM; the problem names the parents."),
)
def delete_part(session: DbSession, part_number: str, if_match: IfMatch = None) -> Response:
    service.delete_part(session, part_number=part_number, expected_revisions=expected_revisions(if_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- BOM --------------------------------------------------------------------------------------


@router.get(
    "/parts/{part_number}/bom",
    response_model=list[BomLineRead],
    summary="Direct children of a part",
    description=(
        "The lines of the part's own BOM, by position: each child with its quantity per unit of the "
        "part, in the child's unit. `has_children` says whether a tree can open the child further."
    ),
    responses=problems(404),
)
def get_bom(session: DbSession, part_number: str) -> list[BomLineRead]:
    return service.bom_children(session, part_number=part_number)


@router.put(
    "/parts/{part_number}/bom",
    response_model=list[BomLineRead],
    summary="Replace the BOM of a part",
    description=(
        "Make the part's BOM exactly these lines (an empty list removes it). A line's `unit`, when "
        "given, is converted to the child's unit and must measure the same thing. A child may appear "
        "at several positions; the quantities add up."
    ),
    responses=problems(
        404,
        409,
        422,
        s409="The lines would make a part contain itself; the problem's `cycle` names the path.",
        s422="Invalid lines; the problem's `errors` lists each with its line number.",
    ),
)
def put_bom(session: DbSession, part_number: str, lines: list[BomLineIn]) -> list[BomLineRead]:
    return service.replace_bom(session, part_number=part_number, lines=lines)


@router.get(
    "/parts/{part_number}/explosion",
    response_model=Page[ExplosionItem],
    summary="Explode the BOM of a part",
    description=(
        "Every part in `quantity` units of this part with its total quantity through all levels, by "
        "part number. A subassembly used in several places counts once per use. `level` is the "
        f"deepest level at which the part occurs (1 for direct children). {PAGED}"
    ),
    responses=problems(404, 422),
)
def explosion(
    request: Request,
    response: Response,
    session: DbSession,
    part_number: str,
    quantity: Annotated[
        float, Query(gt=0, allow_inf_nan=False, description="Units of the part to explode.")
    ] = 1.0,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[ExplosionItem]:
    items, total = service.explode(
        session, part_number=part_number, quantity=quantity, limit=limit, offset=offset
    )
    return page(Page[ExplosionItem], request, response, items, total, limit=limit, offset=offset)


@router.get(
    "/parts/{part_number}/where-used",
    response_model=Page[WhereUsedItem],
    summary="Where a part is used",
    description=(
        "Every part that contains this one at any level, with how many units of it one unit of that "
        f"part holds. Direct parents come first and are flagged, then the rest, by part number. {PAGED}"
    ),
    responses=problems(404, 422),
)
def where_used(
    request: Request,
    response: Response,
    session: DbSession,
    part_number: str,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[WhereUsedItem]:
    items, total = service.where_used(session, part_number=part_number, limit=limit, offset=offset)
    return page(Page[WhereUsedItem], request, response, items, total, limit=limit, offset=offset)


# --- composition ------------------------------------------------------------------------------


@router.get(
    "/parts/{part_number}/materials",
    response_model=list[CompositionRead],
    summary="Material composition of a part",
    description="What one unit of the part is made of, heaviest first, with recycled shares.",
    responses=problems(404),
)
def get_materials(session: DbSession, part_number: str) -> list[CompositionRead]:
    return service.composition(session, part_number=part_number)


@router.put(
    "/parts/{part_number}/materials",
    response_model=list[CompositionRead],
    summary="Replace the material composition of a part",
    description=(
        "Make the composition exactly these lines. Each gives `mass_kg`, or `mass_fraction` of the "
        "part's mass; together the materials may not weigh more than the part."
    ),
    responses=problems(404, 422),
)
def put_materials(session: DbSession, part_number: str, lines: list[CompositionIn]) -> list[CompositionRead]:
    return service.replace_composition(session, part_number=part_number, lines=lines)


# --- materials --------------------------------------------------------------------------------


@router.get(
    "/materials",
    response_model=Page[MaterialRead],
    summary="List materials",
    description=f"Materials by code, filtered. {PAGED}",
    responses=problems(422),
)
def list_materials(
    request: Request,
    response: Response,
    session: DbSession,
    family: Annotated[MaterialFamily | None, Query(description="Only materials of this family.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Code or name contains this, in any case.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[MaterialRead]:
    items, total = service.list_materials(session, limit=limit, offset=offset, family=family, q=q)
    return page(Page[MaterialRead], request, response, items, total, limit=limit, offset=offset)


@router.post(
    "/materials",
    response_model=MaterialRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a material",
    description="Create a material with a new code.",
    responses=problems(409, 422, s409="The code is taken."),
)
def create_material(session: DbSession, data: MaterialCreate, response: Response) -> MaterialRead:
    material = service.create_material(session, data=data)
    response.headers["Location"] = f"/api/materials/{quote(material.code, safe='')}"
    return MaterialRead.model_validate(material)


@router.get(
    "/materials/{code}",
    response_model=MaterialRead,
    summary="Get a material",
    description="One material by its code.",
    responses=problems(404),
)
def get_material(session: DbSession, code: str) -> MaterialRead:
    return MaterialRead.model_validate(service.get_material(session, code=code))


@router.patch(
    "/materials/{code}",
    response_model=MaterialRead,
    summary="Change a material",
    description="Change the fields sent and keep the others.",
    responses=problems(404, 422),
)
def patch_material(session: DbSession, code: str, data: MaterialUpdate) -> MaterialRead:
    return MaterialRead.model_validate(service.update_material(session, code=code, data=data))


@router.delete(
    "/materials/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a material",
    description="Delete a material that no part is made of.",
    responses=problems(404, 409, s409="Parts are made of the material; the problem names them."),
)
def delete_material(session: DbSession, code: str) -> Response:
    service.delete_material(session, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- stock ------------------------------------------------------------------------------------


@router.get(
    "/stock",
    response_model=Page[StockRead],
    summary="List stock",
    description=f"Stock of every part that has stock, by part number, in each part's unit. {PAGED}",
    responses=problems(422),
)
def list_stock(
    request: Request,
    response: Response,
    session: DbSession,
    below_safety: Annotated[
        bool | None, Query(description="true: only parts below safety stock; false: only the others.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[StockRead]:
    items, total = service.list_stock(session, limit=limit, offset=offset, below_safety=below_safety)
    return page(Page[StockRead], request, response, items, total, limit=limit, offset=offset)


@router.get(
    "/stock/{part_number}",
    response_model=StockRead,
    summary="Get the stock of a part",
    description="Stock of one part; zero if none was ever recorded.",
    responses=problems(404),
)
def get_stock(session: DbSession, part_number: str) -> StockRead:
    return service.get_stock(session, part_number=part_number)


@router.put(
    "/stock/{part_number}",
    response_model=StockRead,
    summary="Set the stock of a part",
    description="Set on-hand quantity, safety stock and weekly usage, in the part's unit.",
    responses=problems(404, 422),
)
def put_stock(session: DbSession, part_number: str, data: StockUpdate) -> StockRead:
    return service.set_stock(session, part_number=part_number, data=data)
