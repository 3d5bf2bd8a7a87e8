"""The factories' quick entries (``dlcore_eager._factory_lane``: zeros, ones, empty, full,
full_like, linspace, tensor): every call form gives PyTorch 2.13's dtype, shape, values,
requires_grad and errors, whether the quick entry takes it (int sizes, one tuple, torch.Size,
a dtype, an int/bool/float fill) or hands it on (size=, device=, requires_grad=, a list,
negative or float sizes, float32 overflow, a default dtype of float64)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _factory_lane

torch = pytest.importorskip("torch")

SIZED = ["f(2, 3)", "f((2, 3))", "f(())", "f(0)", "f(4)", "f((0, 2))", "f(2, 3, dtype=m.long)",
         "f((2,), dtype=m.bool)", "f(3, dtype=m.float64)", "f(m.ones(2, 5).shape)",
         "f([2, 3])", "f(size=(2, 3))", "f(2, 3, requires_grad=True)", "f(-1)", "f(2.0)",
         "f((2, -3))", "f(2, dtype=m.int32, requires_grad=False)", "f(True)", "f()",
         "f(2, dtype='float32')", "f(2, 3, device='cpu')"]
RANDOM = ["m.rand()", "m.randn()", "m.rand(size=(2,)).shape", "m.randn(2, 3).shape",
          "m.rand_like(m.zeros(2)).shape"]
FULL = ["m.full((2, 3), -1)", "m.full((2,), 7, dtype=m.long)", "m.full((2,), True)",
        "m.full((), 5)", "m.full((2,), 0.5)", "m.full((2,), float('nan'))",
        "m.full((2,), float('-inf'))", "m.full((2,), 1e300)", "m.full((2,), 2 ** 63)",
        "m.full((2,), -1, dtype=m.float32)", "m.full((2,), False, dtype=m.bool)",
        "m.full(3, 1)", "m.full([2], 1)", "m.full((2,), 1, requires_grad=True)",
        "m.full((2,), 1.5, dtype=m.int64)", "m.full((-1,), 3)", "m.full((2,), 3j)",
        "m.full(size=(2,), fill_value=3)", "m.full((2,), 3, device='cpu')"]


def _outcome(m, expr, f=None):
    try:
        r = eval(expr, {"m": m, "f": f})                    # noqa: S307
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return type(e).__name__
    values = repr(r.tolist()) if expr.startswith("m.full") or "empty" not in repr(f) else ""
    return str(r.dtype).split(".")[-1], tuple(r.shape), r.requires_grad, values


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("expr", SIZED)
def test_sized_factories_are_torch_s(name, expr):
    got = _outcome(dl, expr, getattr(dl, name))
    want = _outcome(torch, expr, getattr(torch, name))
    assert got[:3] == want[:3]
    if name != "empty":
        assert got == want


@pytest.mark.parametrize("expr", FULL)
def test_full_is_torch_s(expr):
    assert _outcome(dl, expr) == _outcome(torch, expr)


@pytest.mark.parametrize("expr", RANDOM)
def test_rand_without_a_size_is_refused_as_torch(expr):
    def outcome(m):
        try:
            return tuple(eval(expr, {"m": m}))                # noqa: S307
        except TypeError as e:
            return str(e).split(" - ")[0]
    assert outcome(dl) == outcome(torch)


def test_default_dtype_float64_is_followed():
    before = dl.get_default_dtype()
    try:
        dl.set_default_dtype(dl.float64)
        assert dl.zeros(2).dtype == dl.float64 and dl.full((2,), 0.5).dtype == dl.float64
        assert dl.full((1,), 1e300).item() == 1e300
    finally:
        dl.set_default_dtype(before)
    assert dl.zeros(2).dtype == dl.float32


LIKE = ["m.zeros(2, 3)", "m.zeros(2, dtype=m.float64)", "m.zeros(2, dtype=m.long)",
        "m.zeros(2, dtype=m.uint8)", "m.zeros(2, 3).t()", "m.zeros(2, requires_grad=True)",
        "m.zeros(())", "m.zeros(2, dtype=m.bool)", "m.zeros(2, dtype=m.float16)"]
FILLS = [2.0, 3, -1, 1e39, float("nan"), float("inf"), 300, 2.7, True, 10 ** 20]


@pytest.mark.parametrize("like", LIKE)
def test_full_like_is_torch_s(like):
    for v in FILLS:
        expr = f"m.full_like({like}, {v!r})".replace("nan", "float('nan')").replace(
            "inf", "float('inf')")
        got, want = _outcome(dl, expr), _outcome(torch, expr)
        assert got == want, expr
        if not isinstance(want, str):
            assert eval(expr, {"m": dl}).stride() == eval(expr, {"m": torch}).stride()  # noqa: S307


def test_the_quick_entries_take_the_common_calls_and_hand_on_the_rest():
    calls = []

    def general(*args, **kw):
        calls.append((args, kw))
        return "general"
    zeros = _factory_lane.sized(np.zeros, general)
    assert zeros(2, 3).shape == (2, 3) and zeros((4,), dtype=dl.long).dtype == dl.long
    assert not calls
    with pytest.raises(TypeError, match='general\\(\\) missing 1 required positional'):
        zeros()
    for args, kw in [(([2],), {}), ((2,), {"device": "cpu"}), ((-1,), {}),
                     ((2,), {"dtype": np.float32}), ((2,), {"requires_grad": True})]:
        assert zeros(*args, **kw) == "general"
    assert len(calls) == 5
    full = _factory_lane.full(general)
    assert full((2,), 3).tolist() == [3, 3] and len(calls) == 5
    assert full((2,), 3.0, dtype=dl.float64) == "general"
    assert full((2,), 1e300) == "general" and len(calls) == 7
    assert dl.zeros.__factory_lane__ and dl.full.__factory_lane__
    like = _factory_lane.full_like(general)
    assert like(dl.zeros(2), 1.5).tolist() == [1.5, 1.5] and len(calls) == 7
    for args in [(dl.zeros(2), 1e39), (dl.zeros(2, dtype=dl.uint8), 1), (dl.zeros(2), 2 ** 64),
                 (dl.zeros(2, 2).t(), 1.0), (dl.zeros(2), True)]:
        assert like(*args) == "general"
    assert like(dl.zeros(2), 1, dtype=dl.long) == "general" and len(calls) == 13


ARANGES = [(5,), (0,), (2, 10), (10, 2), (10, 2, -3), (-5, 5, 2), (2, 2), (0, 10, 3),
           (3, 0, 1), (1, 5, 0), (2 ** 24 + 5,), (2 ** 24 - 3, 2 ** 24 + 2), (True,), (2.5,),
           (0, 1, 0.25), (-(2 ** 40), -(2 ** 40) + 3)]


@pytest.mark.parametrize("args", ARANGES)
def test_arange_is_torch_s(args):
    """(arange's quick path: ints below 2^24 in magnitude, the bounds consistent with the
    step; everything else the general path)"""
    def outcome(m, dt):
        try:
            r = m.arange(*args, dtype=dt)
        except Exception as e:  # noqa: BLE001 - the error is the outcome compared
            return type(e).__name__, str(e)
        return str(r.dtype).split(".")[-1], r.shape[0], repr(r[:4].tolist()), \
            repr(r[-2:].tolist())
    for name in (None, "float32", "int32", "float64", "int16", "int64"):
        assert outcome(dl, name and getattr(dl, name)) == \
            outcome(torch, name and getattr(torch, name)), name


TENSOR_DATA = [[1.0, 2.0, 3.0], [1, 2, 3], [True, False], 5.0, 3, True, [[1., 2.], [3., 4.]],
               [], [[]], [1, 2.5], [1.0, 2], [True, 2], [2 ** 63], [2 ** 63, 1], [-2 ** 63],
               [2 ** 70], [[1, 2], [3]], [1.0, np.float32(2)], [np.float32(1), 2.0], [1 + 2j],
               1 + 2j, [float("nan"), float("inf")], [1e300], [[1], [2.5]], [[True], [1]],
               (1.0, 2.0), [(1.0, 2.0)], ["a"], [[1.0], 2.0]]


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_tensor_of_python_data_is_torch_s(default):
    """(the quick entry: Python numbers and lists of them whose NumPy array has the first
    number's dtype; the rest the general entry)"""
    import warnings

    def outcome(m, data):
        make = getattr(m, "tensor", m)              # (m: a legacy constructor)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")          # (no NumPy overflow warning)
                t = make(data)
        except Exception as e:  # noqa: BLE001 - the error is the outcome compared
            return type(e).__name__
        uninitialised = make is m and type(data) is int        # (a size)
        return str(t.dtype).split(".")[-1], tuple(t.shape), \
            None if uninitialised else repr(t.tolist())
    results = []
    for m in (dl, torch):
        before = m.get_default_dtype()
        m.set_default_dtype(getattr(m, default))
        try:
            results.append([outcome(m, d) for d in TENSOR_DATA])
            for ctor in ("Tensor", "FloatTensor", "DoubleTensor", "LongTensor"):
                # (not compared: PyTorch's parser refuses a NumPy float scalar in a list read
                # into an integer type, a Python float it truncates)
                results[-1] += [outcome(getattr(m, ctor), d) if ctor != "LongTensor" or
                                "float32" not in repr(d) else None for d in TENSOR_DATA]
        finally:
            m.set_default_dtype(before)
    for i, (got, want) in enumerate(zip(*results)):
        assert got == want, (i // len(TENSOR_DATA), TENSOR_DATA[i % len(TENSOR_DATA)])


@pytest.mark.parametrize("name", ["new_zeros", "new_ones", "new_empty"])
def test_new_factories_are_torch_s(name):
    """(their quick path: int sizes or one tuple, the tensor's own dtype and CPU device)"""
    def outcome(m):
        out = []
        x = m.ones(2, 3, dtype=m.float64)
        for args, kw in [((2,), {}), ((2, 3), {}), (((4,),), {}), ((m.ones(2, 5).shape,), {}),
                         ((), {}), (((),), {}), ((-1,), {}), (([2, 3],), {}),
                         ((2,), {"dtype": m.int64}), ((2,), {"requires_grad": True}),
                         ((), {"size": (2,)}), ((2.0,), {})]:
            try:
                t = getattr(x, name)(*args, **kw)
            except Exception as e:  # noqa: BLE001 - the error is the outcome compared
                out.append(type(e).__name__)
                continue
            out.append((str(t.dtype).split(".")[-1], tuple(t.shape), t.requires_grad,
                        t.tolist() if name != "new_empty" else None, type(t).__name__))
        return out
    assert outcome(dl) == outcome(torch)


def test_linspace_is_torch_s_bit_for_bit():
    rng = np.random.default_rng(0)
    cases = [(0, 1, 10), (0, 1, 2), (-1.5, 2.5, 7), (1e-3, 1e3, 1000), (5, 5, 3), (3, -7, 11),
             (1e38, -1e38, 5), (0, 1, 1), (0, 1, 0), (0, 3.4e38, 4), (-0.0, 0.0, 3),
             (0, float("inf"), 3)]
    cases += [(float(a), float(b), int(n)) for a, b, n in
              zip(rng.uniform(-1e4, 1e4, 60), rng.uniform(-1e4, 1e4, 60),
                  rng.integers(2, 3000, 60))]
    for args in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # (an infinite bound: NaNs, silently)
            got = dl.linspace(*args).numpy()
        want = torch.linspace(*args).numpy()
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32), str(args))
    for args in [(0, 1e39, 3), (0, 1, 2.0), (0, 1, -1)]:
        with pytest.raises(Exception) as e:
            dl.linspace(*args)
        with pytest.raises(type(e.value)):
            torch.linspace(*args)

