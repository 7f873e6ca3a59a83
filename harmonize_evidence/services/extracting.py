"""Exhibit bytes leaving the store: a copy written to a file, and why an exhibit has none.

:meth:`~harmonize_evidence.services.evidence.EvidenceStore.extract` writes the copy with
:func:`write_copy` and then records it on the chain.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from harmonize_evidence.domain.errors import BadInput, DiskFull, StoreDamaged
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.vault.database import Vault
from harmonize_evidence.vault.disk import disk_is_full
from harmonize_evidence.vault.files import write_atomically


def no_bytes_message(exhibit: Exhibit) -> str:
    """Why an exhibit has no bytes to read: purged, or a written record with no file."""
    if exhibit.purged:
        return f"Exhibit {exhibit.ref} was purged; only its hash and record remain."
    return f"Exhibit {exhibit.ref} is a written record with no file."


def write_copy(vault: Vault, exhibit: Exhibit, out: Path) -> tuple[Path, str]:
    """Write a copy of the exhibit's original bytes to ``out``; (the file, its SHA-256).

    An existing file is never overwritten. If ``out`` is a folder the copy is named after the
    exhibit. The copy is checked against the recorded SHA-256 before it is kept.
    """
    if not exhibit.has_bytes:
        raise BadInput(no_bytes_message(exhibit))
    target = out / exhibit.file_name if out.is_dir() else out
    if target.exists():
        raise BadInput(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BadInput(f"The folder {target.parent} does not exist.")
    digest = hashlib.sha256()
    try:
        with write_atomically(target) as handle:
            for chunk in vault.exhibit_chunks(exhibit.ref):
                digest.update(chunk)
                handle.write(chunk)
            if digest.hexdigest() != exhibit.sha256:
                raise StoreDamaged(
                    f"The stored bytes of exhibit {exhibit.ref} no longer match its SHA-256; "
                    "run verify, and do not rely on this exhibit."
                )
    except FileExistsError as exc:
        raise BadInput(f"{target} already exists; choose a new file name.") from exc
    except OSError as exc:
        if disk_is_full(exc):
            raise DiskFull(
                f"The disk holding {target.parent} is full, so no copy was written and "
                "nothing was recorded; free some space there or choose another folder."
            ) from exc
        raise BadInput(
            f"The folder {target.parent} cannot be written ({exc.strerror or exc}), so no "
            "copy was written and nothing was recorded; choose another folder."
        ) from exc
    return target, digest.hexdigest()
