"""An exhibit's metadata as the report and the GUI print it: labelled rows of plain text.

Every field prints, the program's own under their labels (from
:data:`harmonize_evidence.domain.wording.METADATA_LABELS`) and any other under its name, from the
metadata as stored (see :mod:`harmonize_evidence.domain.metadata` for the stored form).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.domain.post_time import stored_reading
from harmonize_evidence.domain.wording import (
    CAPTURE_AREA_NAMES,
    FLAG_WORDS,
    KIND_NAMES,
    METADATA_LABELS,
    moment_text,
    printed_utc,
)

_LOCAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_EMPTY: tuple[Any, ...] = (None, "", [], {})


def _text(value: Any) -> str | None:
    """A metadata value as plain text (None when there is nothing to print)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or (isinstance(value, (list, dict)) and not value):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rect_text(value: Any) -> str | None:
    """``{"left", "top", "width", "height"}`` in words, or None if it is not one."""
    if not isinstance(value, Mapping):
        return None
    left, top, width, height = (value.get(key) for key in ("left", "top", "width", "height"))
    if not all(_is_count(part) for part in (left, top, width, height)):
        return None
    return f"{width} × {height} pixels, top left corner at {left}, {top}"


def _monitors_text(value: Any) -> str | None:
    """The monitor layout of a capture, one monitor a line, or None if it is not one."""
    if not isinstance(value, list) or not value:
        return None
    lines = []
    for monitor in value:
        rect = _rect_text(monitor)
        if rect is None or not _is_count(monitor.get("number")):
            return None
        extra = ", primary" if monitor.get("primary") is True else ""
        name = monitor.get("name")
        extra += f", {name}" if isinstance(name, str) and name else ""
        lines.append(f"Monitor {monitor['number']}: {rect}{extra}")
    return "\n".join(lines)


def _fields_text(value: Any) -> str | None:
    """A small mapping of plain values as "name: value; name: value", or None."""
    if not isinstance(value, Mapping) or not value:
        return None
    if any(isinstance(item, (Mapping, list)) for item in value.values()):
        return None
    first = ("format", "row_filter", "deflate")  # how a capture's PNG was made, in that order
    keys = sorted(value, key=lambda key: (first.index(key) if key in first else len(first), key))
    parts = [f"{str(key).replace('_', ' ')}: {_text(value[key]) or '-'}" for key in keys]
    return "; ".join(parts)


_CAPTURE_FORMATS: dict[str, Callable[[Any], str | None]] = {
    "area": lambda value: CAPTURE_AREA_NAMES.get(value) if isinstance(value, str) else None,
    "geometry": _rect_text,
    "monitor": lambda value: str(value) if _is_count(value) else None,
    "virtual_screen": _rect_text,
    "monitors": _monitors_text,
    "encoding": _fields_text,
}


def _field_label(path: Sequence[str]) -> str:
    """The label of a metadata field this version has no words for: its name, readable."""
    words = " › ".join(part.replace("_", " ").strip() or "(no name)" for part in path)
    return words[:1].upper() + words[1:]


def _unlabelled_rows(path: list[str], value: Any, rows: list[tuple[str, str]]) -> None:
    """Rows for a field without a label: nested mappings by their field names, each leaf once."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            _unlabelled_rows([*path, str(key)], value[key], rows)
        return
    if isinstance(value, list) and value:
        text: str | None = ", ".join(_text(item) or "-" for item in value)
    else:
        text = _text(value)
    if text is not None:
        rows.append((_field_label(path), text))


def _capture_rows(capture: Mapping[str, Any], rows: list[tuple[str, str]]) -> None:
    """The rows of a screen capture's details (what the capture layer records)."""
    for key in (
        "area",
        "geometry",
        "monitor",
        "monitors",
        "virtual_screen",
        "device_pixel_ratio",
        "device_pixel_ratio_source",
        "display_server",
        "encoding",
    ):
        if key not in capture:
            continue
        value = capture[key]
        format_value = _CAPTURE_FORMATS.get(key)
        text = format_value(value) if format_value else None
        if text is None:
            text = _text(value)
        if text is not None:
            rows.append((METADATA_LABELS[f"capture.{key}"], text))
    for key in sorted(capture, key=str):
        if f"capture.{key}" not in METADATA_LABELS:
            _unlabelled_rows(["capture", str(key)], capture[key], rows)


def _time_rows(
    utc: Any, local: Any, zone: Any, offset: Any, add: Callable[[str, Any], None]
) -> None:
    """The rows of the capture's time as the report prints them: UTC, then local with zone."""
    add("utc", printed_utc(_text(utc)))
    local_text = _text(local)
    if local_text is not None:
        if _LOCAL_TIME.match(local_text):
            local_text = local_text[:19].replace("T", " ")
        add("local_time", f"{local_text} ({_text(zone) or ''}, UTC{_text(offset) or ''})")
    else:
        add("time_zone", zone)
        add("utc_offset", offset)


def _utc_or_none(value: Any) -> datetime | None:
    """A stored UTC time, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return parse_utc(value)
    except ValueError:
        return None


def recorded_utc(exhibit: Exhibit) -> datetime:
    """When the exhibit was captured or recorded: its metadata's ``utc``, else when it was
    stored."""
    return _utc_or_none(exhibit.metadata.get("utc")) or exhibit.created_utc


def recorded_zone(exhibit: Exhibit, fallback: tzinfo) -> tzinfo:
    """The time zone the exhibit was recorded in (its ``time_zone``), else ``fallback``."""
    name = exhibit.metadata.get("time_zone")
    if isinstance(name, str) and name:
        # A zone this computer does not know, or not a zone: the fallback stands.
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError):
            return ZoneInfo(name)
    return fallback


def source_name(exhibit: Exhibit) -> str | None:
    """Where an exhibit came from in a word or two: the site of its address (``instagram.com``),
    else the name of its original file; None when it has neither."""
    url = exhibit.metadata.get("url")
    if isinstance(url, str) and url:
        with contextlib.suppress(ValueError):
            host = (urlsplit(url).hostname or "").rstrip(".")
            if host:
                return host.removeprefix("www.")
    name = exhibit.metadata.get("source_file_name")
    return name if isinstance(name, str) and name else None


def metadata_rows(
    exhibit: Exhibit,
    *,
    file_rows: bool = True,
    zone: tzinfo | None = None,
    always_seconds: bool = False,
) -> list[tuple[str, str]]:
    """The rows of an exhibit's metadata table, in reading order (plain text).

    Every field prints: the program's own under their labels (:data:`METADATA_LABELS`), shaped
    for reading where their values have the shape the program writes and as they are otherwise,
    and any other field under its name. The report prints these rows; the GUI's panel too,
    without the file rows (kind, size, parent), which it shows in its own header.

    Args:
        exhibit: The exhibit, its metadata as stored.
        file_rows: Include the rows of the exhibit's own file (kind and media type, size, the
            SHA-256 it was derived from).
        zone: When given, the time of the capture or record prints as one row, local in the
            zone it was recorded in (else this one) with UTC beside it (:func:`moment_text`),
            instead of a row each for the UTC time, the local time and its zone.
        always_seconds: With ``zone``, that time shows its seconds even when they are none
            (the report prints every time to the second).
    """
    meta = exhibit.metadata
    rows: list[tuple[str, str]] = []
    used: set[str] = set()

    def take(key: str) -> Any:
        used.add(key)
        return meta.get(key)

    def add(key: str, value: Any) -> None:
        text = _text(value)
        if text is not None:
            rows.append((METADATA_LABELS[key], text))

    add("url", take("url") if meta.get("url") not in _EMPTY else "none recorded")
    add("platform", take("platform"))
    add("window_title", take("window_title"))
    add("window_title_source", take("window_title_source"))
    moment = _utc_or_none(meta.get("utc")) if zone is not None else None
    if zone is not None and moment is not None:
        for key in ("utc", "local_time", "time_zone", "utc_offset"):
            take(key)
        add(
            "recorded",
            moment_text(moment, recorded_zone(exhibit, zone), always_seconds=always_seconds),
        )
    else:
        _time_rows(take("utc"), take("local_time"), take("time_zone"), take("utc_offset"), add)
    add("posted_at", take("posted_at") if meta.get("posted_at") not in _EMPTY else "not recorded")
    reading = stored_reading(meta)
    if reading is not None:
        take("posted_at_understood")
        if isinstance(meta.get("posted_at_approximate"), bool):
            take("posted_at_approximate")  # said in the reading's words ("about")
        add("posted_at_understood", reading)
    who, account = _text(take("display_name")), _text(take("os_user"))
    if who is not None:
        add("display_name", f"{who} (computer account {account})" if account else who)
    else:
        add("os_user", account)
    add("machine", take("machine"))
    add("tool", take("tool"))
    image = take("image")
    if (
        isinstance(image, Mapping)
        and set(image) == {"width", "height"}
        and _is_count(image["width"])
        and _is_count(image["height"])
    ):
        add("image", f"{image['width']} × {image['height']} pixels")
    else:
        add("image", image)
    capture = take("capture")
    if isinstance(capture, Mapping):
        _capture_rows(capture, rows)
    else:
        add("capture", capture)
    add("source_file_name", take("source_file_name"))
    add("source_file_read", take("source_file_read"))
    if file_rows:
        kind = KIND_NAMES.get(exhibit.kind, exhibit.kind.value)
        # A record without a file has no type of file to name (its description is text).
        add("kind", kind if not exhibit.sha256 else f"{kind}, {exhibit.media_type}")
        add("size", _human_size(exhibit.size) if exhibit.sha256 else "no file")
        add("parent_sha256", exhibit.parent_sha256)
    add("description", take("description"))
    add("no_image_reason", take("no_image_reason"))
    flag = take("incident_flag")
    add("incident_flag", FLAG_WORDS.get(flag, flag) if isinstance(flag, str) else flag)
    add("note", take("note"))
    add("came_from", take("came_from"))
    for key in sorted(meta, key=str):
        if key not in used:
            _unlabelled_rows([str(key)], meta[key], rows)
    return rows


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        size_f = size / 1024
        if size_f < 1024 or unit == "GiB":
            return f"{size_f:.1f} {unit} ({size:,} bytes)"
        size = int(size_f)
    return f"{size:,} bytes"  # pragma: no cover
