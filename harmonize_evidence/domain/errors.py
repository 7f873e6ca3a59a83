"""The one exception tree of the program.

Every expected failure is a :class:`HarmonizeError`. Its message is the sentence the user reads
(what happened, what to do) and its ``exit_code`` is what the command line returns (CLI.md):

- 1 verification found a problem
- 2 bad usage or bad input
- 3 cannot unlock (wrong passphrase, no key)
- 4 store missing or damaged
- 5 environment problem (no display, no keychain where one was required, a full disk, a
  read-only store folder)

Failures that are not expected have codes of their own, below: 70 (internal error, details in
the log file), 130 (interrupted), and 128 plus the signal's number when a signal stopped the work.

Lower-layer exceptions are translated at each boundary with ``raise ... from exc`` so the cause
reaches the log, never the user.
"""

from __future__ import annotations

EXIT_INTERNAL = 70
"""An unexpected error: the user is told where the log file is (BSD's EX_SOFTWARE)."""
EXIT_INTERRUPTED = 130
"""Stopped with Ctrl+C (128 + SIGINT)."""
EXIT_SIGNALLED = 128
"""Plus the signal's number: 143 for SIGTERM, 129 for SIGHUP."""


class Cancelled(Exception):
    """The user stopped long work (an export, an import); never shown as an error."""


class HarmonizeError(Exception):
    """An expected failure with a sentence written for the user."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(HarmonizeError):
    """The user gave something we cannot accept (exit 2)."""

    exit_code = 2


class InvalidUrl(BadInput):
    """A URL that is not a plain http(s) address."""


class NotFound(BadInput):
    """An incident or exhibit that does not exist."""


class FileRejected(BadInput):
    """A file that cannot be imported (empty, too big, damaged image)."""


class StoreLocked(HarmonizeError):
    """The store cannot be unlocked: wrong passphrase or recovery key, or no key at all (exit 3)."""

    exit_code = 3


class StoreMissing(HarmonizeError):
    """There is no store where one was expected (exit 4)."""

    exit_code = 4


class StoreDamaged(HarmonizeError):
    """The store exists but its files are damaged (exit 4)."""

    exit_code = 4


class StoreExists(BadInput):
    """``init`` was asked to create a store where one already exists (exit 2)."""


class EnvironmentProblem(HarmonizeError):
    """Something outside the program is missing: a display, a keychain (exit 5)."""

    exit_code = 5


class DiskFull(EnvironmentProblem):
    """The disk has no room for what was being written; nothing already saved is lost (exit 5)."""


class StoreReadOnly(EnvironmentProblem):
    """The store's folder (or its disk) cannot be written; it can still be read (exit 5)."""


class VerificationFailed(HarmonizeError):
    """Verification found at least one problem (exit 1)."""

    exit_code = 1
