"""The AAS HTTP/REST API (IDTA 01002 Part 2, API 3.0) under /aas/api/v3.0: the shell and submodel
repositories (read), the registry's descriptors and the discovery lookup, over keten's twins.

Every call is behind keten's sign-in like the rest of the API (a viewer reads); errors answer with
the API's Result (``messages[]``) instead of keten's problem details, as AAS clients expect.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from basyx.aas import model
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from keten.deps import get_session
from keten.problems import Problem
from keten.twins import equipment, serialize, store
from keten.twins.paging import (
    AasError,
    decode_id,
    encode_id,
    error_body,
    page,
    paged,
    parse_asset_id,
    parse_cursor,
    parse_level,
    parse_limit,
)

__all__ = ["PREFIX", "router"]

PREFIX = "/aas/api/v3.0"
PROFILES = [
    "https://admin-shell.io/aas/API/3/0/AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
    "https://admin-shell.io/aas/API/3/0/SubmodelRepositoryServiceSpecification/SSP-002",
    "https://admin-shell.io/aas/API/3/0/AssetAdministrationShellRegistryServiceSpecification/SSP-002",
    "https://admin-shell.io/aas/API/3/0/SubmodelRegistryServiceSpecification/SSP-002",
    "https://admin-shell.io/aas/API/3/0/DiscoveryServiceSpecification/SSP-001",
]


class _AasRoute(APIRoute):
    """A route whose every refusal is the AAS API's Result, whatever raised it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except AasError as exc:
                return exc.response()
            except Problem as exc:
                return JSONResponse(error_body(exc.status, exc.detail or exc.title), status_code=exc.status)
            except HTTPException as exc:
                body = error_body(exc.status_code, str(exc.detail))
                return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
            except RequestValidationError as exc:
                text = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
                return JSONResponse(error_body(400, text), status_code=400)

        return answer


router = APIRouter(prefix=PREFIX, tags=["aas"], route_class=_AasRoute)

DbSession = Annotated[Session, Depends(get_session, scope="function")]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _q(request: Request, name: str) -> str | None:
    return request.query_params.get(name)


@router.get("/description", summary="The profiles this server implements")
def description() -> dict[str, Any]:
    """The service description: the API profiles served here."""
    return {"profiles": PROFILES}


# --- shells ----------------------------------------------------------------------------------------


def _matches(twin: store.Twin, asset_ids: list[tuple[str, str]]) -> bool:
    info = twin.shell.asset_information
    specific = {(s.name, s.value) for s in info.specific_asset_id}
    return all(
        (value == info.global_asset_id) if name == "globalAssetId" else ((name, value) in specific)
        for name, value in asset_ids
    )


def _shells(session: Session, request: Request) -> tuple[list[store.Twin], int | None]:
    limit = parse_limit(_q(request, "limit"))
    start = parse_cursor(_q(request, "cursor"))
    id_short = _q(request, "idShort")
    asset_ids = [parse_asset_id(v) for v in request.query_params.getlist("assetIds")]
    if id_short is None and not asset_ids:
        return store.list_shells(session, start=start, limit=limit)
    every, _ = store.list_shells(session, start=0, limit=10**9)
    chosen = [
        t for t in every if (id_short is None or t.shell.id_short == id_short) and _matches(t, asset_ids)
    ]
    chunk = chosen[start : start + limit]
    return chunk, (start + limit if start + limit < len(chosen) else None)


@router.get("/shells", summary="Every shell")
def get_shells(session: DbSession, request: Request) -> dict[str, Any]:
    """Every shell (equipment, then products), filtered by ``idShort`` and ``assetIds``, a page at a time."""
    twins, following = _shells(session, request)
    return paged([serialize.plain(t.shell) for t in twins], following)


@router.get("/shells/$reference", summary="A reference to every shell")
def get_shell_references(session: DbSession, request: Request) -> dict[str, Any]:
    """References to every shell, filtered and paged like /shells."""
    twins, following = _shells(session, request)
    return paged([serialize.plain(model.ModelReference.from_referable(t.shell)) for t in twins], following)


def _twin(session: Session, aas_identifier: str) -> store.Twin:
    return store.shell(session, decode_id(aas_identifier, what="shell identifier"))


@router.get("/shells/{aas_identifier}", summary="One shell")
def get_shell(aas_identifier: str, session: DbSession) -> dict[str, Any]:
    """The shell whose id is ``aas_identifier`` (base64url-encoded)."""
    return serialize.plain(_twin(session, aas_identifier).shell)  # type: ignore[no-any-return]


@router.get("/shells/{aas_identifier}/$reference", summary="A reference to one shell")
def get_shell_reference(aas_identifier: str, session: DbSession) -> dict[str, Any]:
    """A model reference to the shell."""
    return serialize.plain(model.ModelReference.from_referable(_twin(session, aas_identifier).shell))  # type: ignore[no-any-return]


@router.get("/shells/{aas_identifier}/asset-information", summary="The shell's asset information")
def get_asset_information(aas_identifier: str, session: DbSession) -> dict[str, Any]:
    """What the shell says of its asset: kind, global and specific ids."""
    return serialize.plain(_twin(session, aas_identifier).shell.asset_information)  # type: ignore[no-any-return]


@router.get("/shells/{aas_identifier}/asset-information/thumbnail", summary="The asset's thumbnail")
def get_thumbnail(aas_identifier: str, session: DbSession) -> dict[str, Any]:
    """No twin here has a thumbnail: 404 once the shell is found."""
    _twin(session, aas_identifier)
    raise AasError(404, "the shell has no thumbnail")


@router.get("/shells/{aas_identifier}/submodel-refs", summary="References to the shell's submodels")
def get_submodel_refs(aas_identifier: str, session: DbSession, request: Request) -> dict[str, Any]:
    """References to the submodels of the shell, a page at a time."""
    twin = _twin(session, aas_identifier)
    refs = [{"type": "ModelReference", "keys": [{"type": "Submodel", "value": s}]} for s in twin.submodel_ids]
    return page(refs, parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit")))


@router.get("/shells/{aas_identifier}/submodels/{submodel_identifier}", summary="A submodel of the shell")
def get_shell_submodel(
    aas_identifier: str, submodel_identifier: str, session: DbSession, request: Request
) -> Any:
    """The submodel, when the shell names it."""
    return _shell_submodel(aas_identifier, submodel_identifier, "", session, request)


@router.get(
    "/shells/{aas_identifier}/submodels/{submodel_identifier}/{tail:path}",
    summary="Within a submodel of the shell",
)
def get_shell_submodel_part(
    aas_identifier: str, submodel_identifier: str, tail: str, session: DbSession, request: Request
) -> Any:
    """``$value``, ``$metadata``, ``$reference``, ``$path`` and the submodel elements, through the shell."""
    return _shell_submodel(aas_identifier, submodel_identifier, tail, session, request)


def _shell_submodel(
    aas_identifier: str, submodel_identifier: str, tail: str, session: Session, request: Request
) -> Any:
    twin = _twin(session, aas_identifier)
    sm_id = decode_id(submodel_identifier, what="submodel identifier")
    if sm_id not in twin.submodel_ids:
        raise AasError(404, f"the shell has no submodel {sm_id!r}")
    return _submodel_view(session, request, sm_id, tail)


# --- submodels -------------------------------------------------------------------------------------


def _all_submodels(
    session: Session, request: Request, *, whole: bool = False
) -> tuple[list[model.Submodel], int | None]:
    limit = parse_limit(_q(request, "limit"))
    start = parse_cursor(_q(request, "cursor"))
    if whole:
        start, limit = 0, 10**9
    parse_level(_q(request, "level"), _q(request, "extent"))
    semantic = _q(request, "semanticId")
    semantic_id = decode_id(semantic, what="semanticId") if semantic is not None else None
    id_short = _q(request, "idShort")
    ids = store.submodel_ids(session)
    if semantic_id is None and id_short is None:
        chosen = [store.submodel(session, i, base_url=_base(request)) for i in ids[start : start + limit]]
        return chosen, (start + limit if start + limit < len(ids) else None)
    every = [store.submodel(session, i, base_url=_base(request)) for i in ids]
    matching = [
        s
        for s in every
        if (id_short is None or s.id_short == id_short)
        and (semantic_id is None or (s.semantic_id is not None and s.semantic_id.key[0].value == semantic_id))
    ]
    return matching[start : start + limit], (start + limit if start + limit < len(matching) else None)


@router.get("/submodels", summary="Every submodel")
def get_submodels(session: DbSession, request: Request) -> dict[str, Any]:
    """Every submodel, filtered by ``semanticId`` and ``idShort``, a page at a time."""
    submodels, following = _all_submodels(session, request)
    core = _q(request, "level") == "core"
    return paged([_dump(s, core) for s in submodels], following)


@router.get("/submodels/{modifier}", summary="Every submodel, in another form", include_in_schema=False)
def get_submodels_modified(modifier: str, session: DbSession, request: Request) -> dict[str, Any]:
    """``$metadata``, ``$value``, ``$reference`` or ``$path`` of every submodel; else one submodel."""
    if not modifier.startswith("$"):
        return _submodel_view(session, request, decode_id(modifier, what="submodel identifier"), "")  # type: ignore[no-any-return]
    if modifier == "$path":
        # The paths of every submodel are one list, paged as such.
        every, _ = _all_submodels(session, request, whole=True)
        paths = [p for s in every for p in serialize.paths(s)]
        return page(paths, parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit")))
    submodels, following = _all_submodels(session, request)
    forms: dict[str, Callable[[model.Submodel], Any]] = {
        "$metadata": serialize.metadata,
        "$value": serialize.value_only,
        "$reference": lambda s: serialize.plain(model.ModelReference.from_referable(s)),
    }
    form = forms.get(modifier)
    if form is None:
        raise AasError(404, f"no such modifier {modifier!r}")
    return paged([form(s) for s in submodels], following)


@router.get("/submodels/{submodel_identifier}/{tail:path}", summary="Within a submodel")
def get_submodel_part(submodel_identifier: str, tail: str, session: DbSession, request: Request) -> Any:
    """``$value``, ``$metadata``, ``$reference``, ``$path`` and the submodel elements of one submodel."""
    return _submodel_view(session, request, decode_id(submodel_identifier, what="submodel identifier"), tail)


def _dump(obj: model.Submodel | model.SubmodelElement, core: bool) -> Any:
    out = serialize.plain(obj)
    return serialize.core(out) if core else out


def _submodel_view(session: Session, request: Request, sm_id: str, tail: str) -> Any:
    core = parse_level(_q(request, "level"), _q(request, "extent"))
    parts = [p for p in tail.split("/") if p]
    if len(parts) in (2, 3) and parts[0] == "submodel-elements" and parts[2:] in ([], ["$value"]):
        # A live value and its $value, the calls a client polls, from the one value they show.
        live = store.live_element(session, sm_id, parts[1])
        if live is not None:
            return _element_form(live, parts[1], parts[2] if len(parts) == 3 else "", core)
    submodel = store.submodel(session, sm_id, base_url=_base(request))
    if not parts:
        return _dump(submodel, core)
    head, rest = parts[0], parts[1:]
    if head.startswith("$") and not rest:
        return _submodel_form(submodel, head, core)
    if head != "submodel-elements" or len(parts) > 3:
        raise AasError(404, f"no such resource {tail!r} in a submodel")
    if not rest or (len(rest) == 1 and rest[0].startswith("$")):
        return _element_list(submodel, rest[0] if rest else "", core, request)
    element = serialize.element_at(submodel, rest[0])
    if element is None:
        raise AasError(404, f"no submodel element at {rest[0]!r}")
    return _element_form(element, rest[0], rest[1] if len(rest) > 1 else "", core)


def _submodel_form(submodel: model.Submodel, modifier: str, core: bool) -> Any:
    if modifier == "$value":
        return serialize.value_only(submodel)
    if modifier == "$metadata":
        return serialize.metadata(submodel)
    if modifier == "$reference":
        return serialize.plain(model.ModelReference.from_referable(submodel))
    if modifier == "$path":
        return serialize.paths(submodel, deep=not core)
    raise AasError(404, f"no such modifier {modifier!r}")


def _element_list(submodel: model.Submodel, modifier: str, core: bool, request: Request) -> Any:
    items = serialize.elements(submodel)
    start, limit = parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit"))
    if modifier == "":
        return page([_dump(e, core) for e in items], start, limit)
    if modifier == "$value":
        return page([serialize.value_only(e) for e in items], start, limit)
    if modifier == "$metadata":
        return page([serialize.metadata(e) for e in items], start, limit)
    if modifier == "$reference":
        return page([serialize.plain(model.ModelReference.from_referable(e)) for e in items], start, limit)
    if modifier == "$path":
        return page(serialize.paths(submodel, deep=not core), start, limit)
    raise AasError(404, f"no such modifier {modifier!r}")


def _element_form(element: model.SubmodelElement, path: str, modifier: str, core: bool) -> Any:
    if modifier == "":
        return _dump(element, core)
    if modifier == "$value":
        return serialize.value_only(element)
    if modifier == "$metadata":
        return serialize.metadata(element)
    if modifier == "$reference":
        return serialize.plain(model.ModelReference.from_referable(element))
    if modifier == "$path":
        if not isinstance(
            element, model.SubmodelElementCollection | model.SubmodelElementList | model.Entity
        ):
            raise AasError(
                400, f"{path} has no elements below it: $path applies to collections, lists and entities"
            )
        return serialize.paths(element, own=path, deep=not core)
    if modifier == "attachment":
        if not isinstance(element, model.File) or not element.value:
            raise AasError(404, f"{path} is not a file with a value")
        raise AasError(404, f"the file of {path} is not stored on this server")
    raise AasError(404, f"no such modifier {modifier!r}")


# --- serialization ---------------------------------------------------------------------------------


@router.get("/serialization", summary="Shells and submodels as one environment")
def get_serialization(session: DbSession, request: Request) -> dict[str, Any]:
    """The shells of ``aasIds`` and the submodels of ``submodelIds`` (every one of both when neither
    is given) as one AAS environment, with the concept descriptions of keten's own operational data."""
    aas_ids = [decode_id(v, what="aasIds value") for v in request.query_params.getlist("aasIds")]
    sm_ids = [decode_id(v, what="submodelIds value") for v in request.query_params.getlist("submodelIds")]
    include = (_q(request, "includeConceptDescriptions") or "true").lower()
    if include not in ("true", "false"):
        raise AasError(400, f"includeConceptDescriptions must be true or false, not {include!r}")
    if not aas_ids and not sm_ids:
        twins, _ = store.list_shells(session, start=0, limit=10**9)
        sm_ids = [s for t in twins for s in t.submodel_ids]
    else:
        twins = [store.shell(session, i) for i in aas_ids]
    submodels = [store.submodel(session, i, base_url=_base(request)) for i in sm_ids]
    parts = {
        "assetAdministrationShells": [serialize.plain(t.shell) for t in twins],
        "submodels": [serialize.plain(s) for s in submodels],
        "conceptDescriptions": serialize.plain(equipment.concept_descriptions()) if include == "true" else [],
    }
    # The environment's schema has no empty arrays: a part with nothing is left out.
    return {key: value for key, value in parts.items() if value}


# --- registry and discovery ------------------------------------------------------------------------


def _endpoint(interface: str, href: str) -> dict[str, Any]:
    return {
        "interface": interface,
        "protocolInformation": {"href": href, "endpointProtocol": "HTTP", "endpointProtocolVersion": ["1.1"]},
    }


def _submodel_descriptor(summary: store.SubmodelSummary, base: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": summary.id,
        "idShort": summary.id_short,
        "endpoints": [_endpoint("SUBMODEL-3.0", f"{base}{PREFIX}/submodels/{encode_id(summary.id)}")],
    }
    if summary.semantic_id:
        out["semanticId"] = {
            "type": "ExternalReference",
            "keys": [{"type": "GlobalReference", "value": summary.semantic_id}],
        }
    return out


def _shell_descriptor(twin: store.Twin, base: str) -> dict[str, Any]:
    shell = twin.shell
    info = serialize.plain(shell.asset_information)
    out: dict[str, Any] = {
        "id": shell.id,
        "idShort": shell.id_short,
        "assetKind": info["assetKind"],
        "endpoints": [_endpoint("AAS-3.0", f"{base}{PREFIX}/shells/{encode_id(str(shell.id))}")],
        "submodelDescriptors": [_submodel_descriptor(s, base) for s in twin.submodels],
    }
    for key in ("globalAssetId", "specificAssetIds", "assetType"):
        if key in info:
            out[key] = info[key]
    if shell.description:
        out["description"] = serialize.plain(shell)["description"]
    return out


@router.get("/shell-descriptors", summary="Every shell's descriptor")
def get_shell_descriptors(session: DbSession, request: Request) -> dict[str, Any]:
    """Descriptors of every shell (filtered by ``assetKind`` and ``assetType``), a page at a time."""
    kind, asset_type = _q(request, "assetKind"), _q(request, "assetType")
    if kind not in (None, "Type", "Instance", "NotApplicable"):
        raise AasError(400, f"assetKind must be Type, Instance or NotApplicable, not {kind!r}")
    wanted_type = decode_id(asset_type, what="assetType") if asset_type is not None else None
    start, limit = parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit"))
    every, _ = store.list_shells(session, start=0, limit=10**9)
    descriptors = [_shell_descriptor(t, _base(request)) for t in every]
    chosen = [
        d
        for d in descriptors
        if (kind is None or d["assetKind"] == kind)
        and (wanted_type is None or d.get("assetType") == wanted_type)
    ]
    return page(chosen, start, limit)


@router.get("/shell-descriptors/{aas_identifier}", summary="One shell's descriptor")
def get_shell_descriptor(aas_identifier: str, session: DbSession, request: Request) -> dict[str, Any]:
    """The descriptor of one shell, with where to read it and its submodels."""
    return _shell_descriptor(_twin(session, aas_identifier), _base(request))


@router.get(
    "/shell-descriptors/{aas_identifier}/submodel-descriptors", summary="The shell's submodel descriptors"
)
def get_shell_submodel_descriptors(
    aas_identifier: str, session: DbSession, request: Request
) -> dict[str, Any]:
    """Descriptors of the shell's submodels, a page at a time."""
    twin = _twin(session, aas_identifier)
    found = [_submodel_descriptor(s, _base(request)) for s in twin.submodels]
    return page(found, parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit")))


@router.get(
    "/shell-descriptors/{aas_identifier}/submodel-descriptors/{submodel_identifier}",
    summary="One of the shell's submodel descriptors",
)
def get_shell_submodel_descriptor(
    aas_identifier: str, submodel_identifier: str, session: DbSession, request: Request
) -> dict[str, Any]:
    """The descriptor of one submodel of the shell."""
    twin = _twin(session, aas_identifier)
    sm_id = decode_id(submodel_identifier, what="submodel identifier")
    for summary in twin.submodels:
        if summary.id == sm_id:
            return _submodel_descriptor(summary, _base(request))
    raise AasError(404, f"the shell has no submodel {sm_id!r}")


def _all_summaries(session: Session) -> list[store.SubmodelSummary]:
    every, _ = store.list_shells(session, start=0, limit=10**9)
    return [s for t in every for s in t.submodels]


@router.get("/submodel-descriptors", summary="Every submodel's descriptor")
def get_submodel_descriptors(session: DbSession, request: Request) -> dict[str, Any]:
    """Descriptors of every submodel, a page at a time."""
    found = [_submodel_descriptor(s, _base(request)) for s in _all_summaries(session)]
    return page(found, parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit")))


@router.get("/submodel-descriptors/{submodel_identifier}", summary="One submodel's descriptor")
def get_submodel_descriptor(submodel_identifier: str, session: DbSession, request: Request) -> dict[str, Any]:
    """The descriptor of one submodel."""
    sm_id = decode_id(submodel_identifier, what="submodel identifier")
    for summary in _all_summaries(session):
        if summary.id == sm_id:
            return _submodel_descriptor(summary, _base(request))
    raise AasError(404, f"no submodel with id {sm_id!r}")


@router.get("/lookup/shells", summary="Shell ids by asset ids")
def lookup_shells(session: DbSession, request: Request) -> dict[str, Any]:
    """The ids of the shells whose asset has every one of ``assetIds`` (discovery)."""
    asset_ids = [parse_asset_id(v) for v in request.query_params.getlist("assetIds")]
    start, limit = parse_cursor(_q(request, "cursor")), parse_limit(_q(request, "limit"))
    every, _ = store.list_shells(session, start=0, limit=10**9)
    return page([str(t.shell.id) for t in every if _matches(t, asset_ids)], start, limit)


@router.get("/lookup/shells/{aas_identifier}", summary="The asset ids of a shell")
def lookup_asset_ids(aas_identifier: str, session: DbSession) -> list[dict[str, Any]]:
    """The asset ids (the global one named ``globalAssetId`` and the specific ones) of a shell."""
    info = _twin(session, aas_identifier).shell.asset_information
    found = [{"name": "globalAssetId", "value": info.global_asset_id}] if info.global_asset_id else []
    return found + [{"name": s.name, "value": s.value} for s in info.specific_asset_id]
