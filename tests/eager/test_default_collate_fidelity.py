"""default_collate and DataLoader batches with PyTorch 2.13's structure: samples that are
tuples give a list of collated fields (``[X, Y]``, also for TensorDataset batches), strings
come back as they are (the tuple of a transposed field), namedtuples keep their type.  dlcore
returned tuples and lists of strings.  Compared with torch (printed form and types)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T
from dlcore_eager.utils import data as tdata

P = namedtuple("P", ["x", "y"])
CASES = {
    "tuples with strings": lambda L: [("x", 1.5, True), ("y", 2.5, False)],
    "lists": lambda L: [[1, 2], [3, 4]],
    "dicts": lambda L: [{"a": np.array([1.0, 2.0]), "b": "s"}, {"a": np.array([3.0, 4.0]), "b": "t"}],
    "namedtuple": lambda L: [P(L.ones(2), 1), P(L.zeros(2), 2)],
    "strings": lambda L: ["ab", "cd"],
    "nested": lambda L: [(L.ones(2), (1, "a")), (L.zeros(2), (2, "b"))],
}


def _collate(L, case):
    mod = torch.utils.data if L is torch else tdata
    return mod.default_collate(CASES[case](L))


@pytest.mark.parametrize("case", sorted(CASES))
def test_default_collate_structure_as_torch(case):
    got, want = _collate(T, case), _collate(torch, case)
    assert repr(got) == repr(want)
    assert type(got).__name__ == type(want).__name__


def test_dataloader_batches_are_lists():
    for L, mod in ((torch, torch.utils.data), (T, tdata)):
        ds = mod.TensorDataset(L.arange(4.0), L.arange(4))
        b = next(iter(mod.DataLoader(ds, batch_size=2)))
        assert type(b) is list and b[0].tolist() == [0.0, 1.0] and b[1].tolist() == [0, 1]
        b = next(iter(mod.DataLoader(list(zip(["a", "b"], [1, 2])), batch_size=2)))
        assert b[0] == ("a", "b") and b[1].tolist() == [1, 2]
