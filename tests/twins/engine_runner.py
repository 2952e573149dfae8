"""Runs aas-test-engines with keten's API token on every request: its 1.0.3 release reads the
``--header`` option but does not send the header, and keten's twins are not public.

    KETEN_AAS_TOKEN=… python tests/twins/engine_runner.py check_server URL PROFILE
"""

from __future__ import annotations

import os
from typing import Any

import requests
from aas_test_engines.__main__ import main

_request = requests.request


def _with_token(*args: Any, **kwargs: Any) -> requests.Response:
    headers = dict(kwargs.pop("headers", None) or {})
    headers["Authorization"] = f"Bearer {os.environ['KETEN_AAS_TOKEN']}"
    return _request(*args, headers=headers, **kwargs)


if __name__ == "__main__":
    requests.request = _with_token
    main()  # type: ignore[no-untyped-call]
