"""Users, roles and credentials: passwords, personal API tokens, browser sessions, throttling, audit.

Passwords are hashed with Argon2id. API tokens and session secrets are 32 random bytes, so a
SHA-256 of them is enough to store (nobody can guess their way to a preimage); the secret itself
is shown once and never stored. Every function only flushes: the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from keten.partners.models import USER_ROLES, ApiToken, AuditEntry, SignInFailure, User, WebSession
from keten.problems import Problem
from keten.timestamps import utc_now

__all__ = [
    "FREE_FAILURES",
    "MAX_BLOCK_SECONDS",
    "ROLES",
    "TOKEN_PREFIX",
    "Principal",
    "SignInRefused",
    "SignInThrottled",
    "WebSessionInfo",
    "authenticate",
    "close_web_session",
    "create_api_token",
    "create_user",
    "demo_admin",
    "get_user",
    "has_role",
    "hash_password",
    "list_api_tokens",
    "list_audit",
    "list_users",
    "open_web_session",
    "record_audit",
    "revoke_api_token",
    "update_user",
    "user_by_id",
    "user_for_api_token",
    "user_for_web_session",
    "verify_password",
]

ROLES = USER_ROLES
TOKEN_PREFIX = "keten_"
FREE_FAILURES = 3
"""Failed sign-ins of one username from one address before each further one is delayed."""
MAX_BLOCK_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so that answering takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class SignInRefused(Problem):
    """Wrong username or password (which of the two is not said)."""

    def __init__(self) -> None:
        super().__init__(401, "Sign-in refused", "the username or password is wrong")


class SignInThrottled(Problem):
    """Too many failed sign-ins: the next attempt is possible after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "Too many failed sign-ins",
            f"try again in {retry_after} seconds",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a copy of the user's fields that outlives the request's session."""

    id: int
    username: str
    display_name: str | None
    role: str

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


@dataclass(frozen=True)
class WebSessionInfo:
    """A signed-in browser: its user and the CSRF token its forms must carry."""

    user: User
    csrf_token: str
    session_id: int


def _aware(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def has_role(role: str, required: str) -> bool:
    """Return whether ``role`` is at least as powerful as ``required``."""
    return ROLES.index(role) >= ROLES.index(required)


def hash_password(password: str) -> str:
    """Return the Argon2id hash of ``password``; refuses passwords shorter than 10 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Problem(
            422, "Password too short", f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
        )
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash`` (False for a user without password)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- users -----------------------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Problem(422, "Unknown role", f"role must be one of {', '.join(ROLES)}, not {role!r}")


def create_user(
    session: Session,
    *,
    username: str,
    password: str | None,
    role: str = "viewer",
    display_name: str | None = None,
) -> User:
    """Return a new user; refuses a taken username, an unknown role or a short password."""
    username = username.strip()
    if not username or len(username) > 100:
        raise Problem(422, "Invalid username", "a username has 1 to 100 characters")
    _check_role(role)
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise Problem(409, "Username taken", f"a user named {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or None,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def demo_admin(session: Session, *, username: str = "demo") -> str:
    """Return a fresh random password of the demo's admin, creating the user if needed.

    Each ``keten demo`` prints the password it gets here, so the demo never ships a known one.
    """
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    user = get_user(session, username=username)
    if user is None:
        create_user(session, username=username, password=password, role="admin", display_name="Demo admin")
    else:
        update_user(session, user=user, role="admin", active=True, password=password)
    return password


def user_by_id(session: Session, *, user_id: int) -> User | None:
    """Return the user with ``user_id``, or None."""
    return session.get(User, user_id)


def get_user(session: Session, *, username: str) -> User | None:
    """Return the user named ``username`` (any case), or None."""
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def list_users(session: Session) -> list[User]:
    """Return every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def update_user(
    session: Session,
    *,
    user: User,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Return ``user`` with a new role, activity or password; a deactivated user is signed out."""
    if role is not None:
        _check_role(role)
        user.role = role
    if password is not None:
        user.password_hash = hash_password(password)
    if active is not None:
        user.active = active
    if active is False or password is not None:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    return user


# --- sign-in and throttling ------------------------------------------------------------------


def _block_seconds(failures: int) -> int:
    """Return how long to refuse sign-ins after ``failures`` failures: doubling, capped."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(MAX_BLOCK_SECONDS, 2 ** (failures - FREE_FAILURES)))


def authenticate(
    session: Session, *, username: str, password: str, ip: str, now: datetime | None = None
) -> User:
    """Return the active user whose password this is.

    Raises SignInThrottled while this username and address are blocked after repeated failures
    (without checking the password), SignInRefused when the credentials are wrong.
    """
    now = now or utc_now()
    key = username.strip().lower()[:100]
    failure = session.scalar(
        select(SignInFailure).where(SignInFailure.username == key, SignInFailure.ip == ip[:64])
    )
    if failure is not None and failure.blocked_until is not None:
        blocked_until = _aware(failure.blocked_until)
        if blocked_until > now:
            raise SignInThrottled(max(1, int((blocked_until - now).total_seconds() + 0.999)))
    user = get_user(session, username=username)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        if failure is None:
            # Failures a day old no longer slow anyone down; forgetting them keeps the table small
            # even when someone tries many made-up usernames.
            session.execute(
                delete(SignInFailure).where(SignInFailure.last_failure_at < now - timedelta(days=1))
            )
            failure = SignInFailure(username=key, ip=ip[:64], failures=0)
            session.add(failure)
        failure.failures += 1
        failure.last_failure_at = now
        block = _block_seconds(failure.failures)
        failure.blocked_until = now + timedelta(seconds=block) if block else None
        session.flush()
        raise SignInRefused()
    if failure is not None:
        session.delete(failure)
    user.last_sign_in_at = now
    session.flush()
    return user


def open_web_session(
    session: Session, *, user: User, lifetime: timedelta, ip: str | None = None
) -> tuple[str, WebSession]:
    """Return (cookie secret, session row) for a browser that just signed in."""
    secret = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=user.id,
        token_sha256=_sha256(secret),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utc_now() + lifetime,
        ip=(ip or "")[:64] or None,
    )
    session.add(row)
    # Expired sessions of anyone are cleared here, so the table stays small without a job.
    session.execute(delete(WebSession).where(WebSession.expires_at < utc_now()))
    session.flush()
    return secret, row


def user_for_web_session(session: Session, secret: str) -> WebSessionInfo | None:
    """Return the signed-in user and CSRF token of a session cookie, or None if unknown or expired."""
    row = session.scalar(select(WebSession).where(WebSession.token_sha256 == _sha256(secret)))
    if row is None or _aware(row.expires_at) <= utc_now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return WebSessionInfo(user=user, csrf_token=row.csrf_token, session_id=row.id)


def close_web_session(session: Session, secret: str) -> None:
    """Forget the browser session of ``secret`` (signing out)."""
    session.execute(delete(WebSession).where(WebSession.token_sha256 == _sha256(secret)))


# --- API tokens ------------------------------------------------------------------------------


def create_api_token(
    session: Session, *, user: User, name: str, lifetime: timedelta | None = None
) -> tuple[str, ApiToken]:
    """Return (secret, token row); the secret is not kept and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Problem(422, "Invalid token name", "a token name has 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_sha256=_sha256(secret),
        expires_at=utc_now() + lifetime if lifetime else None,
    )
    session.add(token)
    session.flush()
    return secret, token


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    """Return the tokens of ``user``, newest first, revoked ones included."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def revoke_api_token(session: Session, *, user: User, token_id: int) -> ApiToken:
    """Return the token ``token_id`` of ``user``, now revoked; 404 if it is not theirs."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise Problem(404, "Token not found", f"you have no API token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utc_now()
    session.flush()
    return token


def user_for_api_token(session: Session, secret: str) -> User | None:
    """Return the active owner of a valid, unrevoked, unexpired token secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _sha256(secret)))
    now = utc_now()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and _aware(token.expires_at) <= now:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    last = token.last_used_at
    # Written at most once a minute, so a script's burst of requests does not write on every call.
    if last is None or now - _aware(last) > timedelta(minutes=1):
        token.last_used_at = now
    return user


# --- audit -----------------------------------------------------------------------------------


def record_audit(
    session: Session,
    *,
    username: str | None,
    action: str,
    target: str = "",
    detail: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Return a new audit log entry (flushed with the caller's transaction)."""
    entry = AuditEntry(
        username=username,
        action=action[:100],
        target=target[:300],
        detail=detail[:2000],
        ip=(ip or "")[:64] or None,
    )
    session.add(entry)
    return entry


def list_audit(session: Session, *, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
    """Return audit entries, newest first."""
    return list(
        session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    )
