"""Pictures decoded off the GUI thread: by Pillow, then handed to Qt as pixels.

Qt's own decoder must not run there. Fed from a ``QBuffer`` made in Python (a wrapper, whose
every virtual call takes Python's lock), it calls that buffer while it holds Qt's lock on its
image plugins; the GUI thread takes that same lock, holding Python's, whenever it loads an icon
(a style's standard icon, a message box's). Each thread then waits for the other forever: the
whole program froze when the picture viewer decoded while the exhibit grid painted an email's
icon. Pillow decodes without Qt, and releases Python's lock while it does.
"""

from __future__ import annotations

import io

from PySide6.QtGui import QImage


def decode_picture(data: bytes, fit: int | None = None) -> QImage | None:
    """``data`` decoded and turned upright (its EXIF orientation), on any thread; None when
    it is not a picture that can be read.

    ``fit``: the picture is only needed about this many pixels across, so a JPEG may be
    decoded at 1/2, 1/4 or 1/8 of its size, still at least ``fit`` on each side.
    """
    from PIL import Image, ImageOps  # on the first picture, not while the program starts

    try:
        with Image.open(io.BytesIO(data)) as opened:
            if fit is not None:
                opened.draft("RGB", (fit, fit))
            upright = ImageOps.exif_transpose(opened)
            pixels = upright.convert("RGBA")
    except Exception:
        return None
    raw = pixels.tobytes()
    image = QImage(
        raw, pixels.width, pixels.height, 4 * pixels.width, QImage.Format.Format_RGBA8888
    )
    return image.copy()  # owns its pixels: ``raw`` goes with this function
