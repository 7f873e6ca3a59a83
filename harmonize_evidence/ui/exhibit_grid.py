"""An incident's exhibits as a grid of thumbnails, blurred until the user chooses to see one.

Choosing an exhibit (a click, the arrow keys) shows its details and leaves its picture blurred;
seeing the picture is its own act: the Show button drawn on the picture, or Space. Enter or a
double click opens it full size. The grid tells its owner which rows are on screen, so that only
their thumbnails are decrypted.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.ui.models import CAPTION_ROLE, EXHIBIT_ROLE, REVEALED_ROLE, ExhibitListModel
from harmonize_evidence.ui.thumbnails import THUMBNAIL_SIZE

SHOW_TEXT = "Show"
"""The button on a blurred picture."""
BLUR_TEXT = "Blur"
"""The button on a picture that is shown."""
CAPTION_LINES = 3


def picture_box(cell: QRect) -> QRect:
    """The square a cell's picture is drawn in (``cell``: the item's rectangle)."""
    inner = cell.adjusted(2, 2, -2, -2)
    side = THUMBNAIL_SIZE
    return QRect(inner.left() + (inner.width() - side) // 2, inner.top() + 4, side, side)


def reveal_button(cell: QRect, metrics: QFontMetrics) -> QRect:
    """Where a picture's Show (or Blur) button is drawn: in the middle of the picture."""
    box = picture_box(cell)
    width = max(metrics.horizontalAdvance(SHOW_TEXT), metrics.horizontalAdvance(BLUR_TEXT))
    width += 3 * metrics.averageCharWidth()
    height = metrics.height() + 8
    return QRect(
        box.left() + (box.width() - width) // 2,
        box.top() + (box.height() - height) // 2,
        width,
        height,
    )


def cell_size(metrics: QFontMetrics) -> QSize:
    """The size of one grid cell: the picture and three lines of caption under it."""
    line = metrics.height()
    return QSize(THUMBNAIL_SIZE + line * 3, THUMBNAIL_SIZE + 14 + line * CAPTION_LINES)


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
        box = picture_box(option.rect)
        side = box.width()
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        exhibit = index.data(EXHIBIT_ROLE)
        picture = isinstance(exhibit, Exhibit) and exhibit.is_picture
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
            inset = 0 if picture else side // 4  # a kind icon is drawn smaller
            decoration.paint(painter, box.adjusted(inset, inset, -inset, -inset))
        if picture:
            self._paint_reveal_button(painter, option, bool(index.data(REVEALED_ROLE)))
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        lines = index.data(CAPTION_ROLE)
        if not isinstance(lines, tuple):
            lines = (str(index.data(Qt.ItemDataRole.DisplayRole) or ""),)
        metrics = option.fontMetrics
        top = box.bottom() + 6
        width = cell.width() - 8
        for number, line in enumerate(lines[:CAPTION_LINES]):
            font = QFont(option.font)
            font.setBold(number == 0)
            painter.setFont(font)
            line_metrics = QFontMetrics(font)
            text = line_metrics.elidedText(
                str(line),
                Qt.TextElideMode.ElideMiddle if number == 2 else Qt.TextElideMode.ElideRight,
                width,
            )
            rect = QRect(cell.left() + 4, top + number * metrics.height(), width, metrics.height())
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), text
            )
        painter.setFont(option.font)
        if focused and not selected:
            painter.setPen(QPen(palette.highlight().color(), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(cell, 6, 6)
        painter.restore()

    def _paint_reveal_button(
        self, painter: QPainter, option: QStyleOptionViewItem, revealed: bool
    ) -> None:
        button = reveal_button(option.rect, option.fontMetrics)
        painter.setPen(QPen(QColor(255, 255, 255, 200), 1))
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawRoundedRect(button, button.height() / 2, button.height() / 2)
        painter.setPen(QColor("#ffffff"))
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(
            button, int(Qt.AlignmentFlag.AlignCenter), BLUR_TEXT if revealed else SHOW_TEXT
        )
        painter.setFont(option.font)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return cell_size(option.fontMetrics)


def _dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class ExhibitGrid(QListView):
    """Thumbnails in a grid. A click chooses an exhibit; its Show button or Space shows the
    picture unblurred (and blurs it again); Enter opens it."""

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
        self.setGridSize(cell_size(self.fontMetrics()))
        self.setSpacing(line // 2)
        self.setMouseTracking(True)  # the hand over a Show button
        self.setAccessibleName("Exhibits")
        self.setAccessibleDescription(
            "Pictures are blurred. Click Show on a picture or press Space to show it; press "
            "Enter to open it full size."
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

    def reveal_button_at(self, row: int) -> QRect | None:
        """Where the Show button of the picture in ``row`` is (viewport coordinates), if it
        has one."""
        if not self._model.exhibit_at(row).is_picture:
            return None
        return reveal_button(self.visualRect(self._model.index(row)), self.fontMetrics())

    def _on_reveal_button(self, index: QModelIndex, point: QPoint) -> bool:
        if not index.isValid():
            return False
        button = self.reveal_button_at(index.row())
        return button is not None and button.contains(point)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        index = self.indexAt(point)
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self._on_reveal_button(index, point):
            self._toggle(index.row())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._on_reveal_button(self.indexAt(point), point):
            event.accept()  # a quick second click on Show is not a request to open
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._on_reveal_button(self.indexAt(point), point):
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()
        super().mouseMoveEvent(event)

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
