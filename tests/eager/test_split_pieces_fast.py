"""split, chunk and unbind of CPU tensors (``_shape_ops._pieces``: NumPy's slices wrapped
directly) against PyTorch: values, views of the base's memory, grad_fn names and output
indices, gradients, the multiple-views in-place refusal, and no_grad views."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

CALLS = [("chunk", (4, 1)), ("chunk", (3, 0)), ("split", (5, 1)), ("split", ([1, 3, 2], 0)),
         ("unbind", (0,)), ("unbind", (1,)), ("chunk", (2, -1))]


@pytest.mark.parametrize("name,args", CALLS)
def test_pieces_values_names_and_gradients(name, args):
    x = np.random.default_rng(0).standard_normal((6, 12))
    res = []
    for T in (dt, torch):
        a = T.tensor(x, requires_grad=True)
        pieces = getattr(a, name)(*args)
        loss = sum((p * (i + 1)).sum() for i, p in enumerate(pieces))
        loss.backward()
        res.append(([p.detach().numpy() for p in pieces], a.grad.numpy(),
                     [p.grad_fn.name() for p in pieces],
                     [p.grad_fn.next_functions[0][0].name() for p in pieces]))
    for p, q in zip(res[0][0], res[1][0]):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert res[0][2] == res[1][2] and res[0][3] == res[1][3]


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_pieces_are_views_of_the_base(dtype):
    for T in (dt, torch):
        x = T.tensor(np.zeros((3, 4), dtype))
        a, b = x.chunk(2, 1)
        c = x.unbind(0)[2]
        x.fill_(1)
        for p in (a, b, c):
            assert (p.numpy() == 1).all()


def test_in_place_on_a_piece_is_refused_as_torch():
    msgs = []
    for T in (dt, torch):
        a = T.randn(4, 6, requires_grad=True) * 1
        p = a.split(3, 1)[1]
        with pytest.raises(RuntimeError) as e:
            p.mul_(2)
        msgs.append(str(e.value).split(".")[0])
    assert msgs[0] == msgs[1]
    for T in (dt, torch):               # (no_grad pieces of a tensor without history: fine)
        a = T.zeros(4, 6)
        with T.no_grad():
            q = a.chunk(2, 0)[0]
        q.add_(1)
        assert float(a.sum()) == 12.0
