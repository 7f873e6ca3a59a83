"""The words of a plain-text exhibit as the report prints them (export/text_preview.py)."""

from __future__ import annotations

import codecs
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.export.text_preview import (
    PREVIEW_MAX_BYTES,
    PREVIEW_MAX_LINES,
    TextFeeder,
    preview_of,
)

_HIDDEN = {"Cc", "Cf", "Cs", "Co"}


def _printed_safely(text: str) -> bool:
    """Nothing in it moves, hides or breaks the text around it (joiners apart)."""
    return all(
        c == "\n" or c in "\u200c\u200d" or unicodedata.category(c) not in _HIDDEN for c in text
    )


@given(st.binary(max_size=3 * PREVIEW_MAX_BYTES), st.integers(min_value=1, max_value=5))
def test_any_bytes_fed_in_any_pieces_print_safely_and_never_past_the_limits(
    data: bytes, pieces: int
) -> None:
    feeder = TextFeeder(len(data))
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        feeder.feed(memoryview(data)[start : start + step])
    preview = feeder.finish()
    assert preview == preview_of(data[:PREVIEW_MAX_BYTES], len(data))
    assert _printed_safely(preview.text)
    assert preview.shown_lines <= PREVIEW_MAX_LINES
    assert preview.text.count("\n") <= max(0, preview.shown_lines - 1)
    if len(data) > PREVIEW_MAX_BYTES:
        assert not preview.complete
    caption = preview.caption("exhibits/ZL-3.txt")
    assert caption.endswith(".") and "exhibits/ZL-3.txt" in caption


_WORDS = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Zl", "Zp")), max_size=60
).filter(lambda line: "\x85" not in line)


@given(st.lists(_WORDS, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_a_small_text_file_prints_whole_line_for_line(
    lines: list[str], newline: str, bom: bool
) -> None:
    data = (codecs.BOM_UTF8 if bom else b"") + newline.join(lines).encode("utf-8")
    preview = preview_of(data, len(data))
    assert preview.complete and not preview.replaced and not preview.coded
    assert preview.text == "\n".join(lines).rstrip("\n") or (
        preview.text == "\n".join(lines[:-1]) and lines[-1] == ""
    )
    assert "The whole of the text" in preview.caption("x.txt")


def test_what_would_hide_or_reorder_text_prints_as_its_code() -> None:
    data = "a\u202eb\u202c\x07c\td\u200de".encode()
    preview = preview_of(data, len(data))
    assert preview.text == "a<U+202E>b<U+202C><U+0007>c  d\u200de"  # the tab: to column 8
    assert preview.coded and "print as their code" in preview.caption("x.txt")


def test_utf16_with_its_mark_and_bytes_that_are_not_utf8() -> None:
    utf16 = codecs.BOM_UTF16_LE + "Zażółć\r\n".encode("utf-16-le")
    assert preview_of(utf16, len(utf16)).text == "Zażółć"
    assert preview_of(utf16, len(utf16)).encoding == "UTF-16"
    latin = "café\n".encode("latin-1")
    shown = preview_of(latin, len(latin))
    assert shown.text == "caf\ufffd" and shown.replaced
    assert "print as \ufffd" in shown.caption("x.txt")


def test_a_long_file_prints_its_first_lines_and_says_so() -> None:
    data = b"".join(f"line {n}\n".encode() for n in range(PREVIEW_MAX_LINES + 50))
    preview = preview_of(data, len(data))
    assert not preview.complete and preview.shown_lines == PREVIEW_MAX_LINES
    assert preview.text.splitlines()[-1] == f"line {PREVIEW_MAX_LINES - 1}"
    assert preview.caption("x.txt").startswith(
        f"The first {PREVIEW_MAX_LINES} lines of the text in x.txt (a file of {len(data):,} bytes)"
    )
    # Cut by the byte limit inside a line, and inside a character: the cut line is left out.
    cut = ("é" * 10 + "\n").encode() * 3
    partial = preview_of(cut[:-3], len(cut))
    assert partial.text == "\n".join(["é" * 10] * 2) and not partial.replaced
