"""Reading an email, a text file or a PDF exhibit in the program, as plain text.

An exhibit can be hostile (a crafted email sent to a member of staff), so the conversions are
tried on whatever Hypothesis makes, including real files damaged at random, and must never
raise or let a control or text-direction character through raw.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.services.html_text import html_to_text
from harmonize_evidence.services.reading import (
    NO_PAGE_TEXT,
    ReadingForm,
    read_email,
    read_pdf,
    read_text,
    reading_form,
    visible_text,
)

LONDON = ZoneInfo("Europe/London")
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def _shown_raw(text: str) -> list[str]:
    return RAW_CONTROL.findall(text)


def _email(html: str | None = None, plain: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Łukasz Nowak <l.nowak@example.com>"
    message["To"] = "Zoë Lane <z.lane@oakhill.sch.uk>"
    message["Cc"] = "head@oakhill.sch.uk"
    message["Date"] = "Fri, 20 Nov 2026 21:40:00 +0000"
    message["Subject"] = "You are finished"
    if plain is not None:
        message.set_content(plain)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html or "", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename="threat.pdf"
    )
    for number, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"==boundary {number}==")  # not random: Hypothesis draws these
    return message.as_bytes()


def _pdf(pages: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    for text in pages:
        if text:
            page.drawString(72, 700, text)
        page.showPage()
    page.save()
    return out.getvalue()


# -- what a teacher reads -------------------------------------------------------------------------


def test_an_email_shows_who_sent_it_when_in_local_time_and_its_plain_text() -> None:
    reading = read_email(_email(plain="See you after school.\n", html="<p>HTML</p>"), LONDON)

    fields = dict(reading.fields)
    assert fields["From"] == "Łukasz Nowak <l.nowak@example.com>"
    assert fields["To"] == "Zoë Lane <z.lane@oakhill.sch.uk>"
    assert fields["Cc"] == "head@oakhill.sch.uk"
    assert fields["Subject"] == "You are finished"
    assert fields["Date"].startswith("Fri 20 Nov 2026 21:40 GMT")
    assert "as written: Fri, 20 Nov 2026 21:40:00 +0000" in fields["Date"]
    assert reading.passages[0].text.strip() == "See you after school."
    assert "HTML" not in reading.passages[0].text
    assert reading.passages[-1].heading == "Attachments (1)"
    assert reading.passages[-1].text == "threat.pdf · application/pdf · 19 bytes"


def test_an_email_date_in_summer_is_shown_in_british_summer_time() -> None:
    data = _email(plain="x").replace(
        b"Fri, 20 Nov 2026 21:40:00 +0000", b"Mon, 1 Jun 2026 09:00 -0400"
    )
    assert dict(read_email(data, LONDON).fields)["Date"].startswith("Mon 01 Jun 2026 14:00 BST")


def test_an_html_only_email_is_shown_as_its_text_with_nothing_loaded_or_run() -> None:
    html = (
        "<html><head><title>Hi</title><style>p {color: red}</style>"
        "<script>fetch('https://evil.example/track')</script></head><body>"
        "<p>You &amp; your <b>class</b>.</p><img src='https://evil.example/pixel.png' alt='logo'>"
        "<p><a href='https://evil.example/login'>Oak Hill staff login</a></p>"
        "<ul><li>one</li><li>two</li></ul></body></html>"
    )
    reading = read_email(_email(html=html), LONDON)

    body = reading.passages[0].text
    assert body.splitlines() == [
        "You & your class.",
        "",
        "[picture: logo]",
        "",
        "Oak Hill staff login <https://evil.example/login>",
        "",
        "• one",
        "• two",
    ]
    assert "only an HTML version" in reading.notes[0]


def test_a_windows_1252_text_file_is_shown_as_such_with_a_note() -> None:
    data = "Dear Ms Lane,\r\nthe pupil said “you’re finished” — café, £5, naïve.\r\n"
    reading = read_text(data.encode("cp1252"))

    assert reading.passages[0].text == data.replace("\r\n", "\n")
    assert reading.notes == (
        "This file is not UTF-8; it is shown as Windows-1252 (Western European), which it "
        "appears to be. Some characters may be wrong.",
    )


def test_utf8_text_is_shown_without_a_note_even_when_cut_inside_a_character() -> None:
    text = "Zoë " * 100
    reading = read_text(text.encode(), limit=50)

    assert reading.passages[0].text == text[:50]
    assert reading.notes == (
        "Only the first 50 characters are shown. Save a copy to read the rest.",
    )
    assert reading.cut


def test_control_and_direction_characters_are_shown_as_symbols() -> None:
    assert visible_text("a\x00b\x1b[31mc\u202egnp.exe\r\nd\te") == (
        "a␀b␛[31mc⟨U+202E⟩gnp.exe\nd\te"
    )


def test_a_pdf_is_shown_page_by_page_and_says_which_pages_have_no_text() -> None:
    reading = read_pdf(_pdf(["He said it again", "", "Third page"]))

    assert [passage.heading for passage in reading.passages] == [
        "Page 1 of 3",
        "Page 2 of 3",
        "Page 3 of 3",
    ]
    assert reading.passages[0].text.strip() == "He said it again"
    assert reading.passages[1].text == NO_PAGE_TEXT
    assert reading.notes == ("Page 2 of this PDF has no text.",)
    assert not reading.cut


def test_a_long_pdf_shows_its_first_pages_and_says_how_to_read_the_rest() -> None:
    reading = read_pdf(_pdf([f"page {n}" for n in range(1, 6)]), max_pages=2)

    assert len(reading.passages) == 2
    assert reading.notes == (
        "Only the first 2 of 5 pages are shown. Save a copy to read the rest.",
    )
    assert reading.cut


def test_what_can_be_read_is_told_by_the_media_type() -> None:
    def exhibit(media_type: str, kind: ExhibitKind = ExhibitKind.DOCUMENT) -> Exhibit:
        now = datetime(2026, 11, 21, tzinfo=UTC)
        return Exhibit("ZL/1", "INC-2026-0001", kind, media_type, 10, "0" * 64, now)

    assert reading_form(exhibit("message/rfc822", ExhibitKind.EMAIL)) is ReadingForm.EMAIL
    assert reading_form(exhibit("text/plain", ExhibitKind.EMAIL)) is ReadingForm.EMAIL
    assert reading_form(exhibit("text/plain")) is ReadingForm.TEXT
    assert reading_form(exhibit("application/pdf")) is ReadingForm.PDF
    assert reading_form(exhibit("image/png", ExhibitKind.IMAGE)) is None
    assert reading_form(exhibit("audio/mpeg", ExhibitKind.AUDIO)) is None


# -- hostile input --------------------------------------------------------------------------------

_header_text = st.text(st.characters(codec="utf-8"), max_size=60)


@st.composite
def _email_like(draw: st.DrawFn) -> bytes:
    """Something shaped like an email, with any header values, parts and damage."""
    names = ["From", "To", "Cc", "Date", "Subject", "Content-Type", "Content-Transfer-Encoding"]
    lines = [
        f"{draw(st.sampled_from(names))}: {draw(_header_text)}"
        for _ in range(draw(st.integers(0, 8)))
    ]
    head = "\r\n".join(lines).encode("utf-8", "surrogatepass")
    body = draw(st.binary(max_size=300))
    data = head + b"\r\n\r\n" + body
    if draw(st.booleans()):
        data = _email(html=draw(st.text(max_size=200)), plain=draw(st.text(max_size=100)))
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=40)) + data[cut:]
    return data


@given(_email_like() | st.binary(max_size=500))
@settings(max_examples=200)
def test_any_email_bytes_are_read_without_error_or_raw_controls(data: bytes) -> None:
    reading = read_email(data, LONDON)
    assert _shown_raw(reading.text) == []
    assert {label for label, _value in reading.fields} >= {"From", "To", "Date", "Subject"}


@given(st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: t.encode("utf-16")))
@settings(max_examples=200)
def test_any_bytes_are_read_as_text_without_error_or_raw_controls(data: bytes) -> None:
    reading = read_text(data, limit=300)
    assert _shown_raw(reading.text) == []
    assert len(reading.passages[0].text) <= 300


@given(
    st.text(max_size=400)
    | st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<a href='x'>",
                "</a>",
                "<script>",
                "</script>",
                "<pre>",
                "<li>",
                "<br>",
                "<!--",
                "-->",
                "&amp;",
                "&#0;",
                "<img alt='",
                "'>",
                "text",
            ]
        )
    ).map("".join)
)
def test_any_html_becomes_text_without_error(html: str) -> None:
    html_to_text(html)


@st.composite
def _damaged_pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(_GOOD_PDF)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)


_GOOD_PDF = _pdf(["first page", "", "a third \u202e page"])


@given(_damaged_pdf() | st.binary(max_size=300).map(lambda b: b"%PDF-1.4\n" + b))
@settings(max_examples=80)
def test_any_damaged_pdf_is_read_without_error_or_raw_controls(data: bytes) -> None:
    reading = read_pdf(data)
    assert _shown_raw(reading.text) == []
    assert reading.passages or reading.notes


def test_text_in_windows_1252_or_utf16_is_added_as_text_and_binary_is_not() -> None:
    from harmonize_evidence.services.importing import sniff_media_type

    assert sniff_media_type("Dear Ms Lane, “finished” — £5".encode("cp1252")) == "text/plain"
    assert sniff_media_type("Dear Ms Lane".encode("utf-16")) == "text/plain"
    assert sniff_media_type(bytes(range(256)) * 4) == "application/octet-stream"
    assert sniff_media_type(b"\x01\x02\xff not text") == "application/octet-stream"
