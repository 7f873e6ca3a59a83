"""Light reportlab flowables for what the report repeats once per exhibit.

A reportlab ``Table`` of label/value rows and a ``Paragraph`` per heading cost a few
milliseconds an exhibit to build, measure and draw, which at hundreds of exhibits is most of the
report's layout time. The flowables here do the same drawing from lines of plain text that were
split once: one text object per column and font, one path for the grid. They look like the
``Table`` and ``Paragraph`` they replace (same fonts, paddings, rules and shading).

Text given to them is drawn as it is, never parsed as markup. Values that need more (shaping of
right-to-left scripts, breaking a word longer than the column) stay reportlab paragraphs and are
drawn inside the row. Unlike a ``Table``, a row taller than a page is split between its lines,
so a long note never stops an export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.colors import Color
from reportlab.platypus.flowables import Flowable


@dataclass(frozen=True)
class Font:
    """A font, its size and its line spacing (points)."""

    name: str
    size: float
    leading: float


@dataclass(frozen=True)
class Lines:
    """Plain lines of text, already split to fit their column."""

    lines: tuple[str, ...]
    font: Font

    @property
    def height(self) -> float:
        """The height of the lines (points)."""
        return len(self.lines) * self.font.leading


Cell = Lines | Any
"""A cell: :class:`Lines`, or a reportlab flowable (a paragraph) drawn inside the cell."""


@dataclass(frozen=True)
class TableStyle:
    """How a :class:`KeyValueTable` looks."""

    grid: Color
    grid_width: float
    label_background: Color
    left_padding: float
    right_padding: float
    top_padding: float
    bottom_padding: float


class TextBlock(Flowable):  # type: ignore[misc]
    """Lines of plain text in one font: a heading or a fixed sentence of the program's own."""

    def __init__(
        self, lines: Lines, *, space_before: float = 0, space_after: float = 0, grey: float = 0
    ) -> None:
        super().__init__()
        self.text = lines
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.grey = grey
        self.width = 0.0
        self.height = lines.height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        fit = int(available_height // self.text.font.leading)
        if fit <= 0 or fit >= len(self.text.lines):
            return []
        first, rest = self.text.lines[:fit], self.text.lines[fit:]
        return [
            TextBlock(Lines(first, self.text.font), space_before=self.spaceBefore, grey=self.grey),
            TextBlock(Lines(rest, self.text.font), space_after=self.spaceAfter, grey=self.grey),
        ]

    def draw(self) -> None:
        font = self.text.font
        text = self.canv.beginText(0, self.height - font.size)
        text.setFont(font.name, font.size, font.leading)
        if self.grey:
            text.setFillGray(self.grey)
        for line in self.text.lines:
            text.textLine(line)
        self.canv.drawText(text)


@dataclass(frozen=True)
class _Row:
    label: Lines
    value: Cell


class KeyValueTable(Flowable):  # type: ignore[misc]
    """Two columns, labels and values, drawn like a gridded ``Table`` with a shaded label column.

    Splits between rows and, when one row is taller than the space left, inside that row (its
    label is repeated, marked "continued").
    """

    def __init__(
        self,
        rows: Sequence[tuple[Lines, Cell]],
        widths: tuple[float, float],
        style: TableStyle,
        *,
        continued: bool = False,
    ) -> None:
        super().__init__()
        self.rows = [_Row(label, value) for label, value in rows]
        self.widths = widths
        self.style = style
        self.continued = continued
        self.width = widths[0] + widths[1]
        self.height = 0.0
        self._heights: list[float] = []

    def _padding(self) -> float:
        return self.style.top_padding + self.style.bottom_padding

    def _content_width(self, column: int) -> float:
        return self.widths[column] - self.style.left_padding - self.style.right_padding

    def _cell_height(self, cell: Cell, column: int) -> float:
        if isinstance(cell, Lines):
            return cell.height
        _, height = cell.wrap(self._content_width(column), 1e9)
        return float(height) + float(cell.getSpaceBefore()) + float(cell.getSpaceAfter())

    def _row_height(self, row: _Row) -> float:
        return max(row.label.height, self._cell_height(row.value, 1)) + self._padding()

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._heights = [self._row_height(row) for row in self.rows]
        self.height = sum(self._heights)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        if not self._heights:
            self.wrap(available_width, available_height)
        used = 0.0
        count = 0
        for height in self._heights:
            if used + height > available_height:
                break
            used += height
            count += 1
        if count == len(self.rows):
            return [self]
        pairs = [(row.label, row.value) for row in self.rows]
        if count > 0:
            return [
                KeyValueTable(pairs[:count], self.widths, self.style, continued=self.continued),
                KeyValueTable(pairs[count:], self.widths, self.style, continued=True),
            ]
        parts = self._split_row(self.rows[0], available_height)
        if parts is None:
            return []
        first, rest = parts
        return [
            KeyValueTable([first], self.widths, self.style, continued=self.continued),
            KeyValueTable([rest, *pairs[1:]], self.widths, self.style, continued=True),
        ]

    def _split_row(
        self, row: _Row, available_height: float
    ) -> tuple[tuple[Lines, Cell], tuple[Lines, Cell]] | None:
        """A row too tall for the space left, cut between lines of its value."""
        room = available_height - self._padding()
        label = row.label
        more = Lines((*label.lines, "(continued)"), label.font)
        value = row.value
        if isinstance(value, Lines):
            fit = int(room // value.font.leading)
            if fit < 2 or fit >= len(value.lines) or label.height > room:
                return None
            return (label, Lines(value.lines[:fit], value.font)), (
                more,
                Lines(value.lines[fit:], value.font),
            )
        if label.height > room:
            return None
        pieces = value.split(self._content_width(1), room)
        if len(pieces) != 2:
            return None
        return (label, pieces[0]), (more, pieces[1])

    def draw(self) -> None:
        canvas = self.canv
        style = self.style
        label_width, value_width = self.widths
        if not self._heights:
            self.wrap(self.width, 1e9)
        canvas.saveState()
        canvas.setFillColor(style.label_background)
        canvas.rect(0, 0, label_width, self.height, stroke=0, fill=1)
        canvas.setFillGray(0)
        top = self.height
        texts: dict[tuple[int, Font], Any] = {}
        for row, height in zip(self.rows, self._heights, strict=True):
            for column, cell in ((0, row.label), (1, row.value)):
                x = style.left_padding + (label_width if column else 0.0)
                if isinstance(cell, Lines):
                    if not cell.lines:
                        continue
                    key = (column, cell.font)
                    text = texts.get(key)
                    if text is None:
                        text = texts[key] = canvas.beginText()
                        text.setFont(cell.font.name, cell.font.size, cell.font.leading)
                    text.setTextOrigin(x, top - style.top_padding - cell.font.size)
                    for line in cell.lines:
                        text.textLine(line)
                else:
                    _, cell_height = cell.wrap(self._content_width(column), 1e9)
                    y = top - style.top_padding - cell.getSpaceBefore() - cell_height
                    cell.drawOn(canvas, x, y)
            top -= height
        for text in texts.values():
            canvas.drawText(text)
        canvas.setStrokeColor(style.grid)
        canvas.setLineWidth(style.grid_width)
        path = canvas.beginPath()
        for x in (0.0, label_width, label_width + value_width):
            path.moveTo(x, 0)
            path.lineTo(x, self.height)
        y = self.height
        for height in (0.0, *self._heights):
            y -= height
            path.moveTo(0, y)
            path.lineTo(label_width + value_width, y)
        canvas.drawPath(path, stroke=1, fill=0)
        canvas.restoreState()
