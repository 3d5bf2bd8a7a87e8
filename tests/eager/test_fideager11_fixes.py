"""Session 23's fidelity fixes (values, dtypes and error texts recorded from torch 2.13 CPU):
integer addmm/addmv/baddbmm/addbmm truncate a float alpha/beta (ATen's Scalar.to<int64_t>());
renorm of an integer or bool tensor refuses as linalg.vector_norm; torch.where's Python int
past int64/uint64 is the argument parser's OverflowError; float16/bfloat16 celu computes in
float32 (a huge alpha gave -0); a float32/float16 op with a number past the dtype's range
gives inf without NumPy's 'overflow encountered in cast' warning."""

from __future__ import annotations

import warnings

import pytest

import dlcore_eager as torch
import dlcore_eager.nn.functional as F

M = [[1, 2], [3, 4]]


def _m(dtype=None):
    return torch.tensor(M, dtype=dtype)


@pytest.mark.parametrize("call, want", [
    (lambda: torch.addmm(_m(), _m(), _m(), beta=1.5, alpha=2.7), [[15, 22], [33, 48]]),
    (lambda: _m().addmm(_m(), _m(), beta=-1.5, alpha=0.9), [[-1, -2], [-3, -4]]),
    (lambda: _m().clone().addmm_(_m(), _m(), beta=1.5, alpha=2.7), [[15, 22], [33, 48]]),
    (lambda: torch.addmv(torch.tensor([1, 2]), _m(), torch.tensor([1, 2]), beta=1.5,
                         alpha=2.7), [11, 24]),
    (lambda: torch.tensor([1, 2]).addmv_(_m(), torch.tensor([1, 2]), beta=1.5, alpha=-2.7),
     [-9, -20]),
    (lambda: torch.baddbmm(_m()[None], _m()[None], _m()[None], beta=1.5, alpha=2.7),
     [[[15, 22], [33, 48]]]),
    (lambda: torch.addbmm(_m(), _m()[None], _m()[None], beta=1.5, alpha=2.7),
     [[15, 22], [33, 48]]),
    (lambda: _m().addbmm_(_m()[None], _m()[None], beta=0.5, alpha=2.7), [[14, 20], [30, 44]]),
])
def test_integer_products_truncate_float_coefficients(call, want):
    r = call()
    assert r.dtype == torch.int64 and r.tolist() == want


def test_int32_keeps_its_dtype_and_float_tensors_keep_float_coefficients():
    r = torch.addmm(_m(torch.int32), _m(torch.int32), _m(torch.int32), beta=0.5, alpha=3.99)
    assert r.dtype == torch.int32 and r.tolist() == [[21, 30], [45, 66]]
    f = torch.addmm(_m(torch.float32), _m(torch.float32), _m(torch.float32), beta=1.5, alpha=2.7)
    assert f.dtype == torch.float32
    assert f.flatten().tolist() == pytest.approx([20.4, 30.0, 45.0, 65.4], rel=1e-6)


@pytest.mark.parametrize("kw", [{"beta": float("nan")}, {"alpha": float("inf")},
                                {"alpha": 1e30}])
def test_integer_products_refuse_a_coefficient_past_int64(kw):
    with pytest.raises(RuntimeError, match="value cannot be converted to type int64_t without "
                                           "overflow"):
        torch.addmm(_m(), _m(), _m(), **kw)


@pytest.mark.parametrize("dtype, name", [(torch.int64, "Long"), (torch.int32, "Int"),
                                         (torch.uint8, "Byte"), (torch.bool, "Bool")])
def test_renorm_of_an_integer_tensor_refuses(dtype, name):
    x = torch.ones(2, 2, dtype=dtype)
    msg = f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {name}"
    with pytest.raises(RuntimeError, match=msg):
        x.renorm(2, 0, 1)
    with pytest.raises(RuntimeError, match=msg):
        torch.renorm(x, 2, 0, 1)
    before = x.tolist()
    assert x.tolist() == before                                     # (unchanged)


def test_renorm_checks_keep_torchs_order_and_floats_still_renorm():
    with pytest.raises(RuntimeError, match="input needs at least 2 dimensions, got 1"):
        torch.ones(3, dtype=torch.int64).renorm(2, 0, 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.ones(2, 2, dtype=torch.int64).renorm(2, 5, 1)
    r = torch.tensor([[3.0, 4.0], [0.3, 0.4]]).renorm(2, 0, 1.0)
    assert r.flatten().tolist() == pytest.approx([0.6, 0.8, 0.3, 0.4], rel=1e-6)
    assert torch.ones(2, 2, dtype=torch.float16).renorm(2, 0, 1).dtype == torch.float16


_C = [True, False]


@pytest.mark.parametrize("call, text", [
    (lambda: torch.where(torch.tensor(_C), torch.tensor([1., 2.]), 10**40),
     "int too big to convert"),
    (lambda: torch.where(torch.tensor(_C), 10**40, torch.tensor([1., 2.])),
     "int too big to convert"),
    (lambda: torch.tensor([1., 2.]).where(torch.tensor(_C), 10**40), "int too big to convert"),
    (lambda: torch.where(torch.tensor(_C), torch.tensor([1., 2.]), -10**40),
     "can't convert negative int to unsigned"),
    (lambda: torch.where(torch.tensor(_C), torch.tensor([1., 2.]), -2**63 - 1),
     "can't convert negative int to unsigned"),
    (lambda: torch.where(torch.tensor(_C), torch.tensor([1.], dtype=torch.float16), 10**40),
     "int too big to convert"),
    (lambda: torch.where(torch.tensor(_C), 1, 10**40), "int too big to convert"),
    (lambda: torch.where(torch.tensor(_C), input=torch.tensor([1., 2.]), other=10**40),
     "int too big to convert"),
])
def test_where_refuses_a_python_int_past_the_parsers_range(call, text):
    with pytest.raises(OverflowError, match=text):
        call()


def test_where_takes_ints_up_to_uint64_as_torch():
    c = torch.tensor(_C)
    assert torch.where(c, torch.tensor([1., 2.]), 2**64 - 1).tolist() == [1.0, 2.0**64]
    assert torch.where(c, torch.tensor([1., 2.]), -2**63).tolist() == [1.0, -2.0**63]
    with pytest.raises(RuntimeError, match="value cannot be converted to type int64_t"):
        torch.where(c, torch.tensor([1, 2]), 10**19)


def test_half_celu_computes_in_float32():
    x = torch.tensor([-1., -0.001, -3., 0.5], dtype=torch.float16, requires_grad=True)
    assert F.celu(x, alpha=1e10).tolist() == [-1.0, -0.0010004043579101562, -3.0, 0.5]
    y = F.celu(x, alpha=1e4)
    assert y.dtype == torch.float16 and y.grad_fn.name() == "CeluBackward0"
    assert y.tolist() == [-1.0, -0.0010004043579101562, -3.0, 0.5]      # (was -1.1921e-03)
    y.sum().backward()
    assert x.grad.dtype == torch.float16 and x.grad.tolist() == [1.0, 1.0, 0.99951171875, 1.0]
    b = F.celu(x.detach().bfloat16(), alpha=3.0)
    assert b.dtype == torch.bfloat16 and b.tolist() == [-0.8515625, -0.0009994506835937500,
                                                        -1.8984375, 0.5]


@pytest.mark.parametrize("call, want", [
    (lambda: torch.tensor([1., 2.]) + 1e300, [float("inf")] * 2),
    (lambda: 1e300 + torch.tensor([1., 2.]), [float("inf")] * 2),
    (lambda: torch.tensor([1.]) - (-1e300), [float("inf")]),
    (lambda: 1e300 - torch.tensor([1.]), [float("inf")]),
    (lambda: torch.tensor([1.], dtype=torch.float16) + 1e10, [float("inf")]),
    (lambda: torch.tensor([1.], dtype=torch.bfloat16) * 1e300, [float("inf")]),
    (lambda: torch.nan_to_num(torch.tensor([float("nan"), 1.]), nan=1e300),
     [float("inf"), 1.0]),
    (lambda: torch.xlogy(torch.tensor([1., 2.]), 1e300), [float("inf")] * 2),
    (lambda: F.smooth_l1_loss(torch.tensor([1.]), torch.tensor([2.]), beta=1e300), 0.0),
])
def test_numbers_past_float32_give_inf_without_numpy_warnings(call, want):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = call()
    assert r.tolist() == want


def test_full_like_past_float32_still_refuses_as_torch():
    with pytest.raises(RuntimeError, match="value cannot be converted to type float without "
                                           "overflow"):
        torch.full_like(torch.tensor([1.]), 1e300)


def test_detect_anomaly_warns_as_torch_when_made_and_still_names_the_node():
    with pytest.warns(UserWarning, match=r"^Anomaly Detection has been enabled\. This mode will "
                                         r"increase the runtime and should only be enabled for "
                                         r"debugging\.$") as rec:
        mode = torch.autograd.detect_anomaly()
    assert rec[0].filename == __file__                          # (stacklevel=2: the caller)
    q = torch.tensor([-1.0, 1.0], requires_grad=True)
    with mode, pytest.raises(RuntimeError, match=r"^Function 'SqrtBackward0' returned nan "
                                                 r"values in its 0th output\.$"):
        q.sqrt().sum().backward()
    assert q.grad is None and not torch.is_anomaly_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                          # (set_detect_anomaly: silent)
        with torch.autograd.set_detect_anomaly(True):
            assert torch.is_anomaly_enabled()
    assert not torch.is_anomaly_enabled()
