"""The command line started warm for tests: a fork of a process that has imported the program.

Most of the suite's commands are short (``add``, ``verify``, ``export`` of one exhibit), and a
fresh interpreter spends most of such a command importing: 0.1-0.2 s for the command line and its
services, 0.6-0.9 s more for an ``export`` or ``verify-bundle`` (pyHanko, which imports aiohttp,
whose import builds two TLS contexts from the system's CA certificates; reportlab; pypdf). Over
the ~450 commands of a run that was about half of the suite's time.

So a test process keeps one *warm* process (this script, run by :class:`WarmStarter`), which
imports the program and its heavy libraries once and then, for each command, forks. The fork is a
process of its own, as a fresh start is: its own pid (killed at the command's time limit), its
own standard input, output and error (the test's pipes, passed over a Unix socket), its own
environment, time zone and working folder, and its exit code is what ``main`` returns or what a
signal made it, read by the warm process with ``waitpid``. It ends as a fresh interpreter ends
(non-daemon threads joined, atexit handlers run: the log's last lines, the standard streams
flushed), except that it does not take down its modules one by one (see :func:`_end`).

What a fork does not test is the interpreter's own start: decoding of ``argv`` and the choice of
the standard streams' encoding from the locale, ``PYTHON*`` variables, the import of each module.
Those are tested with fresh processes: ``Cli(..., warm=False)`` (the default of the class), the
journeys, the frozen build's tests, and any command whose environment changes a variable that the
interpreter reads as it starts (see :meth:`WarmStarter.starts_the_same`).

The warm process serves one command at a time (a test waits for its command), and is stopped when
the test process ends.
"""

from __future__ import annotations

import contextlib
import json
import locale
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, NoReturn

# What the commands import, so that each fork finds it imported. Nothing here may start a thread,
# open a file the commands use or read the environment for later: a fork keeps only the thread
# that forked.
PRELOAD = (
    "harmonize_evidence.cli",
    "harmonize_evidence.cli.parser",
    "harmonize_evidence.cli.invocation",
    "harmonize_evidence.cli.casework_commands",
    "harmonize_evidence.cli.evidence_commands",
    "harmonize_evidence.cli.export_commands",
    "harmonize_evidence.cli.handover_commands",
    "harmonize_evidence.cli.store_commands",
    "harmonize_evidence.services.bundle_check",
    "harmonize_evidence.services.capturing",
    "harmonize_evidence.services.casework",
    "harmonize_evidence.services.evidence",
    "harmonize_evidence.services.exporting",
    "harmonize_evidence.services.handing_over",
    "harmonize_evidence.services.receiving",
    "harmonize_evidence.services.same_file",
    "harmonize_evidence.services.school",
    "harmonize_evidence.services.store",
    "harmonize_evidence.services.verification",
    "harmonize_evidence.export.report",
    "harmonize_evidence.export.pades",
    "harmonize_evidence.export.verifier",
    "keyring",
    # What the program imports only when a command needs it (signing and checking a PDF, reading
    # its text, shaping text, the X display): each fork would import it again, and pyHanko alone
    # took about 0.5 s of each export or verify-bundle that way.
    "pyhanko.keys",
    "pyhanko.pdf_utils.incremental_writer",
    "pyhanko.pdf_utils.reader",
    "pyhanko.sign",
    "pyhanko.sign.timestamps",
    "pyhanko.sign.validation",
    "pyhanko_certvalidator",
    "pypdf",
    "reportlab.pdfbase.ttfonts",
    "reportlab.pdfgen.canvas",
    "reportlab.platypus",
    "uharfbuzz",
    "Xlib.display",
    "filetype",
    "platformdirs",
)

_MAX_MESSAGE = 1 << 20


def _send(connection: socket.socket, message: object, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(connection, [len(data).to_bytes(4, "big")], fds)
    else:
        connection.sendall(len(data).to_bytes(4, "big"))
    connection.sendall(data)


def _receive(connection: socket.socket, fd_count: int = 0) -> tuple[Any, list[int]]:
    if fd_count:
        head, fds, _, _ = socket.recv_fds(connection, 4, fd_count)
    else:
        head, fds = connection.recv(4, socket.MSG_WAITALL), []
    if len(head) != 4:
        raise EOFError("the other end closed the connection")
    size = int.from_bytes(head, "big")
    if size > _MAX_MESSAGE:
        raise ValueError("message too large")
    data = b""
    while len(data) < size:
        piece = connection.recv(size - len(data))
        if not piece:
            raise EOFError("the other end closed the connection")
        data += piece
    return json.loads(data), list(fds)


def _run_command(request: dict[str, Any], fds: list[int]) -> None:
    """In the fork: become the command's process, run it and exit as the interpreter would."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.chdir(str(request["cwd"]))
    sys.path[0] = os.getcwd()  # as ``python -m`` has it, not this script's folder
    env: dict[str, str] = request["env"]
    os.environ.clear()
    os.environ.update(
        {os.fsdecode(k.encode("latin-1")): os.fsdecode(v.encode("latin-1")) for k, v in env.items()}
    )
    time.tzset()
    argv = [os.fsdecode(a.encode("latin-1")) for a in request["argv"]]
    sys.argv = ["harmonize-evidence", *argv]
    from harmonize_evidence.cli import main

    try:
        status: object = main(argv)
    except SystemExit as exc:
        status = exc.code
    _end(status)


def _end(status: object) -> NoReturn:
    """End the fork as ``sys.exit(status)`` ends an interpreter, up to the point where it would
    take down the modules: non-daemon threads joined, atexit handlers run (the log's last lines),
    the standard streams flushed (120 when that fails, as Python has it), then the exit itself.

    What is left out is the interpreter's teardown of every module and object, which in a fork
    of this large process touched (and so copied) most of its memory: 60 ms of each command's
    90-110 ms here. Fresh processes (the journeys, ``warm=False``) still end in full.
    """
    import atexit

    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status
    else:
        print(status, file=sys.stderr)
        code = 1
    threading._shutdown()  # type: ignore[attr-defined]  # what the interpreter's end calls
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    os._exit(code & 0xFF)


def serve(path: str) -> None:
    """Import the program, then fork one process per command asked for on ``path``."""
    import gc
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    # What was imported stays as it is in every fork: out of the collector's sight, a fork's
    # collections and its ending do not touch (and so copy) those pages. A fork of an unfrozen
    # process spent 0.1 s more on each command, most of it ending.
    gc.freeze()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(1.0)
    parent = os.getppid()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        try:
            connection, _ = server.accept()
        except TimeoutError:
            if os.getppid() != parent:
                return  # the test process is gone (killed): so is its warm process
            continue
        connection.settimeout(None)
        try:
            request, fds = _receive(connection, 3)
        except (EOFError, ValueError, OSError):
            connection.close()
            continue
        assert isinstance(request, dict)
        if request.get("stop"):
            return
        pid = os.fork()
        if pid == 0:
            server.close()
            connection.close()
            _run_command(request, fds)  # exits
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):  # the test process went away: the fork still ends
            _send(connection, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            _send(connection, {"code": code})
        connection.close()


# -- the test process's side -------------------------------------------------------------------

# Variables that the interpreter reads as it starts (or that change what a library loads): a
# command run with values other than the warm process's must start fresh to be tested as it runs.
_STARTUP_PREFIXES = ("PYTHON", "LD_", "LC_", "LANG", "MALLOC", "QT_")
_RUNTIME_ONLY = frozenset({"PYTHON_KEYRING_BACKEND"})


def _startup_variables(env: dict[str, str]) -> dict[str, str]:
    return {
        key: value
        for key, value in env.items()
        if key.startswith(_STARTUP_PREFIXES) and key not in _RUNTIME_ONLY
    }


class WarmStarter:
    """The test process's warm process, started at its first command."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: str | None = None
        self._serving = threading.Lock()  # it serves one command at a time

    def starts_the_same(self, env: dict[str, str]) -> bool:
        """Whether a command with ``env`` starts as the warm process started."""
        return _startup_variables(env) == _startup_variables(self._env)

    @property
    def _socket(self) -> str:
        assert self._folder is not None
        return os.path.join(self._folder, "socket")

    def _start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        # A short folder: a Unix socket's path may not be longer than about 100 bytes, and
        # TMPDIR is long on some systems.
        self._folder = tempfile.mkdtemp(
            prefix="warm-cli-", dir="/tmp" if os.path.isdir("/tmp") else None
        )
        self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), self._socket],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=self._env,
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline() != b"ready\n":
            raise RuntimeError("the warm command-line process did not start")

    def run(self, argv: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
        """Run one command in a fork: (exit code, standard output, standard error), as text.

        Raises:
            subprocess.TimeoutExpired: it did not end within ``timeout`` (it is killed).
        """
        with self._serving:
            return self._run(argv, env, timeout)

    def _run(self, argv: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
        self._start()
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        null = os.open(os.devnull, os.O_RDONLY)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self._socket)
            request = {
                "argv": [os.fsencode(a).decode("latin-1") for a in argv],
                "env": {
                    os.fsencode(k).decode("latin-1"): os.fsencode(v).decode("latin-1")
                    for k, v in env.items()
                },
                "cwd": os.getcwd(),
            }
            try:
                _send(connection, request, [null, out_write, err_write])
            finally:
                for fd in (null, out_write, err_write):
                    os.close(fd)
            reply, _ = _receive(connection)
            assert isinstance(reply, dict)
            pid = int(reply["pid"])
            out, err = _drain(out_read, err_read, pid=pid, argv=argv, timeout=timeout)
            reply, _ = _receive(connection)
            assert isinstance(reply, dict)
            return int(reply["code"]), _text(out), _text(err)
        finally:
            connection.close()

    def stop(self) -> None:
        """End the warm process (at the end of the test process)."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait()
        self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


def _drain(
    out_fd: int, err_fd: int, *, pid: int, argv: list[str], timeout: float
) -> tuple[bytes, bytes]:
    """Both pipes read to their ends, as ``subprocess.run`` reads them."""
    deadline = time.monotonic() + timeout
    pieces: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    with selectors.DefaultSelector() as selector:
        for fd in pieces:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                for fd in pieces:
                    os.close(fd)
                raise subprocess.TimeoutExpired(argv, timeout)
            for key, _ in selector.select(left):
                data = os.read(key.fd, 65536)
                if data:
                    pieces[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
    for fd in pieces:
        os.close(fd)
    return b"".join(pieces[out_fd]), b"".join(pieces[err_fd])


def _text(data: bytes) -> str:
    """Bytes as ``subprocess.run(..., text=True)`` gives them (universal newlines)."""
    encoding = locale.getpreferredencoding(False)
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


if __name__ == "__main__":
    serve(sys.argv[1])
