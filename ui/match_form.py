"""What the 政策体检 form asks, for every front end that shows it (the page's tab, the widget).

The fields come from the matcher's vocabulary (``assistant.match.FIGURES``, ``COMPANY_TYPES``,
``LOAN_KINDS``, the rules' tier names), each labelled in Chinese with its unit, so the page and the
widget ask the same things in the same words. ``GET /api/match/form`` serves ``form_spec``.
"""

from __future__ import annotations

from typing import Any

from assistant.match.profile import COMPANY_TYPES, FIGURES, LOAN_KINDS
from assistant.match.service import Matcher
from assistant.understand import city_names
from corpus.documents import Corpus

__all__ = ["MAX_LOANS", "SECTIONS", "LOAN_FIELDS", "figure_label", "city_choices", "form_spec"]

# the figures, in the sections of the form
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "研发与经营",
        ("rd_spend_wan", "rd_spend_last_wan", "revenue_last_wan", "equipment_last_wan", "joint_lab_wan", "tech_transaction_wan"),
    ),
    ("数字化、咨询与培训", ("digital_spend_wan", "digital_level", "consulting_fee_wan", "training_person_times", "training_days")),
    ("保险与利率", ("premium_wan", "insured_wan", "premium_rate_permille", "lpr_pct")),
    ("人才与税收", ("postdocs", "postdoc_years", "talent_iit_wan", "talent_iit_local_wan", "vat_local_wan")),
    ("平台与研发机构", ("tech_service_revenue_wan", "shared_service_wan", "instrument_purchase_wan")),
)
# what a loan may state: the profile's loan keys, labelled with their units
LOAN_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("amount_wan", "贷款金额", "万元"),
    ("rate_pct", "年利率", "%"),
    ("months", "期限", "月"),
    ("interest_wan", "实际支付利息", "万元"),
)
MAX_LOANS = 10  # loans in one profile (POST /api/match refuses more)
_COUNT_UNITS = {"persons": "人", "person_times": "人次", "days": "天"}


def _unit(key: str) -> str:
    f = next(x for x in FIGURES if x.key == key)
    return _COUNT_UNITS.get(f.input, f.unit)


def figure_label(key: str) -> str:
    """The figure's Chinese name with its unit: 本年度研发费用（万元）."""
    f = next(x for x in FIGURES if x.key == key)
    return f"{f.zh}（{_unit(key)}）"


def city_choices(corpus: Corpus) -> list[str]:
    """One place name per region the documents cover (厦门, 济南, 青岛 …), the documents' own places first."""
    return city_names({d.region for d in corpus.documents})


def form_spec(matcher: Matcher) -> dict[str, Any]:
    """Every field of the form: cities, company types, categories, figures by section, loans."""
    listed = {k for _, keys in SECTIONS for k in keys}
    sections = [(title, keys) for title, keys in SECTIONS]
    rest = tuple(f.key for f in FIGURES if f.key not in listed)
    if rest:  # a figure added to the vocabulary is asked too, never silently dropped
        sections.append(("其他数据", rest))
    return {
        "cities": city_choices(matcher.corpus),
        "types": [t.name for t in COMPANY_TYPES],
        "levels": list(matcher.levels()),
        "sections": [
            {"title": title, "fields": [{"key": k, "label": figure_label(k), "unit": _unit(k)} for k in keys]} for title, keys in sections
        ],
        "loan_kinds": [k.name for k in LOAN_KINDS],
        "loan_fields": [{"key": k, "label": f"{zh}（{unit}）", "unit": unit} for k, zh, unit in LOAN_FIELDS],
        "max_loans": MAX_LOANS,
    }
