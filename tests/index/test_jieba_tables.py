"""jieba's derived tables: the cached ones are exactly what jieba parses, a changed source file is
never answered from a stale cache, and the dictionary is read once for both tokenizers."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import jieba
import pytest

from index import jieba_tables

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    jieba_tables.use_cache_dir(tmp_path)
    yield tmp_path
    jieba_tables.use_cache_dir(None)


def test_a_cached_table_is_the_built_one_and_keyed_by_its_source(cache_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("a 1\n", encoding="utf-8")
    built: list[int] = []

    def build() -> dict[str, int]:
        built.append(1)
        return {"a": len(built)}

    assert jieba_tables._cached("t", source, build) == {"a": 1}
    assert jieba_tables._cached("t", source, build) == {"a": 1} and len(built) == 1  # read back, not rebuilt
    source.write_text("a 2\n", encoding="utf-8")  # the source changed: its old table is not used
    assert jieba_tables._cached("t", source, build) == {"a": 2}
    assert len(list(cache_dir.glob("t-*.marshal"))) == 2


def test_a_damaged_cache_file_is_rebuilt(cache_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("x", encoding="utf-8")
    jieba_tables._cached("t", source, lambda: {"ok": 1})
    (path,) = cache_dir.glob("t-*.marshal")
    path.write_bytes(b"\x00garbage")
    assert jieba_tables._cached("t", source, lambda: {"ok": 2}) == {"ok": 2}
    assert marshal.loads(path.read_bytes()) == {"ok": 2}


def test_the_word_tags_are_what_jieba_posseg_parses() -> None:
    from jieba.posseg import POSTokenizer

    assert jieba_tables._parse_word_tags() == POSTokenizer(jieba.Tokenizer()).word_tag_tab


_PROBE = """
import json, marshal, sys
from index import jieba_tables
jieba_tables.use_cache_dir(sys.argv[1])
reads = []
real = marshal.load
marshal.load = lambda f: reads.append(getattr(f, "name", "?")) or real(f)  # jieba's own cache reader
from index.text import tagged, tokenize, word_tag, informativeness
out = {"tokens": tokenize("专精特新企业数字化改造补贴"), "tagged": tagged("有没有什么券可以领"), "tag": word_tag("券"),
       "idf": informativeness("补贴"), "jieba_cache_reads": len(reads)}
print("OUT " + json.dumps(out, ensure_ascii=False))
"""


def _probe(cache: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", _PROBE, str(cache)], env=env, capture_output=True, text=True, timeout=300, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("OUT "))
    return dict(json.loads(line[4:]))


def test_a_fresh_process_reads_the_cached_tables_and_gets_the_same_words(tmp_path: Path) -> None:
    first, second = _probe(tmp_path), _probe(tmp_path)  # builds the cache, then reads it
    assert {p.name.rsplit("-", 1)[0] for p in tmp_path.glob("*.marshal")} == {"jieba-tables"}
    assert first.pop("jieba_cache_reads") == 1  # building: jieba's dictionary read once for both tokenizers
    assert second.pop("jieba_cache_reads") == 0  # then from our cache only
    assert first == second
    assert second["tag"].startswith("n") and ["券", "n"] in second["tagged"]


def test_the_cached_tables_are_jiebas_and_share_their_words(cache_dir: Path) -> None:
    jieba_tables._loaded_tables.clear()  # read from this test's (empty) cache folder: built, written, read back
    try:
        jieba_tables._tables()
        jieba_tables._loaded_tables.clear()
        freq, total, idf, median, tags = jieba_tables._tables()
    finally:
        jieba_tables._loaded_tables.clear()
    fresh = jieba.Tokenizer()
    fresh.initialize()
    assert (freq, total) == (fresh.FREQ, fresh.total)
    assert (idf, median) == jieba_tables._parse_idf()
    assert tags == jieba_tables._parse_word_tags()
    # read back from the file, a word is one string object in all three tables (the memory saved)
    words = {w: w for w in freq}
    assert all(words[w] is w for w in list(idf)[:2000] if w in words)
    assert all(words[w] is w for w in list(tags)[:2000] if w in words)
    assert len({id(t) for t in tags.values()}) == len(set(tags.values()))


_KEYWORD_PROBE = """
import json, sys
from index import jieba_tables
jieba_tables.use_cache_dir(sys.argv[1])
jieba_tables.keyword_search_only()
from index.text import tokenize
print("OUT " + json.dumps({"tokens": tokenize("专精特新企业数字化改造补贴")}, ensure_ascii=False))
"""


def test_a_keyword_search_reads_the_prefix_dictionary_alone_and_gets_the_same_tokens(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _KEYWORD_PROBE, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300, check=True
        )
        for _ in range(2)  # builds its cache file, then reads it
    ]
    tokens = [json.loads(next(x for x in r.stdout.splitlines() if x.startswith("OUT "))[4:])["tokens"] for r in runs]
    assert {p.name.rsplit("-", 1)[0] for p in tmp_path.glob("*.marshal")} == {"jieba-prefix-dict"}
    assert tokens[0] == tokens[1] == _probe(tmp_path / "all")["tokens"]
