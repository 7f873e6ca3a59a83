"""Passphrases for the command line: from the environment, else typed at a no-echo prompt."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from harmonize_evidence.domain.errors import BadInput, StoreLocked
from harmonize_evidence.domain.text import NOT_TEXT, has_undecodable_bytes

PASSPHRASE_VARIABLE = "HARMONIZE_EVIDENCE_PASSPHRASE"  # noqa: S105 - a variable name
NEW_PASSPHRASE_VARIABLE = "HARMONIZE_EVIDENCE_NEW_PASSPHRASE"  # noqa: S105


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


def passphrase_from_environment_or_prompt() -> str | None:
    """The passphrase to unlock with: the environment variable, else a no-echo prompt."""
    try:
        return _passphrase_variable(PASSPHRASE_VARIABLE) or _prompt("Passphrase: ")
    except BadInput as exc:  # it cannot be the passphrase: every store's passphrase is text
        raise StoreLocked(exc.message) from exc


def new_passphrase(variables: Sequence[str]) -> str:
    """A new passphrase from the first set variable, else asked twice at a terminal."""
    for variable in variables:
        value = _passphrase_variable(variable)
        if value:
            return value
    first = _prompt("Choose a passphrase (at least 8 characters): ")
    if first is None:
        raise BadInput(
            f"No passphrase was given; set {PASSPHRASE_VARIABLE} or run the command in a terminal."
        )
    if _prompt("Type the passphrase again: ") != first:
        raise BadInput("The two passphrases were different; nothing was changed.")
    return first
