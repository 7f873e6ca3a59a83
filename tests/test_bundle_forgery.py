"""Bundles whose parts contradict each other, built as a forger would build them from real ones.

A forger with an Evidence CA of their own (another school's installation) can sign everything
again with it. What gives them away is that the parts of the bundle no longer agree: the
fingerprint printed in the report, the manifest and VERIFY.txt is not the one of ca.pem;
ca.pem holds more than the one CA, or a certificate that is no CA at all; the report is signed
by a certificate other than signer.pem; VERIFY.txt no longer matches the hashes that cover it.

Every forgery starts from a real export of a real store and is made with real keys: pyHanko
signs the report again, ECDSA signs the manifest and the custody entries again. verify-bundle
must name the file at fault, and say which school and person the certificates name.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.bundle_check import BundleCheck, bundle_check_text, verify_bundle
from harmonize_evidence.services.exporting import export_bundle
from harmonize_evidence.services.store import StoreLocation, create_store
from harmonize_evidence.vault.database import IdentityRecord
from tests.conftest import PASSPHRASE, TEST_COST, Cli

NOW = datetime(2026, 11, 21, 21, 40, 5, tzinfo=UTC)
OTHER_SCHOOL = "Elm Park School"
OTHER_PERSON = "Dan Marsh"


def _png(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (320, 200), colour).save(path, format="PNG")
    return path


# -- real bundles of two schools ------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolBundle:
    """A school's real bundle and the identity (certificates and keys) of the store that made it."""

    bundle: Path
    identity: IdentityRecord
    fingerprint: str


def _export(folder: Path, producer: Producer, title: str) -> SchoolBundle:
    folder.mkdir(parents=True)
    store, _ = create_store(
        StoreLocation(folder / "store"),
        producer,
        PASSPHRASE,
        FixedClock(NOW),
        passphrase_cost=TEST_COST,
    )
    with store:
        incident = store.new_incident(title, platforms=["Instagram"], people="Pupil A")
        for number in range(2):
            path = _png(folder / f"post-{number}.png", (60 * number, 120, 200))
            store.add_file(incident.id, path, url="https://www.instagram.com/p/C0ffee/")
        store.add_note(incident.id, "Reported by a parent at 08:50.")
        result = export_bundle(store, incident.id, folder)
        return SchoolBundle(result.bundle, store.identity, store.fingerprint)


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> SchoolBundle:
    """Oak Hill Academy's real bundle: the one the police were sent."""
    return _export(
        tmp_path_factory.mktemp("oak-hill") / "export",
        Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF),
        "Posts about Ms Lane",
    )


@pytest.fixture(scope="module")
def other_school(tmp_path_factory: pytest.TempPathFactory) -> SchoolBundle:
    """A real bundle of another school's installation: the forger's own CA and signer."""
    return _export(
        tmp_path_factory.mktemp("elm-park") / "export",
        Producer(OTHER_PERSON, "DM", OTHER_SCHOOL, Role.STAFF),
        "Posts about Ms Lane",
    )


@pytest.fixture
def bundle_cli(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    """The real command line with no store at all (verify-bundle needs none)."""
    return Cli(tmp_path / "no-store-here", cli_env, warm=True)


# -- the forger's tools ---------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sign(key_pem: bytes, data: bytes) -> bytes:
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members: dict[str, bytes], target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def _unsigned_report(pdf: bytes) -> bytes:
    """The report as it was before it was signed: the revision the signature was appended to."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    (signature,) = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    signed_from = int(signature.sig_object["/ByteRange"][1])
    end = pdf.rfind(b"%%EOF", 0, signed_from) + len(b"%%EOF")
    while pdf[end : end + 1] in (b"\r", b"\n"):
        end += 1
    return pdf[:end]


def _sign_report(unsigned: bytes, key_pem: bytes, cert_pem: bytes, ca_pem: bytes) -> bytes:
    """Sign a report (PAdES, pyHanko) with someone's key, as any PDF signing tool would."""
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    (cert,) = load_certs_from_pemder_data(cert_pem)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(list(load_certs_from_pemder_data(ca_pem))),
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned), strict=False),
        signers.PdfSignatureMetadata(
            field_name="EvidenceSignature",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        ),
        signer=signer,
        output=out,
    )
    return out.getvalue()


def _reseal(members: dict[str, bytes], key_pem: bytes, *, custody: bool = True) -> None:
    """Make every hash agree with the members again and sign the manifest with ``key_pem``.

    SHA256SUMS gets the hash of each file it lists, the manifest the hash of each file it names
    (report, checksums, whatever else), and with ``custody`` every custody entry is signed again.
    """
    lines = []
    for line in members["SHA256SUMS"].decode("utf-8").splitlines():
        _, name = line.split("  ", 1)
        lines.append(f"{_sha256(members[name])}  {name}\n")
    members["SHA256SUMS"] = "".join(lines).encode("utf-8")
    manifest = json.loads(members["manifest.json"])
    for value in manifest.values():
        if isinstance(value, dict) and value.get("file") in members and "sha256" in value:
            value["sha256"] = _sha256(members[value["file"]])
            if "size" in value:
                value["size"] = len(members[value["file"]])
    if custody:
        for entry in manifest["custody"]["entries"]:
            signature = _sign(key_pem, entry["body"].encode("utf-8"))
            entry["signature"] = base64.b64encode(signature).decode("ascii")
    members["manifest.json"] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    members["manifest.sig"] = _sign(key_pem, members["manifest.json"])


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer_key_pem: bytes,
    *,
    ca: bool | None,
) -> bytes:
    """A certificate signed with ``issuer_key_pem``; ``ca`` None leaves out basic constraints."""
    issuer_key = serialization.load_pem_private_key(issuer_key_pem, password=None)
    assert isinstance(issuer_key, ec.EllipticCurvePrivateKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
    )
    if ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True
        )
    if ca is False:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    cert = builder.sign(issuer_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM)


def _colon_fingerprint(cert_pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, 64, 2))


def _problems(check: BundleCheck) -> list[str]:
    return [str(problem) for problem in check.problems]


def _named(problems: list[str], name: str) -> list[str]:
    return [problem for problem in problems if problem.startswith(f"{name}: ")]


# -- another school's CA, with our fingerprint copied in ------------------------------------------


def _forged_by_another_school(school: SchoolBundle, other: SchoolBundle, target: Path) -> Path:
    """Our report, manifest and VERIFY.txt, all printing our fingerprint, signed by another CA."""
    members = _members(school.bundle)
    forger = other.identity
    members["report.pdf"] = _sign_report(
        _unsigned_report(members["report.pdf"]),
        forger.signer_key_pem,
        forger.signer_cert_pem,
        forger.ca_cert_pem,
    )
    members["signer.pem"] = forger.signer_cert_pem
    members["ca.pem"] = forger.ca_cert_pem
    _reseal(members, forger.signer_key_pem)  # the manifest keeps our fingerprints
    return _zip(members, target)


def test_another_schools_ca_with_our_fingerprint_copied_in_fails_naming_each_part(
    school: SchoolBundle, other_school: SchoolBundle, bundle_cli: Cli, tmp_path: Path
) -> None:
    forged = _forged_by_another_school(school, other_school, tmp_path / "forged.zip")
    result = bundle_cli("--json", "verify-bundle", str(forged), passphrase=None)
    assert result.code == 1, result.stdout + result.stderr
    document = result.json
    problems = document["problems"]
    cover = [p for p in _named(problems, "report.pdf") if "cover" in p]
    how_to = [p for p in _named(problems, "report.pdf") if "How to verify" in p]
    assert cover and how_to, problems
    assert any(school.fingerprint in p for p in cover), problems
    assert all(school.fingerprint in p for p in how_to), problems
    assert any("fingerprint" in p for p in _named(problems, "manifest.json")), problems
    assert any("fingerprint" in p for p in _named(problems, "VERIFY.txt")), problems
    # What the certificates say is shown, so the bundle is visibly another school's.
    assert document["signer_fingerprint"] == other_school.fingerprint
    assert document["school"] == OTHER_SCHOOL
    assert document["signer"] == OTHER_PERSON
    assert document["signer_school"] == OTHER_SCHOOL

    text = bundle_cli("verify-bundle", str(forged), passphrase=None)
    assert text.code == 1
    assert OTHER_SCHOOL in text.stdout and OTHER_PERSON in text.stdout, text.stdout
    assert other_school.fingerprint in text.stdout
    assert "is intact" not in text.stdout


def test_the_expected_fingerprint_catches_another_schools_bundle_that_is_whole_in_itself(
    school: SchoolBundle, other_school: SchoolBundle, bundle_cli: Cli
) -> None:
    genuine = bundle_cli("--json", "verify-bundle", str(other_school.bundle), passphrase=None)
    assert genuine.code == 0, genuine.stdout + genuine.stderr
    result = bundle_cli(
        "--json",
        "verify-bundle",
        str(other_school.bundle),
        "--expect-fingerprint",
        school.fingerprint,
        passphrase=None,
    )
    assert result.code == 1, result.stdout + result.stderr
    document = result.json
    assert document["fingerprint_matches"] is False
    assert document["expected_fingerprint"] == school.fingerprint
    assert _named(document["problems"], "ca.pem"), document["problems"]
    assert document["school"] == OTHER_SCHOOL


# -- one part at a time ---------------------------------------------------------------------------


def test_a_second_certificate_appended_to_ca_pem_is_named(
    school: SchoolBundle, other_school: SchoolBundle, tmp_path: Path
) -> None:
    members = _members(school.bundle)
    members["ca.pem"] += other_school.identity.ca_cert_pem
    problems = _problems(verify_bundle(_zip(members, tmp_path / "two-cas.zip")))
    assert problems and all(p.startswith("ca.pem: ") for p in problems), problems
    assert any("2 certificates" in p for p in problems), problems


def test_a_report_signed_by_a_certificate_other_than_signer_pem_is_named(
    school: SchoolBundle, tmp_path: Path
) -> None:
    """Another certificate of the same school's CA (someone else's) signs the report."""
    identity = school.identity
    ca = x509.load_pem_x509_certificate(identity.ca_cert_pem)
    colleague_key = ec.generate_private_key(ec.SECP256R1())
    colleague = _certificate(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, "Sam Other"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Oak Hill Academy"),
            ]
        ),
        ca.subject,
        colleague_key.public_key(),
        identity.ca_key_pem,
        ca=False,
    )
    colleague_key_pem = colleague_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    members = _members(school.bundle)
    members["report.pdf"] = _sign_report(
        _unsigned_report(members["report.pdf"]), colleague_key_pem, colleague, identity.ca_cert_pem
    )
    _reseal(members, identity.signer_key_pem, custody=False)
    problems = _problems(verify_bundle(_zip(members, tmp_path / "colleague.zip")))
    assert problems and all(p.startswith("report.pdf: ") for p in problems), problems
    assert any("other than signer.pem" in p and "Sam Other" in p for p in problems), problems


def test_a_ca_pem_that_is_no_ca_certificate_is_named(
    other_school: SchoolBundle, tmp_path: Path
) -> None:
    """Same name and key as the CA that issued signer.pem, but not allowed to issue anything."""
    identity = other_school.identity
    ca = x509.load_pem_x509_certificate(identity.ca_cert_pem)
    public_key = ca.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    not_a_ca = _certificate(ca.subject, ca.subject, public_key, identity.ca_key_pem, ca=None)
    members = _members(other_school.bundle)
    members["ca.pem"] = not_a_ca
    problems = _problems(verify_bundle(_zip(members, tmp_path / "no-ca.zip")))
    assert any("not a CA certificate" in p for p in _named(problems, "ca.pem")), problems


def test_a_rewritten_verify_txt_is_caught_by_sha256sum_and_named(
    school: SchoolBundle, tmp_path: Path
) -> None:
    members = _members(school.bundle)
    members["VERIFY.txt"] = members["VERIFY.txt"].replace(
        b"openssl verify -CAfile ca.pem signer.pem", b"echo signer.pem: OK"
    )
    assert members["VERIFY.txt"] != _members(school.bundle)["VERIFY.txt"]
    forged = _zip(members, tmp_path / "rewritten.zip")
    problems = _problems(verify_bundle(forged))
    assert problems and all(p.startswith("VERIFY.txt: ") for p in problems), problems

    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(forged) as archive:
        archive.extractall(folder)
    sha256sum = shutil.which("sha256sum")
    assert sha256sum is not None
    checked = subprocess.run(
        [sha256sum, "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert checked.returncode != 0
    assert "VERIFY.txt: FAILED" in checked.stdout, checked.stdout


def test_our_fingerprint_copied_into_verify_txt_alone_is_named(
    school: SchoolBundle, other_school: SchoolBundle, tmp_path: Path
) -> None:
    """The other school's own bundle, every hash redone: only VERIFY.txt claims to be ours."""
    members = _members(other_school.bundle)
    members["VERIFY.txt"] = members["VERIFY.txt"].replace(
        other_school.fingerprint.encode(), school.fingerprint.encode()
    )
    _reseal(members, other_school.identity.signer_key_pem, custody=False)
    problems = _problems(verify_bundle(_zip(members, tmp_path / "verify-txt.zip")))
    assert problems and all(p.startswith("VERIFY.txt: ") for p in problems), problems
    assert any(school.fingerprint in p for p in problems), problems


def test_our_fingerprint_copied_into_the_manifest_alone_is_named(
    school: SchoolBundle, other_school: SchoolBundle, tmp_path: Path
) -> None:
    members = _members(other_school.bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["certificates"]["ca_fingerprint_sha256"] = school.fingerprint
    manifest["certificates"]["signer_fingerprint_sha256"] = _colon_fingerprint(
        school.identity.signer_cert_pem
    )
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    _reseal(members, other_school.identity.signer_key_pem, custody=False)
    problems = _problems(verify_bundle(_zip(members, tmp_path / "manifest.zip")))
    assert problems and all(p.startswith("manifest.json: ") for p in problems), problems
    assert any("Evidence CA" in p for p in problems), problems
    assert any("signing certificate" in p for p in problems), problems


def test_a_bundle_of_manifest_version_1_says_its_verify_txt_is_covered_by_no_hash(
    school: SchoolBundle, tmp_path: Path
) -> None:
    """What the exporter wrote before VERIFY.txt was hashed: everything else still checks out."""
    members = _members(school.bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["version"] = 1
    manifest.pop("instructions", None)
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    members["SHA256SUMS"] = b"".join(
        line + b"\n"
        for line in members["SHA256SUMS"].splitlines()
        if not line.endswith(b"  VERIFY.txt")
    )
    _reseal(members, school.identity.signer_key_pem, custody=False)
    check = verify_bundle(_zip(members, tmp_path / "version-1.zip"))
    problems = _problems(check)
    assert len(problems) == 1, problems
    assert problems[0].startswith("VERIFY.txt: ") and "version 1" in problems[0], problems
    assert check.entries_checked > 0 and check.exhibits_checked == 2


# -- what the certificates say, and the fingerprint the recipient expects -------------------------


def test_verify_bundle_names_the_school_and_the_person_in_the_certificates(
    school: SchoolBundle, bundle_cli: Cli
) -> None:
    result = bundle_cli("--json", "verify-bundle", str(school.bundle), passphrase=None)
    assert result.code == 0, result.stdout + result.stderr
    document = result.json
    assert document["ok"] is True and document["problems"] == []
    assert document["signer_fingerprint"] == school.fingerprint
    assert document["school"] == "Oak Hill Academy"
    assert document["ca_name"] == "Harmonize Evidence CA - Oak Hill Academy"
    assert document["signer"] == "Zoë Lane"
    assert document["signer_school"] == "Oak Hill Academy"
    assert document["signing_certificate_fingerprint"] == _colon_fingerprint(
        school.identity.signer_cert_pem
    )
    assert document["expected_fingerprint"] is None
    assert document["fingerprint_matches"] is None

    text = bundle_cli("verify-bundle", str(school.bundle), passphrase=None)
    assert text.code == 0
    assert "Oak Hill Academy" in text.stdout and "Zoë Lane" in text.stdout
    assert school.fingerprint in text.stdout  # whole, on one line, to copy


def _spelled(fingerprint: str, data: st.DataObject) -> str:
    """The fingerprint as a person might type it: any case, with or without colons or spaces."""
    pairs = fingerprint.split(":")
    separators = data.draw(
        st.lists(st.sampled_from(["", ":", " ", ": ", "  "]), min_size=31, max_size=31)
    )
    cases = data.draw(st.lists(st.booleans(), min_size=64, max_size=64))
    text = pairs[0] + "".join(sep + pair for sep, pair in zip(separators, pairs[1:], strict=True))
    letters = iter(cases)
    spelled = "".join(
        (char.lower() if next(letters) else char) if char not in ": " else char for char in text
    )
    return (
        data.draw(st.sampled_from(["", " ", "\t"]))
        + spelled
        + data.draw(st.sampled_from(["", " ", "\n"]))
    )


@settings(max_examples=8)
@given(data=st.data())
def test_the_expected_fingerprint_is_accepted_however_it_is_spelled(
    school: SchoolBundle, data: st.DataObject
) -> None:
    check = verify_bundle(school.bundle, expect_fingerprint=_spelled(school.fingerprint, data))
    assert check.ok, _problems(check)
    assert check.fingerprint_matches is True


@settings(max_examples=4)
@given(data=st.data())
def test_the_short_form_read_aloud_is_accepted_however_it_is_spelled(
    school: SchoolBundle, data: st.DataObject
) -> None:
    # The export tells the sender to read this form out, and the key sheet prints it large.
    short = short_fingerprint(school.fingerprint)
    spelled = data.draw(
        st.sampled_from([short, short.lower(), short.replace("-", " "), short.replace("-", "")])
    )
    check = verify_bundle(school.bundle, expect_fingerprint=spelled)
    assert check.ok, _problems(check)
    assert check.fingerprint_matches is True
    assert check.expected_fingerprint == short


@settings(max_examples=4)
@given(other=st.binary(min_size=10, max_size=10))
def test_another_short_form_fails_naming_ca_pem(school: SchoolBundle, other: bytes) -> None:
    wrong = short_fingerprint(other.hex())
    assume(wrong != short_fingerprint(school.fingerprint))
    check = verify_bundle(school.bundle, expect_fingerprint=wrong)
    assert not check.ok
    assert check.fingerprint_matches is False
    assert _named(_problems(check), "ca.pem"), _problems(check)


@settings(max_examples=6)
@given(other=st.binary(min_size=32, max_size=32), data=st.data())
def test_any_other_expected_fingerprint_fails_naming_ca_pem(
    school: SchoolBundle, other: bytes, data: st.DataObject
) -> None:
    wrong = ":".join(f"{byte:02X}" for byte in other)
    assume(wrong != school.fingerprint)
    check = verify_bundle(school.bundle, expect_fingerprint=_spelled(wrong, data))
    assert not check.ok
    assert check.fingerprint_matches is False
    assert _named(_problems(check), "ca.pem"), _problems(check)


_HEX = re.compile(r"[0-9A-Fa-f]{64}|[0-9A-Fa-f]{20}")


@given(text=st.text(max_size=200))
def test_an_expected_fingerprint_that_is_not_64_or_20_hex_digits_is_bad_input(
    school: SchoolBundle, text: str
) -> None:
    assume(not _HEX.fullmatch("".join(text.split()).replace(":", "").replace("-", "")))
    with pytest.raises(BadInput) as raised:
        verify_bundle(school.bundle, expect_fingerprint=text)
    assert raised.value.exit_code == 2
    assert len(raised.value.message) < 300  # never the whole of what was typed


def test_expect_fingerprint_on_the_command_line(
    school: SchoolBundle, other_school: SchoolBundle, bundle_cli: Cli
) -> None:
    bundle = str(school.bundle)
    typed = school.fingerprint.replace(":", "").lower()
    match = bundle_cli("--json", "verify-bundle", bundle, "--expect-fingerprint", typed)
    assert match.code == 0, match.stdout + match.stderr
    assert match.json["fingerprint_matches"] is True
    assert match.json["expected_fingerprint"] == school.fingerprint

    text = bundle_cli("verify-bundle", bundle, "--expect-fingerprint", typed)
    assert text.code == 0 and "matches the one you expected" in text.stdout, text.stdout

    wrong = bundle_cli(
        "--json", "verify-bundle", bundle, "--expect-fingerprint", other_school.fingerprint
    )
    assert wrong.code == 1, wrong.stdout + wrong.stderr
    assert wrong.json["fingerprint_matches"] is False
    assert _named(wrong.json["problems"], "ca.pem"), wrong.json["problems"]

    malformed = bundle_cli("--json", "verify-bundle", bundle, "--expect-fingerprint", "AB:CD:EF")
    assert malformed.code == 2, malformed.stdout + malformed.stderr
    assert malformed.json["code"] == 2
    assert "fingerprint" in malformed.json["error"]


# -- the manifest as a person reads it (version 4), and bundles of the versions before ------------


def test_the_manifest_reads_in_a_plain_text_editor(school: SchoolBundle) -> None:
    """Names as written, indented, each custody entry an object beside its exact signed text."""
    data = _members(school.bundle)["manifest.json"]
    text = data.decode("utf-8")
    manifest = json.loads(data)
    assert manifest["version"] == 4
    assert "Zoë Lane" in text and "\\u00eb" not in text
    entries = manifest["custody"]["entries"]
    assert entries and all(entry["entry"] == json.loads(entry["body"]) for entry in entries)
    first = entries[0]["entry"]
    assert first["action"] == "incident_created" and first["actor"] == "Zoë Lane (ZL)"
    # Each field of an entry on a line of its own, not one long string.
    assert f'"actor": "{first["actor"]}"' in text
    assert len(text.splitlines()) > 12 * len(entries)


def test_an_entry_that_reads_differently_from_its_signed_text_is_named(
    school: SchoolBundle, tmp_path: Path
) -> None:
    """Only a forger holding the key could re-sign it; the check still names the entry."""
    members = _members(school.bundle)
    manifest = json.loads(members["manifest.json"])
    manifest["custody"]["entries"][1]["entry"]["actor"] = "Someone Else (SE)"
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    _reseal(members, school.identity.signer_key_pem, custody=False)
    problems = _problems(verify_bundle(_zip(members, tmp_path / "readable.zip")))
    assert problems == [
        "manifest.json: custody entry 2 reads differently from the text its signature covers "
        "(its entry is not its body)"
    ], problems


@pytest.mark.parametrize(("name", "version"), [("bundle-v2.zip", 2), ("bundle-v3.zip", 3)])
def test_a_bundle_written_before_version_4_still_verifies(name: str, version: int) -> None:
    """Real bundles of the earlier versions (tests/data/make_bundles_v2_v3.py made them)."""
    bundle = Path(__file__).parent / "data" / name
    assert json.loads(_members(bundle)["manifest.json"])["version"] == version
    check = verify_bundle(bundle)
    assert _problems(check) == []
    assert check.exhibits_checked == 2 and check.entries_checked > 0
    said = bundle_check_text(check)
    assert (
        said.startswith("The bundle is intact: 2 exhibit files, the signed report")
        and "(s)" not in said
    )
    assert len(check.staff) == (0 if version == 2 else 1)
