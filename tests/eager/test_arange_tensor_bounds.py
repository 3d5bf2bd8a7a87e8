"""torch.arange with 0-d tensor bounds, as PyTorch: the values' numbers, an integer tensor
giving int64 and a float one the default dtype; a tensor of several elements is a TypeError."""

from __future__ import annotations

import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("args", [(5,), (1.5, 4), (0, 7, 2), (3, -2, -1.5)])
def test_arange_with_tensor_bounds_matches_torch(args):
    for k in range(len(args)):                 # each argument in turn given as a 0-d tensor
        ours = tuple(dt.tensor(v) if i == k else v for i, v in enumerate(args))
        theirs = tuple(torch.tensor(v) if i == k else v for i, v in enumerate(args))
        r, t = dt.arange(*ours), torch.arange(*theirs)
        assert str(r.dtype) == str(t.dtype)
        assert r.tolist() == pytest.approx(t.tolist())


def test_arange_refuses_a_tensor_of_several_elements():
    with pytest.raises(TypeError, match=r"arange\(\): argument 'end' \(position 1\) must be "
                                        "Number, not Tensor"):
        dt.arange(dt.tensor([1, 2]))
