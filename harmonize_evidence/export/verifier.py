"""``verify-bundle``: checking an exported bundle on its own, with no store and nothing written.

The archive is inspected before any content is read: entries outside the bundle's root,
absolute paths, symbolic links, encrypted or unusually compressed entries, overlapping entries,
too many entries, too many bytes, or a compression ratio only a zip bomb has, and nothing more
is read. Otherwise the checks are, each problem named by the file it concerns:

- ``ca.pem`` and ``signer.pem`` each hold exactly one certificate; ``ca.pem``'s is a CA
  certificate (basic constraints, and key usage if given, let it issue certificates) and
  ``signer.pem``'s was issued by it (issuer name and signature);
- ``manifest.sig`` is a valid signature of ``manifest.json`` by ``signer.pem``;
- exactly the files the manifest lists are there, and each hashes to its recorded SHA-256;
- ``report.pdf``'s PAdES signature is intact, valid, trusted to the one certificate of
  ``ca.pem``, made by the certificate in ``signer.pem`` and no other, and covers the whole file;
- the report's embedded index, and the text printed on its cover and exhibit-list pages, give
  the same exhibit hashes and chain head as the manifest;
- every fingerprint the bundle prints is the real one, computed from ``ca.pem`` (and, where the
  signing certificate's is meant, from ``signer.pem``): the manifest's ``certificates``, the
  report's cover (which must give ca.pem's) and its closing section "How to verify this
  bundle", and VERIFY.txt (which must give it). A fingerprint here is 32 hex pairs joined by
  colons, as the bundle prints them;
- VERIFY.txt hashes to the SHA-256 the manifest records for it, and SHA256SUMS lists exactly
  the report, the exhibit files and VERIFY.txt with the manifest's hashes (what ``sha256sum
  -c`` then confirms). A bundle of manifest version 1 has no hash of VERIFY.txt: that is
  reported as a problem of VERIFY.txt, and every other check is made as usual;
- the custody log in the manifest: every entry's hash, link, sequence number and signature, its
  head, and that each item is the one its custody entry recorded;
- in a bundle of a case received from a member of staff (manifest version 3), each staff chain
  it carries: their certificates, every entry against their signer, each of their exhibits
  against the entry that added it, and that the bundle's own chain received that chain
  (:mod:`harmonize_evidence.export.verify_received`);
- with an expected fingerprint (``verify-bundle --expect-fingerprint``), that ca.pem's is it.

Trust: every check is against the certificates inside the bundle. What ties the bundle to the
school is the Evidence CA fingerprint, which the recipient compares by a second channel (or
gives as the expected fingerprint); the school and person named in the certificates are
reported so that a bundle of another school is visibly one, but a name proves nothing.

The checks live by what they check: the archive
(:mod:`harmonize_evidence.export.verify_archive`), the certificates and fingerprints
(:mod:`harmonize_evidence.export.verify_certificates`), the manifest, its files and the custody
log (:mod:`harmonize_evidence.export.verify_manifest`), and the report
(:mod:`harmonize_evidence.export.verify_report`); this module runs them in order and gathers
what they find.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from harmonize_evidence.domain.chain import Problem
from harmonize_evidence.domain.handover import fingerprint_matches
from harmonize_evidence.export import bundle as names
from harmonize_evidence.export.verify_archive import UnsafeArchive, check_archive, read_small
from harmonize_evidence.export.verify_certificates import (
    check_certificates,
    check_manifest_fingerprints,
)
from harmonize_evidence.export.verify_findings import Findings
from harmonize_evidence.export.verify_manifest import (
    check_custody,
    check_exhibit,
    check_file_list,
    check_instructions,
    check_manifest,
    check_sums,
    manifest_items,
)
from harmonize_evidence.export.verify_received import ReceivedChainCheck, check_received
from harmonize_evidence.export.verify_report import check_report

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BundleVerification:
    """What ``verify-bundle`` found."""

    problems: tuple[Problem, ...]
    ca_fingerprint: str | None = None
    """The SHA-256 fingerprint of the certificate in ca.pem (``AB:CD:...``)."""
    signer: str | None = None
    """The person signer.pem names (its subject's common name)."""
    incident_id: str | None = None
    exhibits_checked: int = 0
    entries_checked: int = 0
    chain_head: tuple[int, str] | None = None
    report_signature: str | None = None
    timestamp: str | None = None
    refused: bool = False
    school: str | None = None
    """The organisation ca.pem names: the school whose Evidence CA it is."""
    ca_name: str | None = None
    """The Evidence CA's own name (its subject's common name)."""
    signer_school: str | None = None
    """The organisation signer.pem names."""
    signer_fingerprint: str | None = None
    """The SHA-256 fingerprint of the certificate in signer.pem."""
    expected_fingerprint: str | None = None
    """The CA fingerprint the recipient expected, if they gave one."""
    received: tuple[ReceivedChainCheck, ...] = ()
    """The staff chains the bundle carries (a case the lead received), each as checked."""

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    @property
    def fingerprint_matches(self) -> bool | None:
        """Whether ca.pem's fingerprint is the expected one; None when none was expected."""
        if self.expected_fingerprint is None:
            return None
        return self.ca_fingerprint is not None and fingerprint_matches(
            self.expected_fingerprint, self.ca_fingerprint
        )


def verify_bundle(
    path: Path, progress: Progress | None = None, expected_fingerprint: str | None = None
) -> BundleVerification:
    """Check a bundle; every problem names the file it concerns. Nothing is written to disk.

    ``expected_fingerprint`` (``AB:CD:...``, upper case, or its short form ``4F74-1916-...``)
    is the Evidence CA fingerprint the recipient was given by a second channel: a ca.pem with
    another one is a problem.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        return BundleVerification(
            (Problem(path.name, f"it cannot be opened ({exc.strerror})"),),
            refused=True,
            expected_fingerprint=expected_fingerprint,
        )
    with raw:
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return BundleVerification(
                (Problem(path.name, "it is not a zip archive, or it is damaged"),),
                refused=True,
                expected_fingerprint=expected_fingerprint,
            )
        with archive:
            try:
                infos = check_archive(archive, raw)
            except UnsafeArchive as exc:
                return BundleVerification(
                    (Problem(path.name, f"refused without unpacking: {exc}"),),
                    refused=True,
                    expected_fingerprint=expected_fingerprint,
                )
            return _verify_contents(archive, raw, infos, progress, expected_fingerprint)


def _verify_contents(
    archive: zipfile.ZipFile,
    raw: BinaryIO,
    infos: Sequence[zipfile.ZipInfo],
    progress: Progress | None,
    expected_fingerprint: str | None = None,
) -> BundleVerification:
    found = Findings()
    by_name = {info.filename: info for info in infos if not info.is_dir()}
    small: dict[str, bytes] = {}
    for name in (
        names.MANIFEST_NAME,
        names.SIGNATURE_NAME,
        names.SIGNER_NAME,
        names.CA_NAME,
        names.SUMS_NAME,
    ):
        info = by_name.get(name)
        if info is None:
            found.add(name, "it is missing from the bundle")
            continue
        try:
            small[name] = read_small(archive, info)
        except (zipfile.BadZipFile, OSError, EOFError, UnsafeArchive) as exc:
            found.add(name, f"it cannot be read ({exc})")

    checker, certificates = check_certificates(small, found)
    manifest = check_manifest(small, checker, found)
    check_manifest_fingerprints(manifest, certificates, found)
    exhibits = [item for item in manifest_items(manifest) if item.get("file")]
    total = len(exhibits) + 3
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(min(done, total), total)

    check_file_list(manifest, by_name, found)
    for item in exhibits:
        check_exhibit(archive, by_name, item, found)
        step()
    report_check = check_report(
        archive,
        raw,
        by_name,
        manifest=manifest,
        small=small,
        certificates=certificates,
        found=found,
    )
    step()
    entries, head = check_custody(manifest, checker, found)
    received = check_received(archive, by_name, manifest, entries, found)
    check_sums(manifest, small, found)
    check_instructions(archive, by_name, manifest, certificates, found)
    step()
    ca_fingerprint = certificates.ca_fingerprint if certificates else None
    if (
        expected_fingerprint is not None
        and ca_fingerprint is not None
        and not fingerprint_matches(expected_fingerprint, ca_fingerprint)
    ):
        found.add(
            names.CA_NAME,
            f"its fingerprint is not the one you expected ({expected_fingerprint}): this bundle "
            "was not signed by the Evidence CA you were told of",
        )
    incident = manifest.get("incident") if manifest else None
    return BundleVerification(
        problems=tuple(found.problems),
        ca_fingerprint=ca_fingerprint,
        signer=certificates.signer if certificates else None,
        incident_id=str(incident.get("id")) if isinstance(incident, Mapping) else None,
        exhibits_checked=len(exhibits),
        entries_checked=len(entries),
        chain_head=head,
        report_signature=report_check[0],
        timestamp=report_check[1],
        school=certificates.school if certificates else None,
        ca_name=certificates.ca_name if certificates else None,
        signer_school=certificates.signer_school if certificates else None,
        signer_fingerprint=certificates.signer_fingerprint if certificates else None,
        expected_fingerprint=expected_fingerprint,
        received=received,
    )
