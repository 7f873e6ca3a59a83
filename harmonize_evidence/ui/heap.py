"""Keeping the garbage collector's pauses out of the frames of a long list.

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
"""

from __future__ import annotations

import gc


def keep_long_lived() -> None:
    """Leave what exists now out of the garbage collector's future walks."""
    gc.freeze()
