"""The manifest and what it vouches for, for ``verify-bundle``.

The manifest's signature, the files it lists and their hashes, SHA256SUMS and VERIFY.txt, and
the custody log it carries (every entry's hash, link, sequence number and signature, its head,
and that each item is the one its custody entry recorded).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from harmonize_evidence.domain.chain import (
    CustodyEntry,
    StoredEntry,
    metadata_digest,
    verify_chain,
)
from harmonize_evidence.domain.model import EVIDENCE_ADDED
from harmonize_evidence.export import bundle as names
from harmonize_evidence.export.verify_archive import UnsafeArchive, hash_entry, read_small
from harmonize_evidence.export.verify_certificates import Certificates, check_printed_fingerprints
from harmonize_evidence.export.verify_findings import Findings
from harmonize_evidence.signing.identity import SignatureChecker

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


_SUMS_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")


def check_manifest(
    small: Mapping[str, bytes], checker: SignatureChecker | None, found: Findings
) -> Mapping[str, Any] | None:
    data = small.get(names.MANIFEST_NAME)
    signature = small.get(names.SIGNATURE_NAME)
    if data is None:
        return None
    if checker is not None and signature is not None and not checker(signature, data):
        found.add(
            names.MANIFEST_NAME,
            "its signature (manifest.sig) does not match: it was changed after it was signed, "
            "or not signed by signer.pem",
        )
    try:
        return names.parse_manifest(data)
    except (ValueError, UnicodeDecodeError) as exc:
        found.add(names.MANIFEST_NAME, f"it cannot be read ({exc})")
        return None


def manifest_items(manifest: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not manifest or not isinstance(manifest.get("items"), list):
        return []
    return [item for item in manifest["items"] if isinstance(item, Mapping)]


def received_chains(manifest: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The chains received from staff that a manifest of version 3 or 4 carries."""
    if not manifest or not names.carries_received_chains(manifest):
        return []
    chains = manifest.get("received_chains")
    if not isinstance(chains, list):
        return []
    return [chain for chain in chains if isinstance(chain, Mapping)]


def received_files(manifest: Mapping[str, Any] | None) -> dict[str, str]:
    """Every staff certificate file the manifest lists, with the SHA-256 it records."""
    files: dict[str, str] = {}
    for chain in received_chains(manifest):
        certificates = chain.get("certificates")
        if not isinstance(certificates, Mapping):
            continue
        for key in ("ca", "signer"):
            recorded = certificates.get(key)
            if isinstance(recorded, Mapping) and recorded.get("file"):
                files[str(recorded["file"])] = str(recorded.get("sha256"))
    return files


def check_file_list(
    manifest: Mapping[str, Any] | None, by_name: Mapping[str, zipfile.ZipInfo], found: Findings
) -> None:
    if manifest is None:
        return
    listed = {str(item["file"]) for item in manifest_items(manifest) if item.get("file")}
    staff_files = set(received_files(manifest))
    for name in sorted(listed):
        if not name.startswith(names.EXHIBITS_DIR) or not _SAFE_NAME.match(
            name[len(names.EXHIBITS_DIR) :]
        ):
            found.add(
                names.MANIFEST_NAME, f"it lists an exhibit file with an unsafe name ({name[:80]})"
            )
    for name in sorted(staff_files):
        if not name.startswith(names.STAFF_DIR) or not _SAFE_NAME.match(
            name[len(names.STAFF_DIR) :]
        ):
            found.add(
                names.MANIFEST_NAME,
                f"it lists a staff certificate file with an unsafe name ({name[:80]})",
            )
    for name in sorted(set(by_name) - listed - staff_files - names.FIXED_NAMES):
        found.add(name, "it is in the bundle but not listed in the manifest")
    if names.VERIFY_NAME not in by_name:
        found.add(names.VERIFY_NAME, "it is missing from the bundle")
    if names.REPORT_NAME not in by_name:
        found.add(names.REPORT_NAME, "it is missing from the bundle")


def check_exhibit(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    item: Mapping[str, Any],
    found: Findings,
) -> None:
    name = str(item["file"])
    info = by_name.get(name)
    if info is None:
        found.add(name, f"exhibit {item.get('exhibit')} is listed in the manifest but missing")
        return
    try:
        actual = hash_entry(archive, info)
    except (zipfile.BadZipFile, OSError, EOFError):
        found.add(name, "it is damaged or was changed (its zip checksum fails)")
        return
    if actual != item.get("sha256"):
        found.add(name, "its SHA-256 does not match the manifest: it was changed")
    elif info.file_size != item.get("size"):
        found.add(name, "its size does not match the manifest")


def manifest_head(manifest: Mapping[str, Any]) -> tuple[int, str] | None:
    custody = manifest.get("custody")
    if not isinstance(custody, Mapping):
        return None
    return custody_head(custody)


def custody_rows(custody: Mapping[str, Any], subject: str, found: Findings) -> list[StoredEntry]:
    """The entries of a manifest's custody log as stored entries, to verify."""
    rows: list[StoredEntry] = []
    raw_entries = custody.get("entries")
    for raw_entry in raw_entries if isinstance(raw_entries, list) else []:
        try:
            body = str(raw_entry["body"]).encode("utf-8")
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None  # verify_chain names the entry that cannot be read
            if "entry" in raw_entry and raw_entry["entry"] != parsed:
                found.add(
                    subject,
                    f"custody entry {raw_entry.get('seq')} reads differently from the text its "
                    "signature covers (its entry is not its body)",
                )
            rows.append(
                StoredEntry(
                    seq=int(raw_entry["seq"]),
                    hash=str(raw_entry["hash"]),
                    body=body,
                    signature=base64.b64decode(str(raw_entry["signature"]), validate=True),
                    evidence_sha256=parsed.get("evidence_sha256")
                    if isinstance(parsed, dict)
                    else None,
                )
            )
        except (KeyError, TypeError, ValueError, binascii.Error):
            found.add(subject, "a custody entry in it cannot be read")
    return rows


def custody_head(custody: Mapping[str, Any]) -> tuple[int, str] | None:
    """The head a custody log records for itself."""
    if not isinstance(custody.get("head"), Mapping):
        return None
    try:
        return int(custody["head"]["seq"]), str(custody["head"]["hash"])
    except (KeyError, TypeError, ValueError):
        return None


def received_item(item: Mapping[str, Any]) -> bool:
    """Whether an item came with a chain received from a member of staff (manifest version 3)."""
    return item.get("sender_ref") is not None


def check_item_record(
    subject: str, ref: str, item: Mapping[str, Any], entry: CustodyEntry, found: Findings
) -> None:
    """An item is what the custody entry that added it recorded: its SHA-256 and metadata."""
    if entry.evidence_sha256 != item.get("sha256"):
        found.add(subject, f"exhibit {ref} has a SHA-256 other than its custody entry's")
    metadata = item.get("metadata")
    if not isinstance(metadata, Mapping) or entry.details.get("metadata_sha256") != metadata_digest(
        metadata
    ):
        found.add(subject, f"exhibit {ref} has metadata other than its custody entry recorded")
    sha = item.get("sha256")
    if sha is not None and not _HEX64.match(str(sha)):
        found.add(subject, f"exhibit {ref} has a malformed SHA-256")


def check_custody(
    manifest: Mapping[str, Any] | None, checker: SignatureChecker | None, found: Findings
) -> tuple[list[CustodyEntry], tuple[int, str] | None]:
    """The bundle's own custody log (its producer's), and each item it records.

    Returns the entries that could be read and the head; items received from a member of staff
    are checked against their own chain instead (:mod:`.verify_received`).
    """
    if manifest is None:
        return [], None
    subject = names.MANIFEST_NAME
    custody = manifest.get("custody")
    incident = manifest.get("incident")
    if not isinstance(custody, Mapping) or not isinstance(incident, Mapping):
        found.add(subject, "it has no custody log")
        return [], None
    rows = custody_rows(custody, subject, found)
    if checker is None:
        return [], manifest_head(manifest)

    entries, problems = verify_chain(str(incident.get("id")), rows, checker)
    for problem in problems:
        found.add(f"{subject} {problem.subject}", problem.message)
    head = manifest_head(manifest)
    if not rows:
        found.add(subject, "its custody log is empty")
    elif head is None or head != (rows[-1].seq, rows[-1].hash):
        found.add(subject, "its custody log does not end at the chain head it records")
    added = {
        str(entry.details.get("exhibit")): entry
        for entry in entries
        if entry.action in EVIDENCE_ADDED
    }
    items = [item for item in manifest_items(manifest) if not received_item(item)]
    refs = {str(item.get("exhibit")) for item in items}
    for ref, adding in added.items():
        if ref not in refs:
            found.add(
                f"{subject} custody entry {adding.seq}",
                f"it records exhibit {ref}, which is missing from the manifest",
            )
    for item in items:
        ref = str(item.get("exhibit"))
        entry = added.get(ref)
        if entry is None:
            found.add(subject, f"exhibit {ref} is not recorded in the custody log")
            continue
        check_item_record(subject, ref, item, entry, found)
    return entries, head


def check_sums(
    manifest: Mapping[str, Any] | None, small: Mapping[str, bytes], found: Findings
) -> None:
    """SHA256SUMS is the one the manifest records, and lists what the manifest hashes."""
    subject = names.SUMS_NAME
    data = small.get(subject)
    if manifest is None or data is None:
        return
    checksums = manifest.get("checksums")
    if not isinstance(checksums, Mapping) or hashlib.sha256(data).hexdigest() != checksums.get(
        "sha256"
    ):
        found.add(subject, "its SHA-256 does not match the manifest: it was changed")
    expected = _hashed_by_manifest(manifest)
    listed: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        match = _SUMS_LINE.match(line)
        if match is None:
            found.add(subject, f"its line {number} cannot be read")
            continue
        listed[match.group(2)] = match.group(1)
    for name, sha in expected.items():
        if name not in listed:
            found.add(subject, f"it does not list {name}")
        elif listed[name] != sha:
            found.add(subject, f"it gives {name} a SHA-256 other than the manifest's")
    for name in listed.keys() - expected.keys():
        found.add(subject, f"it lists {name[:120]}, which the manifest does not hash")


def _hashed_by_manifest(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Every file that SHA256SUMS must list, with the SHA-256 the manifest records for it."""
    hashed: dict[str, str] = {}
    report = manifest.get("report")
    if isinstance(report, Mapping):
        hashed[names.REPORT_NAME] = str(report.get("sha256"))
    for item in manifest_items(manifest):
        if item.get("file"):
            hashed[str(item["file"])] = str(item.get("sha256"))
    if manifest.get("version") != 1:  # version 1 left VERIFY.txt out
        instructions = manifest.get("instructions")
        recorded = instructions.get("sha256") if isinstance(instructions, Mapping) else None
        hashed[names.VERIFY_NAME] = str(recorded)
    hashed.update(received_files(manifest))
    return hashed


def check_instructions(
    archive: zipfile.ZipFile,
    by_name: Mapping[str, zipfile.ZipInfo],
    manifest: Mapping[str, Any] | None,
    certificates: Certificates | None,
    found: Findings,
) -> None:
    """VERIFY.txt is the one the manifest hashes, and gives ca.pem's fingerprint and no other."""
    subject = names.VERIFY_NAME
    info = by_name.get(subject)
    if info is None:
        return  # already named as missing
    try:
        data = read_small(archive, info)
    except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
        found.add(subject, f"it cannot be read ({exc})")
        return
    if manifest is not None:
        recorded = manifest.get("instructions")
        if manifest.get("version") == 1:
            found.add(
                subject,
                "no hash covers it: the bundle was made before VERIFY.txt was hashed (manifest "
                "version 1), so it may have been rewritten; follow the steps printed in the "
                "signed report instead",
            )
        elif not isinstance(recorded, Mapping) or recorded.get("file") != subject:
            found.add(names.MANIFEST_NAME, "it does not record the SHA-256 of VERIFY.txt")
        elif hashlib.sha256(data).hexdigest() != recorded.get("sha256"):
            found.add(subject, "its SHA-256 does not match the manifest: it was changed")
    if certificates is not None:
        ca = certificates.ca_fingerprint
        check_printed_fingerprints(
            subject, "it", data.decode("utf-8", "replace"), (ca,), found, required=ca
        )
