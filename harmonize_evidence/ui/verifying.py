"""Verifying the chosen incident or the whole store from the main window, and saying what was
found in plain words.

The check runs off the GUI thread through the session; its progress goes to the window's status
bar and its outcome to a message box: the command line's words, with advice when something is
wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMainWindow, QMessageBox

from harmonize_evidence.services.evidence import VerificationReport
from harmonize_evidence.services.evidence import verification_text as services_verification_text
from harmonize_evidence.ui.errors import message_box
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task


def start_verification(
    window: QMainWindow,
    session: Session,
    incident_id: str | None,
    shown: Callable[[QMessageBox], None],
) -> Task[VerificationReport]:
    """Verify ``incident_id`` (None: every incident) and show the report; ``shown`` receives the
    message box once it is open."""
    what = incident_id or "the whole store"
    window.statusBar().showMessage(f"Verifying {what}…")

    def progress(done: int, total: int) -> None:
        window.statusBar().showMessage(f"Verifying {what}: {done} of {total} incidents…")

    def done(report: VerificationReport) -> None:
        window.statusBar().clearMessage()
        title, text = verification_text(report)
        icon = QMessageBox.Icon.Information if report.ok else QMessageBox.Icon.Warning
        shown(message_box(window, icon, title, text))

    return session.run(
        lambda store, task: store.verify(incident_id, progress=task.report),
        done,
        on_progress=progress,
    )


def verification_text(report: VerificationReport) -> tuple[str, str]:
    """A title and the text of a verification report: the command line's words, and advice."""
    if report.ok:
        return "Everything is intact", services_verification_text(report)
    return (
        "Verification found problems",
        services_verification_text(report)
        + "\n\nDo not rely on the items named above; keep the store as it is and ask for help.",
    )
