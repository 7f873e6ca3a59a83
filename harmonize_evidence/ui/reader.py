"""An email, text or PDF exhibit shown to be read: its text, never its HTML or anything it links.

What is shown comes from :mod:`harmonize_evidence.services.reading` (read off the GUI thread) and
goes into the page as plain text through a text cursor, so nothing in an exhibit is taken as
markup, loaded or run. Notes on how it was read (a guessed encoding, what was cut) stand above
the text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPalette,
    QShortcut,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QFrame, QLabel, QTextEdit, QToolBar, QVBoxLayout, QWidget

from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.reading import (
    REST_IN_A_COPY,
    Reading,
    read_exhibit,
    reading_form,
)
from harmonize_evidence.ui.exhibit_window import ExhibitWindow
from harmonize_evidence.ui.save_copy import (
    SAVE_COPY_KEY_TIP,
    SAVE_COPY_TEXT,
)
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task
from harmonize_evidence.ui.wording import KIND_NAMES, size_text


def can_be_read(exhibit: Exhibit) -> bool:
    """Whether ``exhibit`` opens in an :class:`ExhibitReader` (an email, text or a PDF)."""
    return reading_form(exhibit) is not None


class ExhibitReader(ExhibitWindow):
    """A window showing one email, text or PDF exhibit as text, with Save a copy."""

    def __init__(self, session: Session, exhibit: Exhibit, parent: QWidget | None = None) -> None:
        kind = KIND_NAMES[exhibit.kind].lower()
        title = f"Exhibit {exhibit.ref} ({exhibit.incident_id}): {kind}"
        super().__init__(session, exhibit, title, parent)
        self.reading: Reading | None = None
        toolbar = QToolBar()
        toolbar.setAccessibleName("Exhibit")
        self.save_action = toolbar.addAction(SAVE_COPY_TEXT, self.save_copy)
        self.save_action.setToolTip(SAVE_COPY_KEY_TIP)
        self.save_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        self.notes = QLabel()
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("How this exhibit is shown")
        self.notes.setFrameShape(QFrame.Shape.StyledPanel)
        self.notes.setAutoFillBackground(True)
        palette = self.notes.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#fff4ce"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#3d2e00"))
        self.notes.setPalette(palette)
        margin = self.fontMetrics().height() // 3
        self.notes.setContentsMargins(margin, margin, margin, margin)
        self.notes.hide()
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.text.setAcceptRichText(False)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text.setAccessibleName(f"Text of exhibit {exhibit.ref}")
        self.status = QLabel(f"Reading {kind} {exhibit.ref}…")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(toolbar)
        body = QVBoxLayout()
        body.setContentsMargins(margin, margin, margin, margin)
        body.setSpacing(margin)
        body.addWidget(self.notes)
        body.addWidget(self.text, 1)
        body.addWidget(self.status)
        layout.addLayout(body, 1)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 100, metrics.height() * 40)
        self._load()

    def _load(self) -> None:
        incident_id, ref = self.exhibit.incident_id, self.exhibit.ref

        def load(store: EvidenceStore, task: Task[Reading]) -> Reading:
            def on_page(number: int, pages: int) -> None:
                task.check_cancelled()
                task.report(number, pages)

            return read_exhibit(store, incident_id, ref, on_page=on_page)

        self._task = self._session.run(load, self._loaded, self._failed, self._progressed)

    def _progressed(self, number: int, pages: int) -> None:
        self.status.setText(f"Reading page {number} of {pages} of {self.exhibit.ref}…")

    def _loaded(self, reading: Reading) -> None:
        self._task = None
        self.reading = reading
        self.notes.setText("\n".join(reading.notes))
        self.notes.setVisible(bool(reading.notes))
        self._write(reading)
        self.status.setText(
            f"{self.exhibit.ref}: {KIND_NAMES[self.exhibit.kind].lower()}, "
            f"{size_text(self.exhibit.size)}. Shown as plain text: nothing in it is loaded "
            "or run."
        )

    def _write(self, reading: Reading) -> None:
        document = self.text.document()
        document.clear()
        cursor = QTextCursor(document)
        plain = QTextCharFormat()
        bold = QTextCharFormat()
        bold.setFontWeight(QFont.Weight.Bold)
        heading = QTextCharFormat(bold)
        heading.setFontPointSize(self.font().pointSizeF() * 1.2)
        spaced = QTextBlockFormat()
        spaced.setTopMargin(self.fontMetrics().height() * 0.8)
        level = QTextBlockFormat()
        started = False

        def block(format_: QTextBlockFormat) -> None:
            nonlocal started
            if started:
                cursor.insertBlock(format_)
            else:
                cursor.setBlockFormat(format_)
                started = True

        for label, value in reading.fields:
            block(level)
            cursor.insertText(f"{label}: ", bold)
            cursor.insertText(value, plain)  # plain text: never markup
        for passage in reading.passages:
            if passage.heading:
                block(spaced)
                cursor.insertText(passage.heading, heading)
                block(level)
            else:
                block(spaced if reading.fields else level)
            cursor.insertText(passage.text.rstrip("\n"), plain)
        rest = [note for note in reading.notes if note.endswith(REST_IN_A_COPY)]
        if rest:  # said again where the text stops
            block(spaced)
            cursor.insertText(rest[0], bold)
        self.text.moveCursor(QTextCursor.MoveOperation.Start)

    def _forget(self) -> None:
        self.text.document().clear()
        self.reading = None
