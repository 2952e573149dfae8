"""Errors as pages: a browser gets a page in its language (or is sent to sign in), the API keeps
its RFC 9457 problem details."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keten.ui import Templates, gettext, language_of
from keten.ui.i18n import translate_message

__all__ = ["error_page", "wants_page"]

_templates = Templates(__file__)

_TITLES = {401: "Sign in", 403: "Not allowed", 404: "Page not found", 422: "Check what you entered"}


def wants_page(request: Request) -> bool:
    """Return whether the error should be a page: not the JSON API, and a browser asking for HTML."""
    path = request.url.path
    if path.startswith("/api/") or path == "/api":
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


def error_page(request: Request, status: int, detail: str | None) -> Response:
    """Return the page for an error ``status``: sign-in for 401, otherwise an explanation."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"/signin?next={quote(target, safe='')}"
        if "hx-request" in request.headers:
            return HTMLResponse("", status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)
    lang = language_of(request)
    title = gettext(lang, _TITLES.get(status, "Something went wrong"))
    role = getattr(getattr(request.state, "user", None), "role", None)
    if status == 403 and role is not None and detail and "needs the" in detail:
        required = detail.rsplit("needs the ", 1)[1].split(" ")[0]
        detail = gettext(
            lang,
            "Your role ({role}) does not allow this; it needs the {required} role.",
            role=gettext(lang, role),
            required=gettext(lang, required),
        )
    else:
        detail = translate_message(lang, detail or "")
    return _templates.render(
        request, "error.html", {"status": status, "title": title, "detail": detail}, status_code=status
    )
