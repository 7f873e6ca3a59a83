"""The passphrase strength meter that the setup wizard and the new-passphrase window show.

Four short segments that fill and change colour as the passphrase gets stronger (red, amber,
yellow-green, green), with the hint in words beside them: it reads as a meter, not as an empty
text box, and the words say the same for anyone who cannot tell the colours apart.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from harmonize_evidence.ui.passphrase_strength import Strength, passphrase_strength

SEGMENTS = 4
SCORE_COLOURS = {
    1: QColor("#c62828"),  # weak: red
    2: QColor("#e08a00"),  # fair: amber
    3: QColor("#7cb342"),  # good: yellow-green
    4: QColor("#2e7d32"),  # strong: green
}
SCORE_WORDS = {0: "Too short", 1: "Weak", 2: "Fair", 3: "Good", 4: "Strong"}


class _Segments(QWidget):
    """The segments themselves: ``score`` of them filled in the score's colour."""

    def __init__(self) -> None:
        super().__init__()
        self.score = 0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        unit = self.fontMetrics().height()
        return QSize(unit * 8, max(6, unit // 2))

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        gap = max(2.0, self.height() / 3)
        width = (self.width() - gap * (SEGMENTS - 1)) / SEGMENTS
        empty = self.palette().color(QPalette.ColorRole.Mid)
        filled = SCORE_COLOURS.get(self.score, empty)
        for index in range(SEGMENTS):
            rect = QRectF(index * (width + gap), 0, width, self.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(filled if index < self.score else empty)
            radius = self.height() / 3
            painter.drawRoundedRect(rect, radius, radius)


class StrengthMeter(QWidget):
    """Segments and words saying how strong the typed passphrase looks (a rough guide)."""

    def __init__(self) -> None:
        super().__init__()
        self.segments = _Segments()
        self.segments.setAccessibleName("Passphrase strength")
        self.hint = QLabel()
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Passphrase strength hint")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.segments, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.hint, 1)
        self.strength = passphrase_strength("")
        self.show_for("")

    def show_for(self, passphrase: str) -> Strength:
        """Show the strength of ``passphrase`` (nothing while it is empty); returns it."""
        self.strength = passphrase_strength(passphrase)
        score = self.strength.score if passphrase else 0
        self.segments.score = score
        self.segments.update()
        words = SCORE_WORDS[score]
        self.segments.setAccessibleDescription(words if passphrase else "Nothing typed yet")
        self.segments.setToolTip(words if passphrase else "")
        self.hint.setText(self.strength.hint if passphrase else "")
        return self.strength
