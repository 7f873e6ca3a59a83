"""The real clock: UTC from the system, the zone from the operating system's settings."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


class SystemClock:
    """The computer's clock and its IANA zone (``Europe/London`` on a UK school laptop)."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)

    @cached_property
    def zone_name(self) -> str:
        """The IANA name of the local zone; ``UTC`` if the system does not say."""
        try:
            import tzlocal

            name = tzlocal.get_localzone_name()
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            log.warning("cannot tell the local time zone: %s", exc)
            return "UTC"
        return name or "UTC"

    @cached_property
    def zone(self) -> tzinfo:
        """The local zone."""
        try:
            return ZoneInfo(self.zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
