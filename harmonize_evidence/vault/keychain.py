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
On Linux the key is read at start with ``secretstorage`` alone, the library keyring's own
Secret Service backend uses, from the entry that backend saved: importing keyring costs a start
about 90 ms, most of it modules its helpers load for other jobs (:func:`cached_key`).
The key is kept as a generic credential of the logged-in user, named :data:`SERVICE_NAME` with
the store's id as the user name, which Windows encrypts with that user's login; keyring saves it
with enterprise persistence (its default), which a domain's roaming profile copies to the user's
other computers, while the store itself stays in the local, non-roaming application data folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from harmonize_evidence.domain.errors import EnvironmentProblem

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE_NAME = "Harmonize Evidence"
_UNIX = ("linux", "freebsd", "openbsd")
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
    if sys.platform.startswith(_UNIX):
        from keyring.backends import SecretService

        return SecretService.Keyring
    return None


def configured() -> bool:
    """Whether a keyring backend was chosen for this user: the ``PYTHON_KEYRING_BACKEND``
    variable, or keyring's own configuration file (which then wins over the platform's own)."""
    if "PYTHON_KEYRING_BACKEND" in os.environ:
        return True
    if sys.platform.startswith(_UNIX):
        return keyring_config_file().exists()
    from keyring.util import platform_

    return bool((platform_.config_root() / "keyringrc.cfg").exists())


def keyring_config_file() -> Path:
    """keyring's configuration file on Linux and the BSDs, found where keyring looks for it
    (``$XDG_CONFIG_HOME/python_keyring``, else ``~/.config/python_keyring``) without importing
    keyring; a test holds it to keyring's own ``platform_.config_root()``."""
    root = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(root, "python_keyring", "keyringrc.cfg")


def backend() -> KeyringBackend:
    """The keychain to use: as configured for keyring, else the platform's own if usable.

    Called on a worker thread (through :func:`_with_time_limit`): it may touch the D-Bus session.
    """
    import keyring

    if not configured():
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
        text = _with_time_limit(lambda: _read_key_text(store_id))
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


def _read_key_text(store_id: str) -> str | None:
    if not configured() and sys.platform.startswith(_UNIX):
        found = _secret_service_text(store_id)
        if not isinstance(found, _NoSecretService):
            return found
    return backend().get_password(SERVICE_NAME, store_id)


class _NoSecretService:
    """There is no Secret Service on this session's bus (keyring then detects a backend)."""


_NO_SECRET_SERVICE = _NoSecretService()


def _secret_service_text(store_id: str) -> str | _NoSecretService | None:
    """The cached key's text in the Secret Service, read through ``secretstorage`` alone.

    It is read as keyring's Secret Service backend reads what it saved (the default
    collection, the attributes ``service`` and ``username``), and a locked collection or item
    is offered to unlock as keyring offers it; a refusal means the passphrase. Why without
    keyring: the module's docstring.
    """
    try:
        import secretstorage
        from secretstorage.exceptions import SecretServiceNotAvailableException
    except ImportError:  # a BSD without it (a dependency on Linux only): keyring decides
        return _NO_SECRET_SERVICE
    try:
        connection = secretstorage.dbus_init()
    except SecretServiceNotAvailableException:
        return _NO_SECRET_SERVICE
    with contextlib.closing(connection):
        if not secretstorage.check_service_availability(connection):
            return _NO_SECRET_SERVICE
        collection = secretstorage.get_default_collection(connection)
        if collection.is_locked():
            collection.unlock()
            if collection.is_locked():
                raise KeychainUnavailable("the keychain is locked")
        for item in collection.search_items({"username": store_id, "service": SERVICE_NAME}):
            if item.is_locked():
                item.unlock()
                if item.is_locked():
                    raise KeychainUnavailable("the keychain entry is locked")
            return item.get_secret().decode("utf-8")
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
