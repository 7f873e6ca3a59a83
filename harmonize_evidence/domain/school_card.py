"""The school card: what a member of staff needs to hand evidence to their school's lead.

School card, version 1 (JSON, UTF-8)::

    {"format": "harmonize-evidence/school-card", "version": 1,
     "card": {"school": ..., "lead": ..., "lead_initials": ..., "contact": ...,
              "recipient": "age1...", "ca_pem": ..., "signer_pem": ...},
     "signature": "<base64 DER ECDSA over the RFC 8785 JSON of card>"}

The lead's age recipient is signed with the CA that the fingerprint names, so a card whose key was
swapped fails at ``join`` even when its CA certificate (and so its fingerprint) is the lead's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from harmonize_evidence.domain.chain import canonical_json
from harmonize_evidence.domain.errors import VerificationFailed
from harmonize_evidence.domain.signed_documents import (
    FORMAT_VERSION,
    b64,
    document_of,
    json_object,
    text_field,
    unb64,
)

CARD_FORMAT = "harmonize-evidence/school-card"
CARD_MAX_BYTES = 1024 * 1024
_AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


@dataclass(frozen=True)
class SchoolCard:
    """What a member of staff needs to hand evidence to their school's safeguarding lead."""

    school: str
    lead: str
    lead_initials: str
    contact: str
    recipient: str
    """The lead's age X25519 recipient (``age1...``)."""
    ca_pem: bytes
    signer_pem: bytes

    def body(self) -> dict[str, Any]:
        """The signed part, as JSON values."""
        return {
            "school": self.school,
            "lead": self.lead,
            "lead_initials": self.lead_initials,
            "contact": self.contact,
            "recipient": self.recipient,
            "ca_pem": self.ca_pem.decode("ascii"),
            "signer_pem": self.signer_pem.decode("ascii"),
        }

    def signed_bytes(self) -> bytes:
        """The bytes the lead signs."""
        return canonical_json(self.body())

    def file_bytes(self, signature: bytes) -> bytes:
        """The card as a file, with the lead's signature."""
        document = {
            "format": CARD_FORMAT,
            "version": FORMAT_VERSION,
            "card": self.body(),
            "signature": b64(signature),
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def parse_card(data: bytes) -> tuple[SchoolCard, bytes]:
    """A card file's card and signature (not yet checked: see the services).

    Raises:
        BadInput: not a school card, or a version this program does not read.
        VerificationFailed: a card whose parts are missing or malformed.
    """
    document = document_of(data, CARD_FORMAT, "school card")
    body = json_object(document.get("card"), "school card")
    what = "school card"
    recipient = text_field(body, "recipient", what)
    if not _AGE_RECIPIENT.match(recipient):
        raise VerificationFailed("The school card's encryption key is not an age X25519 key.")
    card = SchoolCard(
        school=text_field(body, "school", what),
        lead=text_field(body, "lead", what),
        lead_initials=text_field(body, "lead_initials", what),
        contact=text_field(body, "contact", what),
        recipient=recipient,
        ca_pem=text_field(body, "ca_pem", what).encode("ascii", "replace"),
        signer_pem=text_field(body, "signer_pem", what).encode("ascii", "replace"),
    )
    return card, unb64(document.get("signature"), "school card's signature")
