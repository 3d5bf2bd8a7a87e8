"""dlcore/kernel_cache.py: dlcore's own kernels keep their Numba cache in one per-user folder,
keyed by content, so a second checkout loads what the first compiled; an entry is not trusted
once the file or a dlcore module it imports changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

from dlcore import kernel_cache

# ----------------------------------------------------------------------------- the stamp


def _tree(root, files: dict) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


def _stamp(root, rel):
    kernel_cache._stamps.clear()
    kernel_cache._deps.clear()
    return kernel_cache.source_stamp(str(root / rel), root=str(root))


def test_the_stamp_covers_the_file_and_what_it_imports_transitively(tmp_path):
    _tree(tmp_path, {
        "dlcore/__init__.py": "",
        "dlcore/kernels/__init__.py": "",
        "dlcore/kernels/k.py": "from .helper import twice\nimport numpy\n",
        "dlcore/kernels/helper.py": "from ..consts import N\n",
        "dlcore/consts.py": "N = 4\n",
        "dlcore/other.py": "M = 1\n",
    })
    first = _stamp(tmp_path, "dlcore/kernels/k.py")
    assert first == _stamp(tmp_path, "dlcore/kernels/k.py")          # deterministic
    (tmp_path / "dlcore/other.py").write_text("M = 2\n")               # not imported
    assert _stamp(tmp_path, "dlcore/kernels/k.py") == first
    (tmp_path / "dlcore/consts.py").write_text("N = 5\n")              # imported two steps away
    second = _stamp(tmp_path, "dlcore/kernels/k.py")
    assert second != first
    (tmp_path / "dlcore/kernels/k.py").write_text("from .helper import twice  # edited\n")
    assert _stamp(tmp_path, "dlcore/kernels/k.py") != second


def test_the_stamp_does_not_depend_on_where_the_checkout_is(tmp_path):
    files = {"dlcore/__init__.py": "", "dlcore/a.py": "from . import b\n", "dlcore/b.py": "X=1\n"}
    _tree(tmp_path / "one", files)
    _tree(tmp_path / "two", files)
    assert _stamp(tmp_path / "one", "dlcore/a.py") == _stamp(tmp_path / "two", "dlcore/a.py")


def test_parsed_imports_are_kept_on_disk_and_reused_by_content(tmp_path, monkeypatch):
    """A process reads the import statements it parsed before from <cache>/numba/imports.json
    (keyed by path and source digest) instead of parsing them again; an edited file is parsed."""
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path / "cache"))

    def fresh_process():
        monkeypatch.setattr(kernel_cache, "_parsed", {})
        monkeypatch.setattr(kernel_cache, "_parsed_state", {"loaded": False, "new": 0})
    fresh_process()
    _tree(tmp_path, {"dlcore/__init__.py": "", "dlcore/a.py": "from . import b\n",
                     "dlcore/b.py": "X = 1\n"})
    first = _stamp(tmp_path, "dlcore/a.py")
    saved = json.loads((tmp_path / "cache" / "numba" / "imports.json").read_text())["imports"]
    assert sorted(k.split(":")[0] for k in saved) == ["dlcore/a.py", "dlcore/b.py"]
    assert saved[next(k for k in saved if k.startswith("dlcore/a.py"))] == [["dlcore.b", "dlcore"]]
    fresh_process()
    real = kernel_cache._import_names
    monkeypatch.setattr(kernel_cache, "_import_names", lambda *a: pytest.fail("parsed again"))
    assert _stamp(tmp_path, "dlcore/a.py") == first
    (tmp_path / "dlcore/b.py").write_text("from . import a\n")
    monkeypatch.setattr(kernel_cache, "_import_names", real)
    assert _stamp(tmp_path, "dlcore/a.py") != first


def test_a_damaged_parse_entry_is_parsed_again_and_a_save_leaves_no_temporary(tmp_path,
                                                                               monkeypatch):
    """An entry of imports.json that is not [module, fallback] pairs (another writer's, a
    damaged file's) is parsed again, not trusted: the same stamp as a fresh parse."""
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(kernel_cache, "_parsed", {})
    monkeypatch.setattr(kernel_cache, "_parsed_state", {"loaded": False, "new": 0})
    _tree(tmp_path, {"dlcore/__init__.py": "", "dlcore/a.py": "from . import b\n",
                     "dlcore/b.py": "X = 1\n"})
    first = _stamp(tmp_path, "dlcore/a.py")
    folder = tmp_path / "cache" / "numba"
    assert [p.name for p in folder.iterdir()] == ["imports.json"]        # no stray .tmp
    saved = json.loads((folder / "imports.json").read_text())
    for k in saved["imports"]:
        saved["imports"][k] = [["dlcore.b"]] if k.startswith("dlcore/a.py") else "x"
    (folder / "imports.json").write_text(json.dumps(saved))
    monkeypatch.setattr(kernel_cache, "_parsed", {})
    monkeypatch.setattr(kernel_cache, "_parsed_state", {"loaded": False, "new": 0})
    assert _stamp(tmp_path, "dlcore/a.py") == first


def test_only_dlcore_files_are_claimed_and_only_without_numba_cache_dir(monkeypatch):
    def f():
        return 1
    assert kernel_cache.PackageCacheLocator.from_function(f, __file__) is None      # tests/
    src = os.path.join(kernel_cache.PACKAGES_ROOT, "dlcore", "kernels", "cpu", "_jit_reduce.py")
    loc = kernel_cache.PackageCacheLocator.from_function(f, src)
    assert loc is not None
    assert loc.get_cache_path().endswith(os.path.join("numba", "dlcore", "kernels", "cpu"))
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/tmp/elsewhere")      # the user chose a place
    assert kernel_cache.PackageCacheLocator.from_function(f, src) is None


# ----------------------------------------------------------------------------- across checkouts
PROGRAM = textwrap.dedent("""
    import numpy as np, dlcore
    from dlcore import ops
    from dlcore.kernels.cpu import _jit_reduce as m
    ops.max(np.arange(12.0).reshape(3, 4), axis=0)
    hits = sum(sum(f.stats.cache_hits.values()) for f in vars(m).values() if hasattr(f, "stats"))
    misses = sum(sum(f.stats.cache_misses.values()) for f in vars(m).values()
                 if hasattr(f, "stats"))
    import sys                  # loading (not compiling) leaves Numba's registries unloaded
    print(hits, misses, "numba.np.arraymath" in sys.modules, dlcore.__file__)
""")


def _run(checkout, cache):
    full = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    full.update(DLCORE_CACHE_DIR=str(cache), PYTHONPATH=str(checkout))
    r = subprocess.run([sys.executable, "-c", PROGRAM], env=full, capture_output=True, check=False,
                       text=True, timeout=300, cwd=str(checkout))
    assert r.returncode == 0, r.stderr
    hits, misses, registries, path = r.stdout.split()
    assert path.startswith(str(checkout))
    assert registries == str(misses != "0")                 # the light load (module docstring)
    return int(hits), int(misses)


def test_a_second_checkout_loads_what_the_first_compiled(tmp_path):
    # the copies keep Python's bytecode (valid: copytree keeps each source's mtime), so neither
    # process recompiles dlcore's modules from source (0.5 s of CPU each); Numba's own cache
    # files, were any there, stay behind: the checkouts start with none
    ignore = shutil.ignore_patterns("*.nbi", "*.nbc")
    for name in ("one", "two"):
        shutil.copytree(os.path.join(kernel_cache.PACKAGES_ROOT, "dlcore"),
                        tmp_path / name / "dlcore", ignore=ignore)
    cache = tmp_path / "cache"
    assert _run(tmp_path / "one", cache) == (0, 1)          # compiled and written
    assert _run(tmp_path / "two", cache) == (1, 0)          # another path: loaded
    assert not list((tmp_path / "two").rglob("*.nbi"))      # nothing written in the checkout
    # A dlcore module the kernel file imports changes in one checkout: that checkout recompiles.
    src = tmp_path / "two" / "dlcore" / "kernels" / "cpu" / "_jit_reduce.py"
    deps = kernel_cache._imports(str(tmp_path / "two"), str(src))
    assert deps
    with open(min(deps), "a") as f:
        f.write("\n# edited\n")
    assert _run(tmp_path / "two", cache) == (0, 1)


# ----------------------------------------------------------------------------- loaded dtypes
DTYPE_PROGRAM = textwrap.dedent("""
    import json, sys
    import numpy as np
    import dlcore                                  # (installs the load: kernel_cache.install)
    sys.path.insert(0, sys.argv[1])
    import made_here
    a = made_here.make(3)
    v = made_here.view(np.ones(4, np.float32))
    hits = sum(made_here.make.stats.cache_hits.values())
    print(json.dumps([hits, a.dtype is np.dtype(np.float32), v.dtype is np.dtype(np.float32),
                      a.dtype == np.float32]))
""")


def test_an_array_from_a_function_loaded_from_the_cache_has_numpys_own_dtype(tmp_path):
    """A compiled function boxes its returned arrays with a dtype among its constants, which
    Numba's cache pickles: loaded, it was a copy, and every ``a.dtype is _F32`` test of the
    kernels and front ends failed on such arrays.  The second process loads the function and
    its arrays' dtype is NumPy's own object (``kernel_cache._canonical_dtypes``)."""
    (tmp_path / "made_here.py").write_text(textwrap.dedent("""
        import numpy as np
        from numba import njit

        @njit(cache=True)
        def make(n):
            return np.zeros(n, np.float32)

        @njit(cache=True)
        def view(a):
            return a[1:]
    """))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    runs = []
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", DTYPE_PROGRAM, str(tmp_path)], env=env,
                           capture_output=True, text=True, timeout=300, check=False)
        assert r.returncode == 0, r.stderr[-3000:]
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    assert runs[0] == [0, True, True, True]          # compiled here
    assert runs[1] == [1, True, True, True]          # loaded from the cache


# ------------------------------------------------------------------- concurrent writers


def _racing_saves(tmp_path, monkeypatch):
    """Two writers (two processes' views of one cache index, as two threads here) save new
    entries of one function at once, each pausing between reading the index and writing it
    back (where another process's save can fall); returns what a later reader loads for each
    key."""
    import threading

    from numba.core import caching
    real = caching.IndexDataCacheFile._save_index

    def slow_save_index(self, overloads):
        time.sleep(0.2)
        real(self, overloads)

    monkeypatch.setattr(caching.IndexDataCacheFile, "_save_index", slow_save_index)
    files = [caching.IndexDataCacheFile(str(tmp_path), "f-1.py", b"stamp") for _ in range(2)]
    keys = [("sig-a", "magic"), ("sig-b", "magic")]
    threads = [threading.Thread(target=f.save, args=(k, {"for": k})) for f, k in zip(files, keys)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = caching.IndexDataCacheFile(str(tmp_path), "f-1.py", b"stamp")
    return {k: reader.load(k) for k in keys}


@pytest.mark.skipif(os.name != "posix", reason="the lock is POSIX's flock")
def test_concurrent_saves_of_one_function_keep_each_entry_with_its_own_code(tmp_path,
                                                                              monkeypatch):
    """Numba's ``IndexDataCacheFile.save`` reads the index, picks the first free data file name
    and writes both back: two processes saving new entries of one function at once (the
    warm-up's jobs, the suite's workers) picked the same data file, and one key's index entry
    could name the other's machine code, loaded later for the wrong signature.  The save holds
    a lock on the cache folder (``kernel_cache._locked_save``): both entries are kept, each
    with its own data."""
    kernel_cache.install()
    import numba.core.caching  # noqa: F401 - the lock is installed on import
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path))
    loaded = _racing_saves(tmp_path, monkeypatch)
    assert loaded == {k: {"for": k} for k in loaded}


def test_an_entry_whose_code_is_another_signatures_is_not_used(tmp_path):
    """A cache entry whose machine code was compiled for another signature (what the unlocked
    race above could leave) is compiled again, not run on these arguments: here every entry of
    ``add_row_into``'s index names its float32 code, and a float64 call still adds right."""
    code = textwrap.dedent("""
        import json, sys
        import numpy as np
        from dlcore.kernels.cpu import _jit_rows as R
        f = R.add_row_into
        if sys.argv[1] == "fill":
            f(np.ones((3, 4), np.float32), np.ones(4, np.float32))
            f(np.ones((3, 4), np.float64), np.ones(4, np.float64))
        else:
            cache = f._cache._cache_file
            index = cache._load_index()
            assert len(index) == 2, index
            f32 = [name for key, name in index.items() if "float32" in str(key[0])][0]
            cache._save_index({key: f32 for key in index})
            y = np.arange(12.0).reshape(3, 4)
            f(y, np.full(4, 0.5))
            print(json.dumps([str(s) for s in f.signatures] + [y.tolist()]))
    """)
    env = dict(os.environ, DLCORE_CACHE_DIR=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)
    for mode in ("fill", "check"):
        proc = subprocess.run([sys.executable, "-c", code, mode], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
    *sigs, y = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sigs == ["(Array(float64, 2, 'C', False, aligned=True), "
                    "Array(float64, 1, 'C', False, aligned=True))"]
    assert y == [[i + 0.5 for i in range(r * 4, r * 4 + 4)] for r in range(3)]


def test_a_cache_outside_dlcores_folder_keeps_numbas_save(tmp_path, monkeypatch):
    """Another function's cache (a user's ``@njit(cache=True)`` next to their script) is saved
    by Numba's own ``save``: no lock file is made there."""
    kernel_cache.install()
    from numba.core import caching
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path / "dlcore"))
    user = tmp_path / "user"
    user.mkdir()
    f = caching.IndexDataCacheFile(str(user), "g-1.py", b"stamp")
    f.save(("sig", "magic"), {"x": 1})
    assert f.load(("sig", "magic")) == {"x": 1}
    assert sorted(p.name for p in user.iterdir()) == ["g-1.py.1.nbc", "g-1.py.nbi"]
    ours = tmp_path / "dlcore" / "numba"
    ours.mkdir(parents=True)
    g = caching.IndexDataCacheFile(str(ours), "g-1.py", b"stamp")
    g.save(("sig", "magic"), {"x": 2})
    assert g.load(("sig", "magic")) == {"x": 2}
    assert ".dlcore-index.lock" in {p.name for p in ours.iterdir()}


@pytest.mark.skipif(os.name != "posix", reason="the lock is POSIX's flock")
def test_a_file_system_without_locks_still_saves(tmp_path, monkeypatch):
    """``flock`` failing (ENOLCK on some network file systems) does not fail the save (nor the
    compilation that called it): the entry is saved without the lock."""
    import errno
    import fcntl

    from numba.core import caching
    kernel_cache.install()
    monkeypatch.setenv("DLCORE_CACHE_DIR", str(tmp_path))

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    f = caching.IndexDataCacheFile(str(tmp_path), "h-1.py", b"stamp")
    f.save(("sig", "magic"), {"x": 3})
    assert f.load(("sig", "magic")) == {"x": 3}
