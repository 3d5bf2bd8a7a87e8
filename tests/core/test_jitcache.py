"""The generated-code cache (dlcore/jitcache.py): Numba's disk cache still hits after a module is
used again (its source's modification time is kept), and the folder's size bound deletes the
least recently used modules with their compiled files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

from dlcore import jitcache

SOURCE = textwrap.dedent("""
    from numba import njit

    @njit(cache=True)
    def twice(x):
        return 2 * x
""")


def _run(tmp_path, code: str) -> str:
    env = dict(os.environ, DLCORE_CACHE_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_a_reused_module_keeps_numba_cache_hits_and_records_its_use(tmp_path):
    code = ("from dlcore.jitcache import load_generated_module as L\n"
            f"m = L('jctest', {SOURCE!r})\n"
            "print(m.twice(21), sum(m.twice.stats.cache_hits.values()), m.__file__)")
    out1 = _run(tmp_path, code).split()
    assert out1[:2] == ["42", "0"]                        # compiled, then written to the cache
    path = out1[2]
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns - 10**12, st.st_mtime_ns))     # used 1000 s ago
    out2 = _run(tmp_path, code).split()
    assert out2[:2] == ["42", "1"]                        # loaded from Numba's cache
    st2 = os.stat(path)
    assert st2.st_mtime_ns == st.st_mtime_ns              # what Numba's index is keyed by
    assert st2.st_atime_ns > st.st_atime_ns - 10**12 + 10**11     # the use was recorded


def _fake_module(folder, name: str, size: int, used: float) -> list:
    py = folder / f"_dlcore_gen_{name}.py"
    py.write_bytes(b"#" * size)
    cache = folder / "__pycache__"
    cache.mkdir(exist_ok=True)
    files = [py]
    for suffix in ("f-3.py311.nbi", "f-3.py311.1.nbc"):
        f = cache / f"_dlcore_gen_{name}.{suffix}"
        f.write_bytes(b"x" * size)
        files.append(f)
    os.utime(py, (used, used))
    return files


def test_prune_deletes_the_least_recently_used_down_to_three_quarters(tmp_path):
    now = time.time()
    old = _fake_module(tmp_path, "old_1", 1000, now - 7200)
    mid = _fake_module(tmp_path, "mid_2", 1000, now - 5000)
    new = _fake_module(tmp_path, "new_3", 1000, now - 4000)
    recent = _fake_module(tmp_path, "recent_4", 1000, now - 60)      # used within the hour
    stale_tmp = tmp_path / "tmpabc.tmp"
    stale_tmp.write_bytes(b"t")
    os.utime(stale_tmp, (now - 7200, now - 7200))
    # 12,000 bytes against a limit of 10,000: down to 7,500, oldest first
    removed = jitcache.prune(tmp_path, 10_000, now=now)
    assert removed == ["_dlcore_gen_old_1", "_dlcore_gen_mid_2"]
    assert not any(p.exists() for p in old + mid) and not stale_tmp.exists()
    assert all(p.exists() for p in new + recent)
    # under the limit: nothing to do; a module used within the hour is never deleted
    assert jitcache.prune(tmp_path, 10_000, now=now) == []
    assert jitcache.prune(tmp_path, 10, now=now) == ["_dlcore_gen_new_3"]
    assert all(p.exists() for p in recent)


def test_the_bound_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DLCORE_CACHE_MAX_MB", "1.5")
    assert jitcache.max_bytes() == int(1.5 * 1024 * 1024)
    monkeypatch.setenv("DLCORE_CACHE_MAX_MB", "lots")
    import pytest
    with pytest.raises(ValueError, match="DLCORE_CACHE_MAX_MB must be a number of megabytes"):
        jitcache.max_bytes()
