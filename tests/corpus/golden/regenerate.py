"""Write the golden files of the real pages from what the pipeline gives today.

    .venv/bin/python tests/corpus/golden/regenerate.py

Then read every changed file against its page before committing it: a golden file is only
as good as that review.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from test_formats import GOLDEN, PAGES, _summary, _take_in

for page in PAGES:
    summary = _summary(*_take_in(page, doc_id="golden-page"))
    (GOLDEN / f"{page.stem}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {page.stem}.json: {len(summary['clauses'])} clauses")  # type: ignore[arg-type]
