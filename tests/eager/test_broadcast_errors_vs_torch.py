"""Operands that do not broadcast raise PyTorch's RuntimeError, worded as PyTorch words it,
from every op: binary operators, n-ary primitives (where), composites built on the core's ops
(cosine_similarity, pairwise_distance, lerp, addcmul/addcdiv), with the same sizes named in the
same order (ATen folds the operands' shapes left to right)."""

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = {
    "add": lambda T: T.ones(2, 3) + T.ones(3, 2),
    "mul": lambda T: T.mul(T.ones(4), T.ones(2, 3)),
    "where": lambda T: T.where(T.ones(64, 128) > 0, T.ones(64, 128), T.ones(128, 128)),
    "where cond": lambda T: T.where(T.ones(5) > 0, T.ones(2, 3), T.ones(2, 3)),
    "cosine_similarity": lambda T: T.nn.functional.cosine_similarity(T.ones(2, 3), T.ones(2, 4)),
    "pairwise_distance": lambda T: T.nn.functional.pairwise_distance(T.ones(2, 3), T.ones(2, 4)),
    "addcmul": lambda T: T.addcmul(T.ones(2, 3), T.ones(3, 2), T.ones(2, 3)),
    "addcdiv": lambda T: T.addcdiv(T.ones(2, 3), T.ones(2, 3), T.ones(4, 3)),
    "lerp scalar": lambda T: T.lerp(T.ones(2, 3), T.ones(4), 0.5),
    "lerp tensor": lambda T: T.lerp(T.ones(2, 3), T.ones(3), T.ones(5)),
    "maximum": lambda T: T.maximum(T.ones(3, 1, 2), T.ones(4, 3)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broadcast_error_as_torch(name):
    with pytest.raises(RuntimeError) as want:
        CASES[name](torch)
    with pytest.raises(RuntimeError) as got:
        CASES[name](dl)
    assert str(got.value) == str(want.value)
    assert str(got.value).startswith("The size of tensor a (")


def test_static_front_end_keeps_tensorflows_wording():
    import numpy as np

    import dlcore_static as tf
    with tf.Graph().as_default():
        a = tf.constant(np.ones((2, 3), np.float32))
        with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 2 and 3 for "
                           r"'Add' \(op: 'Add'\) with input shapes: \[2,3\], \[3,2\]"):
            tf.add(a, tf.constant(np.ones((3, 2), np.float32)))
