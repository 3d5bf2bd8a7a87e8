"""Bytecode for the suite written once, by the xdist controller, before the workers start.

In a fresh clone (what ``.ci/run`` tests) nothing is compiled yet, and each xdist worker, while
it collects, compiles every module of the three packages and rewrites the asserts of every test
module itself: the workers start together and walk the same files in the same order, so each
missed the other's bytecode for most of them (a fresh-clone README run under cProfile: each of
the two workers rewrote 603 test modules, the same ones).  Here the controller (which imports
none of it) has the files compiled by ``jobs`` forked processes, each file once: the packages'
modules by ``py_compile`` into ``__pycache__/`` as the import system writes them, the test
modules (``test_*.py``, ``conftest.py``) by pytest's own assertion rewriter into the pyc pytest
reads (``<name>.cpython-311-pytest-<version>.pyc``).  A file whose bytecode is up to date is
skipped after reading its 16-byte header.  What the workers import is byte for byte what they
would have compiled themselves; any failure here (a pytest whose internals moved, a read-only
checkout) leaves the work to the workers, as before.

Measured (fresh clones of the same commit, ``-n 2 --dist loadgroup`` collecting the whole suite
and deselecting every test, CPU of the controller and everything it waited for, old and new
side by side on the shared machine, load 10-14): 53.7 -> 44.4 s and (another pair, not side by
side) 54.2 -> 43.8 s; each worker's collection 22.3 -> 12.1 s of CPU, the two forked processes
about 18 s together.  With the bytecode already written: ~0.1 s (a header read per file)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import py_compile
import sys
from pathlib import Path

from _pytest.assertion import rewrite  # imported here: the forked children import nothing

#: the folders, under the repository root, whose modules the workers import while collecting
PACKAGES = ("dlcore", "dlcore_static", "dlcore_eager", "benchmarks", "tests")


def _fresh(source: Path, pyc: Path) -> bool:
    """Is ``pyc`` (a timestamp-checked pyc, the import system's and pytest's layout) up to date
    with ``source``?"""
    try:
        with open(pyc, "rb") as f:
            head = f.read(16)
        st = source.stat()
    except OSError:
        return False
    return (len(head) == 16 and head[:4] == importlib.util.MAGIC_NUMBER
            and head[4:8] == b"\0\0\0\0"
            and int.from_bytes(head[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF)


def files(root: Path) -> tuple[list[Path], list[Path]]:
    """(modules the import system compiles, test modules pytest rewrites) under ``root``.  The
    tutorial programs under tests/programs are left out (``runpy.run_path`` compiles them from
    source each time: a pyc would never be read), but not their test modules."""
    plain: list[Path] = []
    rewritten: list[Path] = []
    for top in PACKAGES:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
            programs = Path(dirpath).relative_to(root).parts[:2] == ("tests", "programs")
            for name in filenames:
                if not name.endswith(".py"):
                    continue
                path = Path(dirpath, name)
                if top == "tests" and (name == "conftest.py" or name.startswith("test_")):
                    rewritten.append(path)
                elif not programs:
                    plain.append(path)
    return plain, rewritten


def _compile_plain(path: Path) -> None:
    cfile = Path(importlib.util.cache_from_source(str(path)))
    if not _fresh(path, cfile):
        try:
            py_compile.compile(str(path), cfile=str(cfile), doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
        except (py_compile.PyCompileError, OSError):
            pass                      # the worker meets the same error where it imports it


def _rewrite(config, path: Path) -> None:
    pyc = path.parent / "__pycache__" / (path.name[:-3] + rewrite.PYC_TAIL)
    if _fresh(path, pyc):
        return
    try:
        source_stat, co = rewrite._rewrite_test(path, config)
    except (SyntaxError, OSError):
        return                        # pytest reports it where it collects the module
    os.makedirs(pyc.parent, exist_ok=True)
    rewrite._write_pyc(config.stash[rewrite.assertstate_key], co, source_stat, pyc)


def _work(config, jobs: int, me: int, tasks: list[tuple[bool, Path]]) -> None:
    for i in range(me, len(tasks), jobs):
        rewritten, path = tasks[i]
        with contextlib.suppress(Exception):      # a worker redoes whatever failed here
            _rewrite(config, path) if rewritten else _compile_plain(path)


def precompile(config, root: Path, jobs: int) -> None:
    """Compile what the workers will import, in ``jobs`` forked processes (interleaved over the
    files, largest first, so they end together); returns when all are done."""
    if sys.dont_write_bytecode or jobs < 1 or not hasattr(os, "fork"):
        return
    plain, rewritten = files(root)
    tasks = [(False, p) for p in plain] + [(True, p) for p in rewritten]
    tasks.sort(key=lambda t: -t[1].stat().st_size)
    children = []
    for me in range(jobs):
        pid = os.fork()
        if pid == 0:                  # the child: compile its share, then leave at once
            code = 0
            try:
                _work(config, jobs, me, tasks)
            except BaseException:     # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
