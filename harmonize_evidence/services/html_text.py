"""The text of an HTML email as plain text, for reading it in the program.

Apart from :mod:`harmonize_evidence.services.reading` so that its parser is imported only when an
HTML email is read, not with the incident view as the desktop program starts.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

log = logging.getLogger(__name__)

_SKIPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "object"}
_PARAGRAPHS = {
    "blockquote", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre",
    "table", "ul",
}  # fmt: skip
"""Tags that stand apart from what is around them by a blank line."""
_LINES = {
    "address", "article", "aside", "dd", "div", "dt", "fieldset", "figcaption", "footer", "form",
    "header", "li", "main", "nav", "section", "tr",
}  # fmt: skip
"""Tags that start on a line of their own."""


class _TextOfHtml(HTMLParser):
    """Collects the text a reader would see in an HTML email; loads nothing, runs nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str | int] = []
        """Text, and breaks: 1 a new line, 2 a blank line (breaks side by side merge)."""
        self._skipping = 0
        self._pre = 0
        self._links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skipping = 0  # a head that was never closed ends here, as in a browser
        if tag in _SKIPPED:
            self._skipping += 1
            return
        if self._skipping:
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in _PARAGRAPHS:
            self.parts.append(2)
        elif tag in _LINES:
            self.parts.append(1)
            if tag == "li":
                self.parts.append("• ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            self.parts.append(f" [picture: {alt}] " if alt else " [picture] ")
        if tag == "pre":
            self._pre += 1
        if tag == "a":
            href = dict(attrs).get("href")
            self._links.append(href.strip() if href else None)
            self.parts.append("")  # where the link's text starts

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
            return
        if self._skipping:
            return
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _PARAGRAPHS:
            self.parts.append(2)
        elif tag in _LINES:
            self.parts.append(1)
        if tag == "a" and self._links:
            href = self._links.pop()
            if href and not href.lower().startswith(("#", "javascript:", "data:")):
                shown = "".join(part for part in self.parts[-8:] if isinstance(part, str))
                if href not in shown:
                    # Where a link goes is evidence (a link that claims to be the school's).
                    self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The text of an HTML document as plain text: blocks on lines of their own, list items
    with bullets, pictures as ``[picture: alt]``, a link's address after its text; scripts,
    styles and the head left out. Nothing is fetched. Never raises."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # the parser is lenient; this is for what it has not seen yet
        log.info("an HTML email could not be read to its end", exc_info=True)
        parser.parts += [2, "[the rest of this HTML could not be read]"]
    pieces: list[str] = []
    pending = 0
    for part in parser.parts:
        if isinstance(part, int):
            pending = max(pending, part)
        elif part:
            if pending and pieces:
                pieces.append("\n" * pending)
            pending = 0
            pieces.append(part)
    lines = []
    for raw in "".join(pieces).split("\n"):
        line = raw.rstrip(" ")
        # One space left at the start by collapsing white space; more is a <pre>'s indent.
        lines.append(line[1:] if line.startswith(" ") and not line.startswith("  ") else line)
    return "\n".join(lines).strip("\n")
