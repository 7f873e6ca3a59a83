"""The one atomic file writer, on real file systems: whole or not at all, never over another file.

A real tmpfs that fills up, a real read-only bind mount, a real FAT file system (no hard links,
as on a USB stick) and a real child process stopped by real signals (see tests/faults.py).
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harmonize_evidence.domain.errors import DiskFull, StoreReadOnly
from harmonize_evidence.vault.files import (
    WRITING_PREFIX,
    WRITING_SUFFIX,
    name_without_overwriting,
    write_atomically,
    write_private_file,
)
from harmonize_evidence.vault.keys import KeyFile
from tests.conftest import MadeStore
from tests.faults import fat_usb_stick, fill_disk, read_only_folder, small_tmpfs

KIB = 1024
MIB = 1024 * KIB


def _names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _is_writing_name(name: str) -> bool:
    return name.startswith(WRITING_PREFIX) and name.endswith(WRITING_SUFFIX)


def test_a_new_file_appears_whole_under_its_name_and_only_then(tmp_path: Path) -> None:
    target = tmp_path / "ZL-1 screenshot.png"
    with write_atomically(target) as out:
        out.write(b"first half, ")
        out.flush()
        # While it is written it has a hidden name that no one takes for the file: not a .png.
        (writing,) = _names(tmp_path)
        assert _is_writing_name(writing), writing
        assert not target.exists()
        out.write(b"second half")
    assert target.read_bytes() == b"first half, second half"
    assert _names(tmp_path) == [target.name]


def test_the_file_is_private_before_its_first_byte_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "copy.bin"
    previous = os.umask(0)
    try:
        with write_atomically(target) as out:
            (writing,) = tmp_path.iterdir()
            assert writing.stat().st_size == 0
            assert stat.S_IMODE(writing.stat().st_mode) == 0o600
            out.write(b"evidence")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the teacher's own file")
    wrote: list[bytes] = []
    with pytest.raises(FileExistsError), write_atomically(target) as out:
        wrote.append(b"never")  # refused before any data is written
        out.write(b"a copy")
    assert wrote == []
    assert target.read_bytes() == b"the teacher's own file"

    # A file that appears under the name while the copy is being written is kept, not replaced.
    late = tmp_path / "late.png"
    with pytest.raises(FileExistsError), write_atomically(late) as out:
        out.write(b"a copy")
        late.write_bytes(b"made by another program meanwhile")
    assert late.read_bytes() == b"made by another program meanwhile"
    assert _names(tmp_path) == ["late.png", "report.pdf"]


def test_replacing_swaps_in_the_whole_new_file(tmp_path: Path) -> None:
    key_json = tmp_path / "key.json"
    key_json.write_bytes(b"old key file")
    key_json.chmod(0o644)
    with write_atomically(key_json, replace=True) as out:
        out.write(b"new key file")
    assert key_json.read_bytes() == b"new key file"
    assert stat.S_IMODE(key_json.stat().st_mode) == 0o600
    assert _names(tmp_path) == ["key.json"]

    # A replacement that fails leaves the old file as it was.
    with pytest.raises(ValueError), write_atomically(key_json, replace=True) as out:
        out.write(b"half of a newer one")
        raise ValueError("stopped")
    assert key_json.read_bytes() == b"new key file"
    assert _names(tmp_path) == ["key.json"]


def test_the_key_file_is_replaced_whole_for_a_new_passphrase(made_store: MadeStore) -> None:
    path = made_store.location.key_file
    key_file = KeyFile.load(path)
    old = path.stat()
    key_file.save(path)
    assert not os.path.samestat(old, path.stat())  # a new file took the name, in one step
    assert path.read_bytes() == key_file.to_json()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any(_is_writing_name(name) for name in _names(path.parent))


def test_an_error_in_the_writers_own_code_leaves_nothing(tmp_path: Path) -> None:
    for stop in (ValueError("the SHA-256 does not match"), KeyboardInterrupt()):
        with pytest.raises(type(stop)), write_atomically(tmp_path / "copy.png") as out:
            out.write(b"half a copy")
            raise stop
        assert _names(tmp_path) == []


_WRITER = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from harmonize_evidence.vault.files import write_atomically

    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    with write_atomically(Path(sys.argv[1])) as out:
        out.write(b"x")
        out.flush()
        print("writing", flush=True)
        while True:
            out.write(b"y" * 4096)
            time.sleep(0.001)
    """
)


@pytest.mark.parametrize(
    "stop", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_a_writer_stopped_by_a_signal_leaves_no_file_under_the_name(
    tmp_path: Path, stop: signal.Signals
) -> None:
    target = tmp_path / "copy.png"
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"
    child.send_signal(stop)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode != 0
    assert not target.exists()
    if stop == signal.SIGKILL:
        # Killed outright it cannot clean up; what it leaves is hidden and not a .png.
        (left,) = _names(tmp_path)
        assert _is_writing_name(left), left
    else:
        assert _names(tmp_path) == []


def test_a_full_disk_stops_the_write_and_leaves_nothing(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "usb", 2 * MIB) as disk:
        filler = fill_disk(disk, leave_free=64 * KIB)
        with pytest.raises(OSError) as caught, write_atomically(disk / "video.bin") as out:
            out.write(os.urandom(512 * KIB))
        assert caught.value.errno == errno.ENOSPC
        assert list(disk.iterdir()) == [filler]

        # The store's own files say so in the store's words.
        with pytest.raises(DiskFull, match="The disk is full"):
            write_private_file(disk / "key.json", os.urandom(512 * KIB), replace=True)
        assert list(disk.iterdir()) == [filler]

        filler.unlink()
        with write_atomically(disk / "video.bin") as out:
            out.write(b"fits now")
        assert _names(disk) == ["video.bin"]


def test_a_read_only_folder_refuses_and_keeps_what_it_holds(tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / "key.json").write_bytes(b"the key file")
    with read_only_folder(folder):
        with pytest.raises(OSError) as caught, write_atomically(folder / "copy.png") as out:
            out.write(b"a copy")
        assert caught.value.errno == errno.EROFS
        with pytest.raises(StoreReadOnly, match="read-only"):
            write_private_file(folder / "key.json", b"a new key file", replace=True)
        assert _names(folder) == ["key.json"]
        assert (folder / "key.json").read_bytes() == b"the key file"


def test_on_a_fat_usb_stick_files_are_named_without_hard_links_never_over_another(
    tmp_path: Path,
) -> None:
    data = os.urandom(3 * MIB)
    with fat_usb_stick(tmp_path / "stick") as stick:
        probe = stick / "probe"
        probe.write_bytes(b"")
        with pytest.raises(OSError) as refused:
            os.link(probe, stick / "probe-link")
        assert refused.value.errno == errno.EPERM  # FAT has no hard links
        probe.unlink()

        with write_atomically(stick / "ZL-1.png") as out:
            out.write(data)
        assert (stick / "ZL-1.png").read_bytes() == data
        assert _names(stick) == ["ZL-1.png"]

        # FAT ignores case: the same name in capitals is the same file, and it is kept.
        with pytest.raises(FileExistsError), write_atomically(stick / "zl-1.PNG") as out:
            out.write(b"another copy")
        late = stick / "late.png"
        with pytest.raises(FileExistsError), write_atomically(late) as out:
            out.write(b"a copy")
            late.write_bytes(b"made by another program meanwhile")
        assert late.read_bytes() == b"made by another program meanwhile"
        assert (stick / "ZL-1.png").read_bytes() == data
        assert _names(stick) == ["ZL-1.png", "late.png"]

        # An export's bundle, written under its own temporary name, gets its name the same way.
        partial = stick / ".harmonize-export-0123456789abcdef.partial"
        partial.write_bytes(b"a whole bundle")
        name_without_overwriting(partial, stick / "INC-2026-0001.zip")
        assert (stick / "INC-2026-0001.zip").read_bytes() == b"a whole bundle"
        partial.write_bytes(b"a second bundle")
        with pytest.raises(FileExistsError):
            name_without_overwriting(partial, stick / "INC-2026-0001.zip")
        assert (stick / "INC-2026-0001.zip").read_bytes() == b"a whole bundle"
        partial.unlink()

        # A store kept on a stick: its key file is replaced in one step.
        (stick / "key.json").write_bytes(b"old key file")
        write_private_file(stick / "key.json", b"new key file", replace=True)
        assert (stick / "key.json").read_bytes() == b"new key file"
        assert _names(stick) == ["INC-2026-0001.zip", "ZL-1.png", "key.json", "late.png"]
