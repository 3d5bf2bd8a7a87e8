"""Index writes as torch 2.13 (rv-fid items 5 and 11, mend-fidpt): an int in the key selects
first (PyTorch's applySlicing), then the advanced indices index that view, so x[1, :, mask] = v
is x[1][:, mask] = v (NumPy's order moved the advanced dimensions first: a silent transpose);
a uint8 mask with a number value is refused (PyTorch's masked_fill_ path).  Each row run
through dlcore_eager and torch (tests/eager/torchdiff_harness.py)."""

import warnings

import pytest

from torchdiff_harness import run as _run

torch = pytest.importorskip("torch")


def _put(shape, key, value, grad=False):
    def f(t):
        x = t.zeros(*shape, requires_grad=grad)
        x = x.clone() if grad else x
        x[key(t)] = value(t)
        return x
    return f


def _arange(*shape):
    def v(t):
        n = 1
        for s in shape:
            n *= s
        return t.arange(float(n)).reshape(*shape)
    return v


def _u8(t):
    return t.tensor([1, 0, 1], dtype=t.uint8)


ROWS = [
    ("int_slice_mask", _put((2, 2, 2), lambda t: (1, slice(None), t.tensor([True, True])),
                            _arange(2, 2))),
    ("int_none_idx", _put((2, 2, 2), lambda t: (1, None, t.tensor([0, 1])), _arange(2, 2))),
    ("slice_int_idx", _put((2, 2, 2), lambda t: (slice(None), 1, t.tensor([0, 1])),
                           _arange(2, 2))),
    ("int_slice_idx_3x2", _put((2, 3, 4), lambda t: (1, slice(None), t.tensor([0, 2])),
                               _arange(3, 2))),
    ("int_slice_idx_2x3_refused", _put((2, 3, 4), lambda t: (1, slice(None), t.tensor([0, 2])),
                                       _arange(2, 3))),
    ("int_slice_idx_grad", _put((2, 3, 4), lambda t: (1, slice(None), t.tensor([0, 2])),
                                _arange(3, 2), grad=True)),
    ("idx_slice_int", _put((2, 3, 4), lambda t: (t.tensor([0, 1]), slice(None), 1),
                           lambda t: t.ones(2, 3))),
    ("idx_int_adjacent", _put((3, 4), lambda t: (t.tensor([0, 2]), 1),
                              lambda t: t.tensor([1., 2.]))),
    ("int_slice_idx_slice", _put((2, 3, 4, 2), lambda t: (0, slice(None), t.tensor([3, 1]),
                                                           slice(None)), _arange(3, 2, 2))),
    ("ellipsis_int_idx", _put((2, 3, 4), lambda t: (Ellipsis, 1, t.tensor([2, 0])),
                              _arange(2, 2))),
    ("int_mask_scalar", _put((2, 3), lambda t: (0, t.tensor([True, False, True])),
                             lambda t: 5.)),
    # a uint8 mask with a number (or 0-d) value: PyTorch's masked_fill_ refusal
    ("u8_int_number", _put((2, 3), lambda t: (0, _u8(t)), lambda t: 5)),
    ("u8_alone_number", _put((3,), _u8, lambda t: 5)),
    ("u8_int_0d", _put((2, 3), lambda t: (0, _u8(t)), lambda t: t.tensor(5.))),
    ("u8_slice_number", _put((2, 3), lambda t: (slice(None), _u8(t)), lambda t: 5)),
    ("u8_then_int_number", _put((3, 3), lambda t: (_u8(t), 0), lambda t: 5)),
    ("u8_int_tensor_value", _put((2, 3), lambda t: (0, _u8(t)), lambda t: t.tensor([5., 6.]))),
    ("u8_bad_shape_first", _put((2, 3), _u8, lambda t: 5)),
]


@pytest.mark.parametrize("rid,f", ROWS, ids=[r[0] for r in ROWS])
def test_same_as_torch(rid, f):
    import dlcore_eager as dl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _run(f, dl) == _run(f, torch)


def test_refused_u8_write_leaves_the_tensor_unchanged():
    import dlcore_eager as dl
    x = dl.arange(6.).reshape(2, 3)
    v = x._version
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="^masked_fill_ only supports boolean masks, but "
                           "got mask with dtype unsigned char$"):
            x[0, dl.tensor([1, 0, 1], dtype=dl.uint8)] = 5
    assert x.tolist() == [[0., 1., 2.], [3., 4., 5.]] and x._version == v


def test_select_first_write_gradients_as_torch():
    import dlcore_eager as dl
    grads = []
    for lib in (dl, torch):
        v = lib.arange(6., requires_grad=True)
        x = lib.zeros(2, 3, 4)
        x[1, :, lib.tensor([0, 2])] = v.reshape(3, 2) * 2
        (x * lib.arange(24.).reshape(2, 3, 4)).sum().backward()
        grads.append(v.grad.tolist())
    assert grads[0] == grads[1]
