"""One settings object for the whole node, read from the environment (prefix KETEN_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """What a keten node needs to know about where it runs."""

    model_config = SettingsConfigDict(env_prefix="KETEN_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///keten.db"
    """SQLAlchemy URL; an embedded SQLite file by default, PostgreSQL in production."""

    node_name: str = "keten"
    """Shown in page titles and API metadata."""

    max_upload_mb: int = 200
    """Largest request body accepted over HTTP (all files of an import together), in MB."""

    max_unpacked_mb: int = 500
    """Most an uploaded XLSX workbook may unpack to, in MB, by the sizes its zip directory declares."""

    max_import_rows: int = 500_000
    """Most rows one imported table or sheet may hold, blank rows included."""

    aasx_max_bytes: int = 50 * 1024 * 1024
    """Largest AASX package an import accepts (upload or file), in bytes."""

    aasx_max_member_bytes: int = 50 * 1024 * 1024
    """Largest a single part of an AASX package may unpack to, in bytes."""

    aasx_max_unpacked_bytes: int = 200 * 1024 * 1024
    """Largest all parts of an AASX package together may unpack to, in bytes."""

    max_reported_errors: int = 200
    """How many validation errors an import lists before it stops counting them one by one."""

    session_hours: float = 12.0
    """How long a browser stays signed in."""

    resolver_url: str = "http://127.0.0.1:8000"
    """Base of the GS1 Digital Link URIs in passports and their QR codes: this node's public address."""

    cookie_secure: bool | None = None
    """Send cookies over HTTPS only; None decides per request (on for https://, off for plain http)."""

    pact_token_seconds: int = 3600
    """Lifetime of an access token of the PACT API."""

    pact_allow_http: bool = False
    """Local testing only. Off (the default), the PACT API (/auth/token, /2/…, /3/…) refuses calls
    that did not arrive over HTTPS (behind a proxy: as its forwarded headers say); on, it also
    answers plain HTTP."""

    pact_client_allow_http: bool = False
    """Local testing only. Off (the default), the PACT client calls partners over HTTPS only; on, it
    also sends its credentials over plain HTTP to a partner on a loopback address (never to
    another host)."""

    pact_timeout_seconds: float = 10.0
    """How long the PACT client waits for a partner's answer before it retries."""

    pact_ca_bundle: str | None = None
    """PEM file of the certificate authorities the PACT client trusts besides the system's (a
    private CA or a partner's own certificate)."""

    pact_retries: int = 3
    """How often the PACT client tries a call again after a timeout, a 5xx or a 429."""

    outbox_worker: bool = True
    """Run one outbox delivery worker inside each server process (``keten serve``, ``keten demo``);
    off when separate ``keten worker`` processes deliver."""

    outbox_batch: int = 50
    """Outbox entries a worker claims at once; their events go out at once, one connection to the
    partner each, and their outcomes are recorded in one transaction."""

    outbox_lease_seconds: float = 60.0
    """How long a claim holds; entries of a worker that died are claimed again after it."""

    outbox_poll_seconds: float = 1.0
    """How often an idle worker looks for due entries (a commit in its own process wakes it at once)."""

    replay_answers: bool = True
    """Replay PACT footprint reads and anonymous passport reads from memory while the data behind
    them is unchanged (keten.replay); off, every read is worked out again."""

    replay_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024 * 1024)
    """Memory for replayed answers per worker process. An anonymous item passport as JSON takes
    about 9 KB, so the default holds some 7,000, of which 80 % of the bytes are kept for answers
    asked more than once (first reads cannot push those out)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings of this process, read once."""
    return Settings()
