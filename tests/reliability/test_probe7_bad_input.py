"""Reliability probe 7, bad input (helper-R7): misuse of the entries added or sped up since the
last probe (eager fast paths for x[...], cat, stack, F.linear; the static TensorArray written in
a compiled while_loop).  Each case raises what PyTorch 2.13 / TensorFlow 1 raise, with their
words, on the first call and on a later one (the fast paths' rule caches filled; the Session's
plan interpreted on its first run and compiled from its second), and changes nothing.

Found by this probe (each was a crash with an internal message or a silently wrong result):
``x[1, 0]`` of a 1-d tensor leaked the shape rule's 'tuple index out of range'; ``x[::-1]``
reversed where PyTorch refuses a step below 1; ``torch.cat`` of 0-d tensors returned one;
``torch.stack([t, 3])`` leaked an AttributeError; ``F.linear`` of float32 input and float64
weight (or bias) promoted silently; a fixed-size TensorArray written at a tensor index past its
end dropped the write silently (TensorFlow raises); ``Multinomial(-1, probs)`` was accepted
(PyTorch's inner Binomial refuses it); distributions of parameters that do not broadcast, and
``expand`` to a shape that does not fit, raised NumPy's ValueError instead of PyTorch's
RuntimeError; ``tf.dynamic_partition`` dropped an element whose partition was outside
``[0, num_partitions)`` (TensorFlow raises); a float size was truncated by ``int()``
(``reshape(2.7, 3)`` a (2, 3) view, ``zeros(2.5)`` two elements, ``expand(2, 2.5)``), where
PyTorch's argument parser raises TypeError.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf

torch = pytest.importorskip("torch")

CASES = {
    "too_many_indices": lambda T: T.zeros(3)[1, 0],
    "negative_step": lambda T: T.arange(3.0)[::-1],
    "zero_step_in_tuple": lambda T: T.zeros(2, 3)[:, ::0],
    "cat_0d": lambda T: T.cat([T.tensor(1.0), T.tensor(2.0)]),
    "cat_0d_second": lambda T: T.cat([T.zeros(1), T.tensor(1.0)]),
    "cat_not_tensor": lambda T: T.cat([T.zeros(1), 3]),
    "cat_empty": lambda T: T.cat([]),
    "stack_not_tensor": lambda T: T.stack([T.zeros(2), 3]),
    "stack_sizes": lambda T: T.stack([T.zeros(2), T.zeros(2), T.zeros(3)]),
    "linear_weight_dtype": lambda T: T.nn.functional.linear(T.zeros(2, 3),
                                                            T.zeros(4, 3, dtype=T.float64)),
    "linear_1d_weight_dtype": lambda T: T.nn.functional.linear(T.zeros(3),
                                                               T.zeros(4, 3, dtype=T.float64)),
    "linear_bias_dtype": lambda T: T.nn.functional.linear(T.zeros(2, 3), T.zeros(4, 3),
                                                          T.zeros(4, dtype=T.float64)),
}


def _outcome(lib, fn):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - the outcome is compared
        return type(e), str(e).split("\n")[0]
    return None, None


@pytest.mark.parametrize("case", sorted(CASES))
def test_eager_refuses_as_pytorch_on_first_and_later_calls(case):
    want_type, want_msg = _outcome(torch, CASES[case])
    assert want_type is not None
    for _ in range(2):              # the second call finds the rule caches filled
        with pytest.raises(want_type) as got:
            CASES[case](dl)
        assert str(got.value).split("\n")[0].endswith(want_msg) or \
            want_msg in str(got.value), (str(got.value), want_msg)


def test_valid_neighbours_still_work_as_pytorch():
    for T in (dl, torch):
        x = T.arange(6.0).reshape(2, 3)
        assert x[1, 2].item() == 5.0 and x[:, ::2].tolist() == [[0.0, 2.0], [3.0, 5.0]]
        assert T.cat([T.zeros(1), T.ones(2)]).tolist() == [0.0, 1.0, 1.0]
        assert T.stack([T.zeros(2), T.ones(2)]).shape == (2, 2)
        y = T.nn.functional.linear(T.ones(2, 3, dtype=T.float64), T.ones(4, 3, dtype=T.float64),
                                   T.ones(4, dtype=T.float64))
        assert y.dtype == T.float64 and y.tolist() == [[4.0] * 4] * 2


def _ta_graph(dynamic_size):
    n = tf.placeholder(tf.int32, ())
    size = tf.placeholder(tf.int32, ()) if dynamic_size == "run-time size" else 3
    v = tf.Variable(0.0)
    ta = tf.TensorArray(tf.float32, size=size, element_shape=())
    _, ta = tf.while_loop(lambda i, t: i < n,
                          lambda i, t: (i + 1, t.write(i, tf.cast(i, tf.float32) + 1.0)),
                          [tf.constant(0), ta])
    up = tf.assign_add(v, ta.read(1) + tf.reduce_sum(ta.stack()))
    feed = {} if size == 3 else {size: 3}
    return v, up, n, feed


@pytest.mark.parametrize("size", ["known size", "run-time size"])
@pytest.mark.parametrize("passes", [None, "all"])
def test_tensor_array_write_past_its_end_raises_in_every_tier(size, passes):
    """TF1: 'Tried to write to index 3 but array is not resizeable and size is: 3' (the write
    was dropped: the loop 'succeeded' with the last element lost)."""
    v, up, n, feed = _ta_graph(size)
    with tf.Session(passes=passes) as sess:
        sess.run(v.initializer)
        for k in range(3):          # the plan's 1st run interpreted, then compiled
            if k:
                sess.run(up, {n: 3, **feed})
            before = sess.run(v)
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"Tried to write to index 3 but array is not resizeable "
                                     r"and size is: 3(.|\n)*CheckWriteIndex \(defined at "
                                     r"test_probe7_bad_input.py:\d+"):
                sess.run(up, {n: 4, **feed})
            assert sess.run(v) == before
        assert sess.run(up, {n: 3, **feed}) == before + 2.0 + 6.0


def test_tensor_array_write_at_a_python_int_past_its_end_is_refused_when_built():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(ValueError, match="Tried to write to index 2 but array is not "
                                         "resizeable and size is: 2"):
        ta.write(2, 1.0)
    np.testing.assert_equal(tf.Session().run(ta.write(1, 5.0).stack()), [0.0, 5.0])


DISTRIBUTION_CASES = {
    "multinomial_negative_count": lambda T: T.distributions.Multinomial(-1, T.tensor([0.5, 0.5])),
    "normal_params_do_not_broadcast": lambda T: T.distributions.Normal(T.zeros(2), T.ones(3)),
    "laplace_params_do_not_broadcast": lambda T: T.distributions.Laplace(T.zeros(4, 2),
                                                                         T.ones(3)),
    "expand_to_a_shape_that_does_not_fit": lambda T: T.distributions.Normal(
        T.zeros(2), 1.0).expand((3,)),
}


@pytest.mark.parametrize("case", sorted(DISTRIBUTION_CASES))
def test_distributions_refuse_as_pytorch(case):
    validate = torch.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(True)
    try:
        want_type, want_msg = _outcome(torch, DISTRIBUTION_CASES[case])
    finally:
        torch.distributions.Distribution.set_default_validate_args(validate)
    assert want_type is not None
    with pytest.raises(want_type) as got:
        DISTRIBUTION_CASES[case](dl)
    assert str(got.value).split("\n")[0] == want_msg


@pytest.mark.parametrize("passes", [None, "all"])
def test_dynamic_partition_refuses_a_partition_out_of_range_in_every_tier(passes):
    x = tf.placeholder(tf.float32, (3,))
    p = tf.placeholder(tf.int32, (3,))
    v = tf.Variable(0.0)
    up = tf.assign_add(v, tf.reduce_sum(tf.dynamic_partition(x, p, 2)[1]))
    ones = np.ones(3, np.float32)
    with tf.Session(passes=passes) as sess:
        sess.run(v.initializer)
        for k in range(3):             # interpreted, then compiled
            if k:
                sess.run(up, {x: ones, p: [0, 1, 1]})
            before = sess.run(v)
            for bad in ([0, 2, 1], [-1, 1, 1]):
                with pytest.raises(tf.errors.InvalidArgumentError,
                                   match=rf"partitions\[{1 if bad[1] == 2 else 0}\] = "
                                         rf"{bad[1] if bad[1] == 2 else -1} is not in \[0, 2\)"):
                    sess.run(up, {x: ones, p: bad})
            assert sess.run(v) == before


@pytest.mark.parametrize("make", [
    lambda T: T.arange(6.0).reshape(2.7, 3), lambda T: T.arange(6.0).reshape((2.0, 3)),
    lambda T: T.arange(6.0).view(1.5, 4), lambda T: T.zeros(2, 1).expand(2, 2.5),
    lambda T: T.ones(2, 1.5), lambda T: T.randn(2.0, 3), lambda T: T.zeros(np.float64(2)),
    lambda T: T.arange(6.0).reshape(2, 3).permute(1.0, 0),
], ids=["reshape", "reshape_tuple", "view", "expand", "ones", "randn", "zeros_np_float",
        "permute"])
def test_float_sizes_are_refused_as_pytorch(make):
    with pytest.raises(TypeError) as want:
        make(torch)
    with pytest.raises(TypeError) as got:
        make(dl)
    # PyTorch's own text where dlcore words it as PyTorch's argument parser does (view, ones),
    # else dlcore's statement of the same refusal
    assert str(got.value) == str(want.value) or \
        re.search(r"must be tuple of ints", str(got.value)), str(got.value)


def test_integer_sizes_of_every_kind_still_work():
    for T in (dl, torch):
        x = T.arange(6.0)
        assert x.view(np.int64(2), 3).shape == (2, 3)
        assert x.reshape(T.tensor(3), 2).shape == (3, 2)
        assert T.zeros(np.int32(2), 1).shape == (2, 1) and T.ones(T.Size([1, 2])).shape == (1, 2)
