"""Command line: a thin layer over the services (see CLI.md for the contract).

Exit codes: 0 done, 1 verification found a problem, 2 bad usage or input, 3 cannot unlock,
4 store missing or damaged, 5 environment problem, 70 internal error (details in the log file),
130 interrupted (Ctrl+C), 143 terminated (SIGTERM), 129 hung up (SIGHUP): 128 plus the signal's
number, as a shell reports a program that a signal ended. An interrupted or terminated command
first removes what it had only half written (an export's temporary bundle).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from harmonize_evidence import __version__
from harmonize_evidence.domain.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_SIGNALLED,
    BadInput,
    HarmonizeError,
    StoreLocked,
)
from harmonize_evidence.domain.text import NOT_TEXT, has_undecodable_bytes, printable

if TYPE_CHECKING:
    from harmonize_evidence.domain.chain import CustodyEntry
    from harmonize_evidence.domain.model import Exhibit, Incident
    from harmonize_evidence.services.evidence import EvidenceStore
    from harmonize_evidence.services.store import StoreLocation

PASSPHRASE_VARIABLE = "HARMONIZE_EVIDENCE_PASSPHRASE"  # noqa: S105 - a variable name
NEW_PASSPHRASE_VARIABLE = "HARMONIZE_EVIDENCE_NEW_PASSPHRASE"  # noqa: S105

log = logging.getLogger("harmonize_evidence")


class UsageError(BadInput):
    """argparse found a problem with the command line (exit 2)."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP reached a running command; it unwinds the command as Ctrl+C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.exit_code = EXIT_SIGNALLED + signum


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

    def unwind(signum: int, _frame: object) -> None:
        if caught:
            return  # the first one is already unwinding the command: let it finish cleaning
        caught.append(signum)
        raise Terminated(signum)

    previous: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            previous[number] = signal.signal(number, unwind)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message[0].upper()}{message[1:]}; see '{self.prog} --help'.")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        _flush_or_discard(sys.stdout)  # --help or --version into a closed pipe is no error
        super().exit(status, message)


# -- output -------------------------------------------------------------------------------------


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


def _flush_or_discard(stream: TextIO | None) -> None:
    """Flush ``stream``; if its reader has gone, send the rest to os.devnull instead."""
    if stream is None:
        return
    try:
        stream.flush()
    except (OSError, ValueError):
        _discard_output(stream)


def _open_closed_standard_streams() -> None:
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


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse any argument that is not text (it holds bytes that are not UTF-8), naming it.

    A file that is only read may sit in folders of any name, as only the file is opened; ``add``
    records the file's own name with the evidence, so that name must be text.
    """
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or not has_undecodable_bytes(item):
                continue
            if args.command == "verify-bundle" and dest == "path":
                continue
            if args.command == "add" and dest == "file":
                name = Path(item).name
                if not has_undecodable_bytes(name):
                    continue
                raise BadInput(
                    f"The file name {printable(name)} {NOT_TEXT}, and the name is recorded with "
                    "the evidence; copy the file to a name in plain text and add the copy (its "
                    "bytes and SHA-256 stay the same)."
                )
            if dest == "store":
                raise BadInput(
                    f"The store folder given with --store {NOT_TEXT}; choose a folder whose "
                    "name is plain text."
                )
            raise BadInput(
                f"The value given for {_argument_names(parser).get(dest, dest)} {NOT_TEXT}; "
                "type it again as plain text."
            )


def _argument_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """How each argument is written on the command line (``--title``, ``ID``), by its dest."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                for dest, name in _argument_names(subparser).items():
                    names.setdefault(dest, name)
        elif action.option_strings:
            names.setdefault(action.dest, action.option_strings[-1])
        else:
            metavar = action.metavar if isinstance(action.metavar, str) else None
            names.setdefault(action.dest, (metavar or action.dest).upper())
    return names


# -- passphrases --------------------------------------------------------------------------------


def _prompt(prompt: str) -> str | None:
    """What was typed at a no-echo prompt; None without a terminal. Refuses what is not text."""
    if not sys.stdin.isatty():
        return None
    import getpass

    try:
        typed = getpass.getpass(prompt)
    except UnicodeDecodeError as exc:
        typed = None
        cause: Exception | None = exc
    else:
        cause = None
    if typed is None or has_undecodable_bytes(typed):
        raise BadInput(
            f"The passphrase as typed {NOT_TEXT}; set the terminal to UTF-8 and type it again."
        ) from cause
    return typed


def _passphrase_variable(variable: str) -> str | None:
    """The passphrase in the environment variable ``variable``; refuses one that is not text."""
    value = os.environ.get(variable)
    if value and has_undecodable_bytes(value):
        raise BadInput(f"The passphrase in {variable} {NOT_TEXT}; set it again as plain text.")
    return value or None


def passphrase_from_environment_or_prompt() -> str | None:
    """The passphrase to unlock with: the environment variable, else a no-echo prompt."""
    try:
        return _passphrase_variable(PASSPHRASE_VARIABLE) or _prompt("Passphrase: ")
    except BadInput as exc:  # it cannot be the passphrase: every store's passphrase is text
        raise StoreLocked(exc.message) from exc


def new_passphrase(variables: Sequence[str]) -> str:
    """A new passphrase from the first set variable, else asked twice at a terminal."""
    for variable in variables:
        value = _passphrase_variable(variable)
        if value:
            return value
    first = _prompt("Choose a passphrase (at least 8 characters): ")
    if first is None:
        raise BadInput(
            f"No passphrase was given; set {PASSPHRASE_VARIABLE} or run the command in a terminal."
        )
    if _prompt("Type the passphrase again: ") != first:
        raise BadInput("The two passphrases were different; nothing was changed.")
    return first


# -- commands -----------------------------------------------------------------------------------


def _incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "category": incident.category.value,
        "platforms": list(incident.platforms),
        "people": incident.people,
        "reported_by": incident.reported_by,
        "status": incident.status.value,
        "urgent": incident.urgent,
        "created_utc": incident.created_utc.isoformat().replace("+00:00", "Z"),
        "items": incident.item_count,
    }


def _exhibit_json(exhibit: Exhibit) -> dict[str, Any]:
    return {
        "exhibit": exhibit.ref,
        "kind": exhibit.kind.value,
        "media_type": exhibit.media_type,
        "size": exhibit.size,
        "sha256": exhibit.sha256,
        "created_utc": exhibit.created_utc.isoformat().replace("+00:00", "Z"),
        "purged": exhibit.purged,
        "metadata": exhibit.metadata,
    }


def _entry_json(entry: CustodyEntry) -> dict[str, Any]:
    import base64

    return {
        "seq": entry.seq,
        "utc": entry.utc,
        "actor": entry.actor,
        "action": entry.action,
        "details": dict(entry.details),
        "evidence_sha256": entry.evidence_sha256,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "signature": base64.b64encode(entry.signature).decode("ascii"),
    }


class Commands:
    """Runs one parsed command."""

    def __init__(self, args: argparse.Namespace, out: Output) -> None:
        self.args = args
        self.out = out

    @property
    def location(self) -> StoreLocation:
        from harmonize_evidence.services.store import StoreLocation

        location = StoreLocation.resolve(self.args.store)
        if has_undecodable_bytes(str(location.directory)):  # from the environment
            raise BadInput(
                f"The store folder {printable(str(location.directory))} {NOT_TEXT}; choose a "
                "folder whose name is plain text with --store."
            )
        return location

    def _clock(self) -> Any:
        from harmonize_evidence.services.clock import SystemClock

        return SystemClock()

    def _open(self) -> EvidenceStore:
        from harmonize_evidence.services.store import open_store

        return open_store(self.location, passphrase_from_environment_or_prompt, self._clock())

    def init(self) -> int:
        from harmonize_evidence.domain.model import Producer, Role
        from harmonize_evidence.services.store import create_store

        location = self.location
        if self.out.stdout is None:
            raise BadInput(
                "The recovery key could not be shown: this command's output is closed. Run init "
                "again with its output on the screen or in a file; nothing was created."
            )
        if location.exists():
            from harmonize_evidence.domain.errors import StoreExists

            raise StoreExists(
                f"An evidence store already exists in {location.directory}; "
                "choose another folder with --store."
            )
        producer = Producer(
            self.args.name, self.args.initials, self.args.school, Role(self.args.role)
        )
        passphrase = new_passphrase([PASSPHRASE_VARIABLE])
        store, recovery_key = create_store(
            location, producer, passphrase, self._clock(), keychain_cache=self.args.keychain
        )
        with store:
            fingerprint = store.fingerprint
            role = store.producer.role.value
        self.out.result(
            {
                "store": str(location.directory),
                "role": role,
                "fingerprint": fingerprint,
                "recovery_key": recovery_key,
            },
            f"Evidence store created in {location.directory}.\n"
            f"Evidence CA fingerprint (SHA-256): {fingerprint}\n\n"
            f"RECOVERY KEY:  {recovery_key}\n\n"
            "Print this recovery key now and give it to the school office to keep safe. It is\n"
            "shown only this once, and it is the only way into the evidence if the passphrase\n"
            "is forgotten.",
            if_unprinted=(
                "The recovery key was not shown, and it is shown only once: the new store holds "
                f"no evidence yet, so remove the folder {location.directory} and run init again "
                "with its output on the screen."
            ),
        )
        return 0

    def incident_new(self) -> int:
        from harmonize_evidence.domain.model import Category

        platforms = [p for value in self.args.platform or [] for p in value.split(",")]
        with self._open() as store:
            incident = store.new_incident(
                self.args.title,
                category=Category(self.args.category),
                platforms=platforms,
                people=self.args.people or "",
                reported_by=self.args.reported_by,
            )
        self.out.result({"id": incident.id, "incident": _incident_json(incident)}, incident.id)
        return 0

    def incident_list(self) -> int:
        with self._open() as store:
            incidents = store.incidents()
        lines = [f"{'ID':<14} {'STATUS':<18} {'ITEMS':>5}  {'CREATED (UTC)':<20} TITLE"]
        for incident in incidents:
            created = incident.created_utc.strftime("%Y-%m-%d %H:%M")
            flag = " [URGENT]" if incident.urgent else ""
            lines.append(
                f"{incident.id:<14} {incident.status.value:<18} {incident.item_count:>5}  "
                f"{created:<20} {incident.title}{flag}"
            )
        if not incidents:
            lines = ["No incidents yet."]
        self.out.result({"incidents": [_incident_json(i) for i in incidents]}, "\n".join(lines))
        return 0

    def incident_show(self) -> int:
        with self._open() as store:
            incident = store.incident(self.args.id)
            items = store.exhibits(incident.id)
            head = store.chain_head(incident.id)
        lines = [
            f"{incident.id}: {incident.title}",
            f"  category:    {incident.category.value}",
            f"  status:      {incident.status.value}{'  URGENT' if incident.urgent else ''}",
            f"  platforms:   {', '.join(incident.platforms) or '-'}",
            f"  people:      {incident.people or '-'}",
            f"  reported by: {incident.reported_by}",
            f"  created:     {incident.created_utc.isoformat()}",
            f"  chain head:  entry {head[0]}, {head[1]}",
            "",
            f"Exhibits ({len(items)}):" if items else "No exhibits yet.",
        ]
        for item in items:
            url = item.metadata.get("url") or item.metadata.get("source_file_name") or ""
            lines.append(
                f"  {item.ref:<8} {item.kind.value:<15} {item.media_type:<24} "
                f"{item.size:>10,} B  {url}"
            )
            lines.append(
                f"           sha256 {item.sha256 or '(no file)'}{' PURGED' if item.purged else ''}"
            )
        document = {
            "incident": {
                **_incident_json(incident),
                "chain_head": {"seq": head[0], "hash": head[1]},
            },
            "items": [_exhibit_json(i) for i in items],
        }
        self.out.result(document, "\n".join(lines))
        return 0

    def add(self) -> int:
        from harmonize_evidence.domain.model import ExhibitKind

        kind = ExhibitKind(self.args.kind) if self.args.kind else None
        path = Path(self.args.file)
        if self.args.no_image_reason is not None:
            return self._record_only(source_file_name=path.name)
        with self._open() as store:
            exhibit = store.add_file(
                self.args.id,
                path,
                url=self.args.url,
                note=self.args.note or "",
                kind=kind,
                posted_at=self.args.posted_at,
            )
        self.out.result(
            {"exhibit": exhibit.ref, "sha256": exhibit.sha256, "incident": exhibit.incident_id},
            f"Stored {path.name} as exhibit {exhibit.ref} in {exhibit.incident_id}.\n"
            f"SHA-256 {exhibit.sha256}",
        )
        return 0

    def capture(self) -> int:
        from harmonize_evidence.services.capturing import (
            CaptureTarget,
            grab_then_store,
            parse_region,
        )

        if self.args.no_image_reason is not None:
            return self._record_only()
        if self.args.monitor is not None:
            target = CaptureTarget.of_monitor(self.args.monitor)
        elif self.args.region is not None:
            target = CaptureTarget.of_region(parse_region(self.args.region))
        else:
            target = CaptureTarget.full()
        captured = grab_then_store(
            self._open,
            self._clock(),
            self.args.id,
            target,
            url=self.args.url,
            note=self.args.note or "",
            posted_at=self.args.posted_at,
        )
        exhibit = captured.exhibit
        details = captured.details
        self.out.result(
            {
                "exhibit": exhibit.ref,
                "sha256": exhibit.sha256,
                "width": captured.width,
                "height": captured.height,
                "incident": exhibit.incident_id,
                "area": details.area.value,
                "geometry": details.geometry.as_dict(),
                "monitor": details.monitor.number if details.monitor else None,
                "window_title": details.window_title.title,
                "size": exhibit.size,
            },
            f"Captured {captured.width}x{captured.height} pixels ({details.area.value}) as "
            f"exhibit {exhibit.ref} in {exhibit.incident_id}.\nSHA-256 {exhibit.sha256}",
        )
        return 0

    def record(self) -> int:
        return self._record_only(description=self.args.description)

    def _record_only(
        self, description: str | None = None, source_file_name: str | None = None
    ) -> int:
        """The record-only path of ``record``, ``capture --no-image-reason`` and ``add``."""
        from harmonize_evidence.services.capturing import record_without_image

        text = description if description is not None else self.args.note
        if not text or not text.strip():
            raise BadInput(
                "Describe what you saw with --note; no image is kept, so the description is "
                "the evidence."
            )
        with self._open() as store:
            exhibit = record_without_image(
                store,
                self.args.id,
                description=text,
                url=self.args.url,
                posted_at=self.args.posted_at,
                reason=self.args.no_image_reason,
                source_file_name=source_file_name,
            )
        not_read = (
            f"\nThe file {source_file_name} was not read or stored. Do not open, copy or share "
            "it; the safeguarding lead decides what happens to it."
            if source_file_name
            else ""
        )
        self.out.result(
            {"exhibit": exhibit.ref, "incident": exhibit.incident_id, "urgent": True},
            f"Recorded exhibit {exhibit.ref} in {exhibit.incident_id} as a description only, "
            "with no image.\nThe incident is flagged urgent-safeguarding: tell the safeguarding "
            f"lead now.{not_read}",
        )
        return 0

    def note(self) -> int:
        with self._open() as store:
            entry = store.add_note(self.args.id, self.args.text)
        self.out.result(
            {"entry": entry.seq, "hash": entry.hash, "utc": entry.utc},
            f"Note recorded as custody entry {entry.seq} of {entry.incident_id}.",
        )
        return 0

    def extract(self) -> int:
        with self._open() as store:
            path, sha256 = store.extract(self.args.id, self.args.exhibit, Path(self.args.out))
        self.out.result(
            {"path": str(path), "sha256": sha256},
            f"Wrote a copy to {path}\nSHA-256 {sha256} (matches the record)",
        )
        return 0

    def log(self) -> int:
        with self._open() as store:
            entries = store.log(self.args.id)
        lines = []
        for entry in entries:
            subject = entry.details.get("exhibit") or ""
            lines.append(
                f"{entry.seq:>4}  {entry.utc}  {entry.action:<20} {subject:<8} {entry.actor}  "
                f"{entry.short_hash}"
            )
        self.out.result({"entries": [_entry_json(e) for e in entries]}, "\n".join(lines))
        return 0

    def verify(self) -> int:
        with self._open() as store:
            report = store.verify(self.args.id, progress=self.out.progress("Verifying"))
        problems = [str(p) for p in report.problems]
        if report.ok:
            text = (
                f"Verified {len(report.incidents)} incident(s): {report.entries_checked} custody "
                f"entries and {report.exhibits_checked} exhibits; everything is intact."
            )
        else:
            text = "\n".join(
                [f"Verification found {len(problems)} problem(s):", *(f"  - {p}" for p in problems)]
            )
        self.out.result(
            {
                "ok": report.ok,
                "problems": problems,
                "incidents": list(report.incidents),
                "entries_checked": report.entries_checked,
                "exhibits_checked": report.exhibits_checked,
            },
            text,
        )
        return 0 if report.ok else 1

    def export(self) -> int:
        from harmonize_evidence.services.exporting import (
            ExportOptions,
            export_bundle,
            export_result_text,
        )

        options = ExportOptions(timestamp_url=self.args.timestamp_url)
        with self._open() as store:
            result = export_bundle(
                store,
                self.args.id,
                self.args.out,  # as typed: a trailing separator makes it a folder
                options=options,
                progress=self.out.progress("Exporting"),
            )
        self.out.result(
            {
                "bundle": str(result.bundle),
                "sha256": result.sha256,
                "size": result.size,
                "exhibits": result.exhibits,
                "signature": result.signature_level,
                "entry": None if result.entry is None else result.entry.seq,
                "recorded": result.entry is not None,
            },
            export_result_text(result),
        )
        return 0

    def verify_bundle(self) -> int:
        from harmonize_evidence.services.exporting import bundle_check_text, verify_bundle

        check = verify_bundle(
            Path(self.args.path),
            progress=self.out.progress("Checking"),
            expect_fingerprint=self.args.expect_fingerprint,
        )
        head = check.chain_head
        self.out.result(
            {
                "ok": check.ok,
                "problems": [str(p) for p in check.problems],
                "signer_fingerprint": check.ca_fingerprint,  # the Evidence CA's, as in CLI.md
                "signer": check.signer,
                "incident": check.incident_id,
                "exhibits_checked": check.exhibits_checked,
                "entries_checked": check.entries_checked,
                "chain_head": None if head is None else {"seq": head[0], "hash": head[1]},
                "report_signature": check.report_signature,
                "timestamp": check.timestamp,
                "school": check.school,
                "ca_name": check.ca_name,
                "signer_school": check.signer_school,
                "signing_certificate_fingerprint": check.signing_certificate_fingerprint,
                "expected_fingerprint": check.expected_fingerprint,
                "fingerprint_matches": check.fingerprint_matches,
            },
            bundle_check_text(check),
        )
        return 0 if check.ok else 1

    def purge(self) -> int:
        if not self.args.yes:
            raise BadInput("Purging removes an exhibit's bytes for good; add --yes to confirm.")
        with self._open() as store:
            entry = store.purge(self.args.id, self.args.exhibit, self.args.reason)
        self.out.result(
            {"entry": entry.seq, "hash": entry.hash},
            f"Purged the bytes of {self.args.exhibit.upper()}; its hash stays on the chain "
            f"(entry {entry.seq}).",
        )
        return 0

    def recover(self) -> int:
        from harmonize_evidence.services.store import recover_store

        passphrase = new_passphrase([NEW_PASSPHRASE_VARIABLE, PASSPHRASE_VARIABLE])
        recover_store(self.location, self.args.recovery_key, passphrase)
        self.out.result(
            {"store": str(self.location.directory), "ok": True},
            "A new passphrase is set; use it from now on. The recovery key is unchanged.",
        )
        return 0


# -- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    from harmonize_evidence.domain.model import Category, ExhibitKind, Role

    common = _Parser(add_help=False)
    common.add_argument("--store", metavar="DIR", default=argparse.SUPPRESS, help="store folder")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    parser = _Parser(
        prog="harmonize-evidence",
        description="Capture, keep and hand over evidence of online abuse, encrypted and signed.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, parents=[common])

    p = command("init", "create the evidence store and signing identity")
    p.add_argument("--name", required=True)
    p.add_argument("--initials", required=True)
    p.add_argument("--school", required=True)
    p.add_argument("--role", choices=[r.value for r in Role], default=Role.STAFF.value)
    p.add_argument("--keychain", action="store_true", help="also keep the key in the OS keychain")
    p.set_defaults(run=Commands.init)

    incident = command("incident", "open, list and show incidents")
    incident_commands = incident.add_subparsers(
        dest="incident_command", metavar="new|list|show", parser_class=_Parser, required=True
    )
    p = incident_commands.add_parser("new", help="open an incident", parents=[common])
    p.add_argument("--title", required=True)
    p.add_argument(
        "--category",
        choices=[c.value for c in Category],
        default=Category.STAFF_CYBERBULLYING.value,
    )
    p.add_argument("--platform", action="append", help="repeat or separate with commas")
    p.add_argument("--people")
    p.add_argument("--reported-by")
    p.set_defaults(run=Commands.incident_new)
    p = incident_commands.add_parser("list", help="all incidents, newest first", parents=[common])
    p.set_defaults(run=Commands.incident_list)
    p = incident_commands.add_parser("show", help="one incident with its items", parents=[common])
    p.add_argument("id")
    p.set_defaults(run=Commands.incident_show)

    p = command("add", "import a file as an evidence item")
    p.add_argument("id")
    p.add_argument("file")
    p.add_argument("--url")
    p.add_argument("--note")
    p.add_argument("--kind", choices=[k.value for k in ExhibitKind])
    p.add_argument("--posted-at", metavar="ISO8601")
    p.add_argument(
        "--no-image-reason",
        metavar="TEXT",
        help="do not read the file: record --note as a description only and flag the incident",
    )
    p.set_defaults(run=Commands.add)

    p = command("capture", "grab the screen into an incident")
    p.add_argument("id")
    area = p.add_mutually_exclusive_group()
    area.add_argument("--full", action="store_true", help="every monitor (the default)")
    area.add_argument("--monitor", type=int, metavar="N", help="one monitor, numbered from 1")
    area.add_argument("--region", metavar="X,Y,W,H", help="a rectangle of the virtual screen")
    p.add_argument("--url")
    p.add_argument("--note")
    p.add_argument("--posted-at", metavar="ISO8601")
    p.add_argument(
        "--no-image-reason",
        metavar="TEXT",
        help="grab nothing: record --note as a description only and flag the incident",
    )
    p.set_defaults(run=Commands.capture)

    p = command("record", "record content that must not be copied, as a description only")
    p.add_argument("id")
    p.add_argument("--url", required=True)
    p.add_argument("--description", required=True)
    p.add_argument("--posted-at", metavar="ISO8601")
    p.add_argument("--no-image-reason", metavar="TEXT", help="why there is no image")
    p.set_defaults(run=Commands.record)

    p = command("note", "add a written account or contemporaneous note")
    p.add_argument("id")
    p.add_argument("text")
    p.set_defaults(run=Commands.note)

    p = command("extract", "write a copy of an item's original bytes (logged)")
    p.add_argument("id")
    p.add_argument("exhibit")
    p.add_argument("--out", required=True, metavar="PATH")
    p.set_defaults(run=Commands.extract)

    p = command("log", "print the custody chain")
    p.add_argument("id")
    p.set_defaults(run=Commands.log)

    p = command("verify", "re-check hashes, links, signatures and item bytes")
    p.add_argument("id", nargs="?")
    p.set_defaults(run=Commands.verify)

    p = command("export", "write the signed bundle (.zip) of an incident")
    p.add_argument("id")
    p.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="the bundle's name ending in .zip, or a folder (made if its parent exists)",
    )
    p.add_argument(
        "--timestamp-url",
        metavar="URL",
        help="an RFC 3161 timestamp authority, for a PAdES B-T signature",
    )
    p.set_defaults(run=Commands.export)

    p = command("verify-bundle", "check a bundle on its own; no store needed")
    p.add_argument("path", metavar="PATH")
    p.add_argument(
        "--expect-fingerprint",
        metavar="FP",
        help="the school's Evidence CA fingerprint, as they gave it to you (colons, spaces and "
        "case do not matter); a bundle signed by another CA fails",
    )
    p.set_defaults(run=Commands.verify_bundle)

    p = command("purge", "remove an item's bytes for retention, keeping its hash on the chain")
    p.add_argument("id")
    p.add_argument("exhibit")
    p.add_argument("--reason", required=True)
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(run=Commands.purge)

    p = command("recover", "set a new passphrase with the recovery key")
    p.add_argument("--recovery-key", required=True, metavar="KEY")
    p.set_defaults(run=Commands.recover)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    _open_closed_standard_streams()
    if hasattr(os, "umask"):
        os.umask(0o077)  # anything we write (store files, extracted copies) is private
    wants_json = "--json" in arguments
    out = Output(wants_json, sys.stdout, sys.stderr)
    try:
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
                return int(args.run(Commands(args, out)))
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
