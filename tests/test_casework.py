"""The lead's case work: every step with its fields and rules, corrections, and the clock on
both sides of a change to and from British Summer Time. Real lead's stores throughout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.casework import (
    CaseState,
    Step,
    check_allowed,
    checked_fields,
    next_due,
    parse_when,
)
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Action, Category, Producer, Role, Status
from harmonize_evidence.services.casework import (
    change_settings,
    due_cases,
    record_step,
    state_of,
)
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.store import open_store
from tests.conftest import PASSPHRASE, Cli, MovingClock, StoreTemplates

LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
LONDON = FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)).zone


@pytest.fixture
def moving() -> MovingClock:
    return MovingClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))


@pytest.fixture
def lead(
    tmp_path: Path, moving: MovingClock, store_templates: StoreTemplates
) -> Iterator[EvidenceStore]:
    made = store_templates.copy(
        tmp_path / "lead", LEAD, FixedClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    )
    with open_store(made.location, lambda: PASSPHRASE, moving) as store:
        yield store


def step(store: EvidenceStore, case: str, name: Step, **fields: str):  # type: ignore[no-untyped-def]
    at = fields.pop("at", None)
    corrects = fields.pop("corrects", None)
    return record_step(
        store, case, name, fields, at=at, corrects=None if corrects is None else int(corrects)
    )


# -- the steps and their rules ---------------------------------------------------------------------


def test_each_step_is_one_entry_with_its_fields_and_the_status_that_results(
    lead: EvidenceStore, moving: MovingClock
) -> None:
    case = lead.new_incident("Posts about Ms Lane").id
    triaged = step(
        lead, case, Step.TRIAGE, category="cyberbullying-of-staff", risk="high",
        assigned_to="Priya Shah", summary="Three accounts.\nOne names a room.",
    )  # fmt: skip
    entry = triaged.entry
    assert (entry.action, entry.details["fields"]["risk"]) == (Action.TRIAGED, "high")
    assert entry.details["fields"]["summary"] == "Three accounts.\nOne names a room."
    assert triaged.due.next_step == "takedown-requested"
    moving.instant += timedelta(hours=2)
    requested = step(lead, case, Step.TAKEDOWN_REQUESTED, platform="Instagram", route="platform",
                     reference="IG-123")  # fmt: skip
    assert requested.due.next_step == "removal-checked"
    with pytest.raises(BadInput, match="consent to a police report is not recorded"):
        step(lead, case, Step.POLICE_REFERRED, force="Met", reference="CR/1")
    step(lead, case, Step.CONSENT, decision="given", given_by="Zoë Lane", how="In person")
    step(lead, case, Step.CONSENT, decision="refused", given_by="Zoë Lane", how="By phone")
    with pytest.raises(BadInput, match="consent"):  # the latest decides: consent withdrawn
        step(lead, case, Step.POLICE_REFERRED, force="Met", reference="CR/1")
    step(lead, case, Step.CONSENT, decision="given", given_by="Zoë Lane", how="In writing")
    referred = step(lead, case, Step.POLICE_REFERRED, force="Met", reference="CR/1")
    assert referred.status is Status.REFERRED
    assert lead.incident(case).status is Status.REFERRED
    with pytest.raises(BadInput, match=r"needs --rationale"):
        step(lead, case, Step.CLOSE, outcome="Removed")
    closed = step(lead, case, Step.CLOSE, outcome="Removed", rationale="Police took it on.")
    assert closed.status is Status.CLOSED
    assert closed.due is None  # nothing is due on a closed case (it named a takedown deadline)
    with pytest.raises(BadInput, match="reopen it first"):
        step(lead, case, Step.SUPPORT_OFFERED, what="Counselling")
    assert case not in [c.incident.id for c in due_cases(lead)]
    reopened = step(lead, case, Step.REOPEN, reason="New posts")
    assert reopened.status is Status.OPEN and reopened.due is not None
    with pytest.raises(BadInput, match="not closed"):
        step(lead, case, Step.REOPEN, reason="again")
    with pytest.raises(BadInput, match="already open"):
        step(lead, case, Step.STATUS, to="open", reason="no change")
    with pytest.raises(BadInput, match="must be one of open, under-review"):
        step(lead, case, Step.STATUS, to="closed", reason="shortcut")
    assert lead.verify().ok


def test_other_categories_are_not_gated_by_consent(lead: EvidenceStore) -> None:
    case = lead.new_incident("A pupil's photo shared").id
    step(lead, case, Step.TRIAGE, category="safeguarding-concern", risk="high")
    assert step(lead, case, Step.POLICE_REFERRED, force="Met", reference="CR/2").status is (
        Status.REFERRED
    )


def test_a_correction_names_the_entry_and_replaces_it_for_the_clock(lead: EvidenceStore) -> None:
    case = lead.new_incident("Posts").id
    wrong = step(lead, case, Step.TAKEDOWN_REQUESTED, platform="TikTok", route="platform",
                 at="21/11/2026 20:00")  # fmt: skip
    fixed = step(lead, case, Step.TAKEDOWN_REQUESTED, platform="Instagram", route="posh",
                 at="21/11/2026 19:00", corrects=str(wrong.entry.seq))  # fmt: skip
    assert fixed.entry.details["corrects"] == wrong.entry.seq
    state = state_of(lead, lead.incident(case))
    assert [s.fields["platform"] for s in state.all(Step.TAKEDOWN_REQUESTED)] == ["Instagram"]
    assert fixed.due.due == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    with pytest.raises(BadInput, match="is not a consent step"):
        step(lead, case, Step.CONSENT, decision="given", given_by="Z", how="x",
             corrects=str(wrong.entry.seq))  # fmt: skip
    assert len(lead.log(case)) == 3  # created, the request and its correction: nothing edited


def test_a_step_on_a_staff_store_is_refused(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock, producer: Producer
) -> None:
    made = store_templates.copy(tmp_path / "staff", producer, clock)
    with open_store(made.location, lambda: PASSPHRASE, clock) as staff:
        case = staff.new_incident("Mine").id
        with pytest.raises(BadInput, match="Only the safeguarding lead's store"):
            step(staff, case, Step.TRIAGE, category="other", risk="low")


# -- the clock -------------------------------------------------------------------------------------


def test_when_a_step_happened_is_read_in_local_time_across_the_clock_changes() -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    # 29 March 2026: the clocks go forward at 01:00 GMT; 01:30 did not happen in London.
    with pytest.raises(BadInput, match="did not happen"):
        parse_when("29/03/2026 01:30", now, LONDON)
    assert parse_when("29/03/2026 02:30", now, LONDON) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 25 October 2026: 01:30 happens twice; the first (summer time, +01:00) reading is taken.
    assert parse_when("25/10/2026 01:30", now, LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse_when("2026-10-25T01:30+00:00", now, LONDON) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    assert parse_when("20/07/2026 21:40", now, LONDON) == datetime(2026, 7, 20, 20, 40, tzinfo=UTC)
    with pytest.raises(BadInput, match="in the future"):
        parse_when("02/11/2026 09:00", now, LONDON)
    with pytest.raises(BadInput, match="not a date and time"):
        parse_when("next Tuesday", now, LONDON)


@pytest.mark.parametrize(
    ("known", "due"),
    [
        # Known at noon GMT the day before the clocks go forward: due 24 hours of UTC later,
        # which is 13:00 on the London clock.
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 12, 0, tzinfo=UTC)),
        # Known at noon BST the day before they go back: due at 11:00 GMT on the London clock.
        (datetime(2026, 10, 24, 11, 0, tzinfo=UTC), datetime(2026, 10, 25, 11, 0, tzinfo=UTC)),
    ],
)
def test_deadlines_are_24_hours_of_utc_across_a_clock_change(
    known: datetime, due: datetime
) -> None:
    state = CaseState(Status.OPEN, Category.STAFF_CYBERBULLYING, known)
    assert next_due(state).due == due
    local = due.astimezone(LONDON)
    assert local.hour == (13 if known.month == 3 else 11)


def test_due_and_overdue_on_both_sides_of_the_clock_change(
    lead: EvidenceStore, moving: MovingClock
) -> None:
    moving.instant = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    case = lead.new_incident("Known the day before the clocks go forward").id
    moving.instant = datetime(2026, 3, 29, 11, 59, tzinfo=UTC)  # 12:59 BST: a minute left
    [listed] = due_cases(lead)
    assert (listed.incident.id, listed.overdue) == (case, False)
    moving.instant = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)  # 13:00 BST: 24 hours have passed
    assert due_cases(lead, overdue_only=True)[0].incident.id == case
    requested = step(lead, case, Step.TAKEDOWN_REQUESTED, platform="X", route="platform",
                     at="29/03/2026 13:00")  # fmt: skip
    assert requested.due.due == datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    moving.instant = datetime(2026, 3, 30, 13, 0, tzinfo=UTC)
    still_up = step(lead, case, Step.REMOVAL_CHECKED, outcome="still-up")
    assert still_up.due.next_step == "takedown-requested or isp-contacted"
    assert "Professionals Online Safety Helpline" in still_up.due.hint
    removed = step(lead, case, Step.REMOVAL_CHECKED, outcome="removed")
    assert removed.due.due is None and removed.due.next_step == "close"


def test_the_settings_change_the_periods_and_the_list_is_sorted_by_what_is_due(
    lead: EvidenceStore, moving: MovingClock
) -> None:
    first = lead.new_incident("First").id
    moving.instant += timedelta(hours=1)
    second = lead.new_incident("Second").id
    moving.instant += timedelta(hours=1)
    third = lead.new_incident("Third, nothing outstanding").id
    step(lead, third, Step.TAKEDOWN_REQUESTED, platform="X", route="other")
    step(lead, third, Step.REMOVAL_CHECKED, outcome="removed")
    assert [c.incident.id for c in due_cases(lead)] == [first, second, third]
    created = lead.incident(first).created_utc
    assert due_cases(lead)[0].due.due == created + timedelta(hours=24)
    assert change_settings(lead, 4, None).takedown_hours == 4
    assert due_cases(lead)[0].due.due == created + timedelta(hours=4)
    with pytest.raises(BadInput, match="1 to 168 hours"):
        change_settings(lead, 0, None)
    with pytest.raises(BadInput, match="1 to 168 hours"):
        change_settings(lead, None, 169)


# -- text from the lead ----------------------------------------------------------------------------


@settings(max_examples=60)
@given(text=st.text(max_size=300), multiline=st.booleans())
def test_any_text_is_kept_as_typed_or_refused_in_a_sentence(
    lead: EvidenceStore, text: str, multiline: bool
) -> None:
    name, fields = (
        (Step.SUPPORT_OFFERED, {"what": text}) if multiline else (Step.ISP_CONTACTED, {"isp": text})
    )
    try:
        checked = checked_fields(name, fields)
    except BadInput as refused:
        assert refused.message.endswith(".")
        return
    assert checked == {k: v for k, v in fields.items()}
    state = CaseState(Status.OPEN, Category.OTHER, datetime(2026, 1, 1, tzinfo=UTC))
    assert check_allowed(state, name, checked) is Status.OPEN


# -- the command line ---------------------------------------------------------------------------


def test_the_steps_from_the_command_line(
    tmp_path: Path, cli: Cli, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    store = ["--store", str(tmp_path / "lead")]
    store_templates.copy(tmp_path / "lead", LEAD, clock)
    case = cli(*store, "--json", "incident", "new", "--title", "Posts").json["id"]
    listing = cli(*store, "action", "--help")
    assert (
        listing.code == 0
        and "takedown-requested" in listing.stdout
        and "--rationale" in (listing.stdout)
    )
    fields = cli(*store, "action", "consent", "--help")
    assert fields.code == 0 and "--given-by" in fields.stdout
    assert cli(*store, "action", case, "triage", "--risk", "high").code == 2
    assert cli(*store, "action", case, "dance").code == 2
    done = cli(*store, "--json", "action", case, "triage", "--category", "other", "--risk", "low")
    assert done.code == 0, done.stderr
    assert set(done.json) >= {"entry", "next_step", "due_utc"}
    future = cli(*store, "action", case, "support-offered", "--what", "x", "--at", "2099-01-01")
    assert future.code == 2 and "future" in future.stderr
    due = cli(*store, "--json", "due")
    assert due.code == 0 and due.json["cases"][0]["id"] == case
    assert set(due.json["cases"][0]) >= {"id", "title", "next_step", "due_utc", "overdue"}
    assert cli(*store, "--json", "settings").json["takedown_hours"] == 24
    assert cli(*store, "settings", "--takedown-hours", "0").code == 2
    assert cli(*store, "--json", "settings", "--takedown-hours", "12").json["takedown_hours"] == 12
    closing = ("action", case, "close", "--outcome", "Removed", "--rationale", "Done")
    closed = cli(*store, *closing)
    assert closed.code == 0, closed.stderr
    said = closed.stdout.rstrip()
    assert said.endswith("Nothing is due while the case is closed.") and "Next:" not in said, said
    reopened = cli(*store, "--json", "action", case, "reopen", "--reason", "New posts")
    assert reopened.json["next_step"] == "takedown-requested" and reopened.json["due_utc"]
