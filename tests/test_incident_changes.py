"""A member of staff changes the category or status of their own open incident, with a reason.

Each change is a custody entry holding the old value, the new one and the reason; the chain
still verifies, and the report, the chronology and the custody log say the change in words.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Category, Producer, Role, Status
from harmonize_evidence.domain.text import NOTE_MAX, check_text
from harmonize_evidence.export.report_custody import entry_summary
from harmonize_evidence.services.bundle_check import verify_bundle
from harmonize_evidence.services.capturing import record_without_image
from harmonize_evidence.services.chronology import chronology
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.incident_changes import change_incident
from harmonize_evidence.services.store import open_store
from tests.conftest import PASSPHRASE, StoreTemplates

LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)


def _report_text(store: EvidenceStore, incident_id: str) -> str:
    """The incident exported and checked as a recipient checks it; its report as text."""
    out = Path(tempfile.mkdtemp(prefix="bundle-", dir=store.directory.parent))
    result = export_bundle(store, incident_id, out)
    check = verify_bundle(result.bundle)
    assert check.ok, check.problems
    pdf = out / "report.pdf"
    with zipfile.ZipFile(result.bundle) as archive:
        pdf.write_bytes(archive.read("report.pdf"))
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is not installed (.ci/run installs poppler-utils)")
    text = subprocess.run(
        [pdftotext, str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return " ".join(text.split())  # words as a reader reads them, across wrapped cells


def test_a_change_of_category_is_a_custody_entry_with_the_old_and_new_value_and_the_reason(
    store: EvidenceStore,
) -> None:
    incident = store.new_incident("Posts about a pupil")
    before = len(store.log(incident.id))

    changed = change_incident(
        store,
        incident.id,
        category=Category.PUPIL_CYBERBULLYING,
        reason="The posts are about a pupil in Year 9, not about me.",
    )

    assert store.incident(incident.id).category is Category.PUPIL_CYBERBULLYING
    assert changed.incident.category is Category.PUPIL_CYBERBULLYING
    log = store.log(incident.id)
    assert len(log) == before + 1
    entry = log[-1]
    assert entry.action == "category_changed"
    assert dict(entry.details) == {
        "from": "cyberbullying-of-staff",
        "to": "cyberbullying-of-pupil",
        "reason": "The posts are about a pupil in Year 9, not about me.",
    }
    assert [e.seq for e in changed.entries] == [entry.seq]
    assert store.verify(incident.id).ok


def test_category_and_status_together_are_two_entries_and_the_export_verifies(
    store: EvidenceStore,
) -> None:
    incident = store.new_incident("Comments under a class photo")

    changed = change_incident(
        store,
        incident.id,
        category=Category.INAPPROPRIATE_CONTENT,
        status=Status.CLOSED,
        reason="The post was removed and the parents spoke to the head.",
    )

    assert [e.action for e in changed.entries] == ["category_changed", "status_changed"]
    assert changed.incident.status is Status.CLOSED
    assert store.verify().ok
    report = _report_text(store, incident.id)
    # The summary and the custody log say it in words, never as codes.
    assert "Status Closed" in report
    assert (
        "From Cyberbullying of a member of staff to Inappropriate content. Reason: The post was "
        "removed and the parents spoke to the head." in report
    )
    assert "From Open to Closed." in report
    assert "category_changed" not in report and "cyberbullying-of-staff" not in report


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_change_without_a_reason_is_refused_in_one_sentence(
    store: EvidenceStore, reason: str
) -> None:
    incident = store.new_incident("Fake account in my name")
    before = store.log(incident.id)

    with pytest.raises(BadInput) as refused:
        change_incident(store, incident.id, status=Status.CLOSED, reason=reason)

    assert refused.value.message == (
        "Give a reason for the change: the custody log keeps it with the old and the new value; "
        "nothing was changed."
    )
    assert store.log(incident.id) == before
    assert store.incident(incident.id).status is Status.OPEN


def test_a_change_to_the_value_it_already_has_is_refused(store: EvidenceStore) -> None:
    incident = store.new_incident("Fake account in my name")
    with pytest.raises(BadInput, match="already filed as cyberbullying of a member of staff"):
        change_incident(
            store, incident.id, category=Category.STAFF_CYBERBULLYING, reason="To be sure."
        )
    with pytest.raises(BadInput, match="is already open"):
        change_incident(store, incident.id, status=Status.OPEN, reason="To be sure.")
    with pytest.raises(BadInput, match="Choose a new category or a new status"):
        change_incident(store, incident.id, reason="Nothing chosen.")
    assert len(store.log(incident.id)) == 1


def test_handed_over_is_never_chosen_it_comes_from_a_handover(store: EvidenceStore) -> None:
    incident = store.new_incident("Fake account in my name")
    with pytest.raises(BadInput, match="only when it is handed over to the safeguarding lead"):
        change_incident(store, incident.id, status=Status.HANDED_OVER, reason="Gave it to Priya.")
    assert store.incident(incident.id).status is Status.OPEN


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (Status.CLOSED, "is closed, so its category and status can no longer be changed"),
        (Status.HANDED_OVER, "has been handed over to the safeguarding lead, who now decides"),
    ],
)
def test_a_closed_or_handed_over_incident_is_refused_saying_why(
    store: EvidenceStore, status: Status, why: str
) -> None:
    incident = store.new_incident("Group chat about a supply teacher")
    store.set_status(incident.id, status, "set up for the test")
    before = store.log(incident.id)

    with pytest.raises(BadInput, match=why):
        change_incident(store, incident.id, category=Category.OTHER, reason="Second thoughts.")

    assert store.log(incident.id) == before
    assert store.incident(incident.id).category is Category.STAFF_CYBERBULLYING


def test_on_the_leads_store_the_steps_set_category_and_status(
    tmp_path: Path, clock: FixedClock, store_templates: StoreTemplates
) -> None:
    made = store_templates.copy(tmp_path / "lead", LEAD, clock)
    with open_store(made.location, lambda: PASSPHRASE, clock) as lead:
        case = lead.new_incident("A case of the lead's own")
        with pytest.raises(BadInput, match="set by the triage step"):
            change_incident(lead, case.id, category=Category.OTHER, reason="Filed wrongly.")
        assert len(lead.log(case.id)) == 1


def _acceptable(reason: str) -> bool:
    try:
        check_text(reason, "reason", max_length=NOTE_MAX, multiline=True)
    except BadInput:
        return False
    return True


@given(reason=st.text(max_size=300))
def test_any_reason_text_is_kept_exactly_or_refused_before_anything_is_recorded(
    store: EvidenceStore, reason: str
) -> None:
    incident = store.incidents()[0] if store.incidents() else store.new_incident("Posts")
    other = (
        Category.OTHER if incident.category is not Category.OTHER else Category.STAFF_CYBERBULLYING
    )
    before = store.log(incident.id)

    if reason.strip() and _acceptable(reason):
        changed = change_incident(store, incident.id, category=other, reason=reason)
        assert changed.entries[0].details["reason"] == reason
        assert store.log(incident.id)[-1].details["reason"] == reason
        assert store.incident(incident.id).category is other
    else:
        with pytest.raises(BadInput):
            change_incident(store, incident.id, category=other, reason=reason)
        assert store.log(incident.id) == before
        assert store.incident(incident.id).category is incident.category


def test_text_direction_characters_in_the_reason_are_refused(store: EvidenceStore) -> None:
    incident = store.new_incident("Posts")
    with pytest.raises(BadInput, match="control or text-direction characters"):
        change_incident(
            store, incident.id, status=Status.CLOSED, reason="Resolved \u202eno\u202c today"
        )
    assert store.incident(incident.id).status is Status.OPEN


def test_the_chronology_and_the_custody_log_say_the_change_in_words(
    store: EvidenceStore,
) -> None:
    incident = store.new_incident("Posts")
    change_incident(
        store,
        incident.id,
        category=Category.SAFEGUARDING,
        status=Status.UNDER_REVIEW,
        reason="A pupil may be at risk.",
    )
    log = store.log(incident.id)
    # As a lead's case view reads a member of staff's chain once received.
    lines = chronology(own=[], received=log)
    said = [(line.what, line.details) for line in lines if line.seq in (2, 3)]
    assert said == [
        (
            "Category changed",
            "From Cyberbullying of a member of staff to Safeguarding concern. "
            "Reason: A pupil may be at risk.",
        ),
        ("Status changed", "From Open to Under review. Reason: A pupil may be at risk."),
    ]
    assert entry_summary(log[1]) == said[0][1]


# -- the record of content that could show a child ---------------------------------------------


def test_a_record_without_an_image_files_its_incident_as_a_safeguarding_concern(
    store: EvidenceStore,
) -> None:
    incident = store.new_incident("Posts about Mr Brown")
    assert incident.category is Category.STAFF_CYBERBULLYING

    exhibit = record_without_image(
        store, incident.id, description="A picture that could show a pupil", url=None
    )

    assert store.incident(incident.id).category is Category.SAFEGUARDING
    entry = store.log(incident.id)[-1]
    assert entry.action == "category_changed"
    assert entry.details["from"] == "cyberbullying-of-staff"
    assert entry.details["to"] == "safeguarding-concern"
    assert exhibit.ref in entry.details["reason"]
    assert store.verify(incident.id).ok


def test_the_report_of_an_under_18_record_says_its_urgency_in_words(
    store: EvidenceStore,
) -> None:
    incident = store.new_incident("Posts about Mr Brown")
    record_without_image(store, incident.id, description="A picture that could show a pupil")

    report = _report_text(store, incident.id)

    assert "Category Safeguarding concern" in report
    assert "Status Open. Urgent: a safeguarding concern for the lead at once" in report
    assert "urgent-safeguarding" not in report
    assert "(marked urgent)" not in report


def test_a_record_into_an_incident_already_with_the_lead_leaves_its_category_to_them(
    store: EvidenceStore,
) -> None:
    incident = store.new_incident("Posts about Mr Brown")
    store.set_status(incident.id, Status.HANDED_OVER, "set up for the test")
    record_without_image(store, incident.id, description="A picture that could show a pupil")
    assert store.incident(incident.id).category is Category.STAFF_CYBERBULLYING
    assert store.log(incident.id)[-1].action == "evidence_recorded"
