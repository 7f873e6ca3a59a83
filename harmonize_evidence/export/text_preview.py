"""The words of a plain-text exhibit, as the report prints them beneath its table.

A ``text/plain`` exhibit (a message or an email saved as text) is read as its bytes stream into
the bundle, like an image (:mod:`.images`): its first :data:`PREVIEW_MAX_BYTES` are kept, decoded
as UTF-8 (UTF-16 when the file starts with its byte order mark), and at most
:data:`PREVIEW_MAX_LINES` lines of them print. What prints is what the file holds, never
interpreted: bytes that are not UTF-8 print as U+FFFD, and characters that would move or hide
text on the page (controls, bidirectional overrides) print as their code, ``<U+202E>``. The
caption says which part of the file it is; the file itself is in the bundle.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

TEXT_MEDIA_TYPES = frozenset({"text/plain"})
"""The media types whose text the report prints."""

PREVIEW_MAX_BYTES = 32 * 1024
"""At most this much of a file is printed (about four pages)."""

PREVIEW_MAX_LINES = 300

_TAB = 4
# Bidirectional embeddings, overrides and isolates, and the marks: they reorder what is shown.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Joiners shape the characters beside them (an emoji family, Arabic or Indic script).
_JOINERS = frozenset("\u200c\u200d")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class TextPreview:
    """The part of a plain-text exhibit that the report prints."""

    text: str
    """Its lines, ready to print."""
    file_bytes: int
    """The size of the whole file."""
    shown_lines: int
    complete: bool
    """Whether :attr:`text` is the whole file."""
    encoding: str
    """``UTF-8`` or ``UTF-16``."""
    replaced: bool
    """Whether bytes that are not text in :attr:`encoding` were printed as U+FFFD."""
    coded: bool
    """Whether a character printed as its code (``<U+202E>``)."""

    def caption(self, file_name: str) -> str:
        """What the printed text is, in one sentence."""
        if self.complete:
            said = f"The whole of the text in {file_name}, read as {self.encoding}"
        else:
            said = (
                f"The first {self.shown_lines:,} lines of the text in {file_name} (a file of "
                f"{self.file_bytes:,} bytes), read as {self.encoding}"
            )
        said += "; spaces at the start of a line and between words print as one space"
        if self.replaced:
            said += f"; bytes that are not {self.encoding} print as \ufffd"
        if self.coded:
            said += "; characters that would hide or reorder text print as their code, as <U+202E>"
        return said + "."


def shown_character(character: str) -> str:
    """A character as the report prints it: itself, or its code when it would move, hide or
    break the text around it."""
    if character in _JOINERS:
        return character
    if character in _BIDI or unicodedata.category(character) in ("Cc", "Cf", "Cs", "Co"):
        return f"<U+{ord(character):04X}>"
    return character


class TextFeeder:
    """Keeps the first :data:`PREVIEW_MAX_BYTES` of a file as it streams (see :mod:`.images`)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept = bytearray()

    def feed(self, chunk: bytes | memoryview) -> None:
        """Take the next piece of the file."""
        room = PREVIEW_MAX_BYTES - len(self._kept)
        if room > 0:
            self._kept += chunk[:room]

    def finish(self) -> TextPreview:
        """The preview of what was fed."""
        return preview_of(bytes(self._kept), self._size)


def preview_of(data: bytes, file_bytes: int) -> TextPreview:
    """The preview of ``data``, the first bytes of a file of ``file_bytes`` bytes."""
    whole = len(data) >= file_bytes
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, decoder = "UTF-16", codecs.getincrementaldecoder("utf-16")("replace")
    else:
        encoding, decoder = "UTF-8", codecs.getincrementaldecoder("utf-8-sig")("replace")
    # A cut inside a character is the cut's doing, not the file's: left out, not replaced.
    text = decoder.decode(data, final=whole)
    replaced = "\ufffd" in text
    lines = _LINE_BREAKS.split(text)
    if not whole and len(lines) > 1:
        lines.pop()  # the last line was cut short by the byte limit
    if lines and lines[-1] == "" and whole:
        lines.pop()  # the file's last line break ends a line; it starts none
    complete = whole and len(lines) <= PREVIEW_MAX_LINES
    lines = lines[:PREVIEW_MAX_LINES]
    expanded = "\n".join(line.expandtabs(_TAB) for line in lines)
    shown = "".join(shown_character(c) if c != "\n" else c for c in expanded)
    coded = len(shown) != len(expanded)
    return TextPreview(
        text=shown,
        file_bytes=file_bytes,
        shown_lines=len(lines),
        complete=complete,
        encoding=encoding,
        replaced=replaced,
        coded=coded,
    )
