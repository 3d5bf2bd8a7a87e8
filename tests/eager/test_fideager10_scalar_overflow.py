"""A Python number past a float dtype's range, as torch 2.13 treats it, per class of call site
(each expectation recorded from torch 2.13 on CPU):

* a fill of ONE element (``full``/``fill_``/``full_like``/``new_full``/``fill_diagonal_`` of a
  1x1, ``x[i] = v``) takes ATen's ``scalar_fill``: float16/bfloat16 round to +-inf, float32
  refuses; a fill of more elements refuses (``value cannot be converted to type c10::Half
  without overflow``);
* a fill value, coefficient or bound converted to the tensor's dtype (``scatter``, ``F.pad``,
  ``hardshrink``, ``histc``, ``addmv``, ``add``'s alpha, ``masked_fill``'s 0-d tensor) refuses;
* one converted to ``float``, ATen's opmath type (``addmm``, ``addcmul``, ``lerp``, ``elu``,
  ``softplus``, float16 ``arange``) refuses only past float32's range;
* a wrapped number of a binary op, ``torch.tensor`` data, ``where``'s scalar round to inf,
  without NumPy's ``overflow encountered in cast`` warning."""

import warnings

import numpy as np
import pytest

import dlcore_eager as torch

F = torch.nn.functional
H = torch.float16
BF = torch.bfloat16
HALF_ERR = "value cannot be converted to type c10::Half without overflow"
FLOAT_ERR = "value cannot be converted to type float without overflow"
INF = float("inf")
NAN = float("nan")


def _quiet(fn):
    """``fn()`` with every warning an error (torch gives none of these)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


@pytest.mark.parametrize("make", [
    lambda s, v: torch.full(s, v, dtype=H),
    lambda s, v: torch.zeros(s, dtype=H).fill_(v),
    lambda s, v: torch.full_like(torch.zeros(s, dtype=H), v),
    lambda s, v: torch.zeros(s, dtype=H).new_full(s, v),
])
def test_one_element_fill_rounds_to_inf_more_refuse(make):
    for shape in [(), (1,), (1, 1)]:
        r = _quiet(lambda s=shape: make(s, 1e20))
        assert r.dtype == H and np.isposinf(r.numpy()).all() and r.shape == shape
        assert np.isneginf(_quiet(lambda s=shape: make(s, -1e300)).numpy()).all()
    assert _quiet(lambda: make((1,), 65519.0)).tolist() == [65504.0]   # (rounded, not inf)
    for shape in [(2,), (1, 3)]:
        with pytest.raises(RuntimeError, match=HALF_ERR):
            make(shape, 1e20)
    with pytest.raises(RuntimeError, match=HALF_ERR):   # (no element: ATen's checked fill)
        make((0,), 1e20)


def test_one_element_fill_bfloat16_and_float32():
    assert np.isposinf(torch.full((1,), 1e300, dtype=BF).float().numpy()).all()
    with pytest.raises(RuntimeError, match="c10::BFloat16 without overflow"):
        torch.full((2,), 1e300, dtype=BF)
    with pytest.raises(RuntimeError, match=FLOAT_ERR):       # (float32: checked even for one)
        torch.full((1,), 1e300, dtype=torch.float32)
    with pytest.raises(RuntimeError, match="type int without overflow"):
        torch.full((1,), 1e20, dtype=torch.int32)


def test_fill_diagonal_and_views_count_their_own_elements():
    x = _quiet(lambda: torch.zeros(1, 1, dtype=H).fill_diagonal_(1e20))
    assert x.tolist() == [[float("inf")]]
    w = _quiet(lambda: torch.zeros(3, 1, dtype=H).fill_diagonal_(1e20, wrap=True))
    assert w.tolist() == [[float("inf")], [0.0], [float("inf")]]     # (one + one wrapped)
    with pytest.raises(RuntimeError, match=HALF_ERR):
        torch.zeros(2, 2, dtype=H).fill_diagonal_(1e20)
    base = torch.zeros(3, dtype=H)
    _quiet(lambda: base[:1].fill_(1e20))
    assert base.tolist() == [float("inf"), 0.0, 0.0]
    with pytest.raises(RuntimeError, match=HALF_ERR):
        base[:2].fill_(1e20)
    assert base.tolist() == [float("inf"), 0.0, 0.0]                 # (unchanged)


def test_setitem_is_a_one_element_fill():
    x = torch.zeros(2, dtype=H)
    _quiet(lambda: x.__setitem__(0, 1e20))
    _quiet(lambda: x.__setitem__(slice(1, None), -1e300))
    assert x.tolist() == [float("inf"), float("-inf")]
    y = torch.zeros(2)
    with pytest.raises(RuntimeError, match=FLOAT_ERR):
        y[0] = 1e300
    assert y.tolist() == [0.0, 0.0]
    y[1] = 1e20
    assert y[1].item() == np.float32(1e20)


@pytest.mark.parametrize("call", [
    lambda x: x.scatter(0, torch.tensor([0]), 1e20),
    lambda x: torch.scatter(x, 0, torch.tensor([0]), 1e20),
    lambda x: F.pad(x, (1, 0), value=1e20),
    lambda x: F.hardshrink(x, 1e20),
    lambda x: torch.histc(x, 3, -1e20, 1e20),
    lambda x: torch.addmv(x, torch.ones(2, 2, dtype=H), x, alpha=1e20),
    lambda x: torch.add(x, x, alpha=1e20),
    lambda x: torch.sub(x, 1.0, alpha=1e20),
    lambda x: x.masked_fill(torch.tensor([True, False]), torch.tensor(1e20)),
    lambda x: x.masked_fill(torch.tensor([True, False]), 1e20),
    lambda x: x.clamp(min=1e20),
])
def test_dtype_converted_numbers_refuse(call):
    x = torch.zeros(2, dtype=H)
    with pytest.raises(RuntimeError, match=HALF_ERR):
        call(x)
    assert x.tolist() == [0.0, 0.0]


def test_dtype_converted_numbers_of_other_dtypes():
    with pytest.raises(RuntimeError, match="c10::BFloat16 without overflow"):
        torch.zeros(2, dtype=BF).clamp(min=1e300)
    with pytest.raises(RuntimeError, match="type int without overflow"):       # (was INT_MIN)
        torch.zeros(2, dtype=torch.int32).scatter(0, torch.tensor([0]), 1e20)
    with pytest.raises(RuntimeError, match="uint8_t without overflow"):        # (was 44)
        torch.zeros(2, dtype=torch.uint8).masked_fill(torch.tensor([True, False]),
                                                      torch.tensor(300))
    with pytest.raises(RuntimeError, match="int64_t without overflow"):
        F.pad(torch.zeros(2, dtype=torch.int64), (1, 0), value=1e20)
    with pytest.raises(NotImplementedError, match="\"hardshrink_cpu\" not implemented for 'Int'"):
        F.hardshrink(torch.zeros(2, dtype=torch.int32), 0.5)
    assert F.pad(torch.zeros(1, dtype=H), (1, 0), value=65504.0).tolist() == [65504.0, 0.0]


@pytest.mark.parametrize("dtype,message", [
    (H, "lambda must be in range [0, 65504] for input dtype Half, but found 1e+20"),
    (BF, "lambda must be in range [0, 3.38953e+38] for input dtype BFloat16, but found 1e+300"),
    (torch.float32, ("lambda must be in range [0, 3.40282e+38] for input dtype Float, but "
                    "found -1")),
])
def test_softshrink_lambda_range(dtype, message):
    value = {"Half": 1e20, "BFloat16": 1e300, "Float": -1.0}[message.split("dtype ")[1].split(",")[0]]
    with pytest.raises(RuntimeError, match=message.replace("[", r"\[").replace("+", r"\+")):
        F.softshrink(torch.ones(2, dtype=dtype), value)
    assert F.softshrink(torch.ones(2, dtype=torch.float64), 1e300).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("call", [
    lambda x: torch.addmm(x, x, x, beta=1e300),
    lambda x: torch.baddbmm(x[None], x[None], x[None], alpha=1e39),
    lambda x: torch.addcmul(x, x, x, value=1e300),
    lambda x: torch.lerp(x, x, 1e300),
    lambda x: F.elu(-x, alpha=1e300),
    lambda x: F.softplus(x, beta=1e300),
])
@pytest.mark.parametrize("dtype", [H, BF, torch.float32])
def test_opmath_numbers_refuse_past_float32(call, dtype):
    x = torch.ones(2, 2, dtype=dtype)
    with pytest.raises(RuntimeError, match=FLOAT_ERR):
        call(x)


def test_opmath_numbers_within_float32_compute():
    x = torch.ones(2, 2, dtype=H)
    r = _quiet(lambda: torch.addmm(x, x, x, alpha=1e20))
    assert r.dtype == H and np.isposinf(r.numpy()).all()
    assert np.isposinf(_quiet(lambda: torch.addcmul(x, x, x, value=1e20)).numpy()).all()
    a = _quiet(lambda: torch.arange(0, 1e20, 5e19, dtype=H))
    assert a.tolist() == [0.0, float("inf")]
    for dtype in (H, BF):               # (float16/bfloat16 arange: computed in float)
        with pytest.raises(RuntimeError, match=FLOAT_ERR):
            torch.arange(0, 1e300, 1e299, dtype=dtype)
    f32 = _quiet(lambda: torch.arange(0, 1e300, 5e299, dtype=torch.float32))
    assert f32.tolist() == [0.0, float("inf")]          # (float32's: in double, as ATen)
    x64 = torch.ones(2, 2, dtype=torch.float64)
    assert torch.addmm(x64, x64, x64, beta=1e300)[0, 0].item() == 1e300 + 2




@pytest.mark.parametrize("call,expected", [
    (lambda x: x + 1e20, [INF, INF]),
    (lambda x: x * 1e300, [NAN, NAN]),           # (0 * inf: the number rounded first)
    (lambda x: (x + 1) * 1e300, [INF, INF]),
    (lambda x: 1e20 - x, [INF, INF]),
    (lambda x: x == 1e20, [False, False]),
    (lambda x: torch.where(torch.tensor([True, False]), x, 1e20), [0.0, INF]),
    (lambda x: torch.nan_to_num(x / 0, nan=1e20), [INF, INF]),
    (lambda x: torch.tensor([1e20, -1e300], dtype=H), [INF, -INF]),
    (lambda x: x.fill_(torch.tensor(1e20, dtype=torch.float64)), [INF, INF]),
])
def test_wrapped_numbers_round_without_numpy_warning(call, expected):
    r = _quiet(lambda: call(torch.zeros(2, dtype=H)))
    assert r.dtype == (torch.bool if isinstance(expected[0], bool) else H)
    np.testing.assert_array_equal(r.numpy(), np.array(expected, dtype=r.numpy().dtype))


@pytest.mark.parametrize("dtype,value,err", [
    (H, 1e20, HALF_ERR), (BF, 1e300, "c10::BFloat16 without overflow"),
    (torch.float32, 1e300, FLOAT_ERR),
])
def test_linspace_logspace_bounds_in_the_dtype(dtype, value, err):
    for f in (torch.linspace, torch.logspace):
        with pytest.raises(RuntimeError, match=err):
            f(0, value, 2, dtype=dtype)
        assert f(0, value, 1, dtype=dtype).shape == (1,)        # (one step: no conversion)


def test_logspace_past_float64_is_inf_as_c_pow():
    for dtype in (BF, torch.float32):
        r = _quiet(lambda d=dtype: torch.logspace(0, 1e20, 2, dtype=d))
        assert r.float().tolist() == [1.0, float("inf")]        # (math.pow raised)


def test_half_arange_converts_start_and_step_only():
    # (review22 FE1: torch 2.13 converts start and step to float; end is only compared)
    assert _quiet(lambda: torch.arange(0, 1e39, 1e38, dtype=H)).tolist()[:3] == [0.0, INF, INF]
    assert _quiet(lambda: torch.arange(0, 3.5e38, 1e38, dtype=H)).tolist() == [0.0] + [INF] * 3
    b = _quiet(lambda: torch.arange(0, -1e39, -1e38, dtype=BF)).float().tolist()
    assert len(b) == 10 and b[0] == 0.0 and b[1] == pytest.approx(-1e38, rel=1e-2)
    for args in ((1e39, 0, -1e38), (0, 1e39, 1e39)):
        with pytest.raises(RuntimeError, match=FLOAT_ERR):
            torch.arange(*args, dtype=H)


@pytest.mark.parametrize("call,err", [
    (lambda: torch.ones(2, dtype=H) ** 1e20, HALF_ERR),
    (lambda: torch.pow(torch.ones(2, dtype=H), 1e20), HALF_ERR),
    (lambda: torch.ones(2, dtype=H).pow_(-1e20), HALF_ERR),
    (lambda: torch.ones(2, dtype=BF) ** 1e300, "c10::BFloat16 without overflow"),
])
def test_half_pow_exponent_past_the_range_refuses(call, err):
    with pytest.raises(RuntimeError, match=err):
        call()


def test_half_pow_base_and_in_range_exponent_compute():
    assert _quiet(lambda: 1e20 ** torch.ones(2, dtype=H)).tolist() == [INF, INF]
    assert _quiet(lambda: torch.full((2,), 2.0, dtype=BF) ** 1e20).float().tolist() == [INF] * 2


def test_where_scalar_converts_to_the_result_dtype():
    c = torch.tensor([True, False])
    for x in (torch.zeros(2), torch.zeros(2, dtype=torch.int32)):
        with pytest.raises(RuntimeError, match=FLOAT_ERR):
            torch.where(c, x, 1e39)
        assert torch.where(c, x, 1e20).tolist() == [0.0, np.float32(1e20)]
    with pytest.raises(RuntimeError, match=FLOAT_ERR):
        torch.zeros(2).where(c, -1e300)
    assert _quiet(lambda: torch.where(c, torch.zeros(2, dtype=H), 1e300)).tolist() == [0.0, INF]
    assert torch.where(c, torch.zeros(2, dtype=torch.float64), 1e300).tolist() == [0.0, 1e300]


def test_pad_value_into_unsigned_is_a_double():
    x = torch.zeros(1, dtype=torch.uint8)
    for v in (-1, -1.0, -255, 256, -0.5):           # (full(-1, uint8) is 255; pad refuses)
        with pytest.raises(RuntimeError, match="uint8_t without overflow"):
            F.pad(x, (1, 0), value=v)
    assert F.pad(x, (1, 0), value=255).tolist() == [255, 0]


def test_scatter_negative_int_into_unsigned_wraps_as_c10():
    x = torch.zeros(2, dtype=torch.uint8)
    assert x.scatter(0, torch.tensor([0]), -1).tolist() == [255, 0]
    assert torch.scatter(x, 0, torch.tensor([0]), -255).tolist() == [1, 0]
    assert x.scatter(0, torch.tensor([0]), value=-1).tolist() == [255, 0]
    assert x.clone().scatter_(0, torch.tensor([1]), -2).tolist() == [0, 254]
    with pytest.raises(RuntimeError, match="uint8_t without overflow"):
        x.scatter(0, torch.tensor([0]), -256)
