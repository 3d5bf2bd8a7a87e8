"""Where Numba keeps the compiled code of dlcore's own kernel files: one cache per user, shared by
every checkout, keyed by content rather than by path.

Numba's ``cache=True`` puts a function's compiled code in the ``__pycache__`` folder next to its
source file.  Every clone, worktree or fresh install of dlcore therefore compiles every kernel
again: on a 2-core machine the first run of the kernel tests in a fresh clone took 127 s of CPU
time against 13 s in a checkout whose caches were warm, nearly all of it Numba compiling the same
kernels that another checkout of the same code had compiled already.

This module adds one cache *locator* in front of Numba's own (for the CPU target, and for the
CUDA target when numba.cuda is used).  It only claims functions defined in a file of the dlcore
packages (``dlcore``, ``dlcore_static``, ``dlcore_eager``); everything else, the generated
modules of :mod:`dlcore.jitcache` included, keeps Numba's usual place.  For a claimed function:

* the cache folder is ``<cache>/numba/<the file's folder relative to the packages' parent>``,
  where ``<cache>`` is the one :func:`dlcore.jitcache.cache_root` names (``$DLCORE_CACHE_DIR``,
  else ``$XDG_CACHE_HOME/dlcore``, else ``~/.cache/dlcore``), so two checkouts of the same file
  find the same entries;
* the *source stamp*, which Numba stores in the cache index and compares before it trusts an
  entry, is a SHA-256 of the file **and of every dlcore module it imports, transitively** (found
  by reading the import statements; nothing is executed).  A jitted function can call, and
  freeze the constants of, only what its module imported, so a checkout whose helper module
  differs never loads code compiled against another version of that helper.  Numba's own
  locator hashes the defining file alone (CPU) or compares its modification time (CUDA).

Numba still keys each entry by the function's signature and the target CPU, as always.  Setting
``NUMBA_CACHE_DIR`` (Numba's own setting) turns this locator off: the user chose a place.  A cache
folder that cannot be written falls back to Numba's locators, so a read-only home never fails.

Loading is made lighter too.  Before it reads an entry, Numba's CPU cache refreshes the whole
target context: it imports and installs every typing and lowering registry (``numba.np.
arraymath``, ``numba.typed``, ``numba.np.random``, ...), 0.3 s of CPU time in every process,
although rebuilding compiled code from the cache needs none of them, only Numba's runtime (NRT)
initialised.  For dlcore's functions (its packages' files and :mod:`dlcore.jitcache`'s generated
modules) a load initialises the runtime only; the first *compilation* of anything, in Numba's
compiler, still refreshes the context in full, as it always does.  Measured on the warm LeNet-5
and LSTM first steps: 0.25-0.3 s of CPU less per process.  ``DLCORE_NUMBA_FULL_LOAD=1`` restores
Numba's own load.

One more load cost is llvmlite's: each module LLVM compiles to machine code (each cached kernel
Numba loads) is looked up by its pointer in a scan of every module the execution engine holds,
so a process that loads n kernels paid O(n^2).  :func:`_index_engine_modules` gives llvmlite's
``ExecutionEngine`` a dict from pointers to modules, kept by ``add_module``/``remove_module``
(an llvmlite without those methods is left alone; ``DLCORE_NUMBA_FULL_LOAD=1`` too).

A loaded function's constants get NumPy's own dtype objects back (``_canonical_dtypes``): the
cache stores them pickled, and an unpickled ``np.dtype`` is a copy, so the arrays a loaded
function returned carried a dtype equal to ``np.dtype(np.float32)`` but not that object, and
every ``a.dtype is _F32`` test of the kernels and front ends failed on them in a warm process.

Saving is made safe for processes that compile at once (the test suite's workers, ``python -m
dlcore.warmup``'s jobs, a user's two programs): Numba's ``IndexDataCacheFile.save`` could give
two new entries of one function the same data file, so that one signature's index entry named
the other's machine code.  :func:`_locked_save` saves under a lock on the cache folder and
never lets two keys share a file, and the light load refuses an entry whose code is another
signature's (Numba then compiles it again).

Nothing here imports Numba: :func:`install` asks :mod:`dlcore._import_guard` to register the
locator the moment Numba's caching module is imported (before any dispatcher is created).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import tempfile
import threading
from typing import TypeGuard

_PACKAGES = ("dlcore", "dlcore_static", "dlcore_eager")
#: The folder holding the dlcore packages (the repository root in a checkout).
PACKAGES_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_lock = threading.Lock()
_stamps: dict[str, bytes] = {}
_deps: dict[str, frozenset] = {}


# ----------------------------------------------------------------------------- the stamp
def _module_file(root: str, dotted: str) -> str | None:
    parts = dotted.split(".")
    if not parts or parts[0] not in _PACKAGES:
        return None
    base = os.path.join(root, *parts)
    if os.path.isfile(base + ".py"):
        return base + ".py"
    init = os.path.join(base, "__init__.py")
    return init if os.path.isfile(init) else None


def _import_names(rel: str, source: bytes, path: str) -> list:
    """The modules a file's import statements name, as ``[module, fallback]`` pairs (the
    fallback, or "", is the module to take when ``module`` is no file: ``from . import x``
    may name a submodule or a name of the package), read from the source, never executed."""
    tree = ast.parse(source, filename=path)
    dotted = rel[:-3].replace(os.sep, ".")
    package = dotted[:-len(".__init__")] if dotted.endswith(".__init__") else \
        dotted.rpartition(".")[0]
    names: list = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend([alias.name, ""] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                module = ".".join(parts + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.extend([f"{module}.{alias.name}", module] for alias in node.names)
    return names


#: Parsed import statements by "<relative path>:<SHA-1 of the source>", kept on disk in
#: ``<cache>/numba/imports.json`` (JSON): parsing the ~20 dlcore files a kernel module imports
#: cost 0.09-0.13 s of CPU time in every process; the stamp itself (reading and hashing them) is
#: a millisecond.  An entry depends on nothing but its key, so a stale one cannot exist.
_parsed: dict = {}
_parsed_state = {"loaded": False, "new": 0}
_PARSED_MAX = 4096


def _parsed_file() -> str:
    from .jitcache import cache_root
    return os.path.join(str(cache_root()), "numba", "imports.json")


def _load_parsed() -> None:
    if _parsed_state["loaded"]:
        return
    _parsed_state["loaded"] = True
    try:
        with open(_parsed_file(), encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict) and isinstance(data.get("imports"), dict):
            _parsed.update(data["imports"])
    except (OSError, ValueError):
        pass                                   # none yet, unreadable or damaged: parse again


def _save_parsed() -> None:
    """Write the parses made by this process (merged with the file's), atomically."""
    if not _parsed_state["new"]:
        return
    _parsed_state["new"] = 0
    path = _parsed_file()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        merged: dict = {}
        try:
            with open(path, encoding="utf-8") as f:
                old = json.load(f).get("imports", {})
            if isinstance(old, dict) and len(old) + len(_parsed) <= _PARSED_MAX:
                merged.update(old)
        except (OSError, ValueError, AttributeError):
            pass
        merged.update(_parsed)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"imports": merged}, f)
            os.replace(tmp, path)              # (two processes: the last whole file wins)
        except BaseException:
            os.unlink(tmp)                     # (a full disk, an interrupt: no stray .tmp)
            raise
    except OSError:                                # a read-only cache: parse again next time
        pass


def _well_formed(names) -> TypeGuard[list]:
    """Is ``names`` what ``_import_names`` returns: a list of [module, fallback] strings?"""
    return isinstance(names, list) and all(
        type(p) is list and len(p) == 2 and type(p[0]) is str and type(p[1]) is str
        for p in names)


def _imports(root: str, path: str, source: bytes | None = None) -> frozenset:
    """The dlcore files ``path`` imports (read from its source, not executed)."""
    got = _deps.get(path)
    if got is not None:
        return got
    if source is None:
        with open(path, "rb") as src:
            source = src.read()
    rel = os.path.relpath(path, root)
    key = f"{rel.replace(os.sep, '/')}:{hashlib.sha1(source).hexdigest()}"
    _load_parsed()
    names = _parsed.get(key)
    if not _well_formed(names):                   # (none, or a damaged file's: parse again)
        names = _parsed[key] = _import_names(rel, source, path)
        _parsed_state["new"] += 1
    found = set()
    for module, fallback in names:
        f = _module_file(root, module) or (_module_file(root, fallback) if fallback else None)
        if f:
            found.add(f)
    got = frozenset(found)
    _deps[path] = got
    return got


def source_stamp(path: str, root: str = PACKAGES_ROOT) -> bytes:
    """SHA-256 over ``path`` and the dlcore files it imports, transitively (relative names and
    contents, in a fixed order)."""
    path = os.path.abspath(path)
    with _lock:
        got = _stamps.get(path)
        if got is not None:
            return got
        seen: dict[str, bytes] = {}
        todo = [path]
        while todo:
            p = todo.pop()
            if p not in seen:
                with open(p, "rb") as src:
                    seen[p] = src.read()
                todo.extend(_imports(root, p, seen[p]))
        h = hashlib.sha256()
        for p in sorted(seen):
            h.update(os.path.relpath(p, root).encode() + b"\0")
            h.update(seen[p])
            h.update(b"\0")
        got = h.digest()
        _stamps[path] = got
        _save_parsed()
        return got


# ----------------------------------------------------------------------------- the locator
def _owned(py_file: str) -> bool:
    rel = os.path.relpath(os.path.abspath(py_file), PACKAGES_ROOT)
    return not rel.startswith("..") and rel.split(os.sep, 1)[0] in _PACKAGES


class PackageCacheLocator:
    """A Numba cache locator (the interface of ``numba.core.caching._CacheLocator``) for
    functions defined in dlcore's own files; see the module docstring."""

    def __init__(self, py_func, py_file: str) -> None:
        from .jitcache import cache_root
        self._py_file = os.path.abspath(py_file)
        self._lineno = py_func.__code__.co_firstlineno
        rel = os.path.relpath(os.path.dirname(self._py_file), PACKAGES_ROOT)
        self._cache_path = os.path.join(str(cache_root()), "numba", rel)

    @classmethod
    def from_function(cls, py_func, py_file):
        if os.environ.get("NUMBA_CACHE_DIR") or not os.path.isfile(py_file) \
                or not _owned(py_file):
            return None
        self = cls(py_func, py_file)
        try:
            self.ensure_cache_path()
        except OSError:                    # not writable: Numba's own locators take it
            return None
        return self

    def ensure_cache_path(self) -> None:
        os.makedirs(self._cache_path, exist_ok=True)
        tempfile.TemporaryFile(dir=self._cache_path).close()

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> bytes:
        return source_stamp(self._py_file)

    def get_disambiguator(self) -> str:
        return str(self._lineno)


def _register(module) -> None:
    """Put the locator first in a caching module's ``CacheImpl._locator_classes``; on the CPU's
    ``FunctionCache``, the light load (see the module docstring)."""
    for name in ("CacheImpl", "_CacheImpl"):
        impl = getattr(module, name, None)
        classes = getattr(impl, "_locator_classes", None)
        if isinstance(classes, list) and PackageCacheLocator not in classes:
            classes.insert(0, PackageCacheLocator)
    cache = getattr(module, "FunctionCache", None)        # the CPU target's (not CUDA's)
    if cache is not None and "load_overload" not in cache.__dict__:
        cache.load_overload = _light_load_overload
    files = getattr(module, "IndexDataCacheFile", None)
    if files is not None and all(hasattr(files, m) for m in _INDEX_METHODS) and \
            "save" in files.__dict__ and not getattr(files.save, "_dlcore_locked", False):
        files._dlcore_numba_save = files.save
        files.save = _locked_save


def _ours(py_func) -> bool:
    mod = getattr(py_func, "__module__", None) or ""
    return mod.split(".", 1)[0] in _PACKAGES or mod.startswith("_dlcore_gen_")


#: the private methods of Numba's ``IndexDataCacheFile`` that ``_locked_save`` calls
_INDEX_METHODS = ("_load_index", "_save_index", "_save_data", "_data_name")


def _locked_save(self, key, data):
    """``IndexDataCacheFile.save`` under an exclusive lock on the cache folder, and never
    sharing a data file between two keys.

    Numba's own save reads the function's index, gives a new key the first data file name the
    index does not use, and writes both back.  Two processes saving new entries of one
    function at once (the warm-up's jobs, the test suite's workers, a user's two programs)
    read the same index and picked the same name: one key was lost and, as the writes fell,
    the index could name the other key's machine code for it, loaded later for the wrong
    signature (``TypeError: can't unbox array``, or the other code run where the two types
    convert).  Under ``flock`` (POSIX; elsewhere the same save without it) the index is read,
    the data written, then the index: a reader never finds an entry before its data, and a
    key whose data file another key also names (left by the race) gets a file of its own.
    Only in dlcore's cache folder (its kernels' and generated modules' entries): any other
    function's cache (a user's own ``@njit(cache=True)``) keeps Numba's save."""
    from .jitcache import cache_root
    root = os.path.abspath(cache_root())
    try:
        ours = os.path.commonpath([root, os.path.abspath(self._cache_path)]) == root
    except ValueError:                          # (another drive)
        ours = False
    if not ours:
        return type(self)._dlcore_numba_save(self, key, data)
    try:
        import fcntl
        fd = os.open(os.path.join(self._cache_path, ".dlcore-index.lock"),
                     os.O_RDWR | os.O_CREAT, 0o644)
    except (ImportError, OSError):              # (not POSIX, or a folder not writable)
        return _save_entry(self, key, data)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:                         # (a file system without locks: ENOLCK)
            pass
        _save_entry(self, key, data)
    finally:
        os.close(fd)                            # (releases the lock)


_locked_save._dlcore_locked = True  # type: ignore[attr-defined]


def _save_entry(self, key, data) -> None:
    """The save itself: the data, then the index if the key is new or shares its file."""
    overloads = self._load_index()
    name = overloads.get(key)
    if name is None or sum(1 for v in overloads.values() if v == name) > 1:
        used = set(overloads.values())
        n = 1
        while self._data_name(n) in used:
            n += 1
        name = overloads[key] = self._data_name(n)
        self._save_data(name, data)
        self._save_index(overloads)
    else:
        self._save_data(name, data)


def _light_load_overload(self, sig, target_context):
    """``Cache.load_overload`` initialising Numba's runtime only, for dlcore's functions; an
    entry whose code was compiled for other argument types (see ``_locked_save``) is not used
    (Numba compiles it again)."""
    if not _ours(getattr(self, "_py_func", None)) or os.environ.get("DLCORE_NUMBA_FULL_LOAD"):
        target_context.refresh()                   # what Numba's own load_overload does
    else:
        from numba.core.runtime import rtsys
        rtsys.initialize(target_context)
    with self._guard_against_spurious_io_errors():
        cres = self._load_overload(sig, target_context)
    if cres is not None:
        from numba.core import sigutils
        args = sigutils.normalize_signature(sig)[0]
        if tuple(cres.signature.args) != tuple(args):
            return None
        for env in (getattr(cres, "environment", None), *(getattr(cres, "referenced_envs", None)
                                                          or ())):
            _canonical_dtypes(env)
    return cres


def _canonical_dtypes(env) -> None:
    """Put NumPy's own dtype objects back in a loaded function's constants.  A compiled
    function boxes each array it returns with a dtype held among its environment's constants,
    which the cache stores pickled: loaded, it is a copy (``np.dtype``'s pickle makes a new
    object), equal to ``np.dtype(np.float32)`` but not that object, and every ``a.dtype is
    _F32`` test of the kernels and front ends failed on such arrays in a warm process (the
    LSTM language model's input products went to NumPy's ``matmul`` instead of MKL).  Only a
    dtype equal to its canonical object is replaced."""
    consts = getattr(env, "consts", None)
    if not consts:
        return
    import numpy as np
    for i, c in enumerate(consts):
        if type(c).__module__ == "numpy.dtypes" and isinstance(c, np.dtype) and \
                c.names is None and c.subdtype is None:
            try:
                canon = np.dtype(c.str)
            except TypeError:
                continue
            if canon is not c and canon == c:
                consts[i] = canon


_CACHING_MODULES = ("numba.core.caching", "numba.cuda.core.caching")
_ENGINE_MODULE = "llvmlite.binding.executionengine"
#: The llvmlite ``ExecutionEngine`` methods ``_index_engine_modules`` wraps (all three, or none).
_ENGINE_METHODS = ("_find_module_ptr", "add_module", "remove_module")


def _index_engine_modules(module) -> None:
    """Find an LLVM execution engine's module by its pointer in a dict, not by a scan of every
    module the engine holds.  LLVM asks llvmlite's object-cache hooks about each module it
    compiles to machine code (Numba's every load of a cached kernel: ``getbuffer``, then
    ``notify``), and ``ExecutionEngine._find_module_ptr`` answered by casting the pointer of
    each module added so far, one by one: a process that loads n kernels paid O(n^2).  A
    pytest worker of the README's run loads thousands (one run of tests/programs: 3,040 lookups
    over up to ~3,000 modules).  Modules added or removed through ``add_module`` /
    ``remove_module`` are indexed as they come and go; a pointer not in the index (a module
    that reached ``_modules`` another way: the engine's first, given to its constructor) falls
    back to llvmlite's own scan, which also fills the index.  ``DLCORE_NUMBA_FULL_LOAD=1``
    leaves llvmlite as it is."""
    engine = getattr(module, "ExecutionEngine", None)
    if engine is None or "_dlcore_indexed" in engine.__dict__ or \
            os.environ.get("DLCORE_NUMBA_FULL_LOAD") or \
            not all(callable(getattr(engine, name, None)) for name in _ENGINE_METHODS):
        return          # (an llvmlite without these methods is left as it is)
    from ctypes import c_void_p, cast
    scan, add, remove = engine._find_module_ptr, engine.add_module, engine.remove_module

    def by_ptr(self) -> dict:
        index = self.__dict__.get("_dlcore_by_ptr")
        if index is None:
            index = self._dlcore_by_ptr = {}
        return index

    def _find_module_ptr(self, module_ptr):
        index = by_ptr(self)
        found = index.get(cast(module_ptr, c_void_p).value)
        if found is not None and found in getattr(self, "_modules", ()):
            return found
        found = scan(self, module_ptr)
        if found is not None:
            index[cast(found._ptr, c_void_p).value] = found
        return found

    def add_module(self, mod):
        add(self, mod)
        by_ptr(self)[cast(mod._ptr, c_void_p).value] = mod

    def remove_module(self, mod):
        ptr = cast(mod._ptr, c_void_p).value
        remove(self, mod)
        by_ptr(self).pop(ptr, None)

    engine._find_module_ptr = _find_module_ptr
    engine.add_module = add_module
    engine.remove_module = remove_module
    engine._dlcore_indexed = True


def install() -> None:
    """Register the locator now for a caching module already imported, else when it is (and
    the execution engine's module index, ``_index_engine_modules``)."""
    from . import _import_guard
    for name in _CACHING_MODULES:
        if name in sys.modules:
            _register(sys.modules[name])
        _import_guard.after_import(name, _register)
    if _ENGINE_MODULE in sys.modules:
        _index_engine_modules(sys.modules[_ENGINE_MODULE])
    _import_guard.after_import(_ENGINE_MODULE, _index_engine_modules)
