"""The peer of the exchange benchmark: a bare FastAPI endpoint served the same way as keten."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}
