"""tests/conftest.py switches CPython's cyclic garbage collector on again after a test that left it
off, and puts NumPy's floating-point error handling back after a test that left it changed (each
with a warning naming the test), so the tests after it on the same worker run as everywhere else:
a README run had the last 2,642 tests of a worker run without the collector after an interrupt
sweep of tests/reliability/test_probe9_queues.py, and a leaked ``np.seterr`` failed three tests
of tests/eager/test_grad_buffer_pass.py by order."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

#: the two tests run in order on one worker (one xdist group under ``--dist loadgroup``)
ONE_WORKER = pytest.mark.xdist_group("state-kept-per-test")


def _conftest(request):
    """tests/conftest.py as pytest loaded it (importing ``conftest`` could find another one)."""
    path = Path(__file__).with_name("conftest.py")
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) and Path(plugin.__file__) == path:
            return plugin
    raise AssertionError("tests/conftest.py is not loaded")


def test_the_check_switches_it_on_and_names_the_test(request):
    check = _conftest(request)._gc_left_enabled
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.warns(RuntimeWarning, match=r"test_state_kept_per_test\.py::test_the_check_switches_"
                                                r"it_on_and_names_the_test left the cyclic "
                                                r"garbage collector disabled"):
            check(request, True)
        assert gc.isenabled()
        gc.disable()
        check(request, False)        # off before the test too (the user's choice): left off
        assert not gc.isenabled()
    finally:
        gc.enable()


@ONE_WORKER
@pytest.mark.filterwarnings("ignore:.*left the cyclic garbage collector disabled:RuntimeWarning")
def test_a_test_that_leaves_the_collector_off():
    gc.disable()


@ONE_WORKER
def test_the_next_test_starts_with_the_collector_on():
    assert gc.isenabled()


def test_numpy_errors_are_put_back_and_the_test_named(request):
    check = _conftest(request)._np_errors_kept
    before = np.geterr()
    np.seterr(all="ignore")
    try:
        with pytest.warns(RuntimeWarning, match=r"test_numpy_errors_are_put_back_and_the_test_"
                                                r"named left NumPy's error handling changed"):
            check(request, before)
        assert np.geterr() == before
        check(request, np.geterr())          # unchanged: nothing to do, no warning
    finally:
        np.seterr(**before)


@ONE_WORKER
@pytest.mark.filterwarnings("ignore:.*left NumPy's error handling changed:RuntimeWarning")
def test_a_test_that_leaves_numpy_errors_ignored():
    np.seterr(all="ignore")


@ONE_WORKER
def test_the_next_test_starts_with_numpys_default_errors():
    assert np.geterr() == {"divide": "warn", "over": "warn", "under": "ignore",
                           "invalid": "warn"}
