"""The web application: pages, the JSON API under /api, OpenAPI at /docs, RFC 9457 errors; every
route behind keten.web.access unless it says it is public."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from keten import __version__
from keten.db import make_engine, make_session_factory
from keten.deps import get_session
from keten.problems import Problem
from keten.settings import Settings, get_settings
from keten.web import access
from keten.web.errors import error_page, wants_page

__all__ = ["create_app", "get_session"]

PROBLEM_JSON = "application/problem+json"


def _is_contention(exc: OperationalError) -> bool:
    """Whether ``exc`` is a lock wait that ran out or a deadlock the database broke, not a fault."""
    code = getattr(exc.orig, "sqlstate", None)
    # 40001 serialization failure, 40P01 deadlock, 55P03 lock not available (PostgreSQL)
    return code in {"40001", "40P01", "55P03"} or "database is locked" in str(exc.orig)


def _problem_response(request: Request, status: int, body: dict[str, Any]) -> JSONResponse:
    body.setdefault("instance", request.url.path)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _answer(request: Request, status: int, title: str, detail: str) -> Response:
    """Return ``detail`` as an error page to a browser, as a problem to anyone else."""
    if wants_page(request):
        return error_page(request, status, detail)
    return _problem_response(request, status, Problem(status, title, detail).to_dict())


def _install_database_handlers(app: FastAPI) -> None:
    """Answer what the database refuses with a 4xx: these come from input or from a race, not a fault."""

    @app.exception_handler(IntegrityError)
    async def _collision(request: Request, exc: IntegrityError) -> Response:
        # A uniqueness check raced with another request's insert: the database kept the first.
        detail = "the change collides with one made at the same time or with what is stored; try again"
        return _answer(request, 409, "Conflict", detail)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        # A value the schema let through but the database cannot hold (an id past its integer range).
        detail = "a value in the request is outside what the database can hold; check ids and numbers"
        return _answer(request, 422, "Unprocessable Content", detail)

    @app.exception_handler(OperationalError)
    async def _contention(request: Request, exc: OperationalError) -> Response:
        if not _is_contention(exc):
            raise exc
        detail = "the database is busy with another change to the same data; try again in a moment"
        response = _answer(request, 409, "Conflict", detail)
        response.headers["Retry-After"] = "1"
        return response


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        if wants_page(request):
            return error_page(request, exc.status, exc.detail or exc.title)
        return _problem_response(request, exc.status, exc.to_dict())

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "location": ".".join(str(p) for p in err.get("loc", ())),
                "message": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        if wants_page(request):
            detail = "; ".join(f"{e['location'].split('.')[-1]}: {e['message']}" for e in errors)
            return error_page(request, 422, detail)
        body = {
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "the request does not match the API's schema; see errors",
            "errors": errors,
        }
        return _problem_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        from http import HTTPStatus

        if wants_page(request):
            return error_page(request, exc.status_code, str(exc.detail) if exc.detail else None)

        title = HTTPStatus(exc.status_code).phrase
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": exc.status_code}
        if exc.detail and exc.detail != title:
            body["detail"] = str(exc.detail)
        response = _problem_response(request, exc.status_code, body)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    from starlette.concurrency import run_in_threadpool

    from keten.exchange import worker
    from keten.exchange.service import flush_access_log

    # One outbox worker per server process, so a single node needs no process of its own for it.
    halt = worker.embedded(app.state.settings, app.state.session_factory)
    try:
        yield
    finally:
        if halt is not None:
            await run_in_threadpool(halt)
        # The exchange's access log is written in batches; what is queued is written before exit.
        flush_access_log(app.state.engine)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the keten web application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title=f"keten API ({settings.node_name})",
        version=__version__,
        description="The open digital backbone for high-tech value chains.",
        # Served by keten.web behind sign-in, with Swagger UI from this node instead of a CDN.
        docs_url=None,
        openapi_url=None,
        redoc_url=None,
        dependencies=[Depends(access.guard)],
        lifespan=_lifespan,
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    _install_error_handlers(app)
    _install_database_handlers(app)

    from keten.routes import include_routers

    include_routers(app)
    from keten import web

    web.install(app)
    from keten.web.inputs import RequestInputs

    # Outermost, so nothing behind it sees a request that is too large or holds a NUL character.
    app.add_middleware(RequestInputs, max_bytes=settings.max_upload_mb * 1024 * 1024)
    return app
