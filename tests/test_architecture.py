"""The import direction of DESIGN.md: entry points → domains → core, and no domain reaches into
another domain's router or pages."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "keten"
DOMAINS = sorted(p.name for p in SRC.iterdir() if p.is_dir() and (p / "models.py").exists())


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], capture_output=True, text=True, cwd=SRC.parents[1], check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_imports_only_numpy_scipy_and_the_standard_library() -> None:
    allowed_roots = {"numpy", "scipy", "keten"} | set(sys.stdlib_module_names)
    for path in (SRC / "core").rglob("*.py"):
        for name in _imports(path):
            root = name.split(".")[0]
            assert root in allowed_roots, f"{path.name} imports {name}"
            if root == "keten":
                assert name.startswith("keten.core"), f"{path.name} imports {name}"


def test_no_domain_imports_another_domains_router_or_pages() -> None:
    assert {"catalog", "partners", "dataio"} <= set(DOMAINS)
    for domain in DOMAINS:
        for path in (SRC / domain).rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if len(parts) >= 3 and parts[0] == "keten" and parts[1] in DOMAINS and parts[1] != domain:
                    assert parts[2] not in ("router", "pages"), f"{domain}/{path.name} imports {name}"


def test_the_architecture_check_would_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from keten.catalog.router import router\nimport keten.partners.pages\n", encoding="utf-8")
    assert "keten.catalog.router" in _imports(bad) and "keten.partners.pages" in _imports(bad)
