"""Dtype refusals raise what PyTorch raises: a RuntimeError (dlcore's DTypeError is a TypeError
for TensorFlow and a RuntimeError for PyTorch), in PyTorch's words for negating or subtracting
masks.  The static front end keeps TensorFlow's build-time TypeError."""

from __future__ import annotations

import pytest

import dlcore_eager as D
import dlcore_static as tf
from dlcore.errors import DTypeError

T = pytest.importorskip("torch")

NEG = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
       "invert a mask, use the `~` or `logical_not()` operator instead.")
SUB = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
       "`logical_xor()` operator instead.")
MASK = [True, False, True]


@pytest.mark.parametrize("call, message", [
    (lambda L, b: b.neg(), NEG), (lambda L, b: -b, NEG), (lambda L, b: L.neg(b), NEG),
    (lambda L, b: b - b, SUB), (lambda L, b: L.sub(b, b), SUB)])
def test_bool_negation_and_subtraction_as_torch(call, message):
    for lib in (T, D):
        with pytest.raises(RuntimeError) as info:
            call(lib, lib.tensor(MASK))
        assert str(info.value) == message, lib.__name__


@pytest.mark.parametrize("call", [lambda L, b: b.abs(), lambda L, b: b.argmax(),
                                  lambda L, b: L.nn.functional.relu(b),
                                  lambda L, b: L.matmul(b.view(3, 1), b.view(1, 3))])
def test_other_dtype_refusals_are_runtime_errors_too(call):
    with pytest.raises(RuntimeError):
        call(T, T.tensor(MASK))
    with pytest.raises(RuntimeError, match="(?i)bool"):
        call(D, D.tensor(MASK))


def test_dtype_error_stays_a_type_error_and_the_static_front_end_a_type_error():
    assert issubclass(DTypeError, TypeError) and issubclass(DTypeError, RuntimeError)
    with pytest.raises(TypeError, match=r"^Value passed to parameter 'x' has DataType bool not in "
                                        r"list of allowed values: "):
        with tf.Graph().as_default():
            tf.negative(tf.constant(MASK))
    x = D.tensor(MASK)
    b = D.tensor([1, 0, 1]).bool()
    assert (x ^ b).tolist() == [False, False, False]             # the way PyTorch points to


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "fix"])
def test_rounding_an_integer_tensor_returns_an_integer_copy_as_torch(name):
    # dlcore computed them in the default float dtype (torch.float32) like other float-only ops
    for dtype in ("int64", "int32", "uint8"):
        want = getattr(T, name)(T.tensor([1, 2, 7], dtype=getattr(T, dtype)))
        x = D.tensor([1, 2, 7], dtype=getattr(D, dtype))
        for got in (getattr(D, name)(x), getattr(x, name)()):
            assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()
            assert got is not x
    assert getattr(D, name)(D.tensor([1.5, -2.5])).tolist() == \
        getattr(T, name)(T.tensor([1.5, -2.5])).tolist()
    out = D.empty(3, dtype=D.int64)
    getattr(D, name)(D.tensor([4, 5, 6]), out=out)
    assert out.tolist() == [4, 5, 6]


# ------------------------------------------------ alpha, bool clamp, loss shapes (vs torch)
def _outcome(call, lib):
    """The result (dtype, values, warnings) or the error (type, message) of ``call``."""
    import warnings
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            v = call(lib)
        except Exception as e:                      # noqa: BLE001 - compared with torch's
            return (type(e).__name__ if type(e).__module__ == "builtins" else
                    next(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins"),
                    str(e))
    shown = [str(w.message) for w in seen if w.category is UserWarning]
    if v is None or isinstance(v, bool):
        return (v, shown)
    values = v.tolist()
    if v.dtype.is_floating_point:                   # (sums may differ in the last bit)
        values = [round(x, 5) for x in values] if isinstance(values, list) else round(values, 5)
    return (str(v.dtype).split(".")[-1], values, shown)


def _b(L):
    return L.tensor(MASK)


def _i(L):
    return L.tensor([1, 2, 3])


def _entered(ctx):
    """What ``with ctx as v`` binds (exited again: a bare ``__enter__()`` left grad mode off for
    every later test on the worker, 630 failures in a whole run)."""
    with ctx as value:
        return value


CALLS = [
    lambda L: _b(L).add(_b(L), alpha=2), lambda L: _b(L).add(_b(L), alpha=0),
    lambda L: _b(L).add_(_b(L), alpha=2), lambda L: _i(L).add(_i(L), alpha=1.5),
    lambda L: L.sub(_i(L), 1, alpha=0.5), lambda L: _i(L).add(_i(L), alpha=True),
    lambda L: _i(L).add(L.tensor([1.0, 2, 3]), alpha=1.5), lambda L: _i(L).add(_i(L), alpha=3),
    lambda L: L.tensor([1.0]).add(1.0, alpha=True),
    lambda L: _b(L).clamp_(0, 1), lambda L: _b(L).clip_(max=0.5), lambda L: _b(L).clamp(0, 1),
    lambda L: _b(L).clamp(False, True), lambda L: L.clamp(_b(L), min=True),
    lambda L: _b(L).clamp(max=False),
    lambda L: L.nn.functional.binary_cross_entropy(L.full((3,), 0.5), L.ones(3, 1)),
    lambda L: L.nn.functional.binary_cross_entropy(L.full((3,), 0.5), L.ones(4)),
    lambda L: L.nn.functional.l1_loss(L.ones(3), L.zeros(3, 1)),
    lambda L: L.nn.functional.smooth_l1_loss(L.ones(2, 3), L.zeros(3)),
    lambda L: L.nn.functional.huber_loss(L.ones(3), L.zeros(1, 3)),
    lambda L: L.nn.functional.kl_div(L.zeros(3), L.ones(3)),
    lambda L: L.nn.functional.kl_div(L.zeros(3), L.ones(3), reduction="batchmean"),
    lambda L: L.nn.functional.soft_margin_loss(L.ones(3), L.ones(3, 1)),
    lambda L: L.nn.functional.soft_margin_loss(L.ones(2, 3), L.ones(3), reduction="sum"),
    lambda L: _entered(L.no_grad()), lambda L: _entered(L.set_grad_enabled(True)),
    lambda L: L.nn.functional.mse_loss(L.ones(3), L.ones(4)),
    lambda L: L.nn.functional.kl_div(L.ones(3), L.ones(4), reduction="sum"),
    lambda L: L.nn.functional.poisson_nll_loss(L.ones(3), L.ones(4)),
]


@pytest.mark.parametrize("case", range(len(CALLS)))
def test_alpha_bool_clamp_and_loss_shapes_as_torch(case):
    """add/sub alpha (bool results in bool; a float alpha refused for integers: dlcore gave
    int64 3s and float32 results), bool clamp refusals (dlcore clamped in bool), BCE's size
    ValueError (dlcore broadcast (3,) with (3, 1)), the target-size and kl_div 'mean' warnings,
    soft_margin_loss's in-place broadcast error, grad-mode ``__enter__`` returning None."""
    assert _outcome(CALLS[case], D) == _outcome(CALLS[case], T)


_PRODUCT_DTYPES = ("float32", "float64", "int64", "float16")


@pytest.mark.parametrize("name, sa, sb", [("mm", (2, 3), (3, 2)), ("mv", (2, 3), (3,)),
                                          ("dot", (3,), (3,)), ("vdot", (3,), (3,))])
@pytest.mark.parametrize("da", _PRODUCT_DTYPES)
@pytest.mark.parametrize("db", _PRODUCT_DTYPES)
def test_matrix_and_vector_products_promote_nothing_as_torch(name, sa, sb, da, db):
    """torch.mm/mv/dot/vdot and their Tensor methods refuse two dtypes in PyTorch's words
    (mm and mv promoted, and torch.vdot promoted while Tensor.vdot refused, before)."""
    seen = {}
    for lib in (T, D):
        a, b = lib.ones(sa, dtype=getattr(lib, da)), lib.ones(sb, dtype=getattr(lib, db))
        out = []
        for f in (getattr(lib, name), getattr(lib.Tensor, name)):
            try:
                out.append(str(f(a, b).dtype))
            except RuntimeError as e:
                out.append(f"RuntimeError: {e}")
        seen[lib.__name__] = out
    assert seen["dlcore_eager"] == seen["torch"]
    assert (da == db) == ("RuntimeError" not in seen["torch"][0])
