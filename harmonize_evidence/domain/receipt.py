"""The lead's receipt for a handover.

Receipt, version 1 (JSON, UTF-8): the lead's signed statement that a package was received::

    {"format": "harmonize-evidence/receipt", "version": 1,
     "receipt": {"case": ..., "staff_incident": ..., "staff_fingerprint": ...,
                 "package_sha256": ..., "chain_head": {"seq": N, "hash": ...},
                 "received_utc": ..., "lead": ..., "school": ..., "lead_fingerprint": ...,
                 "case_status": ..., "reported_utc": ...},
     "signature": ..., "signer_pem": ..., "ca_pem": ...}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harmonize_evidence.domain.chain import canonical_json
from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.errors import VerificationFailed
from harmonize_evidence.domain.signed_documents import (
    FORMAT_VERSION,
    b64,
    document_of,
    int_field,
    json_object,
    text_field,
    unb64,
)

RECEIPT_FORMAT = "harmonize-evidence/receipt"
RECEIPT_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Receipt:
    """The lead's statement that the package with this SHA-256 was received."""

    case: str
    staff_incident: str
    staff_fingerprint: str
    package_sha256: str
    head_seq: int
    head_hash: str
    received_utc: str
    lead: str
    school: str
    lead_fingerprint: str
    case_status: str = ""
    """The case's status on the lead's store when the receipt was written (``referred-to-police``):
    how the lead reports the case back to the member of staff."""
    reported_utc: str = ""
    """When the receipt was written."""

    def body(self) -> dict[str, Any]:
        """The signed part, as JSON values."""
        return {
            "case_status": self.case_status,
            "reported_utc": self.reported_utc,
            "case": self.case,
            "staff_incident": self.staff_incident,
            "staff_fingerprint": self.staff_fingerprint,
            "package_sha256": self.package_sha256,
            "chain_head": {"seq": self.head_seq, "hash": self.head_hash},
            "received_utc": self.received_utc,
            "lead": self.lead,
            "school": self.school,
            "lead_fingerprint": self.lead_fingerprint,
        }

    def signed_bytes(self) -> bytes:
        """The bytes the lead signs."""
        return canonical_json(self.body())

    def file_bytes(self, signature: bytes, signer_pem: bytes, ca_pem: bytes) -> bytes:
        """The receipt as a file."""
        document = {
            "format": RECEIPT_FORMAT,
            "version": FORMAT_VERSION,
            "receipt": self.body(),
            "signature": b64(signature),
            "signer_pem": signer_pem.decode("ascii"),
            "ca_pem": ca_pem.decode("ascii"),
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def is_receipt(data: bytes) -> bool:
    """Whether these bytes claim to be a receipt (checked properly by :func:`parse_receipt`)."""
    return data.lstrip()[:1] == b"{" and RECEIPT_FORMAT.encode() in data[:4096]


def parse_receipt(data: bytes) -> tuple[Receipt, bytes, bytes, bytes]:
    """A receipt file's receipt, signature, signing certificate and CA certificate (unchecked).

    Raises:
        BadInput: not a receipt, or a version this program does not read.
        VerificationFailed: a receipt whose parts are missing or malformed.
    """
    document = document_of(data, RECEIPT_FORMAT, "receipt")
    body = json_object(document.get("receipt"), "receipt")
    head = json_object(body.get("chain_head"), "receipt's chain head")
    what = "receipt"
    receipt = Receipt(
        case=text_field(body, "case", what),
        staff_incident=text_field(body, "staff_incident", what),
        staff_fingerprint=text_field(body, "staff_fingerprint", what),
        package_sha256=text_field(body, "package_sha256", what),
        head_seq=int_field(head, "seq", "receipt's chain head"),
        head_hash=text_field(head, "hash", "receipt's chain head"),
        received_utc=_utc(text_field(body, "received_utc", what), "received time"),
        lead=text_field(body, "lead", what),
        school=text_field(body, "school", what),
        lead_fingerprint=text_field(body, "lead_fingerprint", what),
        case_status=str(body.get("case_status", "")),
        reported_utc=_utc(
            str(body.get("reported_utc", "")), "time of the case's status", empty=True
        ),
    )
    return (
        receipt,
        unb64(document.get("signature"), "receipt's signature"),
        text_field(document, "signer_pem", what).encode("ascii", "replace"),
        text_field(document, "ca_pem", what).encode("ascii", "replace"),
    )


def _utc(text: str, what: str, *, empty: bool = False) -> str:
    """``text`` when it is a UTC time as the program writes one (or empty, where allowed)."""
    if empty and not text:
        return text
    try:
        parse_utc(text)
    except ValueError:
        raise VerificationFailed(f"The receipt's {what} is not a time.") from None
    return text
