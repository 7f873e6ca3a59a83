"""The TrueType fonts of the PDF report, and the glyphs that user text is drawn with.

The fonts are in the project's ``resources/fonts``, a folder installed as the package
``harmonize_evidence.resources`` (see pyproject.toml) and found through :mod:`importlib.resources`,
which works from a source checkout, an installed wheel and a frozen build alike. DejaVu Sans
covers Latin, Greek, Cyrillic, Hebrew and Arabic, so names such as Zoë, Łukasz or محمد print as
written.

What is drawn must also *read back* as written: an officer searches the report for "Instagram"
or "محمد", or copies a sentence out of it, and must get exactly the characters that were typed.
A PDF reader gets text from the font's ToUnicode map, one entry per character code drawn. So:

- Text that needs no shaping (every character has its own glyph, left to right, no combining
  marks) is drawn character by character, and each code maps back to its character. Characters
  outside the Basic Multilingual Plane (emoji) are written to the map as UTF-16 surrogate pairs,
  which reportlab's own map gets wrong.
- Text that needs shaping (Arabic, Hebrew, combining marks, characters the font has no glyph
  for) is shaped with HarfBuzz, with discretionary ligatures off (reportlab turns them on, and
  DejaVu then draws "st" as one hooked glyph that reads back as U+FB06). Each glyph is drawn with
  a character code of its own, from Unicode's private use plane 16, whose map entry gives the
  characters that glyph stands for in that text: a joined Arabic letter reads back as the letter
  typed (not a presentation form), the lam-alef ligature as lam and alef, a base letter as
  itself with the combining marks drawn on it (the marks' own glyphs map to nothing), and a
  character the font cannot draw (CJK, most emoji) as itself, drawn as the font's empty box.
- Right-to-left text is drawn in visual order, as every PDF is. Readers such as poppler put
  each right-to-left run of a line back into logical order by reversing it character by
  character, so a glyph that stands for several characters of a right-to-left run (lam-alef)
  lists them in that visual order too, and comes out right once the run is reversed.

A font's private codes are given out once per process and kept (a code always means the same
glyph and text, in every document); plane 16 has 65,534 of them. Should a process ever use them
all, further glyphs are drawn with the font's own character for the glyph, which reads back as
that character.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Sequence
from importlib import resources
from typing import Any

from harmonize_evidence.domain.errors import EnvironmentProblem

REGULAR = "HE-Sans"
BOLD = "HE-Sans-Bold"
MONO = "HE-Mono"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}
_lock = threading.Lock()
_registered = False

_PRIVATE_FIRST = 0x100000
_PRIVATE_LAST = 0x10FFFD
# HarfBuzz's default features (kerning, standard ligatures, Arabic joining forms, mark
# positioning) apply; discretionary ligatures stay off.
_FEATURES = {"dlig": False}
_BFCHAR_BLOCK = 100  # the most entries one bfchar block may hold (PDF 32000-1, 9.10.3)


def font_bytes(file_name: str) -> bytes:
    """The bytes of one shipped font file."""
    try:
        return (resources.files("harmonize_evidence.resources") / "fonts" / file_name).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise EnvironmentProblem(
            f"The report font {file_name} is missing from this installation; reinstall "
            "Harmonize Evidence."
        ) from exc


def register_fonts() -> None:
    """Register the report fonts with reportlab (once per process)."""
    global _registered  # noqa: PLW0603 - reportlab's font registry is process-wide too
    with _lock:
        if _registered:
            return
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics

        font_class = _report_font_class()
        for name, file_name in _FILES.items():
            pdfmetrics.registerFont(font_class(name, font_bytes(file_name)))
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, REGULAR)
        addMapping(REGULAR, 1, 1, BOLD)
        _registered = True


def report_font(name: str) -> Any:
    """The registered report font called ``name`` (a :class:`ReportFont`)."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    return pdfmetrics.getFont(name)


def is_right_to_left(char: str) -> bool:
    """True for a strong right-to-left character (Arabic, Hebrew...)."""
    return unicodedata.bidirectional(char) in ("R", "AL")


def _is_private(code: int) -> bool:
    return _PRIVATE_FIRST <= code <= _PRIVATE_LAST


def to_unicode_cmap(name: str, subset: Sequence[int], stands_for: dict[int, str]) -> str:
    """A ToUnicode CMap for one 256-code subset of a font.

    ``subset[i]`` is the character (or private code) drawn with code ``i``; ``stands_for`` gives
    the text of private codes. Codes that stand for nothing (a mark drawn on its base, whose
    text the base carries) and the empty slots are left out.
    """
    entries = []
    for index, code in enumerate(subset):
        if code == 0:
            continue
        text = stands_for.get(code, chr(code))
        target = text.encode("utf-16-be", "surrogatepass").hex().upper()
        entries.append(f"<{index:02X}> <{target}>")
    blocks = []
    for start in range(0, len(entries), _BFCHAR_BLOCK):
        block = entries[start : start + _BFCHAR_BLOCK]
        blocks += [f"{len(block)} beginbfchar", *block, "endbfchar"]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({name})",
            f"/Ordering ({name})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<00> <FF>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def _report_font_class() -> type:
    """:class:`ReportFont`, made on first use (reportlab is imported only by an export)."""
    global _font_class  # noqa: PLW0603 - one class per process, like the font registry
    if _font_class is not None:
        return _font_class
    import uharfbuzz
    from reportlab.pdfbase.ttfonts import SUBSETN, ShapeData, ShapedStr, TTFont

    class ReportFont(TTFont):  # type: ignore[misc]
        """A TrueType font whose glyphs read back as the text they were drawn for."""

        def __init__(self, name: str, data: bytes) -> None:
            super().__init__(name, io.BytesIO(data))
            self._hb_font = uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob(data)))
            self._scale = 1000 / self.face.unitsPerEm
            self._codes_lock = threading.Lock()
            self._codes: dict[tuple[int, str], int] = {}
            self.stands_for: dict[int, str] = {}
            self._next_code = _PRIVATE_FIRST

        # -- what needs shaping ---------------------------------------------------------------

        def needs_shaping(self, text: str) -> bool:
            """True unless every character is drawn by its own glyph, left to right."""
            if text.isascii() and text.isprintable():
                return False
            glyphs = self.face.charToGlyph
            for char in text:
                code = ord(char)
                if (
                    code not in glyphs
                    or _is_private(code)
                    or is_right_to_left(char)
                    or unicodedata.category(char)[0] == "M"
                ):
                    return True
            return False

        def drawable(self, text: str) -> str:
            """``text`` as it is drawn: itself, or shaped (a reportlab ``ShapedStr``)."""
            return self.shape(text) if self.needs_shaping(text) else text

        def width(self, drawable: str, size: float) -> float:
            """The width in points of a :meth:`drawable` string at ``size``."""
            shaped = getattr(drawable, "__shapeData__", None)
            if shaped is not None:
                return float(sum(item.x_advance for item in shaped)) * size / 1000
            return float(self.stringWidth(drawable, size))

        # -- shaping ----------------------------------------------------------------------------

        def shape(self, text: str) -> Any:
            """Shape ``text`` (one run, no line breaks) into glyphs that read back as ``text``."""
            buffer = uharfbuzz.Buffer()
            buffer.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
            buffer.add_str(text)
            buffer.guess_segment_properties()
            uharfbuzz.shape(self._hb_font, buffer, _FEATURES)
            infos = buffer.glyph_infos
            positions = buffer.glyph_positions
            if not infos:
                return ShapedStr("", shapeData=[])
            texts = _glyph_texts(text, [info.cluster for info in infos], positions)
            right_to_left = buffer.direction == "rtl"
            scale = self._scale
            chars = []
            data = []
            for info, position, glyph_text in zip(infos, positions, texts, strict=True):
                stands_for = glyph_text
                if right_to_left:
                    stands_for = self._mirror(info.codepoint, glyph_text) or glyph_text[::-1]
                code = self._code(info.codepoint, stands_for)
                chars.append(chr(code))
                data.append(
                    ShapeData(
                        info.cluster,
                        position.x_advance * scale,
                        position.y_advance * scale,
                        position.x_offset * scale,
                        position.y_offset * scale,
                        self.face.charWidths.get(code, self.face.defaultWidth),
                    )
                )
            return ShapedStr("".join(chars), shapeData=data)

        def _mirror(self, glyph: int, text: str) -> str | None:
            """The character a mirrored bracket is drawn as in a right-to-left run, or None.

            HarfBuzz draws "(" in a right-to-left run with the glyph of ")", as the Unicode
            bidi algorithm asks. The glyph reads back as the character it shows: a reader that
            puts the run back in logical order then mirrors it again, and gets the bracket
            that was typed, on the side it was typed.
            """
            if len(text) != 1 or not unicodedata.mirrored(text):
                return None
            shown = [
                code
                for code in self.face.glyphToChar.get(glyph, ())
                if code != ord(text) and unicodedata.mirrored(chr(code))
            ]
            return chr(min(shown)) if shown else None

        def _code(self, glyph: int, text: str) -> int:
            """The character code to draw ``glyph`` with, standing for ``text``."""
            face = self.face
            if len(text) == 1:
                code = ord(text)
                if face.charToGlyph.get(code) == glyph and not _is_private(code) and code != 0xA0:
                    return code
            key = (glyph, text)
            known = self._codes.get(key)
            if known is not None:
                return known
            with self._codes_lock:
                known = self._codes.get(key)
                if known is not None:
                    return known
                if self._next_code > _PRIVATE_LAST:  # every private code is taken
                    return int(next(iter(face.glyphToChar.get(glyph, [0]))))
                code = self._next_code
                self._next_code += 1
                advance = face.hmetrics[glyph][0] if glyph < len(face.hmetrics) else None
                face.charWidths[code] = (
                    advance * self._scale if advance is not None else face.defaultWidth
                )
                face.charToGlyph[code] = glyph
                self.stands_for[code] = text
                self._codes[key] = code
            return code

        # -- the ToUnicode map ------------------------------------------------------------------

        def addObjects(self, doc: Any) -> None:
            """Add the font to ``doc`` (reportlab), with ToUnicode maps that give the text."""
            state = self.state.get(doc)
            subsets = [list(subset) for subset in state.subsets] if state is not None else []
            super().addObjects(doc)
            for number, subset in enumerate(subsets):
                name = b"".join(
                    (SUBSETN(number), b"+", self.face.name, self.face.subfontNameX)
                ).decode("pdfdoc")
                stream = doc.idToObject.get("toUnicodeCMap:" + name)
                if stream is not None:
                    stream.content = to_unicode_cmap(name, subset, self.stands_for)

    _font_class = ReportFont
    return ReportFont


_font_class: type | None = None


def _glyph_texts(text: str, clusters: Sequence[int], positions: Sequence[Any]) -> list[str]:
    """The characters of ``text`` that each shaped glyph stands for (logical order).

    Each cluster's characters go to its widest glyph; a glyph drawn with no advance (a mark on
    its base, a joiner) gives its characters to the glyph of the cluster before it, so a reader
    gets the whole letter, marks included, from the base glyph.
    """
    starts = sorted(set(clusters))
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    owner: dict[int, int] = {}
    for index, cluster in enumerate(clusters):
        best = owner.get(cluster)
        if best is None or positions[index].x_advance > positions[best].x_advance:
            owner[cluster] = index
    texts = [""] * len(clusters)
    previous: int | None = None
    for cluster in starts:
        index = owner[cluster]
        part = text[cluster : ends[cluster]]
        if previous is not None and positions[index].x_advance == 0:
            texts[previous] += part
        else:
            texts[index] += part
            previous = index
    if starts and starts[0] > 0:  # characters before the first cluster (never seen; kept)
        texts[owner[starts[0]]] = text[: starts[0]] + texts[owner[starts[0]]]
    return texts
