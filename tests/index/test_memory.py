"""release_freed_memory hands heap pages glibc kept after a free back to the system."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import ctypes, json
from index.memory import release_freed_memory

def rss_mb():
    line = next(x for x in open("/proc/self/status") if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
chunks = [libc.malloc(4096) for _ in range(40_000)]  # 160 MB of small blocks on the heap
for c in chunks:
    libc.memset(c, 1, 4096)
keep = libc.malloc(4096)  # one block above them: the freed ones are not at the heap's top
freed_at = rss_mb()
for c in chunks:
    libc.free(c)
kept = rss_mb()
done = release_freed_memory()
print(json.dumps({"before_free": freed_at, "after_free": kept, "after_trim": rss_mb(), "done": done}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_are_returned_to_the_system() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["done"] is True
    assert figures["after_free"] > figures["before_free"] - 20  # glibc kept the freed pages resident
    assert figures["after_trim"] < figures["after_free"] - 100  # and the trim gave them back
