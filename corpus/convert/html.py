"""A saved government web page → the policy's text, without navigation, scripts and footers.

BeautifulSoup (with lxml) parses the page and detects its encoding. The policy is the page's
element whose running text most outweighs the rest it holds (see ``_main_block``), so menus,
link lists, share bars and the site footer fall away.
Inline elements join without a break (a number in its own ``<span>`` stays in its sentence);
block elements and ``<br>`` end a line.

What the page prints about the document outside the body — the information box of a
规范性文件 platform (文号, 成文日期, 实施日期, 失效日期, 发布机构) and the site's owner (主办,
版权所有) — is returned as hints; the structurer uses them only where the body is silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from corpus.convert import Converted
from corpus.errors import IngestError

__all__ = ["convert_html", "HINT_LABELS"]

_DROP = ("script", "style", "noscript", "template", "iframe", "form", "select", "button", "input", "textarea", "svg", "head", "object")
_BLOCK = frozenset(
    "p div br li ul ol tr td th table tbody thead h1 h2 h3 h4 h5 h6 section article main header footer nav aside "
    "dd dt dl blockquote pre center hr address figure figcaption caption".split()
)
# Labels of a page's information box, as printed → the hint key the structurer reads.
HINT_LABELS = {
    "文号": "文号",
    "发文字号": "文号",
    "发文文号": "文号",
    "成文日期": "成文日期",
    "发文日期": "成文日期",
    "印发日期": "成文日期",
    "发布日期": "发布日期",
    "发表时间": "发布日期",
    "公布日期": "发布日期",
    "实施日期": "实施日期",
    "生效日期": "实施日期",
    "施行日期": "实施日期",
    "失效日期": "失效日期",
    "废止日期": "失效日期",
    "有效期至": "失效日期",
    "发布机构": "发布机构",
    "发布机关": "发布机构",
    "发文机关": "发布机构",
    "发文单位": "发布机构",
    "信息来源": "来源",
    "文章来源": "来源",
    "来源": "来源",
    "主办": "主办",
    "主办单位": "主办",
    "版权所有": "主办",
}
_SPACES = re.compile(r"[ \t\r\n\f\v\u3000\xa0]+")  # HTML collapses newlines in text to a space
_SITE_SUFFIX = re.compile(r"\s*[-_|｜—–]+\s*[^-_|｜—–]{2,40}(?:网站|门户网站|政府网|人民政府|网)\s*$")


def _lines(node: Tag) -> Iterator[str]:
    """The node's text, one line per block element; inline text joins."""
    parts: list[str] = []

    def walk(el: Tag) -> Iterator[str]:
        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                parts.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            block = child.name in _BLOCK
            if block and parts:
                yield "".join(parts)
                parts.clear()
            yield from walk(child)
            if block and parts:
                yield "".join(parts)
                parts.clear()

    yield from walk(node)
    if parts:
        yield "".join(parts)


def _clean(line: str) -> str:
    return _SPACES.sub(" ", line.replace("\u200b", "")).strip()


_SENTENCE = re.compile(r"[，。；！？,;]")  # not "：": a form's "开户银行：" is a label, not running text


def _main_block(body: Tag) -> Tag:
    """The element whose running text most outweighs everything else it holds.

    Each text node counts for its length: plus when the paragraph it stands in (its nearest
    block element) reads as running text — sentence punctuation, not a link — and minus
    otherwise (menus, link lists, form labels, footer lines). The element with the highest sum
    holds the policy and as little furniture as possible.
    """
    running: dict[int, bool] = {}

    def is_running(string: NavigableString) -> bool:
        block = string.parent
        while block is not None and block.name not in _BLOCK and block.name != "a":
            block = block.parent
        if block is None or block.name == "a" or string.find_parent("a") is not None:
            return False
        key = id(block)
        if key not in running:
            text = _clean(block.get_text())
            running[key] = len(text) >= 6 and bool(_SENTENCE.search(text))
        return running[key]

    best: tuple[int, int, Tag] = (-(10**9), 0, body)

    def score(el: Tag, depth: int) -> int:
        nonlocal best
        total = 0
        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if text := _clean(str(child)):
                    total += len(text) if is_running(child) else -len(text)
            elif isinstance(child, Tag):
                total += score(child, depth + 1)
        if (total, depth) > best[:2]:
            best = (total, depth, el)
        return total

    score(body, 0)
    return best[2]


def _hidden(el: Tag) -> bool:
    style = re.sub(r"\s+", "", str(el.get("style") or "")).lower()
    return el.has_attr("hidden") or "display:none" in style or "visibility:hidden" in style


_HINT = re.compile("(" + "|".join(sorted(HINT_LABELS, key=len, reverse=True)) + r")\s*[：:]")
_ANY_LABEL = re.compile(
    r"\s[\u4e00-\u9fff]{2,6}\s*[：:]|(?:浏览字号|字体大小|字号|联系方式|联系电话|地址|承办|网站标识码|浏览次数|分享)\s*[：:]|\s粤ICP|ICP备"
)


def _hints(lines: list[str]) -> list[tuple[str, str]]:
    """``label：value`` pairs of the page's information box, the value on the same or the next line."""
    out: list[tuple[str, str]] = []
    lines = [re.sub(r"([\u4e00-\u9fff]) +(?=[\u4e00-\u9fff]{1,4}\s*[：:])", r"\1", line) for line in lines]  # "文　　号："
    for i, line in enumerate(lines):
        # a label starts the line or follows a space or a short label's own end, not "资金来源："
        found = [
            m
            for m in _HINT.finditer(line)
            if m.start() == 0 or len(m.group(1)) >= 4 or not re.match(r"[\u4e00-\u9fff]", line[m.start() - 1])
        ]
        for j, m in enumerate(found):
            end = found[j + 1].start() if j + 1 < len(found) else len(line)
            value = line[m.end() : end].strip()
            if not value and j + 1 == len(found) and i + 1 < len(lines) and not _HINT.match(lines[i + 1]):
                value = lines[i + 1].strip()
            value = _ANY_LABEL.split(f" {value}", maxsplit=1)[0].strip()  # "主办：X 承办：Y"
            if HINT_LABELS[m.group(1)] not in ("来源", "发布机构"):
                value = value.split(" ")[0] if not re.match(r"\d{4}-\d", value) else value
            if value and len(value) <= 80:
                out.append((HINT_LABELS[m.group(1)], value))
    return out


def _page_title(soup: BeautifulSoup) -> str | None:
    heads = [h for h in (_clean(h.get_text()) for h in soup.find_all("h1")) if 6 <= len(h) <= 100]
    if heads:
        return heads[0]
    if soup.title and (title := _clean(soup.title.get_text())):
        return _SITE_SUFFIX.sub("", title) or None
    return None


def convert_html(data: bytes, name: str) -> Converted:
    """A saved web page: the densest block of its text, and its information box as hints."""
    soup = BeautifulSoup(data, "lxml")
    body = soup.body
    if body is None:
        raise IngestError(f"{name}: no <body> in the HTML; save the page as it is shown (HTML only)", message_zh="网页文件无正文。")
    title = _page_title(soup)
    for el in soup.find_all(_DROP):
        el.decompose()
    for el in [el for el in body.find_all(True) if _hidden(el)]:  # not shown: a print copy, a pop-up
        if not el.decomposed:
            el.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    page_lines = [c for line in _lines(body) if (c := _clean(line))]
    main = _main_block(body)
    lines = [c for line in _lines(main) if (c := _clean(line))]
    if sum(len(line) for line in lines) < 20:
        raise IngestError(f"{name}: the page holds almost no text; is it the page of the policy itself?", message_zh="网页中没有正文。")
    notes = [f"kept {len(lines)} of the page's {len(page_lines)} lines (the rest is navigation, scripts and footer)"]
    return Converted(text="\n".join(lines), format="html", source=name, title=title, hints=tuple(_hints(page_lines)), notes=tuple(notes))
