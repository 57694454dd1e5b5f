"""Teams' HTML in what people wrote, read as plain text (a message a message action was used on).

Teams hands a message action the message as HTML (``messagePayload.body`` with ``contentType: html``):
paragraphs, line breaks, mentions as ``<at>Anna Berg</at>`` or a ``<span itemtype=…Mention>``, emoji as
``<img alt="😀">`` or ``<emoji alt="😀">``, links, lists. The text is read with the standard library's
HTML parser rather than a regular expression, so an attribute holding ``>`` (``<a title="a>b">``) or a
stray ``<`` cannot leave markup or half a tag behind. What comes out is plain text: the core stores it
and every platform shows it as such (a Teams card as a TextRun, Slack escaped), so a ``<at>`` or a
``[label](url)`` someone wrote stays literal characters wherever it is shown.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Elements that start a new line of text; the rest (b, i, span, at, …) run on in their line.
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr"}
    | {f"h{level}" for level in range(1, 7)}
)
# Elements whose content is never text to read.
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
# Elements that show their alt text in place of a picture (Teams' emoji).
_PICTURES = frozenset({"img", "emoji"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._pre = 0
        self._links: list[tuple[int, str | None]] = []  # where each open link's label starts, its href

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self._pre += tag == "pre"
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("• ")
        elif tag in _PICTURES:
            alt = dict(attrs).get("alt")
            if alt and not self._hidden:
                self.parts.append(alt)
        elif tag == "a":
            self._links.append((len(self.parts), dict(attrs).get("href")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and <img/>: no content, so no end tag follows.
        if tag not in _HIDDEN and tag != "a":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        elif tag in _BLOCKS:
            self._pre = max(self._pre - (tag == "pre"), 0)
            self.parts.append("\n")
        elif tag == "a" and self._links:
            self._close_link(*self._links.pop())

    def handle_data(self, data: str) -> None:
        # A line break in HTML source is a space, except in <pre>; lines come from the elements.
        if not self._hidden:
            self.parts.append(data if self._pre else " ".join(data.splitlines()))

    def finish(self) -> str:
        """Return the text read so far (a link never closed keeps its label)."""
        self.close()
        while self._links:
            self._close_link(*self._links.pop())
        return "".join(self.parts)

    def _close_link(self, start: int, href: str | None) -> None:
        # The label stays; a web address that is not the label itself follows it in brackets.
        label = "".join(self.parts[start:]).strip()
        if href and _is_web(href) and href.strip() != label:
            self.parts.append(f" ({href.strip()})")


def _is_web(href: str) -> bool:
    try:
        return urlsplit(href.strip()).scheme in ("http", "https")
    except ValueError:
        return False


def html_text(content: str) -> str:
    """Return what an HTML message says as plain text: a line per paragraph, spaces collapsed."""
    reader = _Reader()
    reader.feed(content)
    return plain_lines(reader.finish())


def plain_lines(text: str) -> str:
    """Return the text with the spaces in each line collapsed, without control characters or empty lines."""
    # Only Cc goes: the format characters (Cf) include the joiner inside emoji such as 👨‍👩‍👧.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    shown = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    lines = (" ".join(line.split()) for line in shown.split("\n"))
    return "\n".join(line for line in lines if line)
