"""Putting the spooled image data into the report that reportlab laid out.

reportlab builds a whole PDF in memory. To keep hundreds of screenshots out of memory, the
report is laid out with each image stream's data replaced by a short unique *marker*; the image
dictionaries already carry the real ``/Length``. :func:`splice_images` then writes the final
file: the laid-out PDF with each marker replaced by its image data, copied from the spool, and
a cross-reference table whose offsets are moved by the bytes inserted before each object. The
result is an ordinary single-revision PDF, ready to be signed.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from harmonize_evidence.export.images import SpooledBytes, copy_spooled

_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")


class AssemblyError(Exception):
    """The laid-out PDF is not what the assembly expects (a programming error, not user input)."""


@dataclass(frozen=True)
class Placement:
    """One marker in the laid-out PDF and the spooled data that replaces it."""

    marker: bytes
    data: SpooledBytes


def _xref_offset(base: bytes) -> int:
    tail = base[-1024:]
    match = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
    if match is None:
        raise AssemblyError("the laid-out PDF has no startxref")
    return int(match.group(1))


def _locate(base: bytes, placements: Sequence[Placement]) -> list[tuple[int, Placement]]:
    """Where each marker is in ``base``, in file order; every marker must occur exactly once.

    The markers share a prefix, so one pass over ``base`` finds them all (a search per marker
    would read the whole laid-out PDF once per image).
    """
    if not placements:
        return []
    by_marker = {placement.marker: placement for placement in placements}
    if len(by_marker) != len(placements):
        raise AssemblyError("two images have the same marker")
    first, last = min(by_marker), max(by_marker)
    shared = next(
        (i for i, pair in enumerate(zip(first, last, strict=True)) if len(set(pair)) > 1),
        len(first),
    )
    prefix = first[:shared]
    if len(prefix) < 16:
        raise AssemblyError("the image markers have no common prefix")
    length = len(placements[0].marker)
    if any(len(marker) != length for marker in by_marker):
        raise AssemblyError("the image markers differ in length")
    located: list[tuple[int, Placement]] = []
    seen: set[bytes] = set()
    for match in re.finditer(re.escape(prefix), base):
        marker = base[match.start() : match.start() + length]
        placement = by_marker.get(marker)
        if placement is None or marker in seen:
            raise AssemblyError("an image marker is unknown or not unique")
        seen.add(marker)
        located.append((match.start(), placement))
    if len(located) != len(placements):
        raise AssemblyError("an image marker is missing")
    return located


def splice_images(
    base: bytes, placements: Sequence[Placement], spool: BinaryIO, out: BinaryIO
) -> int:
    """Write ``base`` to ``out`` with every marker replaced by its spooled data.

    Returns the number of bytes written.
    """
    xref_at = _xref_offset(base)
    if not base.startswith(b"xref", xref_at):
        raise AssemblyError("the laid-out PDF has no classic cross-reference table")
    located = _locate(base, placements)
    if located and located[-1][0] > xref_at:
        raise AssemblyError("an image marker is outside the objects")
    positions = [position for position, _ in located]
    moved_before = list(
        itertools.accumulate(
            (placement.data.length - len(placement.marker) for _, placement in located),
            initial=0,
        )
    )

    def shift(offset: int) -> int:
        """Bytes inserted before ``offset`` of the laid-out PDF."""
        return moved_before[bisect.bisect_left(positions, offset)]

    written = 0
    cursor = 0
    for position, placement in located:
        out.write(base[cursor:position])
        written += position - cursor
        copy_spooled(spool, placement.data, out)
        written += placement.data.length
        cursor = position + len(placement.marker)
    out.write(base[cursor:xref_at])
    written += xref_at - cursor
    new_xref_at = xref_at + shift(xref_at)
    if new_xref_at != written:
        raise AssemblyError("the assembled PDF's offsets do not add up")

    trailer_at = base.find(b"trailer", xref_at)
    if trailer_at < 0:
        raise AssemblyError("the laid-out PDF has no trailer")
    lines = base[xref_at:trailer_at].split(b"\n")
    table = [b"xref"]
    for raw_line in lines[1:]:
        line = raw_line.strip()
        if not line:
            continue
        entry = _XREF_ENTRY.fullmatch(line)
        if entry is None:
            table.append(line)  # a subsection header: "first count"
            continue
        offset, generation, kind = int(entry.group(1)), entry.group(2), entry.group(3)
        if kind == b"n":
            offset += shift(offset)
        table.append(b"%010d %s %s\r" % (offset, generation, kind))
    xref = b"\n".join(table) + b"\n"
    trailer_end = base.find(b"startxref", trailer_at)
    tail = base[trailer_at:trailer_end] + b"startxref\n%d\n%%%%EOF\n" % new_xref_at
    out.write(xref)
    out.write(tail)
    return written + len(xref) + len(tail)
