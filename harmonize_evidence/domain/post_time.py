"""The time shown on a post, as UK staff type it, and what it is understood as.

A small explicit grammar, day first always (``20/11/2026`` is the 20th of November):

- a date and a time: ``20/11/2026 21:40``, ``20/11/26 9.40pm``, ``20-11-2026 21:40:05``,
  ``20 Nov 2026 21:40``, ``20 November at 9:40 pm``, ``Sat 21 Nov 2026 21:40 GMT`` (how the
  program itself prints a time), ``21:40 · 20 Nov 2026`` (the time first, as X shows it), and
  ISO 8601 (``2026-11-20T21:40``, with or without an offset);
- a time on a day named from the capture: ``21:40`` (today), ``yesterday 21:40``,
  ``today at 9.40pm``, ``Mon 21:40`` (the latest Monday at 21:40 not after the capture);
- a relative time as platforms show it: ``just now``, ``5 min``, ``2 hours ago``, ``3h``, ``3d``,
  ``1w``, ``an hour ago``, ``2 months ago`` (30 days each), ``1y`` (365 days). These are
  approximate: the platform rounds them.

A time without a zone is the user's local time (``zone``); ``GMT``, ``UTC`` or ``BST`` after it
gives the offset. A local time the clocks skipped (the hour in March) is refused, and one they
repeated (the hour in October) is read as the first, summer-time, reading: the same rules as a
step's time in the lead's case work (:func:`local_instant`, which both use). A year left out is
the latest that puts the time at or before the capture; a time after the capture is refused.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from harmonize_evidence.domain.clock import parse_utc
from harmonize_evidence.domain.errors import BadInput
from harmonize_evidence.domain.text import has_hidden_characters

MAX_LENGTH = 100
"""The longest text read as a time on a post (longer text is refused with a sentence)."""

EXAMPLES = "20/11/2026 21:40, yesterday 9.40pm or 2 hours ago"
"""How to write a time on a post, for the sentences that refuse one and for placeholders."""

BEFORE_CAPTURE = "before the capture"
"""What the reading counts back from for a screen capture."""
BEFORE_RECORDING = "before it was recorded"
"""... for a file added or a record without an image, once kept."""
BEFORE_NOW = "ago"
"""... while a file or a record is being described, before it is kept (counted from now)."""

_WEEKDAYS = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = {
    **dict.fromkeys(("jan", "january"), 1),
    **dict.fromkeys(("feb", "february"), 2),
    **dict.fromkeys(("mar", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("may",), 5),
    **dict.fromkeys(("jun", "june"), 6),
    **dict.fromkeys(("jul", "july"), 7),
    **dict.fromkeys(("aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("oct", "october"), 10),
    **dict.fromkeys(("nov", "november"), 11),
    **dict.fromkeys(("dec", "december"), 12),
}
_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), timedelta(seconds=1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), timedelta(weeks=1)),
    **dict.fromkeys(("mo", "mos", "mth", "mths", "month", "months"), timedelta(days=30)),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), timedelta(days=365)),
}
_ZONES = {
    "gmt": UTC,
    "utc": UTC,
    "z": UTC,
    "bst": timezone(timedelta(hours=1)),
}


def _names(names: dict[str, int]) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


_WEEKDAY = rf"(?P<weekday>{_names(_WEEKDAYS)}),?"
_TIME = (
    r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2})(?:[:.](?P<second>[0-9]{2}))?)?"
    r" ?(?P<half>am|pm|a\.m\.|p\.m\.)?(?: (?P<zone>gmt|utc|bst|z))?"
)
_DATE = (
    r"(?:(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})"
    r"(?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?"
    rf"|(?P<nday>[0-9]{{1,2}})(?:st|nd|rd|th)? (?P<mname>{_names(_MONTHS)})\.?"
    r"(?:,? (?P<nyear>[0-9]{4}))?"
    r"|(?P<dayword>today|yesterday))"
)
_JOIN = r"(?:,? at |, | · | - | )"


class _Patterns(NamedTuple):
    date_first: re.Pattern[str]
    time_first: re.Pattern[str]
    day_alone: re.Pattern[str]
    relative: re.Pattern[str]
    iso: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """The patterns, compiled when a time is first read (not by every program that imports us)."""
    return _Patterns(
        date_first=re.compile(rf"(?:{_WEEKDAY} )?(?:{_DATE}{_JOIN})?{_TIME}", re.ASCII),
        time_first=re.compile(rf"{_TIME}{_JOIN}(?:{_WEEKDAY} )?(?:on )?{_DATE}", re.ASCII),
        day_alone=re.compile(rf"(?:{_WEEKDAY} ?)?(?:{_DATE})?", re.ASCII),
        relative=re.compile(
            r"(?:about |around |posted )?(?P<count>[0-9]{1,6}|an?|one) ?(?P<unit>[a-z]+)(?: ago)?",
            re.ASCII,
        ),
        iso=re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[t ][0-9]", re.ASCII | re.IGNORECASE),
    )


_NOW = ("now", "just now", "a moment ago", "moments ago", "a few seconds ago", "few seconds ago")


@dataclass(frozen=True)
class PostTime:
    """The time on a post: the text as typed, and the moment it was understood as."""

    typed: str
    """What was typed, its spaces tidied (one space between words, none at the ends)."""
    local: datetime
    """The moment it was understood as, in the user's zone (aware)."""
    approximate: bool
    """Whether it was read from a relative time (``2 hours ago``, ``3d``): about then."""

    @property
    def instant(self) -> datetime:
        """The moment in UTC."""
        return self.local.astimezone(UTC)

    @property
    def understood_iso(self) -> str:
        """The moment as ISO 8601 local time with its offset (``2026-11-21T21:40:00+00:00``)."""
        return self.local.isoformat(timespec="seconds")

    def reading(self, captured: datetime, *, before: str = BEFORE_CAPTURE) -> str:
        """``Sat 21 Nov 2026 21:40 GMT (about 2 hours before the capture)``.

        ``before`` names what the time is counted back from (:data:`BEFORE_CAPTURE`,
        :data:`BEFORE_RECORDING` or :data:`BEFORE_NOW`).
        """
        return understood_as(
            self.local, approximate=self.approximate, captured=captured, before=before
        )


def format_post_time(local: datetime, *, seconds: bool = True, always_seconds: bool = False) -> str:
    """``Sat 21 Nov 2026 21:40 GMT``: a moment as the reading shows it (and reads it back).

    Seconds are shown when there are any and ``seconds`` is true, or always with
    ``always_seconds`` (a log, whose times line up). The zone is the moment's own abbreviation
    when it has a short one (``GMT``, ``BST``), else its offset (``+02:00``).
    """
    shown = local.strftime("%a %d %b %Y %H:%M")
    if always_seconds or (seconds and local.second):
        shown += f":{local.second:02d}"
    name = local.tzname() or ""
    if not re.fullmatch(r"[A-Z]{2,5}", name):
        offset = local.strftime("%z")
        name = f"{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{shown} {name}".rstrip()


def understood_as(
    local: datetime, *, approximate: bool, captured: datetime, before: str = BEFORE_CAPTURE
) -> str:
    """What a time on a post was understood as, with how long before the capture it was."""
    duration = _duration(captured - local)
    if approximate:  # the platform's own count, exactly: "about" goes with the time instead
        when = format_post_time(local, seconds=False)
        duration = duration.removeprefix("about ")
        return f"about {when} ({duration} {before}, as the platform counts)"
    return f"{format_post_time(local)} ({duration} {before})"


def stored_reading(metadata: Mapping[str, Any]) -> str | None:
    """How an exhibit's time on the post was understood, from its stored metadata.

    The sentence of :func:`understood_as`, in the zone the exhibit was recorded in (its
    ``time_zone``) and counted from its capture (``utc``); the stored value as it is when it has
    another shape; None when the exhibit has no reading (no time on the post, or one kept
    before readings were stored).
    """
    understood = metadata.get("posted_at_understood")
    if not isinstance(understood, str):
        return None
    try:
        local = datetime.fromisoformat(understood)
    except ValueError:
        return understood
    if local.tzinfo is None:
        return understood
    zone_name = metadata.get("time_zone")
    if isinstance(zone_name, str):
        # A zone this computer does not know, or not a zone: the stored offset stands.
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, OSError, OverflowError):
            local = local.astimezone(ZoneInfo(zone_name))
    approximate = metadata.get("posted_at_approximate") is True
    try:
        captured = parse_utc(str(metadata.get("utc")))
    except ValueError:
        return ("about " if approximate else "") + format_post_time(local)
    before = BEFORE_CAPTURE if "capture" in metadata else BEFORE_RECORDING
    return understood_as(local, approximate=approximate, captured=captured, before=before)


def _duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "less than a minute"
    if seconds < 3600:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hour, day = 3600, 86400
    for limit, size, unit in (
        (2 * day, hour, "hour"),
        (14 * day, day, "day"),
        (365 * day, 7 * day, "week"),
        (None, 365 * day, "year"),
    ):
        if limit is None or seconds < limit:
            count = round(seconds / size)
            return f"about {count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")  # pragma: no cover


def local_instant(naive: datetime, zone: tzinfo, shown: str) -> datetime:
    """A wall-clock time in ``zone`` as an aware moment in that zone.

    A local time the clocks skipped (the hour in March) is refused; one they repeated (the
    hour in October) is read as the first, summer-time, reading.

    Raises:
        BadInput: the clocks skipped that time (``shown`` is how the sentence names it).
    """
    local = naive.replace(tzinfo=zone, fold=0)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        raise BadInput(
            f"{shown} did not happen on this computer's clock (the clocks went forward "
            "then); check the time, or say which clock it was on, like 01:30 GMT."
        )
    return local


def read_post_time(text: str | None, captured: datetime, zone: tzinfo) -> PostTime | None:
    """Read the time shown on a post, resolved against the capture, in the user's zone.

    Args:
        text: What was typed; None or blank: no time given.
        captured: When the evidence was captured (aware).
        zone: The user's local time zone.

    Returns:
        The time on the post, or None when nothing was typed.

    Raises:
        BadInput: one sentence saying why the text cannot be read, or why the time it reads
            as cannot be right (after the capture, or a time the clocks skipped).
    """
    if text is None or not text.strip():
        return None
    typed = " ".join(text.split())
    shown = _quoted(typed)
    if len(typed) > MAX_LENGTH:
        raise BadInput(
            f"The time on the post is too long to be a time ({len(typed)} characters); type it "
            f"as the post shows it, like {EXAMPLES}."
        )
    moment = captured.astimezone(zone)
    try:
        reading = read_wall_clock(typed, moment, zone)
    except (OverflowError, ValueError) as exc:  # a date past the calendar's ends
        raise BadInput(
            f"{shown} is too far from today to be the time on a post; type it as the post shows "
            f"it, like {EXAMPLES}."
        ) from exc
    if reading is None:
        raise BadInput(
            f"{shown} is not a time this program can read; type it as the post shows it, day "
            f"first, like {EXAMPLES}."
        )
    local, approximate = reading
    if local.astimezone(UTC) > captured.astimezone(UTC):
        raise BadInput(
            f"{shown} would be {format_post_time(local)}, after the capture "
            f"({format_post_time(moment)}); check the day and the year."
        )
    return PostTime(typed, local, approximate)


def read_wall_clock(typed: str, now: datetime, zone: tzinfo) -> tuple[datetime, bool] | None:
    """The moment ``typed`` names, by this module's grammar, and whether it is approximate.

    ``now`` is the moment days and relative times count from (aware). Nothing is checked
    against ``now``: the callers say what a time after it means. None: not a time this grammar
    reads.

    Raises:
        BadInput: a date that does not exist (31/02), a weekday that does not match the date,
            or a local time the clocks skipped.
        OverflowError, ValueError: a date outside the calendar's range.
    """
    cleaned = " ".join(typed.split()).lower()
    if cleaned in _NOW:
        return now.astimezone(zone), True
    patterns = _patterns()
    relative = patterns.relative.fullmatch(cleaned)
    if relative is not None and relative["unit"] in _UNITS:
        count_text = relative["count"]
        if count_text.isdigit():
            count = int(count_text)
        elif len(relative["unit"]) > 2:  # "a" or "an" only before a word: "an hour", not "a h"
            count = 1
        else:
            return None
        # Counted in real time (UTC), not on the wall clock: 3h across a clock change is 3 hours.
        return (now.astimezone(UTC) - _UNITS[relative["unit"]] * count).astimezone(zone), True
    if patterns.iso.match(typed.strip()):
        moment = _iso(typed.strip(), zone)
        return None if moment is None else (moment, False)
    match = patterns.date_first.fullmatch(cleaned) or patterns.time_first.fullmatch(cleaned)
    if match is None:
        if patterns.day_alone.fullmatch(cleaned):
            raise BadInput(
                f"{_quoted(typed)} gives no time of day; type the time the post shows too, like "
                "yesterday 21:40 or 20/11/2026 9.40pm."
            )
        return None
    moment = _absolute(match, now.astimezone(zone), zone, typed)
    return None if moment is None else (moment, False)


def _iso(text: str, zone: tzinfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return local_instant(moment, zone, text)
    return moment.astimezone(zone)


def _absolute(match: re.Match[str], now: datetime, zone: tzinfo, typed: str) -> datetime | None:
    clock = _clock_time(match)
    if clock is None:
        return None
    weekday_name = match["weekday"]
    weekday = None
    if weekday_name is not None:
        weekday = _WEEKDAYS.get(weekday_name)
        if weekday is None:
            return None
    year_given = True
    today = now.date()
    if match["day"] is not None or match["nday"] is not None:
        if match["day"] is not None:
            day, month, year_text = int(match["day"]), int(match["month"]), match["year"]
        else:
            day, year_text = int(match["nday"]), match["nyear"]
            month_number = _MONTHS.get(match["mname"])
            if month_number is None:
                return None
            month = month_number
        year_given = year_text is not None
        year = today.year if year_text is None else int(year_text)
        if year_text is not None and len(year_text) == 2:  # "26": the latest such year, 2026
            year += today.year // 100 * 100
            year -= 100 if year > today.year else 0
        if not 1 <= month <= 12:
            raise BadInput(
                f"{_quoted(typed)} has no month {month}: dates are read day first, like "
                "20/11/2026 for the 20th of November."
            )
        on = _date(year, month, day, typed)
    elif match["dayword"] is not None:
        on = today - timedelta(days=1 if match["dayword"] == "yesterday" else 0)
    elif weekday is not None:
        on = today - timedelta(days=(today.weekday() - weekday) % 7)
    else:
        on = today
    moment = _at(on, clock, match["zone"], zone, typed)
    weekday_alone = match["day"] is None and match["nday"] is None and match["dayword"] is None
    if weekday is not None and weekday_alone and moment > now:
        on -= timedelta(days=7)  # "Mon 21:40" on a Monday before 21:40: last week's Monday
        moment = _at(on, clock, match["zone"], zone, typed)
    if not year_given and moment > now:
        on = _date(on.year - 1, on.month, on.day, typed)
        moment = _at(on, clock, match["zone"], zone, typed)
    if weekday is not None and on.weekday() != weekday:
        raise BadInput(
            f"{on.strftime('%d %b %Y').lstrip('0')} was a {_WEEKDAY_NAMES[on.weekday()]}, not a "
            f"{_WEEKDAY_NAMES[weekday]}; check the date on the post."
        )
    return moment


def _clock_time(match: re.Match[str]) -> time | None:
    hour = int(match["hour"])
    half = match["half"]
    if match["minute"] is None and half is None:
        return None  # "21" alone is not a time
    minute = 0 if match["minute"] is None else int(match["minute"])
    second = 0 if match["second"] is None else int(match["second"])
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _date(year: int, month: int, day: int, typed: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        if not 1 <= year <= 9999:
            raise
        raise BadInput(
            f"{_quoted(typed)} names a day that does not exist ({day}/{month}/{year}); check the "
            "date on the post, day first."
        ) from exc


def _at(on: date, clock: time, zone_name: str | None, zone: tzinfo, typed: str) -> datetime:
    naive = datetime.combine(on, clock)
    if zone_name is not None:
        return naive.replace(tzinfo=_ZONES[zone_name]).astimezone(zone)
    return local_instant(naive, zone, _quoted(typed))


def _quoted(typed: str) -> str:
    """The typed text as a sentence quotes it, or a description when it cannot be quoted."""
    if len(typed) > 40 or has_hidden_characters(typed, multiline=False):
        return "What was typed as the time on the post"
    return f"“{typed}”"
