"""Worker processes (serve_workers > 1) get the same uvicorn limits as one process.

uvicorn spawns its workers and imports their HTTP protocol by name, so the guarded h11 class is
named ("ui.limits:ServedHTTP") and built in the worker from the same environment. The served
two-worker run is in test_serve.py (slow)."""

from __future__ import annotations

import pytest
from uvicorn.importer import import_from_string
from uvicorn.protocols.http.h11_impl import H11Protocol

from corpus.settings import Settings
from ui.limits import server_options


def test_workers_import_the_guarded_protocol_with_the_environment_s_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYQA_MAX_HEADER_BYTES", "4096")
    monkeypatch.setenv("POLICYQA_REQUEST_TIMEOUT_S", "3.5")
    settings = Settings()
    by_name = server_options(settings, "127.0.0.1", 8123, by_name=True)
    in_process = server_options(settings, "127.0.0.1", 8123)
    protocol = import_from_string(by_name["http"])
    assert issubclass(protocol, H11Protocol)
    assert (protocol.max_header_bytes, protocol.request_timeout) == (4096, 3.5)
    assert {k: v for k, v in by_name.items() if k != "http"} == {k: v for k, v in in_process.items() if k != "http"}
    assert by_name["proxy_headers"] is False  # X-Forwarded-For is believed from trusted proxies only


def test_an_unknown_name_is_an_attribute_error() -> None:
    import ui.limits

    with pytest.raises(AttributeError):
        ui.limits.NoSuchThing  # noqa: B018
