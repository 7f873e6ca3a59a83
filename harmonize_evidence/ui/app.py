"""Entry point of the desktop application."""

from __future__ import annotations


def run_gui(store: str | None) -> int:
    """Open the desktop application (built in a later issue)."""
    import sys

    sys.stderr.write(
        "harmonize-evidence: the desktop window is not built yet; use the commands listed by "
        "'harmonize-evidence --help'.\n"
    )
    return 2
