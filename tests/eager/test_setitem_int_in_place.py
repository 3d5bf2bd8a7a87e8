"""A number written through a basic index into an integer or bool tensor goes straight into its
memory (dlcore_eager/_indexing.py ``_write_in_place``, after PyTorch's conversion and checks):
the values, the one version bump and the conversion errors PyTorch gives."""

from __future__ import annotations

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

WRITES = [((2, slice(3, 9)), 1), ((2, 0), 2), ((slice(None), -1), 5), ((1,), -1),
          ((slice(0, 2), slice(None, None, 2)), 2.7), ((0, slice(1, 3)), True)]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "bool"])
@pytest.mark.parametrize("key,value", WRITES)
def test_values_and_version_as_torch(dtype, key, value):
    got = dl.zeros(4, 10, dtype=getattr(dl, dtype))
    want = torch.zeros(4, 10, dtype=getattr(torch, dtype))
    v0 = got._version
    got[key] = value
    want[key] = value
    assert got.tolist() == want.tolist()
    assert got._version == v0 + 1


@pytest.mark.parametrize("dtype,value", [("int8", 300), ("uint8", 256), ("int32", 2 ** 40)])
def test_overflow_refused_as_torch(dtype, value):
    got = dl.zeros(3, dtype=getattr(dl, dtype))
    with pytest.raises(RuntimeError) as mine:
        got[1] = value
    with pytest.raises(RuntimeError) as theirs:
        torch.zeros(3, dtype=getattr(torch, dtype))[1] = value
    assert str(mine.value) == str(theirs.value)
    assert got.tolist() == [0, 0, 0] and got._version == 0
