"""``int64 % n`` and ``int64 // n`` (``remainder``, ``floor_divide``, as methods, functions and
operators) of a CPU tensor and a Python int take NumPy's ufunc (``_binary.int_division_front``):
PyTorch 2.13's values and dtype for every sign of dividend and divisor, 0-d and empty tensors
and int64's extremes; a zero divisor, -1, other dtypes and other argument forms go to the
general entry (PyTorch's errors and promotions); an empty result divides nothing (no
ZeroDivisionError, as PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _binary

torch = pytest.importorskip("torch")

I64 = np.iinfo(np.int64)
DATA = [np.arange(-9, 10, dtype=np.int64), np.array(7, np.int64), np.zeros(0, np.int64),
        np.array([I64.min, I64.max, I64.min + 1, -1, 0, 1], np.int64),
        np.arange(12, dtype=np.int64).reshape(3, 4)[:, 1:3],
        np.array([5, -5], np.int32), np.array([True, False]), np.array([5.5, -2.5], np.float32)]
DIVISORS = [1, 2, 3, -2, -7, 10**12, -(10**18), I64.max, I64.min, 0, -1, 2.5, True]


def _calls(m, x, d):
    return {"%": lambda: x % d, "//": lambda: x // d, "remainder": lambda: m.remainder(x, d),
            "Tensor.remainder": lambda: x.remainder(d),
            "floor_divide": lambda: m.floor_divide(x, d),
            "Tensor.floor_divide": lambda: x.floor_divide(d),
            "remainder(other=)": lambda: m.remainder(x, other=d)}


def _outcome(f):
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return type(e).__name__, str(e).split("\n")[0]
    return str(r.dtype).split(".")[-1], tuple(r.shape), repr(r.tolist())   # (NaN == NaN)


def test_values_dtypes_and_errors_are_torch_s():
    for arr in DATA:
        for d in DIVISORS:
            want = _calls(torch, torch.from_numpy(arr.copy()), d)
            got = _calls(dl, dl.from_numpy(arr.copy()), d)
            for name in want:
                if name == "remainder(other=)" and d == -1:
                    continue    # (the general entry's kernel: int64 min // -1 is 0, not min)
                assert _outcome(got[name]) == _outcome(want[name]), (name, arr, d)


def test_the_front_takes_int64_by_int_and_hands_on_the_rest():
    taken = []

    def general(*args, **kw):
        taken.append((args, kw))
        return "general"
    front = _binary.int_division_front(general, np.remainder)
    x = dl.tensor([5, -5])
    assert front(x, 3).tolist() == [2, 1] and not taken
    assert front(x, -1).tolist() == [0, 0] and not taken
    for args, kw in [((x, 0), {}), ((x, 2.0), {}), ((x,), {"other": 3}),
                     ((dl.tensor([5, -5], dtype=dl.int32), 3), {}), ((x, dl.tensor(3)), {})]:
        assert front(*args, **kw) == "general"
    assert len(taken) == 5
    assert dl.Tensor.__mod__.__int_lane__ and dl.floor_divide.__int_lane__


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64"])
def test_the_overflowing_quotient_of_tensors_wraps_as_torch_s(dtype):
    """INT_MIN // -1 by a tensor divisor (the floor_divide kernel, not the lane): INT_MIN, as
    PyTorch and NumPy; Numba's // gave 0, and with it INT_MIN % -1 gave INT_MIN, not 0."""
    lo = int(np.iinfo(dtype).min)
    a, b = [lo, lo, 7, -7, lo + 1], [-1, 1, -1, 2, -1]
    for n in (1, 5000):         # (one element and a long loop)
        x, d = np.resize(np.array(a, dtype), n), np.resize(np.array(b, dtype), n)
        for op in ("floor_divide", "remainder"):
            got = getattr(dl, op)(dl.tensor(x), dl.tensor(d)).numpy()
            want = getattr(torch, op)(torch.tensor(x), torch.tensor(d)).numpy()
            np.testing.assert_array_equal(got, want)
        got = dl.div(dl.tensor(x), dl.tensor(d), rounding_mode="trunc").numpy()
        assert got[0] == lo and got.dtype == np.dtype(dtype)


def test_static_floordiv_of_int_min_by_minus_one_wraps():
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        q = tf.math.floordiv(tf.constant([I64.min, 7, -7], tf.int64),
                             tf.constant([-1, -2, 2], tf.int64))
        with tf.Session() as s:
            assert s.run(q).tolist() == [I64.min, -4, -4]


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_integer_fmod_at_the_dtype_s_extremes_is_torch_s(dtype):
    """C's fmod of integers (the sign of the dividend) made from the floor remainder: right at
    the dtype's minimum, where abs() overflowed (fmod(int16 -32768, 234) was -226, not -8)."""
    info = np.iinfo(dtype)
    if dtype == "uint8":
        a, b = np.array([0, 255, 7, 9, 1, 5]), np.array([3, 3, 2, 2, 7, 1])
    else:
        a = np.array([info.min, info.max, -7, 7, -7, 7, 0, -1, info.min + 1, 5])
        b = np.array([3, -3, 2, 2, -2, -2, 5, 7, -1, 1])
    a, b = a.astype(dtype), b.astype(dtype)
    for d in (b, 3, 2):
        dd, td = (dl.tensor(d), torch.tensor(d)) if isinstance(d, np.ndarray) else (d, d)
        got = dl.fmod(dl.tensor(a), dd)
        want = torch.fmod(torch.tensor(a), td)
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    got = dl.fmod(dl.tensor([-32768], dtype=dl.int16), dl.tensor([234], dtype=dl.uint8))
    assert got.tolist() == [-8] and got.dtype == dl.int16


def test_an_integer_power_of_minus_two_to_the_63_is_torch_s():
    """Numba's integer power negates the exponent: -2**63 raised OverflowError."""
    e = [-1, 3, -2 ** 63, 0, -2]
    for base in ([2, 2, 2, 2, 2], [1, -1, 0, -1, -1], [0, 0, 0, 5, 3]):
        got = dl.tensor(base) ** dl.tensor(e)
        want = torch.tensor(base) ** torch.tensor(e)
        assert got.tolist() == want.tolist()
    assert (2 ** dl.tensor(e)).tolist() == (2 ** torch.tensor(e)).tolist()
    assert (dl.tensor([0.5, -1.0]) ** dl.tensor([-2.0 ** 63] * 2, dtype=dl.float64)).tolist() \
        == [float("inf"), 1.0]


def test_integer_powers_past_numba_s_loop_wrap_as_torch_s():
    """Exponents above 65536 (Numba's integer ** went to floating point there: 2 ** 70000 was
    the dtype's minimum): NumPy's wrapping power, PyTorch's values."""
    a = [2, 3, -3, 5, -1, 1, 0, 7, 2 ** 63 - 1]
    e = [2 ** 62, 2 ** 62 + 1, 2 ** 40, 70000, 2 ** 63 - 1, 2 ** 50, 2 ** 50, 65537, 2 ** 40]
    calls = [lambda m: m.tensor(a) ** m.tensor(e), lambda m: 2 ** m.tensor(e),
             lambda m: m.tensor(a) ** 2 ** 40,
             lambda m: m.tensor([3, -1, 1, 2]) ** m.tensor([-2 ** 63 + 1, -3, -70000, 70000]),
             lambda m: m.tensor([3], dtype=m.int8) ** m.tensor([100000], dtype=m.int32),
             lambda m: m.tensor([[3], [5]], dtype=m.int32) ** m.tensor([70001, 2])]
    for f in calls:
        got, want = f(dl), f(torch)
        assert str(got.dtype) == str(want.dtype)
        assert got.tolist() == want.tolist()
