"""Handing an exhibit over: ``extract`` onto a USB stick, a full disk, a read-only folder.

The real command line in a child process, writing to real file systems (see tests/faults.py):
a FAT stick, which has no hard links, a tiny tmpfs that fills up and a read-only bind mount.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.conftest import Cli, CliResult
from tests.faults import fat_usb_stick, fill_disk, read_only_folder, small_tmpfs

KIB = 1024
MIB = 1024 * KIB


def _exhibit(cli: Cli, tmp_path: Path, size: int) -> tuple[str, str, bytes]:
    """A new incident holding one file of ``size`` random bytes: its id, the exhibit, the bytes."""
    made = cli("--json", "incident", "new", "--title", "Posts about Ms Lane")
    assert made.code == 0, made.stdout + made.stderr
    evidence = tmp_path / "voice-note.bin"
    evidence.write_bytes(os.urandom(size))
    added = cli("--json", "add", made.json["id"], str(evidence))
    assert added.code == 0, added.stdout + added.stderr
    assert added.json["sha256"] == hashlib.sha256(evidence.read_bytes()).hexdigest()
    return made.json["id"], added.json["exhibit"], evidence.read_bytes()


def _extracts(cli: Cli, incident: str) -> list[dict[str, object]]:
    entries = cli("--json", "log", incident).json["entries"]
    return [entry for entry in entries if entry["action"] == "evidence_extracted"]


def _refused(result: CliResult, code: int) -> str:
    assert result.code == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return str(result.json["error"])


def test_a_teacher_extracts_an_exhibit_onto_a_fat_usb_stick(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    # Larger than one of the store's chunks (8 MiB), so the copy is streamed in parts.
    incident, exhibit, original = _exhibit(cli, tmp_path, 9 * MIB)
    sha256 = hashlib.sha256(original).hexdigest()
    with fat_usb_stick(tmp_path / "stick") as stick:
        out = stick / "for the head.bin"
        extracted = cli("--json", "extract", incident, exhibit, "--out", str(out))
        assert extracted.code == 0, extracted.stdout + extracted.stderr
        assert extracted.json == {"path": str(out), "sha256": sha256}
        assert hashlib.sha256(out.read_bytes()).hexdigest() == sha256
        assert out.read_bytes() == original

        # Onto the stick itself: the copy is named after the exhibit.
        into_folder = cli("--json", "extract", incident, exhibit, "--out", str(stick))
        assert into_folder.code == 0, into_folder.stdout + into_folder.stderr
        named = Path(into_folder.json["path"])
        assert named.parent == stick and named.read_bytes() == original

        # Never over a file already there (FAT ignores case: this is the same name).
        capitals = stick / "FOR THE HEAD.bin"
        again = cli("--json", "extract", incident, exhibit, "--out", str(capitals))
        assert "already exists" in _refused(again, 2)
        assert out.read_bytes() == original
        assert sorted(os.listdir(stick)) == sorted([out.name, named.name])

    extracts = _extracts(cli, incident)
    assert [(e["details"], e["evidence_sha256"]) for e in extracts] == [
        ({"exhibit": exhibit, "file_name": out.name}, sha256),
        ({"exhibit": exhibit, "file_name": named.name}, sha256),
    ]
    verified = cli("--json", "verify", incident)
    assert verified.code == 0 and verified.json["ok"] is True, verified.stdout


def test_extract_onto_a_full_disk_says_so_and_leaves_nothing(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident, exhibit, original = _exhibit(cli, tmp_path, 1 * MIB)
    with small_tmpfs(tmp_path / "usb", 2 * MIB) as usb:
        filler = fill_disk(usb, leave_free=256 * KIB)
        out = usb / "copy.bin"
        message = _refused(cli("--json", "extract", incident, exhibit, "--out", str(out)), 5)
        assert "full" in message and str(usb) in message, message
        assert "nothing was recorded" in message, message
        assert list(usb.iterdir()) == [filler]
        assert _extracts(cli, incident) == []

        filler.unlink()
        extracted = cli("--json", "extract", incident, exhibit, "--out", str(out))
        assert extracted.code == 0, extracted.stdout + extracted.stderr
        assert out.read_bytes() == original
        assert len(_extracts(cli, incident)) == 1


def test_extract_into_a_read_only_folder_says_so_and_leaves_nothing(
    initialised_cli: Cli, tmp_path: Path
) -> None:
    cli = initialised_cli
    incident, exhibit, _ = _exhibit(cli, tmp_path, 64 * KIB)
    share = tmp_path / "share"
    share.mkdir()
    (share / "minutes.txt").write_bytes(b"already here")
    with read_only_folder(share):
        result = cli("--json", "extract", incident, exhibit, "--out", str(share / "copy.bin"))
        message = _refused(result, 2)
        assert str(share) in message and "cannot be written" in message, message
        assert "choose another folder" in message, message
        assert sorted(os.listdir(share)) == ["minutes.txt"]
    assert _extracts(cli, incident) == []
