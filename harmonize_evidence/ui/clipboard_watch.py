"""A web address from the clipboard, offered only when it was copied a moment ago.

The capture's details and the record without an image fill in the web address from the
clipboard, because staff copy it from the browser just before. An address copied an hour ago
(another post, another incident) must not slip into a new record unnoticed, so it is filled in
only when it was copied within :data:`RECENT_SECONDS`, and a label under the field says it came
from the clipboard, until the user edits the field.

Qt's clipboard has no time stamp: :class:`ClipboardWatch` notes when the clipboard last changed
(its ``dataChanged`` signal, which also fires for copies in other programs), from the moment the
program starts (:func:`watch_clipboard`). Whatever was on the clipboard before that is treated
as old.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit

from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.urls import validate_url

RECENT_SECONDS = 10 * 60
"""How long after it was copied an address is still filled in."""
LONGEST_ADDRESS = 4096
"""Clipboard text longer than this is not looked at as an address."""


def copied_ago(seconds: float) -> str:
    """``copied just now``, ``copied 1 minute ago``, ``copied 4 minutes ago``."""
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "copied just now"
    return f"copied {minutes} minute{'s' if minutes != 1 else ''} ago"


@dataclass(frozen=True)
class ClipboardAddress:
    """A web address on the clipboard, and how long ago it was copied."""

    url: str
    """The address as it will be recorded (checked)."""
    seconds_ago: float

    @property
    def note(self) -> str:
        """What the label under the field says."""
        return (
            f"Filled in from the clipboard ({copied_ago(self.seconds_ago)}): "
            "check it is the right page"
        )


def recent_address(text: str, seconds_ago: float | None) -> ClipboardAddress | None:
    """The clipboard's ``text`` as a web address, if it is one and was copied recently.

    ``seconds_ago`` is None when the clipboard has not changed since the program started.
    """
    if seconds_ago is None or not 0 <= seconds_ago <= RECENT_SECONDS:
        return None
    text = text.strip()
    if not text or len(text) > LONGEST_ADDRESS:
        return None
    try:
        return ClipboardAddress(validate_url(text), seconds_ago)
    except BadInput:
        return None


class ClipboardWatch(QObject):
    """Notes when the clipboard last changed, to tell an address just copied from an old one."""

    def __init__(
        self,
        clipboard: QClipboard,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clipboard = clipboard
        self.clock = clock
        """Seconds on a clock that never goes back (injected in tests)."""
        self._changed_at: float | None = None
        clipboard.dataChanged.connect(self._changed)

    def _changed(self) -> None:
        self._changed_at = self.clock()

    def seconds_since_copy(self) -> float | None:
        """Seconds since the clipboard last changed; None if not since the watch began."""
        if self._changed_at is None:
            return None
        return self.clock() - self._changed_at

    def address(self) -> ClipboardAddress | None:
        """The web address on the clipboard if it was copied within :data:`RECENT_SECONDS`."""
        return recent_address(self._clipboard.text(), self.seconds_since_copy())


@functools.cache
def watch_clipboard() -> ClipboardWatch:
    """The program's clipboard watch, begun at the first call (as the program starts)."""
    return ClipboardWatch(QGuiApplication.clipboard(), parent=QGuiApplication.instance())


def fill_from_clipboard(field: QLineEdit) -> QLabel:
    """Fill ``field`` with a web address copied recently; the label says so until it is edited.

    Returns the label to place under the field (hidden when nothing was filled in).
    """
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setAccessibleName("Where the address came from")
    font = label.font()
    font.setItalic(True)
    label.setFont(font)
    address = watch_clipboard().address()
    if address is None:
        label.hide()
        return label
    field.setText(address.url)
    label.setText(address.note)
    field.textEdited.connect(lambda _text: label.hide())
    return label
