"""The TrueType fonts of the PDF report, in the project's ``resources/fonts``.

That folder is installed as the package ``harmonize_evidence.resources`` (see pyproject.toml).

DejaVu Sans covers Latin, Greek, Cyrillic, Hebrew and Arabic, so names such as Zoë, Łukasz or
محمد print as written. The files are found through :mod:`importlib.resources`, which works
from a source checkout, an installed wheel and a frozen build alike.
"""

from __future__ import annotations

import threading
from importlib import resources

from harmonize_evidence.domain.errors import EnvironmentProblem

REGULAR = "HE-Sans"
BOLD = "HE-Sans-Bold"
MONO = "HE-Mono"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}
_lock = threading.Lock()
_registered = False


def font_bytes(file_name: str) -> bytes:
    """The bytes of one shipped font file."""
    try:
        return (resources.files("harmonize_evidence.resources") / "fonts" / file_name).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise EnvironmentProblem(
            f"The report font {file_name} is missing from this installation; reinstall "
            "Harmonize Evidence."
        ) from exc


def register_fonts() -> None:
    """Register the report fonts with reportlab (once per process)."""
    global _registered  # noqa: PLW0603 - reportlab's font registry is process-wide too
    with _lock:
        if _registered:
            return
        import io

        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, file_name in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(font_bytes(file_name))))
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        _registered = True
