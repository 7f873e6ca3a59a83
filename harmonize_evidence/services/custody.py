"""The custody chain of an incident: signing and storing its next entry, and reading it back.

:class:`~harmonize_evidence.services.evidence.EvidenceStore` calls these with its vault, its
signer and its clock, inside the transaction that makes the change the entry records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from harmonize_evidence.domain.chain import (
    GENESIS_HASH,
    CustodyEntry,
    entry_body,
    sha256_hex,
    verify_chain,
)
from harmonize_evidence.domain.clock import Clock, format_utc
from harmonize_evidence.domain.model import Action, Incident
from harmonize_evidence.signing.identity import EntrySigner
from harmonize_evidence.vault.database import Vault


def append_entry(
    vault: Vault,
    signer: EntrySigner,
    actor: str,
    clock: Clock,
    incident_id: str,
    *,
    action: Action,
    details: Mapping[str, Any],
    evidence_sha256: str | None = None,
    utc: datetime | None = None,
) -> CustodyEntry:
    """Sign and store the next entry of the incident's chain (inside a transaction)."""
    head = vault.chain_head(incident_id)
    seq, prev_hash = (1, GENESIS_HASH) if head is None else (head[0] + 1, head[1])
    stamp = format_utc(utc or clock.now())
    body = entry_body(
        incident_id=incident_id,
        seq=seq,
        utc=stamp,
        actor=actor,
        action=action.value,
        details=details,
        evidence_sha256=evidence_sha256,
        prev_hash=prev_hash,
    )
    entry = CustodyEntry(
        incident_id=incident_id,
        seq=seq,
        utc=stamp,
        actor=actor,
        action=action.value,
        details=dict(details),
        evidence_sha256=evidence_sha256,
        prev_hash=prev_hash,
        hash=sha256_hex(body),
        body=body,
        signature=signer.sign(body),
    )
    vault.append_entry(entry)
    return entry


def own_log(vault: Vault, incident: Incident) -> list[CustodyEntry]:
    """The incident's custody chain (this store's own), oldest first."""
    entries, _ = verify_chain(incident.id, vault.stored_entries(incident.id), lambda _s, _d: True)
    return entries


def received_log(vault: Vault, incident: Incident) -> list[CustodyEntry]:
    """The chain its sender signed, as received, for an incident from another store.

    Empty for an incident opened here. Its entries name the sender's id for the incident.
    """
    if incident.sender_id is None:
        return []
    entries, _ = verify_chain(
        incident.sender_id,
        vault.stored_entries(incident.id, received=True),
        lambda _s, _d: True,
    )
    return entries
