"""Generated source, compiled by Numba and cached on disk across processes.

Numba's ``cache=True`` only works for functions defined in a real file: it keys its on-disk
cache by the file's path and modification time.  Kernels that dlcore *generates* (elementwise
kernels from a primitive's scalar expression, fused kernels and whole-plan functions from the
graph compiler) are therefore written to a ``.py`` file in a cache folder, registered in
``sys.modules`` and only then executed.  The file name carries a hash of the source, so the same
source always maps to the same file and a warm cache is found by the next process.

The folder is ``$DLCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/dlcore``, else ``~/.cache/dlcore``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

_lock = threading.Lock()


def cache_dir() -> Path:
    root = os.environ.get("DLCORE_CACHE_DIR")
    if root:
        path = Path(root)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "dlcore"
    path = path / "generated"
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
        path = cache_dir() / f"{modname}.py"
        if not path.exists() or path.read_text() != source:
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                f.write(source)
            os.replace(tmp, path)          # atomic: a concurrent reader sees old or new, whole
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod       # registered before it runs, so Numba can cache it
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del sys.modules[modname]
            raise
        return mod
