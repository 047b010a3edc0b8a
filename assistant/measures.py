"""The measures a question names, piece by piece, and the document a piece names by its title.

"专精特新文件说最高给2000万…，科技服务业文件说按1%贴息…，两个是叠加还是只能选一个？" names two
measures, each in its own piece, each by the document it is in. Whether measures stack, or what
each of several gives, is answered from each one's own clause: this module finds the pieces and
the documents they name; the chain retrieves for each.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from assistant.evidence import nominal, topic_terms, unquote
from assistant.understand import answer_kind_spans
from corpus.records import PolicyDocument

__all__ = ["without_answer_kind", "measure_pieces", "documents_named", "pieces_with_documents", "documents_mentioned"]

# where a question's pieces part: punctuation, and the words that join two measures
_PIECE_BREAK = re.compile(r"[，,。；;？?！!]|又|也|还有|和|跟|与|以及|以后|之后")
_PUNCT_BREAK = re.compile(r"[，,。；;？?！!]")
_ADVERBS = "又也"  # adverbs: the piece after one says more of the subject before it
# A piece that names a measure: it says what is given (an award, a subsidy, a loan), a sum of
# money, or the policy it is in; "我们是三高企业", "子公司今年评上了国家高企" tell who asks.
_MEASURE_MARK = re.compile(
    r"[奖补贴助]|资助|扶持|支持|融资|贷款|基金|保险|费|额度|减免|一次性|政策|措施|文件|\d+(?:\.\d+)?\s*(?:万|亿)|[一二两三四五六七八九十百千]+(?:万|亿)"
)
# a document named by its title's words: 科技服务业文件说, 引领工程那边, 按三高的孵化政策
_DOC_NOUN_AFTER = re.compile(r"的?[^，。？?、]{0,2}?(文件|措施|政策|办法|细则|解读|方案|那边|这边|那块|那个|那里|里面|里)")
_BY_BEFORE = re.compile(r"(按|按照|根据|依据|依照|参照)$")


def measure_pieces(query: str, *, told: bool = False) -> list[str]:
    """The pieces of a question that each name a measure, in order (at most one piece each).
    ``told``: every piece with topic words counts (in a question asking one total over what the
    company tells it got or did, each such piece is a measure's event)."""
    pieces: list[str] = []
    for sentence in _PUNCT_BREAK.split(query):
        at = 0
        for m in [*_PIECE_BREAK.finditer(sentence), None]:
            end = m.start() if m else len(sentence)
            piece = sentence[at:end].strip()
            joined = at > 0 and sentence[at - 1] in _ADVERBS and not topic_terms(piece)
            if joined and pieces:  # 区里也有每年最高100万: what follows 也/又 says what the subject before has
                pieces[-1] += sentence[at - 1] + piece
            else:
                pieces.append(piece)
            at = m.end() if m else len(sentence)
    return list(dict.fromkeys(p for p in pieces if p and topic_terms(p) and (told or _MEASURE_MARK.search(p))))


def documents_named(
    piece: str, documents: Sequence[PolicyDocument], idf: Callable[[str], float], allowed: Sequence[str] | None = None
) -> tuple[str, ...] | None:
    """The documents a piece names by their titles' words ("引领工程那边说…", "按三高的孵化政策"):
    the ones whose titles hold the most of those words, or None when the piece names none.

    A title word names the document only where the question speaks of a document: followed by a
    document noun (文件, 措施, 那边) or after 按/根据. Among ``allowed`` documents only.
    """
    pool = [d for d in documents if allowed is None or d.id in allowed]
    titles = {d.id: unquote(d.title) for d in pool}
    naming: list[str] = []
    for t in topic_terms(piece):
        at = piece.find(t)
        if len(t) < 2 or at < 0 or not any(t in title for title in titles.values()):
            continue
        if _DOC_NOUN_AFTER.match(piece, at + len(t)) or _BY_BEFORE.search(piece[:at]):
            naming.append(t)
    if not naming:
        return None
    weight = {i: sum(idf(t) for t in naming if t in title) for i, title in titles.items()}
    top = max(weight.values(), default=0.0)
    named = tuple(i for i, w in weight.items() if top > 0 and w >= top * 0.999)
    return named if named and len(named) < len(pool) else None


def pieces_with_documents(
    query: str,
    documents: Sequence[PolicyDocument],
    idf: Callable[[str], float],
    allowed: Sequence[str] | None = None,
    *,
    told: bool = False,
) -> list[tuple[str, tuple[str, ...] | None]]:
    """Each measure piece with the documents it names (None: it names none). A piece whose words
    fit documents of several regions ("科技服务业措施": Xiamen's and Shandong's) takes the region of
    the documents the other pieces name alone (三高 is Xiamen's)."""
    region = {d.id: d.region for d in documents}
    out = [(p, documents_named(p, documents, idf, allowed)) for p in measure_pieces(query, told=told)]
    sure = {region[n[0]] for _, n in out if n is not None and len({region[i] for i in n}) == 1}
    if len(sure) != 1:
        return out
    return [(p, n if n is None else tuple(i for i in n if region[i] in sure) or n) for p, n in out]


# A title word names its document when at most this many titles hold it and the clauses use it
# rarely (index idf at least _TITLE_IDF): 专精特新, 三高, 引领工程, 科技服务业; not 科技, 发展, 若干.
_TITLE_SHARE = 2
_TITLE_IDF = 1.0


def documents_mentioned(
    query: str, documents: Sequence[PolicyDocument], idf: Callable[[str], float], allowed: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The documents a question mentions anywhere by a word of their own titles ("我们既是专精特新
    又是科技服务企业": the 专精特新 measures and the 科技服务业 measures), in order of mention; a
    word that fits documents of several regions keeps those of the region the others name alone."""
    pool = [d for d in documents if allowed is None or d.id in allowed]
    titles = {d.id: unquote(d.title) for d in pool}
    found: list[tuple[int, tuple[str, ...]]] = []
    terms = topic_terms(query)
    # two words the segmenter parted that a title writes as one (科技+服务 in 科技服务中小企业)
    joined = [a + b for a, b in itertools.pairwise(terms) if a + b in query]
    for t in [*terms, *joined]:
        holders = tuple(i for i, title in titles.items() if t in title or (len(t) >= 4 and t[:-2] in title and t.endswith("企业")))
        if not holders or len(holders) > _TITLE_SHARE or idf(t) < _TITLE_IDF or not nominal(t):
            continue
        found.append((query.find(t), holders))
    region = {d.id: d.region for d in pool}
    sure = {region[h[0]] for _, h in found if len({region[i] for i in h}) == 1}
    out: list[str] = []
    for _, holders in sorted(found):
        keep = [i for i in holders if len(sure) != 1 or region[i] in sure] or list(holders)
        out += [i for i in keep if i not in out]
    return tuple(out)


def without_answer_kind(query: str) -> str:
    """The question without the words that say how it asks ("能叠加吗", "能两个都拿么"): what a
    measure's clause must cover is what the question is about, not whether things stack."""
    spans = sorted(answer_kind_spans(query))
    out, at = [], 0
    for a, b in spans:
        if a >= at:
            out.append(query[at:a])
        at = max(at, b)
    return "，".join(p for p in [*out, query[at:]] if p.strip())
