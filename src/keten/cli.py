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
    certfile: str | None = typer.Option(None, help="PEM certificate (chain): serve HTTPS directly."),
    keyfile: str | None = typer.Option(None, help="PEM private key of --certfile."),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Addresses of reverse proxies whose X-Forwarded-Proto/-For headers are trusted "
        "(comma-separated, '*' for any); default: 127.0.0.1.",
    ),
) -> None:
    """Serve the web app, the JSON API and the PACT API; an embedded SQLite database is migrated
    first, and each process also runs an outbox worker unless KETEN_OUTBOX_WORKER=false."""
    import uvicorn

    from keten import migrate
    from keten.db import make_engine

    if (certfile is None) != (keyfile is None):
        err_console.print("[bold red]error:[/] give --certfile and --keyfile together")
        raise typer.Exit(2)
    url = get_settings().database_url
    engine = make_engine(url)
    try:
        console.print(f"database at [bold]{_safe_url(url)}[/]: {migrate.ensure_current(engine)}")
    except migrate.SchemaBehind as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    uvicorn.run(
        "keten.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Deliver what is due now, then stop."),
) -> None:
    """Deliver the exchange's outbox (events to partners, fetches of announced footprints) until
    stopped (Ctrl-C, SIGTERM); any number may run against one database."""
    import signal
    import threading

    from keten.db import make_engine, make_session_factory
    from keten.exchange import outbox
    from keten.exchange.service import flush_access_log
    from keten.exchange.worker import Worker

    settings = get_settings()
    engine = make_engine(settings.database_url)
    deliverer = Worker.of(settings, make_session_factory(engine))
    stop = threading.Event()

    def halt(*_args: object) -> None:
        stop.set()
        outbox.WAKE.set()

    try:
        if once:
            while deliverer.run_once():
                pass
            deliverer.close()
        else:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, halt)
            console.print(f"outbox worker {deliverer.name} on {_safe_url(settings.database_url)}")
            deliverer.run(stop)
    finally:
        flush_access_log(engine)
        engine.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Run the ``keten`` command."""
    from keten.connector import cli as connector_cli
    from keten.dataio import cli as dataio_cli
    from keten.exchange import cli as exchange_cli
    from keten.footprints import cli as footprints_cli
    from keten.lifecycle import cli as lifecycle_cli
    from keten.partners import cli as partners_cli
    from keten.passports import cli as passports_cli
    from keten.resilience import cli as resilience_cli

    dataio_cli.register(app)
    partners_cli.register(app)
    footprints_cli.register(app)
    resilience_cli.register(app)
    passports_cli.register(app)
    exchange_cli.register(app)
    connector_cli.register(app)
    lifecycle_cli.register(app)
    app()
