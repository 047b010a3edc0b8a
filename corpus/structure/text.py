"""Small text helpers of the structurer: Chinese numbers and dates, spacing, sentence ends."""

from __future__ import annotations

import datetime as dt
import re

__all__ = [
    "DATE",
    "SENTENCE_PUNCT",
    "cn_number",
    "date_of",
    "printed_date",
    "ends_sentence",
    "join",
    "squash",
    "tidy",
    "unclosed",
    "printed_width",
]

_CN_DIGIT = {ch: n for n, chars in enumerate(("零〇○", "一", "二两", "三", "四", "五", "六", "七", "八", "九")) for ch in chars}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> int:
    """1, 12, 一, 十六, 二十一, 一百零一, 二〇二四 → int."""
    if s.isascii() and s.isdigit():
        return int(s)
    if len(s) > 1 and all(ch in _CN_DIGIT for ch in s):  # a year written digit by digit
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))
    total, digit = 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (digit or 1) * _CN_UNIT[ch]
            digit = 0
        elif ch.isdigit():
            digit = digit * 10 + int(ch)
    return total + digit


_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
DATE = re.compile(rf"(?P<y>(?:19|20)\d{{2}}|[〇○零一二三四五六七八九]{{4}})\s*年\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*日")


def date_of(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(cn_number(m.group("y")), cn_number(m.group("m")), cn_number(m.group("d")))
    except ValueError:
        return None


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2018-\u201d\u2026]")


def tidy(text: str) -> str:
    """Drop the spaces PDF extraction puts around Chinese text ("2024 年 9月", "年化 1% 贴息")."""

    def keep_between_latin(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        return "" if _CJK.match(before) or _CJK.match(after) else m.group()

    return _SPACES.sub(keep_between_latin, text).strip()


def join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def printed_width(text: str) -> float:
    """Printed width in Chinese characters: ASCII counts half."""
    return len(text) - 0.5 * len(text.encode("ascii", "ignore"))


_OPEN, _CLOSE = "（(“《〈「『【", "）)”》〉」』】"
_BRACKET = re.compile(f"[{re.escape(_OPEN + _CLOSE)}]")
_FINAL_PUNCT = "。！？；：!?;:…"
SENTENCE_PUNCT = re.compile(r"[，,。；;：:！!？?]")


def unclosed(text: str) -> int | None:
    """Position of the innermost bracket or quote still open at the end of ``text``, if any."""
    stack: list[int] = []
    for m in _BRACKET.finditer(text):
        if m.group() in _OPEN:
            stack.append(m.start())
        elif stack:
            stack.pop()
    return stack[-1] if stack else None


def ends_sentence(text: str) -> bool:
    """Whether a paragraph may end after ``text``: final punctuation outside any open bracket.

    A parenthesis closing the text ends it when it follows a finished sentence or stands alone
    ("…氛围。（责任单位：…）", "（此件主动公开）") or names who is responsible
    ("…政策支持（责任单位：…）").
    """
    pos = unclosed(text)
    if pos is not None and len(text) - pos < 200:  # an opener far back is a typo, not a wrap
        return False
    t = text.rstrip()
    while t and t[-1] in "”’」』》":
        t = t[:-1]
    if not t:
        return False
    if t[-1] in _FINAL_PUNCT:
        return True
    if t[-1] in "）)":
        depth = 0
        for i in range(len(t) - 1, -1, -1):
            if t[i] in "）)":
                depth += 1
            elif t[i] in "（(":
                depth -= 1
                if depth == 0:
                    before, inner = t[:i].rstrip(), t[i + 1 : -1]
                    return not before or before[-1] in _FINAL_PUNCT or inner.startswith("责任") or inner.endswith(("负责", "牵头"))
    return False


_ISO_LIKE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def printed_date(value: str | None) -> dt.date | None:
    """A date as a web page's information box prints it: 2024-07-26, 2019年10月16日, 2025-04-08 11:24."""
    if not value:
        return None
    if m := DATE.search(value):
        return date_of(m)
    if m := _ISO_LIKE.search(value):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None
