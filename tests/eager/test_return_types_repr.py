"""torch.return_types printed as PyTorch prints them (``print(x.max(dim=1))`` is in many
tutorials): ``torch.return_types.max(\\nvalues=tensor(...),\\nindices=tensor(...))``, each
field on its own line, for the (values, indices) ops and the linalg/frexp/histogram
results; dlcore printed namedtuple's ``max(values=..., indices=...)``.  Compared with torch."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T

CASES = {
    "max": lambda L: L.tensor([[1.0, 3.0], [2.0, 0.0]]).max(dim=1),
    "min keepdim": lambda L: L.tensor([[1.0, 3.0], [2.0, 0.0]]).min(1, keepdim=True),
    "sort": lambda L: L.tensor([2, 1, 3]).sort(descending=True),
    "topk": lambda L: L.tensor([1.0, 5.0, 2.0]).topk(2),
    "kthvalue": lambda L: L.tensor([3.0, 1.0, 2.0]).kthvalue(2),
    "median": lambda L: L.tensor([[3.0, 1.0, 2.0]]).median(1),
    "mode": lambda L: L.tensor([1, 2, 2]).mode(),
    "cummax": lambda L: L.tensor([1.0, 3.0, 2.0]).cummax(0),
    "slogdet": lambda L: L.linalg.slogdet(L.eye(2) * 2),
    "qr": lambda L: L.linalg.qr(L.eye(2)),
    "eigh": lambda L: L.linalg.eigh(L.eye(2)),
    "frexp": lambda L: L.frexp(L.tensor([8.0])),
    "histogram": lambda L: L.histogram(L.tensor([1.0, 2.0, 1.0]), bins=2),
    "lu_factor": lambda L: L.linalg.lu_factor(L.eye(2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_return_type_repr_as_torch(case):
    got, want = CASES[case](T), CASES[case](torch)
    assert repr(got) == repr(want) == str(want)
    assert type(got).__name__ == type(want).__name__
    assert isinstance(got, tuple) and len(got) == len(want)
