"""The safeguarding lead runs a case to its end, and the officer finds every step in the bundle.

The school's policy: the lead asks the website to remove the material within 24 hours, checks it
was removed, contacts the internet service provider when the host does not co-operate, reports
threatening material to the police with the member of staff's consent, and closes the case with
an outcome and its rationale. Here, each on their own laptop: a teacher captures a post on a real
screen and hands it over; the lead receives it, triages it, records the takedown request made
by telephone yesterday morning, sees the removal check overdue, finds the post still up,
contacts the ISP, records the teacher's consent, refers the case to the police and closes it.
The officer checks the lead's bundle and finds the steps and the police reference in it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.store import open_store
from tests.conftest import PASSPHRASE, Cli, StoreTemplates, private_env
from tests.journeys.conftest import ok
from tests.journeys.officer import check_as_an_officer
from tests.painted import PaintedScreen

POLICE_REFERENCE = "CAD 4471/21NOV"
LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
TEACHER = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)


def test_the_lead_runs_a_case_to_its_end_and_the_officer_finds_every_step(
    screen: PaintedScreen, tmp_path: Path, store_templates: StoreTemplates
) -> None:
    # Both laptops are set up already (setting up is the other journeys' part): each store is
    # a copy of one the program made, at the tests' passphrase cost, so that the two dozen
    # commands below do not each spend a second on the real key derivation.
    set_up = FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    lead_store = store_templates.copy(tmp_path / "lead-laptop" / "store", LEAD, set_up)
    teacher_store = store_templates.copy(tmp_path / "teacher-laptop" / "store", TEACHER, set_up)
    lead = Cli(lead_store.location.directory, private_env(tmp_path / "lead-laptop"))
    teacher = Cli(teacher_store.location.directory, private_env(tmp_path / "teacher-laptop"))
    with open_store(teacher_store.location, lambda: PASSPHRASE, set_up) as opened:
        staff = {"fingerprint": opened.fingerprint}  # what the teacher reads to the lead
    card = ok(lead("--json", "school-card", "--out", str(tmp_path / "card.json")))
    school = {"fingerprint": card["fingerprint"]}  # the school card's is the lead's CA's
    ok(teacher("--json", "join", card["card"], "--fingerprint", card["fingerprint"]))

    # The teacher captures the post and hands it over.
    incident = ok(
        teacher(
            "--json", "incident", "new", "--title", "Threats to Ms Lane on X", "--platform", "X"
        )
    )["id"]
    ok(
        teacher(
            "--json",
            "capture",
            incident,
            "--region",
            "100,100,500,300",
            "--url",
            "https://x.com/someone/status/1",
            env={"DISPLAY": screen.name},
        )
    )
    package = ok(teacher("--json", "handover", incident, "--out", str(tmp_path / "usb" / "")))
    case = ok(
        lead("--json", "receive", package["package"], "--accept-staff", staff["fingerprint"])
    )["case"]

    # Triage; the takedown was asked by telephone yesterday morning, before the case was filed.
    now = datetime.now(UTC)
    yesterday = (now - timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M+00:00")
    ok(
        lead(
            "--json",
            "action",
            case,
            "triage",
            "--category",
            "cyberbullying-of-staff",
            "--risk",
            "high",
            "--assigned-to",
            "Priya Shah",
            "--summary",
            "Threats of violence.",
        )
    )
    requested = ok(
        lead(
            "--json",
            "action",
            case,
            "takedown-requested",
            "--platform",
            "X",
            "--route",
            "platform",
            "--reference",
            "X-REPORT-991",
            "--at",
            yesterday,
        )
    )
    assert requested["next_step"] == "removal-checked"

    # The removal check is overdue; the post is still up.
    overdue = ok(lead("--json", "due", "--overdue"))["cases"]
    assert [c["id"] for c in overdue] == [case] and overdue[0]["overdue"] is True
    still_up = ok(lead("--json", "action", case, "removal-checked", "--outcome", "still-up"))
    assert "isp-contacted" in still_up["next_step"]
    ok(lead("--json", "action", case, "isp-contacted", "--isp", "BT", "--reference", "BT-55"))

    # The police referral waits for the teacher's consent.
    refused = lead(
        "action", case, "police-referred", "--force", "Met", "--reference", POLICE_REFERENCE
    )
    assert refused.code == 2 and "consent" in refused.stderr
    ok(
        lead(
            "--json",
            "action",
            case,
            "consent",
            "--decision",
            "given",
            "--given-by",
            "Zoë Lane",
            "--how",
            "In person, in my office, with her union rep present",
        )
    )
    ok(
        lead(
            "--json",
            "action",
            case,
            "police-referred",
            "--force",
            "Metropolitan Police",
            "--reference",
            POLICE_REFERENCE,
            "--officer",
            "PC 1234 Ahmed",
        )
    )
    ok(lead("--json", "action", case, "support-offered", "--what", "Counselling", "--by", "HR"))
    closed = ok(
        lead(
            "--json",
            "action",
            case,
            "close",
            "--outcome",
            "Referred; posts removed",
            "--rationale",
            "Police took the case on; the school's steps are done.",
        )
    )
    assert closed["status"] == "closed"
    assert ok(lead("--json", "due"))["cases"] == []

    # The officer checks the lead's bundle and finds the steps in it.
    bundle = ok(lead("--json", "export", case, "--out", str(tmp_path / "police" / "")))["bundle"]
    found = check_as_an_officer(
        Path(bundle),
        school["fingerprint"],
        tmp_path / "officer",
        private_env(tmp_path / "officer-home"),
    )
    text = " ".join(found.report_text.split())
    first_page = " ".join(found.report_text.split("\f")[0].split())
    assert POLICE_REFERENCE in first_page  # the police reference on the cover
    for words in (
        "X-REPORT-991",
        "still up",
        "BT-55",
        "Consent",
        "with her union rep present",
        "Metropolitan Police",
        "PC 1234 Ahmed",
        "Police took the case on",
    ):
        assert words in text, words
