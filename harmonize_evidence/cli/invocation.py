"""One run of a command: its parsed arguments, its output, and the store it works on."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from harmonize_evidence.cli.output import Output
from harmonize_evidence.cli.passphrases import PASSPHRASE_TRIES, PassphraseAsked
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.text import NOT_TEXT, has_undecodable_bytes, printable

if TYPE_CHECKING:
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.services.store import StoreLocation


class Invocation:
    """What every command is given: the parsed arguments and where its result is printed."""

    def __init__(self, args: argparse.Namespace, out: Output) -> None:
        self.args = args
        self.out = out

    @property
    def location(self) -> StoreLocation:
        """The store folder: ``--store``, else ``$HARMONIZE_EVIDENCE_HOME``, else the default."""
        from harmonize_evidence.services.store import StoreLocation

        location = StoreLocation.resolve(self.args.store)
        if has_undecodable_bytes(str(location.directory)):  # from the environment
            raise BadInput(
                f"The store folder {printable(str(location.directory))} {NOT_TEXT}; choose a "
                "folder whose name is plain text with --store."
            )
        return location

    def clock(self) -> Any:
        """The system clock."""
        from harmonize_evidence.services.clock import SystemClock

        return SystemClock()

    def open_store(self) -> EvidenceStore:
        """Unlock the store with the passphrase from the environment or typed at a prompt.

        A wrong passphrase typed at the prompt is asked for again, three times in all.
        """
        from harmonize_evidence.services.store import open_store

        return open_store(self.location, PassphraseAsked(), self.clock(), tries=PASSPHRASE_TRIES)
