"""Errors raised by the computation core; each message says what was wrong and what to do."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BomCycleError", "CircularityInputError", "CoreError", "UnknownIdError"]


class CoreError(Exception):
    """Base of every error the core raises."""


class BomCycleError(CoreError):
    """A bill of materials contains a part that is, through its children, part of itself."""

    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = list(cycle)
        path = " → ".join(self.cycle)
        super().__init__(
            f"the BOM contains a cycle: {path}; remove one of these lines so no part contains itself"
        )


class UnknownIdError(CoreError, KeyError):
    """An identifier that an index map does not hold."""

    def __init__(self, identifier: object, what: str = "id") -> None:
        self.identifier = identifier
        super().__init__(f"unknown {what}: {identifier!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class CircularityInputError(CoreError, ValueError):
    """A circularity figure was asked of inputs it cannot be computed from (a share outside 0 to 1,
    arrays of different lengths, no mass); the message names the input."""
