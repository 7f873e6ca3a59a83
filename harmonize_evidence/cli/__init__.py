"""Command line: a thin layer over the services (see CLI.md for the contract).

Exit codes: 0 done, 1 verification found a problem, 2 bad usage or input, 3 cannot unlock,
4 store missing or damaged, 5 environment problem, 70 internal error (details in the log file),
130 interrupted (Ctrl+C), 143 terminated (SIGTERM), 129 hung up (SIGHUP): 128 plus the signal's
number, as a shell reports a program that a signal ended. An interrupted or terminated command
first removes what it had only half written (an export's temporary bundle).

This module runs one command and turns its end into an exit code; the rest is split by job:
:mod:`~harmonize_evidence.cli.parser` (the arguments), :mod:`~harmonize_evidence.cli.output`
(text or JSON, the progress bar), :mod:`~harmonize_evidence.cli.passphrases`,
:mod:`~harmonize_evidence.cli.invocation` (what every command shares: the store and the clock)
and one module for each group of commands: :mod:`~harmonize_evidence.cli.store_commands`,
:mod:`~harmonize_evidence.cli.evidence_commands`, :mod:`~harmonize_evidence.cli.export_commands`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

from harmonize_evidence.cli.output import Output, open_closed_standard_streams
from harmonize_evidence.domain.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_SIGNALLED,
    HarmonizeError,
)
from harmonize_evidence.domain.text import has_undecodable_bytes

__all__ = ["Terminated", "build_parser", "check_arguments", "main", "pause_collection_if_desktop"]


def __getattr__(name: str) -> Any:
    # The parser is imported where it is needed: a plain start of the desktop program uses none.
    if name in ("build_parser", "check_arguments"):
        from harmonize_evidence.cli import parser

        return getattr(parser, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


log = logging.getLogger("harmonize_evidence")


_received: list[int] = []
"""The signals that reached running commands, in order (the last one names the exit code)."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached a running command; it unwinds the command as Ctrl+C does.

    Some libraries catch every exception and raise a new one of the same class with a message of
    their own (reportlab's paragraph parser does), so the signal is also remembered outside the
    exception, and the exit code does not depend on what the exception was built with.
    """

    def __init__(self, signum: object = None) -> None:
        super().__init__(signum)
        self.signum = signum if isinstance(signum, int) else None

    @property
    def exit_code(self) -> int:
        """128 plus the signal's number: 143 for SIGTERM, 129 for SIGHUP."""
        if self.signum is not None:
            return EXIT_SIGNALLED + self.signum
        return EXIT_SIGNALLED + (_received[-1] if _received else int(signal.SIGTERM))


@contextlib.contextmanager
def _unwinding_on_termination() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise :class:`Terminated` (once) on this thread.

    Their default action would end the process on the spot and leave half-written files behind
    (an export's temporary bundle); unwinding lets each use case remove its own. A signal that
    was ignored (``nohup``) stays ignored. Only the main thread can take signals.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    again = threading.Event()  # set while the signal is being sent again (see below)
    main = threading.get_ident()

    def send_again(signum: int) -> None:
        while again.is_set():
            signal.pthread_kill(main, signum)
            time.sleep(0.005)

    def unwind(signum: int, frame: FrameType | None) -> None:
        if caught:
            return  # the first one is already unwinding the command: let it finish cleaning
        if _cannot_raise(frame) and hasattr(signal, "pthread_kill"):  # not on Windows
            # An exception raised here would be printed as "ignored" (a traceback on the
            # terminal) and unwind nothing. Another thread sends the signal again until it
            # arrives where it can unwind the command (sent from here, it would come back into
            # this handler at once).
            if not again.is_set():
                again.set()
                threading.Thread(
                    target=send_again, args=(signum,), name="signal-again", daemon=True
                ).start()
            return
        again.clear()
        caught.append(signum)
        _received.append(signum)
        raise Terminated(signum)

    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            previous[number] = signal.signal(number, unwind)
    try:
        yield
    finally:
        again.clear()
        for number, handler in previous.items():
            signal.signal(number, handler)


def _cannot_raise(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs where Python ignores exceptions (they are only printed), or is
    called from there: an object's finaliser (``__del__``), or the weak reference callback that
    drops an import's module lock, which runs after each import, so often while an export
    imports what it needs."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or (
            code.co_name == "cb" and code.co_filename.startswith("<frozen importlib")
        ):
            return True
        frame = frame.f_back
    return False


def _plain_start(arguments: list[str]) -> tuple[bool, str | None]:
    """Whether ``arguments`` only start the desktop program, and the ``--store`` they give.

    That is how the program is started nearly every time, and building every command's parser
    (and importing every command's module) would delay the first window. Only the forms with
    one meaning are recognised here: nothing, ``--store DIR`` or ``--store=DIR``, with a folder
    name that is text. Anything else goes to the parser, which gives the same answer for these.
    """
    if not arguments:
        return True, None
    if len(arguments) == 2 and arguments[0] == "--store" and not arguments[1].startswith("-"):
        store = arguments[1]
    elif len(arguments) == 1 and arguments[0].startswith("--store="):
        store = arguments[0].removeprefix("--store=")
    else:
        return False, None
    if has_undecodable_bytes(store):
        return False, None  # the parser's check names the problem
    return True, store


def pause_collection_if_desktop(arguments: list[str]) -> tuple[bool, str | None]:
    """Pause the garbage collector for the start (see :mod:`~harmonize_evidence.ui.heap`) when
    ``arguments`` start the desktop program; returns whether they do, and the ``--store`` they
    give (:func:`_plain_start`).

    :func:`main` calls it before the desktop program is imported; the frozen program's first
    run-time hook calls it before PyInstaller's hook for PySide6 imports Qt.
    """
    plain, store = _plain_start(arguments)
    if plain:
        from harmonize_evidence.ui.heap import pause_collection_for_start

        pause_collection_for_start()  # until the first window shows
    return plain, store


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    open_closed_standard_streams()
    if hasattr(os, "umask"):
        os.umask(0o077)  # anything we write (store files, extracted copies) is private
    wants_json = "--json" in arguments
    out = Output(wants_json, sys.stdout, sys.stderr)
    try:
        plain, store = pause_collection_if_desktop(arguments)
        if plain:
            from harmonize_evidence.ui.app import run_gui

            return run_gui(store)
        from harmonize_evidence.cli.invocation import Invocation
        from harmonize_evidence.cli.parser import build_parser, check_arguments

        parser = build_parser()
        args = parser.parse_args(arguments)
        args.store = getattr(args, "store", None)
        out.as_json = getattr(args, "json", False)
        check_arguments(parser, args)
        if args.command is None:
            from harmonize_evidence.ui.app import run_gui

            return run_gui(args.store)
        from harmonize_evidence.services.logfile import start_logging

        log_path = start_logging()
        try:
            with _unwinding_on_termination():
                return int(args.run(Invocation(args, out)))
        except HarmonizeError:
            raise
        except KeyboardInterrupt:
            raise
        except Exception:
            log.exception("unexpected error running %s", args.command)
            where = f"; details are in {log_path}" if log_path else ""
            out.error(
                f"Something went wrong that the program did not expect{where}.", EXIT_INTERNAL
            )
            return EXIT_INTERNAL
    except HarmonizeError as exc:
        out.error(exc.message, exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        out.error("Interrupted; anything already reported as saved is kept.", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except Terminated as exc:
        out.error(
            "Stopped because the program was asked to end; anything already reported as saved "
            "is kept.",
            exc.exit_code,
        )
        return exc.exit_code
