"""What every domain's commands share: a database session for one command and how a problem is
printed before the command ends with exit code 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from keten.problems import Problem

__all__ = ["err_console", "print_problem", "run", "session_scope", "steps"]

err_console = Console(stderr=True)

Where = Callable[[dict[str, Any]], str]
"""Says where one of a problem's errors is (a file and row, a part, a node), or ""."""


def _nowhere(_error: dict[str, Any]) -> str:
    return ""


def print_problem(problem: Problem, *, where: Where = _nowhere, limit: int | None = 50) -> None:
    """Print ``problem`` on standard error: its detail, then up to ``limit`` of its errors."""
    # Details name sheets as file[sheet]; escaped, so Rich prints them instead of taking them as markup.
    err_console.print(f"[bold red]error:[/] {escape(problem.detail or problem.title)}", highlight=False)
    shown = problem.errors if limit is None else problem.errors[:limit]
    for error in shown:
        place = escape(where(error))
        message = escape(str(error.get("message")))
        err_console.print(f"  {place}: {message}" if place else f"  {message}", highlight=False)
    total = problem.extensions.get("total_errors")
    if isinstance(total, int) and total > len(shown):
        err_console.print(f"  … and {total - len(shown)} more errors")


@contextmanager
def session_scope(*, commit: bool = False, where: Where = _nowhere) -> Iterator[Session]:
    """Yield a session on the configured database for one command, committed at the end when
    ``commit``; a problem is printed (its errors placed by ``where``) and ends it with exit code 1."""
    from keten.db import make_engine, make_session_factory
    from keten.settings import get_settings

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
            if commit:
                session.commit()
    except Problem as problem:
        print_problem(problem, where=where)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def run(work: Callable[[Session], Any], *, commit: bool = False, where: Where = _nowhere) -> Any:
    """Return ``work(session)`` run in a :func:`session_scope`."""
    with session_scope(commit=commit, where=where) as session:
        return work(session)


@contextmanager
def steps(labels: list[str]) -> Iterator[Callable[[], None]]:
    """Show a progress bar over the named ``labels`` on standard error while long work runs; yield
    the function that marks the current step done and names the next one.

    On a terminal the bar moves and the spinner turns while a step runs; elsewhere (a pipe, a log)
    nothing is drawn, so the command's own output stays as it was.
    """
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task = progress.add_task(labels[0], total=len(labels))

    def advance() -> None:
        done = int(progress.tasks[0].completed) + 1
        progress.update(task, completed=done, description=labels[min(done, len(labels) - 1)])

    with progress:
        yield advance
