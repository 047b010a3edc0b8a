"""Policy matching over realistic company profiles, read against the documents.

The expected groups and amounts below were worked out by hand from the clause text of
corpus/documents/*.md (quoted in each case's comment) by the matcher's own author, so they are
not blind; where the blind profiles of test_match_blind.py showed the matcher wrong (an amount at
a clause's highest rate counted as definite, an award for an activity the company never stated
given as claimable), they follow the document now, said in the case's comment. The one case
written after the matcher was run is named not-blind-…. A change to the rules or the matcher that
moves a measure or an amount fails here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from assistant.calculator import load_rules
from assistant.compose import numbers_without_source
from assistant.match import (
    AMOUNT_BY_AUTHORITY,
    COMPANY_TYPES,
    ELIGIBLE,
    INELIGIBLE,
    POSSIBLE,
    match_answer,
    match_profile,
    profile_from_mapping,
)
from assistant.match.answer import unsourced_figures
from assistant.match.chat import answer_match_question, asks_match, profile_from_question
from assistant.match.matcher import department_of
from corpus.documents import load_corpus
from corpus.errors import InputError
from corpus.settings import Settings

IN_FORCE = dt.date(2026, 6, 1)  # every dated document in force
EXPIRING = dt.date(2026, 12, 1)  # 厦科规〔2025〕7号 ends 2026-12-08, 厦府办规〔2024〕11号 2026-12-31
LATER = dt.date(2027, 1, 15)  # both have expired


@pytest.fixture(scope="module")
def corpus() -> Any:
    return load_corpus(Settings().documents_dir)


@pytest.fixture(scope="module")
def book() -> Any:
    return load_rules(Settings().rules_dir)


def W(x: str) -> Decimal:  # noqa: N802 - reads like a unit
    return Decimal(x)


CAP = "cap"  # an amount set by the authority: only its maximum is known

# Each case: profile, today, the complete 可申报 group {rule: amount | (CAP, maximum)}, some
# 可能符合 lines {rule: what the text says it would give, or None}, some 不符合 lines {rule: words
# of the reason}, the definite total and the most with the caps.
CASES: list[dict[str, Any]] = [
    {
        "id": "xm-little-giant",
        # 厦门 湖里 小巨人 + 高企. kjcx 7: 研发费用高于200万元且较上年实现增长 → 每满200万元10万元: ⌊900/200⌋×10=40;
        # 高于500万元且增长率超过20% ((900−700)/700=28.6%) → 最高50万元叠加奖励. zjtx 7: 数字化水平达到二级以上,
        # 120×30%=36 → 单家企业最高25万元 → 25; 管理咨询 40×50%=20 (≤30). zjtx 3: 固定融资成本2%/年,
        # 1000×(3.5%−2%)=15. 首次获得小巨人 needs confirming: 50+50. zjtx 6 (作为主要起草单位制定…标准) and zjtx 13 (举办
        # 推介会…的场租) pay for what the company did, which the profile does not say: 可能符合 (blind profiles p01, p07).
        # 最高30% and 最高50% give upper bounds the authority sets within: in the most, not the definite total (p01).
        "profile": {
            "city": "厦门",
            "district": "湖里区",
            "types": ["专精特新“小巨人”企业", "高新技术企业"],
            "figures": {
                "rd_spend_wan": 900,
                "rd_spend_last_wan": 700,
                "digital_spend_wan": 120,
                "digital_level": 2,
                "consulting_fee_wan": 40,
            },
            "loans": [{"kind": "技术创新基金贷款", "amount_wan": 1000, "rate_pct": 3.5, "months": 12}],
        },
        "today": IN_FORCE,
        "eligible": {
            "kjcx-7-rd-step": W("40"),
            "zjtx-7-digital": W("25"),
            "zjtx-7-consulting": W("20"),
            "zjtx-3-tech-fund-cost-cap": W("15"),
            "kjcx-7-rd-bonus": (CAP, W("50")),
        },
        "possible": {
            "zjtx-2-little-giant": W("100"),
            "zjtx-15-credit-insurance": None,
            "zjtx-6-standard": W("100"),
            "zjtx-13-venue-rent": W("10"),
        },
        "ineligible": {
            "zjtx-2-reserve-award": "后备企业",
            "kjfwy-5-tech-fund-cost-cap": "科技服务企业",
            "kjfwy-2-district-incentive": "各区",
        },
        "total": W("55"),  # 40+15; 25 and 20 are upper bounds
        "most": W("150"),  # 55+25+20+50
    },
    {
        "id": "xm-reserve",
        # 思明 后备企业 (a 专精特新中小企业): 数字化水平1级 is not 二级以上 → 不符合. 管理咨询 80×50%=40 → 每家企业每年最高30万元
        # → 30. 上年度设备投入300 (100～500万元) → 不超过10% → 30. 保费10万, 保额1000万: 7‰以内部分 7万 ×40% = 2.8.
        # 培训20人次×3天×500元 = 3万元 (每天每人次最高500元: a maximum). 后备企业绩效奖励 最高30万元. Only 2.8 is definite:
        # 最高50% and 不超过10% are upper bounds; zjtx 6 and zjtx 13 wait on what the company did (see above).
        "profile": {
            "city": "厦门",
            "district": "思明区",
            "types": ["后备企业"],
            "figures": {
                "digital_spend_wan": "60万",
                "digital_level": 1,
                "consulting_fee_wan": 80,
                "equipment_last_wan": 300,
                "premium_wan": 10,
                "insured_wan": "1000万",
                "training_person_times": 20,
                "training_days": 3,
            },
        },
        "today": IN_FORCE,
        "eligible": {
            "zjtx-7-consulting": W("30"),
            "zjtx-3-tech-upgrade": W("30"),
            "zjtx-15-credit-insurance": W("2.8"),
            "zjtx-7-training": (CAP, W("3")),
            "zjtx-2-reserve-award": (CAP, W("30")),
        },
        "possible": {"zjtx-6-standard": W("100"), "zjtx-13-venue-rent": W("10")},
        "ineligible": {"zjtx-7-digital": "数字化水平", "zjtx-2-little-giant": "小巨人"},
        "total": W("2.8"),
        "most": W("95.8"),  # 2.8+30+30+3+30
    },
    {
        "id": "xm-sangao",
        # 三高 + 民营, 上年度营业收入1.5亿. 成果转化: 增值税地方留成300万×60%=180 (每年最高500万元); 就高不重复 with
        # kjcx 11 各区成果转化奖励. 租借设备: 单台原值超过50万元 only the 80万 one: 20×30%=6. 人才个税12万 ≥10万（含）:
        # 地方留成5万×50%=2.5. 重点实验室: 营业收入放宽至1亿元 (met) but 认定 is to be confirmed: 200 if met.
        "profile": {
            "city": "厦门",
            "types": ["三高企业", "民营企业"],
            "figures": {"revenue_last_wan": "1.5亿", "vat_local_wan": 300, "talent_iit_wan": 12, "talent_iit_local_wan": 5},
            "rented_equipment": [{"original_value_wan": 80, "fee_wan": 20}, {"original_value_wan": 40, "fee_wan": 10}],
        },
        "today": IN_FORCE,
        "eligible": {
            "sangao-hightech-transfer-vat": W("180"),
            "sangao-equipment-rental": W("6"),
            "sangao-talent-iit-rebate": W("2.5"),
        },
        # 承担本市关键技术攻关…项目 is not stated: 可能符合 (blind profile p01)
        "possible": {
            "sangao-rd-project": W("2000"),
            "sangao-key-lab": W("200"),
            "sangao-rd-institute-startup": W("100"),
            "kjcx-11-hightech-transfer": None,
        },
        "ineligible": {"sangao-key-lab-other": "不适用于", "zjtx-7-consulting": "专精特新企业"},
        "total": W("188.5"),
        "most": W("188.5"),
        "overlap": {"sangao-hightech-transfer-vat", "kjcx-11-hightech-transfer"},
    },
    {
        "id": "xm-incubator",
        # 卓越级部级孵化器: kjfwy 三 卓越级一次性500万元; kjcx 6 孵化器、加速器每年每家最高500万元; the two are 就高不重复
        # (and with the 运营补助 最高100万元: a 卓越级 部级孵化器 is a 市级及以上孵化器, blind profile p02); the award and the
        # 运营补助 together are capped at 500 (以上奖励补助合计每年每家孵化器最高500万元): counted once, 500 — never 1000.
        "profile": {"city": "厦门", "types": ["孵化器运营方"], "levels": ["卓越级"]},
        "today": IN_FORCE,
        "eligible": {
            "kjfwy-3-incubator-award": W("500"),
            "kjcx-6-incubator": (CAP, W("500")),
            "kjfwy-3-incubator-operation": (CAP, W("100")),
        },
        "possible": {},
        "ineligible": {"zjtx-7-consulting": "专精特新企业"},
        "total": W("500"),
        "most": W("500"),
        "overlap": {"kjfwy-3-incubator-award", "kjcx-6-incubator", "kjfwy-3-incubator-operation"},
    },
    {
        "id": "xm-incubator-expired",
        # the same incubator in 2027: 厦科规〔2025〕7号 (有效期1年, to 2026-12-08) has expired → its measures are 不符合;
        # the 解读 (有效期3年 from an unprinted date) still lists its 最高500万元.
        "profile": {"city": "厦门", "types": ["孵化器运营方"], "levels": ["卓越级"]},
        "today": LATER,
        "eligible": {"kjcx-6-incubator": (CAP, W("500"))},
        "possible": {},
        "ineligible": {"kjfwy-3-incubator-award": "已失效", "kjfwy-3-incubator-operation": "已失效"},
        "total": W("0"),
        "most": W("500"),
    },
    {
        "id": "xm-tech-service-loans",
        # 科技服务中小企业: 增信子基金 年化1%贴息, 单户贷款最高2000万元: 3000万 → 2000×1%×12/12=20; 技术创新基金 融资成本最高2%:
        # 500×(4%−2%)×6/12=5. 揭榜挂帅 单个项目最高1000万元 waits on 牵头或参与承担 such a project (blind p02).
        # 专精特新 技术创新基金贴息 is not for it.
        "profile": {
            "city": "厦门",
            "district": "集美区",
            "types": ["科技服务中小企业"],
            "loans": [
                {"kind": "增信子基金贷款", "amount_wan": 3000, "months": 12},
                {"kind": "技术创新基金贷款", "amount_wan": 500, "rate_pct": "4%", "months": 6},
            ],
        },
        "today": IN_FORCE,
        "eligible": {
            "kjfwy-5-credit-fund-interest": W("20"),
            "kjfwy-5-tech-fund-cost-cap": W("5"),
        },
        "possible": {"kjfwy-1-hightech-award": W("20"), "kjfwy-1-major-project": W("1000")},
        "ineligible": {"zjtx-3-tech-fund-cost-cap": "专精特新企业", "kjfwy-3-incubator-award": "孵化器"},
        "total": W("25"),
        "most": W("25"),
    },
    {
        "id": "xm-tech-sme-postdocs",
        # 高企 + 科技型中小企业. 研发费用180万 is not 高于200万元 → 研发补助 不符合. 博士后3人×2年×每人每年最高15万元 = 最多90.
        # 联合实验室 非财政资金投入2000万×10% = 200 (最高1000万元). 产学研 技术交易额300×最高50% = 150 → 每个项目最高100万元 → 100.
        # 科技型中小企业创新项目 最高100万元.
        "profile": {
            "city": "厦门",
            "types": ["高新技术企业", "科技型中小企业"],
            "figures": {
                "rd_spend_wan": 180,
                "rd_spend_last_wan": 150,
                "postdocs": 3,
                "postdoc_years": 2,
                "joint_lab_wan": 2000,
                "tech_transaction_wan": 300,
            },
        },
        "today": IN_FORCE,
        "eligible": {
            "kjcx-7-joint-lab": W("200"),
            "kjcx-11-industry-academia": W("100"),
            "kjcx-12-postdoc": (CAP, W("90")),
            "kjcx-7-innovation-project": (CAP, W("100")),
        },
        "possible": {},
        "ineligible": {"kjcx-7-rd-step": "200万元", "kjcx-7-rd-bonus": "500万元", "zjtx-4-joint-lab": "专精特新企业"},
        "total": W("200"),  # the 产学研 100 is at 最高50%: an upper bound
        "most": W("490"),
    },
    {
        "id": "xm-pledge-and-credit-loans",
        # 专精特新中小企业: 专利质押融资1000万, 3.8%, 18个月, LPR 3.1%: 利率按不超过LPR、期限最长1年: 1000×3.1%×12/12=31,
        # ×最高60% = 18.6 (企业一年最高30万元). 科技信用贷款 实际支付利息12万×30% = 3.6.
        "profile": {
            "city": "厦门",
            "district": "海沧区",
            "types": ["专精特新中小企业"],
            "figures": {"lpr_pct": "3.1%"},
            "loans": [
                {"kind": "专利商标质押融资", "amount_wan": 1000, "rate_pct": 3.8, "months": 18},
                {"kind": "科技信用贷款", "interest_wan": 12},
            ],
        },
        "today": IN_FORCE,
        "eligible": {
            "zjtx-5-ip-pledge-interest": W("18.6"),
            "sangao-credit-loan-interest": W("3.6"),
        },
        "possible": {"zjtx-3-tech-upgrade": None, "zjtx-6-standard": W("100")},
        "ineligible": {"zjtx-7-digital": "小巨人"},
        "total": W("3.6"),  # the 质押 18.6 is at 最高60%: an upper bound
        "most": W("22.2"),
    },
    {
        # NOT BLIND: written after the matcher had been run (issue 15's first round), kept as a regression case only;
        # the blind profiles are tests/assistant/test_match_blind.py.
        "id": "not-blind-xm-type-not-given",
        # no company type: what any 企业 may claim is decided by the figures (研发费用600万 > 200万元 and up on 400万:
        # ⌊600/200⌋×10 = 30; 高于500万元, 增长50% > 20%: 最高50万元叠加奖励); what a type is named for waits on the type.
        "profile": {"city": "厦门", "figures": {"rd_spend_wan": 600, "rd_spend_last_wan": 400}},
        "today": IN_FORCE,
        "eligible": {"kjcx-7-rd-step": W("30"), "kjcx-7-rd-bonus": (CAP, W("50"))},
        "possible": {"zjtx-6-standard": W("100"), "sangao-rd-project": W("2000")},
        "ineligible": {"kjfwy-2-district-incentive": "各区"},
        "total": W("30"),
        "most": W("80"),
        "missing_type": "zjtx-6-standard",
    },
    {
        "id": "sd-jinan-tech-service",
        # 济南 科技服务企业: 山东 measures only. Every amount is a maximum whose taker the text names by activity
        # (研发总部, 专利池, 中试基地, 大赛) → 可能符合; 部级孵化器 is for 孵化器. 创新券 has no rule: listed, amount for the authority.
        "profile": {"city": "济南", "types": ["科技服务企业"]},
        "today": IN_FORCE,
        "eligible": {},
        "possible": {"sd-2-rd-centre": W("500"), "sd-9-pilot-base": W("200"), "sd-10-contest": W("50")},
        "ineligible": {"sd-10-incubator": "孵化器"},
        "total": None,
        "most": None,
        "unruled": "创新券",
    },
    {
        "id": "sd-qingdao-incubator",
        # 青岛 孵化器: 获得工业和信息化部认定的部级孵化器, 依据认定层级给予每家最高200万元一次性补助.
        "profile": {"city": "青岛", "types": ["孵化器运营方"]},
        "today": IN_FORCE,
        "eligible": {"sd-10-incubator": (CAP, W("200"))},
        "possible": {"sd-6-patent-pool": W("300")},
        "ineligible": {},
        "total": W("0"),
        "most": W("200"),
    },
]


def _run(case: dict[str, Any], corpus: Any, book: Any) -> tuple[Any, Any]:
    profile = profile_from_mapping(case["profile"], known_levels=[t.name for r in book for t in r.tiers()])
    return profile, match_profile(profile, corpus, book, case["today"], include_ineligible=True)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_profile_groups_and_amounts(case: dict[str, Any], corpus: Any, book: Any) -> None:
    _, result = _run(case, corpus, book)
    by_rule = {line.rule_id: line for line in result.lines if line.rule_id}
    eligible = {line.rule_id: line for line in result.group(ELIGIBLE)}
    assert set(eligible) == set(case["eligible"]), sorted(eligible)
    for rid, want in case["eligible"].items():
        line = eligible[rid]
        if isinstance(want, tuple):
            assert line.amount_wan is None and line.cap_wan == want[1], (rid, line.formula)
        else:
            assert line.amount_wan == want, (rid, line.formula)
    for rid, want in case["possible"].items():
        line = by_rule[rid]
        assert line.group == POSSIBLE and line.missing, (rid, line.group, line.reasons)
        if want is not None:
            got = line.if_met.amount_wan if line.if_met and line.if_met.amount_wan is not None else line.cap_wan
            assert got == want, (rid, line.if_met, line.cap_wan)
    for rid, words in case["ineligible"].items():
        line = by_rule[rid]
        assert line.group == INELIGIBLE and words in "；".join(line.reasons), (rid, line.group, line.reasons)
    if case["total"] is None:
        assert result.total is None
    else:
        assert result.total is not None and result.total.amount_wan == case["total"], result.total
    assert result.total_cap_wan == case["most"]
    if "overlap" in case:
        groups = {line.overlap_group for line in result.lines if line.rule_id in case["overlap"]}
        assert len(groups) == 1 and None not in groups
    if "missing_type" in case:
        assert by_rule[case["missing_type"]].missing[0].startswith("企业类型（本项适用于")
    if "unruled" in case:
        unruled = [line for line in result.lines if line.rule_id is None]
        assert any(case["unruled"] in line.citation.quote for line in unruled)
        assert all(line.formula == AMOUNT_BY_AUTHORITY and line.amount_wan is None and line.cap_wan is None for line in unruled)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_figure_shown_has_a_source(case: dict[str, Any], corpus: Any, book: Any) -> None:
    profile, result = _run(case, corpus, book)
    answer = match_answer(result, profile, include_ineligible=True)
    assert unsourced_figures(answer, corpus, result) == []
    # and the plain check of the chain, with nothing but the documents' metadata added
    meta = [f"{d.title} {d.doc_no or ''} {d.validity(case['today']).describe()}" for d in corpus.documents]
    assert numbers_without_source(answer, meta) == []
    for line in result.lines:
        assert line.citation.quote in line.citation.text  # cited exactly


def test_a_figure_from_nowhere_is_caught(corpus: Any, book: Any) -> None:
    import dataclasses

    profile, result = _run(CASES[0], corpus, book)
    answer = match_answer(result, profile)
    forged = dataclasses.replace(answer, text=answer.text + "\n另可获得补助88万元。")
    assert unsourced_figures(forged, corpus, result) == ["88"]


def test_overlapping_measures_are_never_added_twice(corpus: Any, book: Any) -> None:
    """Two 联合实验室 measures of one region (就高不重复) on the same investment: the total counts one."""
    profile = profile_from_mapping({"city": "厦门", "types": ["专精特新中小企业"], "figures": {"joint_lab_wan": 3000}})
    result = match_profile(profile, corpus, book, IN_FORCE)
    labs = [line for line in result.group(ELIGIBLE) if line.rule_id in ("kjcx-7-joint-lab", "zjtx-4-joint-lab")]
    assert [line.amount_wan for line in labs] == [W("300"), W("300")]
    assert labs[0].overlap_group == labs[1].overlap_group is not None
    assert result.total is not None and result.total.amount_wan == W("300")
    assert "max(300，300)" in result.total.formula


def test_expiring_document_is_flagged_with_its_date(corpus: Any, book: Any) -> None:
    _, result = _run({**CASES[0], "today": EXPIRING}, corpus, book)
    assert any("2026年12月31日" in n and "即将到期" in n for n in result.notices)
    digital = next(line for line in result.lines if line.rule_id == "zjtx-7-digital")
    assert digital.group == ELIGIBLE and digital.citation.status == "expiring"


def test_expired_measures_are_never_claimable(corpus: Any, book: Any) -> None:
    _, result = _run({**CASES[0], "today": LATER}, corpus, book)
    claimable = {line.rule_id for line in result.lines if line.group != INELIGIBLE}
    zjtx = {r.id for r in book if r.clause_id.startswith("xm-zjtx-2024/")}
    assert not claimable & zjtx
    assert result.total is not None and result.total.amount_wan == W("40")  # only 研发费用补助 of the 解读 remains


def test_region_without_documents(corpus: Any, book: Any) -> None:
    profile = profile_from_mapping({"city": "北京", "types": ["高新技术企业"]})
    result = match_profile(profile, corpus, book, IN_FORCE)
    assert not result.lines and result.total is None
    answer = match_answer(result, profile)
    assert answer.no_basis and answer.text.startswith("现有政策文件中未找到依据") and "北京" in answer.text


def test_ineligible_only_on_request(corpus: Any, book: Any) -> None:
    profile = profile_from_mapping(CASES[0]["profile"])
    result = match_profile(profile, corpus, book, IN_FORCE)
    assert not result.group(INELIGIBLE)
    assert "【不符合】" not in match_answer(result, profile).text


def test_departments_are_quoted_from_the_clause(corpus: Any) -> None:
    assert department_of(corpus.clause("xm-zjtx-2024/二/（三）/7")) == "（责任单位：市工信局、财政局）"
    assert department_of(corpus.clause("sd-kjfwy-2025/四/（十）")) == "（省教育厅、省科技厅、省财政厅按职责分工负责）"
    assert department_of(corpus.clause("xm-sangao-faq/支持孵化培育高新技术企业/政策原文")) == "（市科技局、市财政局）"
    assert department_of(corpus.clause("xm-kjcx-jd/四/（三）/7")) is None
    for clause in corpus.clauses:
        dept = department_of(clause)
        assert dept is None or dept in clause.text


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"types": ["高新技术企业"]}, "请填写企业注册地"),
        ({"city": "火星"}, "无法识别注册地"),
        ({"city": "厦门", "types": ["独角兽"]}, "企业类型“独角兽”不在可选范围内"),
        ({"city": "厦门", "figures": {"rd_spend_wan": "很多"}}, "“本年度研发费用”的值“很多”无法识别"),
        ({"city": "厦门", "figures": {"rd_spend_wan": "-5"}}, "无法识别"),
        ({"city": "厦门", "figures": {"净利润": 5}}, "无法识别的企业数据项“净利润”"),
        ({"city": "厦门", "loans": [{"kind": "房贷", "amount_wan": 5}]}, "第1笔贷款的类型“房贷”不在可选范围内"),
        ({"city": "厦门", "levels": ["白金级"]}, "认定类别“白金级”不在可选范围内"),
        ({"city": "厦门", "rented_equipment": [{"fee_wan": 5}]}, "租借或使用的研发设备第1项应填写"),
        ({"city": "厦门", "colour": "blue"}, "无法识别的字段"),
    ],
)
def test_profile_errors_are_said_in_chinese(data: dict[str, Any], words: str, book: Any) -> None:
    with pytest.raises(InputError) as e:
        profile_from_mapping(data, known_levels=[t.name for r in book for t in r.tiers()])
    assert words in e.value.message_zh


def test_vocabulary_covers_every_company_subject_of_the_rules(book: Any) -> None:
    """Every subject a rule names is answered to by some type of the vocabulary, except the
    government's (各区) and 其他企业 (defined by not_for): no rule is unreachable."""
    from assistant.match.profile import GOVERNMENT_SUBJECTS, OTHERS, CompanyProfile

    for rule in book:
        for subject in rule.applies_to:
            if subject in GOVERNMENT_SUBJECTS or subject == OTHERS:
                continue
            assert any(CompanyProfile(region="x", types=(t.name,)).answers_to(subject) for t in COMPANY_TYPES), (rule.id, subject)


# -- the chat route ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("我们是厦门的小巨人企业，能享受哪些政策？", True),
        ("三高企业可以申请哪些补贴？", True),
        ("哪些补贴我们能申请？", True),
        ("帮我做个政策体检", True),
        ("专精特新企业有什么补贴？", False),
        ("小巨人企业数字化改造投了120万，达到二级了，能补多少？", False),
        ("厦门科技服务业措施的有效期到什么时候？", False),
    ],
)
def test_match_intent(question: str, asks: bool) -> None:
    assert asks_match(question) is asks


def test_profile_read_from_a_question() -> None:
    q = "我们是厦门湖里区的专精特新小巨人企业，今年研发投入900万，去年700万，数字化改造投了120万，达到二级，不是三高企业，能享受哪些政策？"
    data = profile_from_question(q)
    assert data is not None
    assert data["city"] == "厦门" and data["district"] == "湖里区" and data["types"] == ["专精特新“小巨人”企业"]
    assert data["figures"] == {"rd_spend_wan": "900", "rd_spend_last_wan": "700", "digital_spend_wan": "120", "digital_level": "2"}


def test_chat_question_gets_the_same_result_as_the_profile(corpus: Any, book: Any) -> None:
    settings = Settings(today=IN_FORCE)
    q = "我们是厦门的专精特新小巨人企业，今年研发投入900万，去年700万，数字化改造投了120万，达到二级，能享受哪些政策？"
    answer = answer_match_question(q, settings, corpus)
    assert answer is not None and answer.intent == "match"
    profile = profile_from_mapping(
        {
            "city": "厦门",
            "types": ["专精特新“小巨人”企业"],
            "figures": {"rd_spend_wan": 900, "rd_spend_last_wan": 700, "digital_spend_wan": 120, "digital_level": 2},
        }
    )
    direct = match_answer(match_profile(profile, corpus, book, IN_FORCE), profile)
    assert answer.text == direct.text
    assert "（就高不重复的只计较高者）：40万元。" in answer.text  # the 25 of 最高30% is an upper bound, in the most


def test_chat_question_without_a_region_asks_for_it(corpus: Any) -> None:
    answer = answer_match_question("我们是三高企业，能申请哪些补贴？", Settings(today=IN_FORCE), corpus)
    assert answer is not None and "请说明企业的注册地" in answer.text and not answer.citations


def test_cli_match_needs_no_model(tmp_path: Any, capsys: Any, monkeypatch: Any) -> None:
    """``policyqa match`` on the example profile: text and JSON, with no model folder at all."""
    import json
    from pathlib import Path

    from assistant.cli import main

    monkeypatch.setenv("POLICYQA_DATA_DIR", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("POLICYQA_TODAY", "2026-06-01")
    example = Path(__file__).resolve().parents[2] / "docs" / "profile.example.yaml"
    assert main(["match", str(example)]) == 0
    text = capsys.readouterr().out
    assert "【可申报】" in text and "40+15=55万元" in text and "【不符合】" not in text
    assert main(["match", str(example), "--json", "--all"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["match"]["total_wan"] == "55" and body["match"]["groups"]["ineligible"]
    assert not (tmp_path / "nothing-here").exists()


def test_cli_match_bad_profile_says_what_to_fix(tmp_path: Any, capsys: Any) -> None:
    from assistant.cli import main

    bad = tmp_path / "p.yaml"
    bad.write_text("city: 厦门\nfigures: {rd_spend_wan: 很多}\n", encoding="utf-8")
    assert main(["match", str(bad)]) == 2
    assert "rd_spend_wan" in capsys.readouterr().err
