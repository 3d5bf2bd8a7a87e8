"""ConcatDataset as PyTorch's: the ``cumulative_sizes`` attribute and ``cumsum`` (read by user
code: the data tutorials print it), negative indices, and its errors (an empty list and an
IterableDataset are AssertionErrors, an index below -len a ValueError), each compared with
torch.utils.data."""

import pytest

import dlcore_eager as dt
import dlcore_eager.utils.data as D

torch = pytest.importorskip("torch")
import torch.utils.data as TD


def _both(lib, data):
    return data.ConcatDataset([data.TensorDataset(lib.arange(3)), data.TensorDataset(lib.arange(2)),
                               data.TensorDataset(lib.arange(10, 14))])


def test_cumulative_sizes_and_indexing_match_torch():
    got, want = _both(dt, D), _both(torch, TD)
    assert got.cumulative_sizes == want.cumulative_sizes == [3, 5, 9]
    assert D.ConcatDataset.cumsum([[1], [2, 3]]) == TD.ConcatDataset.cumsum([[1], [2, 3]])
    assert len(got) == len(want) == 9
    for i in range(-9, 9):
        assert got[i][0].item() == want[i][0].item()
    assert len(D.TensorDataset(dt.arange(2)) + D.TensorDataset(dt.arange(3))) == 5


@pytest.mark.parametrize("make", [
    lambda data, lib: data.ConcatDataset([]),
    lambda data, lib: data.ConcatDataset([data.TensorDataset(lib.arange(2)),
                                          data.ChainDataset([])]),
    lambda data, lib: _both(lib, data)[-10],
])
def test_errors_match_torch(make):
    with pytest.raises(Exception) as want:
        make(TD, torch)
    with pytest.raises(want.type, match=str(want.value)):
        make(D, dt)
