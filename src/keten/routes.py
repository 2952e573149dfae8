"""Every domain's JSON router, mounted under /api, and the PACT API at the root."""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["include_routers"]


def include_routers(app: FastAPI) -> None:
    """Mount each domain's router on ``app``."""
    from keten.catalog.router import router as catalog_router
    from keten.connector.router import router as connector_router
    from keten.dataio.router import router as dataio_router
    from keten.exchange.router import pact_router
    from keten.exchange.router import router as exchange_router
    from keten.footprints.router import router as footprints_router
    from keten.lifecycle.router import epcis_router
    from keten.lifecycle.router import router as lifecycle_router
    from keten.partners.router import router as partners_router
    from keten.passports.router import public_router as passports_public_router
    from keten.passports.router import router as passports_router
    from keten.resilience.router import router as resilience_router
    from keten.twins.router import router as twins_router

    # The routes partners and the public call most come first: matching walks the routes in order,
    # and none of these paths can match another router's (different prefixes).
    app.include_router(pact_router)
    app.include_router(passports_public_router)
    app.include_router(epcis_router)
    for router in (
        passports_router,
        catalog_router,
        partners_router,
        dataio_router,
        footprints_router,
        exchange_router,
        resilience_router,
        connector_router,
        lifecycle_router,
    ):
        app.include_router(router, prefix="/api")
    # The AAS API has its own prefix, as IDTA 01002 clients expect it under one base URL.
    app.include_router(twins_router)
