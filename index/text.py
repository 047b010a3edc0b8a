"""Chinese text handling shared by the keyword index and the chunker: jieba tokens, sentences."""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import jieba

from index.jieba_tables import copy_of_default, general_idf, pos_tokenizer

__all__ = ["tokenize", "split_sentences", "tokenizer_fingerprint", "tagged", "word_tag"]

_USERDICT = Path(__file__).resolve().parent / "userdict.txt"
_LOCK = threading.Lock()
# Tokens that carry no retrieval signal in these questions and texts.
_STOP = frozenset(
    (
        "的 了 和 与 及 或 等 在 对 为 是 我 我们 你 你们 他们 公司 企业 吗 呢 吧 啊 呀 么 什么 怎么 怎样 如何 哪些"
        " 哪个 多少 几 能 能否 可以 可 有 没有 请问 一下 这个 那个 这 那 就 都 也 还 要 想 给 被 把 从 按 按照 其 该 本"
        " 之 以 上 下 中 个 请 问 答"
    ).split()
)
_PUNCT = re.compile(r"^[\W_]+$")


@cache
def _tokenizer() -> jieba.Tokenizer:
    tok = copy_of_default()  # the default tokenizer's dictionary, not read a second time
    with _LOCK:
        # jieba leaves a path it opens unclosed; hand it an open file instead.
        with _USERDICT.open("rb") as f:
            tok.load_userdict(f)
    return tok


@cache
def tokenizer_fingerprint() -> str:
    """A digest of what :func:`tokenize` depends on besides the corpus (jieba, the user
    dictionary, the stop words): part of the saved keyword index's key."""
    import hashlib
    import importlib.metadata

    digest = hashlib.sha256(_USERDICT.read_bytes())
    digest.update(f"{importlib.metadata.version('jieba')}|{' '.join(sorted(_STOP))}|{_PUNCT.pattern}".encode())
    return digest.hexdigest()[:16]


_QUOTED_TERM = re.compile(r"[“\"]([\u4e00-\u9fff]{2,8})[”\"]")


def add_corpus_terms(texts: list[str]) -> int:
    """Teach the tokenizer the named programmes a corpus quotes (“厦研保”, “算力券”, “鲁科贷”), so
    a question naming one matches it as a whole word. Returns how many were added."""
    tok = _tokenizer()
    terms = {m.group(1) for t in texts for m in _QUOTED_TERM.finditer(t)}
    with _LOCK:
        for term in sorted(terms):
            tok.add_word(term, freq=50)
    return len(terms)


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's search-mode words, lower-cased, without stop words and punctuation."""
    words = _tokenizer().lcut_for_search(text.lower())
    return [w for w in words if w.strip() and w not in _STOP and not _PUNCT.match(w)]


_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def split_sentences(text: str) -> list[str]:
    """Split Chinese text after sentence-final punctuation and at line breaks; keeps the punctuation."""
    out: list[str] = []
    for line in text.splitlines():
        out.extend(s for s in _SENTENCE_END.split(line) if s.strip())
    return out


def words(text: str) -> list[str]:
    """Precise-mode jieba words (no overlapping sub-words), without stop words and punctuation."""
    return [w for w in _tokenizer().lcut(text.lower()) if w.strip() and w not in _STOP and not _PUNCT.match(w)]


def known_word(word: str) -> bool:
    """Whether jieba's general-language dictionary has the word."""
    return word in general_idf()[0]


def informativeness(word: str) -> float:
    """How much a word says in general Chinese: its idf in jieba's general-language table
    (rare words high, 一个/我们 low); words the table lacks get its median."""
    freq, median = general_idf()
    return float(freq.get(word, median))


def tagged(text: str) -> list[tuple[str, str]]:
    """jieba's part-of-speech segmentation (``jieba.posseg``, general dictionary): (word, tag) pairs."""
    pos_tokenizer()  # imports jieba.posseg with its word tags from the cache
    import jieba.posseg

    return [(p.word, p.flag) for p in jieba.posseg.lcut(text)]


def word_tag(word: str) -> str:
    """The part-of-speech tag jieba's general dictionary gives a word ("" when it lacks it)."""
    tag: str = pos_tokenizer().word_tag_tab.get(word, "")
    return tag
