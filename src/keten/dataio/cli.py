"""Commands to import, export, generate and demo a value chain."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from keten.cli_support import print_problem
from keten.problems import Problem

__all__ = ["register"]

console = Console()
err_console = Console(stderr=True)


def _parse_mapping(pairs: list[str] | None, mapping_file: Path | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    if mapping_file is not None:
        try:
            loaded = json.loads(mapping_file.read_text(encoding="utf-8-sig"))
        except (OSError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"{mapping_file}: not a JSON object of column names ({exc})") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise typer.BadParameter(
                f'{mapping_file}: expected a JSON object like {{"Artikelnummer": "part_number"}}'
            )
        mapping.update(loaded)
    for pair in pairs or []:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise typer.BadParameter(f"'{pair}' is not a mapping; write YOUR_COLUMN=keten_column")
        mapping[theirs.strip()] = ours.strip()
    return mapping


_STAGES = {"read": "rows read", "written": "rows written"}


@contextmanager
def _lazy_progress(delay_s: float = 1.0) -> Iterator[Callable[[str, int, int], None]]:
    """Yield a progress callback that shows two bars, rows read and rows written, once the work
    has taken ``delay_s``."""
    started = time.perf_counter()
    bar: Progress | None = None
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if time.perf_counter() - started < delay_s:
                return
            bar = Progress(
                TextColumn("{task.description:>12}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            bar.start()
            tasks.update((key, bar.add_task(label, total=total)) for key, label in _STAGES.items())
        bar.update(tasks[stage], completed=done, total=total)

    try:
        yield update
    finally:
        if bar is not None:
            bar.stop()


def _where(error: dict[str, Any]) -> str:
    return str(error.get("file") or "") + (f", row {error['row']}" if error.get("row") else "")


def _print_problem(problem: Problem) -> None:
    # Every error the import reports (it caps them itself), and how many more it found.
    print_problem(problem, where=_where, limit=None)


def _print_report(report: object) -> None:
    from keten.dataio.service import ImportReport

    assert isinstance(report, ImportReport)
    table = RichTable(title="dry run: nothing was written" if report.dry_run else None)
    for column in ("kind", "file", "rows", "inserted", "updated", "deleted", "unchanged"):
        table.add_column(column, justify="right" if column not in ("kind", "file") else "left")
    for r in report.results:
        table.add_row(
            r.kind, r.source, *(str(v) for v in (r.rows, r.inserted, r.updated, r.deleted, r.unchanged))
        )
    console.print(table)
    console.print(f"{report.rows} rows in {report.seconds:.2f} s")


def _run_import(
    path: Path,
    kind: str | None,
    mapping: dict[str, str],
    dry_run: bool,
    encoding: str | None,
    mapping_name: str | None = None,
) -> object:
    from keten.dataio import mappings, service
    from keten.dataio.tables import files_of
    from keten.db import make_engine, make_session_factory
    from keten.settings import get_settings

    settings = get_settings()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        with _lazy_progress() as progress, factory() as session:
            tables, read_errors = service.read_files(
                ((str(p), p.read_bytes()) for p in files_of(path)),
                kind=None if path.is_dir() else kind,
                encoding=encoding,
                limits=service.ReadLimits.of(settings),
            )
            mappings.apply(session, tables, name=mapping_name)
            report = service.import_tables(
                session, tables, mapping=mapping, dry_run=dry_run, progress=progress, read_errors=read_errors
            )
            if dry_run:
                session.rollback()
            else:
                session.commit()
        return report
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the ``keten`` command."""

    @app.command("import")
    def import_(
        path: Annotated[
            Path,
            typer.Argument(
                help="A CSV, XLSX or JSON file, or a folder of them; kinds from names or columns."
            ),
        ],
        kind: Annotated[
            str | None, typer.Option(help="Kind of a file whose name does not say it (parts, bom, ...).")
        ] = None,
        map_: Annotated[
            list[str] | None,
            typer.Option("--map", help="Column mapping YOUR_COLUMN=keten_column; repeat as needed."),
        ] = None,
        mapping_file: Annotated[
            Path | None, typer.Option("--mapping", help="JSON file with a column mapping.")
        ] = None,
        mapping_name: Annotated[
            str | None,
            typer.Option(
                "--mapping-name", help="Name of a column mapping saved on the import page or through the API."
            ),
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report, write nothing.")] = False,
        encoding: Annotated[
            str | None, typer.Option(help="Text encoding of CSV files (default UTF-8, else Windows-1252).")
        ] = None,
    ) -> None:
        """Import organizations, sites, materials, parts, BOMs, composition, sourcing and stock."""
        mapping = _parse_mapping(map_, mapping_file)
        try:
            report = _run_import(path, kind, mapping, dry_run, encoding, mapping_name)
        except Problem as problem:
            _print_problem(problem)
            raise typer.Exit(1) from None
        _print_report(report)

    @app.command("export")
    def export(
        out: Annotated[Path, typer.Argument(help="Folder (csv) or file (xlsx, json) to write.")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="csv, xlsx or json.")] = "csv",
    ) -> None:
        """Export the whole value chain in the import format."""
        from keten.dataio import service
        from keten.db import make_engine, make_session_factory
        from keten.settings import get_settings

        engine = make_engine(get_settings().database_url)
        try:
            with make_session_factory(engine)() as session:
                files = service.write_export(service.export_tables(session), fmt, out)
        except Problem as problem:
            _print_problem(problem)
            raise typer.Exit(1) from None
        finally:
            engine.dispose()
        console.print(f"wrote {', '.join(files)} to {out}")

    @app.command("generate")
    def generate(
        out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files to.")],
        parts: Annotated[int, typer.Option(help="Number of parts.")] = 100_000,
        suppliers: Annotated[int, typer.Option(help="Number of supplier organizations.")] = 5_000,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    ) -> None:
        """Write a synthetic value chain of EUV-machine scale as importable CSV files."""
        from keten.dataio.generate import generate as run

        started = time.perf_counter()
        summary = run(out, parts=parts, suppliers=suppliers, seed=seed)
        console.print(summary)
        console.print(f"written to {out} in {time.perf_counter() - started:.1f} s")

    @app.command("demo")
    def demo(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        load_only: Annotated[
            bool, typer.Option("--load-only", help="Migrate and load, do not serve.")
        ] = False,
    ) -> None:
        """Migrate the database, load the demo value chain and serve keten."""
        from keten import migrate
        from keten.dataio import demo as demo_data
        from keten.db import make_engine, make_session_factory
        from keten.settings import get_settings

        settings = get_settings()
        if "resolver_url" not in settings.model_fields_set:
            # The passports' QR codes should lead to this demo, wherever it listens.
            os.environ["KETEN_RESOLVER_URL"] = f"http://{host}:{port}"
            get_settings.cache_clear()
            settings = get_settings()
        if host in ("127.0.0.1", "::1", "localhost"):
            # The demo serves plain HTTP on this machine: its PACT API and client may use it here.
            for name in ("pact_allow_http", "pact_client_allow_http"):
                if name not in settings.model_fields_set:
                    os.environ[f"KETEN_{name.upper()}"] = "true"
            get_settings.cache_clear()
            settings = get_settings()
        engine = make_engine(settings.database_url)
        try:
            migrate.upgrade(engine)
            with make_session_factory(engine)() as session:
                report = demo_data.load(session, passports=True, resolver=str(settings.resolver_url))
                demo_data.load_exchange(session, node_name=settings.node_name)
                password = demo_data.admin_password(session)
                pact = demo_data.pact_credentials(session)
                session.commit()
        except Problem as problem:
            _print_problem(problem)
            raise typer.Exit(1) from None
        finally:
            engine.dispose()
        console.print(f"demo value chain loaded: {report.rows} rows ({report.seconds:.1f} s)")
        if load_only:
            return
        for line in demo_data.welcome_lines(host, port, password, pact):
            # Not wrapped at the terminal's width: the curl lines are meant to be copied whole.
            console.print(line, soft_wrap=True)
        import uvicorn

        uvicorn.run("keten.asgi:app", host=host, port=port, log_level="warning")
