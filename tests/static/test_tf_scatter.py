"""TF1's scatter long tail (dlcore_static/scatter_extra.py and the fixed tensor_scatter_nd_update
and scatter_update): values against NumPy loops (TensorFlow's CPU order: the last of repeated
updates wins), gradients by central differences in float64, variable updates in Session.run,
and the errors (TensorFlow's types)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from static_gradcheck import check_value_and_gradient

import dlcore_static as tf

RNG = np.random.default_rng(11)
T = RNG.standard_normal((4, 3))
IDX_ND = np.array([[0, 1], [3, 2], [0, 1], [2, 0]])        # (0, 1) repeats
IDX_ROWS = np.array([[2], [0], [2]])                          # row 2 repeats
U_ND = RNG.standard_normal(4)
U_ROWS = RNG.standard_normal((3, 3))


def _np_nd(mode, t, idx, u):
    out = t.copy()
    k = idx.shape[-1]
    for c, v in zip(idx.reshape(-1, k), u.reshape((-1,) + t.shape[k:])):
        c = tuple(c)
        out[c] = {"update": lambda a, b: b, "add": np.add, "sub": np.subtract,
                  "max": np.maximum, "min": np.minimum}[mode](out[c], v)
    return out


ND_FNS = {"update": tf.tensor_scatter_nd_update, "add": tf.tensor_scatter_nd_add,
          "sub": tf.tensor_scatter_nd_sub, "max": tf.tensor_scatter_nd_max,
          "min": tf.tensor_scatter_nd_min}


@pytest.mark.parametrize("mode", list(ND_FNS))
@pytest.mark.parametrize("idx,u", [(IDX_ND, U_ND), (IDX_ROWS, U_ROWS)], ids=["elems", "rows"])
def test_tensor_scatter_nd_values_and_gradients(mode, idx, u):
    fn = ND_FNS[mode]
    # gradient w.r.t. the tensor
    check_value_and_gradient(lambda p: fn(p, idx, u), lambda t: _np_nd(mode, t, idx, u), T, RNG)
    # gradient w.r.t. the updates
    check_value_and_gradient(lambda p: fn(T, idx, p), lambda v: _np_nd(mode, T, idx, v), u, RNG)


def test_tf1_names_are_the_nd_ops():
    with tf.Session() as s:
        for old, mode in ((tf.tensor_scatter_update, "update"), (tf.tensor_scatter_add, "add"),
                          (tf.tensor_scatter_sub, "sub")):
            np.testing.assert_allclose(s.run(old(T, IDX_ROWS, U_ROWS)),
                                       _np_nd(mode, T, IDX_ROWS, U_ROWS), rtol=1e-12)


def _np_rows(mode, ref, idx, u):
    out = ref.copy()
    for i, v in zip(idx, u):
        out[i] = {"update": lambda a, b: b, "mul": np.multiply, "div": np.divide,
                  "max": np.maximum, "min": np.minimum}[mode](out[i], v)
    return out


def test_variable_scatter_ops_mutate_in_session_run():
    v = tf.Variable(T)
    rows = np.array([2, 0, 2])
    ops = [("update", tf.scatter_update(v, rows, U_ROWS)),
           ("mul", tf.scatter_mul(v, rows, U_ROWS)),
           ("div", tf.scatter_div(v, rows, U_ROWS + 3)),
           ("max", tf.scatter_max(v, rows, U_ROWS)),
           ("min", tf.scatter_min(v, rows, U_ROWS))]
    nd_update = tf.scatter_nd_update(v, IDX_ND, U_ND)
    nd_add = tf.scatter_nd_add(v, IDX_ND, U_ND)
    nd_sub = tf.scatter_nd_sub(v, IDX_ROWS, U_ROWS)
    with tf.Session() as s:
        s.run(v.initializer)
        want = T.copy()
        for mode, op in ops:
            u = U_ROWS + 3 if mode == "div" else U_ROWS
            want = _np_rows(mode, want, rows, u)
            np.testing.assert_allclose(s.run(op), want, rtol=1e-6)
            np.testing.assert_allclose(s.run(v), want, rtol=1e-6)       # the variable changed
        want = _np_nd("update", want, IDX_ND, U_ND)
        np.testing.assert_allclose(s.run(nd_update), want, rtol=1e-6)
        want = _np_nd("add", want, IDX_ND, U_ND)
        np.testing.assert_allclose(s.run(nd_add), want, rtol=1e-6)
        want = _np_nd("sub", want, IDX_ROWS, U_ROWS)
        np.testing.assert_allclose(s.run(nd_sub), want, rtol=1e-6)
        np.testing.assert_allclose(s.run(v), want, rtol=1e-6)


SEG = np.array([0, 2, 0, -1, 2, 1])                    # -1: dropped
SEG_EMPTY = np.array([0, 2, 0, -1, 2, 0])              # segment 1: empty
DATA = RNG.standard_normal((6, 2))


def _np_segments(mode, data, ids, n):
    lo, hi = np.finfo(data.dtype).min, np.finfo(data.dtype).max
    out = []
    for k in range(n):
        rows = data[ids == k]
        if mode == "max":
            out.append(rows.max(0) if len(rows) else np.full(data.shape[1:], lo))
        elif mode == "min":
            out.append(rows.min(0) if len(rows) else np.full(data.shape[1:], hi))
        elif mode == "prod":
            out.append(rows.prod(0))
        elif mode == "sum":
            out.append(rows.sum(0))
        elif mode == "mean":
            out.append(rows.sum(0) / max(len(rows), 1))
        else:
            out.append(rows.sum(0) / np.sqrt(max(len(rows), 1)))
    return np.stack(out)


@pytest.mark.parametrize("mode", ["sum", "max", "min", "prod", "mean", "sqrt_n"])
def test_unsorted_segment_ops(mode):
    fn = getattr(tf, f"unsorted_segment_{mode}")
    assert getattr(tf.math, f"unsorted_segment_{mode}") is fn
    y = check_value_and_gradient(lambda p: fn(p, SEG, 3), lambda d: _np_segments(mode, d, SEG, 3),
                                 DATA, RNG)
    assert y.shape.as_list() == [3, 2]


@pytest.mark.parametrize("mode", ["max", "min", "prod", "mean", "sqrt_n"])
def test_unsorted_segment_empty_segment_2d_ids_float32(mode):
    ids = SEG_EMPTY.reshape(2, 3)
    d = DATA.reshape(2, 3, 2).astype(np.float32)
    with tf.Session() as s:
        got = s.run(getattr(tf, f"unsorted_segment_{mode}")(d, ids, 3))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _np_segments(mode, d.reshape(6, 2), SEG_EMPTY, 3),
                               rtol=1e-6)


def test_batch_gather():
    params = np.arange(24.0).reshape(2, 3, 4)
    idx = np.array([[[3, 0], [1, 1], [2, 3]], [[0, 0], [3, 2], [1, 0]]])
    with tf.Session() as s:
        got = s.run(tf.batch_gather(params, idx))
    np.testing.assert_array_equal(got, np.take_along_axis(params, idx, 2))


def test_errors():
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError,       # (TF's words)
                           match=re.escape("indices[0] = [0, 3] does not index into shape "
                                           "[4,3]")):
            s.run(tf.tensor_scatter_nd_max(T, [[0, 3]], [1.0]))      # column 3 of 3
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=re.escape("segment_ids[1] = 3 is out of range [0, 3)")):
            s.run(tf.unsorted_segment_min(DATA, [0, 3, 0, 1, 1, 1], 3))
        v = tf.Variable(T)
        s.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=re.escape("indices[0] = [4, 0] does not index into shape "
                                           "[4,3]")):
            s.run(tf.scatter_nd_update(v, [[4, 0]], [1.0]))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=re.escape("indices[1] = 4 is not in [0, 4)")):
            s.run(tf.scatter_update(v, [0, 4], U_ROWS[:2]))
        np.testing.assert_array_equal(s.run(v), T)                     # unchanged
    with pytest.raises(ValueError, match="updates"):
        tf.tensor_scatter_nd_max(T, [[0]], [1.0, 2.0])
    with pytest.raises(TypeError, match="does not match type"):
        tf.tensor_scatter_nd_min(T, [[0, 0]], np.array([1], np.int32))
    with pytest.raises(TypeError, match="must be a Variable"):
        tf.scatter_mul(tf.constant(T), [0], U_ROWS[:1])


@pytest.mark.parametrize("mode", ["max", "min", "prod"])
def test_sorted_segment_ops(mode):
    ids = np.array([0, 0, 2, 2, 2, 3])                   # segment 1 empty: 0 (1 for prod)
    fn = getattr(tf, f"segment_{mode}")
    assert getattr(tf.math, f"segment_{mode}") is fn

    def ref(d):
        out = _np_segments(mode, d, ids, 4)
        out[1] = 1.0 if mode == "prod" else 0.0
        return out
    check_value_and_gradient(lambda p: fn(p, ids), ref, DATA, RNG)
