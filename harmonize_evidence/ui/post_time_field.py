"""The "Time on the post" field: typed as the post shows it, and read back as it is understood.

As the user types, the line under the box says what the text is understood as ("Understood as:
Sat 21 Nov 2026 21:40 GMT (about 2 hours before the capture)"), or, in bold, why it cannot be
read. The reading is the one the store keeps (``services.evidence.read_posted_at``), counted
from the capture's time. The capture's details dialog and the record without an image use it;
so can any dialog that asks where a file came from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.post_time import BEFORE_CAPTURE, PostTime
from harmonize_evidence.services.evidence import read_posted_at
from harmonize_evidence.ui.dialogs import problem_label

PLACEHOLDER = "optional: 20/11/2026 21:40, yesterday 9.40pm, 2h"


class PostTimeField(QWidget):
    """A line edit for the time on a post, with its reading shown live beneath it."""

    def __init__(
        self,
        captured: Callable[[], datetime],
        zone: tzinfo,
        *,
        before: str = BEFORE_CAPTURE,
        relative_hint: str = "",
    ) -> None:
        """A field whose reading counts from ``captured()`` (aware).

        ``before`` names that moment in the reading (``before the capture``, or ``ago`` for
        now); ``relative_hint`` is said after the reading of a relative time (``3h``).
        """
        super().__init__()
        self._captured = captured
        self._zone = zone
        self._before = before
        self._relative_hint = relative_hint
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Time shown on the post")
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.reading = QLabel()
        self.reading.setTextFormat(Qt.TextFormat.PlainText)
        self.reading.setWordWrap(True)
        self.reading.setAccessibleName("Time on the post understood as")
        self.reading.hide()
        self.problem = problem_label("Problem with the time on the post")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.reading)
        layout.addWidget(self.problem)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.refresh)

    def text(self) -> str:
        """The text as typed."""
        return self.edit.text()

    def setText(self, text: str) -> None:
        """Type ``text`` into the box (its reading follows)."""
        self.edit.setText(text)

    def post_time(self) -> PostTime | None:
        """What the text is understood as now; None when nothing was typed.

        Raises:
            BadInput: the text cannot be read as the time on the post (the sentence says why).
        """
        return read_posted_at(self.edit.text(), captured=self._captured(), zone=self._zone)

    def checked(self) -> bool:
        """Whether the text can be saved (nothing, or a time it reads); if not, says why here."""
        self.refresh()
        if self.problem.isVisible():
            self.edit.setFocus()
            return False
        return True

    def refresh(self) -> None:
        """Show the reading of the text as it stands, or why it cannot be read."""
        try:
            post = self.post_time()
        except BadInput as exc:
            self.reading.hide()
            self.problem.setText(exc.message)
            self.problem.show()
        else:
            self.problem.hide()
            if post is None:
                self.reading.hide()
            else:
                reading = post.reading(self._captured(), before=self._before)
                if post.approximate and self._relative_hint:
                    reading += f". {self._relative_hint}"
                self.reading.setText(f"Understood as: {reading}")
                self.reading.show()
        self._fit_window()

    def _fit_window(self) -> None:
        """Grow the dialog when the reading or the problem needs more lines than it has room for."""
        window = self.window()
        layout = window.layout()
        if window is self or layout is None or not window.isVisible():
            return
        layout.activate()
        width = window.width()
        needed = (
            layout.totalHeightForWidth(width)
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > window.height():
            window.resize(width, needed)
