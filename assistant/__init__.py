"""The answer chain, the composer and the amount calculator.

``assistant.answer(question, history=())`` answers with the default settings (the embedded
Chroma store and the built e5 model, loaded once); ``assistant.chain.Assistant`` is the same
thing for other settings.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.chain import Assistant
    from assistant.records import Answer

__all__ = ["answer", "default_assistant"]

_lock = threading.Lock()
_default: Assistant | None = None


def default_assistant() -> Assistant:
    """The assistant on the default settings (POLICYQA_* environment), built on first use."""
    global _default
    with _lock:
        if _default is None:
            from assistant.chain import Assistant
            from corpus.settings import Settings

            _default = Assistant.from_settings(Settings())
        return _default


def answer(question: str, history: Sequence[Any] = ()) -> Answer:
    """A cited answer to ``question``; ``history`` is the earlier user questions (or role/content messages)."""
    return default_assistant().answer(question, history)
