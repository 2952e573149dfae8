"""Sentences for a reader that a page can say in the reader's language: an English template with
named values.

A Message is a ``str`` whose text is its English sentence, so the JSON API, the command line and
the logs read it as any other string; it also keeps its template and values, so a page renders it
through the catalogue of its reader's language (keten.ui.i18n.say) instead of matching English
text. A Term inside a message is a word of keten's own vocabulary (a column or a kind), which a
page shows in its language too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Invalid", "Message", "Term", "english", "message_of"]


class Term(str):
    """A word of keten's vocabulary, such as the column ``part_number`` or the kind ``bom``."""

    __slots__ = ()


def english(value: object) -> str:
    """Return ``value`` as an English message writes it: a list joined with commas, a float
    without an exponent where that reads better."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, list | tuple):
        return ", ".join(english(v) for v in value)
    if isinstance(value, float):
        return format(value, ",.15g") if value.is_integer() and abs(value) < 1e15 else format(value, ".6g")
    return str(value)


class Message(str):
    """An English sentence built from ``template`` and ``values``, which remembers both."""

    template: str
    values: Mapping[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Message:
        text = template.format(**{k: english(v) for k, v in values.items()}) if values else template
        message = super().__new__(cls, text)
        message.template = template
        message.values = values
        return message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, dict(self.values)))

    def render(self, say: Callable[[str], str], show: Callable[[object], str]) -> str:
        """Return the sentence with its template looked up by ``say`` and each value written by ``show``."""
        template = say(self.template)
        if not self.values:
            return template
        return template.format(**{k: show(v) for k, v in self.values.items()})


def _rebuild(template: str, values: dict[str, Any]) -> Message:
    return Message(template, **values)


class Invalid(ValueError):
    """A value that cannot be taken, with the Message saying why; ``str()`` gives it in English."""

    def __init__(self, template: str, /, **values: Any) -> None:
        self.message = Message(template, **values)
        super().__init__(self.message)

    def __str__(self) -> str:
        return str.__str__(self.message)


def message_of(exc: BaseException) -> Message:
    """Return the Message an error carries, or its text as a Message of no values."""
    carried = getattr(exc, "message", None)
    if isinstance(carried, Message):
        return carried
    return Message(str(exc))
