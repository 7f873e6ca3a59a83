"""The windows under a capture: the snapshot taken at the grab, and how Windows' list becomes one.

Windows' own calls run only on Windows; what they return is a list of records in Z order, and
turning that list into the snapshot (which windows show, which title is under a point) is the part
tested here, with the records given as Windows would list them.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.capture.geometry import Rect
from harmonize_evidence.capture.win32 import WindowRecord, stack_from_records, window_stack
from harmonize_evidence.capture.windows import (
    MAX_UNCOVERED_PARTS,
    StackedWindow,
    UncoveredScreen,
    WindowStack,
    WindowTitle,
)

SCREEN = Rect(0, 0, 1920, 1080)


def shown(hwnd: int, rect: Rect, title: str) -> WindowRecord:
    return WindowRecord(hwnd, rect, title, visible=True, cloaked=False, iconic=False)


def test_the_title_under_a_point_is_the_topmost_window_there() -> None:
    stack = stack_from_records(
        [
            shown(0x30, Rect(1200, 100, 300, 200), "Notification: new message"),
            shown(0x20, Rect(0, 0, 1920, 1040), "Comments – Instagram - Google Chrome"),
            shown(0x10, Rect(0, 1040, 1920, 40), ""),
        ],
        SCREEN,
        foreground=0x20,
    )
    assert stack.title_at(1300, 150).title == "Notification: new message"
    page = stack.title_at(100, 100)
    assert page.title == "Comments – Instagram - Google Chrome"
    assert page.source == "Windows GetWindowTextW of window 0x20, the foreground window"
    taskbar = stack.title_at(100, 1050)
    assert (taskbar.title, taskbar.source) == ("unknown", "window 0x10 has no title")


def test_hidden_minimised_cloaked_and_click_through_windows_are_left_out() -> None:
    whole = Rect(0, 0, 1920, 1080)
    stack = stack_from_records(
        [
            WindowRecord(1, whole, "Tray flyout", visible=False, cloaked=False, iconic=False),
            WindowRecord(2, whole, "Minimised mail", visible=True, cloaked=False, iconic=True),
            WindowRecord(3, whole, "On desktop 2", visible=True, cloaked=True, iconic=False),
            WindowRecord(4, whole, "Graphics overlay", True, False, False, click_through=True),
            WindowRecord(5, Rect(10, 10, 0, 50), "No width", True, False, False),
            WindowRecord(6, None, "Frame not read", True, False, False),
            shown(7, whole, "Facebook - Mozilla Firefox"),
        ],
        SCREEN,
    )
    assert [w.title.title for w in stack.windows] == ["Facebook - Mozilla Firefox"]
    assert stack.title_at(15, 15).title == "Facebook - Mozilla Firefox"


def test_windows_wholly_behind_others_are_left_out() -> None:
    stack = stack_from_records(
        [
            shown(1, Rect(0, 0, 1000, 1080), "Left half"),
            shown(2, Rect(1000, 0, 920, 1080), "Right half"),
            shown(3, Rect(500, 500, 100, 100), "Behind both"),
            shown(4, SCREEN, "Program Manager"),
        ],
        SCREEN,
    )
    assert [w.title.title for w in stack.windows] == ["Left half", "Right half"]


def test_a_window_partly_showing_is_kept_for_the_part_that_shows() -> None:
    stack = stack_from_records(
        [shown(1, Rect(0, 0, 1900, 1080), "Almost all"), shown(2, SCREEN, "Desktop")], SCREEN
    )
    assert stack.title_at(1910, 500).title == "Desktop"
    assert stack.title_at(1899, 500).title == "Almost all"


def test_monitors_left_of_and_above_the_primary_have_negative_coordinates() -> None:
    virtual = Rect(-1280, -200, 3200, 1280)  # a monitor to the left, placed higher
    stack = stack_from_records(
        [shown(1, Rect(-1280, -200, 1280, 1024), "On the left monitor"), shown(2, SCREEN, "Main")],
        virtual,
    )
    assert stack.title_at(-640, 0).title == "On the left monitor"
    assert stack.title_at(960, 540).title == "Main"
    assert stack.title_at(-640, 900).source == "no window covers that point"


def test_off_windows_the_windows_reader_says_why_it_read_nothing() -> None:
    if sys.platform == "win32":
        pytest.skip("this checks the answer on other platforms")
    stack = window_stack(SCREEN)
    assert stack.windows == ()
    assert stack.title_at(0, 0).source == "Windows window titles are read only on Windows"


rects = st.builds(
    Rect,
    st.integers(-50, 250),
    st.integers(-50, 250),
    st.integers(0, 200),
    st.integers(0, 200),
)
records = st.lists(
    st.builds(
        WindowRecord,
        hwnd=st.integers(1, 2**32),
        rect=st.one_of(st.none(), rects),
        title=st.sampled_from(["", "Chrome", "Teams", "Mail"]),
        visible=st.booleans(),
        cloaked=st.booleans(),
        iconic=st.booleans(),
        click_through=st.booleans(),
    ),
    max_size=12,
)


# A capture is always of the screen, so only points on it are asked about (off it, a window left
# out as hidden on the screen may still reach past its edge).
@given(records, st.integers(0, 199), st.integers(0, 199))
def test_leaving_hidden_windows_out_never_changes_the_title_under_a_point(
    listed: list[WindowRecord], x: int, y: int
) -> None:
    screen = Rect(0, 0, 200, 200)
    stack = stack_from_records(listed, screen)
    expected = next(
        (r for r in listed if r.shown and r.rect is not None and r.rect.contains_point(x, y)),
        None,
    )
    title = stack.title_at(x, y)
    if expected is None:
        assert title.title == "unknown"
    else:
        assert title.title == (expected.title or "unknown")
        assert f"{expected.hwnd:#x}" in title.source


def test_past_many_uncovered_parts_windows_are_kept_rather_than_dropped() -> None:
    uncovered = UncoveredScreen(Rect(0, 0, 4000, 10))
    # A comb of thin windows leaves ever more parts showing; then the gaps are filled too, so
    # the top band is wholly covered, but tracking stopped once there were too many parts.
    for left in [*range(0, 4000, 2), *range(1, 4000, 2)]:
        uncovered.cover(Rect(left, 0, 1, 5))
    assert not uncovered.all_covered
    assert len(uncovered._parts) > MAX_UNCOVERED_PARTS
    assert uncovered.shows(Rect(3999, 0, 1, 1))  # hidden in fact, but kept: never one too few
    assert not uncovered.shows(Rect(0, 0, 1, 1))  # covered while the parts were tracked


def test_a_stack_looks_up_the_topmost_window_at_a_point() -> None:
    top = StackedWindow(Rect(10, 10, 10, 10), WindowTitle("Top", "test"))
    below = StackedWindow(Rect(0, 0, 100, 100), WindowTitle("Below", "test"))
    stack = WindowStack((top, below))
    assert stack.title_at(15, 15).title == "Top"
    assert stack.title_at(20, 20).title == "Below"  # one past the top window's last pixel
    assert stack.title_at(100, 100).source == "no window covers that point"
