"""Pictures decoded on worker threads: upright, and never a deadlock with the GUI thread."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from harmonize_evidence.ui.pictures import decode_picture


def _photo(orientation: int, fmt: str = "JPEG") -> bytes:
    """A 40x20 picture, left half red and right half blue, with an EXIF orientation."""
    image = Image.new("RGB", (40, 20), (200, 20, 20))
    image.paste((20, 20, 200), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_picture_is_turned_upright_as_its_exif_says(orientation: int) -> None:
    data = _photo(orientation, "PNG")
    decoded = decode_picture(data)
    assert decoded is not None
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGBA")
    assert (decoded.width(), decoded.height()) == upright.size
    for x, y in ((0, 0), (upright.width - 1, 0), (0, upright.height - 1)):
        colour = decoded.pixelColor(x, y)
        assert (colour.red(), colour.green(), colour.blue()) == upright.getpixel((x, y))[:3]


def test_a_large_jpeg_is_decoded_smaller_when_only_a_thumbnail_is_needed() -> None:
    out = io.BytesIO()
    Image.new("RGB", (2000, 1200), (30, 120, 60)).save(out, "JPEG")
    decoded = decode_picture(out.getvalue(), fit=200)
    assert decoded is not None
    assert 200 <= min(decoded.width(), decoded.height()) < 1200


@settings(max_examples=40)
@given(st.binary(max_size=2000))
def test_bytes_that_are_not_a_picture_give_none(data: bytes) -> None:
    decoded = decode_picture(data)
    assert decoded is None or not decoded.isNull()


def test_decoding_on_a_worker_while_the_gui_thread_loads_icons_never_deadlocks() -> None:
    """The exhibit viewer decoded while the grid painted a standard icon, and both threads
    waited for each other forever. Run where a hang cannot stop the test run."""
    script = textwrap.dedent(
        """
        import io, threading, time
        from PIL import Image
        from PySide6.QtWidgets import QApplication, QStyle
        app = QApplication([])
        from harmonize_evidence.ui.thumbnails import make_thumbnail
        from harmonize_evidence.ui.viewer import decode_image
        out = io.BytesIO()
        Image.new("RGB", (400, 300), (200, 30, 40)).save(out, "PNG")
        data = out.getvalue()
        stop = False
        def work():
            while not stop:
                decode_image(data)
                make_thumbnail(data, 144)
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        style, end = app.style(), time.monotonic() + 2
        while time.monotonic() < end:
            style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        stop = True
        worker.join()
        print("done")
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("decoding on a worker and loading an icon on the GUI thread deadlocked")
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
