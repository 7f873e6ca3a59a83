"""Finding, creating, unlocking and recovering an evidence store.

A store is a folder holding ``evidence.db`` (the SQLCipher database) and ``key.json`` (its key,
wrapped; see :mod:`harmonize_evidence.vault.keys`).

The desktop program needs :class:`StoreLocation` and :func:`unlock_key` before its first window,
so the store's own code (the database, the use cases, the signing identity) is imported by the
functions that open or create a store, not here.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harmonize_evidence.domain.clock import Clock
from harmonize_evidence.domain.errors import (
    HarmonizeError,
    StoreDamaged,
    StoreExists,
    StoreLocked,
    StoreMissing,
)
from harmonize_evidence.domain.model import Producer, validate_initials
from harmonize_evidence.domain.text import NAME_MAX, check_text
from harmonize_evidence.vault import keychain
from harmonize_evidence.vault.disk import write_refusal
from harmonize_evidence.vault.files import (
    ExclusiveLock,
    make_private_directory,
    sync_directory,
)
from harmonize_evidence.vault.keys import (
    STANDARD_COST,
    KeyFile,
    PassphraseCost,
    check_new_passphrase,
    new_database_key,
    new_recovery_key,
    new_store_id,
)

if TYPE_CHECKING:
    from harmonize_evidence.services.evidence import EvidenceStore

log = logging.getLogger(__name__)

DATABASE_NAME = "evidence.db"
KEY_FILE_NAME = "key.json"
SETUP_LOCK_NAME = ".setup.lock"  # held only while a store is being set up, then removed
_STORE_FILE_NAMES = (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", KEY_FILE_NAME)
HOME_VARIABLE = "HARMONIZE_EVIDENCE_HOME"
# Measured in tests/benchmarks/store.py: larger pages store screenshots faster than 4 KiB.
CIPHER_PAGE_SIZE = 16384

PassphraseSource = Callable[[], str | None]


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives."""

    directory: Path

    @property
    def database(self) -> Path:
        """The SQLCipher database file."""
        return self.directory / DATABASE_NAME

    @property
    def key_file(self) -> Path:
        """The wrapped-key file."""
        return self.directory / KEY_FILE_NAME

    def exists(self) -> bool:
        """Whether a store (its key file) is here."""
        return self.key_file.exists()

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> StoreLocation:
        """``--store DIR``, else ``$HARMONIZE_EVIDENCE_HOME``, else the user data directory."""
        if explicit:
            return cls(Path(explicit).expanduser())
        from_env = os.environ.get(HOME_VARIABLE)
        if from_env:
            return cls(Path(from_env).expanduser())
        import platformdirs

        return cls(Path(platformdirs.user_data_dir("Harmonize Evidence", appauthor=False)))


def set_up_with_keychain(location: StoreLocation) -> bool:
    """Whether the store at ``location`` was set up to unlock with the computer login (its key
    file says so); False when it cannot say (no key file, a damaged one: opening says why)."""
    try:
        return KeyFile.load(location.key_file).keychain
    except (HarmonizeError, OSError):
        return False


def missing_store(location: StoreLocation) -> StoreMissing | StoreDamaged:
    """The error for a folder without a store's key file: no store at all, or a store whose
    ``key.json`` is gone (its database is there: setting up a new one is refused, and deleting
    the folder would lose the evidence)."""
    if location.database.exists():
        return StoreDamaged(
            f"The store folder {location.directory} holds an evidence database but not its key "
            "file (key.json); restore key.json from a backup of the store folder."
        )
    return StoreMissing(
        f"There is no evidence store in {location.directory}; set one up first "
        "(harmonize-evidence init), or choose the right folder with --store."
    )


def create_store(
    location: StoreLocation,
    producer: Producer,
    passphrase: str,
    clock: Clock,
    *,
    keychain_cache: bool = False,
    passphrase_cost: PassphraseCost = STANDARD_COST,
    job_title: str | None = None,
) -> tuple[EvidenceStore, str]:
    """Create a store with its signing identity; returns it open, and the recovery key.

    ``job_title`` is the producer's, for the report's statement (none: the role in words).

    Nothing is left behind if any step fails, including a keychain that cannot be used.
    ``passphrase_cost`` exists for the test suite's template stores; the command line and the
    GUI never pass it, so every store a user makes has the standard cost.
    """
    if location.exists() or location.database.exists():
        raise StoreExists(
            f"An evidence store already exists in {location.directory}; "
            "choose another folder with --store."
        )
    producer = Producer(
        name=check_text(producer.name, "name", max_length=NAME_MAX),
        initials=validate_initials(producer.initials),
        school=check_text(producer.school, "school name", max_length=NAME_MAX),
        role=producer.role,
    )
    if job_title is not None:
        from harmonize_evidence.services.job_title import checked_job_title

        job_title = checked_job_title(job_title)
    check_new_passphrase(passphrase)
    previous_umask = os.umask(0o077)  # the folder, the database, its WAL and journal: owner only
    try:
        lock, created_directory = _lock_for_setting_up(location)
        try:
            created = _create_in_locked_folder(
                location,
                producer,
                passphrase,
                clock,
                keychain_cache=keychain_cache,
                passphrase_cost=passphrase_cost,
                job_title=job_title,
            )
        except BaseException:
            lock.release()
            if created_directory:
                with contextlib.suppress(OSError):
                    location.directory.rmdir()
            raise
        lock.release()
    except OSError as exc:
        # A full disk or a folder that takes no writes, in any step of the set-up: name it.
        refusal = write_refusal(exc, new_store_in=location.directory)
        if refusal is None:
            raise
        raise refusal from exc
    finally:
        os.umask(previous_umask)
    sync_directory(location.directory)
    return created


def _lock_for_setting_up(location: StoreLocation) -> tuple[ExclusiveLock, bool]:
    """Make the store folder and take its set-up lock; refuse while another set-up holds it.

    Two set-ups of one folder at once (two windows, two commands) would otherwise both write
    ``evidence.db`` and each remove the other's files on failing. Returns the lock and whether
    this call created the folder (only then may a failed set-up remove it).
    """
    lock = ExclusiveLock(location.directory / SETUP_LOCK_NAME)
    for _ in range(5):
        created_directory = make_private_directory(location.directory)
        try:
            if lock.acquire():
                return lock, created_directory
        except FileNotFoundError:
            continue  # a set-up that failed just removed the folder it had made: make it again
        break
    raise StoreExists(
        f"An evidence store is already being set up in {location.directory} by another window "
        "or command; wait for it to finish, or choose another folder with --store."
    )


def _create_in_locked_folder(
    location: StoreLocation,
    producer: Producer,
    passphrase: str,
    clock: Clock,
    *,
    keychain_cache: bool,
    passphrase_cost: PassphraseCost,
    job_title: str | None,
) -> tuple[EvidenceStore, str]:
    """The set-up itself, run while holding the folder's set-up lock."""
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.signing.identity import create_identity
    from harmonize_evidence.vault.database import IdentityRecord, open_database

    if any((location.directory / name).exists() for name in _STORE_FILE_NAMES):
        raise StoreExists(
            f"An evidence store already exists in {location.directory}; "
            "choose another folder with --store."
        )
    # From here every store file in the folder is this set-up's own, so removing them on failure
    # removes nothing that anyone else made.
    key = new_database_key()
    recovery_key = new_recovery_key()
    store_id = new_store_id()
    if keychain_cache:
        # Before the passphrase's KDF (about half a second) and before the database is written:
        # on a computer with no usable keychain, the user is told so at once.
        keychain.store_key(store_id, key)
    try:
        key_file = KeyFile.create(
            key,
            passphrase,
            recovery_key,
            page_size=CIPHER_PAGE_SIZE,
            keychain=keychain_cache,
            cost=passphrase_cost,
            store_id=store_id,
        )
    except BaseException:
        if keychain_cache:
            keychain.forget_key(store_id)
        raise
    try:
        vault = open_database(location.database, key, CIPHER_PAGE_SIZE, create=True)
        try:
            identity = create_identity(producer, clock.now())
            with vault.transaction():
                vault.save_identity(
                    IdentityRecord(
                        producer=producer,
                        ca_cert_pem=identity.ca_cert_pem,
                        ca_key_pem=identity.ca_key_pem,
                        signer_cert_pem=identity.signer_cert_pem,
                        signer_key_pem=identity.signer_key_pem,
                        created_utc=clock.now(),
                    )
                )
                if job_title is not None:
                    from harmonize_evidence.services.job_title import JOB_TITLE_SETTING

                    vault.set_setting(JOB_TITLE_SETTING, job_title)
            # The key file goes last: a store without one is not a store.
            key_file.save(location.key_file)
        except BaseException:
            vault.close()
            raise
    except BaseException:
        _remove_partial_store(location)
        if keychain_cache:
            keychain.forget_key(store_id)
        raise
    store = EvidenceStore(
        vault,
        clock,
        key=key,
        location_directory=location.directory,
        opens_with_keychain=keychain_cache,
    )
    return store, recovery_key


def _remove_partial_store(location: StoreLocation) -> None:
    """Remove the store files of a set-up that failed (its own: see _create_in_locked_folder)."""
    for name in _STORE_FILE_NAMES:
        with contextlib.suppress(FileNotFoundError):
            (location.directory / name).unlink()


def refuse_short_passphrase(passphrase: str) -> str:
    """A new passphrase as given, or :class:`BadInput` with the sentence saying it is too short.

    Every new passphrase is checked so when the store is made or recovered; a face checks it
    as soon as it is typed too, before asking for it a second time.
    """
    return check_new_passphrase(passphrase)


def unlock_key(
    location: StoreLocation,
    passphrase: str | PassphraseSource | None,
    *,
    use_keychain: bool = False,
    tries: int = 1,
) -> bytes:
    """The database key: from a passphrase checked against the key file, or from the keychain.

    Args:
        location: the store.
        passphrase: text the user typed, which is always checked against the key file, whatever
            the keychain holds; or a source asked only once the keychain has not opened the
            store (the command line's environment variable, else its prompt). None or empty
            text: nothing was typed.
        use_keychain: whether the keychain may open the store, for a store set up with it, when
            nothing was typed. The command line allows it; the desktop application only when it
            starts, never after a lock.
        tries: how many times in all a source is asked while the passphrase it gives is wrong
            (the command line's prompt: three). A source that returns None on a later call has
            no other passphrase to give, and the wrong one is refused.

    Raises:
        StoreMissing: there is no store at ``location``.
        StoreLocked: the passphrase is wrong (every try of it), or none was given and the
            keychain did not open the store.
    """
    if not location.exists():
        raise missing_store(location)
    key_file = KeyFile.load(location.key_file)
    if isinstance(passphrase, str) and passphrase:
        return key_file.unwrap_with_passphrase(passphrase)
    if use_keychain and key_file.keychain:
        cached = keychain.cached_key(key_file.store_id)
        if cached is not None and key_file.matches(cached):
            return cached
        if cached is not None:
            log.warning("the keychain holds a key that does not open this store; ignoring it")
    asked = passphrase() if callable(passphrase) else None
    if asked is None:
        raise StoreLocked(
            "The evidence store is locked; give the passphrase in HARMONIZE_EVIDENCE_PASSPHRASE "
            "or run the command in a terminal to be asked for it."
        )
    for attempt in range(1, max(1, tries) + 1):
        try:
            return key_file.unwrap_with_passphrase(asked)
        except StoreLocked:
            again = passphrase() if callable(passphrase) and attempt < tries else None
            if again is None:
                raise
            asked = again
    raise AssertionError("unreachable")  # pragma: no cover - the last try returns or raises


def open_store(
    location: StoreLocation, passphrase_source: PassphraseSource, clock: Clock, *, tries: int = 1
) -> EvidenceStore:
    """Unlock (through the keychain when the store was set up with it) and open the store.

    ``tries``: how many times in all the source is asked while its passphrase is wrong
    (:func:`unlock_key`).
    """
    key = unlock_key(location, passphrase_source, use_keychain=True, tries=tries)
    return open_with_key(location, key, clock)


def open_with_key(location: StoreLocation, key: bytes, clock: Clock) -> EvidenceStore:
    """Open the store with a key already unlocked by :func:`unlock_key`.

    The GUI unlocks on a worker thread (the keychain and the passphrase KDF are slow) and opens
    its own handle here, on the thread that will own the connection.
    """
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.services.unfinished_exports import finish_interrupted_exports
    from harmonize_evidence.services.unfinished_writes import finish_interrupted_writes
    from harmonize_evidence.vault.database import open_database

    key_file = KeyFile.load(location.key_file)
    vault = open_database(location.database, key, key_file.cipher_page_size)
    store = EvidenceStore(
        vault,
        clock,
        key=key,
        location_directory=location.directory,
        opens_with_keychain=key_file.keychain,
    )
    # The command line and the desktop program both start here: the one place to finish what an
    # export, a copy or a handover killed before its end left in its folder.
    finish_interrupted_exports(store)
    finish_interrupted_writes(store.directory, store.log)
    return store


def recover_store(location: StoreLocation, recovery_key: str, new_passphrase: str) -> bytes:
    """Set a new passphrase with the recovery key. The recovery key itself stays the same.

    Returns the database key, so that a caller that goes on to open the store (the unlock
    window) does not make the user wait for the passphrase's KDF a second time.
    """
    from harmonize_evidence.vault.database import open_database

    if not location.exists():
        raise missing_store(location)
    check_new_passphrase(new_passphrase)
    key_file = KeyFile.load(location.key_file)
    key = key_file.unwrap_with_recovery_key(recovery_key)
    # Prove the key opens the database before replacing anything.
    open_database(location.database, key, key_file.cipher_page_size).close()
    key_file.with_new_passphrase(key, new_passphrase).save(location.key_file)
    if key_file.keychain:
        keychain.store_key_if_possible(key_file.store_id, key)
    return key
