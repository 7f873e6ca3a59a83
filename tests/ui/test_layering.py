"""Qt lives only in the ui package: every other layer works without a display or PySide6."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "harmonize_evidence"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_outside_the_ui_package_imports_qt() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and any(name.split(".")[0] in ("PySide6", "shiboken6") for name in imported_modules(path))
    ]
    assert offenders == []


def test_the_ui_package_does_not_reach_into_sql_or_the_screen_grabber() -> None:
    for path in sorted((PACKAGE / "ui").glob("*.py")):
        roots = {name.split(".")[0] for name in imported_modules(path)}
        assert not roots & {"sqlcipher3", "sqlite3", "mss"}, path.name
