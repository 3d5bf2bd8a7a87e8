"""Smaller differences from torch 2.13 found by D8's sweep: var/std(x, bool) (the older
``unbiased`` positional, was taken as dim 0/1), binary ops on shapes that do not broadcast
(PyTorch's RuntimeError words), index_select of a 0-d tensor with several indices,
F.pairwise_distance(float32, int64)'s dtype, stride() of a new empty tensor."""

import pytest
import torch as T

import dlcore_eager as D


@pytest.mark.parametrize("form", ["var", "std", "mvar", "mstd", "var_mean", "std_mean"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_var_std_unbiased_positional(form, unbiased):
    def f(L):
        x = L.tensor([1.0, 2.0, 4.0, 8.0])
        r = getattr(x, form[1:])(unbiased) if form[0] == "m" else getattr(L, form)(x, unbiased)
        return r[0] if isinstance(r, tuple) else r
    t, d = f(T), f(D)
    assert tuple(d.shape) == tuple(t.shape) == ()
    assert d.item() == pytest.approx(t.item(), rel=1e-6)


@pytest.mark.parametrize("name", ["hypot", "atan2", "fmod", "maximum", "xlogy"])
def test_not_broadcastable_words(name):
    for a, b in (((3,), (4,)), ((2, 3), (4, 1, 2))):
        with pytest.raises(RuntimeError) as te:
            getattr(T, name)(T.ones(*a), T.ones(*b))
        with pytest.raises(RuntimeError) as de:
            getattr(D, name)(D.ones(*a), D.ones(*b))
        assert str(de.value) == str(te.value)


def test_index_select_of_a_0d_tensor():
    for L in (T, D):
        with pytest.raises(RuntimeError, match=r"index_select\(\): Index to scalar can have "
                                               r"only 1 value, got 2 value\(s\)"):
            L.tensor(3.0).index_select(0, L.tensor([0, 0]))
        assert L.tensor(3.0).index_select(0, L.tensor([0])).shape == ()


def test_pairwise_distance_dtype():
    for a, b in ((T.float32, T.int64), (T.int64, T.int64), (T.float64, T.int64)):
        t = T.nn.functional.pairwise_distance(T.ones(2, 3, dtype=a), T.zeros(2, 3, dtype=b))
        da, db = (getattr(D, str(x).split(".")[-1]) for x in (a, b))
        d = D.nn.functional.pairwise_distance(D.ones(2, 3, dtype=da), D.zeros(2, 3, dtype=db))
        assert str(d.dtype) == str(t.dtype)
        assert d.numpy() == pytest.approx(t.numpy(), rel=1e-6)


def test_empty_tensor_strides():
    for f in (lambda L: L.zeros(0, 3), lambda L: L.empty(2, 0, 3), lambda L: L.ones(0),
              lambda L: L.zeros(3, 4)[:, :0], lambda L: L.tensor([[1.0, 2.0]])[:0]):
        assert f(D).stride() == f(T).stride()
    assert D.zeros(0, 3).stride(0) == 3
