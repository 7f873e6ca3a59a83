"""Each exhibit's section of the report: its metadata table, its SHA-256 and what follows.

Every metadata field an exhibit may hold prints, under its label in
:data:`~harmonize_evidence.domain.wording.METADATA_LABELS` or, for a field this version has no
words for (written by another version or program), under its name; long labels and values wrap.
The image itself follows the section, in tiles (:mod:`~harmonize_evidence.export.report_tiles`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from harmonize_evidence.domain.model import Exhibit, ExhibitKind
from harmonize_evidence.domain.wording import CAPTURE_AREA_NAMES, METADATA_LABELS
from harmonize_evidence.export.images import NoPreview, PdfImage
from harmonize_evidence.export.report_blocks import Mono, Paragraphs, key_value_table, printed_utc
from harmonize_evidence.export.report_content import ReportExhibit
from harmonize_evidence.export.report_pages import portrait_area

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


def metadata_rows(exhibit: Exhibit) -> list[tuple[str, str]]:
    """The rows of an exhibit's metadata table, in reading order (plain text).

    Every field prints: the program's own under their labels (:data:`METADATA_LABELS`), shaped
    for reading where their values have the shape the program writes and as they are otherwise,
    and any other field under its name.
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
    utc = take("utc")
    add("utc", printed_utc(_text(utc)))
    local, zone, offset = take("local_time"), take("time_zone"), take("utc_offset")
    local_text = _text(local)
    if local_text is not None:
        if _LOCAL_TIME.match(local_text):
            local_text = local_text[:19].replace("T", " ")
        add("local_time", f"{local_text} ({_text(zone) or ''}, UTC{_text(offset) or ''})")
    else:
        add("time_zone", zone)
        add("utc_offset", offset)
    add("posted_at", take("posted_at") if meta.get("posted_at") not in _EMPTY else "not recorded")
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
    add("kind", f"{exhibit.kind.value}, {exhibit.media_type}")
    add("size", _human_size(exhibit.size) if exhibit.sha256 else "no file")
    add("parent_sha256", exhibit.parent_sha256)
    add("description", take("description"))
    add("no_image_reason", take("no_image_reason"))
    add("incident_flag", take("incident_flag"))
    add("note", take("note"))
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


def exhibit_section(item: ReportExhibit, p: Paragraphs) -> list[Any]:
    """An exhibit's section: its SHA-256, file and metadata, and what follows (or why no image)."""
    from reportlab.platypus import Spacer

    exhibit = item.exhibit
    rows: list[tuple[str, Any]] = []
    if exhibit.sha256:
        rows.append(("SHA-256", Mono(exhibit.sha256)))
    if item.file_name:
        rows.append(("File in this bundle", item.file_name))
    rows.extend(metadata_rows(exhibit))
    width, _ = portrait_area()
    story: list[Any] = [p.block(f"Exhibit {exhibit.ref}", "h1", width), key_value_table(rows, p)]
    story.append(Spacer(1, 8))
    image = item.image
    if exhibit.purged:
        story.append(
            p.fixed(
                "The original file of this exhibit was purged from the evidence store "
                "(retention); its SHA-256 and custody record remain.",
                "body",
            )
        )
    elif exhibit.kind == ExhibitKind.RECORD_ONLY or not exhibit.sha256:
        story.append(
            p.fixed(
                "This exhibit is a written record only: the content was described, not copied "
                "(for example because it must not be copied). There is no image.",
                "body",
            )
        )
    elif isinstance(image, NoPreview):
        story.append(
            p.text(
                f"The image cannot be shown in this report ({image.reason}); the original file "
                f"is in the bundle as {item.file_name}.",
                "body",
            )
        )
    elif isinstance(image, PdfImage):
        story.append(
            p.block(
                "The image follows on the next page(s), as large as the page allows; a long "
                "capture is split into parts that overlap slightly.",
                "small",
                width,
            )
        )
    else:
        story.append(
            p.text(
                f"This exhibit is a {exhibit.media_type} file, which a PDF cannot show; the "
                f"original file is in the bundle as {item.file_name}.",
                "body",
            )
        )
    return story
