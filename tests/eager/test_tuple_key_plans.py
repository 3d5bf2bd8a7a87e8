"""Tuple keys of basic indexing (``x[..., 3]``, ``x[:, None]``, ``x[1, :-1]``) are planned per
shape, dtype and key (a slice by its bounds: slices are not hashable before Python 3.12): the
second call takes the plan, with PyTorch's values, views, version sharing and gradients, and a
key whose rule fails (an index out of range) is never planned.  Also ``x[idx, a:b]``, an index
tensor then a slice, ``x[i, j]`` (two index tensors) and ``x[:, j]`` through the fast path."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager import _fast_paths

torch = pytest.importorskip("torch")

KEYS = [(Ellipsis, 3), (Ellipsis, slice(None, 3)), (Ellipsis, slice(1, None)),
        (Ellipsis, None, slice(None)), (slice(None), None), (slice(None), slice(None), 0),
        (1, slice(None, -1)), (-1, Ellipsis, slice(0, 4, 2)), (None, 0, Ellipsis),
        (0, 1, 2), (slice(None), -2)]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_planned_tuple_keys_match_torch(key):
    a = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    got = {}
    for L in (torch, dl):
        outs = []
        for _ in range(3):                  # (the first call plans, the others take it)
            x = L.tensor(a, requires_grad=True)
            y = x * 1.0
            v = y[key]
            (v * 2.0).sum().backward()
            outs.append((v.detach().numpy().copy(), x.grad.numpy().copy(), tuple(v.shape)))
        got[L] = outs
    for (v, g, s), (tv, tg, ts) in zip(got[dl], got[torch]):
        assert s == ts and np.array_equal(v, tv) and np.array_equal(g, tg)


def test_a_planned_view_shares_memory_and_versions():
    x = dl.zeros(2, 3, 4)
    for _ in range(2):
        v = x[..., 1]
        v += 1.0
    assert x[..., 1].sum().item() == 12.0 and x.sum().item() == 12.0
    assert x._version == v._version


def test_out_of_range_keys_are_never_planned_and_raise_torchs_error():
    for L in (torch, dl):
        x = L.zeros(2, 3)
        for _ in range(2):
            with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 "
                                                 "with size 3"):
                x[..., 3]
        assert x[..., 2].shape == (2,)
    assert _fast_paths._tuple_sig((Ellipsis, 3)) == (Ellipsis, 3)
    assert _fast_paths._tuple_sig((slice(1, None),)) == ((1, None, None),)
    assert _fast_paths._tuple_sig((np.int64(1),)) is None     # (NumPy ints: the general path)
    assert _fast_paths._tuple_sig((True,)) is None


def test_one_key_on_two_shapes_plans_each():
    for shape in ((2, 3, 4), (5, 4), (3, 2, 2, 4)):
        a = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
        for _ in range(2):
            assert np.array_equal(dl.tensor(a)[..., 2].numpy(), a[..., 2])
            assert np.array_equal(dl.tensor(a)[..., None, 1:].numpy(), a[..., None, 1:])


@pytest.mark.parametrize("sl", [slice(1, None), slice(2, 5), slice(None, -1), slice(0, 6, 2)])
@pytest.mark.parametrize("idx", [[0, 3, 3, 1], [[0, 1], [2, -1]], [-1]])
def test_an_index_tensor_then_a_slice_matches_torch(idx, sl):
    """``x[idx, a:b]`` (d2l's ``label[bb_idx, 1:]``) through the fast path as ``x[:, a:b][idx]``:
    PyTorch's values, gradient, node name and a contiguous copy."""
    a = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    got = {}
    for L in (torch, dl):
        x = L.tensor(a, requires_grad=True)
        y = (x * 1.0)[L.tensor(idx), sl]
        (y * 2.0).sum().backward()
        got[L] = (y.detach().numpy(), x.grad.numpy(), y.grad_fn.name(), y.is_contiguous())
    assert np.array_equal(got[dl][0], got[torch][0])
    assert np.array_equal(got[dl][1], got[torch][1])
    assert got[dl][2:] == got[torch][2:] == ("IndexBackward0", True)
    for L in (torch, dl):
        with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with "
                                             "size 4"):
            L.tensor(a)[L.tensor([0, 5]), sl]


@pytest.mark.parametrize("shape", [(5, 4), (5, 4, 3)])
@pytest.mark.parametrize("rows,cols", [("arange", [1, 3, 0, 2, 2]), ("range", [0, 0, 3, 1, 2]),
                                       ([[0, 4], [4, 1]], [[3, 3], [0, 1]]),
                                       ([0, -1], [-2, 1])])
def test_index_pairs_match_torch(shape, rows, cols):
    """``x[i, j]`` of two index tensors (``probs[torch.arange(n), y]``, ``y_hat[range(n), y]``):
    the fast path's flat rows, or the general entry for negative entries; PyTorch's values,
    gradient and node name."""
    a = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    got = {}
    for L in (torch, dl):
        i = L.arange(5) if rows == "arange" else range(5) if rows == "range" else L.tensor(rows)
        x = L.tensor(a, requires_grad=True)
        y = (x * 1.0)[i, L.tensor(cols)]
        (y * 3.0).sum().backward()
        got[L] = (y.detach().numpy(), x.grad.numpy(), y.grad_fn.name())
    assert np.array_equal(got[dl][0], got[torch][0])
    assert np.array_equal(got[dl][1], got[torch][1])
    assert got[dl][2] == got[torch][2] == "IndexBackward0"
    for L in (torch, dl):
        with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with "
                                             "size 4"):
            L.tensor(a)[L.tensor([0, 1]), L.tensor([2, 4])]


@pytest.mark.parametrize("shape", [(5, 4), (5, 4, 3)])
@pytest.mark.parametrize("cols", [[1, 3, 0, 3], [-1, 0], [2]])
def test_columns_by_an_index_vector_match_torch(shape, cols):
    """``x[:, j]`` of an index vector: PyTorch's values, gradient, IndexBackward0 whose edge is
    x's node."""
    a = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    got = {}
    for L in (torch, dl):
        x = L.tensor(a, requires_grad=True)
        y = (x * 1.0)[:, L.tensor(cols)]
        (y * 2.0).sum().backward()
        got[L] = (y.detach().numpy(), x.grad.numpy(), y.grad_fn.name(),
                  [type(n).__name__ for n, _ in y.grad_fn.next_functions])
    assert np.array_equal(got[dl][0], got[torch][0])
    assert np.array_equal(got[dl][1], got[torch][1])
    assert got[dl][2:] == got[torch][2:] == ("IndexBackward0", ["MulBackward0"])
    for L in (torch, dl):
        with pytest.raises(IndexError, match="out of bounds"):
            L.tensor(a)[:, L.tensor([0, 9])]


@pytest.mark.parametrize("sl", [slice(1, None), slice(0, 2), slice(None, None, 2)])
@pytest.mark.parametrize("m", [[True, False, True, True, False], [False] * 5, [True] * 5])
def test_a_row_mask_then_a_slice_matches_torch(m, sl):
    """``x[mask, a:b]``: the slice, then the mask's rows (the fast path without a gradient, the
    general entry with one); PyTorch's values, gradient and mask-shape error."""
    a = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    got = {}
    for L in (torch, dl):
        plain = L.tensor(a)[L.tensor(m), sl]
        x = L.tensor(a, requires_grad=True)
        x[L.tensor(m), sl].sum().backward()
        got[L] = (plain.numpy(), plain.is_contiguous(), x.grad.numpy())
        with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not "
                                             r"match the shape of the indexed tensor \[5, "):
            L.tensor(a)[L.tensor([True, False]), sl]
    assert np.array_equal(got[dl][0], got[torch][0]) and got[dl][1] == got[torch][1]
    assert np.array_equal(got[dl][2], got[torch][2])


REST = [(slice(None), 0), (0, slice(None)), (None,), (Ellipsis, 1), (slice(1, None), -1),
        (2,), (slice(None), slice(None), None), (Ellipsis,), (-1, slice(0, 4, 2))]


@pytest.mark.parametrize("rest", REST, ids=[repr(r) for r in REST])
@pytest.mark.parametrize("first", ["vector", "matrix", "mask"])
def test_an_index_then_basic_entries_matches_torch(first, rest):
    a = np.random.default_rng(4).standard_normal((4, 6, 5)).astype(np.float32)
    idx = {"vector": [3, 0, 0, 2], "matrix": [[1, 2], [3, -4]],
           "mask": [True, False, True, True]}[first]
    got = {}
    for L in (torch, dl):
        plain = L.tensor(a)[(L.tensor(idx),) + rest]
        x = L.tensor(a, requires_grad=True)
        y = (x * 1.0)[(L.tensor(idx),) + rest]
        (y * 2.0).sum().backward()
        got[L] = (plain.numpy(), tuple(plain.shape), x.grad.numpy(), y.grad_fn.name())
    assert got[dl][1] == got[torch][1]
    assert np.array_equal(got[dl][0], got[torch][0])
    assert np.array_equal(got[dl][2], got[torch][2])
    assert got[dl][3] == got[torch][3]
