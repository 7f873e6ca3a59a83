"""Light reportlab flowables for the report's text, and the line breaking of user text.

A reportlab ``Table`` of label/value rows and a ``Paragraph`` per heading cost a few
milliseconds an exhibit to build, measure and draw, which at hundreds of exhibits is most of the
report's layout time. The flowables here do the same drawing from lines of plain text that were
split once: one text object per column and font, one path for the grid. They look like the
``Table`` and ``Paragraph`` they replace (same fonts, paddings, rules and shading).

User text is laid out here, never by reportlab's ``Paragraph``, so it is never parsed as markup
and every glyph reads back as what was typed (see :mod:`harmonize_evidence.export.fonts`):
:func:`wrap_text` breaks it into lines at spaces, and inside a word only where a word is wider
than its column (between whole letters, marks kept on their letter), then puts each line's
right-to-left words in visual order and shapes what needs shaping. Unlike a ``Table``, a row
taller than a page is split between its lines, so a long note never stops an export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.colors import Color
from reportlab.platypus.flowables import Flowable

from harmonize_evidence.export.fonts import is_right_to_left, report_font


@dataclass(frozen=True)
class Font:
    """A font, its size and its line spacing (points)."""

    name: str
    size: float
    leading: float


@dataclass(frozen=True)
class Lines:
    """Lines of text, split to fit their column and ready to draw (see :func:`wrap_text`)."""

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


def _text_line(text: Any, line: str, font: Font) -> None:
    """Draw one line with a reportlab text object and move to the next line."""
    if hasattr(line, "__shapeData__"):
        # reportlab's text object fails (IndexError) on a shaped line whose first glyph is
        # raised or lowered (a mark drawn first, as at the visual start of a right-to-left
        # word) unless the line begins with a font change: setting the font again makes one.
        text.setFont(font.name, font.size, font.leading)
    text.textLine(line)


class TextBlock(Flowable):  # type: ignore[misc]
    """Lines of text in one font, already broken: a heading, a sentence, a paragraph."""

    def __init__(
        self,
        lines: Lines,
        *,
        space_before: float = 0,
        space_after: float = 0,
        grey: float = 0,
        indent: float = 0,
    ) -> None:
        super().__init__()
        self.text = lines
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.grey = grey
        self.indent = indent
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
        look = {"grey": self.grey, "indent": self.indent}
        return [
            TextBlock(Lines(first, self.text.font), space_before=self.spaceBefore, **look),
            TextBlock(Lines(rest, self.text.font), space_after=self.spaceAfter, **look),
        ]

    def draw(self) -> None:
        font = self.text.font
        text = self.canv.beginText(self.indent, self.height - font.size)
        text.setFont(font.name, font.size, font.leading)
        if self.grey:
            text.setFillGray(self.grey)
        for line in self.text.lines:
            _text_line(text, line, font)
        self.canv.drawText(text)


class TextFlow(TextBlock):
    """A paragraph of user text, broken into lines for the width it is given (:func:`wrap_text`)."""

    def __init__(
        self,
        text: str,
        font: Font,
        *,
        space_before: float = 0,
        space_after: float = 0,
        grey: float = 0,
        indent: float = 0,
    ) -> None:
        super().__init__(
            Lines((), font),
            space_before=space_before,
            space_after=space_after,
            grey=grey,
            indent=indent,
        )
        self.source = text
        self._wrapped_at: float | None = None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        if self._wrapped_at != available_width:
            lines = wrap_text(self.source, self.text.font, available_width - self.indent)
            self.text = Lines(lines, self.text.font)
            self.height = self.text.height
            self._wrapped_at = available_width
        return super().wrap(available_width, available_height)

    def split(self, available_width: float, available_height: float) -> list[Any]:
        self.wrap(available_width, available_height)
        return super().split(available_width, available_height)


PAGE_COUNT_TEXT = (
    "This report, this statement included, has {total} pages, each numbered at its foot."
)
"""The sentence :class:`PageCountLine` prints once the number of pages is known."""


class PageCountLine(Flowable):  # type: ignore[misc]
    """One line saying how many pages the report has (:data:`PAGE_COUNT_TEXT`).

    The number is known only when the last page is laid out, so the line takes its place now and
    is drawn when the document is saved: the canvas (``report_pages``) keeps where it goes in its
    ``late_lines`` and draws it on that page with the total.
    """

    def __init__(self, font: Font) -> None:
        super().__init__()
        self.font = font

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        return available_width, self.font.leading

    def draw(self) -> None:
        baseline = (self.font.leading - self.font.size) / 2 + self.font.size * 0.22
        x, y = self.canv.absolutePosition(0, baseline)
        self.canv.late_lines.append(
            (self.canv.getPageNumber(), x, y, self.font.name, self.font.size)
        )


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

    @property
    def row_heights(self) -> tuple[float, ...]:
        """Each row's height, padding included, as the last :meth:`wrap` measured it."""
        return tuple(self._heights)

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
        """A row too tall for the space left, cut between lines of its label and value.

        The rest of the row is labelled with the rest of its label or, once the whole label is
        shown, with the label again, marked "continued".
        """
        room = available_height - self._padding()
        label = row.label
        label_fit = int(room // label.font.leading)
        if label_fit < 1:
            return None
        shown, left = label.lines[:label_fit], label.lines[label_fit:]
        first_label = Lines(shown, label.font)
        rest_label = Lines(left or (*label.lines, "(continued)"), label.font)
        value = row.value
        if isinstance(value, Lines):
            fit = int(room // value.font.leading)
            if fit < min(2, len(value.lines)):
                return None
            return (first_label, Lines(value.lines[:fit], value.font)), (
                rest_label,
                Lines(value.lines[fit:], value.font),
            )
        if left:
            return None
        pieces = value.split(self._content_width(1), room)
        if len(pieces) != 2:
            return None
        return (first_label, pieces[0]), (rest_label, pieces[1])

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
                        _text_line(text, line, cell.font)
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


# -- breaking user text into lines --------------------------------------------------------------

_SPACES = re.compile(r"[ \t]+")


def _strong_direction(word: str) -> str:
    for char in word:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "N"


def visual_order(words: Sequence[str]) -> list[str]:
    """One line's words (logical order) in the order they are drawn, left to right.

    A run of right-to-left words, with only neutral words (numbers, punctuation) between them,
    is reversed, so "محمد الأحمد" inside English text reads correctly; HarfBuzz orders the
    letters inside each word. Lines are laid out left to right.
    """
    if not any(is_right_to_left(char) for word in words for char in word):
        return list(words)
    kinds = [_strong_direction(word) for word in words]
    result: list[str] = []
    index = 0
    while index < len(words):
        if kinds[index] != "R":
            result.append(words[index])
            index += 1
            continue
        end = index
        probe = index + 1
        while probe < len(words) and kinds[probe] != "L":
            if kinds[probe] == "R":
                end = probe
            probe += 1
        result.extend(reversed(words[index : end + 1]))
        index = end + 1
    return result


def _letters(word: str) -> list[str]:
    """``word`` cut between letters: each combining mark or joiner stays with what it is on."""
    letters: list[str] = []
    for char in word:
        joined = letters and (
            unicodedata.category(char)[0] == "M"
            or char in "\u200d\ufe0e\ufe0f"
            or 0x1F3FB <= ord(char) <= 0x1F3FF
            or letters[-1].endswith("\u200d")
        )
        if joined:
            letters[-1] += char
        else:
            letters.append(char)
    return letters


def _break_word(word: str, font: Any, size: float, room: float) -> list[str]:
    """A word wider than ``room``, cut into pieces that fit (at least one letter each)."""
    letters = _letters(word)
    widths = [font.width(font.drawable(letter), size) for letter in letters]
    pieces: list[str] = []
    start = 0
    while start < len(letters):
        end, used = start, 0.0
        while end < len(letters) and (end == start or used + widths[end] <= room):
            used += widths[end]
            end += 1
        # Shaping joins letters, which can make a piece a little wider than its letters.
        while end - start > 1:
            piece = font.drawable("".join(letters[start:end]))
            if font.width(piece, size) <= room:
                break
            end -= 1
        pieces.append("".join(letters[start:end]))
        start = end
    return pieces


def wrap_text(text: str, font: Font, width: float) -> tuple[str, ...]:
    """User text as lines no wider than ``width`` points (a line break starts a new line).

    Each line is ready to draw: its words in visual order, joined by spaces, shaped where they
    need it. Lines that needed no shaping are plain strings.
    """
    face = report_font(font.name)
    size = font.size
    space = face.width(" ", size)
    drawn: dict[str, str] = {}

    def measured(word: str) -> float:
        if word not in drawn:
            drawn[word] = face.drawable(word)
        return float(face.width(drawn[word], size))

    lines: list[str] = []
    for paragraph in text.splitlines():
        line: list[str] = []
        used = 0.0
        for word in _SPACES.split(paragraph):
            if not word:
                continue
            wide = measured(word)
            pieces = [word] if wide <= width else _break_word(word, face, size, width)
            for piece in pieces:
                piece_width = wide if piece is word else measured(piece)
                if line and used + space + piece_width > width:
                    lines.append(_joined(line, drawn))
                    line, used = [], 0.0
                used += piece_width + (space if line else 0.0)
                line.append(piece)
        lines.append(_joined(line, drawn))
    return tuple(lines)


def _joined(words: Sequence[str], drawn: dict[str, str]) -> str:
    """One line's words, in visual order, each as it is drawn, joined by spaces."""
    line = ""
    for number, word in enumerate(visual_order(words)):
        if number:
            line += " "
        line += drawn[word]
    return line
