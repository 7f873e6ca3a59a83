"""The chosen exhibit's details beside the grid: every row of its record, labelled in words.

Each row is its label above its value, so that both have the panel's whole width. Values are plain
text that wraps (a long address anywhere, not only at spaces) and can be selected and copied; the
SHA-256 is shown whole, in a fixed-width font, so that it can be read out or compared with
``sha256sum``. The rows and their words come from :func:`harmonize_evidence.ui.models.metadata_rows`
(the report's rows, from the domain, with one time format).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPalette, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.ui.models import metadata_rows
from harmonize_evidence.ui.session import Session

HASH_LABEL = "SHA-256"
"""The label of the row that holds the exhibit's hash (the one shown in a fixed-width font)."""


class DetailText(QTextEdit):
    """A value of the details panel: plain text, wrapped to the panel's width, selectable, as
    tall as its text (it never scrolls on its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setTabChangesFocus(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(0, 0, 0, 0))  # the panel shows through
        self.setPalette(palette)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(0)
        self._plain_font = self.font()
        self._fixed_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def set_text(self, text: str, *, fixed_width: bool = False) -> None:
        """Show ``text`` (user text: never markup); ``fixed_width`` for a hash, which wraps
        anywhere, in a fixed-width font."""
        self.setFont(self._fixed_font if fixed_width else self._plain_font)
        self.setWordWrapMode(
            QTextOption.WrapMode.WrapAnywhere
            if fixed_width
            else QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
        )
        self.setPlainText(text)
        self._fit()

    @property
    def text(self) -> str:
        """The value, as shown."""
        return self.toPlainText()

    def _fit(self) -> None:
        self.document().setTextWidth(max(1, self.viewport().width()))
        height = math.ceil(self.document().size().height()) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 20, self.height())


class MetadataPanel(QScrollArea):
    """The selected exhibit's record: reference, kind, hash, source, times, who kept it.

    Its rows' widgets are made once and kept (choosing another exhibit changes their text and
    hides those it does not need), so that moving through the exhibits with the arrow keys keeps
    up.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Exhibit details")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._rows: list[tuple[str, str]] = []
        self._widgets: list[tuple[QLabel, DetailText]] = []
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setSpacing(self.fontMetrics().height() // 3)
        self._layout.addStretch(1)
        self.setWidget(body)

    def _add_row(self) -> tuple[QLabel, DetailText]:
        caption = QLabel()
        caption.setTextFormat(Qt.TextFormat.PlainText)
        caption.setWordWrap(True)
        font = caption.font()
        font.setBold(True)
        caption.setFont(font)
        value = DetailText()
        block = QVBoxLayout()
        block.setSpacing(0)
        block.addWidget(caption)
        block.addWidget(value)
        self._layout.insertLayout(self._layout.count() - 1, block)
        self._widgets.append((caption, value))
        return caption, value

    def show_exhibit(self, exhibit: Exhibit | None, session: Session) -> None:
        """Fill the panel for ``exhibit`` (or empty it)."""
        self._rows = [] if exhibit is None else metadata_rows(exhibit, session.clock.zone)
        while len(self._widgets) < len(self._rows):
            self._add_row()
        for number, (caption, value) in enumerate(self._widgets):
            if number < len(self._rows):
                label, text = self._rows[number]
                caption.setText(label)
                value.setAccessibleName(label)
                value.set_text(text, fixed_width=label == HASH_LABEL)
            else:
                caption.clear()
                value.set_text("")  # nothing of an exhibit stays in a hidden row
            caption.setVisible(number < len(self._rows))
            value.setVisible(number < len(self._rows))
        self.verticalScrollBar().setValue(0)

    def rowCount(self) -> int:
        """How many rows are shown."""
        return len(self._rows)

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The rows shown, (label, value), in order."""
        return list(self._rows)

    def value(self, label: str) -> str | None:
        """The value shown under ``label`` (the first such row), if any."""
        widget = self.value_widget(label)
        return None if widget is None else widget.text

    def value_widget(self, label: str) -> DetailText | None:
        """The widget that shows the value under ``label`` (the first such row), if any."""
        for (row_label, _text), (_caption, value) in zip(self._rows, self._widgets, strict=False):
            if row_label == label:
                return value
        return None
