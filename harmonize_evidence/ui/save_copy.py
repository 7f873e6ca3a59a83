"""Save a copy of an exhibit's original bytes to a file the user chooses: the logged extract.

The copy is written off the GUI thread by the same use case as the command line's ``extract``
(:meth:`~harmonize_evidence.services.evidence.EvidenceStore.extract`), so the custody log records
it; the result, or why nothing was saved (a full disk, a folder that cannot be written), is one
sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from harmonize_evidence.domain.errors import Cancelled
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.extracting import copy_name, copy_saved_text
from harmonize_evidence.ui.errors import message_box, show_error
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task

SAVE_COPY_TEXT = "Save a co&py…"
"""The button and menu text (Alt+P) wherever an exhibit can be saved."""
SAVE_COPY_TIP = "Save a copy of this exhibit's original file; the custody log records it"
SAVE_COPY_KEY_TIP = f"{SAVE_COPY_TIP} (Ctrl+S)"
"""The tip in an exhibit's own window, where Ctrl+S saves a copy (a toolbar shows no Alt key)."""
_last_folder: list[Path] = []
"""Where the last copy was saved in this session: the next one is offered there too."""


def ask_and_save_copy(
    parent: QWidget, session: Session, exhibit: Exhibit, on_saved: Callable[[], None] | None = None
) -> SaveCopyJob | None:
    """Ask where to save a copy of ``exhibit`` (offering a name from its reference and original
    name), then save it; ``on_saved`` runs once the copy is saved and recorded."""
    folder = _last_folder[-1] if _last_folder else Path.home()
    name, _ = QFileDialog.getSaveFileName(
        parent,
        f"Save a copy of exhibit {exhibit.ref}",
        str(folder / copy_name(exhibit)),
        # An existing file is never replaced; the refusal says so, rather than asking first.
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    if not name:
        return None
    return SaveCopyJob(session, exhibit, Path(name), parent, on_saved)


class SaveCopyJob(QObject):
    """Writes one copy off the GUI thread, with progress for a large exhibit, and says how it
    went in one sentence."""

    finished = Signal(object)  # the saved copy's Path, or None

    def __init__(
        self,
        session: Session,
        exhibit: Exhibit,
        path: Path,
        parent: QWidget | None,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        from harmonize_evidence.ui.dialogs import progress_dialog  # the first window has none

        super().__init__()
        self._parent = parent
        self._exhibit = exhibit
        self._on_saved = on_saved
        self.box: QMessageBox | None = None
        self.saved: Path | None = None
        self.progress = progress_dialog(
            f"Saving a copy of exhibit {exhibit.ref}…",
            "Save a copy",
            parent,
            maximum=1000,
            shown_after_ms=500,  # a small exhibit is saved before it would show
        )
        incident_id, ref = exhibit.incident_id, exhibit.ref

        def work(store: EvidenceStore, task: Task[Path]) -> Path:
            def progress(written: int, total: int) -> None:
                task.check_cancelled()
                task.report(written, total)

            target, _sha256 = store.extract(incident_id, ref, path, progress)
            return target

        self.task = session.run(work, self._done, self._failed, self._progressed)
        self.progress.canceled.connect(self.task.cancel)

    def _progressed(self, written: int, total: int) -> None:
        self.progress.setValue(round(1000 * written / max(1, total)))

    def _close_progress(self) -> None:
        self.progress.canceled.disconnect(self.task.cancel)
        self.progress.close()
        self.progress.deleteLater()

    def _done(self, path: Path) -> None:
        self._close_progress()
        self.saved = path
        _last_folder[:] = [path.parent]
        self.box = message_box(
            self._parent,
            QMessageBox.Icon.Information,
            "Save a copy",
            copy_saved_text(self._exhibit, path),
        )
        if self._on_saved is not None:
            self._on_saved()
        self.finished.emit(path)

    def _failed(self, error: BaseException) -> None:
        self._close_progress()
        if isinstance(error, Cancelled):
            self.box = message_box(
                self._parent,
                QMessageBox.Icon.Information,
                "Save a copy",
                f"No copy of exhibit {self._exhibit.ref} was saved, and nothing was recorded.",
            )
        else:
            self.box = show_error(self._parent, error)
        self.finished.emit(None)
