"""Sample inputs for every primitive's CUDA kernel: tiny shapes (the simulator runs one Python
thread per CUDA thread), each compared with the CPU kernel's result.

A case names a primitive, its host inputs, its parameters (in the canonical form the primitive's
wrapper would pass: sorted axes, canonical indices, numpy dtypes) and optionally a *view* per
input: a function applied both to the host array and to its device copy, so that the kernel sees
a non-contiguous device array (``a[:, ::2]``, ``a.T``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlcore.ops.indexing import canonical_index

_rng = np.random.default_rng(1234)


def randn(*shape, dtype=np.float32) -> np.ndarray:
    return _rng.standard_normal(shape).astype(dtype)


def positive(*shape, dtype=np.float32) -> np.ndarray:
    return (_rng.random(shape) + 0.5).astype(dtype)


def ints(*shape, lo=-5, hi=6, dtype=np.int64) -> np.ndarray:
    return _rng.integers(lo, hi, size=shape).astype(dtype)


def bools(*shape) -> np.ndarray:
    return _rng.random(shape) > 0.5


@dataclass
class Case:
    prim: str
    args: list
    params: dict = field(default_factory=dict)
    views: dict[int, Callable] = field(default_factory=dict)
    label: str = ""

    @property
    def id(self) -> str:
        shapes = "x".join(str(tuple(np.shape(a))) for a in self.args)
        return f"{self.prim}-{self.label or shapes}"


def _c(prim, *args, label="", views=None, **params) -> Case:
    return Case(prim, list(args), params, views or {}, label)


STRIDED = lambda a: a[:, ::2]
TRANSPOSED = lambda a: a.T


def _unary_cases() -> list[Case]:
    out = []
    for name in ("neg", "exp", "tanh", "sigmoid", "relu", "abs", "sign", "identity",
                 "stop_gradient"):
        out.append(_c(name, randn(3, 4)))
    out += [
        _c("log", positive(3, 4)), _c("sqrt", positive(3, 4)),
        _c("log", np.array([0.0, 1.0, -1.0], np.float64), label="edges-f64"),
        _c("sqrt", np.array([0.0, 4.0, -1.0], np.float32), label="negative"),
        _c("sigmoid", np.array([-100.0, -1.0, 0.0, 1.0, 100.0], np.float32), label="tails"),
        _c("exp", randn(2, 3, dtype=np.float64), label="f64"),
        _c("exp", np.float32(0.5), label="0d"),
        _c("tanh", np.zeros((0, 3), np.float32), label="size0"),
        _c("neg", ints(2, 3, dtype=np.int32), label="int32"),
        _c("abs", ints(2, 3), label="int64"),
        _c("sign", ints(2, 3, dtype=np.int32), label="int32"),
        _c("relu", ints(5), label="int64"),
        _c("identity", bools(2, 2), label="bool"),
        _c("exp", randn(3, 4), views={0: STRIDED}, label="strided"),
        _c("neg", randn(3, 4), views={0: TRANSPOSED}, label="transposed"),
    ]
    return out


def _binary_cases() -> list[Case]:
    out = []
    for name in ("add", "sub", "mul", "maximum", "minimum"):
        out.append(_c(name, randn(3, 4), randn(3, 4)))
    out += [
        _c("div", randn(3, 4), positive(3, 4)),
        _c("pow", positive(3, 4), randn(3, 4)),
        _c("pow", ints(2, 3, lo=0, hi=4), ints(2, 3, lo=0, hi=3), label="int"),
        # broadcasting
        _c("add", randn(3, 4), randn(4), label="bias"),
        _c("add", randn(3, 1), randn(1, 4), label="outer"),
        _c("mul", randn(2, 1, 3), randn(4, 1), label="3d"),
        _c("sub", np.float32(2.0), randn(2, 3), label="0d-left"),
        _c("div", randn(2, 3), np.float32(4.0), label="0d-right"),
        _c("add", np.float64(1.5), np.float64(2.0), label="0d-0d"),
        _c("add", np.zeros((0, 3), np.float32), randn(3), label="size0"),
        _c("add", randn(1, 4), randn(3, 1), label="size1-both"),
        _c("add", randn(40, 50), randn(40, 50), label="grid-stride-2000"),
        # integers and dtypes
        _c("add", ints(3, 4, dtype=np.int32), ints(4, dtype=np.int32), label="int32"),
        _c("mul", ints(3, 4), ints(3, 4), label="int64"),
        _c("maximum", randn(2, 3, dtype=np.float64), randn(3, dtype=np.float64), label="f64"),
        _c("minimum", ints(2, 3), ints(2, 1), label="int64"),
        # non-contiguous
        _c("add", randn(3, 4), randn(2), views={0: STRIDED}, label="strided+bias"),
        _c("mul", randn(4, 3), randn(3, 4), views={0: TRANSPOSED}, label="transposed"),
        _c("sub", randn(3, 4), randn(3, 4), views={0: STRIDED, 1: STRIDED},
           label="strided-both"),
    ]
    for name in ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal"):
        a = randn(3, 4)
        b = a.copy()
        b[0] += 1.0
        b[1] -= 1.0
        out.append(_c(name, a, b))
        out.append(_c(name, ints(3, 4, lo=0, hi=3, dtype=np.int32),
                      ints(4, lo=0, hi=3, dtype=np.int32), label="int32-bias"))
    out.append(_c("equal", bools(2, 3), bools(2, 3), label="bool"))
    out.append(_c("less", randn(3, 4), np.float32(0.0), views={0: STRIDED}, label="strided-0d"))
    return out


def _where_cast_fill_cases() -> list[Case]:
    out = [
        _c("where", bools(3, 4), randn(3, 4), randn(3, 4)),
        _c("where", bools(3, 1), randn(4), np.float32(0.0), label="broadcast"),
        _c("where", bools(2, 3), ints(2, 3), ints(3), label="int64"),
        _c("where", np.bool_(True), randn(2), randn(2), label="0d-cond"),
        _c("where", bools(3, 4), randn(3, 2), randn(3, 4), views={0: STRIDED, 2: STRIDED},
           label="strided"),
    ]
    dtypes = [np.float32, np.float64, np.int32, np.int64, np.bool_]
    src = {np.float32: np.array([-2.7, -0.5, 0.0, 0.5, 3.9], np.float32),
           np.float64: np.array([-2.7, -0.5, 0.0, 0.5, 3.9]),
           np.int32: np.array([-3, -1, 0, 1, 7], np.int32),
           np.int64: np.array([-3, -1, 0, 1, 7], np.int64),
           np.bool_: np.array([True, False, False, True, True])}
    for s in dtypes:
        for d in dtypes:
            out.append(_c("cast", src[s], dtype=np.dtype(d),
                          label=f"{np.dtype(s).name}->{np.dtype(d).name}"))
    out += [
        _c("full_like", randn(3, 4), value=2.5, dtype=None),
        _c("full_like", randn(3, 4), value=3, dtype=np.dtype(np.int32), label="int32"),
        _c("full_like", ints(2, 2), value=True, dtype=np.dtype(np.bool_), label="bool"),
        _c("full_like", np.float32(1.0), value=7.0, dtype=None, label="0d"),
        _c("full_like", np.zeros((0, 2), np.float32), value=1.0, dtype=None, label="size0"),
    ]
    return out


def _reduce_cases() -> list[Case]:
    out = []
    x = randn(3, 4)
    for name in ("sum", "max", "min"):
        out += [
            _c(name, x, axes=(1,), keepdims=False, label="rows"),
            _c(name, x, axes=(0,), keepdims=False, label="cols"),
            _c(name, x, axes=(0, 1), keepdims=False, label="all"),
            _c(name, x, axes=(1,), keepdims=True, label="keepdims"),
            _c(name, randn(2, 3, 4), axes=(0, 2), keepdims=True, label="axes0,2"),
            _c(name, ints(3, 4), axes=(1,), keepdims=False, label="int64"),
            _c(name, randn(3, 4, dtype=np.float64), axes=(0,), keepdims=True, label="f64"),
            _c(name, x, axes=(0,), keepdims=False, views={0: STRIDED}, label="strided"),
            _c(name, np.float32(3.0), axes=(), keepdims=False, label="0d"),
        ]
    nan = randn(2, 3)
    nan[0, 1] = np.nan
    out += [
        _c("sum", bools(3, 4), axes=(0,), keepdims=False, label="bool"),
        _c("sum", ints(3, 4, dtype=np.int32), axes=(0, 1), keepdims=False, label="int32"),
        _c("sum", np.zeros((0, 3), np.float32), axes=(0,), keepdims=False, label="empty-axis"),
        _c("sum", np.zeros((0, 3), np.float32), axes=(1,), keepdims=True, label="no-outputs"),
        _c("sum", randn(6, 3), axes=(1,), keepdims=False, label="more-outputs-than-blocks"),
        _c("sum", x, axes=(0,), keepdims=False, views={0: TRANSPOSED}, label="transposed"),
        _c("max", nan, axes=(1,), keepdims=False, label="nan"),
        _c("min", nan, axes=(0,), keepdims=False, label="nan"),
        _c("argmax", x, axis=1, keepdims=False, label="rows"),
        _c("argmax", x, axis=0, keepdims=False, label="cols"),
        _c("argmax", randn(2, 3, 4), axis=1, keepdims=True, label="keepdims"),
        _c("argmax", np.array([[1, 3, 3, 0], [2, 2, 2, 2]]), axis=1, keepdims=False,
           label="ties"),
        _c("argmax", nan, axis=1, keepdims=False, label="nan"),
        _c("argmax", randn(40), axis=0, keepdims=False, label="long-row"),
        _c("argmax", np.zeros((0, 3), np.float32), axis=1, keepdims=False, label="no-outputs"),
        _c("argmax", x, axis=1, keepdims=False, views={0: STRIDED}, label="strided"),
        _c("sum_to", randn(3, 4), np.zeros(4, np.float32), label="bias"),
        _c("sum_to", randn(3, 4), np.zeros((3, 1), np.float32), label="keep-rows"),
        _c("sum_to", randn(2, 3, 4), np.zeros((1, 4), np.float32), label="3d"),
        _c("sum_to", randn(3, 4), np.zeros((), np.float32), label="to-0d"),
        _c("sum", randn(4, 3, 1), axes=(1,), keepdims=False, label="inner-size1"),
        _c("argmax", randn(4, 3, 1), axis=1, keepdims=False, label="inner-size1"),
    ]
    return out


def _matmul_cases() -> list[Case]:
    return [
        _c("matmul", randn(3, 4), randn(4, 5)),
        _c("matmul", randn(2, 3, 4, dtype=np.float64), randn(4, 2, dtype=np.float64),
           label="batched-broadcast-b"),
        _c("matmul", randn(2, 1, 2, 3), randn(3, 3, 2), label="broadcast-both"),
        _c("matmul", randn(2, 20), randn(20, 3), label="k-over-two-tiles"),
        _c("matmul", randn(17, 2), randn(2, 18), label="mn-over-one-tile"),
        _c("matmul", ints(3, 4, dtype=np.int32), ints(4, 2, dtype=np.int32), label="int32"),
        _c("matmul", randn(0, 4), randn(4, 2), label="m0"),
        _c("matmul", randn(2, 0), randn(0, 3), label="k0"),
        _c("matmul", randn(4, 3), randn(4, 2), views={0: TRANSPOSED}, label="transposed"),
    ]


def _shape_cases() -> list[Case]:
    return [
        _c("transpose", randn(3, 4), perm=(1, 0)),
        _c("transpose", randn(2, 3, 4), perm=(2, 0, 1), label="3d"),
        _c("transpose", randn(0, 3), perm=(1, 0), label="size0"),
        _c("transpose", randn(3, 4), perm=(1, 0), views={0: STRIDED}, label="strided"),
        _c("reshape", randn(3, 4), shape=(2, -1)),
        _c("reshape", np.float32(1.0), shape=(1, 1), label="0d"),
        _c("reshape", randn(3, 4), shape=(6, 2), views={0: TRANSPOSED}, label="transposed"),
        _c("reshape_like", randn(3, 4), np.zeros((4, 3), np.float32)),
        _c("broadcast_to", randn(4), shape=(3, 4)),
        _c("broadcast_to", randn(3, 1), shape=(2, 3, 4), label="3d"),
        _c("broadcast_to", np.float32(2.0), shape=(2, 2), label="0d"),
        _c("broadcast_like", randn(1, 4), np.zeros((3, 4), np.float32)),
        _c("expand_dims", randn(3, 4), axes=(1,)),
        _c("expand_dims", np.float32(1.0), axes=(0, 1), label="0d"),
        _c("squeeze", randn(3, 1, 4, 1), axes=(1, 3)),
        _c("squeeze", randn(1), axes=(0,), label="to-0d"),
        _c("concatenate", randn(2, 3), randn(1, 3), axis=0),
        _c("concatenate", randn(2, 3), randn(2, 1), randn(2, 2), axis=1, label="three"),
        _c("concatenate", randn(2, 3), randn(2, 0), axis=1, label="empty-piece"),
        _c("concatenate", ints(2, 2), ints(2, 2), axis=1, label="int64"),
        _c("concatenate", randn(3, 4), randn(3, 4), axis=0, views={0: STRIDED, 1: STRIDED},
           label="strided"),
    ]


def _index_cases() -> list[Case]:
    x = randn(3, 4)
    ci = canonical_index
    return [
        _c("getitem", x, idx=ci(1, 2), label="int"),
        _c("getitem", x, idx=ci((slice(None, None, -2), 1), 2), label="neg-step"),
        _c("getitem", x, idx=ci((None, Ellipsis, slice(1, 3)), 2), label="newaxis-ellipsis"),
        _c("getitem", x, idx=ci((-1, -1), 2), label="to-0d"),
        _c("getitem", x, idx=ci(slice(2, 1), 2), label="empty"),
        _c("getitem", x, idx=ci((slice(None), slice(None, None, 2)), 2), views={0: STRIDED},
           label="strided"),
        _c("getitem", ints(2, 3), idx=ci((slice(None), 1), 2), label="int64"),
        _c("slice_scatter", randn(2, 2), x, idx=ci((slice(1, 3), slice(None, None, 2)), 2)),
        _c("slice_scatter", randn(4), x, idx=ci(-1, 2), label="int"),
        _c("slice_scatter", randn(0, 4), x, idx=ci(slice(3, 3), 2), label="empty"),
        _c("index_update", x, randn(2, 2), idx=ci((slice(1, 3), slice(None, None, 2)), 2)),
        _c("index_update", x, np.float32(0.0), idx=ci((slice(None), 0), 2), label="0d-value"),
        _c("index_update", x, randn(4), idx=ci(slice(0, 2), 2), label="broadcast-value"),
        _c("index_update", ints(3, 4), ints(1), idx=ci((1, slice(None, None, -1)), 2),
           label="int64-neg-step"),
        _c("index_update", x, randn(2), idx=ci(1, 2), views={0: STRIDED}, label="strided"),
        _c("one_hot", np.array([0, 2, 1, 3]), depth=4, dtype=np.dtype(np.float32)),
        _c("one_hot", np.array([[0, 5], [-1, 1]], np.int32), depth=3,
           dtype=np.dtype(np.int64), label="out-of-range-int32"),
        _c("one_hot", np.int64(1), depth=3, dtype=np.dtype(np.bool_), label="0d-bool"),
        _c("one_hot", np.zeros((0,), np.int64), depth=3, dtype=np.dtype(np.float32),
           label="size0"),
    ]


def _gather_cases() -> list[Case]:
    x = randn(5, 3)
    return [
        _c("take", x, np.array([4, 0, -1, 0])),
        _c("take", randn(5), np.array([[1, 2], [-5, 4]]), label="2d-indices"),
        _c("take", ints(4, 2, 2), np.array([3, 3], np.int32), label="int64-3d"),
        _c("take", x, np.zeros((0,), np.int64), label="no-indices"),
        _c("take", x, np.array([1, 2]), views={0: STRIDED}, label="strided"),
        _c("scatter_add", randn(4, 3), np.array([1, 3, 1, -1]), x, label="repeated"),
        _c("scatter_add", randn(2, 2, 3, dtype=np.float64), np.array([[0, 4], [4, 4]]),
           randn(5, 3, dtype=np.float64), label="2d-indices-f64"),
        _c("scatter_add", ints(3), np.array([0, 0, 2]), ints(3), label="int64"),
        _c("scatter_add", np.array([True, False, True]), np.array([1, 1, 0]),
           np.zeros(3, bool), label="bool"),
        _c("scatter_add", randn(0, 3), np.zeros((0,), np.int64), x, label="no-values"),
    ]


def all_cases() -> list[Case]:
    return (_unary_cases() + _binary_cases() + _where_cast_fill_cases() + _reduce_cases()
            + _matmul_cases() + _shape_cases() + _index_cases() + _gather_cases())
