"""Puts known content on an X display, for capture tests and the capture benchmark.

Run as a child process (``python tests/screen_painter.py --display :N ...``) so that its Qt
application (xcb platform, a real X client) never meets the test process's own Qt set-up. It shows
one frameless window over the given geometry, prints ``ready`` once the window is on the screen
(for the pattern: once the X server shows it, read back; for the busy page: 300 ms after it was
painted), and stays until its standard input is closed.

Two kinds of content:

- ``pattern``: every 8x8 block has its own colour, a function of its position on the virtual
  screen (:func:`pattern_colour`), so a test can check any captured pixel, and so any offset.
- ``busy``: what a real screenshot of a social media page looks like: text in several sizes and
  colours, photo-like images, buttons and rules (for the benchmark; not pixel-checked).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

BLOCK = 8


def pattern_colour(x: int, y: int) -> tuple[int, int, int]:
    """The colour of virtual-screen pixel (x, y) in the ``pattern`` content."""
    bx, by = x // BLOCK, y // BLOCK
    return bx & 0xFF, by & 0xFF, 0x40 | ((bx >> 8) << 2) | (by >> 8)


def _pattern_image(left: int, top: int, width: int, height: int) -> bytes:
    """RGB bytes of the pattern over the given area of the virtual screen."""
    # A row's colours depend only on its band of BLOCK rows: each band's row is made once.
    bands: dict[int, bytes] = {}
    rows = []
    for y in range(top, top + height):
        row = bands.get(y // BLOCK)
        if row is None:
            made = bytearray()
            x = left
            while x < left + width:
                span = min(BLOCK - (x % BLOCK), left + width - x)
                made += bytes(pattern_colour(x, y)) * span
                x += span
            row = bands[y // BLOCK] = bytes(made)
        rows.append(row)
    return b"".join(rows)


def _photo(width: int, height: int, seed: int) -> bytes:
    """RGB bytes of a photo-like picture: smooth gradients, blurred noise, a bright shape."""
    from PIL import Image, ImageDraw, ImageFilter

    noise = Image.effect_noise((width // 4 + 1, height // 4 + 1), 28 + seed * 6).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    gradient = Image.linear_gradient("L").resize((width, height)).rotate(seed * 40)
    mandel = Image.effect_mandelbrot((width, height), (-2.0, -1.2, 0.8, 1.2), 60 + seed)
    photo = Image.merge("RGB", (noise, gradient, mandel)).filter(ImageFilter.GaussianBlur(1.2))
    draw = ImageDraw.Draw(photo)
    draw.ellipse(
        (width // 5, height // 4, width // 2, height * 3 // 4), fill=(250, 210 - seed * 20, 90)
    )
    return photo.tobytes()


_POST_TEXT = (
    "honestly nobody at this school likes you and everyone is laughing about what happened "
    "in the lesson today, you should just leave before it gets worse #embarrassing @year10 "
    "lol who even thinks that is ok reply if you agree 😂 shared 42 times · 3h · Public"
)


def _run(args: argparse.Namespace) -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ["DISPLAY"] = args.display
    from PySide6.QtCore import QRect, Qt, QTimer
    from PySide6.QtGui import QColor, QFont, QImage, QPainter
    from PySide6.QtWidgets import QApplication, QWidget

    left, top, width, height = (int(v) for v in args.geometry.split(","))
    words = _POST_TEXT.split()

    class Painter(QWidget):
        def __init__(self) -> None:
            super().__init__(None, Qt.WindowType.FramelessWindowHint)
            self.setWindowTitle(args.title)
            self.setGeometry(left, top, width, height)
            self.painted = False
            self.pattern = None
            self.shown = QTimer(self)
            self.shown.timeout.connect(self.on_screen)
            self.give_up = time.monotonic() + 5
            if args.content == "pattern":
                self.pattern = QImage(
                    _pattern_image(left, top, width, height),
                    width,
                    height,
                    width * 3,
                    QImage.Format.Format_RGB888,
                ).copy()

        def paintEvent(self, event: object) -> None:
            painter = QPainter(self)
            if self.pattern is not None:
                painter.drawImage(0, 0, self.pattern)
            else:
                self.paint_busy(painter)
            painter.end()
            if not self.painted:
                self.painted = True
                if self.pattern is None:
                    QTimer.singleShot(300, announce)
                else:
                    self.shown.start(5)

        def on_screen(self) -> None:
            """Say ready once the X server shows the pattern (a few pixels read back)."""
            import mss

            probes = [
                (left + 3, top + 3),
                (left + width // 2, top + height // 2),
                (left + width - 4, top + height - 4),
            ]
            with mss.MSS(display=args.display) as grabber:
                for x, y in probes:
                    shown = grabber.grab({"left": x, "top": y, "width": 1, "height": 1}).pixel(0, 0)
                    if shown != pattern_colour(x, y):
                        if time.monotonic() < self.give_up:
                            return
                        break  # say ready anyway: the test's own checks will show what is wrong
            self.shown.stop()
            announce()

        def paint_busy(self, painter: QPainter) -> None:
            painter.fillRect(self.rect(), QColor(246, 247, 249))
            painter.fillRect(QRect(0, 0, width, 56), QColor(24, 119, 242))
            painter.setPen(QColor("white"))
            painter.setFont(QFont("DejaVu Sans", 20, QFont.Weight.Bold))
            painter.drawText(24, 38, "social · Home   Friends   Groups   Messages")
            column = max(600, width // 3)
            photos = {}
            y = 80
            post = 0
            while y < height:
                for x0 in range(16, width - column // 2, column + 24):
                    painter.fillRect(QRect(x0, y, column, 520), QColor("white"))
                    painter.setPen(QColor(40, 40, 40))
                    painter.setFont(QFont("DejaVu Sans", 13, QFont.Weight.Bold))
                    painter.drawText(x0 + 64, y + 28, f"User Name {post}  ·  {post % 23 + 1}h")
                    painter.setBrush(QColor(120 + post * 13 % 120, 90, 160))
                    painter.drawEllipse(x0 + 12, y + 10, 40, 40)
                    painter.setFont(QFont("DejaVu Serif" if post % 2 else "DejaVu Sans", 11))
                    for line in range(6):
                        start = (post * 7 + line * 5) % len(words)
                        shown = (words * 2)[start : start + 11]
                        painter.drawText(x0 + 12, y + 76 + line * 20, " ".join(shown))
                    size = (column - 24, 260)
                    seed = post % 4
                    if (size, seed) not in photos:
                        photos[(size, seed)] = QImage(
                            _photo(*size, seed),
                            size[0],
                            size[1],
                            size[0] * 3,
                            QImage.Format.Format_RGB888,
                        ).copy()
                    painter.drawImage(x0 + 12, y + 200, photos[(size, seed)])
                    painter.setPen(QColor(101, 103, 107))
                    painter.drawText(x0 + 12, y + 490, "👍 Like     💬 Comment     ↗ Share")
                    post += 1
                y += 544

    def announce() -> None:
        sys.stdout.write("ready\n")
        sys.stdout.flush()

    app = QApplication([])
    window = Painter()
    window.show()
    from PySide6.QtCore import QSocketNotifier

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(app.quit)
    return app.exec()


def main() -> int:
    """Parse the arguments and show the window until standard input closes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--display", required=True)
    parser.add_argument("--geometry", required=True, help="X,Y,W,H on the virtual screen")
    parser.add_argument("--content", choices=["pattern", "busy"], default="pattern")
    parser.add_argument("--title", default="Known content")
    return _run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
