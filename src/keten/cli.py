"""The ``keten`` command: a thin layer over the domain services, one sub-command per job."""

from __future__ import annotations

import typer
from rich.console import Console

from keten.settings import get_settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="keten",
    help="keten: the open digital backbone for high-tech value chains.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema: create and migrate.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Argument("head", help="Alembic revision to migrate to."),
) -> None:
    """Migrate the database (KETEN_DATABASE_URL) to the newest schema."""
    from keten import migrate
    from keten.db import make_engine

    url = get_settings().database_url
    engine = make_engine(url)
    migrate.upgrade(engine, revision)
    engine.dispose()
    console.print(f"database at [bold]{_safe_url(url)}[/] is at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="Alembic revision to go back to ('base': empty)."),
) -> None:
    """Migrate the database back to an earlier revision."""
    from keten import migrate
    from keten.db import make_engine

    engine = make_engine(get_settings().database_url)
    migrate.downgrade(engine, revision)
    engine.dispose()
    console.print(f"database is at revision {revision}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes."),
) -> None:
    """Serve the web app and JSON API; an embedded SQLite database is migrated first."""
    import uvicorn

    from keten import migrate
    from keten.db import make_engine

    url = get_settings().database_url
    engine = make_engine(url)
    try:
        console.print(f"database at [bold]{_safe_url(url)}[/]: {migrate.ensure_current(engine)}")
    except migrate.SchemaBehind as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    uvicorn.run("keten.asgi:app", host=host, port=port, workers=workers, log_level="info")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Run the ``keten`` command."""
    from keten.dataio import cli as dataio_cli
    from keten.exchange import cli as exchange_cli
    from keten.footprints import cli as footprints_cli
    from keten.partners import cli as partners_cli
    from keten.passports import cli as passports_cli
    from keten.resilience import cli as resilience_cli

    dataio_cli.register(app)
    partners_cli.register(app)
    footprints_cli.register(app)
    resilience_cli.register(app)
    passports_cli.register(app)
    exchange_cli.register(app)
    app()
