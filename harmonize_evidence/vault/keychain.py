"""Caching the database key in the OS keychain (Windows Credential Manager, macOS Keychain,
Secret Service on Linux) through ``keyring``.

The keychain is a convenience, never the root of trust: the passphrase can always open the store.
Every call here has a time limit and swallows the keychain's own failures, so a missing, locked or
hung keychain means "ask for the passphrase", never a hang or a crash. The key is never written
anywhere else: there is no fallback to a file.

On Windows the keychain is the Credential Locker (Credential Manager), which ``keyring`` reaches
through its ``WinVaultKeyring`` backend and ``pywin32-ctypes`` (a dependency keyring itself
declares for Windows). Nothing here names, sets or configures a backend: ``keyring`` picks the
best one it detects on each platform, so Windows gets the Credential Locker as macOS gets the
Keychain and Linux the Secret Service (only the tests choose one, through
``PYTHON_KEYRING_BACKEND``). keyring finds its backends through its package's entry points, so a
frozen build must carry keyring's metadata, or it finds none and the program asks for the
passphrase. The key is kept as a generic credential of the logged-in user, named
:data:`SERVICE_NAME` with the store's id as the user name, which Windows encrypts with that
user's login; keyring saves it with enterprise persistence (its default), which a domain's roaming
profile copies to the user's other computers, while the store itself stays in the local,
non-roaming application data folder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from harmonize_evidence.domain.errors import EnvironmentProblem

SERVICE_NAME = "Harmonize Evidence"
TIMEOUT_SECONDS = 5.0

log = logging.getLogger(__name__)
T = TypeVar("T")


class KeychainUnavailable(Exception):
    """The keychain did not answer, or answered with an error."""


def _with_time_limit(call: Callable[[], T]) -> T:
    """Run ``call`` on a daemon thread; give up after :data:`TIMEOUT_SECONDS`."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="keychain", daemon=True)
    worker.start()
    worker.join(TIMEOUT_SECONDS)
    if worker.is_alive():
        raise KeychainUnavailable("the keychain did not answer in time")
    if "error" in outcome:
        raise KeychainUnavailable(str(outcome["error"])) from outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def store_key(store_id: str, key: bytes) -> None:
    """Cache ``key`` for ``store_id``.

    Raises:
        EnvironmentProblem: there is no usable keychain.
    """
    import keyring

    def save_and_check() -> bool:
        keyring.set_password(SERVICE_NAME, store_id, key.hex())
        return keyring.get_password(SERVICE_NAME, store_id) == key.hex()

    try:
        stored = _with_time_limit(save_and_check)
    except KeychainUnavailable as exc:
        log.info("keychain unavailable: %s", exc)
        raise EnvironmentProblem(
            "No usable system keychain was found on this computer; run setup again without "
            "the keychain option and unlock with your passphrase instead."
        ) from exc
    if not stored:
        raise EnvironmentProblem(
            "The system keychain did not keep the key; run setup again without the keychain "
            "option and unlock with your passphrase instead."
        )


def cached_key(store_id: str) -> bytes | None:
    """The key cached for ``store_id``, or None if the keychain is missing, locked or empty."""
    try:
        import keyring

        text = _with_time_limit(lambda: keyring.get_password(SERVICE_NAME, store_id))
    except (KeychainUnavailable, ImportError) as exc:
        log.info("keychain unavailable, falling back to the passphrase: %s", exc)
        return None
    if not text:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        log.warning("keychain entry for %s is not a key; ignoring it", store_id)
        return None


def forget_key(store_id: str) -> None:
    """Remove the cached key, if any; failures are logged and ignored."""
    try:
        import keyring

        _with_time_limit(lambda: keyring.delete_password(SERVICE_NAME, store_id))
    except (KeychainUnavailable, ImportError) as exc:
        log.info("could not remove keychain entry: %s", exc)


def store_key_if_possible(store_id: str, key: bytes) -> bool:
    """Cache ``key`` if the keychain answers; report whether it did. Never raises."""
    try:
        store_key(store_id, key)
    except EnvironmentProblem:
        return False
    return True
