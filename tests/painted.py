"""A display showing known content: the pattern of tests/screen_painter.py in a titled window."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence.capture import Rect
from tests.conftest import XDisplay
from tests.screen_painter import pattern_colour

PAINTER = Path(__file__).with_name("screen_painter.py")
TITLE = "Known content — Zoë's post"


@dataclass
class PaintedScreen:
    display: XDisplay
    painter: subprocess.Popen[str]
    virtual: Rect

    @property
    def name(self) -> str:
        return self.display.name


def paint_known_content(display: XDisplay, virtual: Rect) -> subprocess.Popen[str]:
    """Show the known pattern over ``virtual`` in a window titled TITLE, once it is on screen.

    Close the returned process's standard input (``communicate()``) to take it away.
    """
    painter = subprocess.Popen(
        [
            sys.executable,
            str(PAINTER),
            "--display",
            display.name,
            "--geometry",
            str(virtual),
            "--title",
            TITLE,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert painter.stdout is not None
    assert painter.stdout.readline().strip() == "ready"
    import mss

    deadline = time.monotonic() + 20
    with mss.MSS(display=display.name) as grabber:
        while True:
            shot = grabber.grab({"left": 0, "top": 0, "width": 64, "height": 64})
            if shot.pixel(61, 37) == pattern_colour(61, 37):
                return painter
            assert time.monotonic() < deadline, "the known content never appeared on the screen"
            time.sleep(0.05)
