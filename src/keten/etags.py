"""Entity tags from revisions (RFC 9110 §8.8.3) and the If-Match precondition that makes a write
fail with 412 instead of silently overwriting a change the writer never saw."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

__all__ = ["IfMatch", "etag", "expected_revisions"]

_STRONG_TAG = re.compile(r'^"(\d{1,18})"$')

IfMatch = Annotated[
    str | None,
    Header(
        max_length=1000,
        description=(
            "ETag(s) of the revision the change was made on; a 412 problem if the resource has moved on "
            "since. Without it the change is made whatever the revision."
        ),
    ),
]


def etag(revision: int) -> str:
    """Return the strong entity tag of ``revision``: the revision number in quotes."""
    return f'"{revision}"'


def expected_revisions(if_match: str | None) -> frozenset[int] | None:
    """Return the revisions an If-Match header accepts, or None when it sets no condition (absent, ``*``).

    Weak tags and tags keten never made match no revision (If-Match compares strongly).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    found = (_STRONG_TAG.match(tag.strip()) for tag in if_match.split(","))
    return frozenset(int(match.group(1)) for match in found if match)
