"""An exhibit's metadata as typed records: where it came from, when, who kept it, what it shows.

Stored form (version 1)
=======================

The store keeps an exhibit's metadata as one JSON object, and the bundle's ``manifest.json``
carries it as stored; the custody entry that adds the exhibit holds its SHA-256
(``metadata_sha256``). :meth:`ExhibitMetadata.to_json` writes exactly that object, so these
records change nothing that is stored, hashed or exported. Version 1 (the only one so far) is:

- always: ``url`` (or null), ``platform`` (or null), ``note``, ``posted_at`` (or null), ``utc``,
  ``local_time``, ``time_zone``, ``utc_offset``, ``os_user``, ``display_name``, ``machine``,
  ``tool``;
- a screen capture: ``window_title``, ``window_title_source``, ``image`` (``{width, height}``)
  and ``capture`` (``area``, ``geometry``, ``monitor``, ``virtual_screen``, ``monitors``,
  ``device_pixel_ratio``, ``device_pixel_ratio_source``, ``display_server``, ``encoding``);
- an imported file: ``source_file_name``, and ``image`` when it is a picture;
- a record without an image: ``description``, ``no_image_reason``, ``incident_flag``, and
  ``source_file_name`` with ``source_file_read: false`` when a file was offered but not read.

No value is a float (the chain hashes canonical JSON). :meth:`ExhibitMetadata.from_json` reads
any object tolerantly: a field it does not know, or a known field whose value has another shape
(written by another version or program), is kept as it is in :attr:`ExhibitMetadata.other`.
Every field has a label in :data:`harmonize_evidence.domain.wording.METADATA_LABELS`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from harmonize_evidence.domain.model import Exhibit
from harmonize_evidence.domain.wording import CAPTURE_AREA_NAMES, METADATA_LABELS, printed_utc

METADATA_VERSION = 1
"""The version of the stored form these records read and write (see the module docstring)."""


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not a whole number: {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r}")
    return value


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


@dataclass(frozen=True)
class ScreenRect:
    """A rectangle of the screen, in virtual-screen pixels."""

    left: int
    top: int
    width: int
    height: int

    def to_json(self) -> dict[str, int]:
        """``{"left", "top", "width", "height"}``."""
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}

    @classmethod
    def from_json(cls, data: Any) -> ScreenRect:
        """Read :meth:`to_json`'s form; TypeError or KeyError for anything else."""
        if not isinstance(data, Mapping) or set(data) != {"left", "top", "width", "height"}:
            raise TypeError(f"not a rectangle: {data!r}")
        return cls(*(_int(data[key]) for key in ("left", "top", "width", "height")))


@dataclass(frozen=True)
class MonitorFacts:
    """One monitor at the time of a capture, numbered as the user reads them (1 is leftmost)."""

    number: int
    rect: ScreenRect
    """Where it sits on the virtual screen."""
    name: str = ""
    """The name the system gives it (``HDMI-1``), or empty."""
    primary: bool = False
    """Whether it is the primary monitor."""

    def to_json(self) -> dict[str, Any]:
        """``{"number", "left", "top", "width", "height", "name", "primary"}``."""
        return {
            "number": self.number,
            **self.rect.to_json(),
            "name": self.name,
            "primary": self.primary,
        }

    @classmethod
    def from_json(cls, data: Any) -> MonitorFacts:
        """Read :meth:`to_json`'s form; TypeError or KeyError for anything else."""
        keys = {"number", "left", "top", "width", "height", "name", "primary"}
        if not isinstance(data, Mapping) or set(data) != keys:
            raise TypeError(f"not a monitor: {data!r}")
        if not isinstance(data["primary"], bool):
            raise TypeError(f"not a monitor: {data!r}")
        rect = ScreenRect.from_json({key: data[key] for key in ("left", "top", "width", "height")})
        return cls(_int(data["number"]), rect, _str(data["name"]), data["primary"])


@dataclass(frozen=True)
class CaptureFacts:
    """How a screen capture was made: what part of which screen, at what scale, how encoded."""

    area: str
    """``full-screen``, ``monitor`` or ``region``."""
    geometry: ScreenRect
    """The grabbed rectangle, in virtual-screen pixels."""
    monitor: int | None
    """The monitor asked for, or the one holding the region's centre (None: several)."""
    virtual_screen: ScreenRect
    """The whole virtual screen, every monitor together."""
    monitors: tuple[MonitorFacts, ...]
    """Every monitor at the time of the capture."""
    device_pixel_ratio: str
    """Physical pixels per logical pixel, as a decimal in text (never a float)."""
    device_pixel_ratio_source: str
    """Where the ratio was read from."""
    display_server: str
    """The display server of the session (``x11``, ``wayland``...)."""
    encoding: tuple[tuple[str, str], ...]
    """How the stored PNG was made, as (name, value) pairs: ``format``, ``row_filter``,
    ``deflate``."""

    def to_json(self) -> dict[str, Any]:
        """The ``capture`` object of the stored form."""
        return {
            "area": self.area,
            "geometry": self.geometry.to_json(),
            "monitor": self.monitor,
            "virtual_screen": self.virtual_screen.to_json(),
            "monitors": [monitor.to_json() for monitor in self.monitors],
            "device_pixel_ratio": self.device_pixel_ratio,
            "device_pixel_ratio_source": self.device_pixel_ratio_source,
            "display_server": self.display_server,
            "encoding": dict(self.encoding),
        }

    @classmethod
    def from_json(cls, data: Any) -> CaptureFacts:
        """Read :meth:`to_json`'s form; TypeError or KeyError for anything else."""
        names = {item.name for item in fields(cls)}
        if not isinstance(data, Mapping) or set(data) != names:
            raise TypeError(f"not a capture's details: {data!r}")
        encoding = data["encoding"]
        monitors = data["monitors"]
        if not isinstance(encoding, Mapping) or not isinstance(monitors, list):
            raise TypeError(f"not a capture's details: {data!r}")
        monitor = data["monitor"]
        return cls(
            area=_str(data["area"]),
            geometry=ScreenRect.from_json(data["geometry"]),
            monitor=None if monitor is None else _int(monitor),
            virtual_screen=ScreenRect.from_json(data["virtual_screen"]),
            monitors=tuple(MonitorFacts.from_json(item) for item in monitors),
            device_pixel_ratio=_str(data["device_pixel_ratio"]),
            device_pixel_ratio_source=_str(data["device_pixel_ratio_source"]),
            display_server=_str(data["display_server"]),
            encoding=tuple((_str(key), _str(value)) for key, value in encoding.items()),
        )


@dataclass(frozen=True)
class ImageSize:
    """The size of a stored picture, in pixels."""

    width: int
    height: int

    def to_json(self) -> dict[str, int]:
        """``{"width", "height"}``."""
        return {"width": self.width, "height": self.height}

    @classmethod
    def from_json(cls, data: Any) -> ImageSize:
        """Read :meth:`to_json`'s form; TypeError or KeyError for anything else."""
        if not isinstance(data, Mapping) or set(data) != {"width", "height"}:
            raise TypeError(f"not an image size: {data!r}")
        return cls(_int(data["width"]), _int(data["height"]))


# The fields every exhibit's metadata holds, written even when empty (null), in this order.
_ALWAYS = (
    "url",
    "platform",
    "note",
    "posted_at",
    "utc",
    "local_time",
    "time_zone",
    "utc_offset",
    "os_user",
    "display_name",
    "machine",
    "tool",
)


@dataclass(frozen=True)
class ExhibitMetadata:
    """What an exhibit's metadata records (stored form: the module docstring)."""

    VERSION: ClassVar[int] = METADATA_VERSION

    url: str | None = None
    """The address of the content, as given (checked: http or https only); None: not given."""
    platform: str | None = None
    """The platform detected from the address (``Instagram``); None: unknown or no address."""
    note: str | None = None
    """What the member of staff wrote about it (may be empty)."""
    posted_at: str | None = None
    """The time shown on the post itself, ISO 8601 as typed; None: not recorded."""
    utc: str | None = None
    """When it was captured or added, in UTC (``2026-11-21T21:40:05.000000Z``)."""
    local_time: str | None = None
    """The same moment in the computer's local time, ISO 8601 with its offset."""
    time_zone: str | None = None
    """The IANA time zone of that local time (``Europe/London``)."""
    utc_offset: str | None = None
    """The local time's offset from UTC (``+01:00``)."""
    os_user: str | None = None
    """The computer account that recorded it."""
    display_name: str | None = None
    """The name of the person who recorded it (the store's producer)."""
    machine: str | None = None
    """The name of the computer."""
    tool: str | None = None
    """The program and its version."""
    window_title: str | None = None
    """A screen capture: the title of the window under the centre of the grab."""
    window_title_source: str | None = None
    """A screen capture: where that title was read from, or why it could not be."""
    image: ImageSize | None = None
    """A picture: its size in pixels."""
    capture: CaptureFacts | None = None
    """A screen capture: how it was made."""
    source_file_name: str | None = None
    """An imported file, or one offered for a record without an image: its name."""
    source_file_read: bool | None = None
    """A record without an image made from an offered file: whether the file was opened
    (always False: it never is)."""
    description: str | None = None
    """A record without an image: what was seen, in words."""
    no_image_reason: str | None = None
    """A record without an image: why no copy was kept."""
    incident_flag: str | None = None
    """A record without an image: the flag it set on the incident (``urgent-safeguarding``)."""
    other: Mapping[str, Any] = field(default_factory=dict)
    """Fields this version does not know, or whose value has another shape, kept as read."""

    def to_json(self) -> dict[str, Any]:
        """The stored form: the object the store keeps, hashes and exports."""
        data: dict[str, Any] = {key: getattr(self, key) for key in _ALWAYS}
        for key in ("window_title", "window_title_source"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.image is not None:
            data["image"] = self.image.to_json()
        if self.capture is not None:
            data["capture"] = self.capture.to_json()
        for key in (
            "source_file_name",
            "source_file_read",
            "description",
            "no_image_reason",
            "incident_flag",
        ):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data.update(self.other)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExhibitMetadata:
        """Read a stored object of any version or program; never fails (module docstring)."""
        values: dict[str, Any] = {}
        other: dict[str, Any] = {}
        readers: dict[str, Any] = {name: _optional_str for name in _TEXT_FIELDS}
        readers.update(
            image=ImageSize.from_json,
            capture=CaptureFacts.from_json,
            source_file_read=_optional_bool,
        )
        for key, value in data.items():
            reader = readers.get(key)
            if reader is None:
                other[key] = value
                continue
            try:
                values[key] = reader(value)
            except (TypeError, KeyError, ValueError):
                other[key] = value
        return cls(**values, other=other)


_TEXT_FIELDS = (
    *_ALWAYS,
    "window_title",
    "window_title_source",
    "source_file_name",
    "description",
    "no_image_reason",
    "incident_flag",
)


def _optional_bool(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"not yes or no: {value!r}")
    return value


def metadata_field_names() -> list[str]:
    """Every field the records can hold, as the labels name them (``capture.<field>`` inside)."""
    names = [item.name for item in fields(ExhibitMetadata) if item.name != "other"]
    names += [f"capture.{item.name}" for item in fields(CaptureFacts)]
    return names


# -- the labelled rows the report and the GUI print ---------------------------------------------

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


def metadata_rows(exhibit: Exhibit, *, file_rows: bool = True) -> list[tuple[str, str]]:
    """The rows of an exhibit's metadata table, in reading order (plain text).

    Every field prints: the program's own under their labels (:data:`METADATA_LABELS`), shaped
    for reading where their values have the shape the program writes and as they are otherwise,
    and any other field under its name. The report prints these rows; the GUI's panel too,
    without the file rows (kind, size, parent), which it shows in its own header.

    Args:
        exhibit: The exhibit, its metadata as stored.
        file_rows: Include the rows of the exhibit's own file (kind and media type, size, the
            SHA-256 it was derived from).
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
    if file_rows:
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
