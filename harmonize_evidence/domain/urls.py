"""Validation of the addresses of online content, and the platform each belongs to."""

from __future__ import annotations

from urllib.parse import urlsplit

from harmonize_evidence.domain.errors import InvalidUrl
from harmonize_evidence.domain.text import has_hidden_characters

URL_MAX = 4096

# Host suffixes of each platform, matched against the host and its parent domains.
PLATFORM_DOMAINS: dict[str, tuple[str, ...]] = {
    "Facebook": ("facebook.com", "fb.com", "fb.watch", "messenger.com", "fb.me"),
    "Instagram": ("instagram.com", "instagr.am"),
    "TikTok": ("tiktok.com",),
    "Snapchat": ("snapchat.com",),
    "X/Twitter": ("x.com", "twitter.com", "t.co"),
    "YouTube": ("youtube.com", "youtu.be", "youtube-nocookie.com"),
    "LinkedIn": ("linkedin.com", "lnkd.in"),
    "WhatsApp": ("whatsapp.com", "whatsapp.net", "wa.me"),
    "Discord": ("discord.com", "discord.gg", "discordapp.com"),
    "Reddit": ("reddit.com", "redd.it"),
    "Twitch": ("twitch.tv",),
    "Roblox": ("roblox.com",),
}
OTHER_PLATFORM = "other"
PLATFORMS: tuple[str, ...] = (*PLATFORM_DOMAINS, OTHER_PLATFORM)


def validate_url(text: str) -> str:
    """Return the URL, trimmed of surrounding spaces, if it is a plain web address.

    Only ``http`` and ``https`` with a host are accepted; ``javascript:``, ``data:``, ``file:``
    and the like are refused whatever their case, as are control and text-direction characters
    and anything longer than :data:`URL_MAX` characters.
    """
    if len(text) > URL_MAX:
        raise InvalidUrl(
            f"The web address is {len(text):,} characters long; the limit is {URL_MAX:,}."
        )
    url = text.strip()
    if not url:
        raise InvalidUrl("The web address is empty.")
    if has_hidden_characters(url, multiline=False) or any(c.isspace() for c in url):
        raise InvalidUrl("The web address contains spaces or hidden characters; copy it again.")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise InvalidUrl(
            "Only web addresses starting with http:// or https:// can be recorded."
            if scheme
            else "The web address must start with http:// or https://."
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        raise InvalidUrl("The web address is malformed; copy it again from the browser.") from exc
    if not host:
        raise InvalidUrl("The web address has no site name after http:// or https://.")
    return url


def detect_platform(url: str) -> str:
    """The platform a validated URL belongs to, e.g. ``Instagram``; ``other`` when unknown."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return OTHER_PLATFORM
    for platform, domains in PLATFORM_DOMAINS.items():
        for domain in domains:
            if host == domain or host.endswith("." + domain):
                return platform
    return OTHER_PLATFORM
