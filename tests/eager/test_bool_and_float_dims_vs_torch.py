"""A bool or a float where PyTorch takes a size, a dim or a slice bound is PyTorch's TypeError
(Python takes True for 1: ``x.sum(dim=True)`` summed dim 1, ``x.view(True, 3)`` and
``zeros(True, 3)`` made a (1, 3) tensor, ``x[1.5:3]`` was ``x[1:3]``); NumPy integers and
bools as slice bounds stay accepted, as PyTorch accepts them."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D
import dlcore_static as tf

T = pytest.importorskip("torch")

CALLS = {
    "zeros(True, 3)": lambda L, a: L.zeros(True, 3),
    "zeros((True, 3))": lambda L, a: L.zeros((True, 3)),
    "reshape((True, 3))": lambda L, a: a.reshape((True, 3)),
    "view((True, 3))": lambda L, a: a.view((True, 3)),
    "view(True, 3)": lambda L, a: a.view(True, 3),
    "expand(True, 3)": lambda L, a: a.expand(True, 3),
    "repeat(True, 2)": lambda L, a: a.repeat(True, 2),
    "sum(dim=True)": lambda L, a: a.sum(dim=True),
    "unsqueeze(True)": lambda L, a: a.unsqueeze(True),
    "unsqueeze(0.0)": lambda L, a: a.unsqueeze(0.0),
    "flip(True)": lambda L, a: a.flip(True),
    "cat(dim=True)": lambda L, a: L.cat([a, a], True),
    "cat(dim=1.0)": lambda L, a: L.cat([a, a], dim=1.0),
    "a[1.0:3]": lambda L, a: a[1.0:3],
    "a[0:2.5]": lambda L, a: a[0:2.5],
    "narrow(True, 0, 1)": lambda L, a: a.narrow(True, 0, 1),
}

ACCEPTED = {
    "ones(np.int64(2))": lambda L, a: L.ones(np.int64(2)),
    "reshape(np.int64(3))": lambda L, a: a.reshape(np.int64(3)),
    "a[True:3]": lambda L, a: a[True:3],
    "a[np.int64(1):]": lambda L, a: a[np.int64(1):],
    "sum(dim=np.int64(0))": lambda L, a: a.sum(dim=np.int64(0)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_refused_as_torch_does(name):
    for L in (T, D):
        with pytest.raises(TypeError):
            CALLS[name](L, L.ones(3))


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_integers_and_bool_slice_bounds_still_work(name):
    want = ACCEPTED[name](T, T.arange(3.0))
    got = ACCEPTED[name](D, D.arange(3.0))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_static_slices_take_ints_and_refuse_floats():
    x = tf.constant(np.arange(6.0))
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x[np.int64(1):4]), [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="slice indices must be integers"):
        x[1.5:3]


@pytest.mark.parametrize("call", [lambda L, b: b ** b, lambda L, b: L.pow(b, b),
                                  lambda L, b: b.pow_(b), lambda L, b: b ** 2,
                                  lambda L, b: 2 ** b, lambda L, b: b ** True])
def test_pow_of_two_masks_is_refused_and_a_mask_to_a_number_computed_as_torch(call):
    out = []
    for L in (T, D):
        try:
            r = call(L, L.tensor([True, False]))
            out.append((str(r.dtype), r.tolist()))
        except NotImplementedError as e:
            out.append(("NotImplementedError", str(e)))
    assert out[0] == out[1]
