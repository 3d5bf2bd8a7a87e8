"""A basic-index write that nothing records goes straight into the tensor's memory
(``_indexing._write_in_place``, issue 19: ``base[i, 0, r:r + 4] += 1.0`` in the "Learn the
Basics" tutorial's dataset built a new tensor and copied it back per write, 41 us each): the
general path's values and version, and PyTorch's; a write that needs a node or a conversion,
or that NumPy refuses, goes the general way with its words."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore_eager import _indexing


def _writes(L):
    x = L.arange(24, dtype=L.float32).reshape(2, 3, 4)
    x[0, 1, 1:3] += 1.0                     # (getitem, iadd on the view, setitem back)
    x[1] = 7.5
    x[:, 2] = L.tensor([1.0, 2.0, 3.0, 4.0])          # (broadcast over the first axis)
    x[..., 0] = x[..., 3]
    x[0, 0, 0] = 3
    return x


def test_the_general_paths_values_and_versions(monkeypatch):
    calls: list = []
    real = _indexing._write_in_place
    monkeypatch.setattr(_indexing, "_write_in_place", lambda *a: calls.append(1) or real(*a))
    got = _writes(T)
    assert len(calls) == 5 and got._version == 6       # (the iadd on the view, then writes)
    monkeypatch.setattr(_indexing, "_write_in_place", lambda *a: False)
    want = _writes(T)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got._version == want._version
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(got.numpy(), _writes(torch).numpy())


def test_a_view_sees_the_write_and_shares_the_version():
    x = T.zeros(3, 4)
    row = x[1]
    v0 = row._version
    x[1, 2] = 5.0
    assert row.numpy()[2] == 5.0 and row._version == v0 + 1


def test_what_it_leaves_to_the_general_path():
    h = T.zeros(2, 3, requires_grad=True) * 1
    v = T.ones(3, requires_grad=True)
    assert not _indexing._write_in_place(h, 0, v)
    h[0] = v                                            # recorded: PyTorch's CopySlices
    assert h.grad_fn.name() == "torch::autograd::CopySlices"       # (PyTorch's C++ name)
    assert type(h.grad_fn).__name__ == "CopySlices"
    h.sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [1.0, 1.0, 1.0])
    half = T.zeros(3, dtype=T.float16)
    assert not _indexing._write_in_place(half, 0, 0.1)   # (a number's float16 conversion)
    half[0] = 0.1
    assert half[0].item() == np.float16(0.1)
    i = T.zeros(3, dtype=T.int64)
    i[1] = 2.7                                          # (PyTorch's conversion: 2)
    assert i.tolist() == [0, 2, 0]
    x = T.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(3\) must match "
                                           r"the existing size \(2\)"):
        x[0] = T.ones(2)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with "
                                         "size 2"):
        x[5] = 1.0
    assert x.numpy().tolist() == [[0.0] * 3] * 2 and x._version == 0
