"""The safeguarding lead's Cases tab: the list of every open case sorted by what is due, overdue
ones in red and in words, the filters and a search that ignores accents; a case's chronology
(the member of staff's evidence and the lead's steps in time order); each step of the school's
policy through its dialog, refusals shown in the dialog with nothing recorded, a correction, and
the tray's word when a case becomes overdue while the program runs.

Real lead's stores (one case received from a member of staff through a real handover package).
"""

from __future__ import annotations

import gc
import shutil
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from harmonize_evidence.domain.casework import Step
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.model import Action, Category, Producer, Role, Status
from harmonize_evidence.services.casework import record_step
from harmonize_evidence.services.store import StoreLocation, open_store
from harmonize_evidence.ui.case_list import OVERDUE_COLOUR, CaseTableModel
from harmonize_evidence.ui.listed_cases import ListedCases, folded
from harmonize_evidence.ui.step_dialogs import StepDialog
from tests.conftest import PASSPHRASE, MovingClock, StoreTemplates
from tests.ui.helpers import main, png_file, unlock_through_window

NOW = datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)
LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
STAFF = Producer("Łukasz Nowak", "LN", "Oak Hill Academy", Role.STAFF)
CASES = 32
CATEGORIES = list(Category)


@dataclass(frozen=True)
class LeadCases:
    location: StoreLocation
    received: str
    """The case received from Łukasz Nowak (staff), with one screenshot."""
    urgent: str
    """A case flagged urgent, not overdue."""
    closed: str
    fresh: str
    """A case opened an hour ago: its takedown is due in 23 hours."""


def seed_lead_cases(folder: Path, templates: StoreTemplates) -> LeadCases:
    """A lead's store with 32 open cases of every kind, one closed and one received."""
    from harmonize_evidence.services.handing_over import hand_over
    from harmonize_evidence.services.receiving import receive_file
    from harmonize_evidence.services.school import join_school, make_school_card

    start = FixedClock(NOW - timedelta(days=5))
    lead = templates.copy(folder / "lead", LEAD, start).location
    staff = templates.copy(folder / "staff", STAFF, start).location
    clock = MovingClock(NOW - timedelta(days=4))
    with open_store(lead, lambda: PASSPHRASE, clock) as store:
        card, fingerprint = make_school_card(store, "01234 567890")
    with open_store(staff, lambda: PASSPHRASE, clock) as store:
        join_school(store, card, fingerprint, "in person")
        theirs = store.new_incident(
            "Posts naming Mr Nowak on Facebook", platforms=["Facebook"], people="Year 10"
        )
        store.add_file(
            theirs.id, png_file(folder / "post.png", (300, 500)), url="https://facebook.com/p/1"
        )
        staff_fingerprint = store.fingerprint
        clock.instant += timedelta(minutes=20)
        package = hand_over(store, theirs.id, folder / "usb" / "").package
    with open_store(lead, lambda: PASSPHRASE, clock) as store:
        clock.instant = NOW - timedelta(hours=70)
        received = receive_file(store, package, accept_staff=staff_fingerprint).case
        titles = [
            "Fake account using Zoë's photo",
            "Group chat about a supply teacher",
            "Comments under a class photo",
            "Threats to a teaching assistant",
            "Video of a fight shared on TikTok",
        ]
        ids = []
        for number in range(CASES - 1):
            clock.instant = NOW - timedelta(hours=3 * number + 1)
            incident = store.new_incident(
                f"{titles[number % len(titles)]} ({number + 1})",
                category=CATEGORIES[number % len(CATEGORIES)],
                platforms=["Instagram"],
                people=f"Pupil {number + 1}",
            )
            ids.append(incident.id)
            if number % 3 == 0:
                record_step(
                    store,
                    incident.id,
                    Step.TRIAGE,
                    {
                        "category": CATEGORIES[number % len(CATEGORIES)].value,
                        "risk": ("low", "medium", "high")[number % 3 - 1 if number % 9 else 2],
                        "assigned_to": "priya shah" if number % 2 == 0 else "Tom Reid",
                    },
                )
            if number % 4 == 1:  # a takedown asked at once: the removal check is next
                record_step(
                    store,
                    incident.id,
                    Step.TAKEDOWN_REQUESTED,
                    {"platform": "Instagram", "route": "platform"},
                )
        urgent = ids[2]
        store.flag_urgent(urgent, "It could show a pupil.")
        clock.instant = NOW - timedelta(hours=90)
        closed = store.new_incident("Resolved: parents spoke to the pupil").id
        record_step(store, closed, Step.CLOSE, {"outcome": "Removed", "rationale": "Resolved."})
    return LeadCases(lead, received, urgent, closed, ids[0])


@pytest.fixture(scope="session")
def _lead_template(
    tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates
) -> LeadCases:
    return seed_lead_cases(tmp_path_factory.mktemp("lead-cases"), store_templates)


@pytest.fixture
def cases(_lead_template: LeadCases, tmp_path: Path) -> LeadCases:
    """A fresh copy of the lead's store with its cases."""
    location = StoreLocation(tmp_path / "cases")
    shutil.copytree(_lead_template.location.directory, location.directory)
    return LeadCases(
        location,
        _lead_template.received,
        _lead_template.urgent,
        _lead_template.closed,
        _lead_template.fresh,
    )


@pytest.fixture
def clock() -> MovingClock:  # type: ignore[override]
    """The program's clock, which a test may move forward."""
    return MovingClock(NOW)


@pytest.fixture
def lead_window(qtbot, desktop_factory, cases: LeadCases):  # type: ignore[no-untyped-def]
    desktop = desktop_factory(cases.location)
    desktop.start()
    unlock_through_window(qtbot, desktop)
    window = main(desktop)
    qtbot.waitUntil(lambda: window.casework.desk is not None, timeout=10_000)
    desk = window.casework.desk
    qtbot.waitUntil(lambda: desk.list.cases.rowCount() == CASES + 1, timeout=10_000)
    qtbot.waitUntil(lambda: desk.view.case is not None, timeout=10_000)
    return desktop


def _desk(desktop):  # type: ignore[no-untyped-def]
    return main(desktop).casework.desk


def _choose(qtbot, desk, case_id: str) -> None:  # type: ignore[no-untyped-def]
    assert desk.list.select_case(case_id)
    qtbot.waitUntil(
        lambda: desk.view.case is not None and desk.view.case.incident.id == case_id,
        timeout=10_000,
    )


def _log_length(desktop, case_id: str) -> int:  # type: ignore[no-untyped-def]
    return len(desktop.session.store.log(case_id))


def _set(dialog: StepDialog, **values: str) -> None:
    from PySide6.QtWidgets import QComboBox, QPlainTextEdit

    for key, value in values.items():
        widget = dialog.fields[key]
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            assert index > 0, (key, value)
            widget.setCurrentIndex(index)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        else:
            widget.setText(value)


def _save(qtbot, dialog: StepDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.save_button.click()
    qtbot.waitUntil(
        lambda: dialog.recorded_step is not None or not dialog.problem.isHidden(), timeout=10_000
    )


# -- the list ------------------------------------------------------------------------------------


def test_the_list_shows_thirty_open_cases_overdue_and_urgent_first_by_what_is_due(
    qtbot, lead_window, cases: LeadCases
) -> None:
    window = main(lead_window)
    desk = _desk(lead_window)
    assert window.casework.tabs.currentWidget() is desk  # the Cases tab comes first
    shown = desk.list.shown()
    assert len(shown) == CASES  # every open case; the closed one is not in the open list
    assert cases.closed not in [row.incident.id for row in shown]
    overdue = [row for row in shown if row.overdue]
    assert len(overdue) >= 10
    ranks = [0 if r.overdue else 1 if r.incident.urgent else 2 for r in shown]
    assert ranks == sorted(ranks)  # overdue, then urgent, then the rest
    assert shown[len(overdue)].incident.id == cases.urgent
    dues = [row.due_utc for row in overdue]
    assert dues == sorted(dues)  # the longest overdue first
    rest = [row.due_utc for row in shown[len(overdue) + 1 :] if row.due_utc]
    assert rest == sorted(rest)

    model = desk.list.proxy
    first = model.index(0, CaseTableModel.COLUMN_DUE)
    assert first.data().startswith("Overdue since ")  # in words, not colour alone
    assert first.data(Qt.ItemDataRole.ForegroundRole).color() == QColor(OVERDUE_COLOUR)
    not_overdue = model.index(len(overdue), CaseTableModel.COLUMN_DUE)
    assert "Overdue" not in not_overdue.data()
    assert not_overdue.data(Qt.ItemDataRole.ForegroundRole) is None
    received = next(r for r in range(model.rowCount()) if shown[r].incident.id == cases.received)
    assert model.index(received, CaseTableModel.COLUMN_FROM).data() == "Łukasz Nowak"
    assert model.index(received, CaseTableModel.COLUMN_NEXT).data() == "Ask for the takedown"
    assert model.index(received, CaseTableModel.COLUMN_RISK).data() == "Not triaged"
    counted = f"32 of 32 open cases shown \u2014 {len(overdue)} overdue"
    assert desk.list.count_label.text() == counted


def test_filters_and_a_search_that_ignores_accents(qtbot, lead_window, cases: LeadCases) -> None:
    pane = _desk(lead_window).list
    pane.mine.setChecked(True)
    mine = pane.shown()
    assert mine and all(row.assigned_to == "priya shah" for row in mine)
    pane.mine.setChecked(False)
    pane.overdue.setChecked(True)
    assert pane.shown() and all(row.overdue for row in pane.shown())
    pane.overdue.setChecked(False)
    pane.urgent.setChecked(True)
    assert [row.incident.id for row in pane.shown()] == [cases.urgent]
    pane.urgent.setChecked(False)
    pane.status_filter.setCurrentIndex(pane.status_filter.findData(Status.CLOSED.value))
    assert [row.incident.id for row in pane.shown()] == [cases.closed]
    pane.status_filter.setCurrentIndex(0)
    pane.category_filter.setCurrentIndex(pane.category_filter.findData(Category.SAFEGUARDING))
    assert pane.shown() and all(r.incident.category is Category.SAFEGUARDING for r in pane.shown())
    pane.category_filter.setCurrentIndex(0)

    qtbot.keyClicks(pane.search, "lukasz")
    assert [row.incident.id for row in pane.shown()] == [cases.received]
    pane.search.clear()
    qtbot.keyClicks(pane.search, "zoe photo")
    assert pane.shown() and all("Zoë" in row.incident.title for row in pane.shown())
    pane.search.setText("ŁUKASZ")
    assert [row.incident.id for row in pane.shown()] == [cases.received]
    assert pane.count_label.text().startswith("1 of 32 open cases shown")


def test_sorting_by_a_column_keeps_the_chosen_case_chosen(
    qtbot, lead_window, cases: LeadCases
) -> None:
    desk = _desk(lead_window)
    pane = desk.list
    _choose(qtbot, desk, cases.received)
    pane.table.sortByColumn(CaseTableModel.COLUMN_TITLE, Qt.SortOrder.AscendingOrder)
    titles = [row.incident.title for row in pane.shown()]
    assert titles == sorted(titles, key=folded)  # "Zoë" among the Z's, not after them
    assert pane.current_case().incident.id == cases.received
    pane.table.sortByColumn(CaseTableModel.COLUMN_TITLE, Qt.SortOrder.DescendingOrder)
    assert [row.incident.title for row in pane.shown()] == titles[::-1]
    assert pane.current_case().incident.id == cases.received
    pane.search.setText("posts")
    assert [row.incident.id for row in pane.shown()] == [cases.received]
    assert pane.current_case().incident.id == cases.received
    pane.search.clear()
    pane.cases.due_order()
    assert pane.shown()[0].overdue and pane.current_case().incident.id == cases.received


# -- the case and its steps ----------------------------------------------------------------------


def test_the_chronology_merges_the_staff_evidence_and_the_lead_s_steps_in_time_order(
    qtbot, lead_window, cases: LeadCases
) -> None:
    desk = _desk(lead_window)
    _choose(qtbot, desk, cases.received)
    view = desk.view
    dialog = view.open_step(Step.TAKEDOWN_REQUESTED)
    _set(dialog, platform="Facebook", route="posh", reference="FB-1")
    dialog.earlier.setChecked(True)  # asked by telephone before the case was received
    dialog.when.setDateTime(dialog.when.dateTime().addSecs(-72 * 3600))
    _save(qtbot, dialog)
    assert dialog.recorded_step is not None
    qtbot.waitUntil(lambda: any(line.step for line in view.case.lines), timeout=10_000)
    lines = view.case.lines
    whats = [(line.staff, line.what) for line in lines]
    assert (True, "Screen captured") not in whats  # imported, not captured
    assert (True, "File added") in whats and (False, "Received from a member of staff") in whats
    assert [line.when for line in lines] == sorted(line.when for line in lines)
    takedown = next(line for line in lines if line.step is Step.TAKEDOWN_REQUESTED)
    received = next(line for line in lines if line.what == "Received from a member of staff")
    assert takedown.when < received.when  # when it happened, not when it was recorded
    added = next(line for line in lines if line.what == "File added")
    assert added.who == "Łukasz Nowak (LN)" and added.details.startswith("Exhibit LN/1")
    assert "Route: Posh" in takedown.details
    table = view.chronology
    row = lines.index(takedown)
    assert table.item(row, view.COLUMN_WHO).text() == "Priya Shah (PS)"
    assert table.item(row, view.COLUMN_WHEN).text().startswith("18 Nov 2026")


def test_a_step_needs_its_required_fields_and_a_refusal_records_nothing(
    qtbot, lead_window, cases: LeadCases
) -> None:
    desk = _desk(lead_window)
    _choose(qtbot, desk, cases.fresh)
    before = _log_length(lead_window, cases.fresh)
    dialog = desk.view.open_step(Step.TRIAGE)
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit

    assert isinstance(dialog.fields["risk"], QComboBox)
    assert isinstance(dialog.fields["assigned_to"], QLineEdit)
    assert isinstance(dialog.fields["summary"], QPlainTextEdit)
    _save(qtbot, dialog)
    assert dialog.problem.text() == "Fill in the category and risk; nothing was recorded."
    assert dialog.isVisible() and _log_length(lead_window, cases.fresh) == before
    _set(dialog, category=Category.PUPIL_CYBERBULLYING.value, risk="high", assigned_to="Priya Shah")
    _set(dialog, summary="Two accounts.\nOne names a room.")
    _save(qtbot, dialog)
    assert dialog.recorded_step is not None and desk.view.dialog is None  # closed
    entry = lead_window.session.store.log(cases.fresh)[-1]
    assert entry.action == Action.TRIAGED
    assert entry.details["fields"]["summary"] == "Two accounts.\nOne names a room."
    pane = desk.list
    qtbot.waitUntil(lambda: pane.current_case().risk == "high", timeout=10_000)
    assert pane.current_case().incident.id == cases.fresh and pane.current_case().mine


def test_a_referral_without_consent_is_refused_in_the_dialog_and_a_closed_case_too(
    qtbot, lead_window, cases: LeadCases
) -> None:
    desk = _desk(lead_window)
    case = cases.fresh  # cyberbullying of a member of staff
    _choose(qtbot, desk, case)
    before = _log_length(lead_window, case)
    dialog = desk.view.open_step(Step.POLICE_REFERRED)
    assert dialog.windowTitle().startswith("Record: ")  # not yet done: "Referred to the police"
    _set(dialog, force="Metropolitan Police", reference="CAD 4471/21NOV")
    _save(qtbot, dialog)
    assert "their consent to a police report is not recorded" in dialog.problem.text()
    assert dialog.isVisible() and _log_length(lead_window, case) == before
    # The dialog grows to show the whole sentence (it was cut at its top and bottom).
    layout = dialog.layout()
    qtbot.waitUntil(lambda: dialog.height() >= layout.totalHeightForWidth(dialog.width()))
    problem = dialog.problem
    assert problem.height() >= problem.heightForWidth(problem.width())
    dialog.reject()

    consent = desk.view.open_step(Step.CONSENT)
    _set(consent, decision="given", given_by="Ms Lane", how="In person, in writing")
    _save(qtbot, consent)
    dialog = desk.view.open_step(Step.POLICE_REFERRED)
    _set(dialog, force="Metropolitan Police", reference="CAD 4471/21NOV")
    _save(qtbot, dialog)
    assert dialog.recorded_step is not None
    assert lead_window.session.store.incident(case).status is Status.REFERRED

    # A case closed meanwhile (elsewhere): the dialog says to reopen it first.
    dialog = desk.view.open_step(Step.SUPPORT_OFFERED)
    with open_store(cases.location, lambda: PASSPHRASE, lead_window.session.clock) as other:
        record_step(other, case, Step.CLOSE, {"outcome": "Referred", "rationale": "Police."})
    before = _log_length(lead_window, case)
    _set(dialog, what="Counselling")
    _save(qtbot, dialog)
    assert "reopen it first" in dialog.problem.text()
    assert _log_length(lead_window, case) == before


def test_close_needs_a_rationale_then_the_case_leaves_the_open_list_and_can_be_reopened(
    qtbot, lead_window, cases: LeadCases
) -> None:
    desk = _desk(lead_window)
    case = cases.received
    _choose(qtbot, desk, case)
    before = _log_length(lead_window, case)
    dialog = desk.view.open_step(Step.CLOSE)
    _set(dialog, outcome="The post was removed by Facebook.")
    _save(qtbot, dialog)
    assert dialog.problem.text() == "Fill in the rationale; nothing was recorded."
    assert _log_length(lead_window, case) == before
    _set(dialog, rationale="Removed; Mr Nowak offered support and content.")
    _save(qtbot, dialog)
    assert dialog.recorded_step is not None
    pane, view = desk.list, desk.view
    qtbot.waitUntil(lambda: case not in [r.incident.id for r in pane.shown()], timeout=10_000)
    qtbot.waitUntil(
        lambda: view.case is not None and view.case.incident.status is Status.CLOSED,
        timeout=10_000,
    )
    assert view.next_step.text().startswith("This case is closed.")
    assert not view.buttons[Step.TAKEDOWN_REQUESTED].isEnabled()
    assert view.buttons[Step.REOPEN].isEnabled()
    incidents = main(lead_window).incidents
    qtbot.waitUntil(  # the incidents tab knows too (read on its own, after the case list)
        lambda: incidents.incident_at(incidents.row_of(case)).status is Status.CLOSED,
        timeout=10_000,
    )

    reopen = view.open_step(Step.REOPEN)
    _set(reopen, reason="New posts appeared.")
    _save(qtbot, reopen)
    qtbot.waitUntil(
        lambda: view.case is not None and view.case.incident.status is Status.OPEN,
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: case in [r.incident.id for r in pane.shown()], timeout=10_000)
    assert view.buttons[Step.TAKEDOWN_REQUESTED].isEnabled()
    assert not view.buttons[Step.REOPEN].isEnabled()


def test_a_step_chosen_in_the_chronology_is_corrected_by_a_new_entry(
    qtbot, lead_window, cases: LeadCases
) -> None:
    desk = _desk(lead_window)
    view = desk.view
    case = cases.fresh
    _choose(qtbot, desk, case)
    triage = next(r for r, line in enumerate(view.case.lines) if line.step is Step.TRIAGE)
    view.chronology.selectRow(triage)
    assert view.correct_button.isEnabled()
    dialog = view.correct_chosen()
    original = view.case.lines[triage]
    assert dialog.corrects == original.seq
    assert dialog.fields["risk"].currentData() == original.fields["risk"]  # filled in
    _set(dialog, risk="low")
    _save(qtbot, dialog)
    assert dialog.recorded_step is not None
    qtbot.waitUntil(
        lambda: view.case is not None and view.case.lines[triage].corrected_by is not None,
        timeout=10_000,
    )
    entries = lead_window.session.store.log(case)
    assert entries[-1].details["corrects"] == original.seq
    assert view.chronology.item(triage, view.COLUMN_WHAT).text().endswith("(corrected)")
    qtbot.waitUntil(lambda: desk.list.current_case().risk == "low", timeout=10_000)


# -- overdue while the program runs, and a member of staff -------------------------------------


def test_the_tray_says_once_when_a_case_becomes_overdue(
    qtbot, lead_window, cases: LeadCases, clock: MovingClock
) -> None:
    work = main(lead_window).casework
    said: list[str] = []
    work.overdue.connect(said.append)
    work.timer.setInterval(50)
    qtbot.wait(300)
    assert said == []  # already overdue at the start: first in the list, not announced
    waiting = [row for row in work.desk.list.cases.rows if row.due_utc and not row.overdue]
    soonest = min(waiting, key=lambda row: row.due_utc)
    assert soonest.due.next_step == "takedown-requested"
    clock.instant = soonest.due_utc + timedelta(seconds=1)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert said == [f"Case {soonest.incident.id} is now overdue: ask for the takedown."]
    qtbot.wait(300)
    assert len(said) == 1  # once per case
    pane = work.desk.list
    row = pane.cases.row_of(soonest.incident.id)
    assert pane.cases.index(row, CaseTableModel.COLUMN_DUE).data().startswith("Overdue since")


def test_a_member_of_staff_s_window_has_no_cases_tab(qtbot, desktop) -> None:  # type: ignore[no-untyped-def]
    window = main(desktop)
    assert not window.casework.active
    assert window.centralWidget() is window.splitter


def test_a_window_built_after_the_unlock_still_shows_the_cases(
    qtbot, cases: LeadCases, clock: MovingClock
) -> None:
    # The desktop program builds its main window while the passphrase is typed; when the
    # unlock comes first, the window is built after the store opened and must still know it.
    from harmonize_evidence.services.store import unlock_key
    from harmonize_evidence.ui.main_window import MainWindow
    from harmonize_evidence.ui.session import Session

    session = Session(cases.location, clock)
    session.open(unlock_key(cases.location, lambda: PASSPHRASE))
    window = MainWindow(session, 5)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.casework.desk is not None, timeout=5_000)
    desk = window.casework.desk
    qtbot.waitUntil(lambda: desk.list.cases.rowCount() == CASES + 1, timeout=10_000)
    session.lock()


def test_a_shown_list_is_left_out_of_the_collectors_walks_and_freed_when_replaced(
    qtbot, lead_window
) -> None:
    desk = _desk(lead_window)
    listed = desk.list.cases.listed
    assert listed.cases
    walked = {id(thing) for generation in range(3) for thing in gc.get_objects(generation)}
    assert id(listed) not in walked and id(listed.cases[0]) not in walked

    gone = weakref.ref(listed)
    del listed
    desk.list.set_rows(ListedCases())
    assert gone() is None  # frozen, and still freed once nothing refers to it
