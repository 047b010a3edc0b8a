"""The retrieval chain: understand → scope by region → retrieve (hybrid) → decide whether there is
a basis → select evidence → calculate (amount questions) → compose → check figures → Answer.

Built from LangChain core runnables; each step is a plain function over a frozen ``Turn``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.compose import Evidence, compose_answer, compose_no_basis, merge_answers, numbers_without_source
from assistant.evidence import (
    DEPARTMENT_ASK,
    Support,
    best_span,
    how_asked,
    nominal,
    support,
    topic_terms,
    unquote,
    with_department,
)
from assistant.evidence import (
    credit as title_credit,
)
from assistant.measures import documents_mentioned, pieces_with_documents, without_answer_kind
from assistant.records import Answer, Calculation
from assistant.references import find_clause_ref, numbering_summary, resolve_ref
from assistant.understand import Understanding, issuer_named, split_question, understand
from corpus.errors import InputError, PolicyQAError
from corpus.records import Clause, DocKind, PolicyDocument
from corpus.settings import Settings
from corpus.structure.region import NATIONAL, detect_region, divisions
from index.store import ClauseIndex, Hit

__all__ = ["Assistant", "Turn", "Calculator", "build_chain", "AnswerIntegrityError", "MIN_COVERAGE", "MIN_DENSE", "MAX_PARTS"]

# The no-basis threshold, calibrated on eval/faq.jsonl (see the issue note for the figures):
# a clause answers a question when it covers at least MIN_COVERAGE of the question's topic words
# (weighted by rarity), or when the dense similarity is very high and some topic words are covered.
# multilingual-e5 similarities of unrelated Chinese policy sentences sit around 0.86-0.91, so the
# dense signal only counts above MIN_DENSE, and never alone (a question about 新能源汽车 scored
# 0.907 against a patent clause).
MIN_COVERAGE = 0.5
# A money figure as a rule reads it; a best clause without one states its amount in words.
_MONEY_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|亿元|元)")


def _is_province(region: str) -> bool:
    """A province's name (山东省): its measures cover its cities, whose own are a level of their own."""
    return any(d.level == 0 for d in divisions().get(region, ()))


_RULE_COVER_GAP = 0.2  # coverage by which the best clause must beat the rules' clauses to set them aside
MIN_DENSE = 0.92
MIN_DENSE_COVERAGE = 0.25
# A compound question is answered part by part only up to this many parts: each part is a whole
# retrieval and composition, and part i carries the i parts before it as history, so a crafted
# question of 50 "另外…" pieces cost 50 answers and quadratic condensing (16 s against 0.05 s).
# Past it the question is answered whole, like any other.
MAX_PARTS = 4
_MULTI = re.compile(
    r"比较|对比|区别|分别|哪个(更|高|多)|和.{1,20}(相比|比)|两(个|份|套)(文件|政策|措施)|同时|叠加|两边|都拿|都能拿|兼得|重复享受"
)
_VALIDITY_CLAUSE = re.compile(r"有效期|施行|实施")
_TOGETHER_MAX = 4  # measures quoted
_CONJUNCT = re.compile(r"和|与|跟|以及|及|、|还是")
_OVERVIEW_TERMS = 2  # an overview question names at most this many topic words (专精特新; 新认定, 高新技术企业)
_OVERVIEW_MAX = 6  # measures listed
_SUPPORT_WORDS = re.compile(r"给予|补助|补贴|奖励|奖补|资助|贴息|支持|扶持|减免|优先")
_VALIDITY_WORDS = re.compile(r"有效|到期|过期|失效|截止|施行|实施|执行|生效|期限")


class AnswerIntegrityError(PolicyQAError):
    """The composed answer states a figure no source gives: a defect, never shown to users."""


class Calculator(Protocol):
    def __call__(self, question: str, clauses: Sequence[Clause], u: Understanding) -> list[Calculation]: ...


@dataclass(frozen=True, slots=True)
class Turn:
    """The state one question carries through the chain."""

    question: str
    history: tuple[str, ...]
    started: float
    u: Understanding | None = None
    allowed_docs: tuple[str, ...] | None = None
    scope_note: str | None = None
    out_of_region: str | None = None
    referenced: tuple[str, ...] = ()  # clause ids the question names itself (…11号第7条)
    bad_reference: str | None = None  # why the document or clause the question names does not exist
    citing: tuple[str, ...] = ()  # the clauses that cite a 文号 the question names and no held document carries
    hits: tuple[Hit, ...] = ()
    answer: Answer | None = None


def _normalise_history(history: Any) -> tuple[str, ...]:
    """Earlier user questions, from strings or role/content messages (assistant turns ignored)."""
    out: list[str] = []
    for item in history or ():
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and item.get("role", "user") == "user" and isinstance(item.get("content"), str):
            out.append(item["content"])
        elif isinstance(item, dict) and "role" in item:
            continue
        else:
            raise InputError(f"history items must be strings or {{role, content}} messages, got {item!r}", message_zh="对话历史格式有误。")
    return tuple(h.strip() for h in out if h and h.strip())


class Assistant:
    """Answers questions from the documents of a clause index."""

    def __init__(self, index: ClauseIndex, settings: Settings, *, calculator: Calculator | None = None) -> None:
        self.index = index
        self.settings = settings
        self._corpus_text: str | None = None
        self.calculator = calculator
        self.single: Runnable[Turn, Answer] = build_chain(self)
        self.chain: Runnable[dict[str, Any], Answer] = RunnableLambda(self.validate, name="validate") | RunnableLambda(
            self.route, name="route"
        )

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Assistant:
        """The real thing: configured model and Chroma, index brought up to date if stale."""
        from index import open_index

        idx = open_index(settings, **kwargs)
        if not idx.is_current():
            idx.build()
        return cls(idx, settings, calculator=_default_calculator(idx, settings))

    def use_index(self, index: ClauseIndex) -> None:
        """Answer from ``index`` from now on (a knowledge-base update swaps it in; see assistant.knowledge)."""
        calculator = _default_calculator(index, self.settings) if self.calculator is not None else None
        self.index, self.calculator = index, calculator

    @property
    def documents(self) -> tuple[PolicyDocument, ...]:
        return self.index.corpus.documents

    def today(self) -> dt.date:
        return self.settings.today_date()

    def answer(self, question: str, history: Sequence[Any] = ()) -> Answer:
        """A cited answer to ``question``; ``history`` is the earlier user questions."""
        return self.chain.invoke({"question": question, "history": history})

    def route(self, turn: Turn) -> Answer:
        """A compound question ("…多少？另外…？", "厦门和山东…分别…") is answered part by part,
        each part as a question of its own (a later part may lean on the earlier ones); otherwise,
        or when splitting gains nothing, the question is answered whole."""
        from assistant.match.chat import answer_match_question

        matched = answer_match_question(turn.question, self.settings, self.index.corpus)
        if matched is not None:  # "我们是…企业，能享受哪些政策？": every measure, for the company it describes
            return self._checked(matched, turn.started)
        u = understand(turn.question, turn.history)
        turn = dataclasses.replace(turn, u=u)
        parts = [] if u.followup else split_question(u.query)
        if len(parts) < 2 and not u.followup and _asks_one_total(u):
            # "第一次评上…，同时…也做完了，花了八十万。这两样加一起能拿多少？": one sentence naming
            # several measures; when the whole finds no total, the calculator adds up over the clause
            # each measure piece finds
            whole = self.single.invoke(turn)
            if _adds_up(whole):
                return whole
            found = tuple(dict.fromkeys([*(c.clause_id for c in whole.citations), *self._piece_clauses(u, None)]))
            if len(found) > len(whole.citations):
                summed = self.single.invoke(dataclasses.replace(turn, referenced=found))
                if _adds_up(summed) and summed.calculations[0].amount_wan is not None:
                    return self._checked(summed, turn.started)
            return whole
        if len(parts) < 2 or len(parts) > MAX_PARTS:
            return self.single.invoke(turn)
        if _asks_one_total(u):
            # "…数字化改造投了50万；…管理咨询花了70万。两项补助合计多少？": one total the calculator
            # adds up over the measures the whole question names, when the whole finds them
            whole = self.single.invoke(turn)
            if _adds_up(whole):
                return whole
        answers = [
            (part, self.single.invoke(Turn(question=part, history=tuple(parts[:i]), started=time.perf_counter())))
            for i, part in enumerate(parts)
        ]
        # a part that names nothing the documents know ("两地分别说一下") adds nothing on its own
        answers = [(p, a) for p, a in answers if any(self._known(t) for t in topic_terms(p))]
        if _asks_one_total(u):
            # "今年首次评上小巨人，另外数字化改造投入40万。市区奖励加改造补助，合计多少？": one total,
            # added up by the calculator over the clauses the parts found, when it finds a total there
            found = tuple(dict.fromkeys(c.clause_id for _, a in answers for c in a.citations))
            whole = self.single.invoke(dataclasses.replace(turn, referenced=found))
            if _adds_up(whole) and whole.calculations[0].amount_wan is not None:
                return self._checked(whole, turn.started)
        with_basis = [a for _, a in answers if not a.no_basis]
        cited = [frozenset(c.clause_id for c in a.citations) for a in with_basis]
        if not with_basis or len(answers) < 2 or len(set(cited)) < len(cited):
            return self.single.invoke(turn)  # nothing answers, or the parts say the same thing
        merged = merge_answers(u.question, u.condensed, answers)
        retrieved = [cid for _, a in answers for cid in a.retrieved]
        merged = dataclasses.replace(merged, retrieved=tuple(dict.fromkeys(retrieved)))
        return self._checked(merged, turn.started)

    # -- steps ------------------------------------------------------------------------------
    def validate(self, data: dict[str, Any]) -> Turn:
        question = data.get("question")
        if not isinstance(question, str) or not question.strip():
            raise InputError("the question is empty", message_zh="请输入您的问题。")
        question = question.strip()
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"the question has {len(question)} characters; the limit is {self.settings.max_question_chars}",
                message_zh=f"问题过长（{len(question)}字），请控制在{self.settings.max_question_chars}字以内。",
            )
        history = _normalise_history(data.get("history"))
        if len(history) > self.settings.max_history:
            raise InputError(
                f"history has {len(history)} questions; the limit is {self.settings.max_history}",
                message_zh=f"对话轮数过多（超过{self.settings.max_history}轮），请清空对话后重新提问。",
            )
        if any(len(h) > self.settings.max_question_chars for h in history):
            raise InputError(
                "a history question is longer than the question limit", message_zh="对话历史中的问题过长，请清空对话后重新提问。"
            )
        return Turn(question=question, history=history, started=time.perf_counter())

    def understand_step(self, turn: Turn) -> Turn:
        """Understand the question, unless the route already did."""
        return turn if turn.u is not None else dataclasses.replace(turn, u=understand(turn.question, turn.history))

    def scope(self, turn: Turn) -> Turn:
        """Which documents may answer: those whose region covers the region the question names."""
        u = turn.u
        assert u is not None
        named = (
            self._named_by_number(u.query)
            or self._named_by_short_number(u.query)
            or self._named_by_title(u.query)
            or self._named_by_words(u.query)
        )
        if named is not None:  # "厦府办规〔2024〕11号…": that document, by its own name
            d, written = named
            if written:
                u = dataclasses.replace(u, query=u.query.replace(written, f"《{d.title}》"))
            turn = dataclasses.replace(turn, u=u, allowed_docs=(d.id,))
            ref = find_clause_ref(u.query[u.query.find(f"《{d.title}》") :] if written else u.query)
            if ref is None:
                return turn
            clauses = self.index.corpus.clauses_of(d.id)
            found = resolve_ref(ref, clauses)
            if not found:
                note = f"{d.cite_name}没有{ref.written}；{numbering_summary(d, clauses)}。"
                return dataclasses.replace(turn, bad_reference=note)
            return dataclasses.replace(turn, referenced=tuple(c.id for c in found))
        unknown = _DOC_NO.search(_unbracket(u.query))
        citing = self._citing(u.query[unknown.start() : unknown.end()]) if unknown is not None else ()
        if unknown is not None:  # a 文号 that no document held carries
            held = "、".join(f"{d.doc_no}" for d in self.documents if d.doc_no)
            note = f"现有政策文件中没有文号为“{u.query[unknown.start() : unknown.end()]}”的文件（现有文号：{held}）。"
            if citing:  # one a held document cites (厦委发〔2016〕4号): only what the citing clauses say of it answers
                return dataclasses.replace(turn, citing=citing, bad_reference=note)
            return dataclasses.replace(turn, allowed_docs=(), bad_reference=note)
        if u.region is None:
            return turn
        # "广州市" → "广东省广州市" by the divisions dataset, so a document of any place added later is found
        region = detect_region([u.region]) or u.region
        if region != u.region:
            u = dataclasses.replace(u, region=region)
            turn = dataclasses.replace(turn, u=u)
        covering = [d.id for d in self.documents if region.startswith(d.region) or d.region == NATIONAL]
        inside = [d for d in self.documents if d.region.startswith(region) and d.id not in covering]
        if covering and all(
            d.region != region and _is_province(d.region) for d in self.documents if d.id in covering and d.region != NATIONAL
        ):
            # "济南市对…有没有房租补贴": a city inside a province whose measures are held. The province's
            # measures apply there; the city's own government's are not held
            wider = "、".join(sorted({d.region for d in self.documents if d.id in covering and d.region != NATIONAL}))
            if u.region_word and issuer_named(u.query, u.region_word):
                return dataclasses.replace(turn, allowed_docs=(), out_of_region=f"{region}本级")
            note = f"现有文件中没有{region}本级的政策，以下为{wider}的政策（适用于全省，含{region}）。"
            return dataclasses.replace(turn, allowed_docs=tuple(covering), scope_note=note)
        if covering:
            return dataclasses.replace(turn, allowed_docs=tuple(covering))
        if inside and u.region_word and issuer_named(u.query, u.region_word):
            return dataclasses.replace(turn, allowed_docs=(), out_of_region=f"{region}本级")  # 福建省级层面…: not Xiamen's
        if inside:  # "福建" asked, only Xiamen documents held: answer, but say they are Xiamen's
            regions = "、".join(sorted({d.region for d in inside}))
            note = f"现有文件中没有{u.region}全省范围的政策，以下为{regions}的政策，仅适用于该地区。"
            return dataclasses.replace(turn, allowed_docs=tuple(d.id for d in inside), scope_note=note)
        return dataclasses.replace(turn, allowed_docs=(), out_of_region=u.region)

    def _citing(self, doc_no: str) -> tuple[str, ...]:
        """The clauses that cite a 文号 no held document carries (its issuer as written may start
        with a word of the question: 按厦科联〔2017〕44号), in corpus order."""
        plain = _unbracket(doc_no)
        issuer = plain.find("〔")
        for cut in range(0, max(issuer - 1, 0)):
            found = tuple(c.id for c in self.index.corpus.clauses if plain[cut:] in _unbracket(c.text))
            if found:
                return found
        return ()

    def _named_by_number(self, text: str) -> tuple[PolicyDocument, str] | None:
        """The document whose 文号 the text writes (any bracket style), with the words as written."""
        plain = _unbracket(text)
        for d in self.documents:
            pos = plain.find(_unbracket(d.doc_no)) if d.doc_no else -1
            if pos >= 0 and d.doc_no:
                return d, text[pos : pos + len(d.doc_no)]
        return None

    def _named_by_short_number(self, text: str) -> tuple[PolicyDocument, str] | None:
        """The one document a 文号 written short names: its number with its issuer and no year
        (鲁科字128号), or its number alone as a document (11号文); None when no held document or
        more than one carries it."""
        plain = _unbracket(text)
        if _DOC_NO.search(plain):  # a whole 文号 no held document carries is not a short one of a held one
            return None
        found: dict[str, tuple[PolicyDocument, str]] = {}
        for d in self.documents:
            m = _DOC_NO.fullmatch(_unbracket(d.doc_no or ""))
            if m is None:
                continue
            issuer, number = m.group("issuer"), m.group("number")
            for pat in (rf"{re.escape(issuer)}\s*{number}\s*号(?:文件|文)?", rf"(?<![\d〕年月日]){number}\s*号(?:文件|文)"):
                if hit := re.search(pat, plain):
                    found.setdefault(d.id, (d, text[hit.start() : hit.end()].strip()))
                    break
        return next(iter(found.values())) if len(found) == 1 else None

    def _named_by_words(self, text: str) -> tuple[PolicyDocument, str] | None:
        """A numbered item of a document the question names by its title's words ("引领工程那个若干措施
        第15条"): the one document whose title holds clearly more of the question's words."""
        if find_clause_ref(text) is None:
            return None
        terms = [t for t in topic_terms(text) if len(t) >= 2]
        weight = sorted(((sum(self.index.idf(t) for t in terms if t in d.title), d.id) for d in self.documents), reverse=True)
        if not weight or weight[0][0] <= 0 or (len(weight) > 1 and weight[0][0] < 1.5 * weight[1][0]):
            return None
        return next(d for d in self.documents if d.id == weight[0][1]), ""

    def _named_by_title(self, text: str) -> tuple[PolicyDocument, str] | None:
        """The document a 《title》 in the text names (the whole title, or the title naming it); a
        part of a title that several documents' titles hold (《若干措施》) names none of them."""
        for m in re.finditer(r"《([^》]{4,80})》", text):
            named = [d for d in self.documents if m.group(1) in d.title or d.title in m.group(1)]
            if len(named) == 1:
                return named[0], m.group(0)
        return None

    def retrieve(self, turn: Turn) -> Turn:
        u = turn.u
        assert u is not None
        if turn.allowed_docs == () or not topic_terms(u.query):
            return turn  # nothing to look for: no document may answer, or nothing is asked
        k = max(self.settings.k, 8)
        hits = self.index.search(u.query, k=k, doc_ids=turn.allowed_docs)
        if u.followup and u.own != u.query and any(self._names_own_topic(t, u.own) for t in topic_terms(u.own)):
            # a follow-up with a topic of its own ("那科技型中小企业共建联合实验室呢？"): what it
            # names itself leads, the conversation's topic follows
            own = self.index.search(u.own, k=k, doc_ids=turn.allowed_docs)
            hits = _interleave(own, hits)[:k]
        first = turn.referenced or turn.citing
        if first:  # the clause the question names (or the clauses citing the 文号 it names) first, whatever its rank
            named = [h for h in hits if h.clause.id in first]
            named += [
                Hit(self.index.corpus.clause(cid), 1.0, None, None, None, None) for cid in first if cid not in {h.clause.id for h in named}
            ]
            hits = named + [h for h in hits if h.clause.id not in first]
        return dataclasses.replace(turn, hits=tuple(hits))

    def _support(self, u: Understanding, hit: Hit) -> Support:
        return support(u.query, hit, self.index.idf, self._known, asked=u.own if u.followup else None)

    def _known(self, term: str) -> bool:
        """Whether any document uses the word (its text, titles or headings)."""
        if self._corpus_text is None:
            text = "".join(f"{c.document.title}{c.path}{c.text}" for c in self.index.corpus.clauses).lower()
            self._corpus_text = unquote(text)
        return term in self._corpus_text

    def _names_own_topic(self, term: str, own: str) -> bool:
        """A follow-up's word that names a topic of its own ("那管理咨询呢？"): a noun-like word the
        documents use, not a word of how it asks (哪个部门, 累计, 一年期)."""
        return self._known_or_short(term) and nominal(term) and not how_asked(term, own)

    def _known_or_short(self, term: str) -> bool:
        """Whether the documents use the word, or write it out in full (场租 for 场地租金)."""
        if self._known(term):
            return True
        if len(term) != 2:  # only a two-character contraction is read as written out in full
            return False
        assert self._corpus_text is not None
        spelled = f"{re.escape(term[0])}[\u4e00-\u9fff]{{1,2}}{re.escape(term[1])}"
        return re.search(spelled, self._corpus_text) is not None

    def closing_clause(self, d: PolicyDocument, pattern: re.Pattern[str] | None = None) -> Clause | None:
        """A document's closing provision matching ``pattern`` (default: its overlap rule)."""
        pat = pattern or re.compile(r"就高不重复|以本措施为准")
        for c in self.index.corpus.clauses_of(d.id):
            if pat.search(c.text) and (c.labels[0].startswith("[附则") or (c.labels[0] in ("三、",) and d.kind is DocKind.INTERPRETATION)):
                return c
        return None

    def _validity_evidence(self, d: PolicyDocument) -> Clause | None:
        if not d.validity_text:
            return None
        for c in self.index.corpus.clauses_of(d.id):
            if d.validity_text.strip("。") in c.text:
                return c
        return None

    def compose(self, turn: Turn) -> Turn:
        u = turn.u
        assert u is not None
        today = self.today()
        regions = "、".join(sorted({d.region for d in self.documents}))
        if turn.out_of_region:
            reason = f"现有政策文件不包含{turn.out_of_region}的政策（现有文件覆盖：{regions}）。"
            return dataclasses.replace(turn, answer=compose_no_basis(u, reason, (), today))
        if turn.citing:
            cited = [h for h in turn.hits if h.clause.id in turn.citing]
            # what the question asks besides the 文号 itself (whose words every citing clause holds)
            rest = dataclasses.replace(u, query=_DOC_NO.sub("", _unbracket(u.query)))
            if not any(_answers(self._support(rest, h)) for h in cited):
                return dataclasses.replace(turn, answer=compose_no_basis(u, turn.bad_reference or "", (), today))
            turn = dataclasses.replace(turn, hits=tuple(cited), bad_reference=None)
        if turn.bad_reference:
            return dataclasses.replace(turn, answer=compose_no_basis(u, turn.bad_reference, (), today))
        if not topic_terms(u.query) or not turn.hits:
            reason = "请说明您想了解的具体政策事项，例如补贴项目、申报条件或有效期。"
            return dataclasses.replace(turn, answer=compose_no_basis(u, reason, (), today))
        supports = [(h, self._support(u, h)) for h in turn.hits]
        said = f"{u.context} {' '.join(turn.history)}"
        if u.followup and any(self._names_own_topic(t, u.own) and t not in said for t in topic_terms(u.own)):
            # a follow-up with a topic the conversation had not named ("它要是再买国内贸易信用保险
            # 呢？"): answered by what covers that topic; the conversation only helped to find it
            own = dataclasses.replace(u, query=u.own)
            supports = [(h, self._support(own, h)) for h in turn.hits]

        answering = [(h, s) for h, s in supports if _answers(s) or h.clause.id in turn.referenced]
        if u.intent == "validity":
            return dataclasses.replace(turn, answer=self._compose_validity(u, turn, supports, today))
        if u.intent == "overview" and len(topic_terms(u.query)) <= _OVERVIEW_TERMS and answering:
            return dataclasses.replace(turn, answer=self._compose_overview(u, turn, answering, today))
        together = self._compose_together(u, turn, answering, today) if u.intent == "overlap" else None
        if together is not None:
            return dataclasses.replace(turn, answer=together)
        if u.intent == "overview":
            u = dataclasses.replace(u, intent="lookup")  # a specific question in an overview's words
        if not answering:
            top_missing = "、".join(supports[0][1].missing[:3])
            reason = f"现有文件中没有关于“{top_missing}”的规定。" if top_missing else ""
            related = [Evidence(h.clause, best_span(h.clause, u.query, self.index.idf, u.intent)) for h, _ in supports[:2]]
            return dataclasses.replace(turn, answer=compose_no_basis(u, reason, related, today))
        # the best-ranked clause, unless it covers the question weakly and another covers it much better
        primary, primary_support = answering[0]
        best_h, best_s = max(answering, key=lambda e: e[1].coverage)
        if primary_support.coverage < 0.6 and best_s.coverage >= primary_support.coverage + 0.3:
            primary, primary_support = best_h, best_s
        chosen = [primary]
        multi = bool(_MULTI.search(u.question)) or u.region is None
        for h, s in answering:
            if h is primary:
                continue
            if len(chosen) >= 3:
                break
            same_doc = h.clause.document.id == primary.clause.document.id
            close = s.coverage >= primary_support.coverage - 0.15 and h.score >= primary.score * 0.75
            if close and (not same_doc or multi):
                chosen.append(h)
            elif multi and not same_doc and s.coverage >= 0.75:
                chosen.append(h)
        calcs: list[Calculation] = []
        if self.calculator is not None and u.intent in ("amount", "cap"):
            # the rules of every clause that answers; the calculator ranks them by the question's words
            calcs = self.calculator(u.query, [h.clause for h, _ in answering], u)
        if calcs:
            # an amount answer rests on the clauses of its rules; others only when comparing
            by_id = {h.clause.id: h for h, _ in answering}
            rule_hits = [by_id[c] for c in dict.fromkeys(calc.clause_id for calc in calcs) if c in by_id]
            extra = [h for h in chosen if h not in rule_hits] if _MULTI.search(u.question) else []
            lead: list[Hit] = []
            provision = not primary.clause.labels[-1].startswith("[问答") and not _MONEY_FIGURE.search(primary.clause.text)
            same_doc = any(h.clause.document.id == primary.clause.document.id for h in rule_hits)
            if rule_hits and primary not in rule_hits and provision and same_doc:
                # the best clause is a provision of the rules' document that states the amount in words
                # no rule computes (不低于最低工资标准的80%): it leads; a rule of a clause that covers the
                # question clearly less computes nothing
                rule_cover = max(s.coverage for h, s in answering if h in rule_hits)
                if primary_support.coverage >= rule_cover + _RULE_COVER_GAP:
                    calcs, rule_hits = [], []
                if primary_support.coverage >= rule_cover:
                    lead = [primary]
            chosen = (lead + rule_hits + extra)[:3] or chosen
        evidence = [Evidence(h.clause, best_span(h.clause, u.query, self.index.idf, u.intent)) for h in chosen]
        if DEPARTMENT_ASK.search(u.own or u.query):  # "哪个部门负责": the 责任单位 the clause prints
            evidence = [Evidence(e.clause, with_department(e.clause, e.quote)) for e in evidence]
        answer = compose_answer(
            u, evidence, calcs, today=today, idf=self.index.idf, closing_clause=self.closing_clause, region_scope=turn.scope_note
        )
        return dataclasses.replace(turn, answer=answer)

    def _compose_overview(self, u: Understanding, turn: Turn, answering: list[tuple[Hit, Support]], today: dt.date) -> Answer:
        """A broad question ("专精特新企业有什么补贴？"): the measures that cover it, each quoted by
        its sentence that states what is given."""
        evidence = [Evidence(h.clause, best_span(h.clause, u.query, self.index.idf, "amount")) for h, _ in answering]
        # measures only: a quote that gives or supports something (not 主要目标, not a bare heading)
        evidence = [e for e in evidence if _SUPPORT_WORDS.search(e.quote)][:_OVERVIEW_MAX] or evidence[:1]
        return compose_answer(
            u, evidence, [], today=today, idf=self.index.idf, closing_clause=self.closing_clause, region_scope=turn.scope_note
        )

    def _compose_together(self, u: Understanding, turn: Turn, answering: list[tuple[Hit, Support]], today: dt.date) -> Answer | None:
        """Whether measures can all be had ("…按60%补，引领工程里又说…，能两边都拿吗"): each measure
        the question names, found piece by piece (in the document a piece names, when it names one)
        and quoted by its figure, and every involved document's own rule for overlaps as the lead.
        None when no piece and not the whole question finds a clause that answers."""
        chosen: list[tuple[Hit, str]] = [(answering[0][0], u.query)] if answering else []
        for h, piece in self._piece_hits(u, turn.allowed_docs):
            if h.clause.id not in {c.clause.id for c, _ in chosen}:
                chosen.append((h, piece))
        for doc in documents_mentioned(u.query, self.documents, self.index.idf, turn.allowed_docs):
            # a document the question names ("我们既是专精特新又是科技服务企业") without a piece of
            # its own: its clause for the whole question
            if doc in {h.clause.document.id for h, _ in chosen}:
                continue
            about = dataclasses.replace(u, query=without_answer_kind(u.query))
            found = [(h, self._support(about, h)) for h in self.index.search(u.query, k=4, doc_ids=(doc,))]
            found = [(h, s) for h, s in found if _answers(s)]
            if found:
                chosen.append((max(found, key=lambda e: e[1].coverage)[0], u.query))
        if not chosen:
            return None
        evidence = [Evidence(h.clause, best_span(h.clause, asked, self.index.idf, "amount")) for h, asked in chosen[:_TOGETHER_MAX]]
        return compose_answer(
            u, evidence, [], today=today, idf=self.index.idf, closing_clause=self.closing_clause, region_scope=turn.scope_note
        )

    def _piece_hits(
        self, u: Understanding, allowed: Sequence[str] | None, *, told: bool = False
    ) -> list[tuple[Hit, str]]:
        """For each measure piece of the question (in the document it names, when it names one),
        the clause that answers it best, with the piece. ``told``: a piece that tells what the
        company got or did ("第一次拿到…称号", "…改造也做完了") names a measure too."""
        out: list[tuple[Hit, str]] = []
        for piece, named in pieces_with_documents(u.query, self.documents, self.index.idf, allowed, told=told):
            if not any(self._known(t) for t in topic_terms(piece)):
                continue
            own = dataclasses.replace(u, query=without_answer_kind(piece) or piece)
            docs = named or allowed
            found = [(h, self._support(own, h)) for h in self.index.search(piece, k=4, doc_ids=docs)]
            found = [(h, s) for h, s in found if _answers(s)]
            if found:
                out.append((max(found, key=lambda e: e[1].coverage)[0], piece))  # ties: the better-ranked
        return out

    def _piece_clauses(self, u: Understanding, allowed: Sequence[str] | None) -> list[str]:
        return [h.clause.id for h, _ in self._piece_hits(u, allowed, told=True)]

    def _compose_validity(self, u: Understanding, turn: Turn, supports: list[tuple[Hit, Support]], today: dt.date) -> Answer:
        """Validity questions are answered from the closing provisions and the metadata."""
        terms = [t for t in topic_terms(u.query) if len(t) >= 2]
        # every document the question names by its own title's words ("专精特新那个措施和科技服务业
        # 那个措施，哪个先到期"); a list of two or more names documents beyond the region it names
        mentioned = documents_mentioned(u.query, self.documents, self.index.idf)
        allowed = [i for i in mentioned if turn.allowed_docs is None or i in turn.allowed_docs]
        if len(mentioned) - len(allowed) >= 2:
            allowed = [*mentioned, *(turn.allowed_docs or ())]
        named = [d for i in dict.fromkeys(allowed) for d in self.documents if d.id == i]
        about = [t for t in terms if not _VALIDITY_WORDS.search(t) and nominal(t)]  # 最早, 哪个先: how it compares, not a measure
        if named:
            docs = named[:4]
        elif about and not any(_answers(s) for _, s in supports):
            # "2020年那个房租减免现在还能申请吗": a measure no document has; its life is not the answer
            missing = "、".join(supports[0][1].missing[:3]) if supports else ""
            return compose_no_basis(u, f"现有文件中没有关于“{missing}”的规定。" if missing else "", [], today)
        elif about:  # the document of the clause that covers the measure asked about best
            docs = [max((e for e in supports if _answers(e[1])), key=lambda e: e[1].coverage)[0].clause.document]
        else:  # "这个文件有效期到什么时候？" naming no document: every document's status
            docs = list(self.documents)
        evidence: list[Evidence] = []
        silent: list[PolicyDocument] = []
        for d in docs:
            c = self._validity_evidence(d)
            if c is None:
                silent.append(d)
                continue
            quote = next(s for s in re.split(r"(?<=[。；])", c.text) if d.validity_text and d.validity_text.strip("。") in s).strip()
            evidence.append(Evidence(c, quote))
        if not evidence:
            reason = "、".join(f"《{d.title}》" for d in docs) + "未载明有效期或施行日期。"
            return compose_no_basis(u, reason, [], today)
        titles = "".join(d.title for d in docs)
        measures = [
            (h, s)
            for h, s in supports
            if _answers(s) and h.clause.document in docs and any(title_credit(t, titles) < 0.5 for t in s.matched if t in about)
        ]
        if measures:  # "孵化器奖励12月8号还能报吗": the measure asked about, after its document's life
            h = max(measures, key=lambda e: e[1].coverage)[0]
            if h.clause.id not in {e.clause.id for e in evidence}:
                evidence.append(Evidence(h.clause, best_span(h.clause, u.query, self.index.idf, "lookup")))
        silence = ["、".join(f"《{d.title}》（{d.region}）" for d in silent) + "未载明有效期或施行日期。"] if silent else []
        return compose_answer(
            u,
            evidence,
            [],
            today=today,
            idf=self.index.idf,
            closing_clause=self.closing_clause,
            region_scope=turn.scope_note,
            extra_notices=silence,
        )

    def verify(self, turn: Turn) -> Answer:
        """Every figure in the answer must come from a cited clause, a calculation or metadata."""
        answer = turn.answer
        assert answer is not None and turn.u is not None
        retrieved = [h.clause.id for h in turn.hits]
        if answer.intent == "validity" and not answer.no_basis:  # looked up from the closing provisions
            retrieved = [c.clause_id for c in answer.citations] + retrieved
        answer = dataclasses.replace(answer, retrieved=tuple(dict.fromkeys(retrieved)))
        return self._checked(answer, turn.started)

    def _checked(self, answer: Answer, started: float) -> Answer:
        bad = self.unsourced_figures(answer)
        if bad:
            raise AnswerIntegrityError(f"answer to {answer.question!r} states figures with no source: {bad!r}")
        return dataclasses.replace(answer, elapsed_ms=(time.perf_counter() - started) * 1000)

    def unsourced_figures(self, answer: Answer) -> list[str]:
        """Figures in the answer's text found in no cited clause, calculation or document metadata
        (dates, 文号, validity), nor in the parts of the question it names; [] when all have a source."""
        today = self.today()
        sources = [
            f"{d.title} {d.doc_no or ''} {d.validity(today).describe()} {d.region}"
            for d in self.documents
            if d.id in {c.doc_id for c in (*answer.citations, *answer.related)}
            or d.title in answer.text
            or (d.doc_no and d.doc_no in answer.text)
        ]
        sources += [answer.region or "", *answer.parts]
        # the numbering of a document the answer names, and the 文号 or item the question itself
        # wrote, when the answer says there is no such document or item
        sources += [numbering_summary(d, self.index.corpus.clauses_of(d.id)) for d in self.documents if d.title in answer.text]
        asked = _unbracket(answer.question)
        sources += [m.group() for m in _DOC_NO.finditer(asked)]
        ref = find_clause_ref(answer.question)
        sources += [ref.written] if ref is not None else []
        return numbers_without_source(answer, sources)


# A 文号 as printed: issuer abbreviation, year in brackets, number (厦府办规〔2024〕11号, 鲁科字〔2025〕128号)
_DOC_NO = re.compile(r"(?P<issuer>[\u4e00-\u9fff]{1,10})〔(?:19|20)\d\d〕第?(?P<number>\d{1,4})号")
_BRACKETS = str.maketrans("[【（(]】）)", "〔〔〔〔〕〕〕〕")


def _asks_one_total(u: Understanding) -> bool:
    """The question ends by asking one sum over the awards it describes (两项合计多少, 加起来能拿多少)."""
    from assistant.calculator import asks_total

    pieces = [p for p in re.split(r"[。？！?!；;]", u.query) if p.strip()]
    return u.intent in ("amount", "cap") and bool(pieces) and asks_total(pieces[-1])


def _adds_up(answer: Answer) -> bool:
    """The answer's headline calculation is a total over several rules."""
    return not answer.no_basis and bool(answer.calculations) and "+" in answer.calculations[0].rule_id


def _unbracket(text: str) -> str:
    """文号 brackets written any way (厦科规[2025]7号, 厦科规（2025）7号) as 〔〕; same length."""
    return text.translate(_BRACKETS)


def _interleave(first: Sequence[Hit], second: Sequence[Hit]) -> list[Hit]:
    """Two rankings merged by rank, ``first`` winning ties, each clause once."""
    out: dict[str, Hit] = {}
    for pair in zip(first, second, strict=False):
        for h in pair:
            out.setdefault(h.clause.id, h)
    for h in (*first[len(second) :], *second[len(first) :]):
        out.setdefault(h.clause.id, h)
    return list(out.values())


def _answers(s: Support) -> bool:
    """Whether a clause answers the question (the no-basis threshold)."""
    if not s.about:  # it shares words with the question, not what the question asks about
        return False
    return s.coverage >= MIN_COVERAGE or ((s.dense or 0) >= MIN_DENSE and s.coverage >= MIN_DENSE_COVERAGE)


def build_chain(assistant: Assistant) -> Runnable[Turn, Answer]:
    """One validated question: understand | scope | retrieve | compose | verify, as LangChain
    runnables (``Assistant.chain`` puts validate and the compound-question route in front)."""
    steps: list[Callable[[Any], Any]] = [
        assistant.understand_step,
        assistant.scope,
        assistant.retrieve,
        assistant.compose,
        assistant.verify,
    ]
    chain: Runnable[Any, Any] = RunnableLambda(steps[0], name="understand")
    for step in steps[1:]:
        chain = chain | RunnableLambda(step, name=step.__name__)
    return chain


def _default_calculator(index: ClauseIndex, settings: Settings) -> Calculator:
    from assistant.calculate_step import calculator_for_chain

    by_id = {c.id: c for c in index.corpus.clauses}
    from assistant.calculator import RuleBook, load_rules

    # a documents folder without rules (nothing drafted or reviewed yet) answers without amounts
    rules = load_rules(settings.rules_dir) if any(settings.rules_dir.glob("*.yaml")) else RuleBook(())
    return calculator_for_chain(by_id.get, settings.today_date, rules)
