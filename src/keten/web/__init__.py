"""The shell of the web app: security headers, the audit log, sign-in, navigation, static assets,
and the pages of every domain mounted in one place."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

__all__ = ["NAVIGATION", "STATIC", "install"]

STATIC = Path(__file__).resolve().parent / "static"
# The package ships one Swagger UI version in a folder named after it.
SWAGGER_UI = max(Path(str(files("swagger_ui_bundle") / "vendor")).glob("swagger-ui-*"))

NAVIGATION = [
    ("/", "Overview", "viewer"),
    ("/parts", "Parts", "viewer"),
    ("/organizations", "Organizations", "viewer"),
    ("/footprints", "Footprints", "viewer"),
    ("/exchange", "Exchange", "viewer"),
    ("/risk", "Risk", "viewer"),
    ("/passports", "Passports", "viewer"),
    ("/connector", "Factory", "viewer"),
    ("/lifecycle", "Lifecycle", "viewer"),
    ("/import", "Import", "editor"),
    ("/users", "Users", "admin"),
]
"""(path, label, least role that sees it) of the main navigation; later domains add theirs."""


def install(app: FastAPI) -> None:
    """Add the shell and every domain's pages to ``app``."""
    from keten.catalog import pages as catalog_pages
    from keten.connector import pages as connector_pages
    from keten.dataio import pages as dataio_pages
    from keten.exchange import pages as exchange_pages
    from keten.exchange.router import REPLAY_LANE as EXCHANGE_LANE
    from keten.footprints import pages as footprints_pages
    from keten.lifecycle import pages as lifecycle_pages
    from keten.partners import pages as partners_pages
    from keten.passports import pages as passports_pages
    from keten.passports import resolver as passports_resolver
    from keten.passports.router import REPLAY_LANE as PASSPORTS_LANE
    from keten.replay import Replay
    from keten.resilience import pages as resilience_pages
    from keten.web import audit, pages
    from keten.web.security import SecurityHeaders

    # Replay sits inside SecurityHeaders, so a replayed answer gets the same headers as the first.
    app.add_middleware(
        Replay, lanes=[EXCHANGE_LANE, PASSPORTS_LANE], max_bytes=app.state.settings.replay_max_bytes
    )
    app.add_middleware(SecurityHeaders)
    audit.install(app.state.session_factory)
    app.state.navigation = list(NAVIGATION)
    for router in (
        pages.router,
        catalog_pages.router,
        partners_pages.router,
        dataio_pages.router,
        footprints_pages.router,
        exchange_pages.router,
        resilience_pages.router,
        passports_pages.router,
        passports_resolver.router,
        connector_pages.router,
        lifecycle_pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/vendor/swagger-ui", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
