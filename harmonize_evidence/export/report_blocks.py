"""The report's building blocks: its type styles, paragraphs and table cells of user text, and
its tables.

User text is data: it is laid out by :mod:`harmonize_evidence.export.layout`, never by
reportlab's paragraph parser, so markup such as ``<b>`` or ``<img src=...>`` prints literally.
Only the program's own sentences are reportlab markup (:meth:`Paragraphs.fixed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harmonize_evidence.export import fonts
from harmonize_evidence.export.report_pages import portrait_area


def report_styles() -> dict[str, Any]:
    """The report's paragraph styles, by name (fonts registered by :mod:`.fonts`)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=9.5, leading=12.5)

    def style(name: str, **kwargs: Any) -> Any:
        return ParagraphStyle(name, parent=base, **kwargs)

    return {
        "body": base,
        "small": style("small", fontSize=8, leading=10),
        "cell": style("cell", fontSize=8.5, leading=10.5),
        "cell_small": style("cell_small", fontSize=7.5, leading=9.2),
        "label": style("label", fontName=fonts.BOLD, fontSize=8.5, leading=10.5),
        "mono": style("mono", fontName=fonts.MONO, fontSize=8, leading=10),
        "mono_small": style("mono_small", fontName=fonts.MONO, fontSize=7, leading=9),
        "title": style("title", fontName=fonts.BOLD, fontSize=22, leading=27, spaceAfter=6),
        "subtitle": style("subtitle", fontSize=13, leading=17, spaceAfter=12),
        "h1": style("h1", fontName=fonts.BOLD, fontSize=15, leading=19, spaceAfter=8),
        "h2": style(
            "h2", fontName=fonts.BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "caption": style(
            "caption", fontSize=8.5, leading=10.5, textColor=colors.HexColor("#333333")
        ),
        "command": style(
            "command",
            fontName=fonts.MONO,
            fontSize=8,
            leading=10,
            leftIndent=14,
            spaceBefore=2,
            spaceAfter=2,
        ),
    }


_CELL_PADDING = 8.0


class Paragraphs:
    """Makes paragraphs and table cells from text; user text is never parsed as markup.

    User text is broken into lines by :func:`~harmonize_evidence.export.layout.wrap_text` and
    drawn by the light flowables of :mod:`~harmonize_evidence.export.layout`. A table cell whose
    lines needed no shaping is given to reportlab's ``Table`` as a plain string, which it draws
    as it is; shaped lines are drawn by a :class:`~harmonize_evidence.export.layout.TextBlock`.
    """

    def __init__(self, styles: Mapping[str, Any]) -> None:
        from harmonize_evidence.export.layout import Font

        self.styles = styles
        self.fonts = {
            name: Font(style.fontName, style.fontSize, style.leading)
            for name, style in styles.items()
        }
        # Labels and many values (platform, program, computer...) repeat from exhibit to
        # exhibit: each distinct text is split into lines once.
        self._split: dict[tuple[str, str, float], tuple[str, ...]] = {}

    def text(self, value: object, style: str = "body") -> Any:
        """A paragraph of user text, wrapped to the width it is given."""
        from harmonize_evidence.export.layout import TextFlow

        chosen = self.styles[style]
        return TextFlow(
            "" if value is None else str(value),
            self.fonts[style],
            space_before=chosen.spaceBefore,
            space_after=chosen.spaceAfter,
            indent=chosen.leftIndent,
        )

    def fixed(self, trusted_markup: str, style: str = "body") -> Any:
        """A paragraph of the program's own markup (never user text)."""
        from reportlab.platypus import Paragraph

        return Paragraph(trusted_markup, self.styles[style])

    def lines(self, text: str, style: str, width: float) -> tuple[str, ...]:
        """``text`` as lines that fit a cell ``width`` points wide (its padding taken off)."""
        key = (text, style, width)
        lines = self._split.get(key)
        if lines is None:
            from harmonize_evidence.export.layout import wrap_text

            lines = wrap_text(text, self.fonts[style], width - _CELL_PADDING)
            self._split[key] = lines
        return lines

    def cell(self, value: object, style: str, width: float) -> Any:
        """A cell of a reportlab ``Table``: plain lines as a string, shaped ones as a block."""
        from harmonize_evidence.export.layout import Lines, TextBlock

        lines = self.lines("" if value is None else str(value), style, width)
        if all(type(line) is str for line in lines):
            return "\n".join(lines)
        return TextBlock(Lines(lines, self.fonts[style]))

    def key_value_cell(self, value: object, style: str, width: float) -> Any:
        """A cell of a :class:`~harmonize_evidence.export.layout.KeyValueTable`."""
        from harmonize_evidence.export.layout import Lines

        return Lines(
            self.lines("" if value is None else str(value), style, width), self.fonts[style]
        )

    def block(self, text: str, style: str, width: float, *, grey: float = 0) -> Any:
        """A text set in one style (a heading, a sentence) as lines, spaced like its style."""
        from harmonize_evidence.export.layout import Lines, TextBlock

        chosen = self.styles[style]
        return TextBlock(
            Lines(self.lines(text, style, width + _CELL_PADDING), self.fonts[style]),
            space_before=chosen.spaceBefore,
            space_after=chosen.spaceAfter,
            grey=grey,
        )


def cell_font(style: Any) -> tuple[str, float, float]:
    """A style's font, size and leading, as a table's FONT command takes them."""
    return style.fontName, style.fontSize, style.leading


@dataclass(frozen=True)
class Mono:
    """A value printed in the monospaced font (hashes, fingerprints)."""

    text: str


def grid_table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = False,
    fonts_by_column: Sequence[tuple[str, float, float]] = (),
    extra: Sequence[tuple[Any, ...]] = (),
) -> Any:
    """A reportlab table with a grid: a shaded header row repeated on each page, or a shaded
    first column; ``extra`` adds table style commands."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(list(rows), colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for column, (name, size, leading) in enumerate(fonts_by_column):
        commands.append(("FONT", (column, 0), (column, -1), name, size, leading))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")))
        commands.append(("FONT", (0, 0), (-1, 0), fonts.BOLD, 8, 10))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


_LABEL_WIDTH = 130.0


def key_value_table(
    rows: Iterable[tuple[str, Any]],
    p: Paragraphs,
    *,
    width: float | None = None,
    label_width: float = _LABEL_WIDTH,
) -> Any:
    """A two-column table of labels and values; values are text, :class:`Mono` or flowables.

    It is as wide as a portrait page's text unless ``width`` says otherwise.
    """
    from reportlab.lib import colors

    from harmonize_evidence.export.layout import KeyValueTable, Lines, TableStyle

    if width is None:
        width, _ = portrait_area()
    value_width = width - label_width
    cells: list[tuple[Lines, Any]] = []
    for label, value in rows:
        if isinstance(value, Mono):
            cell = p.key_value_cell(value.text, "mono", value_width)
        elif isinstance(value, str):
            cell = p.key_value_cell(value, "cell", value_width)
        else:
            cell = value
        # A label wraps like a value: a field this version has no words for is labelled by
        # its name, which may be long.
        cells.append((p.key_value_cell(label, "label", label_width), cell))
    style = TableStyle(
        grid=colors.HexColor("#9a9a9a"),
        grid_width=0.4,
        label_background=colors.HexColor("#f0f0f0"),
        left_padding=4,
        right_padding=4,
        top_padding=2.5,
        bottom_padding=3,
    )
    return KeyValueTable(cells, (label_width, value_width), style)


def side_by_side_class() -> type:
    """A flowable that sets two flowables side by side (never split: for a few short rows)."""
    from reportlab.platypus.flowables import Flowable

    class SideBySide(Flowable):  # type: ignore[misc]
        """Two flowables side by side, ``gap`` points apart, top-aligned."""

        def __init__(self, left: Any, right: Any, gap: float) -> None:
            super().__init__()
            self.left, self.right, self.gap = left, right, gap
            self.width = self.height = 0.0
            self._sizes: tuple[tuple[float, float], tuple[float, float]] | None = None

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            half = (available_width - self.gap) / 2
            left = self.left.wrap(half, available_height)
            right = self.right.wrap(half, available_height)
            self._sizes = (left, right)
            self.width = available_width
            self.height = max(left[1], right[1])
            return self.width, self.height

        def draw(self) -> None:
            if self._sizes is None:
                self.wrap(self.width, 1e9)
            assert self._sizes is not None
            (left_w, left_h), (_, right_h) = self._sizes
            self.left.drawOn(self.canv, 0, self.height - left_h)
            self.right.drawOn(self.canv, left_w + self.gap, self.height - right_h)

    return SideBySide
