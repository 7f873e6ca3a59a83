"""The time shown on a post, as UK staff type it: day first, or as the platform showed it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.casework import parse_when
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.post_time import (
    BEFORE_RECORDING,
    format_post_time,
    read_post_time,
    stored_reading,
)

LONDON = ZoneInfo("Europe/London")
# Saturday 21 November 2026, 23:40 GMT: the teacher captures the post late in the evening.
CAPTURED = datetime(2026, 11, 21, 23, 40, 5, tzinfo=UTC)


def local(*parts: int) -> datetime:
    """A wall-clock time in London (the first reading where the clocks repeat an hour)."""
    year, month, day, hour, minute, *second = parts
    return datetime(year, month, day, hour, minute, second[0] if second else 0, tzinfo=LONDON)


def read(text: str, captured: datetime = CAPTURED) -> tuple[datetime, bool]:
    post = read_post_time(text, captured, LONDON)
    assert post is not None
    return post.local, post.approximate


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("20/11/2026 21:40", local(2026, 11, 20, 21, 40)),
        ("20/11/26 9.40pm", local(2026, 11, 20, 21, 40)),
        ("20/11/2026 9:40 PM", local(2026, 11, 20, 21, 40)),
        ("20.11.2026 21.40", local(2026, 11, 20, 21, 40)),
        ("20/11 21:40", local(2026, 11, 20, 21, 40)),
        ("20 Nov 2026 21:40", local(2026, 11, 20, 21, 40)),
        ("20 November at 9.40pm", local(2026, 11, 20, 21, 40)),
        ("21:40 · 20 Nov 2026", local(2026, 11, 20, 21, 40)),
        ("21:40", local(2026, 11, 21, 21, 40)),
        ("9.40pm", local(2026, 11, 21, 21, 40)),
        ("12am", local(2026, 11, 21, 0, 0)),
        ("yesterday 21:40", local(2026, 11, 20, 21, 40)),
        ("Yesterday at 9:40 pm", local(2026, 11, 20, 21, 40)),
        ("today 21:40", local(2026, 11, 21, 21, 40)),
        ("Mon 21:40", local(2026, 11, 16, 21, 40)),
        ("Saturday 21:40", local(2026, 11, 21, 21, 40)),
        ("Sat 23:50", local(2026, 11, 14, 23, 50)),  # later than the capture: last Saturday
        ("Sat 21 Nov 2026 21:40:03 GMT", local(2026, 11, 21, 21, 40, 3)),
        ("2026-11-21T21:40", local(2026, 11, 21, 21, 40)),
        ("2026-11-21 21:40+01:00", local(2026, 11, 21, 20, 40)),
        ("20 Dec 21:40", local(2025, 12, 20, 21, 40)),  # no year: the latest not after
    ],
)
def test_a_time_as_uk_staff_type_it_is_read_day_first(typed: str, understood: datetime) -> None:
    assert read(typed) == (understood, False)


@pytest.mark.parametrize(
    ("typed", "before"),
    [
        ("just now", timedelta(0)),
        ("5 min", timedelta(minutes=5)),
        ("5m", timedelta(minutes=5)),
        ("2 hours ago", timedelta(hours=2)),
        ("an hour ago", timedelta(hours=1)),
        ("3h", timedelta(hours=3)),
        ("3d", timedelta(days=3)),
        ("3 days ago", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("2 months ago", timedelta(days=60)),
        ("1y", timedelta(days=365)),
    ],
)
def test_a_relative_time_counts_back_from_the_capture_and_is_approximate(
    typed: str, before: timedelta
) -> None:
    assert read(typed) == ((CAPTURED - before).astimezone(LONDON), True)


def test_the_reading_says_when_in_words_and_how_long_before_the_capture() -> None:
    captured = datetime(2026, 11, 21, 23, 40, tzinfo=UTC)
    post = read_post_time("21:40", captured, LONDON)
    assert post is not None
    assert post.reading(captured) == "Sat 21 Nov 2026 21:40 GMT (about 2 hours before the capture)"
    post = read_post_time("2 hours ago", captured, LONDON)
    assert post is not None
    assert post.reading(captured) == (
        "about Sat 21 Nov 2026 21:40 GMT (2 hours before the capture, as the platform counts)"
    )
    assert post.typed == "2 hours ago" and post.understood_iso == "2026-11-21T21:40:00+00:00"


def test_the_typed_text_is_kept_with_its_spaces_tidied() -> None:
    post = read_post_time("  yesterday \t 21:40 ", CAPTURED, LONDON)
    assert post is not None and post.typed == "yesterday 21:40"
    assert read_post_time("   ", CAPTURED, LONDON) is None
    assert read_post_time(None, CAPTURED, LONDON) is None


@pytest.mark.parametrize(
    ("typed", "phrase"),
    [
        ("23:50", "after the capture"),
        ("22/11/2026 09:00", "after the capture"),
        ("yesterday", "gives no time of day"),
        ("31/02/2026 10:00", "does not exist"),
        ("Mon 20 Nov 2026 21:40", "was a Friday, not a Monday"),
        ("next Tuesday", "not a time this program can read"),
        ("11/20/2026 21:40", "no month 20: dates are read day first"),
        ("21", "not a time this program can read"),
        ("13pm", "not a time this program can read"),
        ("99999 years ago", "too far"),
        ("x" * 500, "too long"),
    ],
)
def test_text_that_cannot_be_the_time_on_the_post_is_refused_with_a_sentence(
    typed: str, phrase: str
) -> None:
    with pytest.raises(BadInput, match=phrase):
        read_post_time(typed, CAPTURED, LONDON)


# -- the clock changes ------------------------------------------------------------------------


def test_spring_forward_the_skipped_hour_is_refused_and_hours_ago_count_real_hours() -> None:
    # Sunday 29 March 2026: at 01:00 GMT the clocks go to 02:00 BST; 01:30 did not happen.
    captured = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)  # 10:00 BST
    with pytest.raises(BadInput, match=r"did not happen.*like 01:30 GMT"):
        read_post_time("01:30", captured, LONDON)
    assert read("01:30 GMT", captured)[0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST
    assert read("00:30", captured)[0] == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert read("02:30", captured)[0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # Nine hours before 10:00 BST is 00:00 GMT: eight hours on the clock, nine of time.
    assert read("9h", captured) == (datetime(2026, 3, 29, 0, 0, tzinfo=LONDON), True)
    # Yesterday at this time was in GMT.
    assert read("yesterday 10:00", captured)[0] == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    post = read_post_time("02:30", captured, LONDON)
    assert post is not None and "BST" in post.reading(captured)


def test_fall_back_the_repeated_hour_reads_as_summer_time_unless_the_zone_is_given() -> None:
    # Sunday 25 October 2026: at 02:00 BST the clocks go back to 01:00 GMT; 01:30 happens twice.
    captured = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    first = read("01:30", captured)[0]
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert format_post_time(first) == "Sun 25 Oct 2026 01:30 BST"
    second = read("25/10/2026 01:30 GMT", captured)[0]
    assert second.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert format_post_time(second) == "Sun 25 Oct 2026 01:30 GMT"
    assert read("01:30 BST", captured)[0].astimezone(UTC) == first.astimezone(UTC)
    # Twelve hours before 12:00 GMT is 01:00 BST: thirteen hours on the clock.
    assert format_post_time(read("12h", captured)[0]) == "Sun 25 Oct 2026 01:00 BST"


def test_a_step_of_the_case_work_takes_the_same_forms() -> None:
    now = datetime(2026, 11, 21, 23, 40, tzinfo=UTC)
    assert parse_when("yesterday 9.40pm", now, LONDON) == datetime(2026, 11, 20, 21, 40, tzinfo=UTC)
    assert parse_when("20/11/2026", now, LONDON) == datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    with pytest.raises(BadInput, match="did not happen"):
        parse_when("29/03/2026 01:30", now, LONDON)


# -- what the report prints from the stored metadata -----------------------------------------


def test_the_stored_reading_is_printed_in_the_zone_it_was_recorded_in() -> None:
    post = read_post_time("3h", CAPTURED, LONDON)
    assert post is not None
    meta = {
        "posted_at": post.typed,
        "posted_at_understood": post.understood_iso,
        "posted_at_approximate": post.approximate,
        "utc": "2026-11-21T23:40:05.000000Z",
        "time_zone": "Europe/London",
    }
    # A file added or a record: counted back from when it was recorded.
    assert stored_reading(meta) == post.reading(CAPTURED, before=BEFORE_RECORDING)
    assert stored_reading(meta) == (
        "about Sat 21 Nov 2026 20:40 GMT (3 hours before it was recorded, as the platform counts)"
    )
    # A screen capture: from the capture.
    assert stored_reading({**meta, "capture": {}}) == post.reading(CAPTURED)
    assert stored_reading({"posted_at": "2026-11-21T20:15"}) is None  # kept before readings
    assert stored_reading({**meta, "posted_at_understood": "soon"}) == "soon"
    # A zone this computer does not know: the stored offset stands.
    unknown_zone = stored_reading({**meta, "time_zone": "Not/A_Zone"})
    assert unknown_zone is not None and unknown_zone.startswith("about Sat 21 Nov 2026 20:40 ")


# -- properties ----------------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        "yesterday", "today", "Mon", "sat", "Sunday", "at", "·", ",", "ago", "about", "an", "a",
        "hours", "h", "d", "w", "min", "mo", "y", "s", "just", "now", "GMT", "BST", "UTC", "pm",
        "am", "21:40", "9.40pm", "00:00", "23:59:59", "12am", "24:00", "1:30", "20/11/2026",
        "20/11/26", "29/02/2026", "29/02/2024", "31/12/9999", "01/01/0001", "25/10/2026",
        "29/03/2026", "20 Nov", "Nov", "2026", "T", "2026-11-21T21:40", "2026-11-21 21:40+14:00",
        "-", "/", ".", ":",
    ]
)  # fmt: skip
TYPED = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(TOKENS, st.integers(0, 10**6).map(str)), min_size=1, max_size=6).map(
        " ".join
    ),
    st.lists(st.one_of(TOKENS, st.integers(0, 99).map(str)), min_size=1, max_size=4).map("".join),
)
CAPTURES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=800, deadline=None)
@given(typed=TYPED, captured=CAPTURES)
def test_any_text_is_a_time_not_after_the_capture_or_one_sentence_saying_why_not(
    typed: str, captured: datetime
) -> None:
    try:
        post = read_post_time(typed, captured, LONDON)
    except BadInput as exc:
        message = exc.message
        tidied = " ".join(typed.split())
        unquoted = message.replace(f"“{tidied}”", "“…”")
        assert unquoted.endswith(".") and "\n" not in unquoted
        assert not re.search(r"[.!?] [A-Z]", unquoted.replace("e.g.", "")), message
        assert len(message) < 400
        return
    if post is None:
        assert not typed.strip()
        return
    assert post.instant <= captured
    assert post.typed == " ".join(typed.split())
    assert post.local.tzinfo is LONDON


@settings(max_examples=300, deadline=None)
@given(
    captured=CAPTURES,
    before=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3 * 365)),
)
def test_a_time_the_program_prints_reads_back_as_the_same_moment(
    captured: datetime, before: timedelta
) -> None:
    moment = (captured - before).astimezone(LONDON).replace(microsecond=0)
    assume(moment <= captured)
    printed = format_post_time(moment)
    post = read_post_time(printed, captured, LONDON)
    assert post is not None and post.instant == moment.astimezone(UTC), printed
    assert not post.approximate


@settings(max_examples=300, deadline=None)
@given(
    captured=CAPTURES,
    before=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=3 * 365)),
)
def test_a_day_first_time_reads_back_as_the_wall_clock_time_it_shows(
    captured: datetime, before: timedelta
) -> None:
    moment = (captured - before).astimezone(LONDON).replace(second=0, microsecond=0)
    if moment.fold == 1 or moment.dst() != (moment + timedelta(hours=1)).dst():
        assume(False)  # the repeated hour needs its zone: printed with it, read back above
    for typed in (moment.strftime("%d/%m/%Y %H:%M"), moment.strftime("%d/%m/%y %I.%M%p")):
        post = read_post_time(typed, captured, LONDON)
        assert post is not None and post.instant == moment.astimezone(UTC), typed
