"""The text of a saved web page, for measuring the drafter on the real pages (stdlib ``html.parser``).

Only a measuring aid: scripts, styles and markup are dropped and block elements end a line. The
product's converters (corpus/convert) are another piece of work; this is not one.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path

_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "td", "section", "article", "table"}
_SKIP = {"script", "style", "noscript", "template"}


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    """The visible text of an HTML file, one block a line, blank lines removed."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"
