"""The police bundle from the safeguarding lead: one school fingerprint, the whole path inside.

A member of staff captures on their own laptop and hands the incident over to the lead; the lead
exports the case. The bundle is signed by the lead (the officer compares the school's fingerprint
only), holds every staff exhibit's original bytes, the staff member's own chain with their
signatures and certificates, and a continuity statement from the capture to the export. Every
store, key, package and signature here is real: the stores are made with ``create_store``, the
incident goes through the real handover services, and the checks are the real ``verify-bundle``
process, poppler's ``pdfsig``, ``sha256sum`` and ``openssl``.

A forger who tampers with the staff chain is given the lead's own key here, so that the manifest
signature still holds and what must catch them is the check of the staff chain itself.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from harmonize_evidence.domain.errors import StoreDamaged
from harmonize_evidence.domain.model import Producer, Role, Status
from harmonize_evidence.services.bundle_check import BundleCheck, verify_bundle
from harmonize_evidence.services.capturing import record_without_image
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.handing_over import hand_over
from harmonize_evidence.services.receiving import receive_package
from harmonize_evidence.services.school import join_school, make_school_card
from harmonize_evidence.services.store import StoreLocation, create_store, open_store
from tests.conftest import PASSPHRASE, TEST_COST, Cli, MovingClock
from tests.test_store import _drop_triggers, raw_connection

STAFF = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
LEAD = Producer("Zainab Latif", "ZL", "Oak Hill Academy", Role.LEAD)
"""The lead shares the member of staff's initials: the staff exhibits become ZL2/... here."""
OTHER_SCHOOL = Producer("Dan Marsh", "DM", "Elm Park School", Role.STAFF)


def _png(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (320, 200), colour).save(path, format="PNG")
    return path


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (.ci/run installs poppler-utils and openssl)")
    return path


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@dataclass(frozen=True)
class LeadBundle:
    """The lead's bundle of a handed-over case, and what the test needs to judge it."""

    bundle: Path
    staff_bundle: Path
    lead_store: Path
    """The lead's store folder (closed), to copy."""
    originals: dict[str, bytes]
    """The staff member's files, by the staff reference they were imported under."""
    lead_fingerprint: str
    staff_fingerprint: str
    lead_signer_key: bytes
    staff_incident: str
    case: str
    first_package_sha256: str
    second_package_sha256: str
    other_school_certificates: tuple[bytes, bytes]
    """Another school's Evidence CA and signing certificate (a forger's own)."""


@pytest.fixture(scope="module")
def lead_bundle(tmp_path_factory: pytest.TempPathFactory) -> LeadBundle:
    """Zoë Lane hands an incident to Zainab Latif twice; the lead works on it and exports it."""
    root = tmp_path_factory.mktemp("lead-bundle")
    clock = MovingClock(datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC))
    staff, _ = create_store(
        StoreLocation(root / "staff"), STAFF, PASSPHRASE, clock, passphrase_cost=TEST_COST
    )
    lead, _ = create_store(
        StoreLocation(root / "lead"), LEAD, PASSPHRASE, clock, passphrase_cost=TEST_COST
    )
    other, _ = create_store(
        StoreLocation(root / "other"), OTHER_SCHOOL, PASSPHRASE, clock, passphrase_cost=TEST_COST
    )
    with staff, lead, other:
        card, fingerprint = make_school_card(lead, "01632 960123")
        join_school(staff, card, fingerprint, "in person, in the staff room")
        incident = staff.new_incident(
            "Posts about Ms Lane", platforms=["Instagram"], people="Pupil A"
        )
        originals: dict[str, bytes] = {}
        for number in range(2):
            clock.advance(3)
            path = _png(root / f"post-{number}.png", (60 * number, 120, 200))
            exhibit = staff.add_file(
                incident.id, path, url="https://www.instagram.com/p/C0ffee/", note="the post"
            )
            originals[exhibit.ref] = path.read_bytes()
        staff.add_note(incident.id, "A parent told me about these posts at 08:50.")
        clock.advance(10)
        first = hand_over(staff, incident.id, root / "packages/")
        clock.advance(20)
        received = receive_package(lead, first.package, accept_staff=staff.fingerprint)
        clock.advance(30)
        # More comes to light on the staff laptop, and is handed over again.
        path = _png(root / "post-2.png", (200, 40, 40))
        exhibit = staff.add_file(incident.id, path, url="https://www.instagram.com/p/C0ffee2/")
        originals[exhibit.ref] = path.read_bytes()
        record_without_image(
            staff,
            incident.id,
            description="A picture of a pupil that must not be copied.",
            url="https://www.instagram.com/p/C0ffee3/",
        )
        clock.advance(5)
        second = hand_over(staff, incident.id, root / "packages/")
        clock.advance(15)
        receive_package(lead, second.package)
        clock.advance(60)
        lead.add_note(received.case, "Asked Instagram to remove both posts.")
        clock.advance(5)
        lead.set_status(received.case, Status.UNDER_REVIEW, "Reviewing with the head teacher")
        clock.advance(5)
        bundle = export_bundle(lead, received.case, root / "police/").bundle
        staff_bundle = export_bundle(staff, incident.id, root / "staff-export/").bundle
        return LeadBundle(
            bundle=bundle,
            staff_bundle=staff_bundle,
            lead_store=root / "lead",
            originals=originals,
            lead_fingerprint=lead.fingerprint,
            staff_fingerprint=staff.fingerprint,
            lead_signer_key=lead.identity.signer_key_pem,
            staff_incident=incident.id,
            case=received.case,
            first_package_sha256=first.sha256,
            second_package_sha256=second.sha256,
            other_school_certificates=(
                other.identity.ca_cert_pem,
                other.identity.signer_cert_pem,
            ),
        )


@pytest.fixture
def bundle_cli(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    """The real command line with no store at all (verify-bundle needs none)."""
    return Cli(tmp_path / "no-store-here", cli_env, warm=True)


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _manifest(bundle: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_members(bundle)["manifest.json"])
    return document


def _unpack(bundle: Path, folder: Path) -> Path:
    folder.mkdir()
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder


def _report_text(bundle: Path) -> str:
    text = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", "-", "-"],
        input=_members(bundle)["report.pdf"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return " ".join(text.split())


# -- the officer's checks -------------------------------------------------------------------------


def test_verify_bundle_passes_and_names_the_school_fingerprint_and_the_member_of_staff(
    lead_bundle: LeadBundle, bundle_cli: Cli
) -> None:
    result = bundle_cli(
        "--json",
        "verify-bundle",
        str(lead_bundle.bundle),
        "--expect-fingerprint",
        lead_bundle.lead_fingerprint,
        passphrase=None,
    )
    assert result.code == 0, result.stdout + result.stderr
    report = result.json
    assert report["ok"] is True and report["problems"] == []
    assert report["signer_fingerprint"] == lead_bundle.lead_fingerprint
    assert report["fingerprint_matches"] is True
    assert report["signer"] == "Zainab Latif"
    [staff] = report["staff"]
    assert (staff["name"], staff["school"]) == ("Zoë Lane", "Oak Hill Academy")
    assert staff["fingerprint"] == lead_bundle.staff_fingerprint
    assert staff["incident"] == lead_bundle.staff_incident
    assert staff["exhibit_prefix"] == "ZL2"
    assert [e["sender_ref"] for e in staff["exhibits"]] == ["ZL/1", "ZL/2", "ZL/3", "ZL/4"]
    assert [e["exhibit"] for e in staff["exhibits"]] == ["ZL2/1", "ZL2/2", "ZL2/3", "ZL2/4"]

    text = bundle_cli("verify-bundle", str(lead_bundle.bundle), passphrase=None)
    assert text.code == 0, text.stdout
    assert "Zoë Lane (ZL), Oak Hill Academy: their incident" in text.stdout
    assert lead_bundle.staff_fingerprint in text.stdout
    assert "the school's fingerprint above is the one to compare" in text.stdout


def test_the_staff_members_fingerprint_is_not_the_one_the_officer_expects(
    lead_bundle: LeadBundle, bundle_cli: Cli
) -> None:
    result = bundle_cli(
        "--json",
        "verify-bundle",
        str(lead_bundle.bundle),
        "--expect-fingerprint",
        lead_bundle.staff_fingerprint,
        passphrase=None,
    )
    assert result.code == 1
    assert any(
        p.startswith("ca.pem: its fingerprint is not the one") for p in result.json["problems"]
    )


def test_pdfsig_finds_the_leads_signature_valid_and_covering_the_whole_report(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(_members(lead_bundle.bundle)["report.pdf"])
    # pdfsig exits 0 whatever it finds, so its words are what count.
    result = _run(_tool("pdfsig"), str(report))
    assert "Signature is Valid." in result.stdout, result.stdout
    assert "Total document signed" in result.stdout
    assert "Zainab Latif" in result.stdout


def test_sha256sum_checks_the_report_every_exhibit_and_the_staff_certificates(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    folder = _unpack(lead_bundle.bundle, tmp_path / "unpacked")
    result = _run(_tool("sha256sum"), "-c", "SHA256SUMS", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = dict(line.rsplit(": ", 1) for line in result.stdout.splitlines())
    assert set(checked.values()) == {"OK"}
    assert set(checked) == {
        "report.pdf",
        "exhibits/ZL2-1.png",
        "exhibits/ZL2-2.png",
        "exhibits/ZL2-3.png",
        "VERIFY.txt",
        "staff/ZL2-ca.pem",
        "staff/ZL2-signer.pem",
    }


def test_openssl_checks_the_staff_certificates_as_verify_txt_says(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    folder = _unpack(lead_bundle.bundle, tmp_path / "unpacked")
    instructions = (folder / "VERIFY.txt").read_text(encoding="utf-8")
    command = "openssl verify -CAfile staff/ZL2-ca.pem staff/ZL2-signer.pem"
    assert command in instructions
    result = _run(_tool("openssl"), *command.split()[1:], cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "staff/ZL2-signer.pem: OK"


def test_the_staff_exhibits_in_the_bundle_are_byte_identical_to_the_originals(
    lead_bundle: LeadBundle,
) -> None:
    members = _members(lead_bundle.bundle)
    for staff_ref, original in lead_bundle.originals.items():
        number = staff_ref.split("/")[1]
        assert members[f"exhibits/ZL2-{number}.png"] == original, staff_ref


# -- what the bundle holds ------------------------------------------------------------------------


def test_the_manifest_carries_the_staff_chain_exactly_as_received_with_its_signatures(
    lead_bundle: LeadBundle,
) -> None:
    manifest = _manifest(lead_bundle.bundle)
    assert manifest["version"] == 4
    assert manifest["producer"]["name"] == "Zainab Latif"
    [chain] = manifest["received_chains"]
    assert chain["producer"] == {
        "name": "Zoë Lane",
        "initials": "ZL",
        "role": "staff",
        "school": "Oak Hill Academy",
        "exhibit_prefix": "ZL2",
    }
    assert chain["incident"] == lead_bundle.staff_incident
    assert chain["certificates"]["ca"]["fingerprint_sha256"] == lead_bundle.staff_fingerprint
    entries = chain["custody"]["entries"]
    for entry in entries:
        assert hashlib.sha256(entry["body"].encode("utf-8")).hexdigest() == entry["hash"]
        assert json.loads(entry["body"])["actor"] == "Zoë Lane (ZL)"
    actions = [json.loads(entry["body"])["action"] for entry in entries]
    # The second package held the staff chain up to (and with) the first handover.
    assert actions.count("handed_over") == 1
    assert chain["custody"]["head"] == {"seq": entries[-1]["seq"], "hash": entries[-1]["hash"]}
    received = [
        json.loads(entry["body"])
        for entry in manifest["custody"]["entries"]
        if json.loads(entry["body"])["action"] == "received"
    ]
    assert [r["details"]["package_sha256"] for r in received] == [
        lead_bundle.first_package_sha256,
        lead_bundle.second_package_sha256,
    ]
    assert received[-1]["details"]["head_hash"] == entries[-1]["hash"]
    items = {item["exhibit"]: item for item in manifest["items"]}
    assert [items[ref]["sender_ref"] for ref in sorted(items)] == [
        "ZL/1",
        "ZL/2",
        "ZL/3",
        "ZL/4",
    ]
    assert items["ZL2/4"]["file"] is None  # the record without an image


def test_a_bundle_exported_on_the_staff_laptop_is_as_before(lead_bundle: LeadBundle) -> None:
    members = _members(lead_bundle.staff_bundle)
    manifest = json.loads(members["manifest.json"])
    assert manifest["version"] == 4
    assert "received_chains" not in manifest
    assert all("sender_ref" not in item for item in manifest["items"])
    assert not any(name.startswith("staff/") for name in members)
    check = verify_bundle(
        lead_bundle.staff_bundle, expect_fingerprint=lead_bundle.staff_fingerprint
    )
    assert check.ok, check.problems
    assert check.staff == ()
    assert [ref for ref in lead_bundle.originals] == ["ZL/1", "ZL/2", "ZL/3"]
    for number, original in enumerate(lead_bundle.originals.values(), start=1):
        assert members[f"exhibits/ZL-{number}.png"] == original


def test_the_report_follows_the_exhibits_from_the_staff_laptop_to_this_export(
    lead_bundle: LeadBundle,
) -> None:
    text = _report_text(lead_bundle.bundle)
    assert "Received from Zoë Lane (ZL), staff at Oak Hill Academy" in text
    assert "ZL2/1 (staff ZL/1)" in text
    assert "their exhibit ZL/1 of their incident" in text
    assert "The custody log of INC-2026-0001 kept by Zoë Lane (ZL), staff at Oak Hill" in text
    assert "exhibit ZL/1 (ZL2/1 in this bundle)" in text
    assert "A parent told me about these posts at 08:50." in text
    statement = text[text.index("Statement of production and continuity") :]
    statement = statement[: statement.index("This statement is true")]
    item = next(i for i in _manifest(lead_bundle.bundle)["items"] if i["exhibit"] == "ZL2/1")
    machine, account = item["metadata"]["machine"], item["metadata"]["os_user"]
    assert "ZL2/1 (their ZL/1): the file post-0.png, imported unchanged on 21 November 2026" in (
        statement
    )
    assert f"by Zoë Lane, signed in as {account} on the computer {machine};" in statement
    assert "ZL2/4 (their ZL/4): a written description, made without copying the content" in (
        statement
    )
    for package in (lead_bundle.first_package_sha256, lead_bundle.second_package_sha256):
        assert package in statement
    assert "I received it on 21 November 2026 at 22:16:05 UTC" in statement
    assert "I received it on 21 November 2026 at 23:06:05 UTC" in statement
    assert "written account added by Zainab Latif (ZL); custody entry" in statement
    assert "status changed by Zainab Latif (ZL); custody entry" in statement
    assert "every action since in the signed custody log of this case" in statement


# -- tampering with the staff chain ---------------------------------------------------------------


def _sign(key_pem: bytes, data: bytes) -> bytes:
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _forge(
    lead_bundle: LeadBundle,
    target: Path,
    change: Callable[[dict[str, Any], dict[str, bytes]], None],
) -> Path:
    """The lead's bundle changed by ``change``, with SHA256SUMS and the manifest made to agree
    and the manifest signed again with the lead's own key."""
    members = _members(lead_bundle.bundle)
    manifest = json.loads(members["manifest.json"])
    change(manifest, members)
    sums = io.StringIO()
    for line in members["SHA256SUMS"].decode("utf-8").splitlines():
        name = line.split("  ", 1)[1]
        sums.write(f"{hashlib.sha256(members[name]).hexdigest()}  {name}\n")
    members["SHA256SUMS"] = sums.getvalue().encode("utf-8")
    manifest["checksums"]["sha256"] = hashlib.sha256(members["SHA256SUMS"]).hexdigest()
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    members["manifest.sig"] = _sign(lead_bundle.lead_signer_key, members["manifest.json"])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def _problems(check: BundleCheck) -> list[str]:
    assert not check.ok
    return [str(problem) for problem in check.problems]


STAFF_CHAIN = "manifest.json staff chain ZL2 (INC-2026-0001)"


def test_a_staff_entry_removed_from_the_manifest_is_named(
    lead_bundle: LeadBundle, tmp_path: Path, bundle_cli: Cli
) -> None:
    def remove_entry_2(manifest: dict[str, Any], _members: dict[str, bytes]) -> None:
        del manifest["received_chains"][0]["custody"]["entries"][1]

    forged = _forge(lead_bundle, tmp_path / "forged.zip", remove_entry_2)
    problems = _problems(verify_bundle(forged))
    assert f"{STAFF_CHAIN} custody entry 3: entry 2 is missing or out of order before it" in (
        problems
    ), problems
    assert f"{STAFF_CHAIN} custody entry 3: it does not link to the entry before it" in problems
    assert f"{STAFF_CHAIN}: exhibit ZL2/1 (their ZL/1) is not recorded in their log" in problems
    result = bundle_cli("verify-bundle", str(forged), passphrase=None)
    assert result.code == 1
    assert f"{STAFF_CHAIN} custody entry 3" in result.stdout


def test_an_altered_staff_signature_is_named(lead_bundle: LeadBundle, tmp_path: Path) -> None:
    def alter_signature(manifest: dict[str, Any], _members: dict[str, bytes]) -> None:
        entry = manifest["received_chains"][0]["custody"]["entries"][1]
        signature = bytearray(base64.b64decode(entry["signature"]))
        signature[-1] ^= 0x01
        entry["signature"] = base64.b64encode(bytes(signature)).decode("ascii")

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", alter_signature)))
    assert problems == [f"{STAFF_CHAIN} custody entry 2: its signature is not valid"], problems


def test_a_staff_entry_rewritten_and_signed_with_another_key_is_named(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    def rewrite(manifest: dict[str, Any], _members: dict[str, bytes]) -> None:
        entry = manifest["received_chains"][0]["custody"]["entries"][0]
        body = entry["body"].replace("Posts about Ms Lane", "Nothing to see")
        entry["body"] = body
        entry["hash"] = hashlib.sha256(body.encode("utf-8")).hexdigest()
        signature = _sign(lead_bundle.lead_signer_key, body.encode("utf-8"))
        entry["signature"] = base64.b64encode(signature).decode("ascii")

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", rewrite)))
    assert f"{STAFF_CHAIN} custody entry 1: its signature is not valid" in problems, problems
    assert f"{STAFF_CHAIN} custody entry 2: it does not link to the entry before it" in problems


def test_a_staff_ca_swapped_for_another_schools_is_named(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    other_ca, _ = lead_bundle.other_school_certificates

    def swap_ca(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        from harmonize_evidence.signing.identity import fingerprint

        members["staff/ZL2-ca.pem"] = other_ca
        record = manifest["received_chains"][0]["certificates"]["ca"]
        record["sha256"] = hashlib.sha256(other_ca).hexdigest()
        record["fingerprint_sha256"] = fingerprint(other_ca)

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", swap_ca)))
    assert (
        "staff/ZL2-signer.pem: it was not issued by the Evidence CA in staff/ZL2-ca.pem" in problems
    ), problems
    assert any(
        p.startswith(f"{STAFF_CHAIN}: no entry of the bundle's own custody log records receiving")
        for p in problems
    ), problems


def test_staff_certificates_swapped_for_another_schools_pair_are_named(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    other_ca, other_signer = lead_bundle.other_school_certificates

    def swap_both(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        from harmonize_evidence.signing.identity import fingerprint

        certificates = manifest["received_chains"][0]["certificates"]
        for key, pem in (("ca", other_ca), ("signer", other_signer)):
            members[f"staff/ZL2-{key}.pem"] = pem
            certificates[key]["sha256"] = hashlib.sha256(pem).hexdigest()
            certificates[key]["fingerprint_sha256"] = fingerprint(pem)

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", swap_both)))
    assert f"{STAFF_CHAIN} custody entry 1: its signature is not valid" in problems, problems
    assert any("records receiving" in p for p in problems), problems


def test_a_staff_certificate_changed_without_the_manifest_is_named(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    other_ca, _ = lead_bundle.other_school_certificates
    members = _members(lead_bundle.bundle)
    members["staff/ZL2-ca.pem"] = other_ca
    forged = tmp_path / "f.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    problems = _problems(verify_bundle(forged))
    assert "staff/ZL2-ca.pem: its SHA-256 does not match the manifest: it was changed" in problems


def test_a_staff_exhibit_changed_with_the_manifest_made_to_agree_is_named(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    def change_exhibit(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        changed = members["exhibits/ZL2-1.png"] + b"\x00"
        members["exhibits/ZL2-1.png"] = changed
        item = next(i for i in manifest["items"] if i["exhibit"] == "ZL2/1")
        item["sha256"] = hashlib.sha256(changed).hexdigest()
        item["size"] = len(changed)

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", change_exhibit)))
    assert (
        f"{STAFF_CHAIN}: exhibit ZL2/1 (their ZL/1) has a SHA-256 other than its custody entry's"
        in problems
    ), problems


def test_a_staff_chain_cut_short_of_what_the_lead_received_is_named(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    def drop_last(manifest: dict[str, Any], _members: dict[str, bytes]) -> None:
        custody = manifest["received_chains"][0]["custody"]
        last = custody["entries"].pop()
        before = custody["entries"][-1]
        custody["head"] = {"seq": before["seq"], "hash": before["hash"]}
        if json.loads(last["body"])["action"] == "evidence_recorded":
            manifest["items"] = [i for i in manifest["items"] if i["exhibit"] != "ZL2/4"]

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", drop_last)))
    assert any(
        p.startswith(f"{STAFF_CHAIN}: it does not end at entry") and "recorded receiving" in p
        for p in problems
    ), problems


def test_the_staff_chain_removed_altogether_is_named_by_the_leads_receipts(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    def remove_chain(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        manifest["received_chains"] = []
        del members["staff/ZL2-ca.pem"], members["staff/ZL2-signer.pem"]

    def without_staff_sums(manifest: dict[str, Any], members: dict[str, bytes]) -> None:
        remove_chain(manifest, members)
        members["SHA256SUMS"] = b"".join(
            line + b"\n" for line in members["SHA256SUMS"].splitlines() if b"staff/" not in line
        )

    problems = _problems(verify_bundle(_forge(lead_bundle, tmp_path / "f.zip", without_staff_sums)))
    assert "manifest.json: its list of chains received from staff is empty" in problems
    assert any(
        p.startswith("manifest.json custody entry") and "whose chain the bundle does not carry" in p
        for p in problems
    ), problems
    assert any("is said to have been received as ZL/1" in p for p in problems), problems


def test_the_lead_does_not_export_a_case_whose_received_chain_no_longer_verifies(
    lead_bundle: LeadBundle, tmp_path: Path
) -> None:
    location = StoreLocation(tmp_path / "lead")
    shutil.copytree(lead_bundle.lead_store, location.directory)
    db = raw_connection(location)
    _drop_triggers(db)
    db.execute("UPDATE custody SET signature = X'3006020101020101' WHERE received = 1 AND seq = 2")
    db.close()
    clock = MovingClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    with open_store(location, lambda: PASSPHRASE, clock) as lead:
        with pytest.raises(StoreDamaged) as refused:
            export_bundle(lead, lead_bundle.case, tmp_path / "police/")
        assert "custody entry 2: its signature is not valid" in str(refused.value)
        assert f"The custody log that {lead_bundle.case} was received with" in str(refused.value)
    assert not (tmp_path / "police").exists() or not any((tmp_path / "police").iterdir())
