"""Users and credentials: Argon2 passwords, throttled sign-in, API tokens, sessions, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keten.partners import auth
from keten.partners.models import ApiToken, User
from keten.problems import Problem

from .conftest import PASSWORD


def test_passwords_are_stored_as_argon2id_and_verified(session: Session) -> None:
    user = auth.create_user(session, username="ada", password=PASSWORD, role="editor")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert auth.verify_password(user.password_hash, PASSWORD)
    assert not auth.verify_password(user.password_hash, PASSWORD + "!")
    assert not auth.verify_password(None, PASSWORD)


def test_a_short_password_a_taken_name_and_an_unknown_role_are_refused(session: Session) -> None:
    auth.create_user(session, username="ada", password=PASSWORD)
    with pytest.raises(Problem, match="at least 10"):
        auth.create_user(session, username="bob", password="short")
    with pytest.raises(Problem, match="exists already"):
        auth.create_user(session, username="ADA", password=PASSWORD)
    with pytest.raises(Problem, match="one of viewer, editor, admin"):
        auth.create_user(session, username="cy", password=PASSWORD, role="owner")


def test_failed_sign_ins_are_slowed_down_with_doubling_waits(session: Session) -> None:
    auth.create_user(session, username="ada", password=PASSWORD)
    t0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for i in range(auth.FREE_FAILURES):
        with pytest.raises(auth.SignInRefused):
            auth.authenticate(
                session, username="ada", password="wrong", ip="10.0.0.1", now=t0 + timedelta(seconds=i)
            )
    # Blocked now for 1 s, even with the right password, and only from this address.
    blocked_at = t0 + timedelta(seconds=auth.FREE_FAILURES - 1)
    with pytest.raises(auth.SignInThrottled) as throttled:
        auth.authenticate(session, username="ada", password=PASSWORD, ip="10.0.0.1", now=blocked_at)
    assert throttled.value.retry_after == 1
    assert (
        auth.authenticate(session, username="ada", password=PASSWORD, ip="10.0.0.2", now=blocked_at).username
        == "ada"
    )
    # One more failure after the wait doubles it.
    later = blocked_at + timedelta(seconds=2)
    with pytest.raises(auth.SignInRefused):
        auth.authenticate(session, username="ada", password="wrong", ip="10.0.0.1", now=later)
    with pytest.raises(auth.SignInThrottled) as throttled:
        auth.authenticate(
            session, username="ada", password=PASSWORD, ip="10.0.0.1", now=later + timedelta(seconds=1)
        )
    assert throttled.value.retry_after == 1
    user = auth.authenticate(
        session, username="ada", password=PASSWORD, ip="10.0.0.1", now=later + timedelta(seconds=3)
    )
    assert user.last_sign_in_at is not None
    # Success forgets the failures: the next wrong password is free again.
    with pytest.raises(auth.SignInRefused):
        auth.authenticate(
            session, username="ada", password="wrong", ip="10.0.0.1", now=later + timedelta(seconds=4)
        )


def test_an_unknown_user_and_an_inactive_user_cannot_sign_in(session: Session) -> None:
    user = auth.create_user(session, username="ada", password=PASSWORD)
    with pytest.raises(auth.SignInRefused):
        auth.authenticate(session, username="nobody", password=PASSWORD, ip="x")
    auth.update_user(session, user=user, active=False)
    with pytest.raises(auth.SignInRefused):
        auth.authenticate(session, username="ada", password=PASSWORD, ip="x")


def test_api_tokens_are_stored_hashed_and_stop_working_when_revoked_or_expired(session: Session) -> None:
    user = auth.create_user(session, username="ada", password=None, role="editor")
    secret, token = auth.create_api_token(session, user=user, name="ci")
    assert secret.startswith(auth.TOKEN_PREFIX) and len(secret) > 40
    stored = session.scalars(select(ApiToken.token_sha256)).one()
    assert secret not in stored and len(stored) == 64
    found = auth.user_for_api_token(session, secret)
    assert found is not None and found.id == user.id
    assert token.last_used_at is not None
    assert auth.user_for_api_token(session, secret + "x") is None
    auth.revoke_api_token(session, user=user, token_id=token.id)
    assert auth.user_for_api_token(session, secret) is None

    short, short_token = auth.create_api_token(
        session, user=user, name="short", lifetime=timedelta(seconds=1)
    )
    short_token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert auth.user_for_api_token(session, short) is None

    other = auth.create_user(session, username="bob", password=None)
    with pytest.raises(Problem, match="no API token"):
        auth.revoke_api_token(session, user=other, token_id=token.id)


def test_web_sessions_expire_and_end_when_the_user_is_deactivated(session: Session) -> None:
    user = auth.create_user(session, username="ada", password=PASSWORD)
    secret, row = auth.open_web_session(session, user=user, lifetime=timedelta(hours=1))
    info = auth.user_for_web_session(session, secret)
    assert info is not None and info.user.id == user.id and info.csrf_token == row.csrf_token
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert auth.user_for_web_session(session, secret) is None
    secret, _ = auth.open_web_session(session, user=user, lifetime=timedelta(hours=1))
    auth.update_user(session, user=user, active=False)
    assert auth.user_for_web_session(session, secret) is None


def test_keten_user_create_makes_a_user_who_can_sign_in(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    keten = str(Path(sys.executable).parent / "keten")
    env = {**os.environ, "KETEN_DATABASE_URL": database_url, "KETEN_USER_PASSWORD": PASSWORD}
    result = subprocess.run(
        [keten, "user", "create", "grace", "--role", "admin"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "grace" in result.stdout
    again = subprocess.run(
        [keten, "user", "create", "grace"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    with Session(engine) as session:
        user = session.scalars(select(User).where(User.username == "grace")).one()
        assert user.role == "admin"
        assert auth.authenticate(session, username="grace", password=PASSWORD, ip="x").id == user.id


def test_keten_user_set_role_and_token(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with Session(engine) as session:
        auth.create_user(session, username="ada", password=None, role="viewer")
        session.commit()
    keten = str(Path(sys.executable).parent / "keten")
    env = {**os.environ, "KETEN_DATABASE_URL": database_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [keten, "user", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
            timeout=60,
        )

    assert run("set-role", "ada", "editor").returncode == 0
    assert run("set-role", "ada", "owner").returncode == 1
    assert run("set-role", "nobody", "editor").returncode == 1
    token = run("token", "ada", "--name", "nightly")
    assert token.returncode == 0
    with Session(engine) as session:
        user = auth.user_for_api_token(session, token.stdout.strip())
        assert user is not None and user.username == "ada" and user.role == "editor"


def test_the_demo_admin_gets_a_new_random_password_each_time(session: Session) -> None:
    first = auth.demo_admin(session)
    assert len(first) >= 10
    assert auth.authenticate(session, username="demo", password=first, ip="x").role == "admin"
    second = auth.demo_admin(session)
    assert second != first
    with pytest.raises(auth.SignInRefused):
        auth.authenticate(session, username="demo", password=first, ip="y")
    assert auth.authenticate(session, username="demo", password=second, ip="y").username == "demo"
