"""Reading an exhibit in the program: an email, a text file or a PDF, shown as plain text.

The conversions here take an exhibit's bytes and return a :class:`Reading`: labelled fields (an
email's sender, recipients, date and subject), passages of plain text under headings (a PDF's
pages), and notes on how it was read (an encoding that had to be guessed, a cap on what is shown).
Nothing is rendered as HTML and nothing is fetched: an email that has only HTML is turned into
plain text here. Control and text-direction characters are shown as visible symbols, never raw.

An exhibit may be hostile (a crafted email or PDF sent to a member of staff), so no conversion
raises on any input: what cannot be read becomes a note. Very large exhibits are cut at
:data:`READ_CHARACTERS` characters or :data:`READ_PAGES` pages, with a note saying so.

Why this module is over 500 lines: it is three small readers (text, email with its HTML, PDF)
that share one result type and one safety rule (nothing raw, nothing fetched, every input ends
in text or a note); kept together, the rule is checked in one place.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING

from harmonize_evidence.domain.errors import BadInput, Cancelled
from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.domain.wording import moment_text

if TYPE_CHECKING:
    from email.message import EmailMessage, MIMEPart

    from pypdf import PdfReader

    from harmonize_evidence.services.evidence import EvidenceStore

log = logging.getLogger(__name__)

READ_CHARACTERS = 200_000
"""At most this many characters of an exhibit are shown; the rest is read from a saved copy."""
READ_PAGES = 50
"""At most this many pages of a PDF are shown."""
REST_IN_A_COPY = "Save a copy to read the rest."

PageCallback = Callable[[int, int], None]
"""Told (page number, pages to read) before each PDF page is read; it may raise
:class:`Cancelled` to stop."""


class ReadingForm(StrEnum):
    """How an exhibit can be read in the program."""

    EMAIL = "email"
    TEXT = "text"
    PDF = "pdf"


def reading_form(exhibit: Exhibit) -> ReadingForm | None:
    """How ``exhibit`` can be read as text, or None (a picture, a sound, no bytes)."""
    if not exhibit.has_bytes:
        return None
    media_type = exhibit.media_type.lower()
    if media_type == "message/rfc822":
        return ReadingForm.EMAIL
    if media_type == "application/pdf":
        return ReadingForm.PDF
    if media_type.startswith("text/"):
        return ReadingForm.EMAIL if exhibit.kind is ExhibitKind.EMAIL else ReadingForm.TEXT
    return None


@dataclass(frozen=True)
class Passage:
    """Plain text under a heading (a PDF's page, an email's body); never markup."""

    heading: str
    """Empty when the passage has none."""
    text: str


@dataclass(frozen=True)
class Reading:
    """An exhibit as the program shows it to be read."""

    fields: tuple[tuple[str, str], ...] = ()
    """(label, value) rows above the text: an email's From, To, Cc, Date and Subject."""
    passages: tuple[Passage, ...] = ()
    notes: tuple[str, ...] = ()
    """Sentences on how it was read: a guessed encoding, pages without text, what was cut."""
    cut: bool = False
    """Whether only the start is shown (see :data:`READ_CHARACTERS`, :data:`READ_PAGES`)."""

    @property
    def text(self) -> str:
        """Everything shown, as one plain text (fields, then each passage under its heading)."""
        parts = [f"{label}: {value}" for label, value in self.fields]
        for passage in self.passages:
            if passage.heading:
                parts.append(passage.heading)
            parts.append(passage.text)
        return "\n".join(parts)


# -- visible text ---------------------------------------------------------------------------------

_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_HIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␇ ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\u27e8U+{code:04X}\u27e9"  # ⟨U+202E⟩: a text-direction or other invisible control


def visible_text(text: str) -> str:
    """``text`` with line breaks made ``\\n`` and every other control or text-direction
    character shown as a visible symbol (``␀``, ``⟨U+202E⟩``) rather than acted on."""
    return _HIDDEN.sub(_shown, _LINE_BREAKS.sub("\n", text))


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit], True


def _characters_note(limit: int) -> str:
    return f"Only the first {limit:,} characters are shown. {REST_IN_A_COPY}"


# -- text files -----------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", ""),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_SINGLE_BYTE = [
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "koi8_r",
    "iso8859_15",
]
"""The code pages a text that is not UTF-8 is tried in (Windows ones first: a school's files)."""
_ENCODING_NAMES = {
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1257": "Windows-1257 (Baltic)",
    "koi8_r": "KOI8-R (Russian)",
    "iso8859_15": "ISO-8859-15 (Western European)",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
}


def _guess_encoding(data: bytes) -> str | None:
    """The code page ``data`` most likely is in (Windows-1252 when it reads as well as any)."""
    sample = data[: 256 * 1024]
    odd_zeros = sample[1::2].count(0)
    even_zeros = sample[0::2].count(0)
    if len(sample) >= 4 and max(odd_zeros, even_zeros) > len(sample) // 4:
        # Mostly ASCII in UTF-16 without a byte-order mark: every other byte is zero.
        return "utf_16_le" if odd_zeros > even_zeros else "utf_16_be"
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(sample, cp_isolation=_SINGLE_BYTE))
    except Exception:  # a detector's own failure must not stop the reading
        log.warning("could not guess the encoding of a text exhibit", exc_info=True)
        return None
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    best = [match.encoding for match in matches if match.chaos <= least]
    # Code pages that agree on the letters used tie; a school's text is most often Windows-1252.
    return "cp1252" if "cp1252" in best else best[0]


def decode_text(data: bytes, *, complete: bool = True) -> tuple[str, str | None]:
    """Bytes of a text file as text, and a note when they were not UTF-8.

    UTF-8 is tried first (after any byte-order mark); otherwise the encoding is guessed and the
    note names it. Bytes that do not fit are shown as ``�``. ``complete`` is false when ``data``
    is only the start of the file, so a character cut in two at its end is not a fault. Never
    raises.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom) and name:
            text = data.decode(codec, errors="replace")
            return text, f"This file is in {name} (it says so at its start), not UTF-8."
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return utf8.decode(data, final=complete), None
    except UnicodeDecodeError:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig", errors="replace"), (
                "Some bytes of this file are not UTF-8, which it says it is; they are shown as �."
            )
    encoding = _guess_encoding(data)
    if encoding is None:
        return data.decode("cp1252", errors="replace"), (
            "This file is not UTF-8 and its encoding could not be told, so it is shown as "
            "Windows-1252 (Western European); some characters may be wrong."
        )
    name = _ENCODING_NAMES.get(encoding, encoding.upper())
    return data.decode(encoding, errors="replace"), (
        f"This file is not UTF-8; it is shown as {name}, which it appears to be. Some "
        "characters may be wrong."
    )


def read_text(data: bytes, *, limit: int = READ_CHARACTERS) -> Reading:
    """A text file as a :class:`Reading` (at most ``limit`` characters)."""
    # Only the start is decoded: a character takes at most 4 bytes.
    start = data[: 4 * limit + 4]
    text, note = decode_text(start, complete=len(start) == len(data))
    text, cut = _cut(visible_text(text), limit)
    cut = cut or len(start) < len(data)
    notes = [] if note is None else [note]
    if cut:
        notes.append(_characters_note(limit))
    return Reading(passages=(Passage("", text),), notes=tuple(notes), cut=cut)


# -- email ----------------------------------------------------------------------------------------

_EMAIL_FIELDS = (
    ("From", "from"),
    ("To", "to"),
    ("Cc", "cc"),
    ("Date", "date"),
    ("Subject", "subject"),
)
_ALWAYS_SHOWN = {"from", "to", "date", "subject"}


def read_email(data: bytes, zone: tzinfo, *, limit: int = READ_CHARACTERS) -> Reading:
    """An email (RFC 5322 bytes) as a :class:`Reading`: its sender, recipients, date (in
    ``zone``, with the date as written) and subject; its plain-text body, or its HTML body
    turned into plain text; and a list of its attachments by name, type and size."""
    # The email package is imported here, not with this module: the desktop program imports
    # this module for the incident view, and the email package took 20-25 ms of its start.
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    try:
        message = message_from_bytes(data, policy=policy.default)
    except Exception:
        log.warning("an email exhibit could not be parsed", exc_info=True)
        return Reading(
            notes=("This email could not be read; save a copy and open it in an email program.",)
        )
    assert isinstance(message, EmailMessage)
    fields = []
    for label, name in _EMAIL_FIELDS:
        value = _header(message, name, zone)
        if value is None and name not in _ALWAYS_SHOWN:
            continue
        fields.append((label, "(not given)" if value is None else value))
    notes: list[str] = []
    body, body_note = _email_body(message)
    if body_note:
        notes.append(body_note)
    text, cut = _cut(visible_text(body), limit)
    if cut:
        notes.append(_characters_note(limit))
    passages = [Passage("Message", text)]
    attachments = _attachments(message)
    if attachments:
        passages.append(Passage(f"Attachments ({len(attachments)})", "\n".join(attachments)))
    return Reading(tuple(fields), tuple(passages), tuple(notes), cut)


def _header(message: EmailMessage, name: str, zone: tzinfo) -> str | None:
    raw = _raw_header(message, name)
    if raw is None:
        return None
    try:
        header = message[name]
        value = str(header)
        if name == "date":
            moment = getattr(header, "datetime", None)
            if moment is not None:
                if moment.tzinfo is None:  # "-0000": the sender's zone is unknown; it is UTC
                    moment = moment.replace(tzinfo=UTC)
                value = f"{moment_text(moment, zone)}; as written: {raw.strip()}"
    except Exception:  # a header the parser chokes on is shown as written
        log.info("an email header could not be decoded", exc_info=True)
        value = raw
    return visible_text(" ".join(value.split()))


def _raw_header(message: EmailMessage, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _email_body(message: EmailMessage) -> tuple[str, str | None]:
    try:
        plain = message.get_body(preferencelist=("plain",))
        html = None if plain is not None else message.get_body(preferencelist=("html",))
    except Exception:  # deep nesting, a broken structure
        log.info("an email's body could not be found", exc_info=True)
        return "", "This email's structure is damaged, so its text cannot be shown."
    if plain is not None:
        return _part_text(plain)
    if html is not None:
        from harmonize_evidence.services.html_text import html_to_text

        text, note = _part_text(html)
        return html_to_text(text[: 4 * READ_CHARACTERS]), note or (
            "This email has only an HTML version; it is shown as plain text, and nothing in it "
            "was loaded or run."
        )
    return "", "This email has no text to show."


def _part_text(part: MIMEPart) -> tuple[str, str | None]:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content, None
    except Exception:  # an unknown charset, a damaged transfer encoding
        log.info("an email part's text could not be decoded", exc_info=True)
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        return "", "This email's text could not be decoded."
    text, note = decode_text(payload)
    return text, note and note.replace("This file", "This email's text")


def _attachments(message: EmailMessage) -> list[str]:
    from email.message import MIMEPart

    lines = []
    try:
        for part in message.walk():
            if part.is_multipart() or not (part.is_attachment() or part.get_filename()):
                continue
            assert isinstance(part, MIMEPart)
            lines.append(_attachment_line(part))
    except Exception:
        log.info("an email's attachments could not all be listed", exc_info=True)
        lines.append("(the rest of this email is damaged; its attachments cannot be listed)")
    return lines


def _attachment_line(part: MIMEPart) -> str:
    try:
        name = part.get_filename() or "(no name)"
    except Exception:
        name = "(a name that cannot be read)"
    try:
        media_type = part.get_content_type()
    except Exception:
        media_type = "unknown type"
    try:
        payload = part.get_payload(decode=True)
        size = f"{len(payload):,} bytes" if isinstance(payload, bytes) else "size unknown"
    except Exception:
        size = "size unknown"
    return visible_text(" ".join(f"{name} · {media_type} · {size}".split()))


# -- PDF ------------------------------------------------------------------------------------------

NO_PAGE_TEXT = (
    "This page has no text to show (it may be a picture of text); save a copy to see the page."
)


def read_pdf(
    data: bytes,
    *,
    max_pages: int = READ_PAGES,
    limit: int = READ_CHARACTERS,
    on_page: PageCallback | None = None,
) -> Reading:
    """A PDF's text, page by page, each under a heading (``Page 3 of 12``), as a
    :class:`Reading`; at most ``max_pages`` pages and ``limit`` characters."""
    from pypdf import PdfReader

    unreadable = Reading(
        notes=(
            "The text of this PDF cannot be read here (it is damaged, or not a PDF); save a copy "
            "and open it in a PDF reader.",
        )
    )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Reading(
                notes=(
                    "This PDF is protected by a password, so its text cannot be shown here; "
                    "save a copy and open it in a PDF reader.",
                )
            )
        count = len(reader.pages)
    except Cancelled:
        raise
    except Exception:
        log.info("a PDF exhibit could not be opened", exc_info=True)
        return unreadable
    if count == 0:
        return Reading(notes=("This PDF has no pages.",))
    to_read = min(count, max_pages)
    passages: list[Passage] = []
    notes: list[str] = []
    empty: list[int] = []
    left = limit
    cut = False
    for number in range(1, to_read + 1):
        if on_page is not None:
            on_page(number, to_read)
        text = _page_text(reader, number)
        if text is None:
            text = "The text of this page cannot be read; save a copy to see the page."
        elif not text.strip():
            empty.append(number)
            text = NO_PAGE_TEXT
        else:
            text = visible_text(text)
        text, cut = _cut(text, left)
        passages.append(Passage(f"Page {number} of {count}", text))
        left -= len(text)
        if cut or left <= 0:
            cut = cut or number < count
            break
    shown = len(passages)
    if cut:
        notes.append(
            f"Only the first {limit:,} characters (from {shown} of {count} pages) are shown. "
            f"{REST_IN_A_COPY}"
        )
    elif shown < count:
        cut = True
        notes.append(f"Only the first {shown} of {count} pages are shown. {REST_IN_A_COPY}")
    if empty:
        which = ", ".join(str(page) for page in empty)
        pages = "Page" if len(empty) == 1 else "Pages"
        notes.append(f"{pages} {which} of this PDF {'has' if len(empty) == 1 else 'have'} no text.")
    return Reading(passages=tuple(passages), notes=tuple(notes), cut=cut)


def _page_text(reader: PdfReader, number: int) -> str | None:
    try:
        text = reader.pages[number - 1].extract_text()
    except Cancelled:
        raise
    except Exception:  # RecursionError and the like from a crafted page, too
        log.info("the text of a PDF page could not be read", exc_info=True)
        return None
    return text if isinstance(text, str) else ""


# -- the use case ---------------------------------------------------------------------------------


def read_exhibit(
    store: EvidenceStore,
    incident_id: str,
    ref: str,
    *,
    on_page: PageCallback | None = None,
) -> Reading:
    """Read exhibit ``ref`` of ``incident_id`` to show it as text (an email, a text file, a PDF).

    Raises :class:`BadInput` for an exhibit that cannot be read this way. Only as much of a text
    file is read from the store as can be shown.
    """
    exhibit = store.exhibit(incident_id, ref)
    form = reading_form(exhibit)
    if form is None:
        raise BadInput(
            f"Exhibit {exhibit.ref} cannot be read as text here; save a copy to open it."
        )
    if form is ReadingForm.TEXT:
        wanted = 4 * READ_CHARACTERS + 8
        chunks, size = [], 0
        for chunk in store.read_exhibit(exhibit.incident_id, exhibit.ref):
            chunks.append(chunk)
            size += len(chunk)
            if size > wanted:
                break
        return read_text(b"".join(chunks))
    data = store.exhibit_bytes(exhibit.incident_id, exhibit.ref)
    if form is ReadingForm.EMAIL:
        return read_email(data, store.clock.zone)
    return read_pdf(data, on_page=on_page)
