"""Exhibit bytes leaving the store: a copy written to a file, and why an exhibit has none.

:meth:`~harmonize_evidence.services.evidence.EvidenceStore.extract` writes the copy with
:func:`write_copy`, noted for the clean-up after a kill (:mod:`.unfinished_writes`), and then
records it on the chain.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from harmonize_evidence.domain.errors import BadInput, StoreDamaged
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.services.out_paths import write_refused
from harmonize_evidence.vault.database import Vault
from harmonize_evidence.vault.files import write_atomically


def no_bytes_message(exhibit: Exhibit) -> str:
    """Why an exhibit has no bytes to read: purged, or a written record with no file."""
    if exhibit.purged:
        return f"Exhibit {exhibit.ref} was purged; only its hash and record remain."
    return f"Exhibit {exhibit.ref} is a written record with no file."


CopyProgress = Callable[[int, int], None]
"""Told (bytes written, bytes in all) after each part of a copy; it may raise
:class:`~harmonize_evidence.domain.errors.Cancelled` to stop, and then nothing is kept."""

_NOT_IN_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')
NAME_MAX = 120


def copy_name(exhibit: Exhibit) -> str:
    """The name a saved copy is offered under: the exhibit's reference, then the name of the
    file it was imported from (``ZL-4 message from a parent.eml``), else ``ZL-4.eml``.

    Characters that a Windows or Linux folder refuses, and text-direction controls that would
    disguise the name's end, become ``_``.
    """
    reference = exhibit.ref.replace("/", "-")
    original = exhibit.metadata.get("source_file_name")
    if not isinstance(original, str):
        return exhibit.file_name
    original = _NOT_IN_NAMES.sub("_", original).strip(" .")
    if not original:
        return exhibit.file_name
    stem, dot, suffix = original.rpartition(".")
    if not dot or not stem or len(suffix) > 10:
        stem, suffix = original, exhibit.file_extension.lstrip(".")
    stem = stem[: NAME_MAX - len(reference) - len(suffix) - 2].rstrip(" .")
    return f"{reference} {stem}.{suffix}" if stem else f"{reference}.{suffix}"


def copy_saved_text(exhibit: Exhibit, path: Path) -> str:
    """What a saved copy is, in one sentence, for the person who saved it."""
    return (
        f"A copy of exhibit {exhibit.ref} was saved as {path}; it matches the exhibit's "
        "SHA-256, and the custody log records that it was saved."
    )


def copy_target(exhibit: Exhibit, out: Path) -> Path:
    """The file a copy of the exhibit is written to: ``out``, or in the folder ``out`` a file
    named after the exhibit.

    Raises:
        BadInput: the exhibit has no bytes, the file exists already, or its folder does not.
    """
    if not exhibit.has_bytes:
        raise BadInput(no_bytes_message(exhibit))
    target = out / exhibit.file_name if out.is_dir() else out
    if target.exists():
        raise BadInput(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BadInput(f"The folder {target.parent} does not exist.")
    return target


def write_copy(
    vault: Vault,
    exhibit: Exhibit,
    target: Path,
    progress: CopyProgress | None = None,
    *,
    temporary: Path | None = None,
    recording: Callable[[], None] | None = None,
    keep: Callable[[], bool] | None = None,
) -> None:
    """Write a copy of the exhibit's original bytes to ``target`` (from :func:`copy_target`).

    An existing file is never overwritten. The copy is checked against the recorded SHA-256
    before it is kept. ``progress`` is told how far the copy has gone after each part.
    ``temporary``: the temporary file it is written under until whole (by default a new one).
    ``recording`` records the copy, once it is whole and checked and before it gets its name;
    ``keep`` is :func:`~harmonize_evidence.vault.files.write_atomically`'s.
    """
    digest = hashlib.sha256()
    try:
        with write_atomically(target, temporary=temporary, keep=keep) as handle:
            written = 0
            for chunk in vault.exhibit_chunks(exhibit.ref):
                digest.update(chunk)
                handle.write(chunk)
                written += len(chunk)
                if progress is not None:
                    progress(written, exhibit.size)
            if digest.hexdigest() != exhibit.sha256:
                raise StoreDamaged(
                    f"The stored bytes of exhibit {exhibit.ref} no longer match its SHA-256; "
                    "run verify, and do not rely on this exhibit."
                )
            if recording is not None:
                handle.flush()  # whole on the disk before the chain says it was written
                os.fsync(handle.fileno())
                recording()
    except OSError as exc:
        raise write_refused(exc, target, "no copy was written and nothing was recorded") from exc
