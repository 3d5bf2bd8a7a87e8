"""Property tests of the CUDA kernels' layout logic (Hypothesis): random broadcastable shapes,
random strided views, random reduction axes and random basic indices, each compared with the
CPU kernel.  This is the logic that turns shapes into strides (``merge_dims``, the elementwise
access patterns, ``region``), where an off-by-one would hide from hand-written cases.

Few, tiny examples: every example runs kernels under the simulator.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.registry import PRIMITIVES, bind

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

dims = st.integers(0, 3)
shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together (size-0 dimensions included)."""
    out = draw(st.lists(dims, min_size=0, max_size=3))
    a, b = [], []
    for d in out:
        a.append(d if draw(st.booleans()) else 1)
        b.append(d if draw(st.booleans()) else 1)
    a = tuple(a[draw(st.integers(0, len(a))):])      # drop some leading dimensions
    b = tuple(b[draw(st.integers(0, len(b))):])
    return a, b


def _device(x: np.ndarray, strided: bool):
    """x on the device, possibly as a strided view (every other element of a wider array)."""
    if strided and x.ndim and x.size:       # (numba.cuda cannot step-slice an empty array)
        wide = np.repeat(x, 2, axis=-1)
        # (explicit slices: a real numba.cuda device array refuses an Ellipsis index)
        every_other = (slice(None),) * (x.ndim - 1) + (slice(None, None, 2),)
        return dlcore.to_device(wide, "cuda")[every_other]
    return dlcore.to_device(x, "cuda")


def _compare(got, want: np.ndarray) -> None:
    got = got.copy_to_host()
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(pair=broadcast_pair(), strided=st.tuples(st.booleans(), st.booleans()),
       op=st.sampled_from(["add", "mul", "maximum", "less"]), seed=st.integers(0, 2**16))
def test_elementwise_broadcasting(pair, strided, op, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(pair[0]).astype(np.float32)
    b = rng.standard_normal(pair[1]).astype(np.float32)
    want = np.asarray(bind(PRIMITIVES[op], a, b))
    got = bind(PRIMITIVES[op], _device(a, strided[0]), _device(b, strided[1]))
    _compare(got, want)


@SETTINGS
@given(shape=shapes, data=st.data(), op=st.sampled_from(["sum", "max", "min"]),
       keepdims=st.booleans(), strided=st.booleans())
def test_reductions_over_any_axes(shape, data, op, keepdims, strided):
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, max(len(shape) - 1, 0)),
                                          max_size=len(shape)))))
    x = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    params = {"axes": axes, "keepdims": keepdims}
    want = np.asarray(bind(PRIMITIVES[op], x, **params))
    _compare(bind(PRIMITIVES[op], _device(x, strided), **params), want)


@st.composite
def basic_index(draw, shape):
    """A canonical basic index into ``shape``: ints, slices (any step sign) and new axes."""
    idx = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "slice", "none"]))
        if kind == "none":
            idx.append(None)               # a new axis; this dimension is then sliced
        if kind == "int":
            idx.append(draw(st.integers(-n, n - 1)))
        else:
            start = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
            step = draw(st.sampled_from([None, 1, 2, -1, -2]))
            idx.append(("slice", start, stop, step))
    return tuple(idx)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), data=st.data())
def test_getitem_and_its_scatter(shape, data):
    idx = data.draw(basic_index(shape))
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    want = np.asarray(bind(PRIMITIVES["getitem"], x, idx=idx))
    dx = dlcore.to_device(x, "cuda")
    got = bind(PRIMITIVES["getitem"], dx, idx=idx)
    _compare(got, want)
    # slice_scatter puts it back; index_update overwrites the region with a scalar.
    scat = bind(PRIMITIVES["slice_scatter"], want, x, idx=idx)
    _compare(bind(PRIMITIVES["slice_scatter"], got, dx, idx=idx), np.asarray(scat))
    v = np.asarray(-1.0, np.float32)
    upd = np.asarray(bind(PRIMITIVES["index_update"], x, v, idx=idx))
    _compare(bind(PRIMITIVES["index_update"], dx, dlcore.to_device(v, "cuda"), idx=idx), upd)
