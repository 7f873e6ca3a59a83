"""A teacher's store meets a full disk or a read-only folder: a plain sentence, and nothing lost.

Real faults through the real program: a real tiny tmpfs that fills up, a real read-only bind
mount, a real ``chmod``; every command is a child process of the real command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from harmonize_evidence.services.clock import SystemClock
from tests.conftest import CLI_PRODUCER, PASSPHRASE, Cli, CliResult, StoreTemplates
from tests.faults import fill_disk, honouring_file_modes, read_only_folder, small_tmpfs

KIB = 1024
MIB = 1024 * KIB


def _says_disk_full(result: CliResult) -> None:
    assert result.code == 5, result.stdout + result.stderr
    message = result.json["error"]
    assert "disk" in message and "full" in message, message
    assert "nothing" in message and "was lost" in message, message
    assert "damaged" not in message and "backup" not in message, message
    assert "Traceback" not in result.stderr


def _says_read_only(result: CliResult) -> None:
    assert result.code == 5, result.stdout + result.stderr
    message = result.json["error"]
    assert "read-only" in message and "nothing was saved" in message, message
    assert "verified and exported" in message, message  # exporting needs no copy of the store
    assert "damaged" not in message and "backup" not in message, message
    assert "Traceback" not in result.stderr


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_full_disk_loses_nothing_already_saved(
    tmp_path: Path, cli_env: dict[str, str], store_templates: StoreTemplates
) -> None:
    first = tmp_path / "screenshot-of-the-post.bin"
    first.write_bytes(os.urandom(40 * KIB))
    voicemail = tmp_path / "voicemail.bin"
    voicemail.write_bytes(os.urandom(1 * MIB))
    with small_tmpfs(tmp_path / "laptop-disk", 3 * MIB) as disk:
        made = store_templates.copy(disk / "store", CLI_PRODUCER, SystemClock())
        cli = Cli(made.location.directory, cli_env)
        incident = cli("--json", "incident", "new", "--title", "Posts about Ms Lane").json["id"]
        kept = cli("--json", "add", incident, str(first))
        assert kept.code == 0, kept.stdout + kept.stderr

        # Other files leave less room than the voicemail needs: it fills the disk as it is added.
        filler = fill_disk(disk, leave_free=256 * KIB)
        _says_disk_full(cli("--json", "add", incident, str(voicemail)))
        shown = cli("--json", "incident", "show", incident).json
        assert [item["exhibit"] for item in shown["items"]] == [kept.json["exhibit"]]
        assert cli("--json", "verify").json["ok"] is True

        # The disk fills to the last byte: even a note cannot be kept, and it says why.
        fill_disk(disk, leave_free=0)
        _says_disk_full(cli("--json", "note", incident, "Called the parent at 4pm."))

        filler.unlink()
        verified = cli("--json", "verify")
        assert verified.code == 0 and verified.json["ok"] is True, verified.stdout
        added = cli("--json", "add", incident, str(voicemail))
        assert added.code == 0, added.stdout + added.stderr
        shown = cli("--json", "incident", "show", incident).json
        assert [item["sha256"] for item in shown["items"]] == [
            kept.json["sha256"],
            added.json["sha256"],
        ]


def test_a_video_larger_than_the_free_space_says_the_disk_is_full_and_comes_in_later(
    tmp_path: Path, cli_env: dict[str, str], store_templates: StoreTemplates
) -> None:
    # A recording far larger than the database's page cache: part of it reaches the disk before
    # the end of its transaction, the disk fills there, and SQLite rolls the transaction back by
    # itself (a 20 MiB file on an 8 MiB disk was reported as a damaged store, exit 4).
    video = tmp_path / "recording-of-the-call.bin"
    video.write_bytes(os.urandom(20 * MIB))
    with small_tmpfs(tmp_path / "laptop-disk", 8 * MIB) as disk:
        made = store_templates.copy(disk / "store", CLI_PRODUCER, SystemClock())
        cli = Cli(made.location.directory, cli_env)
        incident = cli("--json", "incident", "new", "--title", "Calls to a pupil").json["id"]
        _says_disk_full(cli("--json", "add", incident, str(video)))
        assert cli("--json", "incident", "show", incident).json["items"] == []
        assert cli("--json", "verify").json["ok"] is True

        # Space is freed (here the disk is made larger): the same file goes in, whole.
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        added = cli("--json", "add", incident, str(video))
        assert added.code == 0, added.stdout + added.stderr
        extracted = cli(
            "--json", "extract", incident, added.json["exhibit"], "--out", str(tmp_path)
        )
        assert extracted.code == 0, extracted.stdout + extracted.stderr
        assert Path(extracted.json["path"]).read_bytes() == video.read_bytes()
        assert cli("--json", "verify").json["ok"] is True


def test_read_only_store_can_be_read_and_checked_but_refuses_changes(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = cli("--json", "incident", "new", "--title", "Group chat messages").json["id"]
    evidence = tmp_path / "message.bin"
    evidence.write_bytes(os.urandom(20 * KIB))
    exhibit = cli("--json", "add", incident, str(evidence)).json["exhibit"]
    before = _folder_bytes(cli.store_dir)
    bundles = tmp_path / "bundles"
    bundles.mkdir()

    with read_only_folder(cli.store_dir):
        listed = cli("--json", "incident", "list")
        assert listed.code == 0, listed.stdout + listed.stderr
        assert [i["id"] for i in listed.json["incidents"]] == [incident]
        shown = cli("--json", "incident", "show", incident)
        assert [item["exhibit"] for item in shown.json["items"]] == [exhibit]
        log = cli("--json", "log", incident)
        assert [e["action"] for e in log.json["entries"]] == [
            "incident_created",
            "evidence_imported",
        ]
        verified = cli("--json", "verify")
        assert verified.code == 0 and verified.json["ok"] is True, verified.stdout

        # It exports too, into a folder that can be written; the export cannot be recorded on
        # the chain, and the bundle, the report and the command say so.
        exported = cli("--json", "export", incident, "--out", str(bundles))
        assert exported.code == 0, exported.stdout + exported.stderr
        assert exported.json["recorded"] is False and exported.json["entry"] is None
        bundle = Path(exported.json["bundle"])
        assert [p.name for p in bundles.iterdir()] == [bundle.name]
        checked = cli("--json", "verify-bundle", str(bundle), passphrase=None)
        assert checked.code == 0 and checked.json["ok"] is True, checked.stdout
        with zipfile.ZipFile(bundle) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            report = archive.read("report.pdf")
        assert manifest["exported"]["recorded_in_custody_log"] is False
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=report, capture_output=True, check=True
        ).stdout.decode("utf-8")
        assert "not recorded in the custody log" in " ".join(text.split())
        plain = cli("export", incident, "--out", str(bundles))
        assert plain.code == 0, plain.stderr
        assert "read-only, so this export is not recorded in the custody log" in plain.stdout
        _says_read_only(cli("--json", "add", incident, str(evidence)))
        _says_read_only(cli("--json", "note", incident, "Spoke to the head of year."))
        _says_read_only(cli("--json", "incident", "new", "--title", "Another"))
        assert _folder_bytes(cli.store_dir) == before

    assert _folder_bytes(cli.store_dir) == before
    log = cli("--json", "log", incident).json["entries"]
    assert [e["action"] for e in log] == ["incident_created", "evidence_imported"]


def test_store_folder_without_write_permission_is_read_only(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident = cli("--json", "incident", "new", "--title", "Comments on a video").json["id"]
    before = _folder_bytes(cli.store_dir)

    def run(*args: str) -> CliResult:
        env = {**cli.env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE}
        command = [sys.executable, "-m", "harmonize_evidence", "--store", str(cli.store_dir)]
        done = subprocess.run(
            honouring_file_modes([*command, *args]),
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    cli.store_dir.chmod(0o500)
    try:
        verified = run("--json", "verify")
        assert verified.code == 0 and verified.json["ok"] is True, verified.stdout + verified.stderr
        _says_read_only(run("--json", "note", incident, "Screenshot sent by a pupil."))
    finally:
        cli.store_dir.chmod(0o700)
    assert _folder_bytes(cli.store_dir) == before
