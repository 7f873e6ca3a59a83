"""The form of a person's or a school's name that a certificate can carry.

A certificate's names are compared by every validator after RFC 4518 string preparation, and the
libraries that check our signatures (asn1crypto under pyHanko) refuse a name holding characters
unassigned in Unicode 3.2 (emoji), private-use characters, or left-to-right letters mixed with
Arabic or Hebrew ones; X.509 also caps a name at 64 characters. A school called "St Mary's Church
of England Voluntary Aided Primary School" or named in two scripts is still a school, so the
certificate gets the nearest form it can carry, and the name as typed stays everywhere else (the
store, the report, the manifest). Most names pass unchanged.
"""

from __future__ import annotations

import stringprep
import unicodedata

from asn1crypto import x509 as asn1_x509

NAME_LIMIT = 64
"""X.509's upper bound for a common or organisation name (RFC 5280, ub-common-name), counted
here in UTF-8 bytes, as the cryptography library checks it (so "é" counts two)."""


def fits_certificate(text: str) -> bool:
    """Whether validators accept ``text`` as it is in a certificate name."""
    if not text or len(text.encode("utf-8")) > NAME_LIMIT:
        return False
    value = asn1_x509.DirectoryString(name="utf8_string", value=text)
    name = asn1_x509.NameTypeAndValue({"type": "organization_name", "value": value})
    try:
        name.prepped_value  # noqa: B018 - RFC 4518 preparation, as a validator runs it
    except ValueError:
        return False
    return True


def certificate_name(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` as a certificate can carry it, within ``limit`` UTF-8 bytes (never empty)."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    candidates = [text, _without_refused(text)]
    candidates.append(_transliterated(candidates[-1]))
    for candidate in candidates:
        shortened = _shortened(candidate, limit)
        if shortened and fits_certificate(shortened):
            return shortened
    return "unnamed"


def _without_refused(text: str) -> str:
    """``text`` less the characters string preparation refuses (emoji, private use, controls)."""
    kept = [
        char
        for char in text
        if not (
            stringprep.in_table_a1(char)  # unassigned in Unicode 3.2
            or stringprep.in_table_c3(char)  # private use
            or stringprep.in_table_c4(char)  # non-characters
            or stringprep.in_table_c5(char)  # surrogates
            or stringprep.in_table_c8(char)  # change display direction
            or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn")
        )
    ]
    return " ".join("".join(kept).split())


def _transliterated(text: str) -> str:
    """``text`` in Latin letters (for a name that mixes scripts of both directions)."""
    from anyascii import anyascii

    return " ".join(anyascii(text).split())


def _shortened(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, cut at a word where one is near, marked by "..."."""
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text
    while len(cut.encode("utf-8")) > limit - 3:
        cut = cut[:-1]
    cut = cut.rstrip()
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;-") + "..."
