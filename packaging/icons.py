"""Draw the program's icon into build/icons: PNGs for Linux, .ico for Windows, .icns for macOS.

The icon is the one the program draws for its windows and tray (``ui.tray.app_icon``), so there
is one drawing of it. Qt draws it offscreen; Pillow writes the Windows and macOS formats.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)


def main(out: Path) -> None:
    """Write ``harmonize-evidence-<size>.png`` for each size, ``.ico`` and ``.icns``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    from harmonize_evidence.ui.tray import app_icon

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    icon = app_icon()
    for size in SIZES:
        pixmap = icon.pixmap(QSize(size, size))
        if not pixmap.save(str(out / f"harmonize-evidence-{size}.png"), "PNG"):
            raise SystemExit(f"Could not write the {size} px icon into {out}.")
    largest = Image.open(out / "harmonize-evidence-256.png")
    largest.save(out / "harmonize-evidence.ico", sizes=[(s, s) for s in SIZES])
    largest.save(out / "harmonize-evidence.icns")
    del app


if __name__ == "__main__":
    main(
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "build" / "icons"
    )
