"""What the windows that show one exhibit share (the picture viewer, the reader of an email,
text or PDF): their title, Save a copy, Escape to close, a failure said in their status line, and
forgetting what they show when they close (on lock too)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QWidget

from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.save_copy import SaveCopyJob, ask_and_save_copy
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task


class ExhibitWindow(QWidget):
    """A window of one exhibit; a subclass makes :attr:`status`, reads the exhibit into
    :attr:`_task` and says in :meth:`_forget` what to drop when the window closes."""

    copy_saved = Signal()
    """A copy was saved (and recorded on the custody log)."""

    status: QLabel
    """The line under the exhibit: what is shown, or why it cannot be."""

    def __init__(
        self, session: Session, exhibit: Exhibit, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.exhibit = exhibit
        self._session = session
        self._task: Task[Any] | None = None
        self.save_job: SaveCopyJob | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title)
        self.setAccessibleName(f"Exhibit {exhibit.ref}")

    def _failed(self, error: BaseException) -> None:
        self._task = None
        if isinstance(error, HarmonizeError):
            self.status.setText(error.message)
        else:
            self.status.setText("This exhibit cannot be shown.")
            show_error(self, error)

    def save_copy(self) -> None:
        """Ask where to save a copy of the exhibit, and save it (logged)."""
        self.save_job = ask_and_save_copy(self, self._session, self.exhibit, self.copy_saved.emit)

    def drop_picture(self) -> None:
        """Forget what the window shows (on lock) and close."""
        self.close()

    def _forget(self) -> None:
        """Drop what the window shows (a subclass's picture or text)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self._forget()
        super().closeEvent(event)  # type: ignore[arg-type]
