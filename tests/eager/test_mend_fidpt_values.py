"""rv-fid's PyTorch findings, mended (mend-fidpt): each call run through dlcore_eager and torch
2.13 side by side (tests/eager/torchdiff_harness.py: the same value, dtype, shape,
requires_grad and grad_fn name, or the same exception type and words)."""

import warnings

import numpy as np
import pytest

from torchdiff_harness import run as _run

torch = pytest.importorskip("torch")


def _ar(t, *a, **k):
    return t.arange(*a, **k)


CLAMP0D = [
    # a 0-d tensor bound beside a number binds as PyTorch's Scalar: computed (item 1)
    ("m_clamp_0d_f64", lambda t: _ar(t, 5).clamp(t.tensor(1.5, dtype=t.float64), 3)),
    ("clamp_kw_0d_int", lambda t: t.clamp(_ar(t, 5), min=t.tensor(1), max=2.5)),
    ("m_clip_0d", lambda t: _ar(t, 5.).clip(t.tensor(1.), 2.)),
    ("m_clip__0d_max", lambda t: _ar(t, 5.).clip_(2, t.tensor(3.))),
    ("clamp_0d_kw_rev", lambda t: _ar(t, 3.).clamp(max=t.tensor(1.), min=0)),
    ("clip_fn_0d", lambda t: t.clip(_ar(t, 4.), t.tensor(1.), 2)),
    ("clamp_out_0d", lambda t: t.clamp(_ar(t, 4.), 1, t.tensor(2.), out=t.empty(4))),
    ("clamp_grad_x", lambda t: _ar(t, 5., requires_grad=True).clamp(t.tensor(1.), 2.)),
    # ... and refused where PyTorch refuses: in place into int, bool kernel, grad, ndim > 0
    ("int_clamp__0d_float", lambda t: _ar(t, 5).clamp_(t.tensor(1.5), 3)),
    ("bool_clamp_0d", lambda t: t.tensor([True, False]).clamp(t.tensor(True), True)),
    ("clamp_0d_requires_grad", lambda t: _ar(t, 5.).clamp(
        t.tensor(1., requires_grad=True), 2.)),
    ("clamp_1d_bound", lambda t: _ar(t, 5).clamp(t.tensor([1]), 2)),
    ("clamp_1elem_bound", lambda t: _ar(t, 5.).clamp(max=t.tensor([1.]), min=0)),
]

OVERFLOW = [
    # number bounds converted to the result's float type (item 11): torch's overflow error
    ("f32_clamp_max_1e39", lambda t: _ar(t, 3.).clamp(max=1e39)),
    ("f32_clamp_min_neg", lambda t: _ar(t, 3.).clamp(min=-1e39)),
    ("f32_clamp_pos", lambda t: _ar(t, 3.).clamp(1e39, 2.)),
    ("f32_clamp__max", lambda t: _ar(t, 3.).clamp_(max=1e39)),
    ("f16_clip_70000", lambda t: t.clip(_ar(t, 3.).half(), max=70000.)),
    ("i64_clamp_float_1e39", lambda t: _ar(t, 3).clamp(max=1e39)),
    ("f32_clamp_int_2_70", lambda t: _ar(t, 3.).clamp(max=2**70)),
    ("f32_clamp_int_2_200", lambda t: _ar(t, 3.).clamp(max=2**200)),
    # ... what torch computes stays
    ("f64_clamp_1e39", lambda t: _ar(t, 3.).double().clamp(max=1e39)),
    ("f32_clamp_inf", lambda t: _ar(t, 3.).clamp(min=-float("inf"), max=float("inf"))),
    ("f32_clamp_nan", lambda t: _ar(t, 3.).clamp(max=float("nan"))),
    ("u8_clamp_min_neg1", lambda t: _ar(t, 3, dtype=t.uint8).clamp(min=-1)),
    ("i8_clamp_1000", lambda t: _ar(t, 3, dtype=t.int8).clamp(max=1000)),
    ("f32_clamp_big_fits", lambda t: _ar(t, 3.).clamp(max=3e38, min=-3e38)),
]

_BIG = [2**62 + 1, 2**62, 3, 2**53 + 1, -2**63, 2**63 - 1, 2**53, -(2**53) - 1]


def _big(t):
    return t.tensor(_BIG).reshape(1, 1, 2, 4)


POOL = [
    # int64 pooled exactly beyond 2**53 (item 3)
    ("max_pool2d_i64", lambda t: t.nn.functional.max_pool2d(_big(t), (1, 2))),
    ("max_pool2d_i64_idx", lambda t: t.nn.functional.max_pool2d(_big(t), (1, 2),
                                                                return_indices=True)),
    ("max_pool2d_i64_pad", lambda t: t.nn.functional.max_pool2d(
        _big(t), (2, 2), stride=1, padding=1)),
    ("max_pool2d_i64_ceil", lambda t: t.nn.functional.max_pool2d(
        input=_big(t), kernel_size=(1, 3), stride=2, ceil_mode=True)),
    ("max_pool2d_i64_dil", lambda t: t.nn.functional.max_pool2d(
        _big(t), (2, 2), dilation=(1, 2), return_indices=True)),
    ("max_pool3d_i64", lambda t: t.nn.functional.max_pool3d(_big(t).reshape(1, 2, 2, 2), 2)),
    ("max_pool2d_i32", lambda t: t.nn.functional.max_pool2d(
        t.tensor([[[[2**31 - 1, -2**31, 5, 2**24 + 1]]]], dtype=t.int32), (1, 2))),
    ("max_pool2d_u8", lambda t: t.nn.functional.max_pool2d(
        t.tensor([[[[255, 0, 7, 254]]]], dtype=t.uint8), (1, 2), return_indices=True)),
    # adaptive max pooling has float kernels only (item 11)
    ("adaptive_max_pool2d_u8", lambda t: t.nn.functional.adaptive_max_pool2d(
        t.zeros(1, 2, 4, 4, dtype=t.uint8), 2)),
    ("adaptive_max_pool1d_i64", lambda t: t.nn.functional.adaptive_max_pool1d(
        t.zeros(1, 2, 4, dtype=t.int64), 2)),
    ("adaptive_max_pool3d_bool", lambda t: t.nn.functional.adaptive_max_pool3d(
        t.zeros(1, 2, 4, 4, 4, dtype=t.bool), 2)),
    ("adaptive_max_pool2d_f32", lambda t: t.nn.functional.adaptive_max_pool2d(
        t.arange(32.).reshape(1, 2, 4, 4), 2, return_indices=True)),
]

ROWS = CLAMP0D + OVERFLOW + POOL


@pytest.mark.parametrize("rid,f", ROWS, ids=[r[0] for r in ROWS])
def test_same_as_torch(rid, f):
    import dlcore_eager as dl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _run(f, dl) == _run(f, torch)


def test_int64_pool_random_exact():
    import dlcore_eager as dl
    rng = np.random.default_rng(0)
    a = rng.integers(-2**63, 2**63 - 1, size=(2, 3, 7, 9), dtype=np.int64)
    a[0, 0, :2, :2] = 2**60 + 1          # ties: the first position, as torch
    for kw in ({"kernel_size": 3}, {"kernel_size": 2, "stride": 1, "padding": 1},
               {"kernel_size": (2, 3), "ceil_mode": True, "dilation": (2, 1)}):
        dv, di = dl.nn.functional.max_pool2d(dl.tensor(a), return_indices=True, **kw)
        tv, ti = torch.nn.functional.max_pool2d(torch.tensor(a), return_indices=True, **kw)
        assert dv.dtype == dl.int64
        np.testing.assert_array_equal(dv.numpy(), tv.numpy())
        np.testing.assert_array_equal(di.numpy(), ti.numpy())


def test_byte_mask_in_a_tuple_key_still_read_as_a_mask():
    import dlcore_eager as dl
    for lib in (dl, torch):
        x = lib.arange(12.).reshape(3, 4)
        m = lib.tensor([1, 0, 2], dtype=lib.uint8)
        with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
            r = x[m, 1:3]
        assert r.tolist() == [[1., 2.], [9., 10.]]
        assert x[1, 2].item() == 6. and x[:, 0].tolist() == [0., 4., 8.]
        assert x[None, 1, ..., 0].tolist() == [4.]
