"""tests/_precompile.py: the xdist controller writes the bytecode the workers would write (the
packages' pyc, the test modules' assert-rewritten pyc), once, before they start."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from _precompile import _fresh, _work, files
from _pytest.assertion import rewrite


def _tree(root: Path) -> dict[str, Path]:
    made = {"plain": root / "dlcore" / "mod.py", "test": root / "tests" / "test_mod.py",
            "conftest": root / "tests" / "conftest.py", "helper": root / "tests" / "helper.py",
            "program": root / "tests" / "programs" / "static" / "prog.py",
            "program_test": root / "tests" / "programs" / "static" / "test_prog.py",
            "elsewhere": root / "other" / "mod.py"}
    for key, path in made.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"X = {key!r}\n\ndef test_x():\n    assert X == {key!r}, X\n")
    return made


def test_the_files_the_workers_would_compile(tmp_path):
    made = _tree(tmp_path)
    plain, rewritten = files(tmp_path)
    assert sorted(plain) == sorted([made["plain"], made["helper"]])
    assert sorted(rewritten) == sorted([made["test"], made["conftest"], made["program_test"]])


def test_the_bytecode_is_what_the_import_system_and_pytest_would_write(tmp_path, request):
    made = _tree(tmp_path)
    plain, rewritten = files(tmp_path)
    tasks = [(False, p) for p in plain] + [(True, p) for p in rewritten]
    _work(request.config, 1, 0, tasks)
    for path in plain:
        cfile = Path(importlib.util.cache_from_source(str(path)))
        assert _fresh(path, cfile)
        spec = importlib.util.spec_from_file_location("m", path)
        assert spec.loader.get_code("m") == compile(path.read_text(), str(path), "exec",
                                                    dont_inherit=True)
    for path in rewritten:
        pyc = path.parent / "__pycache__" / (path.name[:-3] + rewrite.PYC_TAIL)
        co = rewrite._read_pyc(path, pyc)             # what pytest's importer would load
        assert co is not None
        assert co == rewrite._rewrite_test(path, request.config)[1]
    # up to date: left as it is; the source changed: written again
    pyc = made["test"].parent / "__pycache__" / ("test_mod" + rewrite.PYC_TAIL)
    before = pyc.stat().st_mtime_ns
    _work(request.config, 1, 0, tasks)
    assert pyc.stat().st_mtime_ns == before
    made["test"].write_text("def test_y():\n    assert 1 + 1 == 2\n")
    os.utime(made["test"], (1, 1))
    assert not _fresh(made["test"], pyc)
    _work(request.config, 1, 0, tasks)
    assert _fresh(made["test"], pyc)
    assert not (made["program"].parent / "__pycache__" / "prog.cpython-311.pyc").exists()
