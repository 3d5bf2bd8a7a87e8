"""What tests/conftest.py sets up around collection, checked in the run itself: the cyclic
garbage collector is off while test modules are imported and on again for the tests, JAX
compiles with its persistent cache on for every compilation, and the xdist controller writes
the bytecode the workers import (checked on a folder of its own)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

#: Read while pytest imports this module (collection)
COLLECTOR_ON_AT_COLLECTION = gc.isenabled()


def test_the_collector_is_off_while_collecting_and_on_for_the_tests():
    assert COLLECTOR_ON_AT_COLLECTION is False
    assert gc.isenabled()


def test_jax_compiles_with_the_persistent_cache_for_every_compilation():
    folder = os.environ["JAX_COMPILATION_CACHE_DIR"]   # <dlcore cache>/jax, or the user's own
    assert Path(folder).is_absolute(), folder
    assert os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    assert os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] == "0"
    if "jax" in sys.modules:                   # imported at collection (keras, the JAX checks)
        jax = sys.modules["jax"]
        assert jax.config.jax_compilation_cache_dir == folder
        assert jax.config.jax_persistent_cache_min_compile_time_secs == 0
        assert jax.config.jax_persistent_cache_min_entry_size_bytes == 0


def _root_conftest(config):
    here = Path(__file__).with_name("conftest.py")
    for plugin in config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", None) or "/") == here:
            return plugin
    raise LookupError(here)


class _Config:
    """This run's configuration seen from another root and other paths (``_precompile`` reads
    only these attributes; the rewrite reads the ini through ``getini``)."""

    def __init__(self, real, root: Path, args: list[str]) -> None:
        self.getoption, self.getini, self.stash = real.getoption, real.getini, real.stash
        self.rootpath = root
        self.invocation_params = SimpleNamespace(dir=root)
        self.args = args


def test_the_controller_writes_what_the_workers_import(request, tmp_path):
    """``_precompile`` (the xdist controller, before the workers start): the packages' bytecode,
    and the test modules' assert-rewritten bytecode that pytest's import hook accepts as its
    own; helpers and skipped folders left to the imports; an up-to-date file left alone."""
    from _pytest.assertion import rewrite
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text("X = 1\n")
    tests = tmp_path / "tests"
    (tests / ".hidden").mkdir(parents=True)
    (tests / "test_a.py").write_text("def test_a():\n    x = [1]\n    assert x == [2]\n")
    (tests / "conftest.py").write_text("def helper():\n    assert 1\n")
    (tests / "helper.py").write_text("Y = 2\n")
    (tests / ".hidden" / "test_b.py").write_text("def test_b():\n    assert 1\n")
    if not (sys.dont_write_bytecode or request.config.getoption("assertmode") != "rewrite"):
        _root_conftest(request.config)._precompile(_Config(request.config, tmp_path, ["tests"]))
    else:
        pytest.skip("bytecode writing or assert rewriting is off in this run")

    assert (tmp_path / "pkg" / "__pycache__" / f"mod.{sys.implementation.cache_tag}.pyc").exists()
    written = sorted(p.name for p in tests.rglob("*.pyc"))
    assert written == sorted(f"{n}{rewrite.PYC_TAIL}" for n in ("conftest", "test_a")), written
    pyc = tests / "__pycache__" / f"test_a{rewrite.PYC_TAIL}"
    code = rewrite._read_pyc(tests / "test_a.py", pyc)       # what a worker's import reads
    assert code is not None
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 (the module, as the worker's import runs it)
    with pytest.raises(AssertionError) as err:
        namespace["test_a"]()
    assert "assert [1] == [2]" in str(err.value)             # rewritten: the values are shown
    stamp = pyc.stat().st_mtime_ns
    _root_conftest(request.config)._precompile(_Config(request.config, tmp_path, ["tests"]))
    assert pyc.stat().st_mtime_ns == stamp
