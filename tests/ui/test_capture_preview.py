"""The details dialog after the frozen overlay shows what was grabbed: a preview of the very PNG
about to be kept, shrunk in proportion to fit 320 x 200 (never enlarged), and not blurred.

The dialog itself is driven in tests/ui/test_capture_and_export.py.
"""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from harmonize_evidence.ui.capture_details import PREVIEW_BOX, preview_image, preview_size

RATIOS = st.sampled_from([1.0, 1.25, 1.5, 2.0, 3.0])


@given(
    width=st.integers(min_value=1, max_value=40_000),
    height=st.integers(min_value=1, max_value=40_000),
    ratio=RATIOS,
)
def test_the_preview_fits_the_box_in_proportion_and_is_never_enlarged(
    width: int, height: int, ratio: float
) -> None:
    shown_width, shown_height = preview_size(width, height, ratio)
    assert 1 <= shown_width <= min(width, PREVIEW_BOX[0] * ratio)
    assert 1 <= shown_height <= min(height, PREVIEW_BOX[1] * ratio)
    if width <= PREVIEW_BOX[0] * ratio and height <= PREVIEW_BOX[1] * ratio:
        assert (shown_width, shown_height) == (width, height)  # pixel for pixel
    else:  # it touches the box on one side, and keeps its shape within a pixel of rounding
        assert shown_width == round(PREVIEW_BOX[0] * ratio) or shown_height == round(
            PREVIEW_BOX[1] * ratio
        )
        if shown_width > 1 and shown_height > 1:
            assert abs(shown_width * height - shown_height * width) <= max(width, height)


def _png(width: int, height: int) -> bytes:
    # Thin black lines on every even column, light grey between: a blur would turn them grey.
    row = (b"\0\0\0" + b"\xfa\xfa\xfa") * (width // 2) + b"\0\0\0" * (width % 2)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), row * height).save(out, format="PNG")
    return out.getvalue()


def test_a_small_capture_is_shown_pixel_for_pixel_and_sharp(qapp: object) -> None:
    image = preview_image(_png(40, 20))
    assert (image.width(), image.height()) == (40, 20)
    assert image.pixelColor(0, 5).getRgb()[:3] == (0, 0, 0)
    assert image.pixelColor(1, 5).getRgb()[:3] == (250, 250, 250)


def test_a_large_capture_is_shrunk_sharper_on_a_hidpi_screen(qapp: object) -> None:
    image = preview_image(_png(1920, 1080))
    assert (image.width(), image.height()) == (320, 180)
    assert image.devicePixelRatio() == 1.0
    double = preview_image(_png(1920, 1080), ratio=2.0)
    assert (double.width(), double.height()) == (640, 360)
    assert double.devicePixelRatio() == 2.0  # shown 320 x 180, with twice the detail


def test_bytes_that_are_not_a_png_give_no_preview(qapp: object) -> None:
    assert preview_image(b"not a picture").isNull()
