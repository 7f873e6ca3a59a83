"""Rules for free text typed by users: titles, notes, names, descriptions.

User text is data. It is stored exactly as typed, except that characters that could hide or
reorder what a reader sees (control characters, bidirectional overrides) are refused, and each
field has a length cap so one paste cannot swamp a report.

Text must also be text: on POSIX, arguments, environment variables and file names are bytes, and
Python hands the bytes that are not UTF-8 over as lone surrogates (U+DC80..U+DCFF,
"surrogateescape"); a Windows file name can hold half of a UTF-16 pair. Such a value cannot be
stored, signed or printed as it is, so it is refused, and shown with ``\\xNN`` escapes.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from harmonize_evidence.domain.errors import BadInput

# Bidi embeddings/overrides/isolates: they make text display in a different order than stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

TITLE_MAX = 200
NAME_MAX = 200
PEOPLE_MAX = 2000
NOTE_MAX = 20000


_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
NOT_TEXT = "is not valid text (it holds bytes that are not UTF-8)"


def has_undecodable_bytes(value: str) -> bool:
    """True when ``value`` holds bytes that were not UTF-8 (lone surrogates), so it is not text."""
    return _LONE_SURROGATES.search(value) is not None


def printable(value: str) -> str:
    """``value`` with each byte that was not UTF-8 shown as ``\\xNN``, ready to print or store."""
    return _LONE_SURROGATES.sub(_escape_surrogate, value)


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that surrogateescape kept: show the byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def has_hidden_characters(value: str, *, multiline: bool) -> bool:
    """True when ``value`` holds control or bidi-override characters."""
    for char in value:
        if char in _BIDI_CONTROLS:
            return True
        if unicodedata.category(char) == "Cc" and not (multiline and char in "\n\r\t"):
            return True
    return False


def check_text(
    value: str, what: str, *, max_length: int, multiline: bool = False, required: bool = True
) -> str:
    """Return ``value`` if it is acceptable as ``what``, else raise :class:`BadInput`."""
    if required and not value.strip():
        raise BadInput(f"The {what} is empty; please type something.")
    if len(value) > max_length:
        raise BadInput(
            f"The {what} is {len(value):,} characters long; the limit is {max_length:,}."
        )
    if has_undecodable_bytes(value):
        raise BadInput(f"The {what} {NOT_TEXT}; please type it again.")
    if has_hidden_characters(value, multiline=multiline):
        raise BadInput(
            f"The {what} contains control or text-direction characters; "
            "please retype it without them."
        )
    return value


_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=20_000)
def search_folded(text: str) -> str:
    """Text as a search matches it, blind to accents and case: transliterated to ASCII
    (``Łukasz``: ``lukasz``, ``Zoë``: ``zoe``, Arabic to its Latin reading), case-folded, and
    each word preceded by a space, so that a search word matches the start of a word."""
    from anyascii import anyascii  # only when a search runs: not at start-up

    return " " + _NOT_WORD.sub(" ", anyascii(text).casefold()).strip()


def one_line(text: str) -> str:
    """Text typed over several lines (a contact: a phone, an email) on one line: each line's
    spaces tidied, the lines joined by semicolons, empty lines left out."""
    return "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
