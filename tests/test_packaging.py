"""What an installed program needs is really installed."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_subpackage_and_the_resources_folder_are_installed() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "harmonize_evidence").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk | {"harmonize_evidence.resources"} == listed
    assert config["tool"]["setuptools"]["package-dir"]["harmonize_evidence.resources"] == (
        "resources"
    )
    fonts = {p.name for p in (REPO / "resources" / "fonts").iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"} <= fonts
    assert "LICENSE-DejaVu.txt" in fonts
