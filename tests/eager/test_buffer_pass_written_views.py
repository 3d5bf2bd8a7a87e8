"""A masked write into a view of a recorded result (d2l's ``masked_softmax``: ``X[~mask] = v``
on ``scores.reshape(-1, n)``) leaves the view nodes' saved inputs and the matmul's output
stale.  The view rules read only their inputs' shapes and matmul's rule never reads its
output, so the buffer pass computes those nodes on buffers (as PyTorch, whose view nodes save
sizes and whose MmBackward saves no result), with torch's gradients; before, 840 nodes of a
d2l seq2seq run took the Tensor path.  Also ``~`` of a boolean mask: bitwise_not's kernel."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore_eager.autograd import _buffer_pass as bp

torch = pytest.importorskip("torch")


def _masked_softmax_net(L, q, w, lens):
    def sequence_mask(X, valid_len, value=0.0):
        mask = L.arange(X.size(1), dtype=L.float32)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X

    qt = L.tensor(q, requires_grad=True)
    wt = L.tensor(w, requires_grad=True)
    scores = (qt @ wt).squeeze(-1)                    # (4, 6)
    shape = scores.shape
    X = sequence_mask(scores.reshape(-1, shape[-1]), L.tensor(lens), -1e6)
    out = L.nn.functional.softmax(X.reshape(shape), dim=-1)
    return out, qt, wt, scores


def test_masked_write_into_views_takes_the_buffer_pass_with_torchs_gradients():
    rng = np.random.default_rng(0)
    q = rng.standard_normal((4, 6, 3)).astype(np.float32)
    w = rng.standard_normal((3, 1)).astype(np.float32)
    lens = np.array([2, 6, 1, 4])
    weights = rng.standard_normal((4, 6)).astype(np.float32)
    grads = {}
    for L in (torch, dl):
        out, qt, wt, _ = _masked_softmax_net(L, q, w, lens)
        (out * L.tensor(weights)).sum().backward()
        grads[L] = (qt.grad.numpy(), wt.grad.numpy(), out.detach().numpy())
    for a, b in zip(grads[dl], grads[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not grads[dl][0][0, 2:].any()              # (masked positions: no gradient)

    # the nodes themselves: stale, and computed on their buffers (the write made the views'
    # nodes again above a where; below it the first reshape and squeeze, whose inputs were
    # written, and the matmul, whose output was)
    out, qt, wt, scores = _masked_softmax_net(dl, q, w, lens)
    chain, node = [], out.grad_fn
    while node is not None:
        chain.append(node)
        node = next((p for p in node.parents if p is not None and p.parents), None)
    names = [n.prim.name for n in chain]
    i = names.index("where")
    assert names[i:i + 4] == ["where", "reshape", "squeeze", "matmul"]
    stale = [n for n in chain if n.inputs[0]._version != n.versions[0]]
    assert [n.prim.name for n in stale] == ["reshape", "squeeze"]
    mm = chain[names.index("matmul")]
    assert mm.out_version[0] != mm.out_ver0
    for n in stale:
        res = bp._saved_vjp(n, np.ones(tuple(n.shape), np.float32), True, False)
        assert res is not None and res[0].shape == tuple(n.inputs[0].shape)
    res = bp._saved_vjp(mm, np.ones(tuple(mm.shape), np.float32), True, False)
    assert res is not None
    dq, dw = (r() if callable(r) else r for r in res)
    np.testing.assert_allclose(dq, np.broadcast_to(w[:, 0], q.shape), rtol=1e-6)
    np.testing.assert_allclose(dw, q.sum((0, 1))[:, None], rtol=1e-5)


def test_a_view_whose_own_output_is_read_stays_exact():
    """A stale output of a view that a later op reads is still PyTorch's error or value: a
    written view's own node keeps the Tensor path's checks (getitem's rule reads its
    output's dtype: any stale output of getitem takes that path)."""
    for L in (torch, dl):
        x = L.tensor(np.arange(6.0, dtype=np.float32), requires_grad=True)
        y = (x * 2)[1:4]
        y[0] = 5.0
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 2.0, 2.0, 0.0, 0.0]


def test_invert_and_logical_not_of_booleans_match_torch():
    m = np.array([[True, False, True], [False, False, True]])
    for make in (lambda L: ~L.tensor(m), lambda L: L.tensor(m).logical_not(),
                 lambda L: L.logical_not(L.tensor(m)), lambda L: L.bitwise_not(L.tensor(m)),
                 lambda L: ~L.tensor(m)[:, 1:], lambda L: L.logical_not(L.tensor([0.0, 2.0]))):
        a, b = make(dl), make(torch)
        assert a.dtype == dl.bool and b.dtype == torch.bool
        assert np.array_equal(a.numpy(), b.numpy())
    assert np.array_equal((~dl.tensor([1, -2, 0])).numpy(), [-2, 1, -1])
    for L in (torch, dl):
        with pytest.raises(TypeError, match=r"~ \(operator.invert\) is only implemented on "
                                            "integer and Boolean-type tensors"):
            ~L.tensor([1.0])
