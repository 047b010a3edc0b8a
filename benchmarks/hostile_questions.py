"""Time of crafted, hostile questions against a typical one, through the real chain: prints
figures, asserts nothing (tests/ui/test_question_work.py asserts the work bound itself).

    python benchmarks/hostile_questions.py [--rounds 3]

Uses the configured settings (run `policyqa setup` first). Each crafted question is at most 500
characters, alone and with 10 history turns of itself; the figure that matters is the ratio to
the typical question's median, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.errors import InputError
from corpus.settings import Settings
from ui.stores import open_assistant

TYPICAL = "厦门专精特新企业在国内举办产品推介会有什么补贴？"
_rng = random.Random(1)
_COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经"
CRAFTED = {
    "50 × 另外": "另外专精特新补贴多少" * 50,
    "166 question marks": "补贴？" * 166,
    "80 numbers": "投了" + "，".join(f"{i * 7 + 1}万" for i in range(80)),
    "100 、-parts": "、".join(["专精特新", "小巨人", "数字化", "贷款贴息", "推介会"] * 20) + "有什么补贴？",
    "regions": "厦门和山东" * 100,
    "amount × 9": "小巨人企业数字化改造投了120万，达到二级了，能补多少？" * 9,
    "random characters": "".join(_rng.choice(_COMMON) for _ in range(500)),
    "abbreviations": "国高ai信保" * 80,
}


def _time(bot: object, question: str, history: tuple[str, ...] = ()) -> float:
    t0 = time.perf_counter()
    try:
        bot.answer(question[:500], history)  # type: ignore[attr-defined]
    except InputError:
        pass
    return time.perf_counter() - t0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    bot = open_assistant(Settings())
    _time(bot, TYPICAL)  # warm: jieba's dictionary, the model
    typical = statistics.median(_time(bot, TYPICAL) for _ in range(max(args.rounds, 5)))
    print(f"typical question: median {typical * 1000:.0f} ms")
    worst = 0.0
    for name, q in CRAFTED.items():
        alone = statistics.median(_time(bot, q) for _ in range(args.rounds))
        hist = statistics.median(_time(bot, q, (q[:500],) * 10) for _ in range(args.rounds))
        worst = max(worst, alone / typical, hist / typical)
        first = f"{name:20} alone {alone * 1000:6.0f} ms ({alone / typical:4.1f}×)"
        print(f"{first}   with 10 history turns {hist * 1000:6.0f} ms ({hist / typical:4.1f}×)")
    print(f"worst: {worst:.1f}× the typical question")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
