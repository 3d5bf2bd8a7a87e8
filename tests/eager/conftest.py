"""Eager front-end tests: BLAS pinned to one thread.

With other work on a small machine, a multi-threaded BLAS pool spends its time waiting for
descheduled threads (a 64x1000x100 matmul was measured at 2-40 ms instead of ~0.2 ms), which
only slows the tests down; values do not depend on it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
