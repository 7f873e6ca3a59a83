"""How the windows show the product's values: the names (from :mod:`harmonize_evidence.domain.
wording`, where every face takes them), the status badges' colours, times and sizes."""

from __future__ import annotations

from harmonize_evidence.domain.clock import local_text
from harmonize_evidence.domain.model import Status
from harmonize_evidence.domain.wording import (
    ACTION_NAMES,
    CATEGORY_NAMES,
    KIND_NAMES,
    STATUS_NAMES,
    action_name,
)

__all__ = [
    "ACTION_NAMES",
    "CATEGORY_NAMES",
    "KIND_NAMES",
    "STATUS_COLOURS",
    "STATUS_NAMES",
    "URGENT_COLOURS",
    "action_name",
    "local_text",
    "size_text",
]

# Badge colours (background, text): fixed, with enough contrast on light and dark palettes.
STATUS_COLOURS: dict[Status, tuple[str, str]] = {
    Status.OPEN: ("#1f5fbf", "#ffffff"),
    Status.HANDED_OVER: ("#6a3fb5", "#ffffff"),
    Status.UNDER_REVIEW: ("#9a5b00", "#ffffff"),
    Status.REFERRED: ("#b3261e", "#ffffff"),
    Status.CLOSED: ("#5f6368", "#ffffff"),
}
URGENT_COLOURS = ("#b3261e", "#ffffff")


def size_text(size: int) -> str:
    """A byte count for people: ``812 KB``, ``3.4 MB``."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:.2f} GB"
