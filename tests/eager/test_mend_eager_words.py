"""Mend round (session 17) against PyTorch 2.13 itself: ``Tensor.count_nonzero`` takes its
dims as varargs (``x.count_nonzero(0, 1)``), with PyTorch's words where that fails, and an
explicit ``dim=None`` of mode/median/nanmedian/kthvalue/topk is PyTorch's TypeError."""

from __future__ import annotations

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = {
    "method 0,1": lambda L, x: x.count_nonzero(0, 1),
    "method 0,1,2": lambda L, x: x.count_nonzero(0, 1, 2),
    "method -1,0": lambda L, x: x.count_nonzero(-1, 0),
    "method 0,True": lambda L, x: x.count_nonzero(0, True),
    "method tuple": lambda L, x: x.count_nonzero((0, 1)),
    "method None": lambda L, x: x.count_nonzero(None),
    "method dim=None": lambda L, x: x.count_nonzero(dim=None),
    "function 0,1": lambda L, x: L.count_nonzero(x, 0, 1),
    "method 0,dim=1": lambda L, x: x.count_nonzero(0, dim=1),
    "function 0,dim=1": lambda L, x: L.count_nonzero(x, 0, dim=1),
    "method 0,1,dim=1": lambda L, x: x.count_nonzero(0, 1, dim=1),
    "method 0,'a'": lambda L, x: x.count_nonzero(0, "a"),
    "method 0,None": lambda L, x: x.count_nonzero(0, None),
    "method 0,1.5": lambda L, x: x.count_nonzero(0, 1.5),
    "mode None": lambda L, x: L.mode(x, None),
    "mode dim=None": lambda L, x: L.mode(x, dim=None),
    "Tensor.mode None": lambda L, x: x.mode(None),
    "median None": lambda L, x: L.median(x, None),
    "median dim=None": lambda L, x: L.median(x, dim=None),
    "median None keepdim": lambda L, x: L.median(x, None, True),
    "Tensor.median None": lambda L, x: x.median(None),
    "Tensor.median dim=None": lambda L, x: x.median(dim=None),
    "nanmedian dim=None": lambda L, x: L.nanmedian(x, dim=None),
    "Tensor.nanmedian None": lambda L, x: x.nanmedian(None),
    "kthvalue None": lambda L, x: L.kthvalue(x, 1, None),
    "Tensor.kthvalue None": lambda L, x: x.kthvalue(1, None),
    "topk None": lambda L, x: L.topk(x, 1, None),
    "Tensor.topk None": lambda L, x: x.topk(1, None),
    "median": lambda L, x: L.median(x),
    "Tensor.median 0": lambda L, x: x.median(0).values,
    "nanmedian": lambda L, x: x.nanmedian(),
}


def _outcome(L, case):
    x = L.arange(24.0).reshape(2, 3, 4) - 5
    try:
        return "ok", CASES[case](L, x).tolist()
    except Exception as e:          # noqa: BLE001 (the outcome compared: type and text)
        return type(e).__name__, str(e)


@pytest.mark.parametrize("case", sorted(CASES))
def test_dims_as_torch(case):
    assert _outcome(dl, case) == _outcome(torch, case)
