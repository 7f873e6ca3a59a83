"""Signed JSON documents of ours (the school card, the receipt, the package's manifest): the
checks every reader makes on their shape, and base64 for the bytes they carry."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from harmonize_evidence.domain.errors import BadInput, VerificationFailed

FORMAT_VERSION = 1


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    """Bytes from base64 text, or :class:`VerificationFailed` naming ``what``."""
    if not isinstance(text, str):
        raise VerificationFailed(f"The {what} is missing.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationFailed(f"The {what} is not valid base64.") from exc


def json_object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise VerificationFailed(f"The {what} is missing or is not a JSON object.")
    return value


def text_field(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise VerificationFailed(f"The {what} has no {key.replace('_', ' ')}.")
    return value


def int_field(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationFailed(f"The {what} has no valid {key.replace('_', ' ')}.")
    return value


def document_of(data: bytes, format_name: str, what: str) -> dict[str, Any]:
    """A signed JSON document of ours, its format and version checked."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        if format_name.encode() in data[:4096]:  # it says it is one: cut short, or changed
            raise BadInput(
                f"This {what} is damaged (cut short or changed), so it cannot be read; ask for "
                "it again."
            ) from exc
        raise BadInput(f"This file is not a {what}: it is not JSON.") from exc
    document = value if isinstance(value, dict) else {}
    if document.get("format") != format_name:
        raise BadInput(f"This file is not a {what}.")
    if document.get("version") != FORMAT_VERSION:
        raise BadInput(
            f"This {what} is of version {document.get('version')!r}, which this version of the "
            "program does not read; update the program."
        )
    return document
