"""An exhibit shown full size, with zoom and pan. The picture is decoded off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QKeySequence,
    QPixmap,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from harmonize_evidence.domain.errors import FileRejected
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.ui.exhibit_window import ExhibitWindow
from harmonize_evidence.ui.pictures import decode_picture
from harmonize_evidence.ui.save_copy import (
    SAVE_COPY_KEY_TIP,
    SAVE_COPY_TEXT,
)
from harmonize_evidence.ui.session import Session
from harmonize_evidence.ui.tasks import Task
from harmonize_evidence.ui.wording import KIND_NAMES

ZOOM_STEP = 1.25
ZOOM_MIN = 0.05
ZOOM_MAX = 16.0


def decode_image(data: bytes) -> QImage:
    """Decode a whole picture (any thread); :class:`FileRejected` if it cannot be read."""
    image = decode_picture(data)
    if image is None:
        raise FileRejected("This exhibit's picture cannot be shown here; export it to view it.")
    return image


class ZoomingView(QGraphicsView):
    """A graphics view that zooms with Ctrl+wheel and the keyboard and pans by dragging."""

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.fitting = True

    @property
    def zoom(self) -> float:
        """The current scale (1.0 is one picture pixel per screen pixel)."""
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        """Scale to ``zoom``, within limits."""
        zoom = min(ZOOM_MAX, max(ZOOM_MIN, zoom))
        self.fitting = False
        self.resetTransform()
        self.scale(zoom, zoom)

    def zoom_by(self, factor: float) -> None:
        """Zoom in (factor > 1) or out."""
        self.set_zoom(self.zoom * factor)

    def fit(self) -> None:
        """Show the whole picture."""
        self.fitting = True
        rect = self.sceneRect()
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.set_zoom(1.0)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.fitting:
            self.fit()


class ExhibitViewer(ExhibitWindow):
    """A window showing one exhibit's picture at full size."""

    def __init__(self, session: Session, exhibit: Exhibit, parent: QWidget | None = None) -> None:
        super().__init__(session, exhibit, f"Exhibit {exhibit.ref} ({exhibit.incident_id})", parent)
        self.scene = QGraphicsScene(self)
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.item)
        self.view = ZoomingView(self.scene)
        self.view.setAccessibleName(f"Picture of exhibit {exhibit.ref}")
        self.status = QLabel(f"Loading {KIND_NAMES[exhibit.kind].lower()} {exhibit.ref}…")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        toolbar = QToolBar()
        toolbar.setAccessibleName("Zoom")
        zoom_in = toolbar.addAction("Zoom &in", lambda: self.view.zoom_by(ZOOM_STEP))
        zoom_in.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn))
        zoom_out = toolbar.addAction("Zoom &out", lambda: self.view.zoom_by(1 / ZOOM_STEP))
        zoom_out.setShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut))
        fit = toolbar.addAction("&Fit to window", self.view.fit)
        actual = toolbar.addAction("&Actual size", lambda: self.view.set_zoom(1.0))
        for action, key in ((zoom_in, "+"), (zoom_out, "-"), (fit, "0"), (actual, "1")):
            action.setToolTip(f"{action.text().replace('&', '')} (key {key})")
        toolbar.addSeparator()
        save = toolbar.addAction(SAVE_COPY_TEXT, self.save_copy)
        save.setToolTip(SAVE_COPY_KEY_TIP)
        save.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(toolbar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.resize(self.fontMetrics().averageCharWidth() * 120, self.fontMetrics().height() * 40)
        self._load(session)

    def _load(self, session: Session) -> None:
        incident_id, ref = self.exhibit.incident_id, self.exhibit.ref

        def load(store: EvidenceStore, _task: Task[QImage]) -> QImage:
            return decode_image(store.exhibit_bytes(incident_id, ref))

        self._task = session.run(load, self._loaded, self._failed)

    def _loaded(self, image: QImage) -> None:
        self._task = None
        self.item.setPixmap(QPixmap.fromImage(image))
        self.scene.setSceneRect(self.item.boundingRect())
        self.status.setText(
            f"{self.exhibit.ref}: {image.width()} × {image.height()} pixels. Ctrl+wheel or +/- "
            "to zoom, drag to move, 0 to fit, 1 for actual size."
        )
        self.view.fit()

    def _forget(self) -> None:
        self.item.setPixmap(QPixmap())
