"""The token-embedding table kept outside the ONNX session, read from a memory-mapped file.

e5-small's graph is 470 MB, of which 384 MB is one table: a float32 row for each of 250,037
tokens, gathered by token id before the first layer. Inside an onnxruntime session the whole
table is resident (the session holds ≈ 490 MB). :func:`split_table` cuts it out of the export
once, at set-up: ``onnx/model_external_table.onnx`` is the same graph taking the gathered rows as
an input, and ``onnx/word_embeddings.npy`` the table, which :class:`TokenTable` opens with numpy's
memory map, so that only the pages of the rows actually used are read (a question uses a few
dozen). The rows fed are the table's own bytes, so the vectors are exactly those of the whole
graph (a test compares them with it and with sentence-transformers).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["TokenTable", "split_table", "split_files", "is_split"]

EMBEDS_INPUT = "inputs_embeds"
_GRAPH = "model_external_table.onnx"
_TABLE = "word_embeddings.npy"
_RECORD = "model_external_table.json"
_FORMAT = 1  # bump when split_table writes a different graph


def split_files(onnx_dir: Path) -> tuple[Path, Path]:
    """The graph without the table and the table, beside the whole export."""
    return onnx_dir / _GRAPH, onnx_dir / _TABLE


def _expected(source: Path) -> dict[str, Any]:
    # What the split was made from: the whole export's own record (model and export format).
    try:
        made_from = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made_from = None
    return {"format": _FORMAT, "from": made_from, "size": source.stat().st_size if source.exists() else None}


def is_split(source: Path) -> bool:
    """True when the split files exist and were made by this code from ``source`` as it is now."""
    graph, table = split_files(source.parent)
    try:
        record = json.loads((source.parent / _RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return graph.is_file() and table.is_file() and record == _expected(source)


def split_table(source: Path) -> tuple[Path, Path] | None:
    """Write the graph without its token table and the table (idempotent). None when the graph has
    no such table (a Gather of a 2-D weight by ``input_ids``): it then runs whole."""
    import onnx
    from onnx import helper, numpy_helper

    graph_path, table_path = split_files(source.parent)
    if is_split(source):
        return graph_path, table_path
    model = onnx.load(str(source))
    graph = model.graph
    weights = {w.name: w for w in graph.initializer}
    gathers = [n for n in graph.node if n.op_type == "Gather" and len(n.input) == 2 and n.input[1] == "input_ids" and n.input[0] in weights]
    if len(gathers) != 1 or len(weights[gathers[0].input[0]].dims) != 2:
        return None
    gather = gathers[0]
    weight = weights[gather.input[0]]
    table = numpy_helper.to_array(weight)
    if sum(1 for n in graph.node for i in n.input if i == weight.name) != 1:
        return None  # the table feeds something else too (tied weights): keep the graph whole
    rows = gather.output[0]
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == rows:
                node.input[i] = EMBEDS_INPUT
    graph.node.remove(gather)
    graph.initializer.remove(weight)
    graph.input.append(helper.make_tensor_value_info(EMBEDS_INPUT, onnx.TensorProto.FLOAT, ["batch", "sequence", int(table.shape[1])]))
    _write(table_path, lambda tmp: np.save(tmp, table))
    _write(graph_path, lambda tmp: onnx.save(model, tmp))
    (source.parent / _RECORD).write_text(json.dumps(_expected(source)) + "\n", encoding="utf-8")
    return graph_path, table_path


def _write(path: Path, write: Any) -> None:
    """``write(tmp)`` to a temporary name beside ``path``, then renamed: never a half-written file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the folder's other files are readable
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


class TokenTable:
    """The token-embedding table, memory-mapped: ``rows(ids)`` is ``table[ids]`` as float32."""

    def __init__(self, path: Path) -> None:
        self.table = np.load(str(path), mmap_mode="r")

    def rows(self, ids: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.table[ids], dtype=np.float32)
