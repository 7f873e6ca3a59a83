"""The command reference, ``docs/commands.md``, written from the command line's own parser.

Every command, argument and option comes from :func:`~harmonize_evidence.cli.parser.build_parser`
(and each case-work step's fields from the parser ``action`` uses for it), with the help text the
program shows; what this module adds by hand is what no parser knows: the JSON keys each
command prints, the exit codes and the environment. ``tests/test_command_reference.py`` fails
when the file and the parser differ, when an option has no help text, and when a command prints
a JSON key that is not described here. Write the file again with::

    python -m harmonize_evidence.cli.reference > docs/commands.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from harmonize_evidence.cli.parser import TOP_LEVEL_EPILOG, build_parser

PROGRAM = "harmonize-evidence"

COMMON = ("store", "json")
"""The options every command takes (``verify-bundle`` only ``--json``), described once."""

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "done"),
    (1, "verification found a problem (a hash, link or signature that does not check out)"),
    (2, "bad usage or bad input (the sentence says which argument and why), an output folder "
     "or file name that cannot be used"),
    (3, "cannot unlock: a wrong passphrase (three tries at a terminal), or none given"),
    (4, "the store is missing or damaged"),
    (5, "an environment problem: no display, no keychain where one was required, a full "
     "disk, a store whose folder takes no writes"),
    (70, "an unexpected error; the message names the log file, which holds the details"),
    (129, "hung up (SIGHUP)"),
    (130, "interrupted (Ctrl+C)"),
    (143, "terminated (SIGTERM)"),
)  # fmt: skip
"""Every exit code, with what it means (the top-level ``--help`` names them too)."""

_POSTED_AT = {
    "posted_at": "the time on the post as typed (tidied spaces), or null",
    "posted_at_understood": "the moment it was read as: ISO 8601 local time with its offset",
    "posted_at_approximate": "true when it was a relative time (2 hours ago, 3d)",
}
_RECORDED = {
    "urgent": "true: the incident is flagged urgent-safeguarding (a description only, no image)",
}
_INCIDENT = (
    "the incident: `id`, `title`, `category`, `platforms`, `people`, `reported_by`, "
    "`status`, `urgent`, `created_utc`, `items`"
)

JSON_KEYS: dict[str, dict[str, str]] = {
    "init": {
        "store": "the store folder",
        "role": "`staff` or `lead`",
        "fingerprint": "the SHA-256 fingerprint of this person's Evidence CA certificate",
        "recovery_key": "the recovery key, shown only this once",
    },
    "incident new": {"id": "the new incident's id", "incident": _INCIDENT},
    "incident list": {"incidents": "every incident, newest first, each as `incident new` shows it"},
    "incident show": {
        "incident": "the incident as `incident new` shows it, with `chain_head` (`seq`, "
        "`hash`), `staff_reference` and `handovers`",
        "items": "its exhibits: `exhibit`, `kind`, `media_type`, `size`, `sha256`, "
        "`created_utc`, `purged`, `metadata`",
    },
    "incident edit": {
        "incident": "the incident as it now stands, as `incident new` shows it",
        "entries": "the sequence numbers of the custody entries that record the change (the "
        "category's first, then the status's)",
    },
    "add": {
        "exhibit": "the exhibit reference (`ZL/3`)",
        "sha256": "the SHA-256 of the bytes kept",
        "incident": "the incident",
        "already_exhibit": "the incident's earlier exhibit with the same SHA-256 (`ZL/3`) when "
        "the file was already kept (it is added again, and standard error says so), else null",
        **_POSTED_AT,
        **_RECORDED,
    },
    "capture": {
        "exhibit": "the exhibit reference",
        "sha256": "the SHA-256 of the PNG kept",
        "width": "its width in pixels",
        "height": "its height in pixels",
        "incident": "the incident",
        "area": "`full-screen`, `monitor` or `region`",
        "geometry": "the rectangle grabbed: `left`, `top`, `width`, `height`",
        "monitor": "the monitor's number, or null",
        "window_title": "the title of the window under the centre of the grab, or `unknown`",
        "size": "the PNG's size in bytes",
        **_POSTED_AT,
        **_RECORDED,
    },
    "record": {
        "exhibit": "the exhibit reference",
        "incident": "the incident",
        **_POSTED_AT,
        **_RECORDED,
    },
    "note": {
        "entry": "the custody entry's sequence number",
        "hash": "its hash",
        "utc": "when it was recorded (UTC)",
    },
    "extract": {"path": "the copy written", "sha256": "its SHA-256 (the exhibit's)"},
    "log": {
        "entries": "the custody chain: `seq`, `utc`, `actor`, `action`, `details`, "
        "`evidence_sha256`, `prev_hash`, `hash`, `signature` (base64)",
        "received_entries": "of a case received from a member of staff, their chain as "
        "received, each entry as in `entries` (empty for an incident opened here)",
    },
    "verify": {
        "ok": "true when everything checked out",
        "problems": "what did not, one sentence each",
        "incidents": "the incidents checked",
        "entries_checked": "how many custody entries were checked",
        "exhibits_checked": "how many exhibits' bytes were hashed again",
    },
    "export": {
        "bundle": "the bundle written (.zip)",
        "sha256": "its SHA-256",
        "size": "its size in bytes",
        "exhibits": "how many exhibits it holds",
        "signature": "the report's signature level (`PAdES B-B`, or `PAdES B-T` with a timestamp)",
        "entry": "the `exported` custody entry's sequence number, or null",
        "recorded": "false when a read-only store could not record the export on the chain",
        "recipient": "who it is for (`police`, `senior-manager`, `other`), or null",
        "recipient_name": "who exactly, as `--for-whom` gave it, or null",
        "fingerprint": "the Evidence CA fingerprint that signed it, for the recipient to compare",
        "short_fingerprint": "the same, in the short form people read aloud",
    },
    "key-sheet": {
        "sheet": "the sheet written (.pdf)",
        "fingerprint": "the Evidence CA fingerprint it prints",
        "short_fingerprint": "the same, in the short form people read aloud",
        "contact": "whom it names to confirm it, or null when the store knows nobody",
    },
    "verify-bundle": {
        "ok": "true when every check passed",
        "problems": "what did not, each naming the file",
        "signer_fingerprint": "the Evidence CA's fingerprint, to compare with the school's",
        "signer": "the person the signing certificate names",
        "incident": "the incident",
        "exhibits_checked": "how many exhibits were hashed",
        "entries_checked": "how many custody entries were checked",
        "chain_head": "the chain's head: `seq`, `hash`",
        "report_signature": "what the report's signature is",
        "timestamp": "the report's timestamp, or null",
        "school": "the school the Evidence CA names",
        "ca_name": "the Evidence CA's name",
        "signer_school": "the school the signing certificate names",
        "signing_certificate_fingerprint": "the signing certificate's own fingerprint",
        "expected_fingerprint": "the fingerprint given with --expect-fingerprint, or null",
        "fingerprint_matches": "whether it matched, or null",
        "staff": "the members of staff whose entries a lead's bundle holds",
    },
    "purge": {"entry": "the tombstone entry's sequence number", "hash": "its hash"},
    "school-card": {
        "card": "the card written",
        "fingerprint": "the lead's Evidence CA fingerprint",
        "short_fingerprint": "the same, short enough to read aloud",
    },
    "join": {
        "school": "the school",
        "lead": "the lead's name",
        "fingerprint": "the card's fingerprint",
        "contact": "how to reach the lead",
        "replaced": "the lead whose card this one replaced, or null",
    },
    "handover": {
        "package": "the package written",
        "sha256": "its SHA-256",
        "exhibits": "how many exhibits it carries",
        "entries": "how many custody entries",
        "number": "which handover of the incident this is",
        "entry": "the `handed_over` custody entry's sequence number",
    },
    "receive": {
        "case": "(lead) the lead's case number",
        "staff": "(lead) the member of staff",
        "staff_reference": "(lead) their incident id",
        "staff_fingerprint": "(lead) their Evidence CA fingerprint",
        "exhibits": "(lead) how many exhibits were new",
        "entries": "(lead) how many custody entries were new",
        "nothing_new": "(lead) true when the package added nothing",
        "incident": "(staff) the incident the receipt is for",
        "received_by": "(staff) the lead",
        "received_utc": "(staff) when the lead received it",
        "latest": "(staff) whether it is the receipt of the latest handover",
        "already_recorded": "(staff) true when it was recorded before",
        "case_status": "(staff) the case's status at the lead's, or null",
    },
    "receipt": {"receipt": "the receipt written"},
    "action": {
        "entry": "the new custody entry's sequence number",
        "case": "the case",
        "status": "the case's status after it",
        "at_utc": "when the step happened (UTC)",
        "at_offset": "the local offset the time was read with",
        "next_step": "the next step's name",
        "due_utc": "when it is due (UTC), or null",
        "hint": "what to do next, in a sentence",
    },
    "due": {
        "cases": "every open case: `id`, `title`, `next_step`, `due_utc`, `overdue`, `hint`",
    },
    "settings": {
        "takedown_hours": "hours from the school first knowing to the takedown request",
        "removal_check_hours": "hours from a request to checking the removal",
        "history": "every change: who made it, when, and the periods it set",
    },
    "recover": {"store": "the store folder", "ok": "true"},
}
"""What each command prints with ``--json``, by command (``incident new``): key and meaning."""


def commands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by its name as typed (``incident new``), in the parser's order."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(current: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        groups = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups and path:
            found[" ".join(path)] = current
        for group in groups:
            for name, sub in group.choices.items():
                walk(sub, (*path, name))

    walk(parser or build_parser(), ())
    return found


def summaries(parser: argparse.ArgumentParser | None = None) -> dict[str, str]:
    """Each command's one-line help (as ``--help`` lists it), by its name as typed."""
    found: dict[str, str] = {}

    def walk(current: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        for group in current._actions:
            if isinstance(group, argparse._SubParsersAction):
                for choice in group._choices_actions:
                    found[" ".join((*path, choice.dest))] = choice.help or ""
                for name, sub in group.choices.items():
                    walk(sub, (*path, name))

    walk(parser or build_parser(), ())
    return found


def shown_arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """A command's arguments and options as its reference lists them (not ``-h``, not hidden)."""
    return [
        action
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and action.help != argparse.SUPPRESS
    ]


def _name(action: argparse.Action) -> str:
    metavar = action.metavar if isinstance(action.metavar, str) else None
    if not action.option_strings:
        return metavar or action.dest.upper()
    option = " | ".join(action.option_strings)
    if action.nargs == 0:
        return option
    return f"{option} {metavar or action.dest.upper()}"


def _synopsis(name: str, parser: argparse.ArgumentParser) -> str:
    if parser.usage:  # a command that reads its own words (action)
        return parser.usage
    shown = shown_arguments(parser)
    grouped = {
        id(action): group
        for group in parser._mutually_exclusive_groups
        for action in group._group_actions
    }
    parts: list[str] = []
    done: set[int] = set()
    for action in sorted(shown, key=lambda a: bool(a.option_strings)):
        if id(action) in done:
            continue
        group = grouped.get(id(action))
        if group is not None:
            members = [a for a in group._group_actions if a.help != argparse.SUPPRESS]
            done.update(id(a) for a in members)
            parts.append("[" + " | ".join(_name(a) for a in members) + "]")
            continue
        done.add(id(action))
        text = _name(action)
        optional = not action.required if action.option_strings else action.nargs == "?"
        if optional:
            text = f"[{text}]"
        parts.append(text)
    return " ".join([PROGRAM, name, *parts])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _capitalised(text: str) -> str:
    """``(lead) record a step`` as a sentence starts: ``(lead) Record a step``."""
    marker, _, rest = text.partition(") ") if text.startswith("(") else ("", "", text)
    return (f"{marker}) " if marker else "") + rest[:1].upper() + rest[1:]


def _what(action: argparse.Action) -> str:
    words = _capitalised(action.help or "")
    if action.choices is not None:
        words += "; one of " + ", ".join(f"`{choice}`" for choice in action.choices)
    if action.required and action.option_strings:
        words += "; required"
    return words + "."


def _argument_table(parser: argparse.ArgumentParser) -> Iterator[str]:
    rows = [action for action in shown_arguments(parser) if action.dest not in COMMON]
    if not rows:
        return
    yield "| argument or option | what it is |"
    yield "| --- | --- |"
    for action in rows:
        yield f"| `{_cell(_name(action))}` | {_cell(_what(action))} |"
    yield ""


def _step_section(name: str, parser: argparse.ArgumentParser) -> Iterator[str]:
    yield f"#### `action CASE {name}`"
    yield ""
    if parser.description:
        yield _capitalised(parser.description).rstrip(".") + "."
        yield ""
    yield from _argument_table(parser)


def command_reference(parser: argparse.ArgumentParser | None = None) -> str:
    """``docs/commands.md``: the whole command reference, from the parser (by default, the
    program's own)."""
    from harmonize_evidence.cli.casework_commands import step_parser
    from harmonize_evidence.domain.casework import Step

    parser = parser or build_parser()
    found = commands(parser)
    helps = summaries(parser)
    lines = [
        "# Command reference",
        "",
        "<!-- Written from the program's parser by `python -m harmonize_evidence.cli.reference "
        "> docs/commands.md`; tests/test_command_reference.py fails when they differ. -->",
        "",
        f"`{PROGRAM} [--store DIR] [--json] COMMAND ...` (or `python -m harmonize_evidence ...`)",
        "",
        parser.description or "",
        "",
        "Every command takes `-h` / `--help`, which prints what this page says of it, "
        "`--json` (print one JSON document) and, but for `verify-bundle`, which needs no store, "
        "`--store DIR` (the store folder).",
        "",
        "## The store, the passphrase and the output",
        "",
        "```",
        TOP_LEVEL_EPILOG.rstrip(),
        "```",
        "",
        "- **The store folder**: `--store DIR`, else the environment variable "
        "`HARMONIZE_EVIDENCE_HOME`, else this user's data folder: "
        "`~/.local/share/Harmonize Evidence` on Linux (`$XDG_DATA_HOME/Harmonize Evidence` when "
        "that is set), `%LOCALAPPDATA%\\Harmonize Evidence` on Windows, "
        "`~/Library/Application Support/Harmonize Evidence` on macOS.",
        "- **Unlocking**: the key kept in the computer's keychain, for a store set up with "
        "`init --keychain`; else the passphrase in `HARMONIZE_EVIDENCE_PASSPHRASE`; else a "
        "prompt at a terminal, which does not show what is typed and asks again after a wrong "
        "passphrase, three tries in all; else exit 3. A wrong passphrase from the environment "
        "is not tried again.",
        "- **A new passphrase** (`init`, `recover`): at least 8 characters. `init` takes it "
        "from `HARMONIZE_EVIDENCE_PASSPHRASE`, `recover` from "
        "`HARMONIZE_EVIDENCE_NEW_PASSPHRASE` (else `HARMONIZE_EVIDENCE_PASSPHRASE`); else a "
        "terminal asks for it twice, and refuses one that is too short as soon as it is typed.",
        "- **Output**: text for people by default. With `--json`, one JSON document on standard "
        'output, errors too (`{"error": "...", "code": N}`); progress and questions go to '
        "standard error. Times in JSON are UTC, ISO 8601.",
        "",
        "## Times",
        "",
        "`--posted-at TIME` (`add`, `capture`, `record`) and a step's `--at WHEN` take a time "
        "as a post shows it, day first always:",
        "",
        "- a date and a time: `20/11/2026 21:40`, `20/11/26 9.40pm`, `20 Nov 2026 21:40`, "
        "`20 November at 9:40 pm`, `21:40 · 20 Nov 2026`, or ISO 8601 (`2026-11-20T21:40`, "
        "`2026-11-20T21:40+00:00`); a date without a year is the latest such day;",
        "- a time on a day named from the capture (for `--at`, from now): `21:40` (today), "
        "`yesterday 21:40`, `Mon 21:40` (the latest Monday at 21:40);",
        "- a time as platforms show it: `just now`, `5 min`, `2 hours ago`, `3h`, `3d`, `1w`, "
        "counted back in real hours, and kept as approximate.",
        "",
        "A time is this computer's local time unless `GMT`, `UTC` or `BST` follows it, or it is "
        "ISO 8601 with an offset. A local time the clocks skipped (March) is refused; one they "
        "repeated (October) is read as the first, summer-time, reading unless `GMT` follows it. "
        "A time after the capture (for `--at`, after now) is refused with a sentence saying "
        "why. The evidence keeps `--posted-at` as typed, beside the moment it was understood "
        "as, and the report prints both. `--at` also takes a date alone (`20/11/2026`: "
        "midnight).",
        "",
        "## Exit codes",
        "",
        "| code | meaning |",
        "| --- | --- |",
        *(f"| {code} | {meaning} |" for code, meaning in EXIT_CODES),
        "",
        "## Commands",
        "",
    ]
    for name, sub in found.items():
        lines += [f"### `{name}`", "", _capitalised(helps.get(name) or "").rstrip(".") + ".", ""]
        lines += ["```", _synopsis(name, sub), "```", ""]
        lines += list(_argument_table(sub))
        if name == "action":
            lines += [
                "The case and the step are the first two words (`action INC-2026-0003 triage "
                "--category other --risk low`); each step takes its own fields, and every step "
                "takes `--at` and `--corrects`:",
                "",
            ]
            for step in Step:
                lines += list(_step_section(step.value, step_parser(step)))
        keys = JSON_KEYS.get(name, {})
        if keys:
            lines += ["With `--json`:", ""]
            lines += [f"- `{key}`: {meaning}" for key, meaning in keys.items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(command_reference())
