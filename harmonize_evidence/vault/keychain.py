"""Caching the database key in the OS keychain (Windows Credential Manager, macOS Keychain,
Secret Service on Linux) through ``keyring``.

The keychain is a convenience, never the root of trust: the passphrase can always open the store.
Every call here has a time limit and swallows the keychain's own failures, so a missing, locked or
hung keychain means "ask for the passphrase", never a hang or a crash. The key is never written
anywhere else: there is no fallback to a file.

On Windows the keychain is the Credential Locker (Credential Manager), which ``keyring`` reaches
through its ``WinVaultKeyring`` backend and ``pywin32-ctypes`` (a dependency keyring itself
declares for Windows); macOS has its Keychain and Linux the Secret Service (GNOME Keyring, KDE
Wallet). :func:`backend` takes that platform's own backend directly, when it is usable, rather
than letting ``keyring`` detect one: detection loads every backend keyring knows through entry
points and asks each whether it works, which took about 90 ms of a start to the main window on the
development machine, on the way to the first window. What a user or an administrator configured
for ``keyring`` still wins: the ``PYTHON_KEYRING_BACKEND`` variable (the tests choose a backend
with it), or keyring's own configuration file. Where the platform's backend is not usable (no
Secret Service on the D-Bus session, say, under an older KDE that has only its own wallet),
keyring detects one as before. A frozen build carries keyring's metadata for that detection.
The key is kept as a generic credential of the logged-in user, named :data:`SERVICE_NAME` with
the store's id as the user name, which Windows encrypts with that user's login; keyring saves it
with enterprise persistence (its default), which a domain's roaming profile copies to the user's
other computers, while the store itself stays in the local, non-roaming application data folder.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from harmonize_evidence.domain.errors import EnvironmentProblem

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

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


def _native_backend() -> type[KeyringBackend] | None:
    """This platform's own keychain backend class, if keyring has one here."""
    if sys.platform == "win32":
        from keyring.backends import Windows

        return Windows.WinVaultKeyring
    if sys.platform == "darwin":
        from keyring.backends import macOS

        return macOS.Keyring
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        from keyring.backends import SecretService

        return SecretService.Keyring
    return None


def backend() -> KeyringBackend:
    """The keychain to use: as configured for keyring, else the platform's own if usable.

    Called on a worker thread (through :func:`_with_time_limit`): it may touch the D-Bus session.
    """
    import keyring
    from keyring.util import platform_

    configured = "PYTHON_KEYRING_BACKEND" in os.environ or (
        (platform_.config_root() / "keyringrc.cfg").exists()
    )
    if not configured:
        native = _native_backend()
        if native is not None and native.viable:
            return native()
    return keyring.get_keyring()


def store_key(store_id: str, key: bytes) -> None:
    """Cache ``key`` for ``store_id``.

    Raises:
        EnvironmentProblem: there is no usable keychain.
    """

    def save_and_check() -> bool:
        keychain = backend()
        keychain.set_password(SERVICE_NAME, store_id, key.hex())
        return keychain.get_password(SERVICE_NAME, store_id) == key.hex()

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
        text = _with_time_limit(lambda: backend().get_password(SERVICE_NAME, store_id))
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
        _with_time_limit(lambda: backend().delete_password(SERVICE_NAME, store_id))
    except (KeychainUnavailable, ImportError) as exc:
        log.info("could not remove keychain entry: %s", exc)


def store_key_if_possible(store_id: str, key: bytes) -> bool:
    """Cache ``key`` if the keychain answers; report whether it did. Never raises."""
    try:
        store_key(store_id, key)
    except EnvironmentProblem:
        return False
    return True
