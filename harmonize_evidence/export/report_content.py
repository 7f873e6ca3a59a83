"""What the report prints: the incident, its producer, its exhibits and its custody log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harmonize_evidence.domain.chain import CustodyEntry
from harmonize_evidence.domain.clock import LocalTime
from harmonize_evidence.domain.model import Exhibit, Incident, Producer
from harmonize_evidence.export.bundle import SenderChain
from harmonize_evidence.export.images import NoPreview, PdfImage
from harmonize_evidence.export.instructions import Step
from harmonize_evidence.export.text_preview import TextPreview


@dataclass(frozen=True)
class ReportExhibit:
    """One exhibit as the report shows it."""

    exhibit: Exhibit
    file_name: str | None
    """Its path in the bundle (``exhibits/ZL-1.png``), or None when it has no bytes."""
    image: PdfImage | NoPreview | None = None
    """The image to show; :class:`NoPreview` says why there is none; None for non-images."""
    text: TextPreview | None = None
    """The text to show of a plain-text exhibit (see :mod:`.text_preview`)."""


@dataclass(frozen=True)
class ReportContent:
    """Everything the report prints."""

    incident: Incident
    producer: Producer
    exhibits: Sequence[ReportExhibit]
    entries: Sequence[CustodyEntry]
    exported: LocalTime
    ca_fingerprint: str
    signer_fingerprint: str
    chain_head: tuple[int, str]
    tool: str
    signature_level: str
    """How the report is signed, e.g. ``PAdES B-B`` (said on the cover)."""
    verify_steps: Sequence[Step] = ()
    keychain: bool = False
    """Whether the store also opened with the computer login (the OS keychain) at start."""
    export_recorded: bool = True
    """Whether the export is recorded in the custody log (not when the store was read-only)."""
    received: Sequence[SenderChain] = ()
    """For a case received from a member of staff: their chain as received, and who they are."""
    recipient: str = ""
    producer_title: str = ""
    """What the statement gives after the producer's name: their job title, else their role in
    words (``services.job_title.statement_title``); empty: the role's code."""
    """Who the bundle is for, in words (``the police``); empty when the exporter did not say."""

    def sender_of(self, exhibit: Exhibit) -> SenderChain | None:
        """The chain an exhibit was received with; None for one of this store's own."""
        if exhibit.sender_ref is None:
            return None
        prefix = exhibit.ref.split("/", 1)[0]
        return next((chain for chain in self.received if chain.exhibit_prefix == prefix), None)
