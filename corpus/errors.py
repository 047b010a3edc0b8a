"""The project's error hierarchy.

Every error says what was wrong (with the bad value, ``!r``) and what to do. ``message_zh``
is the sentence shown to an end user; ``str(error)`` is for operators, in English.
"""

from __future__ import annotations

__all__ = [
    "PolicyQAError",
    "CorpusError",
    "IngestError",
    "IndexError_",
    "ModelError",
    "InputError",
    "RuleError",
]


class PolicyQAError(Exception):
    """Base class. ``message_zh`` is safe to show to an end user."""

    message_zh: str = "系统处理出错，请稍后再试或联系管理员。"

    def __init__(self, message: str, *, message_zh: str | None = None) -> None:
        super().__init__(message)
        if message_zh is not None:
            self.message_zh = message_zh


class CorpusError(PolicyQAError):
    """A structured document is malformed or inconsistent."""

    message_zh = "政策文件库数据有误，请联系管理员。"


class IngestError(PolicyQAError):
    """A raw document cannot be turned into a structured document."""

    message_zh = "无法识别该文件的结构，请检查文件内容。"


class IndexError_(PolicyQAError):  # noqa: N801, N818 - the builtin IndexError is taken
    """The index is missing, stale or unreachable."""

    message_zh = "检索索引不可用，请联系管理员重建索引。"


class ModelError(PolicyQAError):
    """The embedding model folder is missing or unusable."""

    message_zh = "向量模型不可用，请联系管理员。"


class InputError(PolicyQAError):
    """A user's input is invalid (empty question, too long, bad parameter)."""

    message_zh = "输入有误，请检查后重试。"


class RuleError(PolicyQAError):
    """A calculation rule is malformed, unknown, or given bad parameters."""

    message_zh = "计算参数有误，请检查后重试。"
