"""jieba's fixed tables, each loaded once per process and the slow ones cached on disk.

jieba parses text files at every start: its general-language idf table (``analyse/idf.txt``,
about 1 s) and, when ``jieba.posseg`` is imported, the part-of-speech tag of every dictionary word
(``dict.txt``, about 1 s). Both are derived from files of the installed jieba only, so they are
kept as ``marshal`` files in a cache folder (set by :func:`use_cache_dir`; the index sets it to
``Settings.text_cache_dir``), each under a key made of the source file's content digest: a
changed jieba or dictionary never reads a stale table. No cache folder set: parsed every time.

The prefix dictionary (``FREQ``) of jieba's default tokenizer, the idf table and the word tags
are one cached file (``jieba-tables-<digest>``) in which the three share their word strings (and
the tags and idf values are one object each per distinct value): 92 MB resident instead of
164 MB, and about a third less CPU to read (issue 14). The prefix dictionary is loaded once and
copied for the search tokenizer (which adds the user dictionary to its copy), instead of being
unmarshalled twice. A keyword search (:func:`keyword_search_only`) reads the prefix dictionary's
own cache file alone.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import marshal
import os
import sys
import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import Any

import jieba

jieba.setLogLevel(60)  # jieba logs its dictionary build at INFO on stderr; keep CLI output clean

__all__ = ["use_cache_dir", "general_idf", "word_tags", "pos_tokenizer", "copy_of_default", "keyword_search_only"]

_JIEBA_DIR = Path(jieba.__file__).resolve().parent
_IDF_FILE = _JIEBA_DIR / "analyse" / "idf.txt"
_LOCK = threading.RLock()  # pos_tokenizer holds it while it loads the dictionary
_cache_dir: Path | None = None


def use_cache_dir(path: Path | None) -> None:
    """Keep the derived tables under ``path`` (created when first written); None: no disk cache."""
    global _cache_dir
    _cache_dir = Path(path) if path is not None else None


def _cached(name: str, source: Path | tuple[Path, ...], build: Any) -> Any:
    """``build()``'s value, read from ``<cache>/<name>-<digest of the source files>.marshal`` when
    there, else built and written there (atomically; a cache that cannot be written is skipped)."""
    folder = _cache_dir
    if folder is None:
        return build()
    digest = hashlib.sha1()
    for one in source if isinstance(source, tuple) else (source,):
        digest.update(one.read_bytes())
    key = digest.hexdigest()[:16]
    path = folder / f"{name}-{key}.marshal"
    try:
        # loads(read_bytes()): marshal.load on a file reads it a few bytes at a time, 2-3x slower
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass  # missing or unreadable: build it again
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=folder)
        with os.fdopen(fd, "wb") as f:
            marshal.dump(value, f)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the data folder is readable
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only data folder: the table is still right, only not cached
    return value


def _parse_idf() -> tuple[dict[str, float], float]:
    # Read directly: jieba.analyse leaves the file open.
    freq: dict[str, float] = {}
    with _IDF_FILE.open(encoding="utf-8") as f:
        for line in f:
            word, _, value = line.strip().partition(" ")
            if word and value:
                freq[word] = float(value)
    values = sorted(freq.values())
    return freq, values[len(values) // 2]


# (prefix dictionary, its total, idf table, idf median, word tags)
_Tables = tuple[dict[str, int], int, dict[str, float], float, dict[str, str]]


def _build_prefix() -> tuple[dict[str, int], int]:
    fresh = jieba.Tokenizer()
    fresh.initialize()  # jieba's own cache of the prefix dictionary
    return fresh.FREQ, fresh.total


def _build_tables() -> _Tables:
    freq, total = _build_prefix()
    idf, median = _parse_idf()
    return _shared_words(freq, total, idf, median, _parse_word_tags())


def _shared_words(freq: dict[str, int], total: int, idf: dict[str, float], median: float, tags: dict[str, str]) -> _Tables:
    """The same tables, every word one string object (marshal writes a shared object once and
    reads it back shared), every tag and idf value one object per distinct value."""
    words = {w: w for w in freq}
    values: dict[float, float] = {}
    shared_idf = {words.setdefault(w, w): values.setdefault(v, v) for w, v in idf.items()}
    shared_tags = {words.setdefault(w, w): sys.intern(t) for w, t in tags.items()}
    return freq, total, shared_idf, median, shared_tags


_loaded_tables: list[_Tables] = []  # the tables once read, for every later caller
_prefix_only = False


def keyword_search_only() -> None:
    """This process only tokenises (a keyword search): its tokenizer reads the prefix dictionary
    alone (``jieba-prefix-dict``, 0.6 s of CPU less than the three tables). A later need for the
    idf table or the tags still gets them (with a second copy of the dictionary)."""
    global _prefix_only
    _prefix_only = True


def _tables() -> _Tables:
    """The three tables from the cache (built there once); only with a cache folder."""
    with _LOCK:
        if not _loaded_tables:
            sources = (_JIEBA_DIR / jieba.DEFAULT_DICT_NAME, _IDF_FILE)
            _loaded_tables.append(_cached("jieba-tables", sources, _build_tables))
        return _loaded_tables[0]


@cache
def general_idf() -> tuple[dict[str, float], float]:
    """jieba's general-language idf table and its median."""
    if _cache_dir is None:
        return _parse_idf()
    _, _, idf, median, _ = _tables()
    return idf, median


def _default_initialized() -> jieba.Tokenizer:
    """jieba's default tokenizer (the one ``jieba.posseg`` tags with), its dictionary loaded."""
    base = jieba.dt
    if base.initialized:
        return base
    with _LOCK, base.lock:
        if not base.initialized and base.dictionary == jieba.DEFAULT_DICT and _cache_dir is not None:
            # What initialize() reads from jieba's own cache, from ours (read whole, not piecewise).
            if _prefix_only:
                base.FREQ, base.total = _cached("jieba-prefix-dict", _JIEBA_DIR / jieba.DEFAULT_DICT_NAME, _build_prefix)
            else:
                base.FREQ, base.total, _, _, _ = _tables()
            base.initialized = True
    base.check_initialized()
    return base


def copy_of_default() -> jieba.Tokenizer:
    """A new tokenizer holding a copy of the default tokenizer's dictionary: the same as
    ``jieba.Tokenizer().initialize()`` without reading the dictionary again."""
    base = _default_initialized()
    tok = jieba.Tokenizer()
    with base.lock:
        tok.FREQ, tok.total = dict(base.FREQ), base.total
    tok.initialized = True
    return tok


@cache
def pos_tokenizer() -> Any:
    """``jieba.posseg``'s default tagger (``jieba.posseg.dt``), its word tags from the cache."""
    with _LOCK:
        if "jieba.posseg" in sys.modules or _cache_dir is None:
            posseg = importlib.import_module("jieba.posseg")
        else:
            tags = _tables()[4]
            # jieba.posseg parses every dictionary line into its tag table when imported: hand
            # it an empty dictionary to parse, then the cached table.
            jieba.dt.get_dict_file = lambda: io.BytesIO()  # type: ignore[method-assign]
            try:
                posseg = importlib.import_module("jieba.posseg")
            finally:
                del jieba.dt.get_dict_file
            posseg.dt.word_tag_tab = tags
        _default_initialized()
        return posseg.dt


def _parse_word_tags() -> dict[str, str]:
    # What jieba.posseg.POSTokenizer.load_word_tag reads, line for line.
    tags: dict[str, str] = {}
    with jieba.dt.get_dict_file() as f:
        for line in f:
            text = line.strip().decode("utf-8")
            if text:
                word, _, tag = text.split(" ")
                tags[word] = tag
    return tags


def word_tags() -> dict[str, str]:
    """Every dictionary word's part-of-speech tag (jieba's ``dict.txt``)."""
    tags: dict[str, str] = pos_tokenizer().word_tag_tab
    return tags
