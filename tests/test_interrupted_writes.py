"""A copy or a handover killed while it is written: the next start leaves nothing half made.

A copy of an exhibit holds its original bytes in the clear, and a member of staff saves it to a
USB stick; a handover package is what the lead needs before any later one. A process killed
outright (SIGKILL, as "End task" or a power cut ends it) cannot clean up after itself, so the next
start of the program does (``services/unfinished_writes.py``): a half-made copy is deleted, and a
package is given its name if the chain records it, else deleted.

The real command runs in a process of its own and is killed at moments found by watching its
temporary file appear in the folder, never by a hook in the program.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harmonize_evidence.domain.clock import FixedClock
from harmonize_evidence.domain.handover import short_fingerprint
from harmonize_evidence.domain.model import Producer, Role
from harmonize_evidence.services.school import join_school, make_school_card
from harmonize_evidence.services.store import StoreLocation, open_store
from tests.conftest import PASSPHRASE, Cli, StoreTemplates, private_env

STAFF = Producer("Zoë Lane", "ZL", "Oak Hill Academy", Role.STAFF)
LEAD = Producer("Priya Shah", "PS", "Oak Hill Academy", Role.LEAD)
VIDEO_BYTES = 32 * 1024 * 1024  # long enough to write that a kill lands while it is written
KILLS = 4
SMALL_VIDEO = 64 * 1024  # where no kill is timed, a short one does


def _partials(folder: Path) -> list[Path]:
    return sorted(folder.glob(".harmonize-writing-*.partial"))


def _notes(store_dir: Path) -> list[Path]:
    return sorted(store_dir.glob(".unfinished-write-*"))


def _start(env: dict[str, str], store_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harmonize_evidence", "--store", str(store_dir), "--json", *args],
        env={**env, "HARMONIZE_EVIDENCE_PASSPHRASE": PASSPHRASE},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(env: dict[str, str], store_dir: Path, *args: str) -> dict[str, Any]:
    child = _start(env, store_dir, *args)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, out + err
    return json.loads(out) if out.strip() else {}


def _kill_while_writing(child: subprocess.Popen[str], folder: Path, delay: float) -> bool:
    """SIGKILL ``child`` ``delay`` seconds after its temporary file appears in ``folder``;
    whether a temporary file was left (the kill landed while it was written)."""
    deadline = time.monotonic() + 60
    while not _partials(folder) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=60)
    return bool(_partials(folder))


def _staff_store(
    root: Path, store_templates: StoreTemplates, clock: FixedClock, video_bytes: int = VIDEO_BYTES
) -> tuple[Path, str]:
    """A member of staff's store, joined to a lead's school, with an incident holding a video
    (a long one by default, for kills to land while it is written out)."""
    lead_made = store_templates.copy(root / "lead", LEAD, clock)
    staff_made = store_templates.copy(root / "staff", STAFF, clock)
    with open_store(lead_made.location, lambda: PASSPHRASE, clock) as lead:
        card, fingerprint = make_school_card(lead, "01234 567890")
    with open_store(staff_made.location, lambda: PASSPHRASE, clock) as staff:
        join_school(staff, card, short_fingerprint(fingerprint), "in person")
        incident = staff.new_incident("Calls to a pupil").id
    _add_recording(staff_made.location.directory, incident, clock, 0, video_bytes)
    return staff_made.location.directory, incident


def _add_recording(
    store_dir: Path, incident: str, clock: FixedClock, number: int, size: int = VIDEO_BYTES
) -> None:
    video = store_dir.parent / f"recording-{number}.bin"
    video.write_bytes(random.Random(number).randbytes(size))
    with open_store(StoreLocation(store_dir), lambda: PASSPHRASE, clock) as staff:
        staff.add_file(incident, video)


def _log(env: dict[str, str], store_dir: Path, incident: str) -> list[dict[str, Any]]:
    """The incident's custody log, from the next start of the program (a process of its own,
    forked from one that has imported the program: tests/warm_cli.py)."""
    shown = Cli(store_dir, env, warm=True)("--json", "log", incident)
    assert shown.code == 0, shown.stdout + shown.stderr
    entries: list[dict[str, Any]] = shown.json["entries"]
    return entries


def _noted_as_a_kill_leaves_it(
    store_dir: Path, temporary: Path, target: Path, kind: str, incident: str, *, after: int = 0
) -> None:
    """The note the program keeps while ``temporary`` is written as ``target``, left behind as
    a kill leaves it (the format notes have on disk, which a later version must still read)."""
    token = temporary.name.removeprefix(".harmonize-writing-").removesuffix(".partial")
    noted = {"kind": kind, "temporary": str(temporary), "target": str(target)}
    note = store_dir / f".unfinished-write-{token}.json"
    note.write_text(json.dumps({**noted, "incident": incident, "after_seq": after}))


def test_a_copy_killed_while_it_is_written_is_removed_at_the_next_start(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    store_dir, incident = _staff_store(tmp_path, store_templates, clock)
    env = private_env(tmp_path / "home")
    usb = tmp_path / "usb-stick"
    usb.mkdir()
    exhibit = "ZL/1"
    left = 0
    for kill in range(KILLS):
        child = _start(env, store_dir, "extract", incident, exhibit, "--out", f"{usb}/")
        left += _kill_while_writing(child, usb, delay=0.02 * kill)
        # The next start (any command opens the store) removes what the killed copy left.
        entries = _log(env, store_dir, incident)
        assert _partials(usb) == [] and _notes(store_dir) == []
        copies = [e for e in entries if e["action"] == "evidence_extracted"]
        assert [p.name for p in usb.iterdir()] == [str(e["details"]["file_name"]) for e in copies]
        for copy in usb.iterdir():
            copy.unlink()  # a copy that was finished and recorded: the next one goes there too
    assert left >= 2  # kills did land while the copy was being written


def test_a_handover_killed_at_any_moment_leaves_each_recorded_package_in_place(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    store_dir, incident = _staff_store(tmp_path, store_templates, clock)
    env = private_env(tmp_path / "home")
    out = tmp_path / "for-the-lead"
    out.mkdir()
    left = 0
    for kill in range(KILLS):
        if kill:  # something new to hand over, so that each package is a large one
            _add_recording(store_dir, incident, clock, kill)
        child = _start(env, store_dir, "handover", incident, "--out", f"{out}/")
        left += _kill_while_writing(child, out, delay=0.03 * kill)
        entries = _log(env, store_dir, incident)  # the next start
        assert _partials(out) == [] and _notes(store_dir) == []
        recorded = {
            str(e["details"]["file_name"]): str(e["evidence_sha256"])
            for e in entries
            if e["action"] == "handed_over"
        }
        on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
        assert on_disk == recorded  # every package is recorded, and every recorded one is here
    assert left >= 2  # kills did land while a package was being written


def test_a_package_recorded_but_not_yet_named_when_killed_gets_its_name_at_the_next_start(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    # A kill between the commit of the handed_over entry and the naming leaves the package
    # under its temporary name, noted in the store's folder. That moment is too short to hit by
    # timing a kill, so the state it leaves is made here as the program leaves it.
    store_dir, incident = _staff_store(tmp_path, store_templates, clock, SMALL_VIDEO)
    env = private_env(tmp_path / "home")
    out = tmp_path / "for-the-lead"
    out.mkdir()
    _run(env, store_dir, "handover", incident, "--out", f"{out}/")
    (package,) = out.iterdir()
    sha256 = hashlib.sha256(package.read_bytes()).hexdigest()
    recorded = package.rename(out / ".harmonize-writing-0123456789abcdef.partial")
    stray = out / ".harmonize-writing-00000000000000ff.partial"  # and one never recorded
    stray.write_bytes(b"the first part of a package")
    for temporary in (recorded, stray):
        _noted_as_a_kill_leaves_it(store_dir, temporary, package, "package", incident)

    entries = _log(env, store_dir, incident)  # the next start
    assert [p.name for p in out.iterdir()] == [package.name]
    assert hashlib.sha256(package.read_bytes()).hexdigest() == sha256
    assert [e["evidence_sha256"] for e in entries if e["action"] == "handed_over"] == [sha256]
    assert _notes(store_dir) == []


def test_a_note_that_names_anything_but_a_temporary_file_of_ours_deletes_nothing(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    # The clean-up deletes what a note names: a damaged or planted note must not make it
    # delete a user's own file.
    store_dir, incident = _staff_store(tmp_path, store_templates, clock, SMALL_VIDEO)
    env = private_env(tmp_path / "home")
    documents = tmp_path / "Documents"
    documents.mkdir()
    letter = documents / "letter to parents.docx"
    letter.write_bytes(b"a user's own file")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ours_elsewhere = elsewhere / ".harmonize-writing-0123456789abcdef.partial"
    ours_elsewhere.write_bytes(b"named in a note for another folder")
    notes: dict[str, dict[str, str] | str] = {
        "a": {"kind": "copy", "temporary": str(letter), "target": str(documents / "x.bin")},
        "b": {"kind": "copy", "temporary": str(ours_elsewhere), "target": str(letter)},
        "c": {"kind": "shred", "temporary": str(ours_elsewhere), "target": str(elsewhere / "x")},
        "d": "not a note",
    }
    for name, noted in notes.items():
        text = json.dumps({**noted, "incident": incident}) if isinstance(noted, dict) else noted
        (store_dir / f".unfinished-write-{name}.json").write_text(text, encoding="utf-8")

    _log(env, store_dir, incident)  # the next start
    assert letter.read_bytes() == b"a user's own file"
    assert ours_elsewhere.read_bytes() == b"named in a note for another folder"
    assert _notes(store_dir) == []


def test_a_copy_told_to_end_as_its_entry_is_committed_is_still_saved(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    # The copy is recorded before it gets its name (so no copy exists that the chain does not
    # record); a SIGTERM or Ctrl+C just as that entry is committed must not lose the copy.
    store_dir, incident = _staff_store(tmp_path, store_templates, clock, SMALL_VIDEO)
    usb = tmp_path / "usb-stick"
    usb.mkdir()
    with open_store(StoreLocation(store_dir), lambda: PASSPHRASE, clock) as store:
        vault = store.vault
        own_transaction = vault.transaction
        depth = 0

        @contextlib.contextmanager
        def committed_then_interrupted() -> Iterator[None]:
            nonlocal depth
            depth += 1
            try:
                with own_transaction():
                    yield
            finally:
                depth -= 1
            if depth == 0:
                raise KeyboardInterrupt

        vault.transaction = committed_then_interrupted  # type: ignore[method-assign]
        with pytest.raises(KeyboardInterrupt):
            store.extract(incident, "ZL/1", usb)
        vault.transaction = own_transaction  # type: ignore[method-assign]
        (copy,) = usb.iterdir()
        assert copy.name == "ZL-1.bin"
        entry = store.log(incident)[-1]
        assert entry.action == "evidence_extracted" and entry.details["file_name"] == copy.name
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == entry.evidence_sha256
    assert _notes(store_dir) == []


def test_a_copy_recorded_but_not_yet_named_when_killed_gets_its_name_at_the_next_start(
    tmp_path: Path, store_templates: StoreTemplates, clock: FixedClock
) -> None:
    # As a kill between the commit of the copy's entry and its naming leaves it (made here, as
    # that moment is too short to hit by timing a kill); and one killed before its commit.
    store_dir, incident = _staff_store(tmp_path, store_templates, clock, SMALL_VIDEO)
    env = private_env(tmp_path / "home")
    usb = tmp_path / "usb-stick"
    usb.mkdir()
    before = _log(env, store_dir, incident)[-1]["seq"]
    _run(env, store_dir, "extract", incident, "ZL/1", "--out", f"{usb}/")
    (copy,) = usb.iterdir()
    original = copy.read_bytes()
    recorded = copy.rename(usb / ".harmonize-writing-0123456789abcdef.partial")
    unrecorded = usb / ".harmonize-writing-00000000000000ff.partial"
    unrecorded.write_bytes(original)  # the same bytes, but no entry after its start
    for temporary, after in ((recorded, before), (unrecorded, before + 1)):
        _noted_as_a_kill_leaves_it(store_dir, temporary, copy, "copy", incident, after=after)

    _log(env, store_dir, incident)  # the next start
    assert [p.name for p in usb.iterdir()] == [copy.name]
    assert copy.read_bytes() == original
    assert _notes(store_dir) == []
