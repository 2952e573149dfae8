"""The page kit every domain's pages use: Jinja2 templates on the shell's base layout, translations
and the access marker of a route.

It imports nothing of the domains or of keten.web, so ``<domain>/pages.py`` can use it without
reaching up a layer. keten.web fills ``request.state`` (user, CSRF token) before a page runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from keten.ui import format as fmt
from keten.ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, country_name, gettext, language_of, say
from keten.ui.vocabulary import material_name

__all__ = [
    "ACCESS_KEY",
    "LANGUAGES",
    "Page",
    "Templates",
    "access",
    "gettext",
    "install_formats",
    "language_of",
    "query_string",
]

ACCESS_KEY = "x-keten-access"
"""Key in a route's ``openapi_extra`` naming the least role it needs (or ``public``)."""

_SHELL_TEMPLATES = Path(__file__).resolve().parent / "templates"
_ACCESS_LEVELS = ("public", "partner", "viewer", "editor", "admin")


def access(level: str) -> dict[str, Any]:
    """Return ``openapi_extra`` for a route that needs ``level`` whatever its method.

    Without it, reading (GET, HEAD) needs a viewer and anything else an editor. ``public`` routes
    answer without credentials; give that only on purpose. ``partner`` routes are the PACT API:
    the guard leaves them alone and they check the partner's own bearer token themselves.
    """
    if level not in _ACCESS_LEVELS:
        raise ValueError(f"access level must be one of {_ACCESS_LEVELS}, not {level!r}")
    return {ACCESS_KEY: level}


def query_string(request: Request, **changes: Any) -> str:
    """Return the request's query string with ``changes`` applied (None removes a key)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


@dataclass(frozen=True)
class Page:
    """One page of a longer list: its items, its 1-based number, and how many there are in all."""

    items: Sequence[Any]
    number: int
    size: int
    total: int

    @staticmethod
    def bounds(number: int, size: int) -> tuple[int, int]:
        """Return (limit, offset) of page ``number`` (1-based) of ``size`` items."""
        return size, (max(number, 1) - 1) * size

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def end(self) -> int:
        return (self.number - 1) * self.size + len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.end < self.total


def _lang(context: Context) -> str:
    return str(context.get("lang", DEFAULT_LANGUAGE))


def install_formats(env: Environment) -> None:
    """Give ``env`` the number and date filters of keten.ui.format, and the ``material`` filter that
    names a material of keten's vocabulary, in the page's ``lang``."""
    env.filters["number"] = pass_context(lambda c, v, digits=0: fmt.number(v, _lang(c), digits))
    env.filters["sig"] = pass_context(lambda c, v, figures=3: fmt.significant(v, _lang(c), figures))
    env.filters["amount"] = pass_context(lambda c, v, uncertainty=None: fmt.amount(v, _lang(c), uncertainty))
    env.filters["percent"] = pass_context(lambda c, v, digits=1: fmt.percent(v, _lang(c), digits))
    env.filters["quantity"] = pass_context(lambda c, v: fmt.quantity(v, _lang(c)))
    env.filters["money"] = pass_context(lambda c, v: fmt.money(v, _lang(c)))
    env.filters["date"] = pass_context(lambda c, v: fmt.format_date(v, _lang(c)))
    env.filters["datetime"] = pass_context(lambda c, v: fmt.format_datetime(v, _lang(c)))
    env.filters["material"] = pass_context(lambda c, v: material_name(v, _lang(c)))


class Templates:
    """The templates of one domain (its ``templates/`` folder), with the shell's layout behind them."""

    def __init__(self, module_file: str) -> None:
        folder = Path(module_file).resolve().parent / "templates"
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(folder), FileSystemLoader(_SHELL_TEMPLATES)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        install_formats(self.env)

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """Return the page ``name`` rendered for ``request`` in the reader's language."""
        lang = language_of(request)
        state = request.state
        values: dict[str, Any] = {
            "request": request,
            "lang": lang,
            "languages": LANGUAGES,
            "_": lambda text, **kw: gettext(lang, text, **kw),
            "say": lambda message: say(lang, message),
            "user": getattr(state, "user", None),
            "csrf_token": getattr(state, "csrf_token", ""),
            "node_name": getattr(request.app.state.settings, "node_name", "keten"),
            "query": lambda **changes: query_string(request, **changes),
            "nav": getattr(request.app.state, "navigation", []),
            "plotly_separators": fmt.plotly_separators(lang),
            "country_name": lambda code: country_name(code, lang),
        }
        values.update(context or {})
        html = self.env.get_template(name).render(values)
        return HTMLResponse(html, status_code=status_code, headers=headers)
