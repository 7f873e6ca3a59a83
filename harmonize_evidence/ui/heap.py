"""Keeping the garbage collector's pauses out of the start and out of the frames of a long list.

Python's cyclic garbage collector now and then walks every object the program holds. With
thousands of cases prepared for the list, such a walk landing in the middle of a sort made that
frame overrun 50 ms (``tests/benchmarks/case_list.py``, one run after the other on a quiet
machine: the longest frame 51.4 ms with the collector as it was, 31.5 ms with it off).

:func:`keep_long_lived` moves everything the program holds at that moment out of the
collector's walks (:func:`gc.freeze`, which costs no walk itself), so later collections look
only at what was made since. It is called once a large list (the cases, the incidents) has been
shown: its rows live until the next reading replaces them, and are then freed by their reference
counts as before (a frozen object is still freed when nothing refers to it; only a cycle among
frozen objects would stay, and the prepared rows hold none).

The start: importing the program and building its first window made the collector run about 85
times (15-20 ms of a start to the main window's list of 5,000 incidents), each time over objects
that live as long as the program. :func:`pause_collection_for_start` turns it off before the
desktop program's code is imported, and :func:`resume_collection` turns it back on once the
first window shows what it shows (the list, the unlock window, the setup wizard, or a dialog
saying why the program cannot go on), or at the latest after :data:`START_PAUSE_LIMIT_MS`. The
few hundred objects that importing leaves in reference cycles (437 in that start, 80 KB) are
not collected before the list's :func:`keep_long_lived`, which then keeps them: once, not for
each reading.
"""

from __future__ import annotations

import gc

START_PAUSE_LIMIT_MS = 15_000
"""The collector is back on by this long after the start, whatever the first window waits for
(the keychain gives up after 5 s)."""


class _Start:
    paused = False
    """Whether the collector is off because :func:`pause_collection_for_start` turned it off
    (and not someone else)."""


def keep_long_lived() -> None:
    """Leave what exists now out of the garbage collector's future walks."""
    gc.freeze()


def pause_collection_for_start() -> None:
    """Turn the collector off until :func:`resume_collection` (if it was on)."""
    if gc.isenabled():
        gc.disable()
        _Start.paused = True


def resume_collection() -> None:
    """Turn the collector back on if :func:`pause_collection_for_start` turned it off."""
    if _Start.paused:
        _Start.paused = False
        gc.enable()


def collection_paused() -> bool:
    """Whether the collector is off for the start."""
    return _Start.paused
