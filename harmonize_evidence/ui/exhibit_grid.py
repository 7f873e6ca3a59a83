"""An incident's exhibits as a grid of thumbnails, blurred until the user chooses to see one.

A click (or Space) shows a picture unblurred, Enter or a double click opens it full size. The grid
tells its owner which rows are on screen, so that only their thumbnails are decrypted.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QKeyEvent, QMouseEvent, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.ui.models import EXHIBIT_ROLE, ExhibitListModel
from harmonize_evidence.ui.thumbnails import THUMBNAIL_SIZE


class ThumbnailDelegate(QStyledItemDelegate):
    """Draws one grid cell: the picture centred in a square, the caption under it."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        cell = option.rect.adjusted(2, 2, -2, -2)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(QPen(palette.highlight().color(), 2))
            painter.setBrush(
                palette.highlight().color().lighter(170)
                if not _dark(palette)
                else palette.highlight().color().darker(150)
            )
            painter.drawRoundedRect(cell, 6, 6)
        side = THUMBNAIL_SIZE
        box = QRect(cell.left() + (cell.width() - side) // 2, cell.top() + 4, side, side)
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(decoration, QPixmap) and not decoration.isNull():
            size = decoration.deviceIndependentSize().toSize()
            size.scale(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(
                box.left() + (box.width() - size.width()) // 2,
                box.top() + (box.height() - size.height()) // 2,
                size.width(),
                size.height(),
            )
            painter.drawPixmap(target, decoration)
        elif isinstance(decoration, QIcon):
            exhibit = index.data(EXHIBIT_ROLE)
            placeholder = isinstance(exhibit, Exhibit) and exhibit.is_picture
            inset = 0 if placeholder else side // 4  # a kind icon is drawn smaller
            decoration.paint(painter, box.adjusted(inset, inset, -inset, -inset))
        text_rect = QRect(
            cell.left() + 2, box.bottom() + 4, cell.width() - 4, cell.bottom() - box.bottom() - 4
        )
        role = QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        painter.drawText(
            text_rect,
            int(
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            ),
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
        )
        if focused and not selected:
            painter.setPen(QPen(palette.highlight().color(), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cell, 6, 6)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        line = option.fontMetrics.height()
        return QSize(THUMBNAIL_SIZE + line * 2, THUMBNAIL_SIZE + round(line * 2.8))


def _dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class ExhibitGrid(QListView):
    """Thumbnails in a grid. A click shows a picture unblurred, Space toggles, Enter opens."""

    open_requested = Signal(QModelIndex)
    visible_changed = Signal()

    def __init__(self, model: ExhibitListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self._model = model
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)  # only painted rows are asked for their picture
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.setItemDelegate(ThumbnailDelegate(self))
        line = self.fontMetrics().height()
        self.setGridSize(QSize(THUMBNAIL_SIZE + line * 2, THUMBNAIL_SIZE + round(line * 2.8)))
        self.setSpacing(line // 2)
        self.setAccessibleName("Exhibits")
        self.setAccessibleDescription(
            "Pictures are blurred. Click a picture or press Space to show it; press Enter to "
            "open it full size."
        )
        self.doubleClicked.connect(self.open_requested)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(60)
        self._visible_timer.timeout.connect(self.visible_changed)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._visible_timer.start())

    def visible_rows(self) -> list[int]:
        """Rows whose cell is at least partly on screen."""
        area = self.viewport().rect()
        rows = []
        for row in range(self._model.rowCount()):
            if self.visualRect(self._model.index(row)).intersects(area):
                rows.append(row)
        return rows

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        super().mouseReleaseEvent(event)
        if index.isValid() and event.button() == Qt.MouseButton.LeftButton:
            self._toggle(index.row())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        if index.isValid() and event.key() == Qt.Key.Key_Space:
            self._toggle(index.row())
            return
        if index.isValid() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_requested.emit(index)
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._visible_timer.start()

    def _toggle(self, row: int) -> None:
        exhibit = self._model.exhibit_at(row)
        if exhibit.is_picture:
            self._model.set_revealed(row, not self._model.is_revealed(exhibit.ref))
