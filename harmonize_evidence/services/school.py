"""Joining the school: the lead's school card, and a member of staff installing it.

The lead's store makes the card (:func:`make_school_card`): the school, the lead's name and
contact, the lead's age recipient and Evidence CA, signed by the lead. A member of staff installs
it (:func:`join_school`) only once its fingerprint was confirmed with the lead by a second
channel; a card whose fingerprint was not confirmed is never kept, so never used. Joining again
with another card (a new lead) keeps the old one as the record of who the lead was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence.domain.errors import BadInput, VerificationFailed
from harmonize_evidence.domain.handover import (
    fingerprint_matches,
    short_fingerprint,
)
from harmonize_evidence.domain.model import Role
from harmonize_evidence.domain.school_card import CARD_MAX_BYTES, SchoolCard, parse_card
from harmonize_evidence.domain.text import NAME_MAX, NOTE_MAX, check_text, one_line
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.out_paths import write_new_file
from harmonize_evidence.signing.identity import SignatureChecker, fingerprint
from harmonize_evidence.signing.producers import checked_certificates
from harmonize_evidence.transfer.age_stream import new_identity

CONTACT_SETTING = "lead_contact"


@dataclass(frozen=True)
class Joined:
    """A school card that a member of staff's store has installed."""

    card: SchoolCard
    fingerprint: str
    confirmed_how: str
    replaced: SchoolCard | None = None
    """The card it replaced (the previous lead), if any."""
    already: bool = False
    """The same card was joined before: nothing changed."""

    @property
    def short_fingerprint(self) -> str:
        """The fingerprint as people read it aloud."""
        return short_fingerprint(self.fingerprint)


def joined_text(joined: Joined) -> str:
    """The sentence both faces show once a card is joined."""
    card = joined.card
    if joined.already:
        text = f"This store has already joined {card.school}; nothing changed."
    elif joined.replaced is not None:
        text = (
            f"Joined {card.school}: handovers now go to {card.lead} (before: "
            f"{joined.replaced.lead}). The change is recorded."
        )
    else:
        text = f"Joined {card.school}: handovers go to {card.lead}."
    if card.contact:
        text += f" Contact: {card.contact}"
    return text


def require_role(store: EvidenceStore, role: Role, what: str) -> None:
    """Refuse (exit 2) a use case that belongs to the other kind of store."""
    if store.producer.role is role:
        return
    if role is Role.LEAD:
        raise BadInput(
            f"Only the safeguarding lead's store can {what}; this store was set up for a member "
            "of staff (init --role lead makes a lead's store)."
        )
    raise BadInput(
        f"Only a member of staff's store can {what}; this store is the safeguarding lead's."
    )


def lead_contact(store: EvidenceStore) -> str:
    """The contact that staff should use, as the lead last set it (empty when never set)."""
    return store.vault.setting(CONTACT_SETTING) or ""


def school_recipient(store: EvidenceStore) -> str:
    """The lead's age recipient, made (once, for good) the first time it is asked for."""
    held = store.vault.school_key()
    if held is not None:
        return held[1]
    secret, recipient = new_identity()
    with store.atomic():
        store.vault.save_school_key(secret, recipient, store.clock.now())
    return recipient


def make_school_card(store: EvidenceStore, contact: str | None = None) -> tuple[bytes, str]:
    """The lead's school card as a file, and the fingerprint staff must confirm.

    ``contact`` (phone, email) replaces the one kept in the lead's settings; None keeps it.
    """
    require_role(store, Role.LEAD, "make the school card")
    if contact is not None:
        check_text(contact, "contact", max_length=NOTE_MAX, multiline=True, required=False)
        with store.atomic():
            store.vault.set_setting(CONTACT_SETTING, contact)
    recipient = school_recipient(store)
    identity = store.identity
    card = SchoolCard(
        school=store.producer.school,
        lead=store.producer.name,
        lead_initials=store.producer.initials,
        contact=lead_contact(store),
        recipient=recipient,
        ca_pem=identity.ca_cert_pem,
        signer_pem=identity.signer_cert_pem,
    )
    return card.file_bytes(store.sign(card.signed_bytes())), store.fingerprint


def write_card(target: Path, made_folder: Path | None, data: bytes) -> None:
    """Write a school card file (never over an existing file)."""
    write_new_file(target, made_folder, data)


def read_card_file(path: Path) -> bytes:
    """The bytes of a file offered as a school card, read no further than a card can be long
    (a video chosen by mistake is not read whole into memory).

    Raises:
        BadInput: the file cannot be read, or is far larger than any school card.
    """
    try:
        with path.open("rb") as card_file:
            data = card_file.read(CARD_MAX_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"{path} cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > CARD_MAX_BYTES:
        raise BadInput("This file is not a school card: it is far too large.")
    return data


def read_card(data: bytes) -> tuple[SchoolCard, str]:
    """A school card file checked to be whole and signed by its own CA, and its fingerprint.

    Raises:
        BadInput: not a school card.
        VerificationFailed: a card whose signature or certificates do not hold.
    """
    if len(data) > CARD_MAX_BYTES:
        raise BadInput("This file is not a school card: it is far too large.")
    card, signature = parse_card(data)
    try:
        ca_pem, signer_pem = checked_certificates(card.ca_pem, card.signer_pem)
    except BadInput as exc:
        raise VerificationFailed(f"The school card's certificates do not hold: {exc}") from exc
    if not SignatureChecker(signer_pem)(signature, card.signed_bytes()):
        raise VerificationFailed(
            "The school card was changed after the lead made it: its signature does not match."
        )
    for text, what in ((card.school, "school"), (card.lead, "lead's name")):
        check_text(text, what, max_length=NAME_MAX)
    check_text(card.contact, "contact", max_length=NOTE_MAX, multiline=True, required=False)
    return card, fingerprint(ca_pem)


def joined_card(store: EvidenceStore) -> Joined | None:
    """The school card handovers go to (the newest joined), or None before joining."""
    cards = store.vault.school_cards()
    if not cards:
        return None
    data, card_fingerprint, how, _when = cards[-1]
    card, _ = parse_card(data)
    return Joined(card, card_fingerprint, how)


def join_school(store: EvidenceStore, data: bytes, confirmed_fingerprint: str, how: str) -> Joined:
    """Install a school card whose fingerprint the member of staff confirmed with the lead.

    ``confirmed_fingerprint`` is what they were told by the second channel (in full or in its
    short form); ``how`` says which channel (in person, by phone).

    Raises:
        BadInput: a lead's store, or not a school card (exit 2).
        VerificationFailed: the card does not hold, or its fingerprint is not the one confirmed
            (exit 1): it is not kept.
    """
    require_role(store, Role.STAFF, "join a school")
    card, card_fingerprint = read_card(data)
    if not fingerprint_matches(confirmed_fingerprint, card_fingerprint):
        raise VerificationFailed(
            "The fingerprint you gave is not this school card's, so the card was not installed: "
            "it may not be your lead's. Ask your safeguarding lead for their fingerprint again, "
            "in person or by phone."
        )
    check_text(how, "how the fingerprint was confirmed", max_length=NAME_MAX)
    current = joined_card(store)
    if current is not None and current.card == card:
        return Joined(card, card_fingerprint, current.confirmed_how, already=True)
    with store.atomic():
        store.vault.add_school_card(data, card_fingerprint, how, store.clock.now())
    return Joined(card, card_fingerprint, how, replaced=None if current is None else current.card)


@dataclass(frozen=True)
class SchoolContact:
    """Whom a recipient of this store's evidence asks to confirm its fingerprint."""

    school: str
    lead: str
    """The safeguarding lead's name."""
    contact: str
    """How to reach them (phone, email) on one line; empty when none was given."""

    def sentence(self) -> str:
        """``Ann Reid, the safeguarding lead at Oak Hill Academy: 01632 960 123``."""
        who = f"{self.lead}, the safeguarding lead at {self.school}"
        return f"{who}: {self.contact}" if self.contact else who


def school_contact(store: EvidenceStore) -> SchoolContact | None:
    """The safeguarding lead to confirm a fingerprint with: the lead's own store names its keeper
    and the contact in its settings; a member of staff's store, the lead of the school card it
    joined. None for a member of staff who has not joined a school."""
    if store.producer.role is Role.LEAD:
        return SchoolContact(
            store.producer.school, store.producer.name, one_line(lead_contact(store))
        )
    joined = joined_card(store)
    if joined is None:
        return None
    card = joined.card
    return SchoolContact(card.school, card.lead, one_line(card.contact))


def fingerprint_contact(store: EvidenceStore) -> str:
    """Whom a recipient asks to confirm this store's fingerprint, as a sentence names them: the
    lead (with their contact), and on a member of staff's store that person first. Empty for a
    member of staff who has not joined a school (the school that sent the evidence is asked)."""
    contact = school_contact(store)
    if contact is None:
        return ""
    if store.producer.role is Role.STAFF:
        return f"{store.producer.name}, or {contact.sentence()}"
    return contact.sentence()
