"""The JSON API fuzzed from its own OpenAPI schema with schemathesis, against the served app:
no 5xx, no status, content type, header or body the schema does not document.

Bounded (``MAX_EXAMPLES`` per operation) so it runs in CI in well under two minutes. The chain is
the fake-embedder one (see conftest): the HTTP surface, not the answers, is under test.
schemathesis' own pytest plugin does not run under pytest 9, so each operation's strategy is
driven with hypothesis directly.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

MAX_EXAMPLES = 25
OPERATIONS = [
    "POST /api/ask",
    "GET /api/health",
    "GET /api/documents",
    "GET /api/documents/{doc_id}/clauses/{clause_id}",
    "POST /api/feedback",
]


@pytest.fixture(scope="module")
def api_schema(serve_app: Any, fake_assistant: Any) -> Any:
    url, _ = serve_app(fake_assistant, rate_limit_per_minute=0, feedback_per_minute=0)
    return schemathesis.openapi.from_url(f"{url}/openapi.json")


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    labels = {f"{r.ok().method.upper()} {r.ok().path}" for r in api_schema.get_all_operations()}
    assert labels == {op.replace("{clause_id}", "{clause_id}") for op in OPERATIONS} or labels >= set(OPERATIONS), labels


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_conforms_to_its_schema(api_schema: Any, label: str) -> None:
    method, path = label.split(" ", 1)
    operation = next(r.ok() for r in api_schema.get_all_operations() if r.ok().method.upper() == method and r.ok().path == path)

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case: Any) -> None:
        case.call_and_validate()

    fuzz()
