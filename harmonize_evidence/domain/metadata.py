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
- a time on the post (``posted_at``, the text as typed, spaces tidied): ``posted_at_understood``
  (the moment it was read as, ISO 8601 local time with its offset, resolved against ``utc`` in
  ``time_zone``: :mod:`harmonize_evidence.domain.post_time`) and ``posted_at_approximate``
  (true when read from a relative time such as ``2 hours ago``). Exhibits kept before these two
  fields were added have ``posted_at`` alone, an ISO 8601 time as typed;
- a screen capture: ``window_title``, ``window_title_source``, ``image`` (``{width, height}``)
  and ``capture`` (``area``, ``geometry``, ``monitor``, ``virtual_screen``, ``monitors``,
  ``device_pixel_ratio``, ``device_pixel_ratio_source``, ``display_server``, ``encoding``);
- an imported file: ``source_file_name``, ``came_from`` when whoever added it said how it
  reached the computer (added later in version 1; absent before), and ``image`` when it is a
  picture;
- a record without an image: ``description``, ``no_image_reason``, ``incident_flag``, and
  ``source_file_name`` with ``source_file_read: false`` when a file was offered but not read.

No value is a float (the chain hashes canonical JSON). :meth:`ExhibitMetadata.from_json` reads
any object tolerantly: a field it does not know, or a known field whose value has another shape
(written by another version or program), is kept as it is in :attr:`ExhibitMetadata.other`.
Every field has a label in :data:`harmonize_evidence.domain.wording.METADATA_LABELS`; the rows
that the report and the GUI print are made in :mod:`harmonize_evidence.domain.metadata_rows`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

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
    """The time shown on the post itself, as typed; None: not recorded."""
    posted_at_understood: str | None = None
    """The moment ``posted_at`` was read as: ISO 8601 local time with its offset."""
    posted_at_approximate: bool | None = None
    """Whether ``posted_at`` was a relative time (``2 hours ago``), so only about then."""
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
    came_from: str | None = None
    """An imported file: how it reached this computer, in the words of whoever added it
    ("screenshot on my phone, emailed to my school address"); None: not said."""
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
        for key in ("posted_at_understood", "posted_at_approximate"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        for key in ("window_title", "window_title_source"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.image is not None:
            data["image"] = self.image.to_json()
        if self.capture is not None:
            data["capture"] = self.capture.to_json()
        for key in (
            "source_file_name",
            "came_from",
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
            posted_at_approximate=_optional_bool,
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
    "posted_at_understood",
    "window_title",
    "window_title_source",
    "source_file_name",
    "came_from",
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
