"""The folder's ``tokenizer.json`` with its Unigram vocabulary cut to what a batch of texts can use.

Loading e5's ``tokenizer.json`` with the ``tokenizers`` library takes about a second of CPU and
280 MB: it builds a character trie over all 250,002 pieces. Yet a Unigram tokenizer only ever
looks at the pieces that are substrings of the text it segments (the Viterbi lattice holds the
vocabulary's matches at each position, and an unknown-character node scored from the
vocabulary's lowest score). :class:`PieceTokenizer` therefore keeps the vocabulary as a plain
``piece → id`` table (a cache written at set-up beside the folder's ``tokenizer.json``, loaded in a
few tens of milliseconds; the caller says where, e.g. beside the ONNX export, outside what
names the model), and for each batch asks the same ``tokenizers`` pipeline (the folder's
normaliser, pre-tokeniser, post-processor, truncation and special tokens, unchanged) to encode it
with a vocabulary of just the pieces found in the batch, the unknown piece and the lowest-scored
piece. Same lattice, same scores, same tie order, so the same segmentation; ids are mapped back by
piece. The tests compare it with the whole tokenizer on the corpus and on mixed texts.

Only a Unigram model is cut; any other model, a text holding an added token's literal form while
the folder extracts added tokens, or a folder without a current cache (written where possible)
is encoded by the whole tokenizer, loaded when first needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus.errors import ModelError

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

__all__ = ["PieceTokenizer", "write_piece_cache"]

_FORMAT = 1
_PIECES, _TEMPLATE, _RECORD = "pieces.txt", "template.json", "record.json"


def file_sha256(path: Path) -> str:
    """A file's sha256, read in 1 MB blocks (also the model build's source check, index/e5_model.py)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _record(tokenizer_file: Path) -> dict[str, object]:
    return {"format": _FORMAT, "sha256": file_sha256(tokenizer_file)}


def _split(data: dict[str, Any]) -> tuple[list[str], list[float], dict[str, Any]] | None:
    """The vocabulary's pieces and scores, and the pipeline without them; None if not Unigram."""
    model = data.get("model") or {}
    if model.get("type") != "Unigram" or not isinstance(model.get("vocab"), list):
        return None
    pieces = [str(p) for p, _ in model["vocab"]]
    scores = [float(s) for _, s in model["vocab"]]
    if len(set(pieces)) != len(pieces) or any("\n" in p for p in pieces):
        return None  # ids could not be mapped back by piece, or the pieces file cannot hold them
    template = dict(data, model={k: v for k, v in model.items() if k != "vocab"})
    return pieces, scores, template


def write_piece_cache(tokenizer_file: Path, target: Path) -> bool:
    """Write the cache of ``tokenizer_file`` into the folder ``target`` (set-up does; idempotent).
    False when the tokenizer is not a Unigram one or ``target`` is not writable: it is then
    loaded whole."""
    tokenizer_file, target = Path(tokenizer_file), Path(target)
    record = _record(tokenizer_file)
    if _read_record(target) == record:
        return True
    parts = _split(json.loads(tokenizer_file.read_text(encoding="utf-8")))
    if parts is None:
        return False
    pieces, scores, template = parts
    template["policyqa_scores"] = scores  # the pipeline and the scores in one JSON file
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in (
            (_PIECES, "\n".join(pieces)),
            (_TEMPLATE, json.dumps(template, ensure_ascii=False)),
            (_RECORD, json.dumps(record)),
        ):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=target)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target / name)  # the record last: a half-written cache is never current
    except OSError:
        return False
    return True


def _read_record(target: Path) -> object:
    try:
        return json.loads((target / _RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class PieceTokenizer:
    """Encodes like ``tokenizers.Tokenizer.from_file(tokenizer_file)`` (ids, attention), loading
    in a fraction of its time and memory (see the module's docstring). Thread-safe."""

    def __init__(self, tokenizer_file: Path, cache: Path, *, encode_special_tokens: bool, max_length: int) -> None:
        """``cache``: the folder of its cut-vocabulary cache (written there when missing or stale)."""
        self.tokenizer_file = Path(tokenizer_file)
        if not self.tokenizer_file.is_file():
            raise ModelError(f"{str(self.tokenizer_file)!r} is missing (a fast tokenizer is needed).")
        self.encode_special_tokens = encode_special_tokens
        self.max_length = max_length
        self._whole: Tokenizer | None = None
        self._lock = threading.Lock()
        self._ids: dict[str, int] | None = None
        target = Path(cache)
        if _read_record(target) != _record(self.tokenizer_file) and not write_piece_cache(self.tokenizer_file, target):
            return  # not a Unigram tokenizer, or no cache can be written: the whole tokenizer
        try:
            pieces = (target / _PIECES).read_text(encoding="utf-8").split("\n")
            template: dict[str, Any] = json.loads((target / _TEMPLATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self._scores: list[float] = template.pop("policyqa_scores")
        self._pieces = pieces
        self._ids = {p: i for i, p in enumerate(pieces)}
        self._longest = max(map(len, pieces))
        self._model: dict[str, Any] = template["model"]
        unk = self._model.get("unk_id")
        lowest = min(range(len(self._scores)), key=self._scores.__getitem__)
        # The unknown piece (its id is the model's) and the lowest score (it scores unknown characters).
        self._base = [i for i in dict.fromkeys((unk, lowest)) if isinstance(i, int)]
        # Added tokens the pipeline extracts from a text before normalising (all of them, or
        # only the non-special ones when special tokens are encoded as text).
        self._extracted = [
            str(t["content"]) for t in template.get("added_tokens") or [] if not (t.get("special") and encode_special_tokens)
        ]
        # The normaliser and pre-tokeniser, to find the substrings the model will see.
        self._template = template
        self._front = self._build(self._base)

    def _build(self, ids: Sequence[int]) -> Tokenizer:
        from tokenizers import Tokenizer

        model = dict(self._model, vocab=[[self._pieces[i], self._scores[i]] for i in ids])
        unk = self._model.get("unk_id")
        if isinstance(unk, int):
            model["unk_id"] = list(ids).index(unk)
        tokenizer = Tokenizer.from_str(json.dumps(dict(self._template, model=model), ensure_ascii=False))
        return self._configure(tokenizer)

    def _configure(self, tokenizer: Tokenizer) -> Tokenizer:
        tokenizer.encode_special_tokens = self.encode_special_tokens
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_length)
        return tokenizer

    def whole(self) -> Tokenizer:
        """The folder's tokenizer with its whole vocabulary (loaded on first need)."""
        if self._whole is None:
            with self._lock:
                if self._whole is None:
                    from tokenizers import Tokenizer

                    self._whole = self._configure(Tokenizer.from_file(str(self.tokenizer_file)))
        return self._whole

    def token_to_id(self, token: str) -> int | None:
        if self._ids is None:
            return self.whole().token_to_id(token)
        return self._ids.get(token) if token in self._ids else self.whole().token_to_id(token)

    def _pieces_in(self, texts: Sequence[str]) -> list[int] | None:
        assert self._ids is not None
        normalizer, pre = self._front.normalizer, self._front.pre_tokenizer
        found: set[int] = set()
        get, longest = self._ids.get, self._longest
        for text in texts:
            if any(t in text for t in self._extracted):
                return None  # an added token is cut out before normalising: the segments would differ
            normal = normalizer.normalize_str(text) if normalizer is not None else text
            segments = [s for s, _ in pre.pre_tokenize_str(normal)] if pre is not None else [normal]
            for seg in segments:
                n = len(seg)
                for a in range(n):
                    for b in range(a + 1, min(n, a + longest) + 1):
                        i = get(seg[a:b])
                        if i is not None:
                            found.add(i)
        return self._base + sorted(found - set(self._base))

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, specials and truncation as the folder's tokenizer makes them."""
        if not texts:
            return []
        ids = self._pieces_in(texts) if self._ids is not None else None
        if ids is None:
            return [e.ids for e in self.whole().encode_batch(list(texts))]
        cut = self._build(ids)
        return [self._original(e, ids) for e in cut.encode_batch(list(texts))]

    def _original(self, encoding: Encoding, ids: Sequence[int]) -> list[int]:
        # No added token was extracted (see _pieces_in): a special token is the post-processor's,
        # whose ids are the folder's; every other id is a position in the cut vocabulary.
        return [t if special else ids[t] for t, special in zip(encoding.ids, encoding.special_tokens_mask, strict=True)]
