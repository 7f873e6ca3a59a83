"""Where a file the program writes goes: ``--out PATH`` as CLI.md defines it.

An existing folder, or a path ending in a separator, or a path whose name does not end in the
file's extension, is a folder to put the file in (made when its parent exists); anything else is
the file's own name. A file is never overwritten: in a folder it gets the next free name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from harmonize_evidence.domain.errors import BadInput, DiskFull, HarmonizeError
from harmonize_evidence.vault.disk import disk_is_full
from harmonize_evidence.vault.files import write_atomically


def target_path(
    out: str | os.PathLike[str], default_name: str, *, what: str
) -> tuple[Path, Path | None]:
    """The file's path, and the folder to make for it (None when there is nothing to make).

    ``default_name`` carries the extension that marks ``out`` as a file's name
    (``INC-2026-0007_handover-1.age``); ``what`` names the file for messages ("package").
    """
    suffix = "." + default_name.rsplit(".", 1)[1].lower()
    text = os.fspath(out)
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    path = Path(text)
    if path.is_dir():
        return free_name(path, default_name, what=what), None
    if text.endswith(separators) or not path.name.lower().endswith(suffix):
        if path.exists() or path.is_symlink():
            raise BadInput(
                f"{path} is a file, not a folder; give a folder to put the {what} in, or a new "
                f"file name ending in {suffix}."
            )
        if not path.parent.is_dir():
            raise BadInput(
                f"The folder {path.parent} does not exist, so the folder {path.name} cannot be "
                "made in it; choose a folder that exists."
            )
        return path / default_name, path
    if path.exists() or path.is_symlink():
        raise BadInput(f"{path} already exists; choose a new file name.")
    if not path.parent.is_dir():
        raise BadInput(f"The folder {path.parent} does not exist; choose a folder that exists.")
    return path, None


def free_name(folder: Path, default_name: str, *, what: str) -> Path:
    """``default_name`` in ``folder``, or the first of ``stem_2.ext``, ``stem_3.ext``... free."""
    stem, suffix = default_name.rsplit(".", 1)
    for number in range(1, 1000):
        name = default_name if number == 1 else f"{stem}_{number}.{suffix}"
        if not (folder / name).exists():
            return folder / name
    raise BadInput(
        f"{folder} already holds 999 files named like {default_name}; choose another folder "
        f"for the {what}."
    )


def write_new_file(target: Path, made_folder: Path | None, data: bytes) -> None:
    """Write a small file whole at ``target`` (from :func:`target_path`), never over another.

    The folder is the user's choice (a USB stick, say), not the store's: a refusal names it.

    Raises:
        BadInput: ``target`` appeared meanwhile, or its folder cannot be written (read-only,
            gone meanwhile, a disk that fails) (exit 2).
        DiskFull: the disk holding the folder is full (exit 5).
    """
    if made_folder is not None:
        made_folder.mkdir()
    try:
        with write_atomically(target) as handle:
            handle.write(data)
    except OSError as exc:
        if made_folder is not None:
            with contextlib.suppress(OSError):
                made_folder.rmdir()
        raise write_refused(exc, target, f"{target.name} was not written") from exc


def write_refused(exc: OSError, target: Path, not_done: str) -> HarmonizeError:
    """The sentence for the system's refusal to write ``target`` in a folder the user chose
    (not the store's): ``not_done`` says what did not happen ("no copy was written and nothing
    was recorded"). A file of that name already there, or a folder that takes no writes, is
    :class:`BadInput` (exit 2); a full disk is :class:`DiskFull` (exit 5)."""
    if isinstance(exc, FileExistsError):
        return BadInput(f"{target} already exists; choose a new file name.")
    if disk_is_full(exc):
        return DiskFull(
            f"The disk holding {target.parent} is full, so {not_done}; free some space there "
            "or choose another folder."
        )
    return BadInput(
        f"The folder {target.parent} cannot be written ({exc.strerror or exc}), so {not_done}; "
        "choose another folder."
    )
