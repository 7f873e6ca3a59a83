"""The "our evidence key" sheet use case: one page, safe to share, that tells recipients whose key
signs this store's bundles and whom to ask to confirm it (see
:mod:`harmonize_evidence.export.key_sheet`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harmonize_evidence import TOOL_NAME, __version__
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.wording import ROLE_NAMES, long_date
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.out_paths import target_path, write_new_file


@dataclass(frozen=True)
class KeySheetWritten:
    """A key sheet written to a file."""

    path: Path
    fingerprint: str
    contact: str
    """Whom the sheet names to confirm it; empty when the store knows nobody to name."""

    @property
    def short_fingerprint(self) -> str:
        """The fingerprint as people read it aloud."""
        return short_fingerprint(self.fingerprint)


def key_sheet_name(store: EvidenceStore) -> str:
    """The sheet's file name: ``evidence-key-ZL.pdf``."""
    return f"evidence-key-{store.producer.initials}.pdf"


def key_sheet_pdf(store: EvidenceStore) -> tuple[bytes, str]:
    """The sheet of this store's key as a one-page PDF, and the contact it names."""
    from harmonize_evidence.export.key_sheet import KeySheet
    from harmonize_evidence.export.key_sheet import key_sheet_pdf as draw
    from harmonize_evidence.services.school import fingerprint_contact

    producer = store.producer
    now = store.clock.now().astimezone(store.clock.zone)
    contact = fingerprint_contact(store)
    sheet = KeySheet(
        school=producer.school,
        person=producer.actor,
        role=ROLE_NAMES.get(producer.role, producer.role.value),
        fingerprint=store.fingerprint,
        short_fingerprint=short_fingerprint(store.fingerprint),
        contact=contact,
        made=long_date(now),
        tool=f"{TOOL_NAME} {__version__}",
    )
    return draw(sheet), contact


def write_key_sheet(store: EvidenceStore, out: str | os.PathLike[str]) -> KeySheetWritten:
    """Write the sheet to ``out``: a file name ending in ``.pdf``, or a folder to put it in.

    Raises:
        BadInput: ``out`` cannot be used (an existing file, a missing parent folder).
        DiskFull, StoreReadOnly: the disk refused the write.
    """
    target, made_folder = target_path(out, key_sheet_name(store), what="key sheet")
    data, contact = key_sheet_pdf(store)
    write_new_file(target, made_folder, data)
    return KeySheetWritten(target, store.fingerprint, contact)


def key_sheet_text(written: KeySheetWritten) -> str:
    """What the user reads once the sheet is written, in the CLI and the GUI alike."""
    lines = [
        f"Saved your evidence key sheet: {written.path}",
        "It holds nothing secret. Give it to anyone who receives evidence from you (the police, "
        "a senior manager), by email or on paper, so that they can check your bundles.",
        f"Its fingerprint, read aloud: {written.short_fingerprint}",
    ]
    if not written.contact:
        lines.append(
            "It names nobody to contact to confirm it: join your school (the safeguarding "
            "lead's school card) to have the lead named on it."
        )
    return "\n".join(lines)
