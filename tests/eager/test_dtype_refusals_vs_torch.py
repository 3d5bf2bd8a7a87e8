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
    with pytest.raises(RuntimeError, match="bool"):
        call(D, D.tensor(MASK))


def test_dtype_error_stays_a_type_error_and_the_static_front_end_a_type_error():
    assert issubclass(DTypeError, TypeError) and issubclass(DTypeError, RuntimeError)
    with pytest.raises(TypeError, match=r"Negation, the `-` operator.*'Neg'"):
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
