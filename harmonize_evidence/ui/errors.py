"""How the desktop application reports failures.

Expected failures (:class:`HarmonizeError`) are shown as a dialog holding exactly the sentence the
command line prints. Anything else is logged with its traceback to the log file in the user's log
folder, and the user sees where that log is. Nothing else reaches the user.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from harmonize_evidence.domain.errors import Cancelled, HarmonizeError
from harmonize_evidence.services import logfile
from harmonize_evidence.services.logfile import APP_NAME

log = logging.getLogger("harmonize_evidence.ui")


_state: dict[str, object] = {"log_path": None, "unexpected_open": False}
_open_boxes: set[QMessageBox] = set()


def start_logging() -> Path | None:
    """Send the program's log to the log file; returns its path, or None if it cannot be opened."""
    path = logfile.start_logging()
    _state["log_path"] = path
    return path


def _log_path() -> Path | None:
    path = _state["log_path"]
    return path if isinstance(path, Path) else None


def unexpected_message(log_path: Path | None) -> str:
    """The sentence shown for an error the program did not expect (the CLI's sentence)."""
    where = f"; details are in {log_path}" if log_path else ""
    return f"Something went wrong that the program did not expect{where}."


def message_box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str
) -> QMessageBox:
    """A non-blocking, plain-text message box that deletes itself when closed."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # messages can quote user text; never markup
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.ApplicationModal)
    box.setAccessibleName(title)
    box.setAccessibleDescription(text)
    _open_boxes.add(box)  # a box without a parent needs a reference to stay alive
    box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.open()
    return box


def show_error(parent: QWidget | None, error: BaseException) -> QMessageBox | None:
    """Show ``error`` the way the user should see it; returns the dialog, if one was opened."""
    if isinstance(error, Cancelled):
        return None
    if isinstance(error, HarmonizeError):
        log.info("shown to the user: %s", error.message, exc_info=error.__cause__ is not None)
        return message_box(parent, QMessageBox.Icon.Warning, APP_NAME, error.message)
    return report_unexpected(error, parent)


def report_unexpected(error: BaseException, parent: QWidget | None = None) -> QMessageBox | None:
    """Log an unexpected error with its traceback and tell the user where the log is."""
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    if QApplication.instance() is None or _state["unexpected_open"]:
        return None  # one such dialog at a time: a failing paint must not open hundreds
    _state["unexpected_open"] = True
    box = message_box(parent, QMessageBox.Icon.Critical, APP_NAME, unexpected_message(_log_path()))
    box.finished.connect(lambda _result: _state.__setitem__("unexpected_open", False))
    return box


def _excepthook(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        QApplication.quit()
        return
    if error.__traceback__ is None:
        error = error.with_traceback(traceback)
    if isinstance(error, HarmonizeError):
        show_error(None, error)
    else:
        report_unexpected(error)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    # Not the GUI thread: log only. Work that matters goes through run_task, which reports.
    log.error(
        "unexpected error in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback),
    )


def install_exception_hooks() -> None:
    """Catch every exception that reaches the top of the GUI thread or any other thread."""
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
