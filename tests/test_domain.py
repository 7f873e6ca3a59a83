"""Pure rules: web addresses, platforms, identifiers, user text and the chain format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harmonize_evidence.domain.chain import (
    GENESIS_HASH,
    StoredEntry,
    entry_body,
    sha256_hex,
    verify_chain,
)
from harmonize_evidence.domain.clock import FixedClock, format_utc, local_time, parse_utc
from harmonize_evidence.domain.errors import BadInput, InvalidUrl
from harmonize_evidence.domain.model import (
    normalise_exhibit_ref,
    normalise_incident_id,
    validate_initials,
)
from harmonize_evidence.domain.text import check_text
from harmonize_evidence.domain.urls import detect_platform, validate_url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "https://",
        "http://[::1",
        "https://example.com/\u202etxt.exe",
        "https://exa mple.com/",
        "example.com/no-scheme",
        "",
    ],
)
def test_only_plain_web_addresses_are_recorded(url: str) -> None:
    with pytest.raises(InvalidUrl):
        validate_url(url)


def test_a_hundred_kilobyte_url_is_refused_with_its_length() -> None:
    with pytest.raises(InvalidUrl, match="102,4"):
        validate_url("https://example.com/" + "a" * 102_400)


def test_url_is_kept_as_given_apart_from_surrounding_spaces() -> None:
    url = "https://www.Instagram.com/p/Cx_1?igsh=abc&utm_source=ig"
    assert validate_url(f"  {url}\n") == url


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.facebook.com/groups/1", "Facebook"),
        ("https://m.facebook.com/story.php?id=1", "Facebook"),
        ("https://www.instagram.com/p/abc/", "Instagram"),
        ("https://vm.tiktok.com/ZGe1/", "TikTok"),
        ("https://www.snapchat.com/add/x", "Snapchat"),
        ("https://x.com/someone/status/1", "X/Twitter"),
        ("https://twitter.com/someone", "X/Twitter"),
        ("https://youtu.be/abc", "YouTube"),
        ("https://www.linkedin.com/in/x", "LinkedIn"),
        ("https://wa.me/447700900000", "WhatsApp"),
        ("https://discord.gg/abc", "Discord"),
        ("https://old.reddit.com/r/x", "Reddit"),
        ("https://www.twitch.tv/x", "Twitch"),
        ("https://www.roblox.com/users/1", "Roblox"),
        ("https://notfacebook.com/", "other"),
        ("https://facebook.com.evil.example/", "other"),
        ("https://example.org/", "other"),
    ],
)
def test_platform_is_detected_from_the_host(url: str, platform: str) -> None:
    assert detect_platform(validate_url(url)) == platform


def test_incident_ids_and_exhibit_references_are_normalised() -> None:
    assert normalise_incident_id("inc-2026-7") == "INC-2026-0007"
    assert normalise_exhibit_ref("zl-3") == "ZL/3"
    assert validate_initials(" zl ") == "ZL"
    with pytest.raises(BadInput):
        normalise_incident_id("INC-26-1")
    with pytest.raises(BadInput):
        normalise_exhibit_ref("../etc")
    with pytest.raises(BadInput):
        validate_initials("Z.L.")


def test_markup_in_text_is_data_but_control_characters_are_refused() -> None:
    assert (
        check_text("<b>bold</b> <img src=x>", "note", max_length=100) == "<b>bold</b> <img src=x>"
    )
    assert check_text("line one\nline two", "note", max_length=100, multiline=True)
    with pytest.raises(BadInput, match="control"):
        check_text("bell\x07", "title", max_length=100)
    with pytest.raises(BadInput, match="control"):
        check_text("line one\nline two", "title", max_length=100)
    with pytest.raises(BadInput, match="text-direction"):
        check_text("abc\u202edef", "note", max_length=100, multiline=True)
    with pytest.raises(BadInput, match="limit"):
        check_text("x" * 101, "title", max_length=100)


def test_capture_time_carries_gmt_and_bst_offsets_either_side_of_the_change() -> None:
    # UK clocks went forward at 01:00 UTC on 29 March 2026.
    before = FixedClock(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC))
    after = FixedClock(datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC))
    gmt = local_time(before.now(), before.zone, before.zone_name)
    bst = local_time(after.now(), after.zone, after.zone_name)
    assert (gmt.utc_offset, gmt.local_iso) == ("+00:00", "2026-03-29T00:59:59+00:00")
    assert (bst.utc_offset, bst.local_iso) == ("+01:00", "2026-03-29T02:00:00+01:00")
    assert gmt.zone_name == bst.zone_name == "Europe/London"


def _entries(count: int) -> list[StoredEntry]:
    rows = []
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        body = entry_body(
            incident_id="INC-2026-0001",
            seq=seq,
            utc="2026-11-21T21:40:05.000000Z",
            actor="Zoë Lane (ZL)",
            action="note_added",
            details={"text": f"note {seq}"},
            evidence_sha256=None,
            prev_hash=prev,
        )
        prev = sha256_hex(body)
        rows.append(StoredEntry(seq, prev, body, b"sig", "note_added", None))
    return rows


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.builds(
            timezone, st.integers(-23 * 60 + 1, 23 * 60 - 1).map(lambda m: timedelta(minutes=m))
        ),
    )
)
def test_a_stored_time_reads_back_as_the_same_moment_in_utc(moment: datetime) -> None:
    read = parse_utc(format_utc(moment))
    assert read == moment
    assert read.tzinfo is UTC
    assert read.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text", ["2026-11-21T20:00:00.000000", "2026-11-21T20:00:00+01:00", "21 Nov 2026 20:00Z"]
)
def test_a_time_not_written_as_utc_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a UTC time|Invalid isoformat"):
        parse_utc(text)


def test_an_intact_chain_has_no_problems() -> None:
    entries, problems = verify_chain("INC-2026-0001", _entries(3), lambda s, d: s == b"sig")
    assert problems == []
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH


def test_a_missing_entry_is_named() -> None:
    rows = _entries(4)
    del rows[1]
    _, problems = verify_chain("INC-2026-0001", rows, lambda s, d: True)
    assert {p.subject for p in problems} == {"custody entry 3"}


def test_entry_body_is_rfc8785_canonical_json() -> None:
    body = entry_body(
        incident_id="INC-2026-0001",
        seq=1,
        utc="t",
        actor="Zoë",
        action="a",
        details={"b": 1, "a": "é"},
        evidence_sha256=None,
        prev_hash=GENESIS_HASH,
    )
    assert body.startswith(b'{"action":"a","actor":"Zo\xc3\xab","details":{"a":"\xc3\xa9","b":1}')
