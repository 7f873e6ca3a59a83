"""What a command prints: its result as text or as one JSON document, its errors, a progress bar.

The standard streams may be closed or go away while a command runs (``| head -0``, ``>&-``):
nothing the command did is undone because its result could not be shown.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from typing import Any, TextIO

from harmonize_evidence.domain.text import printable


class Output:
    """Prints results as text or, with ``--json``, as one JSON document on stdout.

    A result that cannot be printed because stdout is closed (``| head -0``, ``>&-``) does not
    undo what the command did: it keeps its exit code, and one sentence on stderr says what could
    not be shown. As Python advises for a broken pipe, the rest of stdout then goes to
    ``os.devnull``, so nothing fails again when the program ends. Bytes that are not UTF-8 (in a
    path quoted by a message) are printed as ``\\xNN``.
    """

    def __init__(self, as_json: bool, stdout: TextIO | None, stderr: TextIO | None) -> None:
        self.as_json = as_json
        self.stdout = stdout  # None when the program was started with stdout closed
        self.stderr = stderr

    def result(self, document: dict[str, Any], text: str, *, if_unprinted: str = "") -> None:
        """Print a command's result; ``if_unprinted`` is what to add when it cannot be printed."""
        if self.as_json:
            printed = json.dumps(_printable_document(document), ensure_ascii=False, indent=2)
        else:
            printed = printable(text.rstrip("\n"))
        problem = self._print(printed + "\n")
        if problem is not None:
            self._say(
                f"The command was done, but its result could not be printed ({problem})."
                + (f" {if_unprinted}" if if_unprinted else "")
            )

    def warn(self, sentence: str) -> None:
        """Say something the user should know on stderr (JSON or not): the command goes on."""
        self._say(sentence)

    def error(self, message: str, code: int) -> None:
        """Print an error: JSON on stdout with ``--json``, else a sentence on stderr."""
        message = printable(message)
        if self.as_json:
            document = json.dumps({"error": message, "code": code}, ensure_ascii=False)
            if self._print(document + "\n") is None:
                return
        self._say(message)

    def _print(self, text: str) -> str | None:
        """Write ``text`` to stdout; None when done, else why it could not be printed."""
        if self.stdout is None:
            return "the output is closed"
        try:
            try:
                self.stdout.write(text)
            except UnicodeEncodeError:  # a console that cannot show some character
                encoding = self.stdout.encoding or "ascii"
                self.stdout.write(text.encode(encoding, "backslashreplace").decode(encoding))
            self.stdout.flush()
        except (OSError, ValueError) as exc:
            _discard_output(self.stdout)
            if isinstance(exc, BrokenPipeError):
                return "the output was closed"
            return f"the output could not be written: {getattr(exc, 'strerror', None) or exc}"
        return None

    def _say(self, sentence: str) -> None:
        """One sentence on stderr, if there is a stderr to say it on."""
        if self.stderr is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self.stderr.write(f"harmonize-evidence: {printable(sentence)}\n")
            self.stderr.flush()

    def progress(self, label: str) -> Callable[[int, int], None]:
        """A progress callback drawing a bar on stderr when stderr is a terminal."""
        interactive = self.stderr is not None and self.stderr.isatty()

        def draw(done: int, total: int) -> None:
            if not interactive or total <= 0 or self.stderr is None:
                return
            width = 30
            filled = int(width * done / total)
            self.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                self.stderr.write("\n")
            self.stderr.flush()

        return draw


def _printable_document(value: Any) -> Any:
    """A JSON document whose strings can all be printed (see :func:`printable`)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(k)): _printable_document(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable_document(v) for v in value]
    return value


def _discard_output(stream: TextIO | None) -> None:
    """Send what is left of ``stream`` (stdout) to os.devnull, as Python advises after EPIPE."""
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def flush_or_discard(stream: TextIO | None) -> None:
    """Flush ``stream``; if its reader has gone, send the rest to os.devnull instead."""
    if stream is None:
        return
    try:
        stream.flush()
    except (OSError, ValueError):
        _discard_output(stream)


def open_closed_standard_streams() -> None:
    """Point a closed stdin, stdout or stderr (file descriptor 0, 1 or 2) at os.devnull.

    Otherwise the next file the program opens (its log, a key file being written) would get that
    number, and whatever a child process writes to the stream would land in it.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            os.set_inheritable(fd, True)
