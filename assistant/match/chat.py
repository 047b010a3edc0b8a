"""A chat question that describes a company and asks what it can claim ("我们是厦门的小巨人企业，
今年研发投入900万……能享受哪些政策？") is a match: the profile is read from the question with the
calculator's fact reader (``find_mentions``) and the company-type vocabulary, then matched."""

from __future__ import annotations

import re
from typing import Any

from assistant.calculator import INPUTS, find_mentions
from assistant.calculator.wording import _denied
from assistant.match.profile import COMPANY_TYPES, FIGURES, LOAN_KINDS, plain
from assistant.match.service import matcher_for
from assistant.records import Answer
from assistant.understand import detect_region, place_parts
from corpus.documents import Corpus
from corpus.settings import Settings

__all__ = ["asks_match", "profile_from_question", "answer_match_question"]

# "能享受哪些政策", "可以申请哪些补贴", "哪些补贴能申请", "适用哪些政策", "政策体检"
_ASKS = re.compile(
    r"(能|可以|可|能够|有资格)(享受|申请|申报|拿|领|获得|争取)(到)?(哪些|什么|啥|几项|多少项)[^，。？?]{0,6}(政策|补贴|补助|奖励|支持|扶持|优惠|资金|措施)"
    r"|(哪些|什么)(政策|补贴|补助|奖励|扶持|措施)[^，。？?]{0,4}(能|可以|可)(享受|申请|申报|拿|领)"
    r"|(适用|符合)(哪些|什么)(政策|补贴|措施)|政策体检"
)
_DELIMS = "，。；？！,;?!"
_KIND_TYPES = {
    "money": ("money",),
    "pct": ("pct",),
    "permille": ("permille",),
    "duration": ("months", "years"),
    "count": ("count", "level"),
}
_LOAN_CUES = ("贷款", "借款", "融资", "贷了", "借了")


def asks_match(question: str) -> bool:
    """The question asks which measures a company can claim."""
    return bool(_ASKS.search(question))


def _types(text: str) -> list[str]:
    """Company types the text names (longest name first, each stretch once), not those it denies."""
    flat = plain(text)
    denied = _denied(flat)
    taken = [False] * len(flat)
    found: list[str] = []
    words = sorted(((plain(w), t.name) for t in COMPANY_TYPES for w in (t.name, *t.aliases)), key=lambda e: -len(e[0]))
    for word, name in words:
        pos = flat.find(word)
        while pos >= 0 and any(taken[pos : pos + len(word)]):
            pos = flat.find(word, pos + 1)
        if pos < 0:
            continue
        for i in range(pos, pos + len(word)):
            taken[i] = True
        if any(word in d or d.startswith(word) for d in denied):
            continue
        if name not in found:
            found.append(name)
    return found


def _window(text: str, start: int, prev_end: int) -> str:
    lo = max(text.rfind(d, 0, start) for d in _DELIMS) + 1
    return text[max(lo, prev_end) : start]


def _place(question: str, region: str | None, word: str | None) -> tuple[str, str]:
    """(city, district) as the question writes them: 厦门湖里区 → (厦门, 湖里区); 湖里 alone → (厦门, 湖里区)."""
    if region is None or word is None:
        return "", ""
    return place_parts(region)


def profile_from_question(question: str) -> dict[str, Any] | None:
    """The profile a question describes, as data for ``profile_from_mapping``; None when it names
    neither a company type nor a figure."""
    region, word = detect_region(question)
    types = _types(question)
    figures: dict[str, object] = {}
    loan: dict[str, object] = {}
    loan_kind = next((k.name for k in LOAN_KINDS if k.word in question), None)
    mentions = [m for m in find_mentions(question) if not m.rule_like]
    prev_end = 0
    for m in mentions:
        window = _window(question, m.start, prev_end)
        prev_end = m.end
        if loan_kind and (any(c in window for c in _LOAN_CUES) or loan):
            key = {"money": "amount_wan", "pct": "rate_pct", "duration": "months"}.get(m.kind)
            if key and key not in loan and (m.kind != "money" or any(c in window for c in _LOAN_CUES)):
                loan[key] = m.value
                continue
        best: tuple[int, int, str] | None = None
        for f in FIGURES:
            if f.key in figures or INPUTS[f.input].type not in _KIND_TYPES[m.kind]:
                continue
            if m.kind == "count" and (INPUTS[f.input].type == "level") != (m.unit == "级"):
                continue
            for cue in f.cues:
                pos = window.rfind(cue)
                if pos >= 0 and (best is None or (len(cue), pos) > best[:2]):
                    best = (len(cue), pos, f.key)
            if best is None and m.kind == "count" and m.unit == "级":
                best = (0, 0, f.key)
        if best is not None:
            f = next(x for x in FIGURES if x.key == best[2])
            figures[f.key] = m.value / 12 if INPUTS[f.input].type == "years" else m.value
    if not types and not figures and not loan:
        return None
    city, district = _place(question, region, word)
    data: dict[str, Any] = {"city": city, "district": district, "types": types, "figures": {k: str(v) for k, v in figures.items()}}
    if loan_kind and "amount_wan" in loan:
        data["loans"] = [{"kind": loan_kind, **{k: str(v) for k, v in loan.items()}}]
    data["_region"] = region
    return data


def answer_match_question(question: str, settings: Settings, corpus: Corpus | None = None) -> Answer | None:
    """The match answer to a question that describes a company and asks what it can claim, or None."""
    if not asks_match(question):
        return None
    data = profile_from_question(question)
    if data is None:
        return None
    region = data.pop("_region")
    matcher = matcher_for(settings, corpus)
    if region is None:
        regions = "、".join(dict.fromkeys(d.region for d in matcher.corpus.documents))
        text = f"请说明企业的注册地（例如：厦门、济南），以便按当地政策逐项体检。现有文件覆盖：{regions}。"
        return Answer(question=question, condensed_question=question, text=text, lead=text, no_basis=False, intent="match")
    profile = matcher.profile(data)
    _, answer = matcher.match(profile)
    return Answer(
        question=question,
        condensed_question=question,
        text=answer.text,
        lead=answer.lead,
        no_basis=answer.no_basis,
        citations=answer.citations,
        calculations=answer.calculations,
        notices=answer.notices,
        intent="match",
        region=answer.region,
        retrieved=answer.retrieved,
    )
