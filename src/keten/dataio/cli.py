"""Commands to import, export, generate and demo a value chain."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the ``keten`` command."""
