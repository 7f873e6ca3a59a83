"""A damaged or hostile key file is named as damage before any key derivation runs."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.errors import StoreDamaged, StoreLocked
from harmonize_evidence.services.store import unlock_key
from harmonize_evidence.vault.keys import (
    MAX_ITERATIONS,
    MAX_LANES,
    MAX_MEMORY_KIB,
    STANDARD_COST,
    KeyFile,
)
from tests.conftest import PASSPHRASE, Cli, MadeStore

# Each case: a path into the key file's JSON, the value put there, and words of the sentence.
HOSTILE_VALUES: list[tuple[tuple[str, ...], Any, str]] = [
    (("passphrase",), [], "passphrase entry is missing"),
    (("recovery",), [], "recovery entry is missing"),
    (("passphrase", "salt"), "c2hvcnQ=", "passphrase salt"),
    (("passphrase", "salt"), "not base64!", "passphrase salt"),
    (("passphrase", "nonce"), "", "passphrase nonce"),
    (("passphrase", "lanes"), 0, "lanes"),
    (("passphrase", "lanes"), 1 << 40, "lanes"),
    (("passphrase", "memory_kib"), 1 << 40, "memory cost"),
    (("passphrase", "memory_kib"), -1, "memory cost"),
    (("passphrase", "iterations"), 10**12, "iteration count"),
    (("passphrase", "iterations"), 0, "iteration count"),
    (("passphrase", "iterations"), 2.5, "iteration count"),
    (("passphrase", "iterations"), "2", "iteration count"),
    (("passphrase", "kdf"), "pbkdf2", "unknown key derivation"),
    (("recovery", "wrapped_key"), None, "wrapped recovery key"),
    (("cipher_page_size",), 3000, "page size"),
    (("cipher_page_size",), 1 << 30, "page size"),
    (("store_id",), "../../etc", "store id"),
    (("key_check",), "00", "key check"),
]


def _edited(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    edited = json.loads(json.dumps(document))
    target = edited
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return edited


@pytest.mark.parametrize(("path", "value", "words"), HOSTILE_VALUES)
def test_a_key_file_with_wrong_values_is_damage_named_before_any_kdf(
    made_store: MadeStore, path: tuple[str, ...], value: Any, words: str
) -> None:
    document = json.loads(made_store.location.key_file.read_bytes())
    made_store.location.key_file.write_text(json.dumps(_edited(document, path, value)))
    # Refused while the file is read: the passphrase source is never even asked.
    asked: list[bool] = []
    with pytest.raises(StoreDamaged) as caught:
        unlock_key(made_store.location, lambda: asked.append(True) or PASSPHRASE)
    assert asked == []
    assert caught.value.message.startswith("The store's key file is damaged (")
    assert words in caught.value.message
    assert caught.value.message.endswith("restore key.json from a backup of the store folder.")


@settings(max_examples=150)
@given(data=st.data())
def test_any_edit_of_a_key_file_is_refused_or_opens_never_crashes(
    made_store: MadeStore, data: st.DataObject
) -> None:
    original = made_store.location.key_file.read_bytes()
    document = json.loads(original)
    paths = [(name,) for name in document] + [
        ("passphrase", name) for name in document["passphrase"]
    ]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(1 << 70), max_value=1 << 70),
            st.floats(allow_nan=True),
            st.text(max_size=80),
            st.lists(st.integers(), max_size=3),
            st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
        )
    )
    edited = json.dumps(_edited(document, path, value)).encode()
    try:
        key_file = KeyFile.from_json(edited)
    except StoreDamaged as refused:
        assert refused.message.startswith("The store's key file is damaged (")
        return
    # Whatever was accepted is within the bounds, so unwrapping it cannot take long.
    cost = key_file.passphrase_slot.cost
    assert cost is not None
    assert cost.memory_kib <= MAX_MEMORY_KIB
    assert cost.iterations <= MAX_ITERATIONS
    assert 1 <= cost.lanes <= MAX_LANES
    with contextlib.suppress(StoreLocked, StoreDamaged):
        key_file.unwrap_with_passphrase(PASSPHRASE)


def test_arbitrary_bytes_as_a_key_file_are_damage(tmp_path: Path) -> None:
    @settings(max_examples=200)
    @given(st.binary(max_size=2000))
    def check(data: bytes) -> None:
        with pytest.raises(StoreDamaged):
            KeyFile.from_json(data)

    check()


def test_a_huge_key_file_is_refused_without_reading_it_all(made_store: MadeStore) -> None:
    with made_store.location.key_file.open("wb") as file:
        file.truncate(1 << 30)  # a sparse gigabyte
    with pytest.raises(StoreDamaged, match="far larger than a key file"):
        KeyFile.load(made_store.location.key_file)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("passphrase",), []),
        (("passphrase", "salt"), "c2hvcnQ="),
        (("passphrase", "nonce"), ""),
        (("passphrase", "lanes"), 0),
        (("passphrase", "memory_kib"), 1 << 40),
        (("passphrase", "iterations"), 10**12),
    ],
)
def test_the_command_line_says_the_key_file_is_damaged_with_exit_4(
    initialised_cli: Cli, path: tuple[str, ...], value: Any
) -> None:
    key_file = initialised_cli.store_dir / "key.json"
    key_file.write_text(json.dumps(_edited(json.loads(key_file.read_bytes()), path, value)))
    # A hang, or a derivation sized by the file, would run into this limit.
    result = initialised_cli("incident", "list", timeout=30)
    assert result.code == 4, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("harmonize-evidence: The store's key file is damaged (")
    assert "Traceback" not in result.stderr


def test_init_always_uses_the_standard_passphrase_cost(cli: Cli) -> None:
    result = cli("init", "--name", "Zoë Lane", "--initials", "ZL", "--school", "Oak Hill")
    assert result.code == 0, result.stderr
    slot = json.loads((cli.store_dir / "key.json").read_bytes())["passphrase"]
    assert (slot["memory_kib"], slot["iterations"], slot["lanes"]) == (
        STANDARD_COST.memory_kib,
        STANDARD_COST.iterations,
        STANDARD_COST.lanes,
    )
