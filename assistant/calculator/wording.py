"""How a question names awards: totals, maxima, denials, awards already received (for choosing rules)."""

from __future__ import annotations

import re
from collections.abc import Sequence

# A stated fact the rule takes as input weighs as much as a two-character cue word.
_FACT_WEIGHT = 4
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
_SEGMENT = re.compile(r"[^，。；？！,;?!\s]+")
_DENIAL = re.compile(r"(?<!是)(?:不是|并非|不属于|不算)([^，。；？！,;?!\s也又而但呢吗]+)")
_RECEIVED = re.compile(r"(?<![能可会要还])(?:已经获得|已获得|获得了|拿到了|已获|拿到|已拿|拿了|已领|领了|已收到|收到了|得到了)")
_AWARD_WORD = re.compile(r"补助|奖励|补贴|资助|经费|贴息|奖金|\d+(?:\.\d+)?\s*万|[一二两三四五六七八九十百千]+万")
_TOTAL = re.compile(
    r"(?:一共|总共|合计|共计|总计)(?:能|可以|可|最多|最高|多少|有多少|拿|领|给|补|奖|是)"
    r"|加起来|加在一起|加一起|合起来|两项|几项|各项|都算上|市里区里|市区两级"
    r"|(?:补助|奖励|补贴|资助|贴息|支持)再?加上?"
)
_MOST = re.compile(r"最多|最高|上限|封顶|顶格|至多|最大")


def asks_total(question: str) -> bool:
    """The question asks for a sum over several awards (加起来, 一共能拿, 两项, 补助加叠加奖励)."""
    return bool(_TOTAL.search(_plain(question)))


def asks_most(question: str) -> bool:
    """The question asks for the most that can be had (最多, 最高, 上限, 封顶)."""
    return bool(_MOST.search(question))


def _with_policy_text(clause_ids: Sequence[str]) -> list[str]:
    """The clauses given, then the 政策原文 of each FAQ answer given (…/问答2 → …/政策原文): a FAQ
    answer is about the policy text under its heading, which holds the terms the rules are read from."""
    out = list(clause_ids)
    for cid in clause_ids:
        head, _, leaf = cid.rpartition("/")
        if head and leaf.startswith("问答"):
            out.append(f"{head}/政策原文")
    return list(dict.fromkeys(out))


def _plain(text: str) -> str:
    return text.translate(_QUOTES).replace(" ", "").replace("\u3000", "")


def _taken(text: str, skip: Sequence[tuple[int, int]]) -> list[bool]:
    taken = [False] * len(text)
    for a, b in skip:
        for i in range(a, b):
            taken[i] = True
    return taken


def _covered_length(text: str, words: Sequence[str], taken: list[bool]) -> int:
    """Characters of ``text`` the words cover, longest word first, each stretch counted once
    (``taken`` marks what earlier words, or skipped sentences, already hold)."""
    total = 0
    for word in sorted(dict.fromkeys(words), key=len, reverse=True):  # ties in the words' own order, never a set's (hash-seeded)
        start = text.find(word) if word else -1
        while start >= 0:
            end = start + len(word)
            if not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                total += len(word)
                break
            start = text.find(word, start + 1)
    return total


def _received_spans(text: str) -> list[tuple[int, int]]:
    """Stretches of the question that tell of an award already received, with its amount or name."""
    spans = []
    for seg in _SEGMENT.finditer(text):
        words = seg.group()
        m = _RECEIVED.search(words)
        if m is None or re.search(r"多少|吗|几|怎么|如何", words):
            continue
        if _AWARD_WORD.search(words, m.end()) or _AWARD_WORD.search(words[: m.start()]):
            spans.append((seg.start(), seg.end()))
    return spans


# an award the question sets aside: "（先不算叠加奖励）", "运营补助先不算", "不含培训补贴"
_SET_ASIDE = re.compile(
    r"(?:先不算|暂不算|不算|不含|不包括|不考虑|除了|除去)[^，,。；;？?！!（）()]{2,12}"
    r"|[^，,。；;？?！!（）()]{2,12}?(?:先不算|暂不算|不算在内|除外|先不考虑)"
)


def _set_aside_spans(text: str) -> list[tuple[int, int]]:
    """Stretches of the question that name an award it leaves out of what it asks."""
    return [m.span() for m in _SET_ASIDE.finditer(text)]


def _denied(text: str) -> list[str]:
    return [m.group(1) for m in _DENIAL.finditer(text)]


def _is_denied(subject: str, denied: Sequence[str]) -> bool:
    """The subject (三高企业) or its name without 企业/单位 (三高) is what the question says it is not."""
    short = re.sub(r"(企业|单位|机构)$", "", subject)
    return any(subject in d or (short and d.startswith(short)) for d in denied)
