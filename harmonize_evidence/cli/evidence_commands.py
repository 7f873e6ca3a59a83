"""Commands on incidents and their evidence: open, list and show incidents; add, capture and
record evidence; notes, copies, the custody log, and purging."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harmonize_evidence.cli.invocation import Invocation
from harmonize_evidence.domain.clock import format_utc
from harmonize_evidence.domain.errors import BadInput

if TYPE_CHECKING:
    from datetime import tzinfo

    from harmonize_evidence.domain.chain import CustodyEntry
    from harmonize_evidence.domain.model import Exhibit, Incident


def _incident_json(incident: Incident) -> dict[str, Any]:
    return {**incident.as_json(), "items": incident.item_count}


def _exhibit_json(exhibit: Exhibit) -> dict[str, Any]:
    return {
        "exhibit": exhibit.ref,
        "kind": exhibit.kind.value,
        "media_type": exhibit.media_type,
        "size": exhibit.size,
        "sha256": exhibit.sha256,
        "created_utc": format_utc(exhibit.created_utc),
        "purged": exhibit.purged,
        "metadata": exhibit.metadata,
    }


def _entry_json(entry: CustodyEntry) -> dict[str, Any]:
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


# -- incidents ----------------------------------------------------------------------------------


def incident_new(command: Invocation) -> int:
    """Open an incident."""
    from harmonize_evidence.domain.model import Category

    args = command.args
    platforms = [p for value in args.platform or [] for p in value.split(",")]
    with command.open_store() as store:
        incident = store.new_incident(
            args.title,
            category=Category(args.category),
            platforms=platforms,
            people=args.people or "",
            reported_by=args.reported_by,
        )
    command.out.result({"id": incident.id, "incident": _incident_json(incident)}, incident.id)
    return 0


def incident_edit(command: Invocation) -> int:
    """Change the category or status of an incident of one's own, with a reason."""
    from harmonize_evidence.domain.model import Category, Status
    from harmonize_evidence.domain.wording import action_name, change_text
    from harmonize_evidence.services.incident_changes import change_incident

    args = command.args
    with command.open_store() as store:
        changed = change_incident(
            store,
            args.id,
            category=None if args.category is None else Category(args.category),
            status=None if args.status is None else Status(args.status),
            reason=args.reason or "",
        )
    incident = changed.incident
    lines = [
        f"{incident.id}: {action_name(entry.action)} (custody entry {entry.seq}). "
        f"{change_text(entry.action, entry.details)}".replace("\n", "\n    ")
        for entry in changed.entries
    ]
    command.out.result(
        {"incident": _incident_json(incident), "entries": [e.seq for e in changed.entries]},
        "\n".join(lines),
    )
    return 0


def _local(moment: Any, zone: Any) -> str:
    """A moment as people read it on this computer: ``2026-11-21 21:40:05 GMT``."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M:%S} {local:%Z}"


def incident_list(command: Invocation) -> int:
    """All incidents, newest first."""
    with command.open_store() as store:
        incidents = store.incidents()
        zone = store.clock.zone
    from harmonize_evidence.domain.wording import STATUS_NAMES

    lines = [f"{'ID':<14} {'STATUS':<24} {'ITEMS':>5}  {'CREATED':<21} TITLE"]
    for incident in incidents:
        local = incident.created_utc.astimezone(zone)
        created = f"{local:%Y-%m-%d %H:%M} {local:%Z}"
        flag = " [URGENT]" if incident.urgent else ""
        lines.append(
            f"{incident.id:<14} {STATUS_NAMES[incident.status]:<24} {incident.item_count:>5}  "
            f"{created:<21} {incident.title}{flag}"
        )
    if not incidents:
        lines = ["No incidents yet."]
    command.out.result({"incidents": [_incident_json(i) for i in incidents]}, "\n".join(lines))
    return 0


def incident_show(command: Invocation) -> int:
    """One incident with its items and chain head."""
    from harmonize_evidence.domain.wording import CATEGORY_NAMES, KIND_NAMES, STATUS_NAMES
    from harmonize_evidence.services.handover_state import handover_lines

    with command.open_store() as store:
        incident = store.incident(command.args.id)
        items = store.exhibits(incident.id)
        head = store.chain_head(incident.id)
        handovers = handover_lines(store, incident.id)
        zone = store.clock.zone
    lines = [
        f"{incident.id}: {incident.title}",
        f"  category:    {CATEGORY_NAMES[incident.category]}",
        f"  status:      {STATUS_NAMES[incident.status]}{'  URGENT' if incident.urgent else ''}",
        f"  platforms:   {', '.join(incident.platforms) or '-'}",
        f"  people:      {incident.people or '-'}",
        f"  reported by: {incident.reported_by}",
        f"  created:     {_local(incident.created_utc, zone)}",
        f"  chain head:  entry {head[0]}, {head[1]}",
        *(f"  {line}" for line in handovers),
        "",
        f"Exhibits ({len(items)}):" if items else "No exhibits yet.",
    ]
    for item in items:
        url = item.metadata.get("url") or item.metadata.get("source_file_name") or ""
        lines.append(
            f"  {item.ref:<8} {KIND_NAMES[item.kind]:<22} {item.media_type:<24} "
            f"{item.size:>10,} B  {url}"
        )
        if item.sender_ref:
            lines.append(f"           the member of staff's reference {item.sender_ref}")
        lines.append(
            f"           sha256 {item.sha256 or '(no file)'}{' PURGED' if item.purged else ''}"
        )
    document = {
        "incident": {
            **_incident_json(incident),
            "chain_head": {"seq": head[0], "hash": head[1]},
            "staff_reference": incident.sender_id,
            "handovers": handovers,
        },
        "items": [_exhibit_json(i) for i in items],
    }
    command.out.result(document, "\n".join(lines))
    return 0


# -- evidence -----------------------------------------------------------------------------------


def add(command: Invocation) -> int:
    """Import a file as an evidence item (or, with ``--no-image-reason``, record it unread).

    A file the incident already keeps is added again, and a sentence on stderr names the
    earlier exhibit (``already_exhibit`` in the JSON).
    """
    from harmonize_evidence.domain.model import ExhibitKind
    from harmonize_evidence.services.same_file import add_file, added_again

    args = command.args
    kind = ExhibitKind(args.kind) if args.kind else None
    path = Path(args.file)
    if args.no_image_reason is not None:
        return _record_only(command, source_file_name=path.name)
    with command.open_store() as store:
        added = add_file(
            store,
            args.id,
            path,
            url=args.url,
            note=args.note or "",
            kind=kind,
            posted_at=args.posted_at,
            came_from=args.came_from,
        )
        zone = store.clock.zone
    exhibit, earlier = added.exhibit, added.earlier
    if earlier is not None:  # kept all the same: a script may add a file again on purpose
        command.out.warn(added_again(earlier, exhibit, zone))
    command.out.result(
        {
            "exhibit": exhibit.ref,
            "sha256": exhibit.sha256,
            "incident": exhibit.incident_id,
            "already_exhibit": earlier.ref if earlier is not None else None,
            **_posted_json(exhibit),
        },
        f"Stored {path.name} as exhibit {exhibit.ref} in {exhibit.incident_id}.\n"
        f"SHA-256 {exhibit.sha256}{_posted_line(exhibit)}",
    )
    return 0


def capture(command: Invocation) -> int:
    """Grab the screen (then unlock the store) and keep the part asked for."""
    from harmonize_evidence.services.capturing import (
        CaptureTarget,
        grab_then_store,
        parse_region,
    )

    args = command.args
    if args.no_image_reason is not None:
        return _record_only(command)
    if args.monitor is not None:
        target = CaptureTarget.of_monitor(args.monitor)
    elif args.region is not None:
        target = CaptureTarget.of_region(parse_region(args.region))
    else:
        target = CaptureTarget.full()
    captured = grab_then_store(
        command.open_store,
        command.clock(),
        args.id,
        target,
        url=args.url,
        note=args.note or "",
        posted_at=args.posted_at,
    )
    exhibit = captured.exhibit
    details = captured.details
    command.out.result(
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
            **_posted_json(exhibit),
        },
        f"Captured {captured.width}x{captured.height} pixels ({details.area.value}) as "
        f"exhibit {exhibit.ref} in {exhibit.incident_id}.\nSHA-256 {exhibit.sha256}"
        f"{_posted_line(exhibit)}",
    )
    return 0


def _posted_json(exhibit: Exhibit) -> dict[str, Any]:
    """The time on the post as typed, the moment it was understood as, and whether about then."""
    meta = exhibit.metadata
    return {
        "posted_at": meta.get("posted_at"),
        "posted_at_understood": meta.get("posted_at_understood"),
        "posted_at_approximate": meta.get("posted_at_approximate"),
    }


def _posted_line(exhibit: Exhibit) -> str:
    """``Time on the post: 2 hours ago, understood as about ...`` on a line of its own, or ""."""
    from harmonize_evidence.domain.post_time import stored_reading

    typed = exhibit.metadata.get("posted_at")
    reading = stored_reading(exhibit.metadata)
    if not typed or reading is None:
        return ""
    return f"\nTime on the post: {typed}, understood as {reading}."


def record(command: Invocation) -> int:
    """Record content that must not be copied, as a description only."""
    return _record_only(command, description=command.args.description)


def _record_only(
    command: Invocation, description: str | None = None, source_file_name: str | None = None
) -> int:
    """The record-only path of ``record``, ``capture --no-image-reason`` and ``add``."""
    from harmonize_evidence.domain.model import URGENT_SAFEGUARDING
    from harmonize_evidence.domain.wording import CATEGORY_NAMES, FLAG_WORDS
    from harmonize_evidence.services.capturing import record_without_image

    args = command.args
    text = description if description is not None else args.note
    if not text or not text.strip():
        raise BadInput(
            "Describe what you saw with --note; no image is kept, so the description is "
            "the evidence."
        )
    with command.open_store() as store:
        exhibit = record_without_image(
            store,
            args.id,
            description=text,
            url=args.url,
            posted_at=args.posted_at,
            reason=args.no_image_reason,
            source_file_name=source_file_name,
        )
        category = store.incident(exhibit.incident_id).category
    not_read = (
        f"\nThe file {source_file_name} was not read or stored. Do not open, copy or share "
        "it; the safeguarding lead decides what happens to it."
        if source_file_name
        else ""
    )
    command.out.result(
        {
            "exhibit": exhibit.ref,
            "incident": exhibit.incident_id,
            "urgent": True,
            **_posted_json(exhibit),
        },
        f"Recorded exhibit {exhibit.ref} in {exhibit.incident_id} as a description only, "
        f'with no image.\nThe incident is marked "{FLAG_WORDS[URGENT_SAFEGUARDING]}" and '
        f'filed as "{CATEGORY_NAMES[category]}".\nTell the safeguarding lead now.'
        f"{not_read}{_posted_line(exhibit)}",
    )
    return 0


def note(command: Invocation) -> int:
    """Add a written account or contemporaneous note."""
    with command.open_store() as store:
        entry = store.add_note(command.args.id, command.args.text)
    command.out.result(
        {"entry": entry.seq, "hash": entry.hash, "utc": entry.utc},
        f"Note recorded as custody entry {entry.seq} of {entry.incident_id}.",
    )
    return 0


def extract(command: Invocation) -> int:
    """Write a copy of an item's original bytes (logged)."""
    args = command.args
    with command.open_store() as store:
        path, sha256 = store.extract(args.id, args.exhibit, Path(args.out))
    command.out.result(
        {"path": str(path), "sha256": sha256},
        f"Wrote a copy to {path}\nSHA-256 {sha256} (matches the record)",
    )
    return 0


def log(command: Invocation) -> int:
    """Print the custody chain (of a case received from a member of staff: theirs, then ours)."""
    with command.open_store() as store:
        incident = store.incident(command.args.id)
        entries = store.log(incident.id)
        received = store.received_log(incident.id)
        zone = store.clock.zone
    lines = _log_lines(entries, zone)
    if received:
        lines = [
            f"The custody log of {incident.sender_id} as received from {received[0].actor}, "
            "every entry signed by them:",
            *_log_lines(received, zone),
            "",
            f"This store's custody log of {incident.id}:",
            *lines,
        ]
    command.out.result(
        {
            "entries": [_entry_json(e) for e in entries],
            "received_entries": [_entry_json(e) for e in received],
        },
        "\n".join(lines),
    )
    return 0


def _log_lines(entries: list[CustodyEntry], zone: tzinfo) -> list[str]:
    """A custody log as ``log`` prints it: an entry a line, with a note's text below it."""
    from harmonize_evidence.domain.clock import parse_utc
    from harmonize_evidence.domain.wording import CHANGE_ACTIONS, action_name, change_text

    lines = []
    named = max((len(action_name(entry.action)) for entry in entries), default=0)
    for entry in entries:
        subject = entry.details.get("exhibit") or ""
        when = _local(parse_utc(entry.utc), zone)
        lines.append(
            f"{entry.seq:>4}  {when:<23} {action_name(entry.action):<{max(28, named)}} "
            f"{subject:<8} "
            f"{entry.actor}  "
            f"{entry.short_hash}"
        )
        text = entry.details.get("text")
        if isinstance(text, str) and text:  # a written account or note: what it says
            lines.extend(f"{'':6}{line}" for line in text.splitlines())
        elif entry.action in CHANGE_ACTIONS and "at_utc" not in entry.details:
            said = change_text(entry.action, entry.details)  # a change: from, to and why
            lines.extend(f"{'':6}{line}" for line in said.splitlines())
    return lines


def purge(command: Invocation) -> int:
    """Remove an item's bytes for retention, keeping its hash on the chain."""
    args = command.args
    if not args.yes:
        raise BadInput("Purging removes an exhibit's bytes for good; add --yes to confirm.")
    with command.open_store() as store:
        entry = store.purge(args.id, args.exhibit, args.reason)
    command.out.result(
        {"entry": entry.seq, "hash": entry.hash},
        f"Purged the bytes of {args.exhibit.upper()}; its hash stays on the chain "
        f"(entry {entry.seq}).",
    )
    return 0
