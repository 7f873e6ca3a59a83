"""Thumbnails of exhibit pictures: made lazily off the GUI thread, kept in memory only.

A thumbnail is made only when a view paints that exhibit. A single worker at a time reads the
exhibit's bytes through its own store handle, decodes them (:mod:`.pictures`: never with Qt's
decoder on that thread), shrinks them and makes a blurred copy; the GUI thread turns them into
pixmaps. Nothing is ever written to disk, and
:meth:`ThumbnailCache.clear` (on lock) drops every picture and every queued request.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from harmonize_evidence.domain.errors import HarmonizeError
from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.ui.errors import show_error
from harmonize_evidence.ui.pictures import decode_picture
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 144
"""Width and height of a thumbnail, in device-independent pixels."""
BLUR_FACTOR = 18
"""A blurred picture is shrunk this many times and enlarged again: no text survives."""
CACHE_LIMIT = 600
"""Thumbnails kept at most (least recently used go first)."""


@dataclass(frozen=True)
class Thumbnail:
    """A small picture of an exhibit and its blurred copy (images, not yet pixmaps)."""

    clear: QImage
    blurred: QImage


def make_thumbnail(data: bytes, side: int) -> Thumbnail | None:
    """Decode ``data`` and shrink it to fit ``side`` pixels (tall pictures show their top).

    Safe to call on any thread. None if the bytes are not a picture that can be read.
    """
    image = decode_picture(data, fit=2 * side)  # a JPEG decodes smaller for free
    if image is None:
        return None
    if image.height() > image.width() * 1.3:
        # A long screenshot: its top, not a sliver of the whole.
        image = image.copy(0, 0, image.width(), round(image.width() * 1.3))
    image = image.scaled(
        side,
        side,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    return Thumbnail(image, blur(image))


def blur(image: QImage) -> QImage:
    """A copy of ``image`` blurred so that no text or face can be made out."""
    width, height = image.width(), image.height()
    small = image.scaled(
        max(1, width // BLUR_FACTOR),
        max(1, height // BLUR_FACTOR),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return small.scaled(
        width,
        height,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class ThumbnailCache(QObject):
    """Thumbnails by exhibit reference; emits :attr:`ready` when one arrives."""

    ready = Signal(str)

    def __init__(self, session: Session, device_pixel_ratio: float = 1.0) -> None:
        super().__init__()
        self._session = session
        self._ratio = max(1.0, device_pixel_ratio)
        self._images: OrderedDict[str, Thumbnail] = OrderedDict()
        self._pixmaps: dict[tuple[str, bool], QPixmap] = {}
        self._failed: set[str] = set()
        self._queue: OrderedDict[str, str] = OrderedDict()  # ref -> incident id, newest last
        self._requested: set[str] = set()  # queued or being made: not asked for twice
        self._lock = threading.Lock()
        self._task: Task[None] | None = None
        self._placeholders: dict[str, QIcon] = {}
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self.blobs_read = 0
        """How many exhibits' bytes were decrypted to make thumbnails (for tests and benchmarks)."""
        self.decrypted_refs: set[str] = set()
        """Which exhibits' bytes were decrypted (for tests and benchmarks; cleared on lock)."""
        session.locked.connect(self.clear)

    # -- what views ask for ----------------------------------------------------------------------

    def decoration(self, exhibit: Exhibit, revealed: bool) -> QPixmap | QIcon:
        """The picture to paint for ``exhibit`` now: its thumbnail, or a placeholder icon."""
        if not exhibit.is_picture:
            return self._icon_for(exhibit)
        key = (exhibit.ref, revealed)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._images.move_to_end(exhibit.ref)
            return pixmap
        thumbnail = self._images.get(exhibit.ref)
        if thumbnail is None:
            if exhibit.ref not in self._failed and exhibit.ref not in self._requested:
                self._request(exhibit)
            return self._placeholder("waiting" if exhibit.ref not in self._failed else "broken")
        pixmap = QPixmap.fromImage(thumbnail.clear if revealed else thumbnail.blurred)
        pixmap.setDevicePixelRatio(self._ratio)
        self._pixmaps[key] = pixmap
        return pixmap

    def retain(self, refs: Iterable[str]) -> None:
        """Forget queued requests for exhibits no longer on screen."""
        keep = set(refs)
        with self._lock:
            for ref in [ref for ref in self._queue if ref not in keep]:
                del self._queue[ref]
                self._requested.discard(ref)

    def clear(self) -> None:
        """Drop every picture and request (the store was locked or the incident changed)."""
        with self._lock:
            self._queue.clear()
        self._requested.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._images.clear()
        self._pixmaps.clear()
        self._failed.clear()
        self.decrypted_refs.clear()

    @property
    def held(self) -> int:
        """How many thumbnails and pixmaps are held in memory."""
        return len(self._images) + len(self._pixmaps)

    @property
    def pending(self) -> int:
        """How many thumbnails are waiting to be made."""
        with self._lock:
            return len(self._queue) + (1 if self._task is not None else 0)

    # -- making them -----------------------------------------------------------------------------

    def _request(self, exhibit: Exhibit) -> None:
        self._requested.add(exhibit.ref)
        with self._lock:
            self._queue[exhibit.ref] = exhibit.incident_id
            self._queue.move_to_end(exhibit.ref)  # the newest request first: it is on screen
        if self._task is None and self._session.is_unlocked:
            self._start()

    def _start(self) -> None:
        side = round(THUMBNAIL_SIZE * self._ratio)

        def work(store: EvidenceStore, task: Task[None]) -> None:
            while not task.cancelled:
                with self._lock:
                    if not self._queue:
                        return
                    ref, incident_id = self._queue.popitem(last=True)
                try:
                    data = store.exhibit_bytes(incident_id, ref)
                    self.blobs_read += 1
                    self.decrypted_refs.add(ref)
                    thumbnail = make_thumbnail(data, side)
                    del data  # the decrypted bytes go as soon as the thumbnail is made
                except HarmonizeError as exc:
                    log.info("no thumbnail for %s: %s", ref, exc.message)
                    thumbnail = None
                task.report(ref, thumbnail)

        self._task = self._session.run(
            work,
            on_result=self._finished,
            on_error=self._failed_task,
            on_progress=self._arrived,
            pool=self.pool,
        )

    def _arrived(self, ref: str, thumbnail: Thumbnail | None) -> None:
        self._requested.discard(ref)
        if thumbnail is None:
            self._failed.add(ref)
        else:
            self._images[ref] = thumbnail
            while len(self._images) > CACHE_LIMIT:
                old, _ = self._images.popitem(last=False)
                self._pixmaps.pop((old, False), None)
                self._pixmaps.pop((old, True), None)
        self.ready.emit(ref)

    def _finished(self, _value: None) -> None:
        self._task = None
        with self._lock:
            more = bool(self._queue)
        if more and self._session.is_unlocked:
            self._start()

    def _failed_task(self, error: BaseException) -> None:
        self._task = None
        show_error(None, error)

    # -- placeholders ----------------------------------------------------------------------------

    def _placeholder(self, state: str) -> QIcon:
        icon = self._placeholders.get(state)
        if icon is None:
            side = round(THUMBNAIL_SIZE * self._ratio)
            pixmap = QPixmap(side, side)
            pixmap.fill(QColor(0, 0, 0, 0))
            painter = QPainter(pixmap)
            palette = QApplication.palette()
            painter.fillRect(pixmap.rect(), palette.mid())
            if state == "broken":
                style_icon = QApplication.style().standardIcon(
                    QStyle.StandardPixmap.SP_MessageBoxWarning
                )
                quarter = side // 4
                style_icon.paint(painter, quarter, quarter, 2 * quarter, 2 * quarter)
            painter.end()
            pixmap.setDevicePixelRatio(self._ratio)
            icon = QIcon(pixmap)
            self._placeholders[state] = icon
        return icon

    def _icon_for(self, exhibit: Exhibit) -> QIcon:
        style = QApplication.style()
        pixmap = {
            ExhibitKind.AUDIO: QStyle.StandardPixmap.SP_MediaVolume,
            ExhibitKind.VIDEO: QStyle.StandardPixmap.SP_MediaPlay,
            ExhibitKind.RECORD_ONLY: QStyle.StandardPixmap.SP_MessageBoxWarning,
            ExhibitKind.EMAIL: QStyle.StandardPixmap.SP_FileDialogDetailedView,
            ExhibitKind.WRITTEN_ACCOUNT: QStyle.StandardPixmap.SP_FileDialogContentsView,
        }.get(exhibit.kind, QStyle.StandardPixmap.SP_FileIcon)
        if exhibit.purged:
            pixmap = QStyle.StandardPixmap.SP_TrashIcon
        return style.standardIcon(pixmap)
