"""Real faults for tests: a disk that fills up, a read-only folder, a USB stick without hard links.

``small_tmpfs`` mounts a real, tiny tmpfs (it needs root, or a container that allows ``mount``;
the test is skipped with the reason where mounting is not permitted), so a write fails with the
kernel's own ``ENOSPC`` rather than a fake one. ``fat_usb_stick`` mounts a real FAT file system,
which has no hard links, as a teacher's USB stick has.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_tmpfs(path: Path, size: int) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` bytes (rounded up to whole pages) on ``path``, created if needed.

    Yields ``path``; unmounts it afterwards (lazily if something still holds it open). Skips the
    test, naming the reason, where ``mount`` is missing or not permitted.
    """
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("mount and umount are not installed, so no small disk can be made to fill")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root, and the tests do not run as root")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        unmounted = subprocess.run(
            ["umount", str(path)], capture_output=True, timeout=30, check=False
        )
        if unmounted.returncode != 0:
            lazy = ["umount", "-l", str(path)]
            subprocess.run(lazy, capture_output=True, timeout=30, check=False)


def fill_disk(folder: Path, leave_free: int = 0) -> Path:
    """Write a filler file in ``folder`` until at most ``leave_free`` bytes are left on its disk.

    Returns the filler's path (delete it to give the space back).
    """
    filler = folder / "filler.bin"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        while True:
            disk = os.statvfs(folder)
            free = disk.f_bavail * disk.f_frsize
            if free <= leave_free:
                break
            try:
                out.write(block[: max(1, min(len(block), free - leave_free))])
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                break
    return filler


@contextlib.contextmanager
def read_only_folder(folder: Path) -> Iterator[Path]:
    """Make ``folder`` read-only in place with a read-only bind mount over it; undone afterwards.

    The kernel then refuses every write in the folder with ``EROFS``, root's too (as root, a
    ``chmod`` would not stop anything). Skips the test, naming the reason, where ``mount`` is
    missing or not permitted.
    """
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("mount and umount are not installed, so no folder can be made read-only")
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root, and the tests do not run as root")
    bound = subprocess.run(
        ["mount", "--bind", str(folder), str(folder)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if bound.returncode != 0:
        pytest.skip(f"a bind mount is not permitted here: {bound.stderr.strip()}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        yield folder
    finally:
        unmounted = subprocess.run(
            ["umount", str(folder)], capture_output=True, timeout=30, check=False
        )
        if unmounted.returncode != 0:
            lazy = ["umount", "-l", str(folder)]
            subprocess.run(lazy, capture_output=True, timeout=30, check=False)


# Root ignores a folder's mode through these capabilities; without them it is refused like anyone.
_PERMISSION_OVERRIDES = "-dac_override,-dac_read_search,-fowner"


def honouring_file_modes(command: list[str]) -> list[str]:
    """``command`` as a child that is refused by file modes (``chmod``), even when we are root.

    As root the child runs under ``setpriv`` without the capabilities that override file modes;
    as anyone else it runs as it is. Skips the test where ``setpriv`` is missing.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed, so root cannot be refused by a chmod")
    return ["setpriv", f"--bounding-set={_PERMISSION_OVERRIDES}", "--", *command]


@contextlib.contextmanager
def fat_usb_stick(path: Path, size: int = 64 * 1024 * 1024) -> Iterator[Path]:
    """Mount a real, empty FAT32 file system of ``size`` bytes on ``path``, as on a USB stick.

    The file system is made in an image file beside ``path`` with ``mkfs.vfat`` (Debian package
    ``dosfstools``) and mounted by the kernel on a loop device where the kernel has FAT, else by
    ``fusefat`` (package ``fusefat``, FUSE), which runs the real FAT format in a process of its
    own. Yields ``path``; unmounts it afterwards. Skips the test, naming each reason, where
    neither can be done (not root, no tools, no loop device and no FUSE).
    """
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        pytest.skip("mounting a FAT file system needs root, and the tests do not run as root")
    mkfs = shutil.which("mkfs.vfat") or shutil.which("mkfs.vfat", path="/usr/sbin:/sbin")
    if mkfs is None or shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("mkfs.vfat (dosfstools), mount and umount are needed to make a FAT stick")
    path.mkdir(parents=True, exist_ok=True)
    image = path.with_name(f"{path.name}.img")
    with image.open("wb") as blank:
        blank.truncate(size)
    subprocess.run(
        [mkfs, "-F", "32", str(image)], capture_output=True, text=True, timeout=60, check=True
    )
    kernel = subprocess.run(
        ["mount", "-t", "vfat", "-o", "loop", str(image), str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if kernel.returncode == 0:
        try:
            yield path
        finally:
            _unmount(path)
        return
    fusefat = shutil.which("fusefat")
    if fusefat is None or not os.path.exists("/dev/fuse"):
        pytest.skip(
            f"the kernel cannot mount FAT here ({kernel.stderr.strip()}) and fusefat with "
            "/dev/fuse is not available either"
        )
    # In the foreground (-f), so that this process owns it and sees it end.
    process = subprocess.Popen(
        [fusefat, "-f", "-o", "rw+", str(image), str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not os.path.ismount(path):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip(
                    f"the kernel cannot mount FAT here ({kernel.stderr.strip()}) and fusefat "
                    f"did not mount it (exit {process.poll()})"
                )
            time.sleep(0.02)
        yield path
    finally:
        if os.path.ismount(path):
            _unmount(path)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _unmount(path: Path) -> None:
    unmounted = subprocess.run(["umount", str(path)], capture_output=True, timeout=30, check=False)
    if unmounted.returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30, check=False)
