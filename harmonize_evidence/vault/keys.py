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

# Argon2id cost: about 0.4 s and 256 MiB on a 2-core machine (see tests/benchmarks/store.py).
ARGON2_MEMORY_KIB = 262144
ARGON2_ITERATIONS = 2
ARGON2_LANES = 4

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


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text, validate=True)


def _aad(store_id: str, slot: str) -> bytes:
    return f"{KEY_FILE_FORMAT}/{KEY_FILE_VERSION}|{store_id}|{slot}".encode()


def _argon2(passphrase: str, salt: bytes, memory_kib: int, iterations: int, lanes: int) -> bytes:
    kdf = Argon2id(salt=salt, length=32, iterations=iterations, lanes=lanes, memory_cost=memory_kib)
    return kdf.derive(normalise_passphrase(passphrase))


def _hkdf(recovery: bytes, salt: bytes) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"harmonize-evidence recovery")
    return kdf.derive(recovery)


@dataclass(frozen=True)
class KeyFile:
    """The parsed key file. Holds only wrapped keys; see the module docstring for the format."""

    store_id: str
    cipher_page_size: int
    keychain: bool
    key_check: str
    passphrase_slot: dict[str, Any]
    recovery_slot: dict[str, Any]

    @classmethod
    def create(
        cls, key: bytes, passphrase: str, recovery_key: str, *, page_size: int, keychain: bool
    ) -> KeyFile:
        """Wrap ``key`` under both the passphrase and the recovery key."""
        store_id = str(uuid.uuid4())
        return cls(
            store_id=store_id,
            cipher_page_size=page_size,
            keychain=keychain,
            key_check=key_check(key),
            passphrase_slot=_wrap_with_passphrase(key, passphrase, store_id),
            recovery_slot=_wrap_with_recovery(key, recovery_key_bytes(recovery_key), store_id),
        )

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        """The database key, or :class:`StoreLocked` if the passphrase is wrong."""
        slot = self.passphrase_slot
        try:
            wrapping = _argon2(
                passphrase,
                _unb64(slot["salt"]),
                int(slot["memory_kib"]),
                int(slot["iterations"]),
                int(slot["lanes"]),
            )
            return self._unwrap(wrapping, slot, "passphrase")
        except InvalidTag as exc:
            raise StoreLocked(
                "That passphrase is not right; try again, or use the recovery key "
                "if you have forgotten it."
            ) from exc

    def unwrap_with_recovery_key(self, recovery_key: str) -> bytes:
        """The database key, or :class:`StoreLocked` if the recovery key is wrong."""
        slot = self.recovery_slot
        try:
            wrapping = _hkdf(recovery_key_bytes(recovery_key), _unb64(slot["salt"]))
            return self._unwrap(wrapping, slot, "recovery")
        except InvalidTag as exc:
            raise StoreLocked(
                "That recovery key does not open this store; check it against the printed copy."
            ) from exc

    def with_new_passphrase(self, key: bytes, passphrase: str) -> KeyFile:
        """A copy whose passphrase slot wraps ``key`` under a new passphrase (fresh salt)."""
        return replace(self, passphrase_slot=_wrap_with_passphrase(key, passphrase, self.store_id))

    def matches(self, key: bytes) -> bool:
        """Whether ``key`` is this store's key (used to check a key from the keychain)."""
        return hmac.compare_digest(key_check(key), self.key_check)

    def _unwrap(self, wrapping: bytes, slot: dict[str, Any], name: str) -> bytes:
        try:
            nonce, wrapped = _unb64(slot["nonce"]), _unb64(slot["wrapped_key"])
        except (KeyError, ValueError) as exc:
            raise StoreDamaged(_KEY_FILE_DAMAGED) from exc
        key = AESGCM(wrapping).decrypt(nonce, wrapped, _aad(self.store_id, name))
        if not self.matches(key):
            raise StoreDamaged(_KEY_FILE_DAMAGED)
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
            "passphrase": self.passphrase_slot,
            "recovery": self.recovery_slot,
        }
        return json.dumps(document, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> KeyFile:
        """Parse a key file, or :class:`StoreDamaged` if it is not one we can read."""
        try:
            document = json.loads(data)
            if document.get("format") != KEY_FILE_FORMAT:
                raise ValueError("wrong format")
            if document.get("version") != KEY_FILE_VERSION:
                raise ValueError("unknown version")
            return cls(
                store_id=str(document["store_id"]),
                cipher_page_size=int(document["cipher_page_size"]),
                keychain=bool(document["keychain"]),
                key_check=str(document["key_check"]),
                passphrase_slot=dict(document["passphrase"]),
                recovery_slot=dict(document["recovery"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreDamaged(_KEY_FILE_DAMAGED) from exc

    def save(self, path: Path) -> None:
        """Write the key file atomically, private to the user."""
        write_private_file(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read the key file at ``path``."""
        try:
            return cls.from_json(path.read_bytes())
        except OSError as exc:
            raise StoreDamaged(_KEY_FILE_DAMAGED) from exc


_KEY_FILE_DAMAGED = (
    "The store's key file is damaged or unreadable; restore key.json from a backup "
    "of the store folder."
)


def _wrap(key: bytes, wrapping: bytes, store_id: str, slot: str) -> tuple[bytes, bytes]:
    nonce = secrets.token_bytes(12)
    return nonce, AESGCM(wrapping).encrypt(nonce, key, _aad(store_id, slot))


def _wrap_with_passphrase(key: bytes, passphrase: str, store_id: str) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    wrapping = _argon2(passphrase, salt, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES)
    nonce, wrapped = _wrap(key, wrapping, store_id, "passphrase")
    return {
        "kdf": "argon2id",
        "memory_kib": ARGON2_MEMORY_KIB,
        "iterations": ARGON2_ITERATIONS,
        "lanes": ARGON2_LANES,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "wrapped_key": _b64(wrapped),
    }


def _wrap_with_recovery(key: bytes, recovery: bytes, store_id: str) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    nonce, wrapped = _wrap(key, _hkdf(recovery, salt), store_id, "recovery")
    return {
        "kdf": "hkdf-sha256",
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "wrapped_key": _b64(wrapped),
    }
