"""A new machine: `make test` stops at once, naming the one command that installs what the tests
need from the system, and CI installs it with that same command."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


def test_a_missing_browser_stops_the_tests_naming_make_system_deps() -> None:
    assert _make("check-system").returncode == 0
    missing = _make("check-system", "CHROMIUM=no-such-browser")
    assert missing.returncode != 0
    assert "no-such-browser" in missing.stderr and "make system-deps" in missing.stderr


def test_system_deps_installs_the_browser_and_weasyprints_libraries_and_ci_uses_it() -> None:
    planned = _make("-n", "system-deps").stdout
    for package in ("chromium", "chromium-driver", "libharfbuzz-subset0", "libpango-1.0-0"):
        assert package in planned
    assert "make system-deps" in (REPO / ".ci" / "run").read_text()
    assert "pytest: install check-system" in (REPO / "Makefile").read_text()
