"""The police find the school's steps in the report: the referral on the cover, consent, the
takedown history and every correction, each with when it happened and who recorded it.

Real lead's stores: the steps are recorded through the case-work service, the bundle is exported
and checked by the real services, and the report is read back with poppler's ``pdftotext``, as
an officer's PDF reader would.
"""

from __future__ import annotations

import subprocess
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.casework import STEPS, Step
from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.model import Category, Producer, Role
from harmonize_evidence.domain.wording import STEP_CHOICE_NAMES
from harmonize_evidence.services.bundle_check import verify_bundle
from harmonize_evidence.services.casework import record_step
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import open_store
from harmonize_evidence.vault.keys import PassphraseCost
from tests.conftest import PASSPHRASE, MovingClock, StoreTemplates
from tests.test_report_metadata import MARKUP
from tests.test_report_text import _tool, poppler_normalised

LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
STAFF = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
START = datetime(2026, 7, 10, 9, 0, 0, tzinfo=UTC)  # British Summer Time: UTC+01:00
LOW_COST = PassphraseCost(memory_kib=8, iterations=1, lanes=1)
SECTION = "The school's actions"


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", *args, str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def _report_pdf(bundle: Path, folder: Path) -> Path:
    pdf = folder / "report.pdf"
    with zipfile.ZipFile(bundle) as archive:
        pdf.write_bytes(archive.read("report.pdf"))
    return pdf


@dataclass(frozen=True)
class CaseReport:
    bundle: Path
    pages: list[str]
    """Each page's text, whitespace as one space."""
    entries: dict[str, int]
    """The sequence number of each step recorded, by a name the test gives it."""

    @property
    def text(self) -> str:
        return " ".join(self.pages)

    @property
    def section(self) -> str:
        """The section of the steps, up to the custody log."""
        text = self.text
        start = text.index(SECTION + " Each step")
        return text[start : text.index("Custody log", start)]


@pytest.fixture(scope="module")
def case_report(
    tmp_path_factory: pytest.TempPathFactory, store_templates: StoreTemplates
) -> Iterator[CaseReport]:
    """A lead's case about a member of staff, run from triage to its close, and exported."""
    root = tmp_path_factory.mktemp("report-casework")
    clock = MovingClock(START)
    made = store_templates.copy(root / "lead", LEAD, FixedClock(START))
    entries: dict[str, int] = {}
    with open_store(made.location, lambda: PASSPHRASE, clock) as lead:
        case = lead.new_incident(
            "Threats to Ms Lane on X", category=Category.STAFF_CYBERBULLYING, platforms=["X"]
        ).id
        lead.add_note(case, "Ms Lane showed me the posts at 08:50.")

        def step(name: str, kind: Step, at: str | None = None, **fields: str) -> None:
            clock.advance(10)
            corrects = fields.pop("corrects", None)
            recorded = record_step(
                lead,
                case,
                kind,
                fields,
                at=at,
                corrects=None if corrects is None else entries[corrects],
            )
            entries[name] = recorded.entry.seq

        step("triage", Step.TRIAGE, category="cyberbullying-of-staff", risk="high")
        # Asked by telephone the evening before, recorded now; a later request by POSH.
        step(
            "first request",
            Step.TAKEDOWN_REQUESTED,
            at="09/07/2026 18:30",
            platform="X",
            route="platform",
            reference="X-REPORT-99",
        )
        step("still up", Step.REMOVAL_CHECKED, outcome="still-up")
        step("isp", Step.ISP_CONTACTED, isp="BT", reference="BT-55")
        step(
            "posh request",
            Step.TAKEDOWN_REQUESTED,
            platform="X",
            route="posh",
            reference="POSH-12",
        )
        step(
            "request corrected",
            Step.TAKEDOWN_REQUESTED,
            at="09/07/2026 18:30",
            corrects="first request",
            platform="X",
            route="platform",
            reference="X-REPORT-991",
        )
        step("removed", Step.REMOVAL_CHECKED, outcome="removed")
        step(
            "consent",
            Step.CONSENT,
            at="2026-07-10T11:05",
            decision="given",
            given_by="Zoë Lane",
            how="In person, in my office, with her union rep present",
        )
        step(
            "referral",
            Step.POLICE_REFERRED,
            force="Metropolitan Police",
            reference="CAD 4471/10JUL",
            officer="PC 1234 Ahmed",
        )
        step(
            "referral corrected",
            Step.POLICE_REFERRED,
            corrects="referral",
            force="Metropolitan Police",
            reference="CAD 4471/10JUL-B",
            officer="PC 1234 Ahmed",
        )
        step(
            "close",
            Step.CLOSE,
            outcome="Referred; posts removed",
            rationale="Police took the case on; the school's steps are done.",
        )
        clock.advance(5)
        bundle = export_bundle(lead, case, root / "police/").bundle
    pdf = _report_pdf(bundle, root)
    pages = [" ".join(page.split()) for page in _pdftotext(pdf).split("\f")]
    yield CaseReport(bundle, pages, entries)


def test_the_bundle_of_a_case_with_steps_verifies(case_report: CaseReport) -> None:
    check = verify_bundle(case_report.bundle)
    assert check.ok, check.problems


def test_the_cover_names_the_force_the_reference_and_officer_of_the_referral_that_stands(
    case_report: CaseReport,
) -> None:
    cover = case_report.pages[0]
    corrected = case_report.entries["referral corrected"]
    assert (
        f"Referred to the police 10 July 2026 at 11:40:00 (UTC+01:00) (custody entry {corrected})"
    ) in cover
    assert "Police force Metropolitan Police" in cover
    assert "Police reference CAD 4471/10JUL-B" in cover
    assert "Police officer PC 1234 Ahmed" in cover
    assert "CAD 4471/10JUL " not in cover + " "  # the reference it corrected is not on the cover


def test_the_cover_gives_a_closed_cases_status_and_outcome(case_report: CaseReport) -> None:
    cover = case_report.pages[0]
    close = case_report.entries["close"]
    assert "Case status Closed" in cover
    assert f"Closed 10 July 2026 at 11:50:00 (UTC+01:00) (custody entry {close})" in cover
    assert "Outcome Referred; posts removed" in cover


def test_consent_says_the_decision_who_gave_it_when_and_how(case_report: CaseReport) -> None:
    seq = case_report.entries["consent"]
    section = case_report.section
    consent = section[section.index(f"Consent to a police report (custody entry {seq})") :]
    consent = consent[: consent.index("Referred to the police (custody entry")]
    assert "When it happened 10 July 2026 at 11:05:00 local time (UTC+01:00)" in consent
    assert "10 July 2026 at 10:05:00 UTC" in consent
    assert "Decision Consent given to a police report" in consent
    assert "Given by Zoë Lane" in consent
    assert "How it was obtained In person, in my office, with her union rep present" in consent
    assert "Recorded by Priya Shah (PS), on 10 July 2026 at 10:20:00 UTC" in consent


def test_the_takedown_history_reads_in_the_order_it_happened(case_report: CaseReport) -> None:
    section = case_report.section
    entries = case_report.entries
    # The request made by telephone the evening before comes first, though recorded second.
    order = [
        f"Takedown requested (custody entry {entries['first request']}",
        f"Takedown requested (custody entry {entries['request corrected']}",
        f"Triage (custody entry {entries['triage']})",
        f"Removal checked (custody entry {entries['still up']})",
        f"Internet provider contacted (custody entry {entries['isp']})",
        f"Takedown requested (custody entry {entries['posh request']})",
        f"Removal checked (custody entry {entries['removed']})",
    ]
    places = [section.index(heading) for heading in order]
    assert places == sorted(places)
    first = section[places[0] : places[1]]
    assert "When it happened 9 July 2026 at 18:30:00 local time (UTC+01:00)" in first
    assert "9 July 2026 at 17:30:00 UTC" in first
    assert "Route The platform's own reporting form" in first
    posh = section[places[5] : places[6]]
    assert "Platform X" in posh
    assert "Route POSH, the Professionals Online Safety Helpline" in posh
    assert "Reference number POSH-12" in posh
    assert "Outcome The material was still up" in section[places[3] : places[4]]
    isp = section[places[4] : places[5]]
    assert "Internet provider BT" in isp and "Reference BT-55" in isp
    assert "Outcome The material was removed" in section[places[6] :]


def test_a_correction_is_shown_as_the_correction_of_the_entry_it_corrects(
    case_report: CaseReport,
) -> None:
    section = case_report.section
    first, fixed = case_report.entries["first request"], case_report.entries["request corrected"]
    assert f"Takedown requested (custody entry {first}, corrected by entry {fixed})" in section
    assert (
        f"Takedown requested (custody entry {fixed}, a correction of custody entry {first})"
    ) in section
    assert f"This entry corrects custody entry {first}" in section
    assert "Reference number X-REPORT-99 " in section  # the entry corrected is still shown
    assert "Reference number X-REPORT-991" in section


def test_the_statement_points_to_the_steps(case_report: CaseReport) -> None:
    text = case_report.text
    statement = text[text.index("Statement of production and continuity") :]
    assert (
        "Each step of the school's process that I recorded on this incident is set out, with "
        "when it happened and what I recorded, in the section The school's actions"
    ) in statement


def test_every_choice_of_every_step_has_words_for_the_report() -> None:
    for spec in STEPS.values():
        for spec_field in spec.fields:
            if spec_field.choices:
                words = STEP_CHOICE_NAMES[(spec.step.value, spec_field.key)]
                assert set(spec_field.choices) <= set(words), (spec.step, spec_field.key)


def test_a_staff_bundle_has_no_steps_and_its_statement_is_as_before(
    tmp_path: Path, store_templates: StoreTemplates
) -> None:
    made = store_templates.copy(tmp_path / "staff", STAFF, FixedClock(START))
    with open_store(made.location, lambda: PASSPHRASE, FixedClock(START)) as staff:
        incident = staff.new_incident("Posts about Ms Lane")
        staff.add_note(incident.id, "Seen at 08:50.")
        bundle = export_bundle(staff, incident.id, tmp_path / "out/").bundle
    text = " ".join(_pdftotext(_report_pdf(bundle, tmp_path)).split())
    assert SECTION not in text
    for label in ("Case status", "Referred to the police", "Police reference"):
        assert label not in text
    assert "Each step of the school's process" not in text


# -- anything the lead types reaches the report intact ----------------------------------------

FREE_TEXT = {
    (Step.TRIAGE, "summary"),
    (Step.CONSENT, "how"),
    (Step.SUPPORT_OFFERED, "what"),
    (Step.PUPIL_ACTION, "what"),
    (Step.STATUS, "reason"),
    (Step.CLOSE, "outcome"),
    (Step.CLOSE, "rationale"),
}
ONE_LINE = {
    (Step.TRIAGE, "assigned_to"),
    (Step.TAKEDOWN_REQUESTED, "platform"),
    (Step.TAKEDOWN_REQUESTED, "reference"),
    (Step.ISP_CONTACTED, "isp"),
    (Step.CONSENT, "given_by"),
    (Step.POLICE_REFERRED, "force"),
    (Step.POLICE_REFERRED, "reference"),
    (Step.POLICE_REFERRED, "officer"),
}
# The steps in an order the rules allow, with their fixed choices.
SCRIPT: tuple[tuple[Step, dict[str, str]], ...] = (
    (Step.TRIAGE, {"category": "cyberbullying-of-pupil", "risk": "medium"}),
    (Step.TAKEDOWN_REQUESTED, {"route": "report-harmful-content"}),
    (Step.ISP_CONTACTED, {}),
    (Step.CONSENT, {"decision": "refused"}),
    (Step.POLICE_REFERRED, {}),
    (Step.SUPPORT_OFFERED, {}),
    (Step.PUPIL_ACTION, {}),
    (Step.STATUS, {"to": "under-review"}),
    (Step.CLOSE, {}),
)
_LETTERS = st.characters(
    categories=("L", "M", "N", "P", "S", "Zs"),
    max_codepoint=0x2FFF,
    exclude_characters="".join(chr(c) for c in range(0x0590, 0x0900)),
)


def lead_text(longest: int, *, lines: bool = False) -> st.SearchStrategy[str]:
    """What the lead may type: markup, emoji, Polish and Chinese, long unbroken words, and any
    letter, mark, digit, punctuation or symbol of the first Unicode blocks but right-to-left ones.

    Narrower than the generator of test_report_metadata, whose text did not all read back with
    poppler: right-to-left text beside punctuation (poppler moves the punctuation into the
    right-to-left run it reads back, and the report draws ``محمد)`` with the bracket on the
    wrong side: see test_an_arabic_word_followed_by_a_bracket_reads_back_as_typed), and code
    points the font has no glyph for beside a word broken between lines. Right-to-left text is
    read back in test_report_text.
    """
    special = (*MARKUP, "Łukasz Żółć", "张伟", "😀", "👍🏽", "e\u0301")
    piece = st.one_of(
        st.text(_LETTERS, max_size=25),
        st.sampled_from(special).map(lambda text: f" {text} "),
        st.sampled_from(("\n", "\t", "\r\n") if lines else (" ",)),
        st.just("https://cdn.example/a1_b2.c3-D4/" * 4),
    )
    return st.lists(piece, max_size=12).map(lambda pieces: "".join(pieces)[:longest])


TYPED = st.fixed_dictionaries(
    {
        **{slot: lead_text(600, lines=True) for slot in FREE_TEXT},
        **{slot: lead_text(200) for slot in ONE_LINE},
    }
)
# The value column of a key-value table on a portrait page, below the running header and above
# the footer (points): what a step's fields print, without the labels beside them.
VALUES = ("-x", "173", "-y", "50", "-W", "379", "-H", "744")


@pytest.fixture
def lead(tmp_path: Path, store_templates: StoreTemplates) -> Iterator[EvidenceStore]:
    made = store_templates.copy(tmp_path / "lead", LEAD, FixedClock(START))
    with open_store(made.location, lambda: PASSPHRASE, FixedClock(START)) as store:
        yield store


@settings(max_examples=20)
@given(entered=TYPED)
def test_anything_the_lead_types_that_a_step_keeps_reaches_the_report_intact(
    lead: EvidenceStore, tmp_path: Path, entered: dict[tuple[Step, str], str]
) -> None:
    case = lead.new_incident("A case with any text in its steps").id
    kept: list[str] = []
    for step, choices in SCRIPT:
        fields = {**choices, **{key: text for (s, key), text in entered.items() if s is step}}
        try:
            record_step(lead, case, step, fields)
        except BadInput:
            # Drop what the rules refuse; keep what is accepted once the text is left out.
            fields = {**choices, **{k: "x" for k in fields if k not in choices}}
            record_step(lead, case, step, fields)
            continue
        kept += [text for key, text in fields.items() if key not in choices and text.strip()]
    assume(kept)
    out = tmp_path / f"bundle-{case}"
    out.mkdir()
    bundle = export_bundle(lead, case, out).bundle
    check = verify_bundle(bundle)
    assert check.ok, check.problems
    # A word wider than its column is broken between lines, which the text read back shows as
    # a space; poppler joins a line that ends in a hyphen to the next without the hyphen, and
    # leaves out invisible format characters (a soft hyphen): compare without any of these.
    values = _unspaced(poppler_normalised(_pdftotext(_report_pdf(bundle, out), *VALUES)))
    for text in kept:
        assert _unspaced(text) in values, text


def _unspaced(text: str) -> str:
    kept = (c for c in "".join(text.split()) if c != "-" and unicodedata.category(c) != "Cf")
    return "".join(kept)


def test_a_long_address_reads_back_whole(lead: EvidenceStore, tmp_path: Path) -> None:
    address = "https://cdn.example/a1_b2.c3-D4/" * 8
    case = lead.new_incident("A long address").id
    record_step(lead, case, Step.PUPIL_ACTION, {"what": f"Posted at {address} twice"})
    bundle = export_bundle(lead, case, tmp_path).bundle
    values = _unspaced(poppler_normalised(_pdftotext(_report_pdf(bundle, tmp_path), *VALUES)))
    assert _unspaced(f"Posted at {address} twice") in values


def test_an_arabic_word_followed_by_a_bracket_reads_back_as_typed(
    lead: EvidenceStore, tmp_path: Path
) -> None:
    case = lead.new_incident("A bracket after an Arabic word").id
    record_step(lead, case, Step.PUPIL_ACTION, {"what": "Spoke to (محمد) at 09:10"})
    bundle = export_bundle(lead, case, tmp_path).bundle
    values = poppler_normalised(_pdftotext(_report_pdf(bundle, tmp_path), *VALUES))
    assert "Spoke to (محمد) at 09:10" in values
