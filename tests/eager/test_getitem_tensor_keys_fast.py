"""Keys of the d2l nms through the getitem fast path (issue 19): ``x[:, None, :2]`` (a None in
a tuple of slices and ints), ``x[i, :]`` and ``x[i]`` (``i`` a 0-d integer tensor, read as an
int), ``x[idx, :]`` (an index tensor then one full slice, read as ``x[idx]``) and a MoE's
``x[idx, j]`` (read as ``x[:, j][idx]``).  Values, node names, params and gradients are the
general entry's (``_getitem_paths``); errors are PyTorch's."""

import numpy as np
import pytest

import dlcore_eager as T

from _getitem_paths import run, assert_as_general

I, IDX = "i", "idx"        # (made per run: tensors)
KEYS = [(slice(None), None, slice(None, 2)), (None,), (None, 1), (1, None), (None, None, 2),
        (slice(1, 3), None), (I, slice(None)), (I,), I, (slice(None), I), (I, None),
        (IDX, slice(None)), (IDX,), (IDX, slice(None), None), (IDX, 1), (IDX, -4),
        (IDX, 3, slice(1, 3))]


def _key(key):
    def one(k):
        return T.tensor(2) if k is I else T.tensor([2, 0, 2]) if k is IDX else k
    return tuple(one(k) for k in key) if type(key) is tuple else one(key)


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_the_general_paths_values_names_and_gradients(key):
    x, y = assert_as_general(key, _key)
    k = _key(key)
    want = x.detach().numpy()[tuple(np.asarray(e) if isinstance(e, T.Tensor) else e for e in k)
                              if type(k) is tuple else np.asarray(k)]
    np.testing.assert_array_equal(y.detach().numpy(), want)


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_values_and_names_are_torchs(key):
    torch = pytest.importorskip("torch")
    x = torch.arange(60.).reshape(3, 4, 5).requires_grad_()
    k = tuple(torch.tensor(2) if e is I else torch.tensor([2, 0, 2]) if e is IDX else e
              for e in (key if type(key) is tuple else (key,)))
    want = x[k if type(key) is tuple else k[0]]
    _, got = run(_key(key), False)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    assert got.grad_fn.name() == want.grad_fn.name()


def test_the_errors_are_torchs():
    torch = pytest.importorskip("torch")
    for key in [(None, 5), (1, None, 9), (None, None, None, 0, 0, 0, 0), (slice(None), 7)]:
        with pytest.raises(IndexError) as want:
            torch.zeros(2, 3)[key]
        with pytest.raises(IndexError) as got:
            T.zeros(2, 3)[key]
        assert str(got.value) == str(want.value).split("\n")[0], key
    for i in (5, -3):
        with pytest.raises(IndexError) as want:
            torch.zeros(2, 3)[torch.tensor(i), :]
        with pytest.raises(IndexError) as got:
            T.zeros(2, 3)[T.tensor(i), :]
        assert str(got.value) == str(want.value)
    for j in (3, -4):
        with pytest.raises(IndexError) as want:
            torch.zeros(2, 3)[torch.tensor([0, 1]), j]
        with pytest.raises(IndexError) as got:
            T.zeros(2, 3)[T.tensor([0, 1]), j]
        assert str(got.value) == str(want.value)
    with pytest.raises(IndexError) as want:
        torch.zeros(2, 3)[torch.tensor([0, 4]), :]
    with pytest.raises(IndexError) as got:
        T.zeros(2, 3)[T.tensor([0, 4]), :]
    assert str(got.value) == str(want.value)


def test_a_uint8_or_bool_0d_tensor_is_still_a_mask():
    x = T.arange(6.).reshape(2, 3)
    assert x[T.tensor(True)].shape == (1, 2, 3)
    assert x[T.tensor(False), :].shape == (0, 2, 3)
    with pytest.warns(UserWarning, match="uint8"):
        assert x[T.tensor(1, dtype=T.uint8)].shape == (1, 2, 3)
