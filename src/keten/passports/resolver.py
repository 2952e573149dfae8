"""The GS1 Digital Link resolver of passports, as the GS1-Conformant Resolver standard (1.2.0) asks.

A Digital Link URI (``/01/{gtin}``, ``/01/{gtin}/10/{batch}``, ``/01/{gtin}/21/{serial}`` and
``/01/{gtin}/10/{batch}/21/{serial}``) answers in one of three ways:

- without ``linkType``, the passport itself (200), in the format the Accept header prefers: the page,
  JSON-LD, JSON, AAS JSON or an AASX package; filtered to the caller's tier;
- with ``linkType=all`` (or ``linkset``, the 1.1 name), the RFC 9264 linkset of the passport and of
  each less specific level that has one (the batch, the model);
- with any other link type, a 307 redirect to the link of that type (among several, the one whose
  media type the Accept header prefers); a link type the passport has no link of, or does not know,
  gets its default link. The query string, ``linkType`` left out, is passed on.

A request that is not a GS1 Digital Link URI (a wrong check digit, an unknown AI, qualifiers out of
order, a value of the wrong length or characters) is a 400 problem; a valid one that names no
passport is a 404; an Accept header none of the answers can serve is a 406. Every answer carries a
``Link`` header naming the linkset and each link, and CORS headers, so a browser application on
another origin can resolve. HEAD answers like GET without the body; OPTIONS says what is allowed.
The resolver describes itself at ``/.well-known/gs1resolver``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from keten.deps import get_session
from keten.partners import service as partners
from keten.passports import service
from keten.passports.models import PassportRecord
from keten.passports.pages import render_page
from keten.passports.router import (
    AAS_JSON,
    AASX,
    JSONLD,
    TierQuery,
    aas_answer,
    json_answer,
    mark_public_read,
    reader_tier,
)
from keten.passports.schemas import check_gtin
from keten.problems import Problem
from keten.ui import access

__all__ = [
    "GS1_VOC",
    "LINKSET",
    "DigitalLink",
    "Link",
    "best_format",
    "description",
    "links_of",
    "linkset",
    "parse",
    "router",
]

router = APIRouter(include_in_schema=False)

DbSession = Annotated[Session, Depends(get_session, scope="function")]
PUBLIC = access("public")
GS1_VOC = "https://gs1.org/voc/"
"""Namespace of the GS1 Web Vocabulary's link types, as linksets of GS1 resolvers name them."""
LINKSET = "application/linkset+json"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
"""GS1's JSON-LD context of linksets, which turns a linkset served as JSON into linked data."""
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
METHODS = "GET, HEAD, OPTIONS"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": METHODS,
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Authorization",
    "Access-Control-Expose-Headers": "Link, Location, Vary, Content-Type",
}
Format = Literal["html", "jsonld", "json", "aas", "aasx"]
_PASSPORT_TYPES: dict[str, Format] = {
    "text/html": "html",
    JSONLD: "jsonld",
    "application/json": "json",
    AAS_JSON: "aas",
    AASX: "aasx",
}
_LINKSET_TYPES = {LINKSET: LINKSET, "application/json": "application/json", JSONLD: JSONLD}

# GS1 AI 22, 10 and 21: up to 20 characters of CSET 82; AI 235 up to 28. In this order after AI 01.
_QUALIFIERS = {"22": 20, "10": 20, "21": 20, "235": 28}
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")


# --- the Digital Link ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitalLink:
    """A GS1 Digital Link URI with AI 01 (a GTIN, 14 digits) and the key qualifiers keten reads."""

    gtin: str
    batch: str | None = None
    serial: str | None = None
    variant: str | None = None
    """AI 22 (consumer product variant) or AI 235 (third-party serial): valid, but keten keeps none."""

    @property
    def path(self) -> str:
        """Return the path of the URI, qualifiers in the standard's order."""
        path = f"/01/{self.gtin}"
        if self.batch is not None:
            path += f"/10/{self.batch}"
        if self.serial is not None:
            path += f"/21/{self.serial}"
        return path


def _bad(detail: str) -> Problem:
    return Problem(400, "Not a GS1 Digital Link URI", detail, type_="https://ref.gs1.org/standards/resolver/")


def parse(raw_path: str) -> DigitalLink:
    """Return the Digital Link a request path names (``/01/…``, percent-encoded as received);
    a 400 problem that says what is wrong if it is not a valid GS1 Digital Link URI."""
    segments = raw_path.split("/")[1:]
    if segments and segments[-1] == "":
        segments.pop()  # a trailing slash is tolerated
    if len(segments) < 2 or segments[0] != "01":
        raise _bad(f"{raw_path} does not start with /01/ and a GTIN")
    try:
        gtin = check_gtin(unquote(segments[1]))
    except ValueError as exc:
        raise _bad(f"AI 01 in {raw_path}: {exc}") from exc
    values: dict[str, str] = {}
    order = list(_QUALIFIERS)
    last = -1
    rest = segments[2:]
    if len(rest) % 2:
        raise _bad(f"{raw_path} ends with AI {rest[-1]!r} without a value")
    for ai, encoded in zip(rest[::2], rest[1::2], strict=True):
        if ai not in _QUALIFIERS:
            raise _bad(f"AI {ai!r} in {raw_path} is not a key qualifier of a GTIN (22, 10, 21 or 235)")
        if order.index(ai) <= last:
            raise _bad(f"AI {ai} in {raw_path} is out of order or repeated; the order is 22, 10, 21, 235")
        last = order.index(ai)
        value = unquote(encoded)
        if not value or len(value) > _QUALIFIERS[ai] or not _CSET82.match(value):
            raise _bad(
                f"AI {ai} in {raw_path}: {value!r} must be 1 to {_QUALIFIERS[ai]} characters "
                "of GS1's character set 82"
            )
        values[ai] = value
    return DigitalLink(
        gtin=gtin,
        batch=values.get("10"),
        serial=values.get("21"),
        variant=values.get("22") or values.get("235"),
    )


def find(session: Session, link: DigitalLink) -> PassportRecord:
    """Return the passport a Digital Link names; a 404 problem if none.

    An item is known by its GTIN and serial (the serial is unique within the GTIN); a batch number
    given with the serial must be the item's own.
    """
    if link.variant is not None:
        raise Problem(404, "Not Found", f"keten keeps no passports by AI 22 or 235 ({link.path})")
    record = service.find(
        session, gtin=link.gtin, serial=link.serial, batch=None if link.serial else link.batch
    )
    if link.serial is not None and link.batch is not None and record.batch != link.batch:
        raise Problem(
            404, "Not Found", f"item {link.serial} of GTIN {link.gtin} is not recorded in batch {link.batch}"
        )
    return record


def _levels(session: Session, record: PassportRecord, link: DigitalLink) -> list[PassportRecord]:
    """Return the passport and the passport of each less specific level of the request URI that
    exists: the item, the batch (when the URI names it), the model."""
    levels = [record]
    if record.level == "item" and link.batch is not None:
        batch = session.scalar(
            select(PassportRecord).where(PassportRecord.link == f"/01/{record.gtin}/10/{record.batch}")
        )
        if batch is not None:
            levels.append(batch)
    if record.model_id is not None:
        model = session.get(PassportRecord, record.model_id)
        if model is not None:
            levels.append(model)
    return levels


# --- links --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A link of a passport: its GS1 link type (without namespace), target and metadata."""

    type: str
    href: str
    title: str
    media_type: str
    hreflang: tuple[str, ...] = ()


_PAGE_LANGUAGES = ("en", "nl")


def _page_link(link_type: str, href: str, title: str) -> Link:
    return Link(link_type, href, title, "text/html", _PAGE_LANGUAGES)


def links_of(session: Session, record: PassportRecord, base: str) -> list[Link]:
    """Return the links of a passport, the default link first: its page, its JSON-LD and JSON, and
    the page's sections a reader without credentials finds (footprint, documents, repair, end of life)."""
    page = f"{base}/passports/{record.uid}"
    api = f"{base}/api/passports/{record.uid}"
    # The public view, which keten keeps in memory per revision once read.
    passport = json.loads(service.document_json(session, passport_id=record.uid, tier="public"))["passport"]
    links = [
        _page_link("defaultLink", page, "Digital product passport"),
        _page_link("pip", page, "Product information"),
        Link("dpp", f"{api}/jsonld", "Digital product passport (JSON-LD)", JSONLD),
        Link("dpp", api, "Digital product passport (JSON)", "application/json"),
    ]
    if passport.get("carbonFootprint") or passport.get("composition"):
        links.append(
            _page_link("sustainabilityInfo", f"{page}#footprint", "Carbon footprint and composition")
        )
    if passport.get("documents") or passport.get("conformity"):
        links.append(_page_link("certificationInfo", f"{page}#documents", "Conformity and certificates"))
    circularity = passport.get("circularity") or {}
    if circularity:
        links.append(_page_link("serviceInfo", f"{page}#repair", "Repair and durability"))
        links.append(_page_link("instructions", f"{page}#repair", "Repair instructions"))
    if circularity.get("endOfLife") or circularity.get("disassembly"):
        links.append(_page_link("recyclingInfo", f"{page}#disassembly", "Disassembly and end of life"))
    return links


def _link_object(link: Link) -> dict[str, Any]:
    target: dict[str, Any] = {"href": link.href, "title": link.title, "type": link.media_type}
    if link.hreflang:
        target["hreflang"] = list(link.hreflang)
    return target


def linkset(session: Session, record: PassportRecord, link: DigitalLink, base: str) -> dict[str, Any]:
    """Return the RFC 9264 linkset (JSON form) of a passport and of each less specific level."""
    contexts = []
    for level in _levels(session, record, link):
        entry: dict[str, Any] = {"anchor": base + level.link}
        for item in links_of(session, level, base):
            entry.setdefault(GS1_VOC + item.type, []).append(_link_object(item))
        contexts.append(entry)
    return {"linkset": contexts}


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def link_header(link: DigitalLink, links: list[Link], base: str) -> str:
    """Return the Link header of a resolver answer: the linkset first, then every link."""
    own = base + link.path
    parts = [f'<{own}?linkType=all>; rel="linkset"; type="{LINKSET}"; title="Linkset of {_quoted(own)}"']
    for item in links:
        part = (
            f'<{item.href}>; rel="{GS1_VOC}{item.type}"; title="{_quoted(item.title)}"; '
            f'type="{item.media_type}"'
        )
        if item.hreflang:
            part += f'; hreflang="{item.hreflang[0]}"'
        parts.append(part)
    return ", ".join(parts)


# --- content negotiation ------------------------------------------------------------------------


def _preferences(accept: str | None) -> list[tuple[str, float, int]]:
    """Return (media range, quality, position) of each entry of an Accept header."""
    out = []
    for position, part in enumerate((accept or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        out.append((media.lower(), quality, position))
    return out


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """Return the offered media type the Accept header prefers (RFC 9110, 12.5.1), or None when it
    accepts none. No Accept header accepts anything. A type takes the quality of the most specific
    range that matches it; ties go to the order of ``offered``."""
    ranges = _preferences(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int] | None = None
    chosen = None
    for rank, media in enumerate(offered):
        kind = media.split("/")[0]
        matches = [
            (2 if r == media else 1 if r == f"{kind}/*" else 0, q)
            for r, q, _ in ranges
            if r in (media, f"{kind}/*", "*/*")
        ]
        if not matches:
            continue
        quality = max(matches)[1]
        if quality > 0 and (best is None or (quality, -rank) > best):
            best, chosen = (quality, -rank), media
    return chosen


def best_format(accept: str | None) -> Format | None:
    """Return what to answer a passport read with, or None when the Accept header takes none.

    No Accept header, or ``*/*`` alone, gets JSON-LD; ``text/*`` the page; ties in quality go to the
    order page, JSON-LD, JSON, AAS, AASX when the header names the types, else JSON-LD first.
    """
    ranges = _preferences(accept)
    named = any(r in _PASSPORT_TYPES for r, _, _ in ranges)
    offered = list(_PASSPORT_TYPES) if named else [JSONLD, "text/html", "application/json", AAS_JSON, AASX]
    chosen = negotiate(accept, offered)
    return None if chosen is None else _PASSPORT_TYPES[chosen]


def _not_acceptable(accept: str | None, offered: list[str]) -> Problem:
    return Problem(
        406, "Not Acceptable", f"cannot answer in any type of Accept: {accept}; offered: {', '.join(offered)}"
    )


# --- answers ------------------------------------------------------------------------------------


def _base(request: Request) -> str:
    return str(request.app.state.settings.resolver_url).rstrip("/")


def _passed_on(request: Request) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("linkType", "tier")]
    return urlencode(kept)


def _with_query(href: str, query: str) -> str:
    if not query:
        return href
    target, hash_, fragment = href.partition("#")
    return f"{target}{'&' if '?' in target else '?'}{query}{hash_}{fragment}"


def _link_type(value: str) -> str:
    """Return a link type without its namespace: ``gs1:pip`` and ``https://gs1.org/voc/pip`` are ``pip``."""
    for prefix in ("gs1:", GS1_VOC, "https://ref.gs1.org/voc/", "http://gs1.org/voc/"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _redirect(request: Request, link_type: str, links: list[Link], headers: dict[str, str]) -> Response:
    """Return a 307 to the link of ``link_type`` the Accept header prefers; the default link when
    the passport has none of that type."""
    wanted = [item for item in links if item.type == _link_type(link_type)] or [
        item for item in links if item.type == "defaultLink"
    ]
    accept = request.headers.get("accept")
    chosen_type = negotiate(accept, [item.media_type for item in wanted]) or wanted[0].media_type
    target = next(item for item in wanted if item.media_type == chosen_type)
    headers = {**headers, "Location": _with_query(target.href, _passed_on(request)), "Vary": "Accept"}
    return Response(status_code=307, headers=headers)


def _linkset_answer(
    session: Session, request: Request, record: PassportRecord, link: DigitalLink, headers: dict[str, str]
) -> Response:
    accept = request.headers.get("accept")
    chosen = negotiate(accept, list(_LINKSET_TYPES))
    if chosen is None:
        raise _not_acceptable(accept, list(_LINKSET_TYPES))
    body = linkset(session, record, link, _base(request))
    headers = {**headers, "Vary": "Accept"}
    if chosen == JSONLD:
        body = {"@context": LINKSET_CONTEXT, **body}
    elif chosen == "application/json":
        context = f'<{LINKSET_CONTEXT}>; rel="{JSONLD_CONTEXT_REL}"; type="{JSONLD}"'
        headers["Link"] += f', {context}; title="JSON-LD context of linksets"'
    return Response(json.dumps(body, ensure_ascii=False), media_type=chosen, headers=headers)


def _passport_answer(
    session: Session, request: Request, record: PassportRecord, tier: str | None, headers: dict[str, str]
) -> Response:
    accept = request.headers.get("accept")
    fmt = best_format(accept)
    if fmt is None:
        raise _not_acceptable(accept, list(_PASSPORT_TYPES))
    reading = reader_tier(request, session, tier)
    if fmt == "html":
        response = render_page(request, session, record, reading)
    elif fmt in ("aas", "aasx"):
        response = aas_answer(request, session, record=record, tier=reading, package=fmt == "aasx")
    else:
        response = json_answer(
            session, request, passport_id=record.uid, tier=reading, linked_data=fmt == "jsonld"
        )
        mark_public_read(request, reading)
    context_link = response.headers.get("link")
    for key, value in headers.items():
        response.headers[key] = value
    if context_link:
        response.headers["Link"] = f'{headers["Link"]}, {context_link}; title="JSON-LD context of passports"'
    # The tier, and so the answer, follows the token or the session.
    response.headers["Vary"] = "Accept, Authorization, Cookie"
    return response


def _head(response: Response) -> Response:
    """Return ``response`` without its body, every header kept (Content-Length of the GET included)."""
    headers = {k: v for k, v in response.headers.items()}
    return Response(status_code=response.status_code, headers=headers)


def resolve(request: Request, session: Session, tier: str | None) -> Response:
    """Answer a request for a Digital Link URI (see the module's docstring)."""
    raw = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    link = parse(raw)
    record = find(session, link)
    base = _base(request)
    links = links_of(session, record, base)
    headers = {**CORS, "Link": link_header(link, links, base), "Cache-Control": "private, no-cache"}
    link_type = request.query_params.get("linkType")
    if link_type in ("all", "linkset"):
        return _linkset_answer(session, request, record, link, headers)
    if link_type:
        return _redirect(request, link_type, links, headers)
    return _passport_answer(session, request, record, tier, headers)


@router.api_route("/01/{path:path}", methods=["GET", "HEAD"], openapi_extra=PUBLIC)
def resolve_link(request: Request, session: DbSession, path: str, tier: TierQuery = None) -> Response:
    """A passport by its GS1 Digital Link URI (AI 01 with AI 10 and AI 21)."""
    response = resolve(request, session, tier)
    session.commit()
    return _head(response) if request.method == "HEAD" else response


@router.options("/01/{path:path}", openapi_extra=PUBLIC)
def resolve_options(request: Request, path: str) -> Response:
    """What a client may do with a Digital Link URI (CORS preflight included)."""
    raw = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    parse(raw)
    return Response(status_code=204, headers={**CORS, "Allow": METHODS})


def description(session: Session, resolver: str) -> dict[str, Any]:
    """Return the resolver description file (GS1-Conformant Resolver standard, section 5)."""
    owners, _ = partners.list_organizations(session, role="own", limit=1, offset=0)
    own = owners[0] if owners else None
    contact: dict[str, Any] = {"fn": own.name if own is not None else "keten"}
    if own is not None and own.website:
        contact["url"] = own.website
    return {
        "name": f"keten passport resolver of {contact['fn']}",
        "resolverRoot": resolver.rstrip("/"),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeAll": False,
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": True,
        "supportsLanguageVariants": True,
        "contact": contact,
    }


@router.get("/.well-known/gs1resolver", openapi_extra=PUBLIC)
def well_known(request: Request, session: DbSession) -> JSONResponse:
    """The resolver description file."""
    return JSONResponse(
        description(session, _base(request)),
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )
