"""Dtype refusals that PyTorch 2.13 raises as NotImplementedError (its CPU kernel has no such
dtype: ``"bitwise_and_cpu" not implemented for 'Float'``) are NotImplementedError in dlcore too,
(an op rule's refusal raises ``dlcore.errors.DTypeNotImplemented``), and still TypeError/RuntimeError/DTypeError as before; PyTorch's own
words for a RuntimeError (``Negation, the `-` operator, on a bool tensor``) stay plain."""

import pytest
import torch as T

import dlcore_eager as D
from dlcore.errors import DTypeError, DTypeNotImplemented

CASES = {
    "bitwise_and float": lambda L: L.bitwise_and(L.tensor([1.5]), L.tensor([2.5])),
    "invert float (method)": lambda L: L.tensor([1.5]).bitwise_not(),
    "or float": lambda L: L.tensor([1.5]) | 2,
    "lshift float": lambda L: L.tensor([1.5]) << L.tensor([1.5]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_dtype_refusal_is_not_implemented_error(name):
    f = CASES[name]
    with pytest.raises(NotImplementedError):
        f(T)
    with pytest.raises(NotImplementedError) as e:
        f(D)
    assert isinstance(e.value, (TypeError, RuntimeError, DTypeError))


def test_error_class_hierarchy():
    import numpy as np

    from dlcore.ops._rules import require_numeric
    from dlcore.registry import AVal
    with pytest.raises(DTypeNotImplemented) as raised:     # an op's rule refusing a dtype
        require_numeric("abs", AVal((), np.dtype(bool)))
    e = raised.value
    assert type(e) is DTypeNotImplemented and e.op == "abs"
    assert isinstance(e, (TypeError, NotImplementedError, RuntimeError))
    assert str(e) == "does not accept bool inputs for 'abs' (input dtypes: bool)"
    exact = DTypeError("neg", "Negation, the `-` operator, on a bool tensor", exact=True)
    assert type(exact) is DTypeError and not isinstance(exact, NotImplementedError)


def test_torch_runtime_error_words_stay_runtime_error():
    for L in (T, D):
        with pytest.raises(RuntimeError) as e:
            -L.tensor([True])
        assert not isinstance(e.value, NotImplementedError)
        assert "Negation, the `-` operator, on a bool tensor" in str(e.value)


def test_static_build_time_error_is_tensorflow_type_error():
    import dlcore_static as tf
    with tf.Graph().as_default(), pytest.raises(TypeError) as e:
        tf.math.sqrt(tf.constant([1]))
    assert not isinstance(e.value, NotImplementedError)
