"""What a police officer does with a bundle they were sent, with the tools they have.

No part of this uses the program's own code in-process: ``verify-bundle`` runs as its own
process (with no store), and the other checks are poppler's ``pdfsig`` with the school's CA
imported into an NSS database, ``sha256sum -c SHA256SUMS`` and the ``openssl`` lines printed in
VERIFY.txt, run exactly as written there.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PYTHON_PROGRAM


def tool(name: str) -> str:
    """The path of a system tool the officer uses, or a failure saying how to get it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (.ci/run installs it)")
    return path


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@dataclass
class OfficerCheck:
    """What the officer found."""

    verdict: dict[str, Any]
    """``verify-bundle --json``'s document."""
    folder: Path
    """The bundle, unzipped."""
    report_text: str
    """``pdftotext`` of the report: what a search of the PDF finds."""


def verify_bundle(
    bundle: Path, env: dict[str, str], *extra: str, program: tuple[str, ...] = PYTHON_PROGRAM
) -> tuple[int, dict[str, Any]]:
    """``harmonize-evidence --json verify-bundle BUNDLE`` in its own process, with no store."""
    result = run(*program, "--json", "verify-bundle", str(bundle), *extra, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def check_as_an_officer(
    bundle: Path,
    fingerprint: str,
    work: Path,
    env: dict[str, str],
    program: tuple[str, ...] = PYTHON_PROGRAM,
) -> OfficerCheck:
    """Every check an officer makes; fails the test on the first that does not pass.

    ``program`` runs ``verify-bundle``: this checkout's, or a frozen build's executable.
    """
    code, verdict = verify_bundle(bundle, env, program=program)
    assert code == 0 and verdict["ok"] is True, verdict
    assert verdict["problems"] == []
    assert verdict["signer_fingerprint"] == fingerprint

    folder = work / "unzipped"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)

    sums = run(tool("sha256sum"), "-c", "SHA256SUMS", cwd=folder)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    listed = [line for line in sums.stdout.splitlines() if line.strip()]
    assert listed and all(line.endswith(": OK") for line in listed), sums.stdout

    instructions = (folder / "VERIFY.txt").read_text(encoding="utf-8")
    assert fingerprint in instructions
    commands = [
        line.strip() for line in instructions.splitlines() if line.strip().startswith("openssl ")
    ]
    assert len(commands) >= 3, instructions
    said = ""
    for command in commands:
        result = run(tool("openssl"), *shlex.split(command)[1:], cwd=folder)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        said += result.stdout
    assert "Verified OK" in said  # the manifest's signature
    assert "signer.pem: OK" in said  # the signer was issued by the CA
    assert fingerprint.replace(":", "").upper() in said.replace(":", "").upper()

    nss = work / "nss"
    nss.mkdir()
    certutil = tool("certutil")
    assert run(certutil, "-N", "-d", f"sql:{nss}", "--empty-password").returncode == 0
    added = run(
        certutil, "-A", "-d", f"sql:{nss}", "-n", "school-ca", "-t", "C,C,C",
        "-i", str(folder / "ca.pem"),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    # pdfsig exits 0 whatever it finds: its words are what count.
    signature = run(tool("pdfsig"), "-nssdir", f"sql:{nss}", str(folder / "report.pdf"))
    assert "Signature is Valid." in signature.stdout, signature.stdout
    assert "Certificate is Trusted." in signature.stdout, signature.stdout
    assert "Total document signed" in signature.stdout, signature.stdout

    text = run(tool("pdftotext"), "-enc", "UTF-8", str(folder / "report.pdf"), "-")
    assert text.returncode == 0, text.stderr

    # A copy with one byte of an exhibit changed on the way is refused, and that exhibit is
    # named: what passed above was the verifier's judgement, not a verifier that passes anything.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = [str(item["file"]) for item in manifest["items"] if item.get("file")]
    member = files[0] if files else "report.pdf"
    code, refused = verify_bundle(tampered_copy(bundle, member, work / "altered.zip"), env,
                                  program=program)  # fmt: skip
    assert code == 1 and refused["ok"] is False, refused
    assert any(member in problem for problem in refused["problems"]), refused
    return OfficerCheck(verdict, folder, text.stdout)


def tampered_copy(bundle: Path, member: str, destination: Path) -> Path:
    """A copy of ``bundle`` in which one byte of ``member`` was changed, rezipped cleanly."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(destination, "w") as target:
        for info in source.infolist():
            data = bytearray(source.read(info))
            if info.filename == member:
                data[len(data) // 2] ^= 0x01
            target.writestr(info, bytes(data))
    return destination
