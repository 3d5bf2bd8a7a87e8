"""dlcore.kernel_cache's index of an LLVM execution engine's modules by pointer
(``_index_engine_modules``): the lookup LLVM's object-cache hooks make for each module compiled
to machine code answers what llvmlite's scan of every module answers, as modules come and go."""

from __future__ import annotations

from ctypes import c_void_p, cast

import pytest

import dlcore  # noqa: F401  (installs the index when llvmlite is imported)


def _scan(engine, ptr):
    """llvmlite's own lookup: every module's pointer compared, one by one."""
    for module in engine._modules:
        if cast(module._ptr, c_void_p).value == cast(ptr, c_void_p).value:
            return module
    return None


@pytest.fixture
def engine():
    import llvmlite.binding as ll
    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
    target = ll.Target.from_default_triple().create_target_machine()
    ee = ll.create_mcjit_compiler(ll.parse_assembly(""), target)
    yield ee, ll
    ee.close()


def _module(ll, name):
    return ll.parse_assembly(f'define i32 @{name}() {{\n  ret i32 7\n}}\n')


def test_the_engine_class_is_indexed_once_dlcore_is_imported():
    from llvmlite.binding.executionengine import ExecutionEngine
    assert ExecutionEngine.__dict__.get("_dlcore_indexed") is True


def test_an_llvmlite_without_the_methods_is_left_alone():
    """A later llvmlite that renames or drops one of the three methods: nothing is wrapped
    (the import hook must not fail ``import dlcore`` or Numba's first compile)."""
    import types

    from dlcore.kernel_cache import _ENGINE_METHODS, _index_engine_modules
    for missing in _ENGINE_METHODS:
        attrs = {name: (lambda self, *a: None) for name in _ENGINE_METHODS if name != missing}
        engine = type("ExecutionEngine", (), attrs)
        before = dict(engine.__dict__)
        _index_engine_modules(types.SimpleNamespace(ExecutionEngine=engine))
        assert dict(engine.__dict__) == before
    _index_engine_modules(types.SimpleNamespace())            # no engine class at all


def test_lookups_agree_with_the_scan_as_modules_are_added_and_removed(engine):
    ee, ll = engine
    first = next(iter(ee._modules))               # given to the constructor: not indexed yet
    assert ee._find_module_ptr(first._ptr) is first
    mods = [_module(ll, f"f{i}") for i in range(5)]
    for m in mods:
        ee.add_module(m)
    index = ee.__dict__["_dlcore_by_ptr"]          # found by the index, not by a scan
    assert all(cast(m._ptr, c_void_p).value in index for m in mods)
    for m in [first, *mods]:
        assert ee._find_module_ptr(m._ptr) is m is _scan(ee, m._ptr)
    ee.remove_module(mods[2])
    removed_ptr = mods[2]._ptr
    assert ee._find_module_ptr(removed_ptr) is None is _scan(ee, removed_ptr)
    assert ee._find_module_ptr(mods[3]._ptr) is mods[3]
    ee.finalize_object()                          # LLVM compiles them; the hooks' lookups
    assert ee.get_function_address("f4") != 0
    mods[2].close()


def test_a_failed_removal_leaves_the_index_as_it_was(engine):
    ee, ll = engine
    m = _module(ll, "g")
    ee.add_module(m)
    stranger = _module(ll, "h")                   # never added: LLVM refuses to remove it
    with pytest.raises((RuntimeError, KeyError)):
        ee.remove_module(stranger)
    assert ee._find_module_ptr(m._ptr) is m
    stranger.close()


def test_the_object_cache_hooks_find_their_modules(engine):
    """llvmlite calls ``_find_module_ptr`` from its object-cache hooks (Numba's cache): each
    module compiled is handed to ``notify`` as itself."""
    ee, ll = engine
    seen = []
    ee.set_object_cache(notify_func=lambda mod, buf: seen.append(mod))
    mods = [_module(ll, f"k{i}") for i in range(3)]
    for m in mods:
        ee.add_module(m)
    ee.finalize_object()
    assert all(any(s is m for s in seen) for m in mods)
