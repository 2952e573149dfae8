"""The exchange of footprints over the PACT Technical Specifications, as server and as client.

Server side: partners hold client credentials (the secret is shown once and kept as an Argon2id
hash), the owner grants them footprints per part or product group with a purpose and an expiry,
and a partner lists and reads only what a grant lets it see at the moment of the call. Every call
is written to the access log. Footprints are *published*: the PACT documents of both versions
are built from the latest stored result, validated against the specification's schema and kept,
so a list is a read of rows. The partners granted a new footprint are told with a Published
event (:func:`partners_to_notify` says which), queued in the outbox with the publication.

Client side: :func:`pull` fetches a supplier's footprints (see keten.exchange.client), validates
them, matches them to parts by their product identifiers and stores them as supplier PCFs, the
primary data the footprint engine uses, then calculates the affected footprints again. A
supplier's Published event does the same for the footprints it names: the outbox's worker
fetches them after the event's answer. An event a partner repeats (same id) is handled once.

Functions take the session first and keyword arguments after, and only flush.
"""

from __future__ import annotations

import atexit
import json
import logging
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import exists, func, insert, or_, select
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from keten.catalog.models import BomLine, Part
from keten.db import make_engine
from keten.exchange.models import (
    AccessEntry,
    ExchangePartner,
    FootprintRequest,
    Grant,
    PublishedFootprint,
    ReceivedEvent,
    SigningKey,
)
from keten.exchange.schemas import EVENT_TYPES, PACT_ERRORS, GrantCreate, PartnerCreate, PartnerRemote
from keten.footprints import service as footprints
from keten.footprints.models import FootprintRun, SupplierPcf
from keten.partners.models import Organization
from keten.problems import Problem
from keten.timestamps import utc_now

__all__ = [
    "CLIENT_ID_PREFIX",
    "FETCH_ACTION",
    "MAX_FETCHED",
    "NOTIFY_ACTION",
    "SCHEMA_DIR",
    "UNFETCHED_ACTION",
    "UNNOTIFIED_ACTION",
    "VERSIONS",
    "EventHandled",
    "Filters",
    "PactError",
    "PullResult",
    "access_log",
    "add_access_entries",
    "create_grant",
    "create_partner",
    "flush_access_log",
    "get_partner",
    "grant_rows",
    "granted_part_numbers",
    "grants_expiry",
    "handle_event",
    "has_remote",
    "import_footprints",
    "issue_token",
    "issued_since",
    "jwks",
    "known_claims",
    "list_partners",
    "list_published",
    "list_requests",
    "log_access",
    "parse_odata_filter",
    "parse_time",
    "partner_code",
    "partner_for_token",
    "partners_to_notify",
    "product_urn",
    "publish",
    "pull_summary",
    "record_access",
    "revoke_grant",
    "revoke_partner",
    "rotate_secret",
    "secret_of",
    "set_remote",
    "validate",
    "visible_footprint",
    "visible_footprints",
]

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "data" / "pact"
VERSIONS = ("2", "3")
CLIENT_ID_PREFIX = "pact_"
SPEC_VERSION = {"2": "2.3.0", "3": "3.0.0"}
PRODUCT_URN = "urn:pathfinder:product:customcode:vendor-assigned:"
VALIDITY_YEARS = 3
"""PACT: without a validity period, a footprint is valid for 3 years after its reference period."""
MAX_FETCHED = 1000
"""Footprints one Published event has fetched at most; a supplier announcing more is pulled."""
FETCH_ACTION = "fetch published footprints"
"""Access-log action of fetching the footprints a supplier's Published event named."""
UNFETCHED_ACTION = "published, not fetched"
"""Access-log action of a Published event whose footprints this node cannot fetch."""
NOTIFY_ACTION = "notify published"
"""Access-log action of sending a granted partner the Published event of our new footprints."""
UNNOTIFIED_ACTION = "published, not notified"
"""Access-log action of a granted partner not told of our new footprints: it has no remote."""

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class PactError(Exception):
    """An answer of the PACT API with one of the specification's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def status(self, version: str) -> int:
        """Return the HTTP status the specification gives this code in ``version``."""
        code = self.code
        if version == "3" and code == "NoSuchFootprint":
            code = "NotFound"
        return PACT_ERRORS[version].get(code, 500)

    def body(self, version: str) -> dict[str, str]:
        """Return the specification's error body for ``version``."""
        code = "NotFound" if version == "3" and self.code == "NoSuchFootprint" else self.code
        return {"code": code, "message": self.message}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Return an RFC 3339 date-time; a ValueError when it is none."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})", text):
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    return _aware(datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")))


# --- schemas ----------------------------------------------------------------------------------

_formats = FormatChecker()


def _is_date_time(value: object) -> bool:
    if isinstance(value, str):
        parse_time(value)
    return True


_formats.checks("date-time", raises=ValueError)(_is_date_time)


@cache
def _validator(version: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"product-footprint-v{version}.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=_formats)


def validate(document: Any, version: str) -> list[str]:
    """Return what is wrong with ``document`` as a PACT ``version`` ProductFootprint, each as
    'path: message'; empty when it conforms."""
    errors = sorted(_validator(version).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors[:20]]


# --- partners and credentials -----------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def list_partners(session: Session) -> list[ExchangePartner]:
    """Return every partner by code."""
    return list(session.scalars(select(ExchangePartner).order_by(ExchangePartner.code)))


def partner_code(session: Session, partner_id: int) -> str:
    """Return the code of the partner with ``partner_id``."""
    return str(session.scalar(select(ExchangePartner.code).where(ExchangePartner.id == partner_id)))


def get_partner(session: Session, *, code: str) -> ExchangePartner:
    """Return the partner with ``code``; a 404 problem if there is none."""
    found = session.scalars(select(ExchangePartner).where(ExchangePartner.code == code)).one_or_none()
    if found is None:
        raise Problem(404, "Not Found", f"no exchange partner with code '{code}'")
    return found


def create_partner(session: Session, *, data: PartnerCreate) -> tuple[ExchangePartner, str]:
    """Return a new partner and its client secret, which is not kept and cannot be shown again."""
    if session.scalar(select(exists().where(ExchangePartner.code == data.code))):
        raise Problem(409, "Conflict", f"an exchange partner with code '{data.code}' exists already")
    organization_id = None
    if data.organization:
        organization_id = session.scalar(
            select(Organization.id).where(Organization.code == data.organization)
        )
        if organization_id is None:
            raise Problem(422, "Unprocessable Content", f"no organization with code '{data.organization}'")
    secret = _new_secret()
    partner = ExchangePartner(
        code=data.code,
        name=data.name,
        organization_id=organization_id,
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(12),
        secret_hash=_hasher.hash(secret),
        secret_set_at=utc_now(),
    )
    session.add(partner)
    if data.remote is not None:
        _apply_remote(partner, data.remote)
    session.flush()
    return partner, secret


def _apply_remote(partner: ExchangePartner, remote: PartnerRemote) -> None:
    partner.base_url = remote.base_url.rstrip("/") if remote.base_url else None
    partner.remote_client_id = remote.client_id
    partner.remote_client_secret = remote.client_secret
    partner.pact_version = remote.pact_version


def has_remote(partner: ExchangePartner) -> bool:
    """Return whether this node can call the partner's PACT API: a base URL and credentials are set."""
    return bool(partner.base_url and partner.remote_client_id and partner.remote_client_secret)


def set_remote(session: Session, *, code: str, remote: PartnerRemote) -> ExchangePartner:
    """Return the partner with where and how this node calls its PACT API set."""
    partner = get_partner(session, code=code)
    _apply_remote(partner, remote)
    session.flush()
    return partner


def rotate_secret(session: Session, *, code: str) -> tuple[ExchangePartner, str]:
    """Return the partner and a new secret; the old secret and every token issued with it stop working."""
    partner = get_partner(session, code=code)
    secret = _new_secret()
    partner.secret_hash = _hasher.hash(secret)
    # Tokens name their secret by the whole second from which it counts: the next second on, and
    # always a later second than the secret before, however quickly one rotation follows another.
    counts_from = utc_now().replace(microsecond=0) + timedelta(seconds=1)
    if partner.secret_set_at is not None:
        counts_from = max(counts_from, _aware(partner.secret_set_at) + timedelta(seconds=1))
    partner.secret_set_at = counts_from
    partner.revoked_at = None
    session.flush()
    return partner, secret


def revoke_partner(session: Session, *, code: str) -> ExchangePartner:
    """Return the partner with its credentials revoked: its tokens stop working at once."""
    partner = get_partner(session, code=code)
    if partner.revoked_at is None:
        partner.revoked_at = utc_now()
        session.flush()
    return partner


# --- tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    kid: str
    private: rsa.RSAPrivateKey
    public: rsa.RSAPublicKey


_KEYS: dict[str, _Key] = {}


def _signing_key(session: Session) -> _Key:
    """Return this node's signing key, made on first use and kept in the database for every worker."""
    url = str(session.get_bind().engine.url)
    held = _KEYS.get(url)
    if held is not None:
        return held
    row = session.scalars(select(SigningKey).order_by(SigningKey.id.desc())).first()
    if row is None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        row = SigningKey(kid=secrets.token_hex(8), private_pem=pem)
        session.add(row)
        session.flush()
    loaded = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    key = _Key(row.kid, loaded, loaded.public_key())
    _KEYS[url] = key
    return key


def jwks(session: Session) -> dict[str, Any]:
    """Return the public key of the token signatures as a JSON Web Key Set."""
    key = _signing_key(session)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public))
    jwk.update({"kid": key.kid, "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def issue_token(
    session: Session, *, client_id: str, client_secret: str, issuer: str, lifetime_s: int
) -> dict[str, Any]:
    """Return an OAuth 2 access token response for the client's credentials; a PactError when wrong."""
    partner = session.scalars(select(ExchangePartner).where(ExchangePartner.client_id == client_id)).first()
    try:
        _hasher.verify(partner.secret_hash if partner else _DUMMY_HASH, client_secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        partner = None
    if partner is None or partner.revoked_at is not None:
        raise PactError("AccessDenied", "Client authentication failed")
    key = _signing_key(session)
    now = utc_now()
    claims = {
        "iss": issuer,
        "sub": partner.client_id,
        "iat": int(now.timestamp()),
        # The secret this token was issued with, by the second from which it counts: a token asked
        # for in the very second of a rotation is new, though its iat is not past that second.
        "sv": issued_since(partner),
        "exp": int((now + timedelta(seconds=lifetime_s)).timestamp()),
        "jti": secrets.token_hex(8),
        "scope": "footprint:list footprint:read",
    }
    token = jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime_s}


_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096
_VERIFIED_LOCK = threading.Lock()


def _verified_claims(key: _Key, token: str) -> dict[str, Any]:
    """Return the claims of ``token`` once its RS256 signature is verified.

    A partner sends the same token with every call until it expires, so the claims of a verified
    token are kept (bounded, oldest first out) and its signature is not checked again; its expiry
    is checked on every call, and the partner's revocation by the caller, against the database.
    """
    held = _VERIFIED.get((key.kid, token))
    if held is not None:
        if int(held["exp"]) <= int(utc_now().timestamp()):
            raise PactError("TokenExpired", "The specified access token has expired")
        return held
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key.public, algorithms=["RS256"], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise PactError("TokenExpired", "The specified access token has expired") from None
    except jwt.PyJWTError:
        raise PactError("BadRequest", "Invalid token provided") from None
    with _VERIFIED_LOCK:
        while len(_VERIFIED) >= _VERIFIED_MAX:
            del _VERIFIED[next(iter(_VERIFIED))]
        _VERIFIED[(key.kid, token)] = claims
    return claims


def known_claims(engine: Engine, token: str) -> dict[str, Any] | None:
    """Return the claims of a token this process has verified for ``engine``'s node and that has
    not expired, without touching the database; None otherwise (the normal way then decides)."""
    key = _KEYS.get(str(engine.url))
    held = _VERIFIED.get((key.kid, token)) if key is not None else None
    if held is None or int(held["exp"]) <= int(utc_now().timestamp()):
        return None
    return held


def secret_of(claims: dict[str, Any]) -> int:
    """Return the second from which the secret a token was issued with counts (its iat for a token
    from before tokens named it)."""
    return int(claims.get("sv", claims["iat"]))


def issued_since(partner: ExchangePartner) -> int:
    """Return the epoch second from which a token of ``partner`` counts (its last secret rotation)."""
    return int(_aware(partner.secret_set_at).timestamp())


def grants_expiry(session: Session, partner: ExchangePartner) -> datetime | None:
    """Return when the first of ``partner``'s active grants expires (None when none will)."""
    now = utc_now()
    found = session.scalar(
        select(func.min(Grant.expires_at)).where(
            Grant.partner_id == partner.id, Grant.revoked_at.is_(None), Grant.expires_at > now
        )
    )
    return _aware(found) if found is not None else None


def partner_for_token(session: Session, authorization: str | None) -> ExchangePartner:
    """Return the partner an ``Authorization: Bearer`` header names; a PactError when it names none.

    An expired token gets TokenExpired; anything else that is not a token of a current partner
    gets BadRequest, as the conformance tests expect, without saying which check failed.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise PactError("BadRequest", "Invalid token provided")
    key = _signing_key(session)
    claims = _verified_claims(key, token.strip())
    partner = session.scalars(
        select(ExchangePartner).where(ExchangePartner.client_id == str(claims["sub"]))
    ).first()
    if partner is None or partner.revoked_at is not None or secret_of(claims) < issued_since(partner):
        raise PactError("BadRequest", "Invalid token provided")
    return partner


# --- access log -------------------------------------------------------------------------------


class _AccessLogWriter:
    """The access log's in-process buffer: each call's entry is queued, and one background thread
    writes the queued entries in batches, one short transaction per database, at most
    ``MAX_DELAY_S`` after the call (and at once when ``flush_access_log`` or shutdown asks).

    A PACT read then costs no write transaction and no wait for SQLite's single writer; the price
    is that an entry reaches the table up to ``MAX_DELAY_S`` after the answer, and that the entries
    of the last ``MAX_DELAY_S`` are lost if the process is killed without a shutdown (SIGKILL,
    power loss). A full buffer (``MAX_PENDING`` entries) is written by the caller itself, so the
    buffer stays bounded and no entry is dropped to make room.
    """

    MAX_DELAY_S = 0.2
    MAX_PENDING = 5000
    ATTEMPTS = 3

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._write = threading.Lock()
        self._pending: dict[URL, tuple[Engine, list[dict[str, Any]]]] = {}
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, engine: Engine, row: dict[str, Any]) -> None:
        with self._lock:
            self._pending.setdefault(engine.url, (engine, []))[1].append(row)
            self._count += 1
            full = self._count >= self.MAX_PENDING
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="keten-access-log", daemon=True)
                self._thread.start()
            self._wake.notify()
        if full:
            self.flush()

    def _take(self, url: URL | None) -> list[tuple[Engine, list[dict[str, Any]]]]:
        with self._lock:
            if url is None:
                batches = list(self._pending.values())
                self._pending.clear()
            else:
                held = self._pending.pop(url, None)
                batches = [held] if held else []
            self._count -= sum(len(rows) for _, rows in batches)
            return batches

    def flush(self, engine: Engine | None = None) -> None:
        """Write the queued entries (of ``engine``'s database, or all) before returning."""
        with self._write:
            for target, rows in self._take(engine.url if engine is not None else None):
                self._insert(target, rows)

    def _insert(self, engine: Engine, rows: list[dict[str, Any]]) -> None:
        # A connection of its own per batch, closed afterwards: the request's engine may be
        # disposed before a batch is written, and a connection left in its pool would leak.
        writer = make_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
        for attempt in range(1, self.ATTEMPTS + 1):
            try:
                with writer.begin() as connection:
                    connection.execute(insert(AccessEntry), rows)
                return
            except Exception:
                if attempt == self.ATTEMPTS:
                    log.exception("could not write %d access-log entries", len(rows))
                else:
                    time.sleep(0.05 * attempt)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._wake.wait()
            # Entries that arrive meanwhile join this batch.
            time.sleep(self.MAX_DELAY_S)
            self.flush()


_ACCESS_LOG = _AccessLogWriter()
atexit.register(_ACCESS_LOG.flush)


def flush_access_log(engine: Engine | None = None) -> None:
    """Write every queued access-log entry (of ``engine``'s database, or of all) now."""
    _ACCESS_LOG.flush(engine)


def log_access(
    session: Session,
    *,
    partner: ExchangePartner | None,
    action: str,
    target: str = "",
    status: int,
    ip: str | None = None,
) -> None:
    """Record one call of a partner; the entry reaches the table within ``MAX_DELAY_S``, apart from
    the request's transaction (see ``_AccessLogWriter``)."""
    bind = session.get_bind()
    record_access(
        bind if isinstance(bind, Engine) else bind.engine,
        partner_id=partner.id if partner else None,
        action=action,
        target=target,
        status=status,
        ip=ip,
    )


def record_access(
    engine: Engine, *, partner_id: int | None, action: str, target: str, status: int, ip: str | None
) -> None:
    """Record one call of the partner ``partner_id`` in ``engine``'s access log (see log_access)."""
    _ACCESS_LOG.add(
        engine,
        {
            "at": utc_now(),
            "partner_id": partner_id,
            "action": action[:64],
            "target": target[:300],
            "status": status,
            "ip": ip,
        },
    )


def add_access_entries(
    session: Session, *, action: str, entries: Sequence[tuple[int | None, str, int]]
) -> None:
    """Add one access-log entry of ``action`` per (partner id, target, status) to the session's
    transaction: for calls whose outcome that transaction records too (the outbox worker's
    events), so the entries commit with it, without a write of their own."""
    if not entries:
        return
    now = utc_now()
    session.execute(
        insert(AccessEntry),
        [
            {
                "at": now,
                "partner_id": partner_id,
                "action": action[:64],
                "target": target[:300],
                "status": status,
                "ip": None,
            }
            for partner_id, target, status in entries
        ],
    )


def access_log(
    session: Session, *, limit: int, offset: int, partner: str | None = None
) -> tuple[list[tuple[AccessEntry, str | None]], int]:
    """Return one page of the access log, newest first, with each entry's partner code; this
    process's queued entries are written first, so a reader sees every call it served."""
    bind = session.get_bind()
    flush_access_log(bind if isinstance(bind, Engine) else bind.engine)
    statement = select(AccessEntry, ExchangePartner.code).outerjoin(
        ExchangePartner, ExchangePartner.id == AccessEntry.partner_id
    )
    if partner:
        statement = statement.where(ExchangePartner.code == partner)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(statement.order_by(AccessEntry.id.desc()).limit(limit).offset(offset)).all()
    return [(entry, code) for entry, code in rows], int(total)


# --- grants -----------------------------------------------------------------------------------


def create_grant(session: Session, *, data: GrantCreate, username: str | None) -> Grant:
    """Return a new grant of a part or a product group to a partner."""
    if (data.part_number is None) == (data.category is None):
        raise Problem(422, "Unprocessable Content", "name either a part_number or a category, not both")
    partner = get_partner(session, code=data.partner)
    part_id = None
    if data.part_number is not None:
        part_id = session.scalar(select(Part.id).where(Part.part_number == data.part_number))
        if part_id is None:
            raise Problem(422, "Unprocessable Content", f"no part with part number '{data.part_number}'")
    elif not session.scalar(select(exists().where(Part.category == data.category))):
        raise Problem(422, "Unprocessable Content", f"no part has the category '{data.category}'")
    if data.expires_at is not None and _aware(data.expires_at) <= utc_now():
        raise Problem(422, "Unprocessable Content", "expires_at lies in the past")
    grant = Grant(
        partner_id=partner.id,
        part_id=part_id,
        category=data.category,
        purpose=data.purpose,
        expires_at=data.expires_at,
        created_by=username,
    )
    session.add(grant)
    session.flush()
    return grant


def revoke_grant(session: Session, *, grant_id: int) -> Grant:
    """Return the grant, revoked: what it showed is hidden from the partner at once."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise Problem(404, "Not Found", f"no grant {grant_id}")
    if grant.revoked_at is None:
        grant.revoked_at = utc_now()
        session.flush()
    return grant


def _active(grant: Grant, now: datetime) -> bool:
    return grant.revoked_at is None and (grant.expires_at is None or _aware(grant.expires_at) > now)


def grant_rows(session: Session, *, partner: str | None = None) -> list[dict[str, Any]]:
    """Return every grant (of one partner) as plain data, newest first."""
    statement = (
        select(Grant, ExchangePartner.code, Part.part_number)
        .join(ExchangePartner, ExchangePartner.id == Grant.partner_id)
        .outerjoin(Part, Part.id == Grant.part_id)
        .order_by(Grant.id.desc())
    )
    if partner:
        statement = statement.where(ExchangePartner.code == partner)
    now = utc_now()
    return [
        {
            "id": g.id,
            "partner": code,
            "part_number": number,
            "category": g.category,
            "purpose": g.purpose,
            "expires_at": g.expires_at,
            "revoked_at": g.revoked_at,
            "created_at": g.created_at,
            "created_by": g.created_by,
            "active": _active(g, now),
        }
        for g, code, number in session.execute(statement).all()
    ]


def granted_part_numbers(session: Session, *, partner: ExchangePartner) -> set[str]:
    """Return the part numbers ``partner``'s active grants cover now, by part or by product group."""
    granted = _active_grants(session, partner)
    if granted is None:
        return set()
    part_ids, categories = granted
    condition = or_(Part.id.in_(part_ids), Part.category.in_(categories))
    return set(session.scalars(select(Part.part_number).where(condition)))


# --- publishing -------------------------------------------------------------------------------


def product_urn(part_number: str) -> str:
    """Return the product id URN under which keten publishes a part (a vendor-assigned code)."""
    return PRODUCT_URN + part_number


def _own_company(session: Session, node_name: str) -> tuple[str, list[str], str | None]:
    """Return (company name, company id URNs, country) of this node's own organization."""
    own = session.scalars(select(Organization).where(Organization.role == "own")).first()
    if own is None:
        return node_name, [f"urn:keten:company:{node_name}"], None
    ids = [f"urn:keten:company:{own.code}"]
    if own.lei:
        ids.insert(0, f"urn:lei:{own.lei}")
    return own.name, ids, own.country


def _v3_document(v2: dict[str, Any], *, figures: footprints.PactFigures) -> dict[str, Any]:
    """Return the v3 ProductFootprint of the same footprint: declared per piece, with its mass.

    The totals follow the v3 formula: ``pcfExcludingBiogenicUptake`` is the sum of the emission
    components sent (here ``fossilGhgEmissions`` and ``biogenicNonCO2Emissions``), and
    ``pcfIncludingBiogenicUptake`` adds ``biogenicCO2Uptake``, left out (counting as 0) where the
    inputs do not state it. Data quality is rated on v3's 1..5.
    """
    pcf2 = v2["pcf"]
    per_piece = figures.decimals()
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": "piece",
        "declaredUnitAmount": "1",
        "productMassPerDeclaredUnit": footprints.pact_decimal(figures.mass_kg),
        "referencePeriodStart": pcf2["referencePeriodStart"],
        "referencePeriodEnd": pcf2["referencePeriodEnd"],
        "boundaryProcessesDescription": pcf2["boundaryProcessesDescription"],
        "pcfExcludingBiogenicUptake": per_piece["total"],
        "pcfIncludingBiogenicUptake": per_piece.get("including", per_piece["total"]),
        "fossilCarbonContent": "0",
        "fossilGhgEmissions": per_piece["fossil"],
        "biogenicNonCO2Emissions": per_piece["biogenic"],
        "packagingEmissionsIncluded": False,
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "GHGP-Product", "PACT-3.0"],
        "exemptedEmissionsPercent": "0",
        "exemptedEmissionsDescription": "",
        "secondaryEmissionFactorSources": pcf2["secondaryEmissionFactorSources"],
    }
    if "uptake" in per_piece:
        pcf["biogenicCO2Uptake"] = per_piece["uptake"]
    if "carbon" in per_piece:
        pcf["biogenicCarbonContent"] = per_piece["carbon"]
    for key in ("geographyCountry",):
        if key in pcf2:
            pcf[key] = pcf2[key]
    if figures.primary_data_share is not None:
        pcf["primaryDataShare"] = footprints.pact_decimal(
            100.0 * max(0.0, min(1.0, figures.primary_data_share)), 2
        )
    if figures.rating is not None:
        rating = footprints.pact_decimal(max(1.0, min(5.0, figures.rating)), 2)
        pcf["dqi"] = {name: rating for name in ("technologicalDQR", "geographicalDQR", "temporalDQR")}
    doc: dict[str, Any] = {
        key: v2[key]
        for key in (
            "id",
            "created",
            "status",
            "validityPeriodStart",
            "validityPeriodEnd",
            "companyName",
            "companyIds",
            "productDescription",
            "productIds",
            "productNameCompany",
            "comment",
        )
        if key in v2
    }
    doc["specVersion"] = SPEC_VERSION["3"]
    if "precedingPfIds" in v2:
        doc["precedingPfIds"] = v2["precedingPfIds"]
    if "productClassifications" in v2:
        doc["productClassifications"] = v2["productClassifications"]
    doc["pcf"] = pcf
    return doc


def publish(session: Session, *, part_number: str, node_name: str = "keten") -> PublishedFootprint:
    """Return the part's latest stored footprint published as a PACT footprint of both versions.

    The new footprint is Active and names the ones before it (``precedingPfIds``), which become
    Deprecated. Both documents are validated against the specification's schema; a footprint
    that does not conform is not published (a 422 problem lists why).
    """
    company, company_ids, country = _own_company(session, node_name)
    v2 = footprints.pact_footprint(
        session, part_number=part_number, company_name=company, company_id=company_ids[0]
    )
    run = footprints.latest(session, part_number=part_number)
    part = session.scalars(select(Part).where(Part.id == run.part_id)).one()
    previous = list(
        session.scalars(
            select(PublishedFootprint)
            .where(PublishedFootprint.part_id == part.id)
            .order_by(PublishedFootprint.version)
        )
    )
    now = utc_now().replace(microsecond=0)
    reference_end = parse_time(v2["pcf"]["referencePeriodEnd"])
    valid_to = reference_end.replace(year=reference_end.year + VALIDITY_YEARS)
    v2["id"] = str(uuid.uuid4())
    v2["version"] = (previous[-1].version + 1) if previous else 1
    v2["created"] = _iso(now)
    v2["companyIds"] = company_ids
    v2["validityPeriodStart"] = _iso(now)
    v2["validityPeriodEnd"] = _iso(valid_to)
    classifications = [f"urn:pact:productclassification:un-cpc:{v2['productCategoryCpc']}"]
    v2["productClassifications"] = classifications
    if previous:
        v2["precedingPfIds"] = [p.id for p in previous]
    if country:
        v2["pcf"]["geographyCountry"] = country.upper()
    v2["specVersion"] = SPEC_VERSION["2"]
    v3 = _v3_document(v2, figures=footprints.pact_figures(session, part_number=part_number))
    errors = [f"v2 {e}" for e in validate(v2, "2")] + [f"v3 {e}" for e in validate(v3, "3")]
    if errors:
        raise Problem(
            422,
            "Unprocessable Content",
            f"the footprint of '{part_number}' does not conform to the PACT schema",
            errors=[{"message": e} for e in errors],
        )
    for old in previous:
        if old.status != "Deprecated":
            old.status = "Deprecated"
            old.updated_at = now
            for attr in ("document_v2", "document_v3"):
                doc = json.loads(getattr(old, attr))
                doc["status"] = "Deprecated"
                if attr == "document_v2":
                    doc["updated"] = _iso(now)
                setattr(old, attr, json.dumps(doc, separators=(",", ":")))
    published = PublishedFootprint(
        id=v2["id"],
        part_id=part.id,
        run_id=run.id,
        version=v2["version"],
        status="Active",
        created_at=now,
        valid_from=now,
        valid_to=valid_to,
        product_ids=[p.lower() for p in v2["productIds"]],
        company_ids=[c.lower() for c in company_ids],
        classifications=[c.lower() for c in classifications],
        geography=country.upper() if country else None,
        document_v2=json.dumps(v2, separators=(",", ":")),
        document_v3=json.dumps(v3, separators=(",", ":")),
    )
    session.add(published)
    session.flush()
    return published


def partners_to_notify(session: Session, *, pf_ids: Sequence[str]) -> list[tuple[ExchangePartner, list[str]]]:
    """Return, by partner code, each partner whose active grant (of the part or of its category;
    not revoked, not expired) covers at least one of the published footprints ``pf_ids``, with
    the ids it covers in their given order. Partners whose credentials are revoked are left out:
    they could not read the footprints they would be told of."""
    ordered = list(dict.fromkeys(pf_ids))
    if not ordered:
        return []
    footprints_of = session.execute(
        select(PublishedFootprint.id, Part.id, Part.category)
        .join(Part, Part.id == PublishedFootprint.part_id)
        .where(PublishedFootprint.id.in_(ordered))
    ).all()
    now = utc_now()
    grants = session.execute(
        select(Grant.partner_id, Grant.part_id, Grant.category)
        .join(ExchangePartner, ExchangePartner.id == Grant.partner_id)
        .where(
            ExchangePartner.revoked_at.is_(None),
            Grant.revoked_at.is_(None),
            or_(Grant.expires_at.is_(None), Grant.expires_at > now),
        )
    ).all()
    covered: dict[int, set[str]] = {}
    for partner_id, part_id, category in grants:
        for pf_id, pf_part_id, pf_category in footprints_of:
            if (part_id is not None and part_id == pf_part_id) or (
                category is not None and category == pf_category
            ):
                covered.setdefault(partner_id, set()).add(pf_id)
    if not covered:
        return []
    partners = session.scalars(
        select(ExchangePartner).where(ExchangePartner.id.in_(covered)).order_by(ExchangePartner.code)
    )
    return [(p, [pf_id for pf_id in ordered if pf_id in covered[p.id]]) for p in partners]


def list_published(session: Session, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Return one page of the published footprints, newest first."""
    statement = select(PublishedFootprint, Part.part_number).join(Part, Part.id == PublishedFootprint.part_id)
    total = session.scalar(select(func.count()).select_from(PublishedFootprint)) or 0
    rows = session.execute(
        statement.order_by(
            PublishedFootprint.created_at.desc(), PublishedFootprint.version.desc(), PublishedFootprint.id
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        {
            "id": pf.id,
            "part_number": number,
            "version": pf.version,
            "status": pf.status,
            "created_at": pf.created_at,
            "valid_from": pf.valid_from,
            "valid_to": pf.valid_to,
            "product_ids": pf.product_ids,
        }
        for pf, number in rows
    ], int(total)


# --- what a partner sees ----------------------------------------------------------------------


@dataclass
class Filters:
    """Filters of ListFootprints: v2's OData ``$filter`` terms and v3's query parameters.

    Within one criterion values are alternatives (OR); criteria must all hold (AND).
    """

    product_ids: list[str] = field(default_factory=list)
    company_ids: list[str] = field(default_factory=list)
    geography: list[str] = field(default_factory=list)
    classifications: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    created: list[tuple[str, datetime]] = field(default_factory=list)
    """(operator, moment) comparisons of ``created`` from $filter."""

    def empty(self) -> bool:
        """Return whether no filter is set."""
        return not (
            self.product_ids
            or self.company_ids
            or self.geography
            or self.classifications
            or self.status
            or self.created
            or self.valid_on
            or self.valid_after
            or self.valid_before
        )

    def matches(self, pf: PublishedFootprint) -> bool:
        """Return whether ``pf`` passes every criterion."""
        lower = [p.lower() for p in self.product_ids]
        if lower and not set(lower) & set(pf.product_ids):
            return False
        lower = [c.lower() for c in self.company_ids]
        if lower and not set(lower) & set(pf.company_ids):
            return False
        lower = [c.lower() for c in self.classifications]
        if lower and not set(lower) & set(pf.classifications):
            return False
        if self.geography and (pf.geography or "").lower() not in {g.lower() for g in self.geography}:
            return False
        if self.status and pf.status.lower() not in {s.lower() for s in self.status}:
            return False
        start, end = _aware(pf.valid_from), _aware(pf.valid_to)
        if self.valid_on is not None and not start <= self.valid_on <= end:
            return False
        if self.valid_after is not None and not start > self.valid_after:
            return False
        if self.valid_before is not None and not end < self.valid_before:
            return False
        created = _aware(pf.created_at)
        return all(_compare(created, op, moment) for op, moment in self.created)


def _compare(left: datetime, op: str, right: datetime) -> bool:
    return {
        "eq": left == right,
        "ne": left != right,
        "lt": left < right,
        "le": left <= right,
        "gt": left > right,
        "ge": left >= right,
    }[op]


_ODATA_TIME = re.compile(r"^(created|updated)\s+(eq|ne|lt|le|gt|ge)\s+'([^']+)'$")
_ODATA_EQ = re.compile(r"^(productCategoryCpc|pcf/geographyCountry|status)\s+eq\s+'([^']*)'$")
_ODATA_ANY = re.compile(r"^(productIds|companyIds)/any\((\w+):\s*\(?\s*(\w+)\s+eq\s+'([^']*)'\s*\)?\)$")


def parse_odata_filter(text: str) -> Filters:
    """Return the filters of a v2 ``$filter`` (the OData v4 subset the Tech Specs name).

    Supported: ``created``/``updated`` compared with a date-time, ``productCategoryCpc``,
    ``pcf/geographyCountry`` and ``status`` equal to a value, and ``productIds/any(...)``,
    ``companyIds/any(...)``, joined with ``and``. Anything else raises a BadRequest PactError.
    """
    filters = Filters()
    for term in re.split(r"\s+and\s+", text.strip()):
        term = term.strip()
        if not term:
            continue
        if m := _ODATA_TIME.match(term):
            try:
                moment = parse_time(m.group(3))
            except ValueError as exc:
                raise PactError("BadRequest", f"$filter: {exc}") from None
            filters.created.append((m.group(2), moment))
        elif m := _ODATA_EQ.match(term):
            name, value = m.group(1), m.group(2)
            if name == "pcf/geographyCountry":
                filters.geography.append(value)
            elif name == "status":
                filters.status.append(value)
            else:
                filters.classifications.append(f"urn:pact:productclassification:un-cpc:{value}")
        elif (m := _ODATA_ANY.match(term)) and m.group(2) == m.group(3):
            target = filters.product_ids if m.group(1) == "productIds" else filters.company_ids
            target.append(m.group(4))
        else:
            raise PactError("BadRequest", f"$filter: the term {term[:80]!r} is not supported")
    return filters


def _active_grants(session: Session, partner: ExchangePartner) -> tuple[list[int], list[str]] | None:
    """Return (part ids, categories) of ``partner``'s grants active now, or None when it has none."""
    now = utc_now()
    rows = session.execute(
        select(Grant.part_id, Grant.category).where(
            Grant.partner_id == partner.id,
            Grant.revoked_at.is_(None),
            or_(Grant.expires_at.is_(None), Grant.expires_at > now),
        )
    ).all()
    if not rows:
        return None
    return sorted({r[0] for r in rows if r[0] is not None}), sorted({r[1] for r in rows if r[1] is not None})


def _granted_parts(session: Session, partner: ExchangePartner) -> Any:
    """Return the SQL condition 'a grant lets ``partner`` see this published footprint now', built
    from the partner's active grants (read once), or None when it has none."""
    granted = _active_grants(session, partner)
    if granted is None:
        return None
    part_ids, categories = granted
    conditions = []
    if part_ids:
        conditions.append(PublishedFootprint.part_id.in_(part_ids))
    if categories:
        conditions.append(
            PublishedFootprint.part_id.in_(select(Part.id).where(Part.category.in_(categories)))
        )
    return or_(*conditions)


def visible_footprints(
    session: Session,
    *,
    partner: ExchangePartner,
    version: str,
    limit: int,
    offset: int,
    filters: Filters | None = None,
) -> tuple[list[str], bool]:
    """Return one page of the footprints a grant lets ``partner`` see now, as JSON texts of
    ``version``, and whether more follow."""
    condition = _granted_parts(session, partner)
    if condition is None:
        return [], False
    column = PublishedFootprint.document_v2 if version == "2" else PublishedFootprint.document_v3
    order = (PublishedFootprint.created_at, PublishedFootprint.id)
    if filters is None or filters.empty():
        # One row beyond the page says whether there is a next page, without counting them all.
        texts = list(
            session.scalars(select(column).where(condition).order_by(*order).limit(limit + 1).offset(offset))
        )
        return texts[:limit], len(texts) > limit
    rows = [pf for pf in session.scalars(select(PublishedFootprint).where(condition).order_by(*order))]
    rows = [pf for pf in rows if filters.matches(pf)]
    page = rows[offset : offset + limit]
    texts = [pf.document_v2 if version == "2" else pf.document_v3 for pf in page]
    return texts, len(rows) > offset + limit


def visible_footprint(session: Session, *, partner: ExchangePartner, version: str, pf_id: str) -> str:
    """Return the JSON text of one footprint a grant lets ``partner`` see now.

    A footprint that does not exist and one the partner may not see get the same answer, so
    the answer does not tell a partner what others can see.
    """
    column = PublishedFootprint.document_v2 if version == "2" else PublishedFootprint.document_v3
    condition = _granted_parts(session, partner)
    text = None
    if condition is not None:
        text = session.scalar(select(column).where(PublishedFootprint.id == pf_id.lower(), condition))
    if text is None:
        raise PactError("NoSuchFootprint", "The specified footprint does not exist")
    return str(text)


# --- importing a supplier's footprints --------------------------------------------------------


@dataclass
class PullResult:
    """What a pull or a fulfilled request did."""

    partner: str
    fetched: int = 0
    stored: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    recalculated: list[str] = field(default_factory=list)


def pull_summary(result: PullResult, *, asked: int | None = None) -> str:
    """Return one line of what a pull or a fetch did, failures first, for the access log."""
    parts = [f"fetched {result.fetched}" + (f" of {asked}" if asked is not None else "")]
    labelled = (
        ("failed: ", "; ", result.failures),
        ("stored ", ", ", result.stored),
        ("recalculated ", ", ", result.recalculated),
        ("unmatched ", ", ", result.unmatched),
        ("invalid ", "; ", result.invalid),
    )
    parts.extend(label + sep.join(items) for label, sep, items in labelled if items)
    return "; ".join(parts)


def _match_part(session: Session, product_ids: Iterable[str]) -> Part | None:
    """Return the part a footprint's product ids name: by the code after the URN's last colon
    (a vendor-assigned code, a part number, a GTIN), case-insensitively."""
    candidates = []
    for urn in product_ids:
        code = urn.rsplit(":", 1)[-1].strip()
        if code:
            candidates.append(code.lower())
    if not candidates:
        return None
    return session.scalars(
        select(Part).where(func.lower(Part.part_number).in_(candidates)).order_by(Part.id)
    ).first()


@dataclass(frozen=True)
class _PerUnit:
    """A supplier footprint per unit of the part: kg CO2e fossil and biogenic, primary data share
    0..1, keten's 1..5 quality; carbon content and uptake where the footprint gives them."""

    fossil: float
    biogenic: float
    share: float | None
    quality: float
    carbon: float | None
    uptake: float | None


def _per_unit(doc: dict[str, Any], version: str, part: Part) -> _PerUnit:
    """Return a supplier footprint per unit of ``part``."""
    pcf = doc["pcf"]

    def given(key: str, scale: float) -> float | None:
        return None if key not in pcf else float(pcf[key]) * scale

    if version == "2":
        scale = float(pcf["unitaryProductAmount"])
        uptake = given("biogenicCarbonWithdrawal", scale)
        carbon = given("biogenicCarbonContent", scale)
        fossil = float(pcf["pCfExcludingBiogenic"]) * scale
        including = float(pcf.get("pCfIncludingBiogenic", pcf["pCfExcludingBiogenic"])) * scale
        biogenic = max(including - fossil - (uptake or 0.0), 0.0)
    else:
        amount = float(pcf["declaredUnitAmount"])
        unit = pcf["declaredUnitOfMeasurement"]
        if unit == "piece":
            scale = 1.0 / amount
        elif unit == "kilogram" and part.mass_kg:
            scale = float(part.mass_kg) / amount
        else:
            raise ValueError(f"declared unit {unit!r} cannot be converted to one {part.unit} of the part")
        uptake = given("biogenicCO2Uptake", scale)
        carbon = given("biogenicCarbonContent", scale)
        fossil = float(pcf["fossilGhgEmissions"]) * scale
        biogenic = max(float(pcf["pcfExcludingBiogenicUptake"]) * scale - fossil, 0.0)
    share = pcf.get("primaryDataShare")
    primary = None if share is None else max(0.0, min(1.0, float(share) / 100.0))
    dqi = pcf.get("dqi") or {}
    ratings = [float(dqi[k]) for k in ("technologicalDQR", "temporalDQR", "geographicalDQR") if k in dqi]
    quality = footprints.quality_of_dqr(sum(ratings) / len(ratings), version) if ratings else 2.0
    return _PerUnit(fossil, biogenic, primary, quality, carbon, uptake)


def _validity(doc: dict[str, Any]) -> tuple[date, date]:
    if "validityPeriodStart" in doc and "validityPeriodEnd" in doc:
        return parse_time(doc["validityPeriodStart"]).date(), parse_time(doc["validityPeriodEnd"]).date()
    end = parse_time(doc["pcf"]["referencePeriodEnd"])
    return end.date(), end.replace(year=end.year + VALIDITY_YEARS).date()


def import_footprints(
    session: Session,
    *,
    partner: ExchangePartner,
    documents: Sequence[Any],
    version: str,
    result: PullResult | None = None,
    recalculate: bool = True,
) -> PullResult:
    """Store a supplier's footprints as supplier PCFs (primary data) of the parts they match, and
    calculate the affected footprints again; what did not validate or match is reported, not stored.

    A footprint pulled again replaces its earlier copy; a Deprecated one is not stored.
    """
    result = result or PullResult(partner=partner.code)
    touched: set[int] = set()
    for doc in documents:
        pf_id = str(doc.get("id", "?")) if isinstance(doc, dict) else "?"
        errors = validate(doc, version)
        if errors:
            result.invalid.append(f"{pf_id}: {'; '.join(errors[:3])}")
            continue
        if doc["status"] != "Active":
            continue
        part = _match_part(session, doc["productIds"])
        if part is None:
            result.unmatched.append(pf_id)
            continue
        try:
            figures = _per_unit(doc, version, part)
            valid_from, valid_to = _validity(doc)
        except (ValueError, KeyError) as exc:
            result.invalid.append(f"{pf_id}: {exc}")
            continue
        source = f"pact:{partner.code}:{part.part_number}"
        for old in session.scalars(select(SupplierPcf).where(SupplierPcf.source == source)):
            session.delete(old)
        session.flush()
        session.add(
            SupplierPcf(
                part_id=part.id,
                organization_id=partner.organization_id,
                kg_co2e_per_unit=figures.fossil,
                biogenic_kg_co2e_per_unit=figures.biogenic,
                primary_data_share=figures.share,
                quality=figures.quality,
                biogenic_carbon_kg_per_unit=figures.carbon,
                biogenic_uptake_kg_co2e_per_unit=figures.uptake,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
            )
        )
        result.stored.append(part.part_number)
        touched.add(part.id)
    session.flush()
    if recalculate and touched:
        result.recalculated.extend(_recalculate(session, touched))
    return result


def _recalculate(session: Session, part_ids: set[int]) -> list[str]:
    """Calculate again the stored footprints of the parts and of every part above them."""
    seen = set(part_ids)
    frontier = set(part_ids)
    while frontier:
        parents = set(session.scalars(select(BomLine.parent_id).where(BomLine.child_id.in_(frontier))))
        frontier = parents - seen
        seen |= frontier
    with_runs = session.execute(
        select(Part.part_number)
        .where(Part.id.in_(seen), exists().where(FootprintRun.part_id == Part.id))
        .order_by(Part.part_number)
    ).all()
    done = []
    for (number,) in with_runs:
        footprints.calculate(session, part_number=number)
        done.append(number)
    return done


# --- events -----------------------------------------------------------------------------------


def _require(data: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(data, dict) or key not in data or not isinstance(data[key], kind):
        raise PactError("BadRequest", f"{where}{key} is missing or not a {kind.__name__}")
    return data[key]


def _announced_ids(data: dict[str, Any]) -> list[str]:
    """Return the footprint ids a Published event names, each once, in their order."""
    ids = _require(data, "pfIds", list, "data.")
    if not ids:
        # v2.3 section 8.8.3: PfIds MUST be the non-empty list of the updated footprints' ids.
        raise PactError("BadRequest", "data.pfIds must name at least one footprint id")
    for pf_id in ids:
        try:
            uuid.UUID(str(pf_id))
        except ValueError:
            raise PactError("BadRequest", "data.pfIds: every footprint id must be a UUID") from None
    return list(dict.fromkeys(str(pf_id) for pf_id in ids))


@dataclass(frozen=True)
class EventHandled:
    """What handling an event did: its kind, the request it made or answered, for a Published
    event the footprint ids it named and whether this node fetches them, and whether it was a
    repeat of an event already handled (then nothing was done)."""

    kind: str
    request: FootprintRequest | None = None
    announced: tuple[str, ...] = ()
    fetch: bool = False
    repeat: bool = False


def _product_ids_of(data: dict[str, Any], version: str) -> list[str]:
    if version == "2" and isinstance(data.get("pf"), dict):
        ids = data["pf"].get("productIds", [])
    else:
        ids = data.get("productId", data.get("productIds", []))
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise PactError("BadRequest", "data: the product ids must be a list of URN strings")
    return ids


def handle_event(session: Session, *, partner: ExchangePartner, version: str, event: Any) -> EventHandled:
    """Return what handling a CloudEvent did.

    RequestCreated queues an incoming request; RequestFulfilled stores the footprints it carries
    and closes our outgoing request; RequestRejected closes it with the reason. Published names
    footprints the caller fetches after answering (``fetch``) when this node can call the
    partner's API; otherwise it is acknowledged and the access log says why nothing was fetched.
    A malformed event is a BadRequest, an unknown type NotImplemented. An event whose id this
    partner sent before is acknowledged and not handled again: senders retry with the same id.
    """
    for key in ("specversion", "id", "source", "type"):
        _require(event, key, str, "")
    if "time" in event:
        try:
            parse_time(str(event["time"]))
        except ValueError as exc:
            raise PactError("BadRequest", f"time: {exc}") from None
    types = EVENT_TYPES[version]
    kind = next((name for name, value in types.items() if value == event["type"]), None)
    if kind is None:
        raise PactError("NotImplemented", f"the event type {event['type'][:100]!r} is not supported")
    data = _require(event, "data", dict, "")
    event_id = event["id"][:200]
    if session.scalar(
        select(exists().where(ReceivedEvent.partner_id == partner.id, ReceivedEvent.event_id == event_id))
    ):
        return EventHandled(kind, repeat=True)
    session.add(ReceivedEvent(partner_id=partner.id, event_id=event_id))
    if kind == "created":
        product_ids = _product_ids_of(data, version)
        if not product_ids:
            raise PactError("BadRequest", "data: name at least one product id")
        request = FootprintRequest(
            direction="incoming",
            partner_id=partner.id,
            event_id=event_id,
            pact_version=version,
            product_ids=product_ids[:50],
            comment=str(data.get("comment", ""))[:1000],
            status="pending",
            footprint_ids=[],
        )
        session.add(request)
        session.flush()
        return EventHandled(kind, request)
    if kind == "published":
        announced = tuple(_announced_ids(data))
        if has_remote(partner):
            return EventHandled(kind, announced=announced, fetch=True)
        log_access(
            session,
            partner=partner,
            action=UNFETCHED_ACTION,
            target=f"not fetched: no remote configured; {', '.join(announced)}",
            status=200,
        )
        return EventHandled(kind, announced=announced)
    request_event_id = _require(data, "requestEventId", str, "data.")
    answered = session.scalars(
        select(FootprintRequest).where(
            FootprintRequest.direction == "outgoing",
            FootprintRequest.partner_id == partner.id,
            FootprintRequest.event_id == request_event_id,
        )
    ).first()
    if kind == "fulfilled":
        pfs = _require(data, "pfs", list, "data.")
        if not pfs:
            raise PactError("BadRequest", "data.pfs must hold at least one footprint")
        invalid = [f"pfs/{i}: {e}" for i, pf in enumerate(pfs) for e in validate(pf, version)[:3]]
        if invalid:
            raise PactError("BadRequest", "; ".join(invalid[:5]))
        # Only an answer to one of our own requests to this partner becomes primary data; anything
        # else is acknowledged, as the specification asks, and not stored.
        if answered is not None and answered.status == "pending":
            import_footprints(session, partner=partner, documents=pfs, version=version)
            answered.status = "fulfilled"
            answered.footprint_ids = [str(pf["id"]) for pf in pfs]
            answered.answered_at = utc_now()
        session.flush()
        return EventHandled(kind, answered)
    error = _require(data, "error", dict, "data.")
    _require(error, "code", str, "data.error.")
    _require(error, "message", str, "data.error.")
    if answered is not None:
        answered.status = "rejected"
        answered.reason = f"{error['code']}: {error['message']}"[:1000]
        answered.answered_at = utc_now()
        session.flush()
    return EventHandled(kind, answered)


def make_event(version: str, kind: str, data: dict[str, Any], *, source: str) -> dict[str, Any]:
    """Return a CloudEvent of the given kind (created, fulfilled, rejected, published)."""
    return {
        "type": EVENT_TYPES[version][kind],
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": _iso(utc_now()),
        "data": data,
    }


def list_requests(
    session: Session, *, direction: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Return footprint requests as plain data, newest first."""
    statement = (
        select(FootprintRequest, ExchangePartner.code)
        .join(ExchangePartner, ExchangePartner.id == FootprintRequest.partner_id)
        .order_by(FootprintRequest.id.desc())
        .limit(500)
    )
    if direction:
        statement = statement.where(FootprintRequest.direction == direction)
    if status:
        statement = statement.where(FootprintRequest.status == status)
    return [request_row(r, code) for r, code in session.execute(statement).all()]


def request_row(request: FootprintRequest, partner_code: str) -> dict[str, Any]:
    """Return one request as plain data."""
    return {
        "id": request.id,
        "direction": request.direction,
        "partner": partner_code,
        "event_id": request.event_id,
        "product_ids": list(request.product_ids),
        "comment": request.comment,
        "status": request.status,
        "reason": request.reason,
        "footprint_ids": list(request.footprint_ids or []),
        "created_at": request.created_at,
        "answered_at": request.answered_at,
    }


def get_request(session: Session, *, request_id: int) -> FootprintRequest:
    """Return the request; a 404 problem if there is none."""
    request = session.get(FootprintRequest, request_id)
    if request is None:
        raise Problem(404, "Not Found", f"no footprint request {request_id}")
    return request


def grant_for_request(session: Session, *, request: FootprintRequest, part_id: int) -> None:
    """Let the requesting partner read the part's footprints, since fulfilling shares them."""
    held = session.scalar(
        select(exists().where(Grant.partner_id == request.partner_id, Grant.part_id == part_id))
    )
    if not held:
        session.add(
            Grant(
                partner_id=request.partner_id,
                part_id=part_id,
                purpose=f"footprint request {request.event_id}"[:200],
                created_by="exchange",
            )
        )
        session.flush()


def active_published(session: Session, *, part_number: str) -> PublishedFootprint | None:
    """Return the part's Active published footprint, if any."""
    return session.scalars(
        select(PublishedFootprint)
        .join(Part, Part.id == PublishedFootprint.part_id)
        .where(Part.part_number == part_number, PublishedFootprint.status == "Active")
    ).first()
