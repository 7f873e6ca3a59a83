"""Whether this checkout is already installed as ``scripts/test`` installs it.

``python scripts/installed.py`` exits 0 when all of these hold, and 1 (saying which does not)
otherwise, so that ``scripts/test`` runs pip only when something changed:

- the project is installed in editable form from this checkout (not from another copy of it);
- ``pyproject.toml`` is the one it was installed from (its SHA-256 is the one recorded by the last
  install here, with this Python);
- every requirement of the project and of its ``test`` extra, and every requirement of those in
  turn, is installed at a version it accepts.

``python scripts/installed.py --record`` records ``pyproject.toml``'s SHA-256 after an install.
The record is ``build/test-install.json`` (``build/`` is not kept in git).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
RECORD = ROOT / "build" / "test-install.json"
DISTRIBUTION = "harmonize-evidence"
EXTRA = "test"


def _stamp() -> dict[str, str]:
    return {
        "pyproject_sha256": hashlib.sha256(PYPROJECT.read_bytes()).hexdigest(),
        "python": sys.executable,
    }


def _installed_from_here() -> str | None:
    """Why the project is not installed in editable form from this checkout, or None."""
    try:
        found = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return f"{DISTRIBUTION} is not installed"
    origin = json.loads(found.read_text("direct_url.json") or "{}")
    if not origin.get("dir_info", {}).get("editable"):
        return f"{DISTRIBUTION} is installed, but not in editable form"
    url = urlparse(origin.get("url", ""))
    if url.scheme != "file" or Path(unquote(url.path)).resolve() != ROOT:
        return f"{DISTRIBUTION} is installed from {origin.get('url')}, not from this checkout"
    return None


def _unmet_requirements() -> str | None:
    """The first requirement (of ours, or of a requirement's) that is not met, or None."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        return "the packaging library is not installed, so requirements cannot be checked"
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    wanted = [(text, "") for text in project["dependencies"]]
    wanted += [(text, EXTRA) for text in project["optional-dependencies"][EXTRA]]
    seen: set[tuple[str, str]] = set()
    while wanted:
        text, extra = wanted.pop()
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            return f"{requirement.name} is not installed"
        if not requirement.specifier.contains(version, prereleases=True):
            return f"{requirement.name} {version} is installed, but {text} is required"
        for wanted_extra in sorted(requirement.extras) or [""]:
            key = (requirement.name.lower(), wanted_extra)
            if key not in seen:
                seen.add(key)
                wanted += [(t, wanted_extra) for t in metadata.requires(requirement.name) or []]
    return None


def main(arguments: list[str]) -> int:
    if arguments == ["--record"]:
        RECORD.parent.mkdir(exist_ok=True)
        RECORD.write_text(json.dumps(_stamp()), encoding="utf-8")
        return 0
    try:
        recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    reason = (
        _installed_from_here()
        or (None if recorded == _stamp() else "pyproject.toml changed since the last install")
        or _unmet_requirements()
    )
    if reason:
        print(f"Installing, as {reason}.")
        return 1
    print("Already installed from this checkout, with every requirement met: not reinstalling.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
