"""``x[key]`` with Python bools (``x[True]``, ``x[False]``, ``x[None, True]``, ``x[0, True]``,
0-d bool tensors in a tuple), with advanced indices mixed with ints, slices and masks beyond
the leading-axes forms (``x[0, :, idx]``, ``x[idx, ..., idx]``, ``x[mask2d, idx]``), and the
errors of such keys, as PyTorch 2.13 reads them: shape, values, dtype, grad_fn name, gradient
(a weighted sum's), and errors by type and message (``_index_general``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

_A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
_S = slice(None)

# each key as a function of the library (its tensor constructor for index tensors)
KEYS = {
    "True": lambda T: True,
    "False": lambda T: False,
    "None, True": lambda T: (None, True),
    "True, None": lambda T: (True, None),
    "True, 0": lambda T: (True, 0),
    "0, True": lambda T: (0, True),
    "..., True": lambda T: (Ellipsis, True),
    "True, ...": lambda T: (True, Ellipsis),
    "True, True": lambda T: (True, True),
    "False, 1:": lambda T: (False, slice(1, None)),
    ":, True": lambda T: (_S, True),
    "True, idx": lambda T: (True, T.tensor([0, 1])),
    "t(True), 0": lambda T: (T.tensor(True), 0),
    "t(False), :": lambda T: (T.tensor(False), _S),
    "True, 1, 2": lambda T: (True, 1, 2),
    "True, ..., True": lambda T: (True, Ellipsis, True),
    "1, True, 2": lambda T: (1, True, 2),
    "..., None, True": lambda T: (Ellipsis, None, True),
    "True, :, True": lambda T: (True, _S, True),
    "True, mask": lambda T: (True, T.tensor([True, False])),
    "True x5": lambda T: (True,) * 5,
    "False, False, 1": lambda T: (False, False, 1),
    "True, idx2d, False": lambda T: (True, T.tensor([[0], [1]]), False),
    "int tensor, True": lambda T: (T.tensor(1), True),
    # advanced indices mixed beyond the leading-axes forms
    "0, :, idx": lambda T: (0, _S, T.tensor([1, 3])),
    ":, 1, idx2d": lambda T: (_S, 1, T.tensor([[0], [3]])),
    "idx, 1, idx": lambda T: (T.tensor([1, 0]), 1, T.tensor([0, 3])),
    "idx, :, idx": lambda T: (T.tensor([0, 1]), _S, T.tensor([1, 3])),
    ":, idx, idx": lambda T: (_S, T.tensor([0, 2]), T.tensor([1, 3])),
    "idx, ..., idx": lambda T: (T.tensor([1]), Ellipsis, T.tensor([2])),
    "None, idx, None, idx": lambda T: (None, T.tensor([0, 1]), None, T.tensor([1, 2])),
    "1:, idx, :2": lambda T: (slice(1, None), T.tensor([0, 2]), slice(None, 2)),
    "mask, idx": lambda T: (T.tensor([True, False]), T.tensor([0, 2])),
    "mask, :, idx": lambda T: (T.tensor([True, False]), _S, T.tensor([0, 2])),
    ":, mask, 1": lambda T: (_S, T.tensor([True, False, True]), 1),
    "0, mask, idx": lambda T: (0, T.tensor([True, False, True]), T.tensor([1, 2])),
    "mask2d, idx": lambda T: (T.tensor([[True, False, True], [False, True, True]]),
                              T.tensor([0, 1, 2, 3])),
    "mask2d, 1": lambda T: (T.tensor([[True, False, True], [False, True, True]]), 1),
    "lists": lambda T: ([0, 1], _S, [2, 3]),
    "range, 0, list": lambda T: (range(2), 0, [1, 1]),
}

ERRORS = {
    "True, 5": lambda T: (True, 5),
    "True, 0, 0, 0, 0": lambda T: (True, 0, 0, 0, 0),
    "True, idx out": lambda T: (True, T.tensor([5])),
    "False, idx": lambda T: (False, T.tensor([0, 1])),
    "idx, :, idx out": lambda T: (T.tensor([0, 1]), _S, T.tensor([1, 9])),
    "idx2d, idx": lambda T: (T.tensor([[0, 1], [1, 0]]), T.tensor([0, 1, 2])),
    "0, short mask": lambda T: (0, T.tensor([True, False])),
    "short mask": lambda T: T.tensor([True]),
    "mask too deep": lambda T: T.tensor([[[[True]]]]),
    "True, float": lambda T: (True, 1.5),
    "float": lambda T: 1.5,
    "0, float": lambda T: (0, 1.5),
    "numpy bool": lambda T: np.True_,
    "numpy bool, 0": lambda T: (np.True_, 0),
    "float index tensor": lambda T: (_S, T.tensor([0.5])),
    # basic keys: an int out of bounds names its position in the key (PyTorch's real_dim)
    "0, 5": lambda T: (0, 5),
    "None, 5": lambda T: (None, 5),
    "..., 9": lambda T: (Ellipsis, 9),
    ":, -4": lambda T: (_S, -4),
    "0, 0, 0, 0": lambda T: (0, 0, 0, 0),
}


def _pair():
    return (dl.from_numpy(_A.copy()).requires_grad_(True),
            torch.from_numpy(_A.copy()).requires_grad_(True))


@pytest.mark.parametrize("name", list(KEYS))
def test_read_is_torchs(name):
    xd, xt = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # (torch's note on list keys)
        yt = xt[KEYS[name](torch)]
    yd = xd[KEYS[name](dl)]
    assert tuple(yd.shape) == tuple(yt.shape)
    np.testing.assert_array_equal(yd.detach().numpy(), yt.detach().numpy())
    assert str(yd.dtype) == str(yt.dtype)
    assert yd.grad_fn.name() == type(yt.grad_fn).__name__ == "IndexBackward0"
    w = np.arange(yt.numel(), dtype=np.float32).reshape(tuple(yt.shape)) + 1
    (yd * dl.from_numpy(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())
    # a copy, not a view (PyTorch's index): a change to it leaves x alone
    assert not np.shares_memory(yd._buf, xd._buf)


@pytest.mark.parametrize("name", ["True", "None, True", "0, True", "True, 0"])
def test_bool_read_records_the_basic_view_as_next_function(name):
    xd, xt = _pair()
    yd, yt = xd[KEYS[name](dl)], xt[KEYS[name](torch)]
    nd = [n.name() for n, _ in yd.grad_fn.next_functions if n is not None]
    nt = [type(n).__name__ for n, _ in yt.grad_fn.next_functions if n is not None]
    assert nd == nt


def test_bool_read_without_grad_and_of_an_int_tensor():
    for a in (_A, _A.astype(np.int64)):
        xd, xt = dl.from_numpy(a.copy()), torch.from_numpy(a.copy())
        for key in (True, False, (None, True), (1, True, 0)):
            yd, yt = xd[key], xt[key]
            np.testing.assert_array_equal(yd.numpy(), yt.numpy())
            assert str(yd.dtype) == str(yt.dtype) and yd.grad_fn is None
            assert not yd.requires_grad
    xd = dl.from_numpy(_A.copy()).requires_grad_(True)
    with dl.no_grad():
        y = xd[True]
    assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_are_torchs(name):
    xd, xt = _pair()
    with pytest.raises(Exception) as et:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xt[ERRORS[name](torch)]
    with pytest.raises(Exception) as ed:
        xd[ERRORS[name](dl)]
    assert type(ed.value) is type(et.value), (ed.value, et.value)
    assert str(ed.value) == str(et.value).split("\n")[0]


SET_KEYS = {
    "True": lambda T: True,
    "False": lambda T: False,
    "None, True": lambda T: (None, True),
    "0, True": lambda T: (0, True),
    "True, 0": lambda T: (True, 0),
    ":, True": lambda T: (_S, True),
    "True, idx": lambda T: (True, T.tensor([0])),
    "False, 0": lambda T: (False, 0),
    "True, True": lambda T: (True, True),
    "..., True": lambda T: (Ellipsis, True),
    "True, :, idx": lambda T: (True, _S, T.tensor([1, 2])),
    "True, 5": lambda T: (True, 5),
    "t(True), 1": lambda T: (T.tensor(True), 1),
}
SET_VALUES = {
    "row": lambda T, v: v * 1,
    "number": lambda T, v: 5.0,
    "2x2": lambda T, v: T.ones(2, 2) * v.sum(),
    "3": lambda T, v: T.ones(3) * v.sum(),
}


def _set(T, key, value):
    """``y[key] = value`` on a tensor with a history, then a weighted sum's backward: what
    happened (grad_fn name, version, values, both gradients) or the error."""
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    v = T.arange(3.0).requires_grad_(True)
    try:
        y[key(T)] = value(T, v)
        (y * T.arange(6.0).reshape(2, 3)).sum().backward()
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e).split("\n")[0]
    name = type(y.grad_fn).__name__          # (the class, as PyTorch shows it: CopySlices)
    version = y._version
    return (name, version, y.detach().numpy().tolist(),
            None if x.grad is None else x.grad.numpy().tolist(),
            None if v.grad is None else v.grad.numpy().tolist())


@pytest.mark.parametrize("value", list(SET_VALUES))
@pytest.mark.parametrize("key", list(SET_KEYS))
def test_write_is_torchs(key, value):
    """PyTorch's writes: x[False] = v does nothing (no version, no node, no error), x[True] = v
    is x[None] = v (copy_ into the view: CopySlices, copy_'s expand error), a tuple holding a
    bool puts the bools' index into the basic indices' view."""
    assert _set(dl, SET_KEYS[key], SET_VALUES[value]) == \
        _set(torch, SET_KEYS[key], SET_VALUES[value])


@pytest.mark.parametrize("key", ["True", "(0, True)", "False", "0", "None", "slice(None)",
                                 "(slice(None), 0)", "Ellipsis", "slice(0, 5)", "slice(1, None)",
                                 "T.tensor([0])", "(0, T.tensor([0]))"])
def test_write_into_a_leaf_is_torchs(key):
    """A write into a leaf that requires grad: PyTorch's error names a view of it where the
    key's basic indices make one (an int, None, a bool, a slice short of the dimension)."""
    out = []
    for T in (torch, dl):
        x = T.ones(2, 3, requires_grad=True)
        try:
            x[eval(key, {"T": T})] = 1.0
            out.append("no error")
        except RuntimeError as e:
            out.append(str(e))
    assert out[0] == out[1]


@pytest.mark.parametrize("key", ["None", "0", "slice(None)", "(0, slice(None))"])
@pytest.mark.parametrize("shape", [(2, 2), (4,), (3, 3), (1, 2, 2), (1, 1, 3), (1, 1, 2, 2)])
def test_basic_write_of_a_value_that_does_not_expand_is_torchs(key, shape):
    out = []
    for T in (torch, dl):
        x = T.ones(2, 3)
        try:
            x[eval(key)] = T.ones(*shape)
            out.append(("no error", x.numpy().tolist()))
        except Exception as e:  # noqa: BLE001 - compared with torch's
            out.append((type(e).__name__, str(e).split("\n")[0]))
    assert out[0] == out[1]


WRITE_ERRORS = {
    "short mask": ("T.tensor([True])", "1.0"),
    "long mask": ("T.tensor([True, False, True])", "1.0"),
    "index out": ("T.tensor([5])", "1.0"),
    "second index out": ("(T.tensor([0]), T.tensor([9]))", "1.0"),
    "indices that do not broadcast": ("(T.tensor([0, 1]), T.tensor([0, 1, 2]))", "1.0"),
    "int out": ("(0, 5)", "1.0"),
    "int out after None": ("(None, 5)", "1.0"),
    "int out after ...": ("(Ellipsis, 9)", "1.0"),
    "too many": ("(0, 0, 0)", "1.0"),
    "float key": ("1.5", "1.0"),
    "mask, fitting values": ("T.tensor([True, False])", "T.ones(3)"),
    "2-d mask": ("T.tensor([[True, False, True], [True, True, True]])", "5.0"),
    "0-d mask": ("T.tensor(True)", "2.0"),
}


@pytest.mark.parametrize("name", list(WRITE_ERRORS))
def test_write_errors_and_masks_are_torchs(name):
    """Writes PyTorch refuses raise its error (a mask that does not fit was written whole
    before), and the ones it takes write what it writes."""
    key, value = WRITE_ERRORS[name]
    out = []
    for T in (torch, dl):
        x = T.zeros(2, 3)
        try:
            x[eval(key, {"T": T})] = eval(value, {"T": T})
            out.append(("no error", x.numpy().tolist()))
        except Exception as e:  # noqa: BLE001 - compared with torch's
            out.append((type(e).__name__, str(e).split("\n")[0]))
    assert out[0] == out[1]


def test_leading_index_out_of_bounds_read_names_its_dimension():
    xd, xt = dl.zeros(2, 3), torch.zeros(2, 3)
    with pytest.raises(IndexError) as ed:
        xd[dl.tensor([0]), dl.tensor([9])]
    with pytest.raises(IndexError) as et:
        xt[torch.tensor([0]), torch.tensor([9])]
    assert str(ed.value) == str(et.value)
