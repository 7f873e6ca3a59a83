"""The capture key as written (Ctrl+Shift+S), and what it means to X11 and to Windows."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.capture.hotkeys import (
    MOD_ALT,
    MOD_CONTROL,
    MOD_NOREPEAT,
    MOD_SHIFT,
    MOD_WIN,
    SUPPORTED_KEYS,
    X11_CONTROL,
    X11_LOCK,
    X11_MOD1,
    X11_MOD2,
    X11_MOD4,
    X11_SHIFT,
    KeyCombination,
    Modifier,
    UnsupportedKey,
    WindowsKey,
    X11Key,
    parse_key_combination,
    windows_key,
    x11_grab_masks,
    x11_key,
)
from harmonize_evidence.services.capture_key import CAPTURE_KEYS

HOLDING = {Modifier.CTRL, Modifier.ALT, Modifier.META}


@st.composite
def combinations(draw: st.DrawFn) -> KeyCombination:
    """Any combination the program can take for the whole desktop."""
    key = draw(st.sampled_from(SUPPORTED_KEYS))
    modifiers = draw(st.frozensets(st.sampled_from(list(Modifier))))
    if len(key) == 1 and not modifiers & HOLDING:
        modifiers |= {draw(st.sampled_from(sorted(HOLDING)))}
    return KeyCombination(frozenset(modifiers), key)


def test_the_capture_key_is_control_shift_s_on_both_systems() -> None:
    combination = parse_key_combination(CAPTURE_KEYS)
    assert combination == KeyCombination(frozenset({Modifier.CTRL, Modifier.SHIFT}), "S")
    assert x11_key(combination) == X11Key(keysym=0x73, modifiers=X11_CONTROL | X11_SHIFT)
    assert windows_key(combination) == WindowsKey(MOD_CONTROL | MOD_SHIFT | MOD_NOREPEAT, 0x53)


@given(combinations(), st.randoms())
def test_a_combination_reads_back_however_it_is_written(
    combination: KeyCombination, chance: random.Random
) -> None:
    assert parse_key_combination(combination.text) == combination
    parts = [m.value for m in combination.modifiers]
    chance.shuffle(parts)
    scrambled = " + ".join(
        "".join(c.upper() if chance.random() < 0.5 else c.lower() for c in part)
        for part in [*parts, combination.key]
    )
    assert parse_key_combination(scrambled) == combination


@given(combinations())
def test_a_combination_is_written_in_qts_order(combination: KeyCombination) -> None:
    *held, key = combination.text.split("+")
    order = [m.value for m in Modifier]
    assert held == sorted(held, key=order.index)
    assert key == combination.key


@given(st.text(max_size=30))
def test_any_text_is_a_combination_or_a_sentence_saying_why_not(text: str) -> None:
    try:
        combination = parse_key_combination(text)
    except UnsupportedKey as exc:
        assert exc.message.endswith(".")
        assert exc.exit_code == 2
    else:
        assert parse_key_combination(combination.text) == combination


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is not a key combination"),
        ("Ctrl+Shift+", "is not a key combination"),
        ("Ctrl++", "is not a key combination"),
        ("Hyper+S", "'Hyper' in 'Hyper+S' is not a modifier key"),
        ("Control+S", "'Control' in 'Control+S' is not a modifier key"),
        ("Ctrl+Ctrl+S", "names Ctrl twice"),
        ("Ctrl+Shift+Tab", "'TAB' in 'Ctrl+Shift+Tab' cannot be taken"),
        ("Ctrl+Shift+Print", "cannot be taken for the whole desktop"),
        ("Ctrl+F25", "cannot be taken for the whole desktop"),
        ("Ctrl+Shift+É", "cannot be taken for the whole desktop"),
        ("Ctrl+ı", "cannot be taken for the whole desktop"),  # a dotless i is not an I
        ("S", "would take the character S from every program"),
        ("Shift+S", "would take the character S from every program"),
        ("Shift+7", "would take the character 7 from every program"),
    ],
)
def test_keys_we_cannot_take_are_refused_with_a_reason(text: str, words: str) -> None:
    with pytest.raises(UnsupportedKey) as refused:
        parse_key_combination(text)
    assert words in refused.value.message


def test_function_keys_need_no_modifier() -> None:
    assert parse_key_combination("F9") == KeyCombination(frozenset(), "F9")
    assert parse_key_combination("shift+f12") == KeyCombination(frozenset({Modifier.SHIFT}), "F12")


@given(combinations())
def test_x11_holds_exactly_the_modifiers_written(combination: KeyCombination) -> None:
    key = x11_key(combination)
    expected = {
        Modifier.SHIFT: X11_SHIFT,
        Modifier.CTRL: X11_CONTROL,
        Modifier.ALT: X11_MOD1,
        Modifier.META: X11_MOD4,
    }
    assert key.modifiers == sum(expected[m] for m in combination.modifiers)
    if combination.key.startswith("F") and len(combination.key) > 1:
        assert key.keysym == 0xFFBE + int(combination.key[1:]) - 1  # XK_F1 onwards
    else:
        assert key.keysym == ord(combination.key.lower())  # XK_a, XK_0: Latin-1


def test_x11_uses_the_servers_bits_for_alt_and_meta() -> None:
    combination = parse_key_combination("Meta+Alt+F1")
    assert x11_key(combination, alt_mask=1 << 5, meta_mask=1 << 7).modifiers == (1 << 5) | (1 << 7)


@given(combinations(), st.sampled_from([0, X11_MOD2, X11_MOD4, 1 << 7]))
def test_caps_lock_and_num_lock_do_not_stop_the_x11_key(
    combination: KeyCombination, num_lock: int
) -> None:
    base = x11_key(combination).modifiers
    masks = x11_grab_masks(base, num_lock)
    assert masks[0] == base
    assert len(set(masks)) == len(masks)
    assert all(mask & base == base for mask in masks)
    locks = X11_LOCK | num_lock
    assert {mask & ~base for mask in masks} == {
        state & ~base for state in (0, X11_LOCK, num_lock, locks)
    }
    assert len(masks) == (4 if num_lock and not num_lock & base else 2)


@given(combinations())
def test_windows_gets_the_modifiers_written_and_no_auto_repeat(
    combination: KeyCombination,
) -> None:
    key = windows_key(combination)
    flags = {
        Modifier.SHIFT: MOD_SHIFT,
        Modifier.CTRL: MOD_CONTROL,
        Modifier.ALT: MOD_ALT,
        Modifier.META: MOD_WIN,
    }
    assert key.modifiers == MOD_NOREPEAT | sum(flags[m] for m in combination.modifiers)
    if len(combination.key) == 1:
        assert key.virtual_key == ord(combination.key)  # 'A'-'Z' and '0'-'9' are their own codes
    else:
        assert 0x70 <= key.virtual_key <= 0x87  # VK_F1 to VK_F24
        assert key.virtual_key - 0x70 + 1 == int(combination.key[1:])


@given(combinations(), combinations())
def test_different_combinations_never_mean_the_same_key(
    first: KeyCombination, second: KeyCombination
) -> None:
    if first != second:
        assert x11_key(first) != x11_key(second)
        assert windows_key(first) != windows_key(second)
