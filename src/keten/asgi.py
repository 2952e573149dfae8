"""ASGI entry point for servers: ``uvicorn keten.asgi:app``."""

from keten.app import create_app

app = create_app()
