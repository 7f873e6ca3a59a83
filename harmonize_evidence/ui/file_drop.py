"""Files dragged onto a window from the desktop or a file manager, to add as evidence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget


class FileDrop(QObject):
    """Lets ``target`` take a drag of files on this computer and hands their paths on.

    A drag of anything else (text, a web link) is refused, so the pointer shows it cannot drop.
    """

    def __init__(self, target: QWidget, on_drop: Callable[[list[Path]], None]) -> None:
        super().__init__(target)
        self._target = target
        self._on_drop = on_drop
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._target:
            return False
        if isinstance(event, QDragEnterEvent):
            if local_files(event.mimeData().urls()):
                event.acceptProposedAction()
            else:
                event.ignore()
            return True
        if isinstance(event, QDragMoveEvent):
            event.acceptProposedAction()
            return True
        if isinstance(event, QDropEvent):
            paths = local_files(event.mimeData().urls())
            if not paths:
                event.ignore()
                return True
            event.acceptProposedAction()
            self._on_drop(paths)
            return True
        return False


def local_files(urls: Sequence[object]) -> list[Path]:
    """The paths of the URLs that name files on this computer."""
    paths = []
    for url in urls:
        if getattr(url, "isLocalFile", lambda: False)():
            paths.append(Path(url.toLocalFile()))  # type: ignore[attr-defined]
    return paths
