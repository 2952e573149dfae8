"""JSON API of the catalog: parts, BOMs, explosion and where-used, materials, composition, stock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from keten.catalog import service
from keten.catalog.schemas import (
    BomLineIn,
    BomLineRead,
    CompositionIn,
    CompositionRead,
    ExplosionItem,
    MaterialCreate,
    MaterialRead,
    MaterialUpdate,
    PartCreate,
    PartRead,
    PartUpdate,
    SourceRead,
    StockRead,
    StockUpdate,
    WhereUsedItem,
)
from keten.deps import get_session
from keten.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, set_link_header

__all__ = ["router"]

router = APIRouter(tags=["catalog"])

DbSession = Annotated[Session, Depends(get_session)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, description="Items to skip.")]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such part."},
    422: {"description": "Invalid input."},
}


@router.get("/parts", response_model=Page[PartRead], summary="List parts")
def list_parts(
    request: Request,
    response: Response,
    session: DbSession,
    q: Annotated[str | None, Query(description="Part number or name contains this (any case).")] = None,
    kind: Annotated[
        str | None, Query(description="product, assembly, component, material or consumable.")
    ] = None,
    category: Annotated[str | None, Query(description="Part category.")] = None,
    value_chain: Annotated[str | None, Query(description="Value chain of products.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[PartRead]:
    """Parts by part number, filtered and paginated; the Link header points to the next and previous pages."""
    items, total = service.list_parts(
        session, limit=limit, offset=offset, q=q, kind=kind, category=category, value_chain=value_chain
    )
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[PartRead](
        items=[PartRead.model_validate(p) for p in items], total=total, limit=limit, offset=offset
    )


@router.post(
    "/parts",
    response_model=PartRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a part",
    responses={409: {"description": "The part number is taken."}},
)
def create_part(session: DbSession, data: PartCreate) -> PartRead:
    """Create a part with a new part number."""
    return PartRead.model_validate(service.create_part(session, data=data))


@router.get("/parts/{part_number}", response_model=PartRead, summary="Get a part", responses=PROBLEMS)
def get_part(session: DbSession, part_number: str) -> PartRead:
    """One part by its part number."""
    return PartRead.model_validate(service.get_part(session, part_number=part_number))


@router.patch("/parts/{part_number}", response_model=PartRead, summary="Change a part", responses=PROBLEMS)
def patch_part(session: DbSession, part_number: str, data: PartUpdate) -> PartRead:
    """Change the fields given; the part's revision goes up by one if anything changed."""
    return PartRead.model_validate(service.update_part(session, part_number=part_number, data=data))


@router.put("/parts/{part_number}", response_model=PartRead, summary="Replace a part", responses=PROBLEMS)
def put_part(session: DbSession, part_number: str, data: PartUpdate) -> PartRead:
    """Set every field; fields left out become empty. The revision goes up if anything changed."""
    return PartRead.model_validate(
        service.update_part(session, part_number=part_number, data=data, replace=True)
    )


@router.delete(
    "/parts/{part_number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a part",
    responses={**PROBLEMS, 409: {"description": "The part is still used in a BOM."}},
)
def delete_part(session: DbSession, part_number: str) -> Response:
    """Delete a part that no BOM uses (its own BOM lines, composition and sources go with it)."""
    service.delete_part(session, part_number=part_number)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/parts/{part_number}/bom",
    response_model=list[BomLineRead],
    summary="Direct children",
    responses=PROBLEMS,
)
def get_bom(session: DbSession, part_number: str) -> list[BomLineRead]:
    """The direct children of a part with their quantity per unit.

    `has_children` says whether a tree can open the child.
    """
    return service.bom_children(session, part_number=part_number)


@router.put(
    "/parts/{part_number}/bom",
    response_model=list[BomLineRead],
    summary="Replace a BOM",
    responses={**PROBLEMS, 409: {"description": "The BOM would contain a cycle; the problem names it."}},
)
def put_bom(session: DbSession, part_number: str, lines: list[BomLineIn]) -> list[BomLineRead]:
    """Make the BOM of a part exactly these lines.

    A line's unit, if given, is converted to the child's unit.
    """
    return service.replace_bom(session, part_number=part_number, lines=lines)


@router.get(
    "/parts/{part_number}/explosion",
    response_model=Page[ExplosionItem],
    summary="Explode a BOM",
    responses=PROBLEMS,
)
def explosion(
    request: Request,
    response: Response,
    session: DbSession,
    part_number: str,
    quantity: Annotated[float, Query(gt=0, description="Units of the part to explode.")] = 1.0,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[ExplosionItem]:
    """Total quantity of every part in `quantity` units, through all levels.

    A shared subassembly counts once per use. `level` is the deepest level at which the part occurs
    below the exploded part.
    """
    items, total = service.explode_part(
        session, part_number=part_number, quantity=quantity, limit=limit, offset=offset
    )
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[ExplosionItem](items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/parts/{part_number}/where-used",
    response_model=list[WhereUsedItem],
    summary="Where used",
    responses=PROBLEMS,
)
def where_used(session: DbSession, part_number: str) -> list[WhereUsedItem]:
    """Every part that contains this one, at any level, with the quantity per unit of it.

    Direct parents come first.
    """
    return service.where_used_part(session, part_number=part_number)


@router.get(
    "/parts/{part_number}/materials",
    response_model=list[CompositionRead],
    summary="Material composition",
    responses=PROBLEMS,
)
def get_materials(session: DbSession, part_number: str) -> list[CompositionRead]:
    """What one unit of the part is made of, in kg, with recycled shares."""
    return service.composition(session, part_number=part_number)


@router.put(
    "/parts/{part_number}/materials",
    response_model=list[CompositionRead],
    summary="Replace composition",
    responses=PROBLEMS,
)
def put_materials(session: DbSession, part_number: str, lines: list[CompositionIn]) -> list[CompositionRead]:
    """Make the composition exactly these lines; the materials may not weigh more than the part."""
    return service.replace_composition(session, part_number=part_number, lines=lines)


@router.get(
    "/parts/{part_number}/sources",
    response_model=list[SourceRead],
    summary="Sources of a part",
    responses=PROBLEMS,
)
def get_sources(session: DbSession, part_number: str) -> list[SourceRead]:
    """The supplier sites that supply the part, with share, lead time, price and qualification."""
    return service.sources(session, part_number=part_number)


@router.get("/materials", response_model=Page[MaterialRead], summary="List materials")
def list_materials(
    request: Request,
    response: Response,
    session: DbSession,
    family: Annotated[str | None, Query(description="Material family.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[MaterialRead]:
    """Materials by code."""
    items, total = service.list_materials(session, limit=limit, offset=offset, family=family)
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[MaterialRead](
        items=[MaterialRead.model_validate(m) for m in items], total=total, limit=limit, offset=offset
    )


@router.post(
    "/materials",
    response_model=MaterialRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a material",
)
def create_material(session: DbSession, data: MaterialCreate) -> MaterialRead:
    """Create a material with a new code."""
    return MaterialRead.model_validate(service.create_material(session, data=data))


@router.get("/materials/{code}", response_model=MaterialRead, summary="Get a material")
def get_material(session: DbSession, code: str) -> MaterialRead:
    """One material by its code."""
    return MaterialRead.model_validate(service.get_material(session, code=code))


@router.patch("/materials/{code}", response_model=MaterialRead, summary="Change a material")
def patch_material(session: DbSession, code: str, data: MaterialUpdate) -> MaterialRead:
    """Change the fields given."""
    return MaterialRead.model_validate(service.update_material(session, code=code, data=data))


@router.delete("/materials/{code}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a material")
def delete_material(session: DbSession, code: str) -> Response:
    """Delete a material that no part is made of."""
    service.delete_material(session, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/stock", response_model=Page[StockRead], summary="Stock")
def list_stock(
    request: Request, response: Response, session: DbSession, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[StockRead]:
    """Stock on hand, safety stock and weekly usage of every part that has stock."""
    items, total = service.list_stock(session, limit=limit, offset=offset)
    set_link_header(request, response, total=total, limit=limit, offset=offset)
    return Page[StockRead](items=items, total=total, limit=limit, offset=offset)


@router.put("/stock/{part_number}", response_model=StockRead, summary="Set stock", responses=PROBLEMS)
def put_stock(session: DbSession, part_number: str, data: StockUpdate) -> StockRead:
    """Set the stock of a part, in its unit of measure."""
    return service.set_stock(session, part_number=part_number, data=data)
