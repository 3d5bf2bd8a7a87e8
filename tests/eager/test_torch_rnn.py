"""Sequence layers against real PyTorch: RNN/LSTM/GRU (layers, directions, batch_first, bias,
initial states, packed sequences), the cells, Embedding, one_hot and the padding utilities.
Same weights (copied from torch, float64) -> same outputs, final states and gradients of the
input, the initial states and every parameter."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")
nn_utils = dt.nn.utils.rnn


def _copy_weights(ours, theirs):
    names = [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters()] == names
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        p._buf[...] = q.detach().numpy()


def _pair(shape, seed, dtype=np.float64):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return dt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(np.asarray(a.detach().numpy() if hasattr(a, "detach") else a),
                               b.detach().numpy(), rtol=tol, atol=tol)


def _modules(kind, **kw):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(**kw).double()
    ours = getattr(dt.nn, kind)(**kw).double()
    _copy_weights(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers,bidi,batch_first,bias,init_state", [
    (1, False, False, True, False), (2, True, False, True, True), (2, False, True, False, True),
    (1, True, True, True, False)])
def test_recurrent_layers_match_pytorch(kind, layers, bidi, batch_first, bias, init_state):
    T, B, D, H = 4, 3, 5, 6
    ours, theirs = _modules(kind, input_size=D, hidden_size=H, num_layers=layers, bias=bias,
                            batch_first=batch_first, bidirectional=bidi)
    x, tx = _pair((B, T, D) if batch_first else (T, B, D), 1)
    nd = 2 if bidi else 1
    args, targs, states = (), (), []
    if init_state:
        h0, th0 = _pair((layers * nd, B, H), 2)
        states = [(h0, th0)]
        if kind == "LSTM":
            c0, tc0 = _pair((layers * nd, B, H), 3)
            states.append((c0, tc0))
            args, targs = ((h0, c0),), ((th0, tc0),)
        else:
            args, targs = (h0,), (th0,)
    out, hn = ours(x, *args)
    tout, thn = theirs(tx, *targs)
    _close(out, tout)
    hs, ths = (hn if kind == "LSTM" else (hn,)), (thn if kind == "LSTM" else (thn,))
    for a, b in zip(hs, ths):
        _close(a, b)
    rng = np.random.default_rng(9)
    w = [rng.standard_normal(tuple(t.shape)) for t in (tout,) + tuple(ths)]
    loss = sum((o * dt.tensor(v)).sum() for o, v in zip((out,) + tuple(hs), w))
    tloss = sum((o * torch.tensor(v)).sum() for o, v in zip((tout,) + tuple(ths), w))
    loss.backward()
    tloss.backward()
    _close(x.grad, tx.grad)
    for ours_s, theirs_s in states:
        _close(ours_s.grad, theirs_s.grad)
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_packed_bidirectional_unsorted_matches_pytorch(kind):
    T, B, D, H = 5, 4, 3, 4
    lengths = [3, 5, 1, 4]
    ours, theirs = _modules(kind, input_size=D, hidden_size=H, num_layers=2,
                            bidirectional=True, batch_first=True)
    x, tx = _pair((B, T, D), 4)
    p = nn_utils.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=True,
                                                 enforce_sorted=False)
    _close(p.data, tp.data)
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist()
    assert p.sorted_indices.tolist() == tp.sorted_indices.tolist()
    h0, th0 = _pair((4, B, H), 5)
    hx, thx = ((h0, h0 * 0.5), (th0, th0 * 0.5)) if kind == "LSTM" else (h0, th0)
    out, hn = ours(p, hx)
    tout, thn = theirs(tp, thx)
    pad, lens = nn_utils.pad_packed_sequence(out, batch_first=True, total_length=T + 1)
    tpad, tlens = torch.nn.utils.rnn.pad_packed_sequence(tout, batch_first=True,
                                                         total_length=T + 1)
    _close(pad, tpad)
    assert lens.tolist() == tlens.tolist()
    hs, ths = (hn, thn) if kind == "LSTM" else ((hn,), (thn,))
    for a, b in zip(hs, ths):
        _close(a, b)
    w = np.random.default_rng(6).standard_normal(tuple(tpad.shape))
    ((pad * dt.tensor(w)).sum() + sum(h.sum() for h in hs)).backward()
    ((tpad * torch.tensor(w)).sum() + sum(h.sum() for h in ths)).backward()
    _close(x.grad, tx.grad)
    _close(h0.grad, th0.grad)
    for (n, q), (_, r) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(q.grad, r.grad)


def test_unbatched_input_and_parameter_names():
    ours, theirs = _modules("GRU", input_size=3, hidden_size=2, num_layers=2,
                            bidirectional=True)
    assert [n for n, _ in ours.named_parameters()][:5] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse"]
    x, tx = _pair((4, 3), 7)
    out, h = ours(x)
    tout, th = theirs(tx)
    assert tuple(out.shape) == (4, 4) and tuple(h.shape) == (4, 2)
    _close(out, tout)
    _close(h, th)


def test_pytorch_initialisation_range():
    m = dt.nn.LSTM(4, 25)
    w = m.weight_hh_l0.detach().numpy()
    bound = 1 / np.sqrt(25)
    assert w.shape == (100, 25) and np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_dropout_between_layers():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        dt.nn.RNN(2, 3, dropout=0.5)
    m = dt.nn.LSTM(2, 3, num_layers=2, dropout=0.999999)
    x = dt.randn(4, 1, 2)
    m.train()
    out_train, _ = m(x)
    m.eval()
    out_eval, _ = m(x)
    assert not np.allclose(out_train.detach().numpy(), out_eval.detach().numpy())
    again, _ = m(x)                                       # eval: no dropout, deterministic
    np.testing.assert_array_equal(again.detach().numpy(), out_eval.detach().numpy())


def test_input_errors_match_pytorch():
    m = dt.nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 3, got 5"):
        m(dt.randn(2, 1, 5))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D"):
        m(dt.randn(2, 1, 1, 3))
    with pytest.raises(RuntimeError,
                       match="Expected hidden\\[0\\] size \\(1, 2, 4\\), got \\[1, 3, 4\\]"):
        m(dt.randn(2, 2, 3), (dt.zeros(1, 3, 4), dt.zeros(1, 3, 4)))
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        nn_utils.pack_padded_sequence(dt.randn(3, 2, 1), [1, 3])


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("with_state", [False, True])
def test_cells_match_pytorch(kind, with_state):
    kw = dict(input_size=3, hidden_size=4)
    if kind == "RNNCell":
        kw["nonlinearity"] = "relu"
    ours, theirs = _modules(kind, **kw)
    x, tx = _pair((2, 3), 8)
    h, th = _pair((2, 4), 9)
    c, tc = _pair((2, 4), 10)
    args = ((h, c) if kind == "LSTMCell" else h,) if with_state else ()
    targs = ((th, tc) if kind == "LSTMCell" else th,) if with_state else ()
    out = ours(x, *args)
    tout = theirs(tx, *targs)
    outs, touts = (out, tout) if kind == "LSTMCell" else ((out,), (tout,))
    for a, b in zip(outs, touts):
        _close(a, b)
    sum((o * (i + 1.0)).sum() for i, o in enumerate(outs)).backward()
    sum((o * (i + 1.0)).sum() for i, o in enumerate(touts)).backward()
    _close(x.grad, tx.grad)
    if with_state:
        _close(h.grad, th.grad)
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad)
    u = ours(dt.tensor(x.detach().numpy()[0]))       # unbatched
    tu = theirs(tx.detach()[0])
    _close(u[0] if kind == "LSTMCell" else u, tu[0] if kind == "LSTMCell" else tu)


def test_embedding_padding_idx_and_gradients():
    torch.manual_seed(1)
    te = torch.nn.Embedding(7, 3, padding_idx=2).double()
    e = dt.nn.Embedding(7, 3, padding_idx=2).double()
    assert np.all(e.weight.detach().numpy()[2] == 0)
    e.weight._buf[...] = te.weight.detach().numpy() + 1.0     # a non-zero padding row too
    with torch.no_grad():
        te.weight += 1.0
    idx = [[2, 0, 2], [5, 5, 1]]
    out, tout = e(dt.tensor(idx)), te(torch.tensor(idx))
    _close(out, tout)
    w = np.random.default_rng(0).standard_normal((2, 3, 3))
    (out * dt.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _close(e.weight.grad, te.weight.grad)
    assert np.all(e.weight.grad.numpy()[2] == 0)


def test_embedding_max_norm_renormalises_like_pytorch():
    w = np.random.default_rng(2).standard_normal((6, 4)) * 3
    e = dt.nn.Embedding.from_pretrained(dt.tensor(w.copy()), freeze=False, max_norm=1.5)
    te = torch.nn.Embedding.from_pretrained(torch.tensor(w.copy()), freeze=False, max_norm=1.5)
    idx = [1, 3, 3]
    _close(e(dt.tensor(idx)), te(torch.tensor(idx)))
    _close(e.weight, te.weight)
    assert np.allclose(e.weight.detach().numpy()[0], w[0])         # untouched row


def test_from_pretrained_freeze_and_functional():
    w = dt.tensor(np.arange(12.0).reshape(4, 3))
    e = dt.nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    np.testing.assert_array_equal(dt.nn.functional.embedding(dt.tensor([3, 0]), w).numpy(),
                                  [[9, 10, 11], [0, 1, 2]])
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        e(dt.tensor([0.0]))


def test_one_hot_matches_pytorch():
    t = [[0, 3], [1, 1]]
    for n in (-1, 5):
        ours = dt.nn.functional.one_hot(dt.tensor(t), n)
        theirs = torch.nn.functional.one_hot(torch.tensor(t), n)
        assert ours.dtype == dt.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        dt.nn.functional.one_hot(dt.tensor([4]), 3)


@pytest.mark.parametrize("batch_first,value,side", [(False, 0.0, "right"),
                                                    (True, -1.0, "right"),
                                                    (True, 2.0, "left")])
def test_pad_sequence_matches_pytorch(batch_first, value, side):
    seqs = [np.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate((2, 4, 1))]
    ours = nn_utils.pad_sequence([dt.tensor(s, requires_grad=True) for s in seqs],
                                 batch_first, value, side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first,
                                             value, side)
    _close(ours, theirs)
    packed = nn_utils.pack_sequence([dt.tensor(s) for s in seqs], enforce_sorted=False)
    tpacked = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs],
                                               enforce_sorted=False)
    _close(packed.data, tpacked.data)
