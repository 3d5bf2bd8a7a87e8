"""tests/conftest.py gives each test its own copy of its module's NumPy generators, seeded from
the module's seed and the test's id, so a test's draws do not depend on which tests ran before
it on the same xdist worker (a gradient check of tests/static/test_tf_linalg2.py failed by 1.7e-8
in CI with the draws another order gave)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

RNG = np.random.default_rng(5)
LEGACY = np.random.RandomState(7)
AT_IMPORT = RNG.standard_normal(3)                 # import-time draws keep the module's stream
ORIGINAL = RNG


def _expected(request, seed):
    return np.random.default_rng([seed, zlib.crc32(request.node.nodeid.encode())])


@pytest.mark.parametrize("burn", [0, 1000])
def test_draws_depend_on_the_test_not_on_what_ran_before(request, burn):
    assert RNG is not ORIGINAL
    want = _expected(request, 5).standard_normal(4)
    np.testing.assert_array_equal(RNG.standard_normal(4), want)
    RNG.standard_normal(burn)                      # a later test does not see these draws
    key = zlib.crc32(request.node.nodeid.encode())
    np.testing.assert_array_equal(LEGACY.rand(2), np.random.RandomState(key).rand(2))


def test_import_time_draws_are_the_module_seeds():
    np.testing.assert_array_equal(AT_IMPORT, np.random.default_rng(5).standard_normal(3))
