"""Every value people read has one name, shared by the report, the windows and the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.domain.model import Action, Category, ExhibitKind, Status
from harmonize_evidence.domain.wording import (
    ACTION_NAMES,
    CATEGORY_NAMES,
    KIND_NAMES,
    STATUS_NAMES,
    action_name,
    counted,
    day_time_text,
    moment_text,
)

LONDON = ZoneInfo("Europe/London")


def test_every_category_kind_status_and_action_has_a_name() -> None:
    assert set(CATEGORY_NAMES) == set(Category)
    assert set(KIND_NAMES) == set(ExhibitKind)
    assert set(STATUS_NAMES) == set(Status)
    assert set(ACTION_NAMES) == set(Action)


def test_an_action_new_to_this_version_reads_as_its_name() -> None:
    assert action_name("evidence_captured") == "Screen captured"
    assert action_name("pupil_action_taken") == "Pupil action taken"


def test_the_report_and_the_windows_name_a_category_alike() -> None:
    from harmonize_evidence.ui import wording as ui_wording

    assert ui_wording.CATEGORY_NAMES is CATEGORY_NAMES
    assert CATEGORY_NAMES[Category.STAFF_CYBERBULLYING] == "Cyberbullying of a member of staff"


def test_every_step_has_words_for_a_next_step() -> None:
    from harmonize_evidence.domain.casework import Step
    from harmonize_evidence.domain.wording import NEXT_STEP_NAMES, next_step_name

    assert set(NEXT_STEP_NAMES) == {step.value for step in Step}
    assert next_step_name("takedown-requested or isp-contacted") == (
        "Ask for the takedown again or contact the internet provider"
    )


def test_a_time_reads_local_with_its_zone_and_utc_beside_it() -> None:
    assert moment_text(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC), LONDON) == (
        "Sat 21 Nov 2026 21:40:05 GMT (21:40:05 UTC)"
    )
    # In summer the local day can be the next one: UTC then names its own day.
    assert moment_text(datetime(2026, 7, 21, 23, 40, tzinfo=UTC), LONDON) == (
        "Wed 22 Jul 2026 00:40 BST (Tue 21 Jul 23:40 UTC)"
    )
    assert day_time_text(datetime(2026, 7, 21, 23, 40, tzinfo=UTC), LONDON) == "Wed 22 Jul 00:40"


@given(st.datetimes(timezones=st.just(UTC)), st.sampled_from(["UTC", "Etc/UTC"]))
def test_on_a_computer_set_to_utc_a_time_says_utc_once(moment: datetime, zone: str) -> None:
    # It said "Tue 01 Dec 2026 11:48:06 UTC (11:48:06 UTC)".
    said = moment_text(moment, ZoneInfo(zone), always_seconds=True)
    assert said == moment.strftime("%a %d %b %Y %H:%M:%S UTC")
    assert moment_text(moment, UTC) == moment_text(moment, ZoneInfo(zone))


@given(st.integers(min_value=0, max_value=10**7))
def test_a_count_is_said_as_a_sentence_says_it_never_as_incident_s(number: int) -> None:
    said = counted(number, "incident")
    assert "(s)" not in said
    assert said == ("1 incident" if number == 1 else f"{number:,} incidents")
    entries = counted(number, "custody entry")
    assert entries == ("1 custody entry" if number == 1 else f"{number:,} custody entries")


def test_the_report_prints_every_time_to_the_second_local_and_utc_without_fractions() -> None:
    from harmonize_evidence.domain.wording import printed_moment, printed_utc

    # Custody entries are stamped to the microsecond; the report prints whole seconds.
    assert printed_utc("2026-11-21T21:40:05.472226Z") == "2026-11-21 21:40:05 UTC"
    assert printed_moment("2026-11-21T21:40:05.472226Z", LONDON) == (
        "Sat 21 Nov 2026 21:40:05 GMT (21:40:05 UTC)"
    )
    # To the second even on the minute, and the UTC day when it is another day.
    assert printed_moment(datetime(2026, 7, 21, 23, 40, tzinfo=UTC), LONDON) == (
        "Wed 22 Jul 2026 00:40:00 BST (Tue 21 Jul 23:40:00 UTC)"
    )
    assert printed_moment(None, LONDON) == "-"
