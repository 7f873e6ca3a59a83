"""The database key and the two ways it is kept: under the passphrase and under a recovery key.

Key file format, version 1 (``key.json`` beside the database)
=============================================================

The database is opened with a random 256-bit key used as a SQLCipher *raw* key. That key is never
written anywhere in the clear. The key file holds it twice, each time wrapped with AES-256-GCM
(authenticated, so a wrong passphrase is known before the database is touched)::

    {
      "format": "harmonize-evidence/key-file", "version": 1,
      "store_id": "<uuid4>",                      # also the keychain entry's user name
      "cipher_page_size": 16384,                  # SQLCipher page size of the database
      "keychain": true | false,                   # whether init cached the key in the OS keychain
      "key_check": "<hex HMAC-SHA256(key, 'harmonize-evidence key check')>",
      "passphrase": {"kdf": "argon2id", "memory_kib": 262144, "iterations": 2, "lanes": 4,
                     "salt": b64, "nonce": b64, "wrapped_key": b64},
      "recovery":   {"kdf": "hkdf-sha256", "salt": b64, "nonce": b64, "wrapped_key": b64}
    }

The associated data of each wrapping is ``harmonize-evidence/key-file/1|<store_id>|<slot>``, so a
wrapping cannot be moved to another store or slot.

Passphrases are normalised once, to Unicode NFC, then encoded as UTF-8, so the same passphrase
typed with a composed "é" or with "e" plus a combining accent opens the store. Nothing else is
changed: spaces, quotes and emoji are part of the passphrase.

The recovery key is 160 random bits shown as eight groups of four base-32 characters. It is
already full-strength key material, so it is stretched with HKDF rather than a slow KDF.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from harmonize_evidence.domain.errors import BadInput, StoreDamaged, StoreLocked
from harmonize_evidence.vault.files import write_private_file

KEY_FILE_FORMAT = "harmonize-evidence/key-file"
KEY_FILE_VERSION = 1
KEY_BYTES = 32
RECOVERY_BYTES = 20
PASSPHRASE_MIN_LENGTH = 8


@dataclass(frozen=True)
class PassphraseCost:
    """The Argon2id cost of wrapping the key under a passphrase."""

    memory_kib: int
    """Memory in KiB."""
    iterations: int
    """Passes over the memory."""
    lanes: int
    """Degree of parallelism."""


# About 0.4 s and 256 MiB on a 2-core machine (see tests/benchmarks/store.py). Every store a
# user makes, and every passphrase a user sets, uses this cost; a lower one can be asked for only
# by code (the test suite's template stores), never from the command line, the GUI or a variable.
STANDARD_COST = PassphraseCost(memory_kib=262144, iterations=2, lanes=4)

# Bounds on what a key file may ask for. The key file is read before anything is unlocked, so a
# damaged or hostile one must not be able to make the program allocate gigabytes or spin for
# minutes: anything outside these bounds is refused as damage before the KDF runs. The upper
# bounds leave room for stronger settings in later versions (4 times the memory, 5 times the
# passes); the lower ones are Argon2id's own minimums.
MAX_MEMORY_KIB = 4 * STANDARD_COST.memory_kib
MAX_ITERATIONS = 10
MAX_LANES = 16
SALT_BYTES = 16
NONCE_BYTES = 12
WRAPPED_KEY_BYTES = KEY_BYTES + 16  # the key and its GCM tag
MIN_PAGE_SIZE, MAX_PAGE_SIZE = 512, 65536  # SQLCipher's page sizes are powers of two in this range

_KEY_CHECK_LABEL = b"harmonize-evidence key check"
_RECOVERY_TRANSLATION = str.maketrans({"0": "O", "1": "I", "8": "B"})


def normalise_passphrase(passphrase: str) -> bytes:
    """The bytes a passphrase stands for: Unicode NFC, then UTF-8."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def check_new_passphrase(passphrase: str) -> str:
    """Refuse a passphrase that is too short to protect evidence."""
    if len(unicodedata.normalize("NFC", passphrase)) < PASSPHRASE_MIN_LENGTH:
        raise BadInput(
            f"The passphrase must be at least {PASSPHRASE_MIN_LENGTH} characters; "
            "a short sentence is easiest to remember."
        )
    return passphrase


def new_database_key() -> bytes:
    """A fresh random 256-bit database key."""
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_key() -> str:
    """A fresh recovery key, e.g. ``ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567``."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_BYTES)).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def recovery_key_bytes(recovery_key: str) -> bytes:
    """Decode a recovery key typed by a person (any case, spaces or dashes, 0/1/8 for O/I/B)."""
    cleaned = "".join(recovery_key.split()).replace("-", "").upper()
    cleaned = cleaned.translate(_RECOVERY_TRANSLATION)
    try:
        raw = base64.b32decode(cleaned)
    except ValueError as exc:
        raise StoreLocked(
            "That recovery key is not valid; check it against the printed copy."
        ) from exc
    if len(raw) != RECOVERY_BYTES:
        raise StoreLocked("That recovery key is not valid; check it against the printed copy.")
    return raw


def key_check(key: bytes) -> str:
    """A value that confirms a candidate key without revealing it."""
    return hmac.new(key, _KEY_CHECK_LABEL, hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, length: int, what: str) -> bytes:
    """Decode base64 that must hold exactly ``length`` bytes, or :class:`KeyFileDamaged`."""
    if not isinstance(text, str) or len(text) > 4 * length:
        raise KeyFileDamaged(what)
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyFileDamaged(what) from exc
    if len(raw) != length:
        raise KeyFileDamaged(what)
    return raw


class KeyFileDamaged(ValueError):
    """A value of the key file that cannot be right; names it for the user's sentence."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _bounded_int(slot: dict[str, Any], name: str, low: int, high: int, what: str) -> int:
    value = slot.get(name)
    if type(value) is not int or not low <= value <= high:
        raise KeyFileDamaged(what)
    return value


def _aad(store_id: str, slot: str) -> bytes:
    return f"{KEY_FILE_FORMAT}/{KEY_FILE_VERSION}|{store_id}|{slot}".encode()


def new_store_id() -> str:
    """A new store's id: a random UUID, as the key file and the keychain entry carry it."""
    return str(uuid.uuid4())


def _argon2(passphrase: str, salt: bytes, cost: PassphraseCost) -> bytes:
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=cost.iterations,
        lanes=cost.lanes,
        memory_cost=cost.memory_kib,
    )
    return kdf.derive(normalise_passphrase(passphrase))


def _hkdf(recovery: bytes, salt: bytes) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"harmonize-evidence recovery")
    return kdf.derive(recovery)


@dataclass(frozen=True)
class WrappedKey:
    """The database key wrapped once (AES-256-GCM), and how the wrapping key is derived."""

    kdf: str
    """``argon2id`` (the passphrase) or ``hkdf-sha256`` (the recovery key)."""
    salt: bytes
    """The KDF's salt (16 bytes)."""
    nonce: bytes
    """The GCM nonce (12 bytes)."""
    wrapped_key: bytes
    """The encrypted key and its tag (48 bytes)."""
    cost: PassphraseCost | None = None
    """Argon2id's cost; ``None`` for the recovery key."""

    def to_json(self) -> dict[str, Any]:
        """The slot as it is written in the key file."""
        document: dict[str, Any] = {"kdf": self.kdf}
        if self.cost is not None:
            document.update(
                memory_kib=self.cost.memory_kib,
                iterations=self.cost.iterations,
                lanes=self.cost.lanes,
            )
        document.update(
            salt=_b64(self.salt), nonce=_b64(self.nonce), wrapped_key=_b64(self.wrapped_key)
        )
        return document

    @classmethod
    def from_json(cls, slot: Any, name: str) -> WrappedKey:
        """Read one slot, refusing any value outside its bounds (:class:`KeyFileDamaged`)."""
        if not isinstance(slot, dict):
            raise KeyFileDamaged(f"its {name} entry is missing")
        expected = "argon2id" if name == "passphrase" else "hkdf-sha256"
        if slot.get("kdf") != expected:
            raise KeyFileDamaged(f"its {name} entry names an unknown key derivation")
        cost = None
        if name == "passphrase":
            lanes = _bounded_int(slot, "lanes", 1, MAX_LANES, "its passphrase lanes are not valid")
            cost = PassphraseCost(
                memory_kib=_bounded_int(
                    slot,
                    "memory_kib",
                    8 * lanes,
                    MAX_MEMORY_KIB,
                    "its passphrase memory cost is not valid",
                ),
                iterations=_bounded_int(
                    slot,
                    "iterations",
                    1,
                    MAX_ITERATIONS,
                    "its passphrase iteration count is not valid",
                ),
                lanes=lanes,
            )
        return cls(
            kdf=expected,
            salt=_unb64(slot.get("salt"), SALT_BYTES, f"its {name} salt is not valid"),
            nonce=_unb64(slot.get("nonce"), NONCE_BYTES, f"its {name} nonce is not valid"),
            wrapped_key=_unb64(
                slot.get("wrapped_key"), WRAPPED_KEY_BYTES, f"its wrapped {name} key is not valid"
            ),
            cost=cost,
        )


@dataclass(frozen=True)
class KeyFile:
    """The parsed key file. Holds only wrapped keys; see the module docstring for the format."""

    store_id: str
    cipher_page_size: int
    keychain: bool
    key_check: str
    passphrase_slot: WrappedKey
    recovery_slot: WrappedKey

    @classmethod
    def create(
        cls,
        key: bytes,
        passphrase: str,
        recovery_key: str,
        *,
        page_size: int,
        keychain: bool,
        cost: PassphraseCost = STANDARD_COST,
        store_id: str | None = None,
    ) -> KeyFile:
        """Wrap ``key`` under both the passphrase and the recovery key.

        ``store_id`` is the store's id when the caller needed it first (a new one otherwise).
        """
        store_id = store_id or new_store_id()
        return cls(
            store_id=store_id,
            cipher_page_size=page_size,
            keychain=keychain,
            key_check=key_check(key),
            passphrase_slot=_wrap_with_passphrase(key, passphrase, store_id, cost),
            recovery_slot=_wrap_with_recovery(key, recovery_key_bytes(recovery_key), store_id),
        )

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        """The database key, or :class:`StoreLocked` if the passphrase is wrong."""
        slot = self.passphrase_slot
        assert slot.cost is not None  # from_json and create always set it
        try:
            return self._unwrap(_argon2(passphrase, slot.salt, slot.cost), slot, "passphrase")
        except InvalidTag as exc:
            raise StoreLocked(
                "That passphrase is not right; try again, or use the recovery key "
                "if you have forgotten it."
            ) from exc

    def unwrap_with_recovery_key(self, recovery_key: str) -> bytes:
        """The database key, or :class:`StoreLocked` if the recovery key is wrong."""
        slot = self.recovery_slot
        try:
            wrapping = _hkdf(recovery_key_bytes(recovery_key), slot.salt)
            return self._unwrap(wrapping, slot, "recovery")
        except InvalidTag as exc:
            raise StoreLocked(
                "That recovery key does not open this store; check it against the printed copy."
            ) from exc

    def with_new_passphrase(self, key: bytes, passphrase: str) -> KeyFile:
        """A copy whose passphrase slot wraps ``key`` under a new passphrase (fresh salt).

        A passphrase the user sets always gets the standard cost.
        """
        return replace(
            self,
            passphrase_slot=_wrap_with_passphrase(key, passphrase, self.store_id, STANDARD_COST),
        )

    def matches(self, key: bytes) -> bool:
        """Whether ``key`` is this store's key (used to check a key from the keychain)."""
        return hmac.compare_digest(key_check(key), self.key_check)

    def _unwrap(self, wrapping: bytes, slot: WrappedKey, name: str) -> bytes:
        key = AESGCM(wrapping).decrypt(slot.nonce, slot.wrapped_key, _aad(self.store_id, name))
        if not self.matches(key):
            raise StoreDamaged(_damaged("the key it unwraps does not match its key check"))
        return key

    def to_json(self) -> bytes:
        """The key file's bytes."""
        document = {
            "format": KEY_FILE_FORMAT,
            "version": KEY_FILE_VERSION,
            "store_id": self.store_id,
            "cipher_page_size": self.cipher_page_size,
            "keychain": self.keychain,
            "key_check": self.key_check,
            "passphrase": self.passphrase_slot.to_json(),
            "recovery": self.recovery_slot.to_json(),
        }
        return json.dumps(document, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> KeyFile:
        """Parse a key file, or :class:`StoreDamaged` naming what cannot be right in it."""
        try:
            if len(data) > MAX_KEY_FILE_BYTES:
                raise KeyFileDamaged("it is far larger than a key file")
            try:
                document = json.loads(data)
            except (ValueError, RecursionError) as exc:
                raise KeyFileDamaged("it is not readable JSON") from exc
            if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
                raise KeyFileDamaged("it is not a key file of this program")
            if document.get("version") != KEY_FILE_VERSION:
                raise KeyFileDamaged("it is of a version this program does not know")
            store_id = document.get("store_id")
            if not isinstance(store_id, str) or not _is_uuid(store_id):
                raise KeyFileDamaged("its store id is not valid")
            page_size = document.get("cipher_page_size")
            if (
                type(page_size) is not int
                or not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE
                or page_size & (page_size - 1)
            ):
                raise KeyFileDamaged("its page size is not valid")
            keychain = document.get("keychain")
            if not isinstance(keychain, bool):
                raise KeyFileDamaged("its keychain setting is not valid")
            check = document.get("key_check")
            if not isinstance(check, str) or not _HEX64.fullmatch(check):
                raise KeyFileDamaged("its key check is not valid")
            return cls(
                store_id=store_id,
                cipher_page_size=page_size,
                keychain=keychain,
                key_check=check,
                passphrase_slot=WrappedKey.from_json(document.get("passphrase"), "passphrase"),
                recovery_slot=WrappedKey.from_json(document.get("recovery"), "recovery"),
            )
        except KeyFileDamaged as exc:
            raise StoreDamaged(_damaged(exc.what)) from exc

    def save(self, path: Path) -> None:
        """Write the key file atomically, private to the user, replacing the one at ``path``.

        A reader sees the old key file or the new one, never neither; a full disk or a folder
        that takes no writes is :class:`DiskFull` or :class:`StoreReadOnly`, and leaves the old
        key file as it was.
        """
        write_private_file(path, self.to_json(), replace=True)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read the key file at ``path``."""
        try:
            with path.open("rb") as file:
                data = file.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise StoreDamaged(
                f"The store's key file {path} cannot be read ({exc.strerror or exc}); check the "
                "folder's permissions, or restore key.json from a backup of the store folder."
            ) from exc
        return cls.from_json(data)


# A key file is under 1 KiB; anything far larger is not one (and is not worth parsing).
MAX_KEY_FILE_BYTES = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _damaged(what: str) -> str:
    return (
        f"The store's key file is damaged ({what}); restore key.json from a backup of the store "
        "folder."
    )


def _wrap(key: bytes, wrapping: bytes, store_id: str, slot: str) -> tuple[bytes, bytes]:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce, AESGCM(wrapping).encrypt(nonce, key, _aad(store_id, slot))


def _wrap_with_passphrase(
    key: bytes, passphrase: str, store_id: str, cost: PassphraseCost
) -> WrappedKey:
    salt = secrets.token_bytes(SALT_BYTES)
    nonce, wrapped = _wrap(key, _argon2(passphrase, salt, cost), store_id, "passphrase")
    return WrappedKey("argon2id", salt, nonce, wrapped, cost)


def _wrap_with_recovery(key: bytes, recovery: bytes, store_id: str) -> WrappedKey:
    salt = secrets.token_bytes(SALT_BYTES)
    nonce, wrapped = _wrap(key, _hkdf(recovery, salt), store_id, "recovery")
    return WrappedKey("hkdf-sha256", salt, nonce, wrapped)
