"""Forward AD through in-place writes, against torch 2.13 (``torch.autograd.forward_ad``):

* a value without a tangent written into a dual makes its tangent zero (``copy_``, ``fill_``,
  ``zero_``; all of it or a view's region: ``d[1:].copy_(...)``) -- was RuntimeError 'a dual
  tensor was changed in place' when read;
* a dual written into a view of a tensor without one gives the base that region of a tangent
  (zeros elsewhere), and every live view its own region -- was refused;
* a write into a primal leaves the dual made of it alone (its tangent kept);
* a float16 tensor's ``add_`` of a float32 dual keeps the float32 tangent (torch's; was
  rounded to float16), a float16 dual's keeps its float16 one; ``dual.to(float16)`` has the
  rounded tangent (was NotImplementedError: the linearity check took float16 for float64).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _tolist(x):
    return None if x is None else (x.tolist(), str(x.dtype).rsplit(".", 1)[-1])


CASES = {
    "copy_ into a dual": lambda L, fw: [fw.make_dual(L.tensor([1., 2., 3.]),
                                                     L.tensor([1., 1., 1.])).copy_(
                                            L.tensor([5., 6., 7.]))],
    "fill_ a dual": lambda L, fw: [fw.make_dual(L.tensor([1., 2.]), L.tensor([3., 4.])).fill_(2.)],
    "zero_ a dual": lambda L, fw: [fw.make_dual(L.tensor([1., 2.]), L.tensor([3., 4.])).zero_()],
    "setitem a number": lambda L, fw: _setitem(L, fw),
    "copy_ into a dual's view": lambda L, fw: _dual_view(L, fw),
    "a dual into a view": lambda L, fw: _into_view(L, fw),
    "a dual into a column": lambda L, fw: _into_column(L, fw),
    "a dual into a transposed view": lambda L, fw: _into_transposed(L, fw),
    "mul_ a dual with a live view": lambda L, fw: _scaled_with_view(L, fw),
    "zero_ a strided view of a dual": lambda L, fw: _zero_strided(L, fw),
    "a write into the primal": lambda L, fw: _primal_write(L, fw),
    "fill_ after copy_ of a dual": lambda L, fw: _fill_after(L, fw),
    "float16 add_ of a float32 dual": lambda L, fw: [L.tensor([1., 2., 3.], dtype=L.float16).add_(
        fw.make_dual(L.tensor([.1, .2, .3]), L.tensor([.1, 1 / 3, 1e-5])))],
    "float16 dual add_ of a float32 dual": lambda L, fw: [fw.make_dual(
        L.tensor([1., 2., 3.], dtype=L.float16), L.tensor([1., 2., 3.], dtype=L.float16)).add_(
        fw.make_dual(L.tensor([.1, .2, .3]), L.tensor([.1, 1 / 3, 1e-5])))],
    "float64 dual to float16": lambda L, fw: [fw.make_dual(
        L.tensor([.1, .2, .3], dtype=L.float64),
        L.tensor([.1, 1 / 3, 1e-5], dtype=L.float64)).to(L.float16)],
}


def _setitem(L, fw):
    d = fw.make_dual(L.tensor([1., 2., 3.]), L.tensor([1., 1., 1.]))
    d[0] = 9.0
    return [d]


def _dual_view(L, fw):
    d = fw.make_dual(L.tensor([1., 2., 3.]), L.tensor([1., 2., 3.]))
    d[1:].copy_(L.tensor([5., 6.]))
    return [d]


def _into_view(L, fw):
    base = L.zeros(4)
    v = base[1:3]
    v.copy_(fw.make_dual(L.tensor([1., 2.]), L.tensor([3., 4.])))
    return [base, v]


def _into_column(L, fw):
    base = L.zeros(2, 3)
    col = base[:, 1]
    col.add_(fw.make_dual(L.tensor([1., 2.]), L.tensor([3., 4.])))
    return [base, col]


def _into_transposed(L, fw):
    base = L.zeros(2, 3)
    t = base.t()
    t.copy_(fw.make_dual(L.arange(6.).reshape(3, 2), L.arange(6.).reshape(3, 2) * 2))
    return [base, t]


def _scaled_with_view(L, fw):
    d = fw.make_dual(L.tensor([1., 2., 3., 4.]), L.tensor([1., 2., 3., 4.]))
    v = d[1:3]
    d.mul_(2)
    return [d, v]


def _zero_strided(L, fw):
    d = fw.make_dual(L.tensor([1., 2., 3., 4.]), L.tensor([1., 2., 3., 4.]))
    v = d[::2]
    v.zero_()
    return [d, v]


def _primal_write(L, fw):
    p = L.tensor([1., 2., 3.])
    d = fw.make_dual(p, L.tensor([1., 2., 3.]))
    p[1:].copy_(L.tensor([5., 6.]))
    return [p, d]


def _fill_after(L, fw):
    x = L.zeros(2)
    x.copy_(fw.make_dual(L.tensor([1., 2.]), L.tensor([3., 4.])))
    x.fill_(1.0)
    return [x]


def _run(L, case):
    fw = L.autograd.forward_ad
    with fw.dual_level():
        return [(_tolist(p), _tolist(t)) for p, t in (fw.unpack_dual(x) for x in case(L, fw))]


@pytest.mark.parametrize("name", list(CASES))
def test_tangents_as_torch(name):
    assert _run(dl, CASES[name]) == _run(torch, CASES[name])


def test_unmappable_memory_refused_before_writing():
    """A view write whose base is not C-contiguous (a Fortran-ordered NumPy array): refused,
    RuntimeError naming forward AD, nothing written."""
    fw = dl.autograd.forward_ad
    with fw.dual_level():
        base = dl.from_numpy(np.asfortranarray(np.zeros((2, 3), np.float32)))
        col = base[:, 1]
        with pytest.raises(RuntimeError, match="forward AD: an in-place operation writing a "
                                               "tangent into a view"):
            col.add_(fw.make_dual(dl.tensor([1., 2.]), dl.tensor([3., 4.])))
        assert base.tolist() == [[0.0] * 3] * 2 and fw.unpack_dual(base).tangent is None


def test_level_closed_restores_zero_():
    fw = dl.autograd.forward_ad
    before = dl.Tensor.zero_
    with fw.dual_level():
        assert dl.Tensor.zero_ is not before
    assert dl.Tensor.zero_ is before
    x = dl.ones(3)
    assert x.zero_() is x and x.tolist() == [0.0] * 3
