"""Commands on the store itself: ``init`` (create it) and ``recover`` (a new passphrase)."""

from __future__ import annotations

from harmonize_evidence.cli.invocation import Invocation
from harmonize_evidence.cli.passphrases import (
    NEW_PASSPHRASE_VARIABLE,
    PASSPHRASE_VARIABLE,
    new_passphrase,
)
from harmonize_evidence.domain.errors import BadInput


def init(command: Invocation) -> int:
    """Create the evidence store and signing identity; show the recovery key once."""
    from harmonize_evidence.domain.model import Producer, Role
    from harmonize_evidence.services.store import create_store

    args, out = command.args, command.out
    location = command.location
    if out.stdout is None:
        raise BadInput(
            "The recovery key could not be shown: this command's output is closed. Run init "
            "again with its output on the screen or in a file; nothing was created."
        )
    if location.exists():
        from harmonize_evidence.domain.errors import StoreExists

        raise StoreExists(
            f"An evidence store already exists in {location.directory}; "
            "choose another folder with --store."
        )
    producer = Producer(args.name, args.initials, args.school, Role(args.role))
    if args.job_title is not None:  # refused before the passphrase is asked for
        from harmonize_evidence.services.job_title import checked_job_title

        checked_job_title(args.job_title)
    passphrase = new_passphrase([PASSPHRASE_VARIABLE])
    store, recovery_key = create_store(
        location,
        producer,
        passphrase,
        command.clock(),
        keychain_cache=args.keychain,
        job_title=args.job_title,
    )
    with store:
        fingerprint = store.fingerprint
        role = store.producer.role.value
    out.result(
        {
            "store": str(location.directory),
            "role": role,
            "fingerprint": fingerprint,
            "recovery_key": recovery_key,
        },
        f"Evidence store created in {location.directory}.\n"
        f"Evidence CA fingerprint (SHA-256): {fingerprint}\n\n"
        f"RECOVERY KEY:  {recovery_key}\n\n"
        "Print this recovery key now and give it to the school office to keep safe. It is\n"
        "shown only this once, and it is the only way into the evidence if the passphrase\n"
        "is forgotten.",
        if_unprinted=(
            "The recovery key was not shown, and it is shown only once: the new store holds "
            f"no evidence yet, so remove the folder {location.directory} and run init again "
            "with its output on the screen."
        ),
    )
    return 0


def recover(command: Invocation) -> int:
    """Set a new passphrase with the recovery key."""
    from harmonize_evidence.services.store import recover_store

    recovery_key = command.args.recovery_key or _recovery_key_from_input()
    passphrase = new_passphrase([NEW_PASSPHRASE_VARIABLE, PASSPHRASE_VARIABLE])
    recover_store(command.location, recovery_key, passphrase)
    command.out.result(
        {"store": str(command.location.directory), "ok": True},
        "A new passphrase is set; use it from now on. The recovery key is unchanged.",
    )
    return 0


def _recovery_key_from_input() -> str:
    """The recovery key typed at a no-echo prompt, or the first line of standard input, so that
    it need not stand in the command line (where the shell's history and ``ps`` keep it)."""
    import getpass
    import sys

    if sys.stdin is None:
        typed = ""
    elif sys.stdin.isatty():
        typed = getpass.getpass("Recovery key: ")
    else:
        typed = sys.stdin.readline()
    if not typed.strip():
        raise BadInput(
            "No recovery key was given: type it when asked, pass it on standard input, or give "
            "--recovery-key KEY."
        )
    return typed.strip()
