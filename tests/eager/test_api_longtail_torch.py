"""torch.* names from the long tail (dlcore_eager/_api_longtail.py, compiler.py) against real
PyTorch 2.13: asarray, unravel_index, vmap, rsub, range, scalar_tensor, fill, the function forms
of in-place methods, legacy tensor types, the matmul-precision setting, torch.compiler."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _same(a, b, tol=0.0):
    assert str(a.dtype) == str(b.dtype)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("obj", [[1, 2.5], 3, [1, 2], True, [[1.0], [2.0]]])
def test_asarray_from_python(obj):
    _same(dl.asarray(obj), torch.asarray(obj))


def test_asarray_shares_and_copies_like_torch():
    for lib in (torch, dl):
        n = np.arange(3.0)
        a = lib.asarray(n)
        n[0] = 7.0                              # shares NumPy memory of the same dtype
        assert a[0].item() == 7.0 and str(a.dtype).endswith("float64")
        c = lib.asarray(np.arange(3.0), dtype=lib.float32)
        assert str(c.dtype).endswith("float32")
        t = lib.ones(2, 3)
        assert lib.asarray(t) is t
        x = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert lib.asarray(x).requires_grad
        y = lib.asarray(x, copy=True, requires_grad=True)
        assert y is not x and y.requires_grad
        assert not lib.asarray(x, requires_grad=False).requires_grad
        z = lib.asarray([1.0, 2.0], requires_grad=True)
        assert z.requires_grad and z.is_leaf
    errs = [error_of(lambda lib=lib: lib.asarray(np.arange(3.0), copy=False, dtype=lib.float32))
            for lib in (torch, dl)]
    assert errs[0] == errs[1]


@pytest.mark.parametrize(("idx", "shape"), [([4, 7], (2, 4)), (5, (3, 2)), ([[-1, 9], [0, 3]],
                                                                             (2, 3))])
def test_unravel_index(idx, shape):
    got = [lib.unravel_index(lib.tensor(idx), shape) for lib in (torch, dl)]
    assert len(got[0]) == len(got[1])
    for a, b in zip(*got):
        _same(b, a)
    errs = [error_of(lambda lib=lib: lib.unravel_index(lib.tensor([1.0]), (2,)))
            for lib in (torch, dl)]
    assert errs[0] == errs[1]


def test_rsub_scalar_tensor_range_fill():
    g = np.random.default_rng(0)
    a, b = g.standard_normal(3), g.standard_normal(3)
    for other in (5.0, "t"):
        outs = []
        for lib in (torch, dl):
            x = lib.tensor(a, requires_grad=True)
            o = lib.tensor(b) if other == "t" else other
            y = lib.rsub(x, o, alpha=2)
            y.backward(lib.tensor(b))
            outs.append((y, x.grad, y.grad_fn.name()))
        _same(outs[1][0], outs[0][0], 1e-12)
        _same(outs[1][1], outs[0][1], 1e-12)
        assert outs[1][2] == outs[0][2]
    for s in (3, 2.5, True):
        _same(dl.scalar_tensor(s), torch.scalar_tensor(s))
    _same(dl.scalar_tensor(3, dtype=dl.int64), torch.scalar_tensor(3, dtype=torch.int64))
    for args, kw in [((1, 4), {}), ((0, 1, 0.25), {}), ((1, 4), {"dtype": "int64"})]:
        res = []
        for lib in (torch, dl):
            k = {"dtype": getattr(lib, kw["dtype"])} if kw else {}
            with pytest.warns(UserWarning, match="torch.range is deprecated"):
                res.append(lib.range(*args, **k))
        _same(res[1], res[0])
    assert error_of(lambda: dl.range(5)) == error_of(lambda: torch.range(5))
    _same(dl.fill(dl.ones(2), 3.0), torch.fill(torch.ones(2), 3.0))


def test_function_forms_of_inplace_methods():
    a = np.array([-1.5, 0.25, 2.0])
    for name in ("relu_", "sigmoid_", "tanh_", "exp_", "abs_", "neg_", "sqrt_", "zero_",
                 "clamp_", "sinc_"):
        outs = []
        for lib in (torch, dl):
            x = lib.tensor(a)
            args = (0.0, 1.0) if name == "clamp_" else ()
            r = getattr(lib, name)(x, *args)
            assert r is x or name == "zero_" and r.data_ptr() == x.data_ptr()
            outs.append(x)
        _same(outs[1], outs[0], 1e-12)
    x = dl.ones(2, requires_grad=True)
    assert not dl.detach(x).requires_grad
    assert dl.is_signed(dl.ones(2)) and not dl.is_signed(dl.ones(2, dtype=dl.uint8))
    assert dl.get_device(dl.ones(1)) == torch.get_device(torch.ones(1)) == -1


def test_legacy_types_vmap_settings_compiler():
    for name in ("ByteTensor", "CharTensor", "ShortTensor", "HalfTensor"):
        t_d, t_t = getattr(dl, name)([1, 2]), getattr(torch, name)([1, 2])
        _same(t_d, t_t)
        assert isinstance(t_d, getattr(dl, name)) and not isinstance(dl.ones(1), getattr(dl,
                                                                                          name))
    x = np.arange(6.0).reshape(2, 3)
    _same(dl.vmap(lambda r: r.sum() * 2)(dl.tensor(x)),
          torch.vmap(lambda r: r.sum() * 2)(torch.tensor(x)))
    assert dl.newaxis is None and dl.ones(2)[dl.newaxis].shape == (1, 2)
    assert dl.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    dl.set_float32_matmul_precision("high")
    assert dl.get_float32_matmul_precision() == "high"
    with pytest.warns(UserWarning, match="bogus is not one of 'highest'"):
        dl.set_float32_matmul_precision("bogus")
    dl.set_float32_matmul_precision("highest")
    assert dl.compiler.is_compiling() is torch.compiler.is_compiling() is False

    @dl.compiler.disable
    def f(v):
        return v + 1
    assert f(1) == 2 and dl.compiler.disable(recursive=False)(f) is f
    assert dl.GradScaler is dl.amp.GradScaler
    errs = [error_of(lambda lib=lib: lib.set_default_tensor_type(lib.IntTensor))
            for lib in (torch, dl)]
    assert errs[0] == errs[1]


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type"):
            dl.set_default_tensor_type(dl.DoubleTensor)
        assert dl.ones(1).dtype is dl.float64
        with pytest.warns(UserWarning):
            dl.set_default_tensor_type("torch.FloatTensor")
        assert dl.ones(1).dtype is dl.float32
    finally:
        dl.set_default_dtype(dl.float32)


SHIFT_CASES = [("int8", [1, -8, 5, 127], [1, 2, 8, -1]), ("int64", [1, -8, 5, 2 ** 40],
                                                          [63, 64, 70, -1]),
               ("uint8", [1, 200, 3], [7, 1, 9]), ("int32", [3, -3], 2)]


@pytest.mark.parametrize(("dt", "a", "s"), SHIFT_CASES)
def test_bit_shifts_are_torchs(dt, a, s):
    got = []
    for lib in (torch, dl):
        x = lib.tensor(a, dtype=getattr(lib, dt))
        k = lib.tensor(s, dtype=getattr(lib, dt)) if isinstance(s, list) else s
        y = x.clone()
        y <<= 1
        got.append([x << k, x >> k, lib.bitwise_left_shift(x, k), x.bitwise_right_shift(k),
                    3 << x.abs().clamp(max=6), y])
    for a_, b_ in zip(*got):
        _same(b_, a_)
    for fn in (lambda lib: lib.tensor([1.5]) << 1, lambda lib: lib.tensor([1, 2]) >> 1.5,
               lambda lib: lib.tensor([True]) << lib.tensor([True]),
               lambda lib: lib.tensor([1.0]).bitwise_left_shift_(1)):
        assert error_of(lambda f=fn: f(dl)) == error_of(lambda f=fn: f(torch))
