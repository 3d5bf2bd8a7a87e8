"""Sparse COO gradients against the real PyTorch 2.13: nn.Embedding(sparse=True) /
F.embedding(sparse=True) gradients (indices, values, padding, accumulation), the SGD, Adagrad and
SparseAdam steps on them compared step for step, the optimizers that refuse them (before any
change), and torch.sparse_coo_tensor's API and errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

RNG = np.random.default_rng(7)
W0 = RNG.standard_normal((6, 3)).astype(np.float32)
BATCHES = [np.array([[1, 3], [1, 0]]), np.array([[5, 3], [2, 2]]), np.array([[0, 4], [1, 1]])]


def _emb(m, padding_idx=None):
    e = m.nn.Embedding(6, 3, sparse=True, padding_idx=padding_idx)
    with m.no_grad():
        e.weight.copy_(m.tensor(W0))
    return e


def _loss(m, e, idx):
    out = e(m.tensor(idx))
    return (out * out).sum() + out[..., 0].sum()


def test_embedding_gradient_is_sparse_like_torch():
    te, de = _emb(torch, padding_idx=1), _emb(dt, padding_idx=1)
    for m, e in ((torch, te), (dt, de)):
        _loss(m, e, BATCHES[0]).backward()
    tg, dg = te.weight.grad, de.weight.grad
    assert dg.is_sparse and isinstance(dg, dt.Tensor) and str(dg.layout) == "torch.sparse_coo"
    assert dg.is_coalesced() == tg.is_coalesced()
    assert dg._indices().tolist() == tg._indices().tolist()       # padding entries dropped
    np.testing.assert_allclose(dg._values().numpy(), tg._values().numpy(), rtol=1e-6)
    assert (dg._nnz(), dg.sparse_dim(), dg.dense_dim()) == (tg._nnz(), 1, 1)
    for m, e in ((torch, te), (dt, de)):                           # accumulation: appended
        _loss(m, e, BATCHES[1]).backward()
    tg, dg = te.weight.grad, de.weight.grad
    assert dg._indices().tolist() == tg._indices().tolist()       # the new entries appended
    np.testing.assert_allclose(dg.to_dense().numpy(), tg.to_dense().numpy(), rtol=1e-6)
    dc, tc = dg.coalesce(), tg.coalesce()
    assert dc.is_coalesced() and dc.indices().tolist() == tc.indices().tolist()
    np.testing.assert_allclose(dc.values().numpy(), tc.values().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="Cannot get indices on an uncoalesced tensor"):
        dg.indices()
    assert not dt.ones(2).is_sparse


def test_functional_embedding_and_tied_dense_use_give_torch_gradients():
    grads = {}
    for m in (torch, dt):
        w = m.tensor(W0, requires_grad=True)
        idx = m.tensor(BATCHES[2])
        h = m.nn.functional.embedding(idx, w, sparse=True)        # sparse part
        logits = h.reshape(-1, 3) @ w.t()                          # dense use of the same w
        (logits * logits).mean().backward()
        grads[m] = w.grad
    assert not grads[dt].is_sparse and not grads[torch].is_sparse  # dense + sparse: dense
    np.testing.assert_allclose(grads[dt].numpy(), grads[torch].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.2}),
    ("SparseAdam", {"lr": 0.05}),
    ("SparseAdam", {"lr": 0.05, "betas": (0.8, 0.9), "maximize": True}),
])
def test_optimizer_steps_match_torch(name, kwargs):
    weights = {}
    for m in (torch, dt):
        e = _emb(m)
        opt = getattr(m.optim, name)(list(e.parameters()), **kwargs)
        for idx in BATCHES:
            opt.zero_grad()
            _loss(m, e, idx).backward()
            opt.step()
        weights[m] = e.weight.detach().numpy().copy()
    np.testing.assert_allclose(weights[dt], weights[torch], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda m, p: m.optim.Adam(p), "Adam does not support sparse gradients, please consider"),
    (lambda m, p: m.optim.AdamW(p), "Adam does not support sparse gradients"),
    (lambda m, p: m.optim.RMSprop(p), "RMSprop does not support sparse gradients"),
    (lambda m, p: m.optim.SGD(p, lr=0.1, weight_decay=0.1), r"add\(sparse, dense\) is not"),
    (lambda m, p: m.optim.Adagrad(p, weight_decay=0.1), "weight_decay option is not compatible"),
])
def test_optimizers_refuse_sparse_gradients_before_any_change(make, message):
    for m in (torch, dt):
        e = _emb(m)
        lin = m.nn.Linear(3, 1)
        before = [p.detach().numpy().copy() for p in (*lin.parameters(), e.weight)]
        opt = make(m, [*lin.parameters(), e.weight])
        lin(e(m.tensor(BATCHES[0]))).sum().backward()
        with pytest.raises(RuntimeError, match=message):
            opt.step()
        if m is dt:          # validate-then-apply: the dense Linear was not stepped either
            after = [p.detach().numpy() for p in (*lin.parameters(), e.weight)]
            assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_sparse_adam_refuses_dense_gradients():
    lin = dt.nn.Linear(2, 2)
    lin(dt.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        dt.optim.SparseAdam(lin.parameters()).step()


def test_sparse_coo_tensor_api_matches_torch():
    args = ([[0, 1, 1, 0], [2, 0, 2, 2]], [3.0, 4.0, 5.0, 1.0], (2, 3))
    t, d = torch.sparse_coo_tensor(*args), dt.sparse_coo_tensor(*args)
    assert str(d.dtype) == str(t.dtype) and tuple(d.shape) == tuple(t.shape)
    assert d.is_coalesced() == t.is_coalesced()
    np.testing.assert_array_equal(d.to_dense().numpy(), t.to_dense().numpy())
    dc, tc = d.coalesce(), t.coalesce()
    assert dc.indices().tolist() == tc.indices().tolist()
    assert dc.values().tolist() == tc.values().tolist()
    assert repr(dc) == repr(tc)
    np.testing.assert_array_equal((dt.ones(2, 3) + d * 2).numpy(),
                                  (torch.ones(2, 3) + t * 2).numpy())
    np.testing.assert_array_equal((d + d).to_dense().numpy(), (t + t).to_dense().numpy())
    assert tuple(dt.sparse_coo_tensor([[0, 4]], [1.0, 2.0]).shape) == (5,)
    dense = np.array([[0, 1.5, 0], [2, 0, 0]], np.float32)
    ds, ts = dt.tensor(dense).to_sparse(), torch.tensor(dense).to_sparse()
    assert ds.indices().tolist() == ts.indices().tolist()
    with pytest.raises(RuntimeError, match=r"add\(sparse, dense\) is not supported"):
        d + dt.ones(2, 3)
    with pytest.raises(RuntimeError, match="size is inconsistent with indices: for dim 0, size "
                                           "is 3 but found index 5"):
        dt.sparse_coo_tensor([[0, 5]], [1.0, 2.0], (3,))
    with pytest.raises(RuntimeError, match="indices and values must have same nnz"):
        dt.sparse_coo_tensor([[0, 1]], [1.0], (3,))
    for op in (dt.exp, lambda x: x.sum(), lambda x: dt.ones(2, 3) * x):
        with pytest.raises(NotImplementedError, match="SparseCPU"):
            op(d)


def test_sparse_state_saves_loads_and_grad_scaler_unscales():
    import io
    e = _emb(dt)
    opt = dt.optim.SGD(e.parameters(), lr=0.1, momentum=0.9)
    _loss(dt, e, BATCHES[0]).backward()
    opt.step()
    buf = io.BytesIO()
    dt.save({"opt": opt.state_dict(), "grad": e.weight.grad}, buf)
    buf.seek(0)
    back = dt.load(buf)
    mom = back["opt"]["state"][0]["momentum_buffer"]
    assert mom.is_sparse and not mom.is_coalesced()      # a clone of the gradient, as torch
    np.testing.assert_array_equal(mom.to_dense().numpy(),
                                  opt.state[e.weight]["momentum_buffer"].to_dense().numpy())
    assert back["grad"]._indices().tolist() == e.weight.grad._indices().tolist()
    weights = {}
    for m in (torch, dt):                     # GradScaler: unscale and step sparse gradients
        e = _emb(m)
        opt = m.optim.SGD(e.parameters(), lr=0.1)
        scaler = m.amp.GradScaler("cpu", init_scale=256.0)
        scaler.scale(_loss(m, e, BATCHES[1])).backward()
        scaler.step(opt)
        scaler.update()
        weights[m] = e.weight.detach().numpy().copy()
    np.testing.assert_allclose(weights[dt], weights[torch], rtol=1e-6)


def test_sparse_dense_matmul_gcn_layer_matches_torch():
    idx = [[0, 1, 1, 2, 3, 1], [1, 0, 2, 2, 3, 0]]          # (1, 0) twice: summed
    vals = [1.0, 0.5, 0.25, 2.0, 1.5, 0.5]
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 2)).astype(np.float32)
    res = {}
    for m in (torch, dt):
        adj = m.sparse_coo_tensor(idx, vals, (4, 4))
        xt, wt = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        outs = [m.sparse.mm(adj, xt @ wt), m.spmm(adj, xt), m.mm(adj, xt), adj @ xt,
                m.sparse.addmm(xt, adj, xt, beta=0.5, alpha=2.0)]
        sum(o.pow(2).sum() for o in outs).backward()
        res[m] = [o.detach().numpy() for o in outs] + [xt.grad.numpy(), wt.grad.numpy(),
                                                        m.sparse.sum(adj).numpy(),
                                                        adj.t().to_dense().numpy()]
    for a, b in zip(res[dt], res[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    adj = dt.sparse_coo_tensor(idx, vals, (4, 4))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x4 "
                                           r"and 3x2\)"):
        dt.sparse.mm(adj, dt.ones(3, 2))


def test_products_follow_values_and_indices_edited_in_place_as_torch():
    """The CSR form kept between products (dlcore_eager.sparse._csr) follows the tensor: values
    scaled through ``_values()`` and an index moved through ``_indices()`` between products give
    PyTorch's results, forward and backward, duplicates summed; an empty matrix gives zeros."""
    idx = np.array([[0, 1, 1, 2, 3, 1, 2], [1, 0, 2, 2, 3, 0, 1]])     # (1, 0) twice
    vals = RNG.standard_normal(7).astype(np.float32)
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    res = {}
    for m in (torch, dt):
        adj = m.sparse_coo_tensor(idx, vals, (4, 4))
        got = []
        for step in range(4):
            xt = m.tensor(x, requires_grad=True)
            out = m.sparse.mm(adj, xt) if step % 2 else adj @ xt
            (out * m.arange(12.0).reshape(4, 3)).sum().backward()
            got += [out.detach().numpy().copy(), xt.grad.numpy().copy()]
            with m.no_grad():
                if step == 1:
                    adj._values().mul_(-2.0)
                if step == 2:
                    adj._indices()[1, 6] = 3                 # (2, 1) -> (2, 3)
        empty = m.sparse_coo_tensor(np.zeros((2, 0), np.int64), np.zeros(0, np.float32), (2, 4))
        got.append((empty @ m.tensor(x)).numpy())
        res[m] = got
    assert len(res[dt]) == 9
    for a, b in zip(res[dt], res[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert not np.allclose(res[dt][0], res[dt][4])             # the edits changed the products
    assert not np.allclose(res[dt][4], res[dt][6])


def test_one_sparse_matrix_multiplied_in_many_threads_gives_each_its_product():
    from concurrent.futures import ThreadPoolExecutor
    idx = np.array([[0, 1, 2, 2], [2, 0, 1, 2]])
    vals = np.array([1.0, -2.0, 0.5, 3.0], np.float32)
    adj = dt.sparse_coo_tensor(idx, vals, (3, 3))
    dense = np.zeros((3, 3), np.float32)
    dense[idx[0], idx[1]] = vals
    xs = [RNG.standard_normal((3, 5)).astype(np.float32) for _ in range(64)]
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda x: (adj @ dt.tensor(x)).numpy(), xs))
    for x, out in zip(xs, outs):
        np.testing.assert_allclose(out, dense @ x, rtol=1e-6)


@pytest.mark.parametrize("mode, pad", [("sum", None), ("mean", 4), ("sum", 4)])
def test_embedding_bag_sparse_gradient_matches_torch(mode, pad):
    idx, off = np.array([1, 2, 4, 5, 4, 3, 2, 5]), np.array([0, 3, 5])
    psw = RNG.standard_normal(8).astype(np.float32) if mode == "sum" else None
    got = {}
    for m in (torch, dt):
        bag = m.nn.EmbeddingBag(6, 3, mode=mode, sparse=True, padding_idx=pad)
        with m.no_grad():
            bag.weight.copy_(m.tensor(W0))
        out = bag(m.tensor(idx), m.tensor(off),
                  per_sample_weights=None if psw is None else m.tensor(psw))
        (out * out).sum().backward()
        g = bag.weight.grad
        got[m] = (g.is_sparse, g._indices().tolist(), g.to_dense().numpy())
        with pytest.raises(ValueError, match="max mode does not support sparse weights"):
            m.nn.functional.embedding_bag(m.tensor(idx), bag.weight, m.tensor(off), mode="max",
                                          sparse=True)
    assert got[dt][:2] == got[torch][:2]
    np.testing.assert_allclose(got[dt][2], got[torch][2], rtol=1e-5, atol=1e-6)
