"""How strong a passphrase looks, as the setup wizard and the new-passphrase window tell the user
while they type.

A rough guide only (the store's own rule, the minimum length, is the final word); it imports no
Qt, so the unlock window can use it without loading the setup wizard.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

PASSPHRASE_MIN = 8
_COMMON = (
    "password",
    "passw0rd",
    "qwerty",
    "letmein",
    "welcome",
    "iloveyou",
    "12345678",
    "123456789",
    "abc123",
    "school",
    "teacher",
    "football",
    "monkey",
    "dragon",
    "admin",
)


@dataclass(frozen=True)
class Strength:
    """How hard a passphrase looks to guess: a score from 0 to 4 and a hint for the user."""

    score: int
    hint: str

    @property
    def acceptable(self) -> bool:
        """Long enough to be accepted at all (the store's own rule is the final word)."""
        return self.score > 0


def passphrase_strength(passphrase: str) -> Strength:
    """A rough guide to a passphrase's strength, shown as the user types."""
    text = unicodedata.normalize("NFC", passphrase)
    if len(text) < PASSPHRASE_MIN:
        return Strength(0, f"Too short: use at least {PASSPHRASE_MIN} characters.")
    pool = 0
    if any(c.islower() for c in text):
        pool += 26
    if any(c.isupper() for c in text):
        pool += 26
    if any(c.isdigit() for c in text):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in text):
        pool += 33
    if any(not c.isascii() for c in text):
        pool += 100
    distinct = len(set(text.casefold()))
    bits = min(len(text), distinct * 2) * math.log2(max(pool, 2))
    lowered = text.casefold()
    if any(word in lowered for word in _COMMON) or distinct <= 3:
        bits = min(bits, 30)
    words = len(text.split())
    if words >= 4:
        bits = max(bits, 70.0)
    if bits < 40:
        return Strength(1, "Weak: easy to guess. Four or more unrelated words are stronger.")
    if bits < 60:
        return Strength(2, "Fair. A longer sentence of unrelated words would be stronger.")
    if bits < 80:
        return Strength(3, "Good.")
    return Strength(4, "Strong.")
