"""What tests/conftest.py sets up around collection, checked in the run itself: the cyclic
garbage collector is off while test modules are imported and on again for the tests, and JAX
compiles with its persistent cache on for every compilation."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

#: Read while pytest imports this module (collection)
COLLECTOR_ON_AT_COLLECTION = gc.isenabled()


def test_the_collector_is_off_while_collecting_and_on_for_the_tests(pytestconfig):
    assert COLLECTOR_ON_AT_COLLECTION is False
    # on again when collection ended (read then: gc.isenabled() here depends on what the tests
    # before this one in the worker did; a full run once found it off at this point)
    assert getattr(pytestconfig, "dlcore_gc_after_collection", None) is True


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
