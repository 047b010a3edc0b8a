"""The cut-vocabulary tokenizer gives the ids of the folder's whole tokenizer.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from corpus.documents import load_corpus
from corpus.settings import Settings
from index.piece_tokenizer import PieceTokenizer, write_piece_cache

REPO = Path(__file__).resolve().parents[2]

MIXED = [
    "query: 高新技术企业认定后能拿到多少奖励？",
    "passage: 对获评国家级专精特新“小巨人”的企业，给予一次性奖励５０万元。",
    "全角数字１２３４５６７８９０和半角数字1234567890混排，２０２５年第３季度",
    "ＡＢＣ ａｂｃ Ｅｎｇｌｉｓｈ mixed with 中文 and ＵＲＬ https://example.org/a?b=1",
    "① ② ⑶ ¼ ½ ﬁ ㎡ ℃ Ⅻ ㈱ 〇 〔2024〕11号",
    "tabs\tand\nnewlines  and   runs of    spaces ",
    "  leading and trailing  ",
    "<s> literal <unk> specials </s> <mask> <pad>",
    "emoji 😀👍🏽 and rare 𠀀𪚥 characters, e\u0301 combining \u200b zero width",
    "控制字符\u0001\u0007在文本中\u00a0不换行空格",
    "",
    " ",
    "长" * 700,  # beyond the 512-token truncation
    "Ελληνικά, русский, العربية, हिन्दी, 日本語のテキスト, 한국어",
]


@pytest.fixture(scope="module")
def tokenizer_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from index import prepare_embeddings

    folder = prepare_embeddings(Settings(data_dir=REPO / "var"))
    copy = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    shutil.copyfile(folder / "tokenizer.json", copy)  # a folder of its own: the cache is written beside it
    return copy


def _whole(path: Path, *, split_special: bool, max_length: int = 512) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.encode_special_tokens = split_special
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def _corpus_texts() -> list[str]:
    corpus = load_corpus(REPO / "corpus" / "documents")
    return ["passage: " + c.text for c in corpus.clauses]


@pytest.mark.parametrize("split_special", [True, False])
def test_ids_are_the_whole_tokenizers(tokenizer_file: Path, split_special: bool) -> None:
    cut = PieceTokenizer(tokenizer_file, tokenizer_file.parent / "cache", encode_special_tokens=split_special, max_length=512)
    whole = _whole(tokenizer_file, split_special=split_special)
    texts = MIXED + _corpus_texts()
    expected = [e.ids for e in whole.encode_batch(texts)]
    assert cut.encode_ids(texts) == expected  # one batch: every text's pieces in one cut vocabulary
    for text, ids in zip(texts, expected, strict=True):  # and alone: a vocabulary of its pieces only
        assert cut.encode_ids([text]) == [ids], text[:40]


def test_it_loads_without_building_the_whole_vocabulary(tokenizer_file: Path) -> None:
    cut = PieceTokenizer(tokenizer_file, tokenizer_file.parent / "cache", encode_special_tokens=True, max_length=512)
    assert cut.encode_ids(["专精特新企业的数字化改造补贴"])[0][0] == cut.token_to_id("<s>")
    assert cut.token_to_id("<pad>") == _whole(tokenizer_file, split_special=True).token_to_id("<pad>")
    assert cut._whole is None  # the 250k-piece trie was never built


def test_a_changed_tokenizer_file_is_not_read_from_the_old_cache(tokenizer_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    shutil.copyfile(tokenizer_file, path)
    assert write_piece_cache(path, tmp_path / "cache")
    before = _whole(path, split_special=True)
    piece_id = max(before.encode("企业").ids[1:-1])
    # The same file with that piece renamed: a cache keyed by anything but the content would miss it.
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model"]["vocab"][piece_id][0] = "▁一个新词条"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    after = _whole(path, split_special=True)
    assert after.encode("企业").ids != before.encode("企业").ids
    cut = PieceTokenizer(path, tmp_path / "cache", encode_special_tokens=True, max_length=512)
    assert cut.encode_ids(["企业", "一个新词条"]) == [after.encode("企业").ids, after.encode("一个新词条").ids]


def test_a_tokenizer_that_is_not_unigram_is_encoded_whole(tmp_path: Path) -> None:
    from tokenizers import models, pre_tokenizers

    path = tmp_path / "tokenizer.json"
    wordlevel = Tokenizer(models.WordLevel({"[UNK]": 0, "政策": 1, "补贴": 2}, unk_token="[UNK]"))
    wordlevel.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    wordlevel.save(str(path))
    cut = PieceTokenizer(path, tmp_path / "cache", encode_special_tokens=False, max_length=16)
    assert cut.encode_ids(["政策 补贴 其他"]) == [[1, 2, 0]]
    assert not (tmp_path / "cache").exists()


def test_writing_the_cache_leaves_the_models_name_alone(tokenizer_file: Path, tmp_path: Path) -> None:
    from index.e5_model import model_name
    from index.onnx_embed import piece_cache

    folder = tmp_path / "some-model"  # a folder without a build marker: its name covers its files
    folder.mkdir()
    shutil.copyfile(tokenizer_file, folder / "tokenizer.json")
    (folder / "config.json").write_text("{}", encoding="utf-8")
    name = model_name(folder)
    assert write_piece_cache(folder / "tokenizer.json", piece_cache(folder))
    assert any(piece_cache(folder).iterdir())
    assert model_name(folder) == name  # an index keyed by the model stays valid
