"""The command line's arguments: the parser of every command, and the check that they are text.

Each command's parser names the function that runs it (``run``), in
:mod:`~harmonize_evidence.cli.store_commands`, :mod:`~harmonize_evidence.cli.evidence_commands` or
:mod:`~harmonize_evidence.cli.export_commands`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from harmonize_evidence import __version__
from harmonize_evidence.cli import (
    casework_commands,
    evidence_commands,
    export_commands,
    handover_commands,
    store_commands,
)
from harmonize_evidence.cli.output import flush_or_discard
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.text import NOT_TEXT, has_undecodable_bytes, printable


class UsageError(BadInput):
    """argparse found a problem with the command line (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message[0].upper()}{message[1:]}; see '{self.prog} --help'.")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        flush_or_discard(sys.stdout)  # --help or --version into a closed pipe is no error
        super().exit(status, message)


TOP_LEVEL_EPILOG = """\
the store:
  --store DIR, else $HARMONIZE_EVIDENCE_HOME, else this user's data folder
  (Linux: ~/.local/share/Harmonize Evidence). The passphrase comes from
  $HARMONIZE_EVIDENCE_PASSPHRASE, else a no-echo prompt at a terminal.

exit codes:
  0 done; 1 verification found a problem; 2 bad usage or input (an output folder
  that cannot be written, too); 3 cannot unlock; 4 store missing or damaged;
  5 environment (no display, a full disk, a store that takes no writes);
  70 unexpected error (the message names the log file); 130 interrupted;
  143 terminated; 129 hung up.
"""


POSTED_AT_HELP = (
    "the time shown on the post itself, as the post shows it, day first: 20/11/2026 21:40, "
    "20/11/26 9.40pm, 21:40 (today), yesterday 21:40, Mon 21:40, 2 hours ago, 3h, 3d, "
    "ISO 8601; kept as typed, with the time it is understood as"
)


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    from harmonize_evidence.domain.incident_changes import STAFF_STATUSES
    from harmonize_evidence.domain.model import Category, ExhibitKind, Role

    common = _Parser(add_help=False)
    common.add_argument("--store", metavar="DIR", default=argparse.SUPPRESS, help="store folder")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    parser = _Parser(
        prog="harmonize-evidence",
        description="Capture, keep and hand over evidence of online abuse, encrypted and signed. "
        "With no command, the desktop program opens.",
        epilog=TOP_LEVEL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, parents=[common])

    p = command("init", "create the evidence store and signing identity")
    p.add_argument("--name", required=True, help="your name as it goes on every exhibit")
    p.add_argument(
        "--initials", required=True, help="1 to 4 letters A-Z, for exhibit references (ZL/1)"
    )
    p.add_argument("--school", required=True, help="your school's name")
    p.add_argument(
        "--job-title",
        metavar="TEXT",
        help="your job title (Head of Year 9), which the report's statement gives after your name",
    )
    p.add_argument(
        "--role",
        choices=[r.value for r in Role],
        default=Role.STAFF.value,
        help="staff (the default), or lead for the safeguarding lead's store",
    )
    p.add_argument("--keychain", action="store_true", help="also keep the key in the OS keychain")
    p.set_defaults(run=store_commands.init)

    incident = command("incident", "open, list and show incidents")
    incident_commands = incident.add_subparsers(
        dest="incident_command", metavar="new|list|show|edit", parser_class=_Parser, required=True
    )
    p = incident_commands.add_parser("new", help="open an incident", parents=[common])
    p.add_argument("--title", required=True, help="a short title for the incident")
    p.add_argument(
        "--category",
        choices=[c.value for c in Category],
        default=Category.STAFF_CYBERBULLYING.value,
        help="what kind of incident (default: cyberbullying-of-staff)",
    )
    p.add_argument("--platform", action="append", help="repeat or separate with commas")
    p.add_argument("--people", help="the people involved (free text; one a line is fine)")
    p.add_argument("--reported-by", help="who reported it (default: you)")
    p.set_defaults(run=evidence_commands.incident_new)
    p = incident_commands.add_parser("list", help="all incidents, newest first", parents=[common])
    p.set_defaults(run=evidence_commands.incident_list)
    p = incident_commands.add_parser("show", help="one incident with its items", parents=[common])
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.set_defaults(run=evidence_commands.incident_show)
    p = incident_commands.add_parser(
        "edit",
        help="(staff) change the category or status of your own open incident, with a reason",
        description="Change the category, the status or both of an incident of your own that "
        "is not closed or handed over. Each change is a custody entry holding the old value, "
        "the new one and the reason. On the safeguarding lead's store use 'action triage' and "
        "'action status' instead.",
        parents=[common],
    )
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument(
        "--category",
        choices=[c.value for c in Category],
        help="its new category",
    )
    p.add_argument(
        "--status",
        choices=[s.value for s in STAFF_STATUSES],
        help="its new status (closed is final: a closed incident cannot be changed again)",
    )
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why (required); kept on the custody log with the old and the new value",
    )
    p.set_defaults(run=evidence_commands.incident_edit)

    p = command("add", "import a file as an evidence item")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument("file", help="the file to keep, its bytes unchanged")
    p.add_argument("--url", help="the web address it came from")
    p.add_argument("--note", help="anything to record about it")
    p.add_argument(
        "--came-from",
        metavar="TEXT",
        help="how the file reached this computer (screenshot on my phone, emailed to my school "
        "address); the report's statement gives it",
    )
    p.add_argument(
        "--kind", choices=[k.value for k in ExhibitKind], help="what it is (default: guessed)"
    )
    p.add_argument("--posted-at", metavar="TIME", help=POSTED_AT_HELP)
    p.add_argument(
        "--no-image-reason",
        metavar="TEXT",
        help="do not read the file: record --note as a description only and flag the incident",
    )
    p.set_defaults(run=evidence_commands.add)

    p = command("capture", "grab the screen into an incident")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    area = p.add_mutually_exclusive_group()
    area.add_argument("--full", action="store_true", help="every monitor (the default)")
    area.add_argument("--monitor", type=int, metavar="N", help="one monitor, numbered from 1")
    area.add_argument("--region", metavar="X,Y,W,H", help="a rectangle of the virtual screen")
    p.add_argument("--url", help="the web address on screen")
    p.add_argument("--note", help="what it shows and anything else to record")
    p.add_argument("--posted-at", metavar="TIME", help=POSTED_AT_HELP)
    p.add_argument(
        "--no-image-reason",
        metavar="TEXT",
        help="grab nothing: record --note as a description only and flag the incident",
    )
    p.set_defaults(run=evidence_commands.capture)

    p = command("record", "record content that must not be copied, as a description only")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument("--url", required=True, help="where the content is")
    p.add_argument("--description", required=True, help="what it shows, in words")
    p.add_argument("--posted-at", metavar="TIME", help=POSTED_AT_HELP)
    p.add_argument("--no-image-reason", metavar="TEXT", help="why there is no image")
    p.set_defaults(run=evidence_commands.record)

    p = command("note", "add a written account or contemporaneous note")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument("text", help="the account; it can never be edited afterwards")
    p.set_defaults(run=evidence_commands.note)

    p = command("extract", "write a copy of an item's original bytes (logged)")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument("exhibit", help="the exhibit, e.g. ZL/3")
    p.add_argument(
        "--out", required=True, metavar="PATH", help="a new file's name, or a folder to put it in"
    )
    p.set_defaults(run=evidence_commands.extract)

    p = command("log", "print the custody chain")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.set_defaults(run=evidence_commands.log)

    p = command("verify", "re-check hashes, links, signatures and item bytes")
    p.add_argument("id", nargs="?", help="one incident (default: the whole store)")
    p.set_defaults(run=export_commands.verify)

    p = command("export", "write the signed bundle (.zip) of an incident")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
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
    p.add_argument(
        "--for",
        dest="recipient",
        choices=["police", "senior-manager", "other"],
        help="who the bundle is for: recorded in the export's custody entry and printed on the "
        "report's cover and in VERIFY.txt",
    )
    p.add_argument(
        "--for-whom",
        metavar="TEXT",
        default="",
        help="who exactly, in your words (an officer and force, a role); needed with --for other",
    )
    p.set_defaults(run=export_commands.export)

    p = command("key-sheet", "write the one-page 'our evidence key' sheet (PDF), safe to share")
    p.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="the sheet's name ending in .pdf, or a folder to put it in",
    )
    p.set_defaults(run=export_commands.key_sheet)

    json_only = _Parser(add_help=False)  # verify-bundle needs no store, so offers no --store
    json_only.add_argument(
        "--store", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )  # still taken (and ignored) where a script passes it, as every command once did
    json_only.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    p = commands.add_parser(
        "verify-bundle", help="check a bundle on its own; no store needed", parents=[json_only]
    )
    p.add_argument("path", metavar="PATH", help="the bundle (.zip) you were sent")
    p.add_argument(
        "--expect-fingerprint",
        metavar="FP",
        help="the school's Evidence CA fingerprint, as they gave it to you: in full, or the "
        "short form read aloud (colons, dashes, spaces and case do not matter); a bundle "
        "signed by another CA fails",
    )
    p.set_defaults(run=export_commands.verify_bundle)

    p = command("purge", "remove an item's bytes for retention, keeping its hash on the chain")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument("exhibit", help="the exhibit, e.g. ZL/3")
    p.add_argument("--reason", required=True, help="why (recorded on the chain)")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(run=evidence_commands.purge)

    p = command("school-card", "(lead) write the school card that staff join")
    p.add_argument("--out", required=True, metavar="PATH", help="a file name, or a folder")
    p.add_argument("--contact", metavar="TEXT", help="how staff reach you (phone, email)")
    p.set_defaults(run=handover_commands.school_card)

    p = command("join", "(staff) install your school's card once its fingerprint is confirmed")
    p.add_argument("card", metavar="CARD", help="the school card file from your lead")
    p.add_argument(
        "--fingerprint",
        metavar="FP",
        help="the fingerprint your lead told you by a second channel (in full or short)",
    )
    p.add_argument(
        "--how",
        metavar="TEXT",
        default="fingerprint given to join, confirmed by a second channel",
        help="how the fingerprint was confirmed (in person, by phone)",
    )
    p.set_defaults(run=handover_commands.join)

    p = command("handover", "(staff) write the encrypted handover package for the lead")
    p.add_argument("id", help="the incident, e.g. INC-2026-0007")
    p.add_argument("--out", required=True, metavar="PATH", help="a file name, or a folder")
    p.set_defaults(run=handover_commands.handover)

    p = command("receive", "take a handover package (lead) or the lead's receipt (staff)")
    p.add_argument("file", metavar="FILE", help="a handover package (lead) or a receipt (staff)")
    p.add_argument(
        "--accept-staff",
        metavar="FP",
        help="the fingerprint of a member of staff, confirmed with them by a second channel",
    )
    p.set_defaults(run=handover_commands.receive)

    p = command("receipt", "(lead) write a signed receipt for a case's latest handover")
    p.add_argument("case", metavar="CASE", help="the lead's case, e.g. INC-2026-0003")
    p.add_argument("--out", required=True, metavar="PATH", help="a file name, or a folder")
    p.set_defaults(run=handover_commands.receipt)

    p = commands.add_parser(
        "action",
        help="(lead) record a step of the school's process on a case",
        parents=[common],
        usage=casework_commands.ACTION_USAGE,
        epilog=casework_commands.steps_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("words", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(run=casework_commands.action)

    p = command("due", "(lead) every open case's next step and when it is due")
    p.add_argument("--overdue", action="store_true", help="only the cases past their deadline")
    p.set_defaults(run=casework_commands.due)

    p = command("settings", "(lead) show or change the takedown and removal-check periods")
    p.add_argument("--takedown-hours", type=int, metavar="N", help="1 to 168")
    p.add_argument("--removal-check-hours", type=int, metavar="N", help="1 to 168")
    p.set_defaults(run=casework_commands.settings)

    p = command("recover", "set a new passphrase with the recovery key")
    p.add_argument(
        "--recovery-key",
        metavar="KEY",
        help="the recovery key (left out: asked for without echo, or read from standard input, "
        "so that it is not kept in the shell's history)",
    )
    p.set_defaults(run=store_commands.recover)
    return parser


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
