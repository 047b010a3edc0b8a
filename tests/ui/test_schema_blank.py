"""A text the API's schema accepts is never blank to the server: the schema's "not blank" pattern
is read as a JSON-schema (ECMA-262) regex by clients and fuzzers, whose \\s lacks characters that
Python's str.strip removes (\\x1c-\\x1f, \\x85). A fuzzer found a question of such characters that
the schema allowed and the server refused as empty."""

from __future__ import annotations

import re
import sys

from ui.feedback import Feedback
from ui.schema import FeedbackRequest

# ECMA-262 WhiteSpace and LineTerminator: what \s means to a JSON-schema validator
_ECMA_SPACE = "[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"


def _as_ecma(pattern: str) -> re.Pattern[str]:
    inner = _ECMA_SPACE[1:-1]
    return re.compile(pattern.replace("[^\\s", "[^" + inner).replace("\\S", "[^" + inner + "]").replace("\\s", _ECMA_SPACE))


def test_every_text_the_schema_accepts_is_not_blank_to_the_server() -> None:
    props = FeedbackRequest.model_json_schema()["properties"]
    for field in ("question", "answer"):
        pattern = _as_ecma(props[field]["pattern"])
        for code in range(sys.maxunicode + 1):
            c = chr(code)
            if c.isspace():
                assert not pattern.search(c), (field, hex(code))
        assert pattern.search("问")


def test_the_server_takes_what_the_schema_takes() -> None:
    fb = Feedback.checked("\ufeff问", "答", [], True, "")
    assert fb.question
