"""Generated source, compiled by Numba and cached on disk across processes.

Numba's ``cache=True`` only works for functions defined in a real file: it keys its on-disk
cache by the file's path and modification time.  Kernels that dlcore *generates* (elementwise
kernels from a primitive's scalar expression, fused kernels and whole-plan functions from the
graph compiler) are therefore written to a ``.py`` file in a cache folder, registered in
``sys.modules`` and only then executed.  The file name carries a hash of the source, so the same
source always maps to the same file and a warm cache is found by the next process.

The folder is ``$DLCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/dlcore``, else ``~/.cache/dlcore``.

The folder is bounded, as ccache's is: every source used is touched (its access time is set to
the last use; never its modification time, which Numba's cache index checks), and at most once an hour a process that loads generated code checks the folder's
size; past ``$DLCORE_CACHE_MAX_MB`` (default 2048) it deletes the least recently used sources with
their compiled files, oldest first, down to three quarters of the bound.  A source used within
the last hour is never deleted, so a process running it cannot lose its compiled files mid-load.
After a month of benchmarks and test runs the folder held 20,528 files, 800 MB.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

_lock = threading.Lock()
_pruned = [False]            # checked once per process, at the first generated module
PRUNE_EVERY_S = 3600
KEEP_RECENT_S = 3600


def cache_root() -> Path:
    """dlcore's cache folder: ``$DLCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/dlcore``, else
    ``~/.cache/dlcore`` (generated modules in ``generated/``, dlcore's own kernels' compiled code
    in ``numba/``, see :mod:`dlcore.kernel_cache`)."""
    root = os.environ.get("DLCORE_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlcore"


def cache_dir() -> Path:
    """The folder of generated modules, created on first use."""
    path = cache_root() / "generated"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_generated_module(name: str, source: str) -> ModuleType:
    """Write ``source`` to ``<cache>/<name>_<hash>.py`` (once) and import it as a real module."""
    from .kernels.cpu.runtime import configure_threads
    configure_threads()                  # before any generated parallel kernel can launch
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    modname = f"_dlcore_gen_{name}_{digest}"
    with _lock:
        mod = sys.modules.get(modname)
        if mod is not None:
            return mod
        folder = cache_dir()
        if not _pruned[0]:
            _pruned[0] = True                  # in the background: a walk of 20,000 files
            threading.Thread(target=_maybe_prune, args=(folder,), daemon=True,   # took 0.15 s
                             name="dlcore-cache-prune").start()
        path = folder / f"{modname}.py"
        if path.exists() and path.read_text() == source:
            # The last use, for the size bound's LRU order: the access time only (Numba's cache
            # index is keyed by the source's modification time, kept to the nanosecond).
            try:
                os.utime(path, ns=(time.time_ns(), path.stat().st_mtime_ns))
            except OSError:
                pass
        else:
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(source)
                os.replace(tmp, path)      # atomic: a concurrent reader sees old or new, whole
            except BaseException:
                if os.path.exists(tmp):    # (a full disk, an interrupt: no stray .tmp)
                    os.unlink(tmp)
                raise
        spec = importlib.util.spec_from_file_location(modname, path)
        if spec is None or spec.loader is None:        # (a .py path always has a loader)
            raise ImportError(f"dlcore.jitcache: cannot load {path}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod       # registered before it runs, so Numba can cache it
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del sys.modules[modname]
            raise
        return mod


def max_bytes() -> int:
    raw = os.environ.get("DLCORE_CACHE_MAX_MB", "2048")
    try:
        return int(float(raw) * 1024 * 1024)
    except ValueError:
        raise ValueError(f"dlcore: DLCORE_CACHE_MAX_MB must be a number of megabytes, "
                         f"got {raw!r}") from None


def _maybe_prune(folder: Path) -> None:
    """``prune(folder)`` if no process did in the last ``PRUNE_EVERY_S`` (a stamp file)."""
    stamp = folder / ".last_prune"
    now = time.time()
    try:
        if now - stamp.stat().st_mtime < PRUNE_EVERY_S:
            return
    except OSError:
        pass
    try:
        stamp.touch()
        prune(folder, max_bytes(), now=now)
    except OSError:                                # a read-only or shared folder: never fatal
        pass


def prune(folder: Path, limit: int, now: float | None = None) -> list[str]:
    """Delete least recently used generated modules (a ``.py`` and everything compiled from
    it in ``__pycache__``) until the folder holds at most ``0.75 * limit`` bytes, when it holds
    more than ``limit``.  Modules used within ``KEEP_RECENT_S`` are kept.  Returns the deleted
    module names, oldest first."""
    now = time.time() if now is None else now
    groups: dict[str, list] = {}          # module name -> [mtime of its .py, size, paths]
    total = 0
    cached = folder / "__pycache__"
    for d in (folder, cached):
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            if not e.is_file(follow_symlinks=False):
                continue
            st = e.stat(follow_symlinks=False)
            if e.name.endswith(".tmp") and now - st.st_mtime > KEEP_RECENT_S:
                _unlink(e.path)                  # left by a writer that was killed
                continue
            if not e.name.startswith("_dlcore_gen_"):
                continue
            total += st.st_size
            mod = e.name.split(".", 1)[0]      # _dlcore_gen_<name>_<hash>[.fn-line.py311.nbi]
            g = groups.setdefault(mod, [None, 0, []])
            g[1] += st.st_size
            g[2].append(e.path)
            if d is folder and e.name == mod + ".py":
                g[0] = st.st_atime
    if total <= limit:
        return []
    removed = []
    target = 0.75 * limit
    order = sorted(groups.items(), key=lambda kv: kv[1][0] if kv[1][0] is not None else 0.0)
    for mod, (used, size, paths) in order:
        if total <= target:
            break
        if used is not None and now - used < KEEP_RECENT_S:
            break                                  # everything after is more recent still
        if mod in sys.modules:
            continue
        for p in paths:
            _unlink(p)
        total -= size
        removed.append(mod)
    return removed


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
