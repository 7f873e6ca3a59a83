"""Who a bundle is for, whom its recipient asks to confirm the fingerprint, and the one-page "our
evidence key" sheet that is safe to share (issue 13, points 16 and 20)."""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.model import Producer, Recipient, Role
from harmonize_evidence.export import instructions
from harmonize_evidence.services.bundle_check import verify_bundle
from harmonize_evidence.services.evidence import EvidenceStore
from harmonize_evidence.services.exporting import (
    ExportOptions,
    export_bundle,
    export_result_details,
    export_result_text,
)
from harmonize_evidence.services.key_sheet import key_sheet_pdf, write_key_sheet
from harmonize_evidence.services.school import join_school, make_school_card
from harmonize_evidence.services.store import StoreLocation, create_store
from tests.conftest import PASSPHRASE, TEST_COST, Cli

LEAD = Producer("Ann Reid", "AR", "Oak Hill Academy", Role.LEAD)
CONTACT = "01632 960 123\nsafeguarding@oakhill.example.org"


@pytest.fixture
def lead_store(tmp_path: Path, clock: FixedClock) -> Iterator[EvidenceStore]:
    """The safeguarding lead's store, with the contact staff and recipients should use."""
    made, _ = create_store(
        StoreLocation(tmp_path / "lead"), LEAD, PASSPHRASE, clock, passphrase_cost=TEST_COST
    )
    with made:
        make_school_card(made, CONTACT)
        yield made


def _member(bundle: Path, name: str) -> str:
    with zipfile.ZipFile(bundle) as archive:
        return archive.read(name).decode("utf-8")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def _pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = next(line for line in info.stdout.splitlines() if line.startswith("Pages:"))
    return int(pages.split()[1])


def _flat(text: str) -> str:
    return " ".join(text.split())


# -- who the bundle is for ------------------------------------------------------------------------


def test_an_export_for_the_police_is_recorded_and_named_on_the_cover_and_in_verify_txt(
    lead_store: EvidenceStore, tmp_path: Path
) -> None:
    incident = lead_store.new_incident("Threats to a teacher on TikTok")
    options = ExportOptions(
        recipient=Recipient.POLICE, recipient_name="PC Jo Hart,  Thames Valley Police"
    )
    result = export_bundle(lead_store, incident.id, tmp_path, options=options)

    entry = lead_store.log(incident.id)[-1]
    assert entry.action == "exported"
    assert entry.details["recipient"] == "police"
    assert entry.details["recipient_name"] == "PC Jo Hart, Thames Valley Police"
    verify_txt = _flat(_member(result.bundle, "VERIFY.txt"))
    assert "Oak Hill Academy, for the police (PC Jo Hart, Thames Valley Police)." in verify_txt
    # Whom to ask for the fingerprint: the lead, with the contact the lead gave, on one line.
    assert (
        "To confirm it, contact Ann Reid, the safeguarding lead at Oak Hill Academy: "
        "01632 960 123; safeguarding@oakhill.example.org." in verify_txt
    )
    assert f"it begins {short_fingerprint(lead_store.fingerprint)}" in verify_txt
    report = zipfile.ZipFile(result.bundle).read("report.pdf")
    cover = _flat(_pdf_text(report, tmp_path))
    assert "Exported for the police (PC Jo Hart, Thames Valley Police)" in cover
    assert "01632 960 123; safeguarding@oakhill.example.org" in cover  # how to verify, step 1
    check = verify_bundle(result.bundle)
    assert check.ok, check.problems


def test_a_staff_bundle_names_the_member_of_staff_and_the_lead_of_the_school_joined(
    store: EvidenceStore, lead_store: EvidenceStore, tmp_path: Path
) -> None:
    card, fingerprint = make_school_card(lead_store)
    join_school(store, card, short_fingerprint(fingerprint), "in person")
    incident = store.new_incident("Comments under a school post")
    result = export_bundle(
        store, incident.id, tmp_path, options=ExportOptions(recipient=Recipient.SENIOR_MANAGER)
    )
    verify_txt = _flat(_member(result.bundle, "VERIFY.txt"))
    assert "Oak Hill Academy, for a senior manager at the school." in verify_txt
    assert (
        "contact Zoë Lane, or Ann Reid, the safeguarding lead at Oak Hill Academy: "
        "01632 960 123; safeguarding@oakhill.example.org." in verify_txt
    )
    assert store.log(incident.id)[-1].details["recipient"] == "senior-manager"
    assert verify_bundle(result.bundle).ok


def test_a_bundle_with_nobody_named_says_to_ask_the_school_that_sent_it_and_still_verifies(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Comments under a school post")
    result = export_bundle(store, incident.id, tmp_path)
    details = store.log(incident.id)[-1].details
    assert "recipient" not in details and "recipient_name" not in details
    verify_txt = _flat(_member(result.bundle, "VERIFY.txt"))
    assert "Zoë Lane (ZL), Oak Hill Academy. It was made" in verify_txt  # nobody named
    assert "Ask the school that sent you this bundle (Oak Hill Academy)" in verify_txt
    check = verify_bundle(result.bundle)
    assert check.ok, check.problems


def test_someone_else_must_be_named_and_nothing_is_written_until_they_are(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Comments under a school post")
    for options in (
        ExportOptions(recipient=Recipient.OTHER),
        ExportOptions(recipient=Recipient.OTHER, recipient_name="   "),
        ExportOptions(recipient=Recipient.OTHER, recipient_name="LADO\u202e"),
        ExportOptions(recipient=Recipient.POLICE, timestamp_url="javascript:alert(1)"),
    ):
        with pytest.raises(BadInput):
            export_bundle(store, incident.id, tmp_path, options=options)
    assert list(tmp_path.iterdir()) == [tmp_path / "store"]
    assert store.log(incident.id)[-1].action == "incident_created"


WHO = st.text(
    st.characters(
        whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="\u2028\u2029"
    ),
    min_size=1,
    max_size=200,
)


@settings(max_examples=60)
@given(who=WHO)
def test_whoever_the_exporter_names_reaches_verify_txt_whole_or_is_refused_in_a_sentence(
    who: str,
) -> None:
    options = ExportOptions(recipient=Recipient.OTHER, recipient_name=who)
    try:
        options.checked()
    except BadInput as exc:
        assert exc.message.endswith(".") and "\n" not in exc.message
        return
    facts = instructions.BundleFacts(
        incident_id="INC-2026-0001",
        exported="2026-11-21 21:40 UTC",
        producer="Zoë Lane (ZL)",
        school="Oak Hill Academy",
        ca_fingerprint=":".join(["AB"] * 32),
        chain_head_seq=1,
        chain_head_hash="0" * 64,
        bundle_name="INC-2026-0001_2026-11-21.zip",
        recipient=options.recipient_words,
    )
    assert f", for {_flat(who)}." in _flat(instructions.verify_text(facts))


# -- what the exporter is told --------------------------------------------------------------------


def test_the_result_says_what_to_send_how_and_which_fingerprint_to_read_out(
    store: EvidenceStore, tmp_path: Path
) -> None:
    incident = store.new_incident("Comments under a school post")
    options = ExportOptions(recipient=Recipient.POLICE, recipient_name="PC Jo Hart")
    result = export_bundle(store, incident.id, tmp_path, options=options)
    text = export_result_text(result)
    assert text.startswith(f"Send this file: {result.bundle.name} (")
    assert f"in the folder {tmp_path}." in text
    assert "It is not encrypted" in text and "the police (PC Jo Hart)" in text
    assert f"\n    {short_fingerprint(store.fingerprint)}\n" in text
    # The signature's level ("PAdES B-B") is jargon; "B-B" alone may occur in a fingerprint.
    for jargon in ("PAdES", "custody entry", "SHA-256", " B-B"):
        assert jargon not in text
    details = export_result_details(result)
    assert result.sha256 in details and store.fingerprint in details
    assert f"custody entry {result.entry.seq} of {incident.id}" in details  # type: ignore[union-attr]


# -- the "our evidence key" sheet -----------------------------------------------------------------


def test_the_key_sheet_is_one_page_with_the_fingerprint_and_the_lead_to_ask(
    lead_store: EvidenceStore, tmp_path: Path
) -> None:
    written = write_key_sheet(lead_store, tmp_path)
    assert written.path == tmp_path / "evidence-key-AR.pdf"
    data = written.path.read_bytes()
    assert _pages(data, tmp_path) == 1
    text = _pdf_text(data, tmp_path)
    flat = _flat(text)
    pairs = lead_store.fingerprint.split(":")
    for start in range(0, 32, 8):  # large, eight pairs a line, each line whole
        assert ":".join(pairs[start : start + 8]) in text
    assert short_fingerprint(lead_store.fingerprint) in flat
    assert "Oak Hill Academy: evidence from Ann Reid (AR), safeguarding lead" in flat
    assert (
        "Contact Ann Reid, the safeguarding lead at Oak Hill Academy: 01632 960 123; "
        "safeguarding@oakhill.example.org." in flat
    )
    assert instructions.FINGERPRINT_COMMAND in flat
    assert "recovery" not in flat.lower()  # nothing secret: not the recovery sheet
    assert PASSPHRASE not in flat


CONTACTS = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "S"), whitelist_characters=" \n<>&\"'"),
    min_size=1,
    max_size=600,
).filter(lambda text: any(line.strip() for line in text.splitlines()))


@settings(max_examples=12)
@given(contact=CONTACTS)
def test_whatever_contact_the_lead_typed_the_sheet_stays_one_page_and_prints_it_literally(
    contact: str, lead_store: EvidenceStore, tmp_path: Path
) -> None:
    try:
        make_school_card(lead_store, contact)
    except BadInput:
        return  # refused where it is typed
    data, named = key_sheet_pdf(lead_store)
    assert _pages(data, tmp_path) == 1
    one_line = "; ".join(" ".join(line.split()) for line in contact.splitlines() if line.strip())
    assert named.endswith(one_line)
    if len(named) <= 400 and one_line.isascii():
        assert _flat(one_line) in _flat(_pdf_text(data, tmp_path)).replace("- ", "-")


def test_a_staff_key_sheet_before_joining_says_to_telephone_the_school(
    store: EvidenceStore, tmp_path: Path
) -> None:
    written = write_key_sheet(store, tmp_path / "sheets" / "")
    assert written.path == tmp_path / "sheets" / "evidence-key-ZL.pdf"
    assert written.contact == ""
    flat = _flat(_pdf_text(written.path.read_bytes(), tmp_path))
    assert "Telephone Oak Hill Academy on a number you find yourself" in flat
    assert "ask for Zoë Lane (ZL) or the safeguarding lead" in flat
    with pytest.raises(BadInput, match="already exists"):
        write_key_sheet(store, written.path)


# -- the command line -----------------------------------------------------------------------------


def test_cli_export_for_someone_else_needs_their_name_and_key_sheet_writes_the_sheet(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    made = cli("--json", "incident", "new", "--title", "Comments under a school post")
    incident = made.json["id"]
    refused = cli("export", incident, "--out", str(tmp_path), "--for", "other")
    assert refused.code == 2 and "Say who the bundle is for" in refused.stderr
    assert list(tmp_path.glob("*.zip")) == []
    done = cli(
        "--json", "export", incident, "--out", str(tmp_path), "--for", "other",
        "--for-whom", "Local authority designated officer",
    )  # fmt: skip
    assert done.code == 0, done.stderr
    document = done.json
    assert document["recipient"] == "other"
    assert document["recipient_name"] == "Local authority designated officer"
    assert document["short_fingerprint"] == short_fingerprint(document["fingerprint"])
    sheet = cli("key-sheet", "--out", str(tmp_path))
    assert sheet.code == 0, sheet.stderr
    written = tmp_path / "evidence-key-ZL.pdf"
    assert sheet.stdout.startswith(f"Saved your evidence key sheet: {written}")
    assert document["short_fingerprint"] in sheet.stdout
