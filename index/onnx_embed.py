"""The fast embedding path: a sentence-transformers folder run by onnxruntime, without torch.

The model format stays the sentence-transformers folder. At set-up, :func:`export_onnx` (which
needs torch, once) writes the folder's transformer as ``onnx/model.onnx`` beside its weights,
where sentence-transformers' own ONNX backend looks for it, with a small record of what it was
exported from. :class:`OnnxEmbedder` then embeds with onnxruntime, the ``tokenizers`` library and
numpy only, doing what the folder's modules say (tokenise with its ``tokenizer.json``, run over
the pieces each batch can use, see :mod:`index.piece_tokenizer`; prompt,
truncate to ``max_seq_length``, pool as ``1_Pooling`` says, L2-normalise). Serving imports neither
torch nor sentence-transformers, starts in about a second and embeds a query in a few
milliseconds; onnxruntime releases the GIL, so concurrent questions embed on both cores.

A folder whose modules this cannot reproduce (a ``Dense`` layer, a custom module) is refused with
a message naming ``POLICYQA_EMBEDDING_BACKEND=torch``, which runs any folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from corpus.errors import ModelError
from index.e5_model import model_name
from index.onnx_table import EMBEDS_INPUT, TokenTable, is_split, split_files
from index.piece_tokenizer import PieceTokenizer

if TYPE_CHECKING:
    import onnxruntime

__all__ = ["OnnxEmbedder", "Quantize", "export_onnx", "onnx_file", "backend_suffix", "load_onnx_embedder", "quantize_mode"]

ONNX_DIR = "onnx"
_RECORD = "policyqa-export.json"
_EXPORT_FORMAT = 2  # bump when export_onnx writes a different graph, so old exports are redone
_OPSET = 17
_BATCH_SIZE = 32
_SUPPORTED_POOLING = ("mean", "cls", "max")
_TRANSFORMER, _POOLING, _NORMALIZE = "Transformer", "Pooling", "Normalize"


# What is quantised to int8 (onnxruntime's dynamic quantisation): nothing; only the embedding
# tables (Gather: the 250k-token table is 384 of the 470 MB); or every weight it knows (the
# tables and the MatMuls). A bool means none / int8 (the setting's former type).
Quantize = Literal["none", "embeddings", "int8"]
_FILES = {"none": "model.onnx", "embeddings": "model_qint8_embeddings.onnx", "int8": "model_qint8.onnx"}
_SUFFIXES = {"none": "+onnx", "embeddings": "+onnx-int8emb", "int8": "+onnx-int8"}
_RECORDED: dict[str, object] = {"none": False, "embeddings": "embeddings", "int8": True}
_OP_TYPES = {"embeddings": ["Gather"], "int8": None}  # None: every op type onnxruntime quantises


def quantize_mode(quantize: bool | str) -> str:
    """``quantize`` as one of :data:`Quantize`."""
    mode = {True: "int8", False: "none"}.get(quantize, quantize) if isinstance(quantize, bool) else str(quantize)
    if mode not in _FILES:
        raise ModelError(f"Unknown embedding quantisation {quantize!r}: use one of {sorted(_FILES)}.")
    return mode


def onnx_file(model_dir: Path, *, quantize: bool | str = False) -> Path:
    """Where the exported graph of ``model_dir`` lives (sentence-transformers' own layout)."""
    return Path(model_dir) / ONNX_DIR / _FILES[quantize_mode(quantize)]


def backend_suffix(backend: str, quantize: bool | str) -> str:
    """What the backend adds to the model's name, so an index never mixes two backends' vectors.

    torch is the reference and adds nothing (indexes built before the ONNX path stay valid)."""
    if backend == "torch":
        return ""
    return _SUFFIXES[quantize_mode(quantize)]


# ----------------------------------------------------------------------------- the folder


def _modules(model_dir: Path) -> list[dict[str, Any]]:
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"Cannot read {str(model_dir / 'modules.json')!r}: {e}. Rebuild or replace the model folder.") from e
    return sorted(modules, key=lambda m: int(m.get("idx", 0)))


def _kind(module: dict[str, Any]) -> str:
    return str(module.get("type", "")).rsplit(".", 1)[-1]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise ModelError(f"Cannot read {str(path)!r}: {e}. Rebuild or replace the model folder.") from e
    return value if isinstance(value, dict) else {}


def _pooling_mode(config: dict[str, Any]) -> str:
    if isinstance(config.get("pooling_mode"), str):
        return str(config["pooling_mode"])
    # The older layout: one boolean per mode.
    modes = [
        m
        for m in ("cls", "mean", "max", "lasttoken", "weightedmean")
        if config.get(f"pooling_mode_{m}_token" if m == "cls" else f"pooling_mode_{m}_tokens")
    ]
    return modes[0] if len(modes) == 1 else "+".join(modes) or "mean"


def _unsupported(model_dir: Path, what: str) -> ModelError:
    return ModelError(
        f"The ONNX embedding backend cannot run {str(model_dir)!r}: {what}. "
        "Set POLICYQA_EMBEDDING_BACKEND=torch to embed it with sentence-transformers."
    )


def _plan(model_dir: Path) -> tuple[Path, str]:
    """The transformer's folder and the pooling mode; refuses any other module layout."""
    modules = _modules(model_dir)
    kinds = [_kind(m) for m in modules]
    if (
        not kinds
        or kinds[0] != _TRANSFORMER
        or any(k not in (_TRANSFORMER, _POOLING, _NORMALIZE) for k in kinds)
        or kinds.count(_TRANSFORMER) != 1
    ):
        raise _unsupported(model_dir, f"its modules are {kinds}; only Transformer → Pooling → Normalize is supported")
    transformer_dir = model_dir / str(modules[0].get("path", ""))
    pooling = "mean"
    for m in modules:
        if _kind(m) == _POOLING:
            config = _read_json(model_dir / str(m.get("path", "")) / "config.json")
            pooling = _pooling_mode(config)
            if config.get("include_prompt", True) is False:
                raise _unsupported(model_dir, "its pooling excludes the prompt tokens")
    if pooling not in _SUPPORTED_POOLING:
        raise _unsupported(model_dir, f"pooling mode {pooling!r}")
    return transformer_dir, pooling


def _max_length(model_dir: Path, transformer_dir: Path) -> int:
    st = _read_json(transformer_dir / "sentence_bert_config.json") or _read_json(model_dir / "sentence_bert_config.json")
    tok = _read_json(transformer_dir / "tokenizer_config.json")
    config = _read_json(transformer_dir / "config.json")
    limits = [
        int(v)
        for v in (st.get("max_seq_length"), tok.get("model_max_length"), config.get("max_position_embeddings"))
        if isinstance(v, int | float) and 0 < v < 1e6
    ]
    return min(limits) if limits else 512


def tokenizer_file(model_dir: Path) -> Path:
    """The folder's fast tokenizer (its transformer module's ``tokenizer.json``)."""
    return _plan(Path(model_dir))[0] / "tokenizer.json"


def piece_cache(model_dir: Path) -> Path:
    """Where the folder's tokenizer vocabulary is cached as a table (index/piece_tokenizer.py):
    beside the export, which the model's name does not cover."""
    return Path(model_dir) / ONNX_DIR / "tokenizer-pieces"


# ----------------------------------------------------------------------------- export


def _expected_record(model_dir: Path, quantize: bool | str) -> dict[str, Any]:
    recorded = _RECORDED[quantize_mode(quantize)]
    return {"format": _EXPORT_FORMAT, "model": model_name(model_dir), "quantize": recorded, "opset": _OPSET}


def is_exported(model_dir: Path, *, quantize: bool | str = False) -> bool:
    """True when ``onnx_file`` exists and was exported by this code from these weights."""
    path = onnx_file(model_dir, quantize=quantize)
    record = _read_json(path.with_suffix(".json"))
    return path.is_file() and record == _expected_record(model_dir, quantize)


def export_onnx(model_dir: Path, *, quantize: bool | str = False, progress: Callable[[str], None] | None = None) -> Path:
    """Export the folder's transformer to ONNX (fp32, or dynamic int8 as ``quantize`` says), offline.

    Idempotent: an export recorded for the same weights is kept. Written to a temporary name and
    renamed, so an interrupted export leaves nothing that looks complete."""
    model_dir = Path(model_dir)
    say = progress or (lambda _m: None)
    mode = quantize_mode(quantize)
    target = onnx_file(model_dir, quantize=mode)
    if is_exported(model_dir, quantize=mode):
        return target
    transformer_dir, _ = _plan(model_dir)
    if mode != "none":
        source = export_onnx(model_dir, progress=progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if mode != "none":
            from onnx import TensorProto
            from onnxruntime.quantization import QuantType, quantize_dynamic

            say(f"quantising {source.name} to int8 ({mode})")
            # The export is already fused, so shape inference cannot type some fused outputs:
            # they are float32.
            quantize_dynamic(
                str(source),
                str(tmp),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=_OP_TYPES[mode],
                extra_options={"DefaultTensorType": TensorProto.FLOAT},
            )
        else:
            say(f"exporting {transformer_dir} to ONNX (opset {_OPSET})")
            _torch_export(transformer_dir, tmp)
            _optimise(tmp)
        tmp.chmod(0o644)  # mkstemp makes it private; the folder's other files are readable
        tmp.replace(target)
        target.with_suffix(".json").write_text(json.dumps(_expected_record(model_dir, mode)) + "\n", encoding="utf-8")
    except OSError as e:
        raise ModelError(
            f"Could not write the ONNX export into {str(target.parent)!r}: {e}. Check that the model folder is writable."
        ) from e
    finally:
        tmp.unlink(missing_ok=True)
        for extra in target.parent.glob(f".{target.stem}-*"):  # external-data files of a failed export
            shutil.rmtree(extra, ignore_errors=True) if extra.is_dir() else extra.unlink(missing_ok=True)
    say(f"wrote {target} ({target.stat().st_size / 1e6:.0f} MB)")
    return target


def _optimise(path: Path) -> None:
    """Rewrite the graph with onnxruntime's extended optimisations (fused attention and layer
    norms), once: optimising a 470 MB graph at every session start costs seconds."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    optimised = path.with_name(path.stem + "-opt.onnx")
    options.optimized_model_filepath = str(optimised)
    try:
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        optimised.replace(path)
    finally:
        optimised.unlink(missing_ok=True)


def _torch_export(transformer_dir: Path, dest: Path) -> None:
    import warnings

    import torch  # only here: serving never exports
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(transformer_dir), local_files_only=True)
    model.eval()
    names = ["input_ids", "attention_mask"]
    if model.config.type_vocab_size if hasattr(model.config, "type_vocab_size") else False:
        names.append("token_type_ids")
    sample = {n: torch.ones((2, 8), dtype=torch.long) for n in names}
    if "token_type_ids" in sample:
        sample["token_type_ids"] = torch.zeros((2, 8), dtype=torch.long)

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"last_hidden_state": {0: "batch", 1: "sequence"}}
    # The tracer warns about shape tests it freezes; none depends on the batch or sequence size
    # (the tests check the export against sentence-transformers at several lengths).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(),
            tuple(sample[n] for n in names),
            str(dest),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, dynamic axes as named
        )


# ----------------------------------------------------------------------------- embedding


class OnnxEmbedder(Embeddings):
    """Embeds like :class:`index.e5_model.Embedder` (same prompts, pooling, normalisation), with
    onnxruntime. Thread-safe: several questions may embed at once."""

    def __init__(
        self,
        model_dir: Path,
        *,
        quantize: bool | str = False,
        threads: int = 0,
        batch_size: int = _BATCH_SIZE,
        external_table: bool = True,
    ) -> None:
        """``external_table=False``: run the whole graph even when set-up split its token table out."""
        import onnxruntime as ort

        self.model_dir = Path(model_dir)
        self.quantize = quantize_mode(quantize)
        self.batch_size = batch_size
        transformer_dir, self.pooling = _plan(self.model_dir)
        path = onnx_file(self.model_dir, quantize=quantize)
        if not is_exported(self.model_dir, quantize=quantize):
            raise ModelError(
                f"{str(self.model_dir)!r} has no current ONNX export ({path.name}); run `policyqa setup` "
                "(it exports the model), or set POLICYQA_EMBEDDING_BACKEND=torch."
            )
        options = ort.SessionOptions()
        # The export is optimised already (see _optimise); the basic passes left are cheap.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # fp32: the graph without its token table, the table memory-mapped (index/onnx_table.py),
        # when set-up has split it; an older folder runs the whole graph.
        self.table: TokenTable | None = None
        graph = path
        if external_table and self.quantize == "none" and is_split(path):
            graph, table_file = split_files(path.parent)
            self.table = TokenTable(table_file)
        # onnxruntime builds the session without the GIL: in a thread, while this one parses the
        # tokenizer (which holds the GIL); on two cores the two loads overlap.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="onnx-session") as pool:
            session = pool.submit(ort.InferenceSession, str(graph), options, providers=["CPUExecutionProvider"])
            self.tokenizer: PieceTokenizer = self._load_tokenizer(transformer_dir)
            self.session: onnxruntime.InferenceSession = session.result()
        self._inputs = [i.name for i in self.session.get_inputs()]
        st_config = _read_json(self.model_dir / "config_sentence_transformers.json")
        prompts = st_config.get("prompts") or {}
        self.query_prompt: str = prompts.get("query") or ""
        self.passage_prompt: str = prompts.get("passage") or prompts.get("document") or ""
        tok_config = _read_json(transformer_dir / "tokenizer_config.json")
        pad = tok_config.get("pad_token")
        pad_token = pad.get("content") if isinstance(pad, dict) else pad
        pad_id = self.tokenizer.token_to_id(pad_token) if isinstance(pad_token, str) else None
        self._pad_id = int(pad_id) if pad_id is not None else 0
        self.name = model_name(self.model_dir) + backend_suffix("onnx", quantize)
        self.dimension = int(self._run([self.passage_prompt + "x"]).shape[1])

    def _load_tokenizer(self, transformer_dir: Path) -> PieceTokenizer:
        tokenizer_file = transformer_dir / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise _unsupported(self.model_dir, "it has no tokenizer.json (a fast tokenizer)")
        tok_config = _read_json(transformer_dir / "tokenizer_config.json")
        # sentence-transformers loads a fast tokenizer that treats "<s>" in a text as text when
        # the folder says split_special_tokens; the tokenizers library's switch for it.
        # The folder's tokenizer.json, run over the pieces each batch can use (index/piece_tokenizer.py).
        return PieceTokenizer(
            tokenizer_file,
            piece_cache(self.model_dir),
            encode_special_tokens=bool(tok_config.get("split_special_tokens", False)),
            max_length=_max_length(self.model_dir, transformer_dir),
        )

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_ids(texts)
        width = max(map(len, encodings))
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        if self.table is not None:
            feed[EMBEDS_INPUT] = self.table.rows(ids)
        hidden = self.session.run(None, {n: feed[n] for n in self._inputs})[0]
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        elif self.pooling == "max":
            pooled = np.where(mask[:, :, None] > 0, hidden, -1e9).max(axis=1)
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _encode(self, texts: Sequence[str], prompt: str) -> list[list[float]]:
        texts = [prompt + t for t in texts]
        if not texts:
            return []
        # Batches of similar length waste little on padding (sentence-transformers sorts too).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run([texts[i] for i in rows])
        return out.tolist()

    def embed_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed questions (with the model's query prompt, ``query: `` for e5)."""
        return self._encode(texts, self.query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed clauses (with the model's passage prompt, ``passage: `` for e5)."""
        return self._encode(texts, self.passage_prompt)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: documents are passages."""
        return self.embed_passages(texts)

    def embed_query(self, text: str) -> list[float]:
        """LangChain: one query."""
        return self.embed_queries([text])[0]

    def __repr__(self) -> str:
        return f"OnnxEmbedder(name={self.name!r}, dimension={self.dimension}, pooling={self.pooling!r})"


def load_onnx_embedder(model_dir: Path, *, quantize: bool | str = False, threads: int = 0) -> OnnxEmbedder:
    """The ONNX embedder of ``model_dir`` (exported at set-up by :func:`export_onnx`)."""
    return OnnxEmbedder(model_dir, quantize=quantize, threads=threads)
