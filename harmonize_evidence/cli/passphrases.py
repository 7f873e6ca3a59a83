"""Passphrases for the command line: from the environment, else typed at a no-echo prompt."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from harmonize_evidence.domain.errors import BadInput, StoreLocked
from harmonize_evidence.domain.text import NOT_TEXT, has_undecodable_bytes

PASSPHRASE_VARIABLE = "HARMONIZE_EVIDENCE_PASSPHRASE"  # noqa: S105 - a variable name
NEW_PASSPHRASE_VARIABLE = "HARMONIZE_EVIDENCE_NEW_PASSPHRASE"  # noqa: S105
PASSPHRASE_TRIES = 3
"""How many times in all a passphrase is asked for at a terminal: a wrong one to unlock, or a
new one that is too short."""


def _prompt(prompt: str) -> str | None:
    """What was typed at a no-echo prompt; None without a terminal. Refuses what is not text."""
    if not sys.stdin.isatty():
        return None
    import getpass

    try:
        typed = getpass.getpass(prompt)
    except UnicodeDecodeError as exc:
        typed = None
        cause: Exception | None = exc
    else:
        cause = None
    if typed is None or has_undecodable_bytes(typed):
        raise BadInput(
            f"The passphrase as typed {NOT_TEXT}; set the terminal to UTF-8 and type it again."
        ) from cause
    return typed


def _passphrase_variable(variable: str) -> str | None:
    """The passphrase in the environment variable ``variable``; refuses one that is not text."""
    value = os.environ.get(variable)
    if value and has_undecodable_bytes(value):
        raise BadInput(f"The passphrase in {variable} {NOT_TEXT}; set it again as plain text.")
    return value or None


class PassphraseAsked:
    """The passphrase to unlock with: the environment variable, else a no-echo prompt.

    Called again after a wrong passphrase (``services.store.unlock_key`` with ``tries``): a
    typed one is asked for again, saying so, up to :data:`PASSPHRASE_TRIES` times in all; one
    from the environment is not (it would be the same again), so it is refused at once.
    """

    def __init__(self) -> None:
        self.asked = 0
        self.from_environment = False

    def __call__(self) -> str | None:
        """The next passphrase to try, or None when there is none."""
        self.asked += 1
        try:
            if self.asked == 1:
                value = _passphrase_variable(PASSPHRASE_VARIABLE)
                self.from_environment = value is not None
                return value or _prompt("Passphrase: ")
            if self.from_environment:
                return None
            print(
                f"That passphrase is not right; type it again (try {self.asked} of "
                f"{PASSPHRASE_TRIES}).",
                file=sys.stderr,
                flush=True,
            )
            return _prompt("Passphrase: ")
        except BadInput as exc:  # it cannot be the passphrase: every store's passphrase is text
            raise StoreLocked(exc.message) from exc


def new_passphrase(variables: Sequence[str]) -> str:
    """A new passphrase from the first set variable, else asked twice at a terminal.

    At a terminal, one that is too short is refused as soon as it is typed, and asked for again
    (:data:`PASSPHRASE_TRIES` times in all) before the second typing that confirms it.
    """
    for variable in variables:
        value = _passphrase_variable(variable)
        if value:
            return value
    first = _first_typing()
    if _prompt("Type the passphrase again: ") != first:
        raise BadInput("The two passphrases were different; nothing was changed.")
    return first


def _first_typing() -> str:
    """A new passphrase typed at the prompt, refused at once (and asked again) if too short."""
    from harmonize_evidence.services.store import refuse_short_passphrase

    for attempt in range(1, PASSPHRASE_TRIES + 1):
        typed = _prompt("Choose a passphrase (at least 8 characters): ")
        if typed is None:
            raise BadInput(
                f"No passphrase was given; set {PASSPHRASE_VARIABLE} or run the command in a "
                "terminal."
            )
        try:
            return refuse_short_passphrase(typed)
        except BadInput as exc:
            if attempt == PASSPHRASE_TRIES:
                raise BadInput(f"{exc.message.rstrip('.')}; nothing was changed.") from exc
            print(f"{exc.message} Choose another.", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")  # pragma: no cover - the last try returns or raises
