"""index_select and gather refuse a negative index as PyTorch does (the core's take and
take_along_axis wrap one as NumPy does: dlcore returned the last row/column silently), in
PyTorch's type and words; torch.take and x[idx], which PyTorch lets wrap, still wrap."""

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = {
    "index_select dim 1": lambda T, x: T.index_select(x, 1, T.tensor([-1, 0])),
    "index_select dim 0": lambda T, x: x.index_select(0, T.tensor([-1])),
    "index_select keywords": lambda T, x: T.index_select(input=x, dim=0, index=T.tensor([0, -2])),
    "gather dim 1": lambda T, x: T.gather(x, 1, T.tensor([[-1], [0]])),
    "gather dim 0": lambda T, x: x.gather(0, T.tensor([[0, -2, 1]])),
    "gather keywords": lambda T, x: x.gather(dim=-1, index=T.tensor([[0], [-3]])),
    "gather ok": lambda T, x: x.gather(1, T.tensor([[2], [0]])),
    "index_select ok": lambda T, x: T.index_select(x, 1, T.tensor([2, 0])),
    "take wraps": lambda T, x: T.take(x, T.tensor([-1, 0])),
    "getitem wraps": lambda T, x: x[T.tensor([-1])],
}


def _run(T, name):
    x = T.arange(6.0).reshape(2, 3)
    try:
        return CASES[name](T, x).tolist()
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return type(e).__name__, str(e)


@pytest.mark.parametrize("name", sorted(CASES))
def test_as_torch(name):
    assert _run(dl, name) == _run(torch, name)
