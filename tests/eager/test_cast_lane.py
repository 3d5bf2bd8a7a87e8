"""Casts of CPU tensors through the one-tensor lane (``_methods._cast``, the cast kernel's
small form ``elementwise_cast._cast_small``): the general path's values bit for bit (the
kernel's), silently, PyTorch 2.13's values, dtypes and grad_fn, and the general path where the
lane does not apply (16-bit floats, complex, forward AD)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops.elementwise_cast import _cast_small, cast_p

torch = pytest.importorskip("torch")

SPECIAL = [np.nan, np.inf, -np.inf, 1e20, -1e20, 2.0**31, -2.0**31 - 1, 2.0**63, -2.0**63,
           2.5, -2.5, 0.0, -0.0, 1e10, -1e10, 3e9, 65536.7, -70000.2, 255.9, 256.0, -1.0]
INTS = ["int64", "int32", "int16", "int8", "uint8"]


@pytest.mark.parametrize("src", ["float32", "float64"])
@pytest.mark.parametrize("dst", INTS + ["bool"])
@pytest.mark.parametrize("n", [len(SPECIAL), 4099])
def test_the_small_form_is_the_kernel_s_conversion(src, dst, n):
    x = np.resize(np.array(SPECIAL, src), n)
    form = _cast_small(x.shape, x.dtype, dtype=np.dtype(dst))
    assert form is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (silent, as the kernel)
        got = form[0](x, form[1]) if type(form) is tuple else form(x)
    np.testing.assert_array_equal(got, cast_p.kernels["cpu"](x, dtype=np.dtype(dst)))


@pytest.mark.parametrize("dst", ["float64", "float32", "int64", "int32", "int16", "int8", "uint8",
                                 "bool"])
@pytest.mark.parametrize("src", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_values_and_dtypes_are_torch_s(src, dst):
    data = np.array(SPECIAL if src.startswith("float") else [0, 1, -1, 255, 300, 2**20, -7])
    if src == "bool":
        data = np.array([True, False, True])
    x = np.asarray(data).astype(src) if src.startswith("float") else \
        np.asarray(data).astype(np.int64).astype(src)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = dl.tensor(x).to(getattr(dl, dst))
    want = torch.tensor(x).to(getattr(torch, dst))
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_methods_take_the_lane_and_keep_the_gradient():
    x = dl.tensor([1.5, -2.5, 3.0], requires_grad=True)
    y = x.double()
    assert y.dtype == dl.float64 and type(y.grad_fn).__name__ == "ToCopyBackward0"
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.float32([3.0, -5.0, 6.0]))
    assert x.long().grad_fn is None and x.long().tolist() == [1, -2, 3]
    assert x.bool().tolist() == [True, True, True] and x.int().dtype == dl.int32
    assert x.type(dl.float64).dtype == dl.float64 and x.float() is x


def test_forward_ad_and_half_take_the_general_path():
    import dlcore_eager.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        d = fwAD.make_dual(dl.tensor([1.0, 2.0]), dl.tensor([3.0, 4.0]))
        t = fwAD.unpack_dual(d.double()).tangent
        assert t is not None and t.dtype == dl.float64 and t.tolist() == [3.0, 4.0]
    h = dl.tensor([1.5, 70000.0]).half()
    assert h.dtype == dl.float16 and h.tolist() == [1.5, float("inf")]
    assert h.long().tolist() == [1, -2**63]
