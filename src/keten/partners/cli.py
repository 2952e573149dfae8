"""Commands for users and their credentials: ``keten user create``, ``list``, ``set-role``, ``token``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from keten.db import make_engine, make_session_factory, session_scope
from keten.partners import auth
from keten.problems import Problem
from keten.settings import get_settings

__all__ = ["register", "user_app"]

user_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


def _fail(exc: Problem) -> typer.Exit:
    err_console.print(f"[red]{exc.title}[/]: {exc.detail or ''}")
    return typer.Exit(code=1)


@user_app.command("create")
def create(
    username: str = typer.Argument(..., help="Name to sign in with."),
    role: str = typer.Option("viewer", help="viewer (reads), editor (imports and changes data) or admin."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="KETEN_USER_PASSWORD",
        help="At least 10 characters; asked for when not given (or read from KETEN_USER_PASSWORD).",
    ),
    display_name: str | None = typer.Option(None, help="Name shown in the web app."),
) -> None:
    """Create a user who signs in with a password."""
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            user = auth.create_user(
                session, username=username, password=password, role=role, display_name=display_name
            )
            auth.record_audit(
                session, username=None, action="create user", target=f"{user.username} ({role})"
            )
    except Problem as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    console.print(f"user [bold]{username}[/] created with role {role}")


@user_app.command("list")
def list_() -> None:
    """List the users and their roles."""
    engine = make_engine(get_settings().database_url)
    with session_scope(make_session_factory(engine)) as session:
        table = Table("username", "role", "active", "last sign-in")
        for user in auth.list_users(session):
            last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if user.last_sign_in_at else "never"
            table.add_row(user.username, user.role, "yes" if user.active else "no", last)
    engine.dispose()
    console.print(table)


@user_app.command("set-role")
def set_role(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="viewer, editor or admin."),
) -> None:
    """Change a user's role."""
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            user = auth.get_user(session, username=username)
            if user is None:
                raise Problem(404, "No such user", f"there is no user {username!r}")
            auth.update_user(session, user=user, role=role)
            auth.record_audit(
                session, username=None, action="update user", target=username, detail=f"role={role}"
            )
    except Problem as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    console.print(f"user [bold]{username}[/] now has role {role}")


@user_app.command("token")
def token(
    username: str = typer.Argument(...),
    name: str = typer.Option("cli", help="What the token is for, to tell tokens apart."),
) -> None:
    """Create a personal API token for a user and print it (it is shown only this once)."""
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            user = auth.get_user(session, username=username)
            if user is None:
                raise Problem(404, "No such user", f"there is no user {username!r}")
            secret, _ = auth.create_api_token(session, user=user, name=name)
            auth.record_audit(session, username=None, action="create API token", target=f"{username}: {name}")
    except Problem as exc:
        raise _fail(exc) from None
    finally:
        engine.dispose()
    typer.echo(secret)


def register(app: typer.Typer) -> None:
    """Add the ``user`` commands to the ``keten`` command."""
    app.add_typer(user_app, name="user")
