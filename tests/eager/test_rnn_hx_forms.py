"""nn.LSTM/GRU/RNN (and the cells) given their initial state in the forms programs use, and
given the wrong one, against PyTorch 2.13 live: an LSTM's ``hx`` as a list ``[h0, c0]`` works
as the tuple does (same values, gradients, a tuple returned); the refusals (a short or long
tuple/list, a Tensor, an RNN/GRU state as a tuple or list, states of the wrong rank or shape,
an input or state whose dtype is not the weights', in torch's order) raise torch's error
type with torch's text."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _modules(T):
    T.manual_seed(0)
    nn = T.nn
    return {"lstm": nn.LSTM(3, 4, 2), "gru": nn.GRU(3, 4, 2), "rnn": nn.RNN(3, 4, 2),
            "lstm_bf": nn.LSTM(3, 4, batch_first=True), "lstm64": nn.LSTM(3, 4).double(),
            "gru64": nn.GRU(3, 4).double(), "rnn_relu": nn.RNN(3, 4, 2, nonlinearity="relu"),
            "lstm_bi": nn.LSTM(3, 4, bidirectional=True), "lstmcell": nn.LSTMCell(3, 4),
            "grucell": nn.GRUCell(3, 4), "rnncell": nn.RNNCell(3, 4)}


def _tensors(T):
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32))
    return x, T.zeros(2, 2, 4), T.zeros(2, 2, 4)


def _z(T, *shape):
    return T.zeros(*shape)


CASES = {
    "lstm list3": lambda T, m, x, h, c: m["lstm"](x, [h, c, c]),
    "lstm tuple3": lambda T, m, x, h, c: m["lstm"](x, (h, c, c)),
    "lstm tuple1": lambda T, m, x, h, c: m["lstm"](x, (h,)),
    "lstm list1": lambda T, m, x, h, c: m["lstm"](x, [h]),
    "lstm tensor": lambda T, m, x, h, c: m["lstm"](x, h),
    "gru list": lambda T, m, x, h, c: m["gru"](x, [h]),
    "gru tuple": lambda T, m, x, h, c: m["gru"](x, (h,)),
    "rnn list": lambda T, m, x, h, c: m["rnn"](x, [h]),
    "packed gru list": lambda T, m, x, h, c: m["gru"](
        T.nn.utils.rnn.pack_padded_sequence(x, [5, 3]), [h]),
    "gru bad batch": lambda T, m, x, h, c: m["gru"](x, _z(T, 2, 3, 4)),
    "gru bad layers": lambda T, m, x, h, c: m["gru"](x, _z(T, 1, 2, 4)),
    "rnn bad hidden": lambda T, m, x, h, c: m["rnn"](x, _z(T, 2, 2, 5)),
    "lstm bad h": lambda T, m, x, h, c: m["lstm"](x, (_z(T, 2, 3, 4), c)),
    "lstm bad c": lambda T, m, x, h, c: m["lstm"](x, (h, _z(T, 2, 2, 5))),
    "lstm bad both": lambda T, m, x, h, c: m["lstm"](x, (_z(T, 1, 2, 4), _z(T, 2, 2, 5))),
    "lstm bad h list": lambda T, m, x, h, c: m["lstm"](x, [_z(T, 2, 3, 4), c]),
    "lstm batch_first bad h": lambda T, m, x, h, c: m["lstm_bf"](x, (h[:1], c[:1])),
    "lstm f64 input": lambda T, m, x, h, c: m["lstm"](x.double(), (h, c)),
    "lstm f64 input no hx": lambda T, m, x, h, c: m["lstm"](x.double()),
    "gru f64 input": lambda T, m, x, h, c: m["gru"](x.double()),
    "rnn f64 input": lambda T, m, x, h, c: m["rnn"](x.double()),
    "lstm f16 input": lambda T, m, x, h, c: m["lstm"](x.half()),
    "lstm int input": lambda T, m, x, h, c: m["lstm"](x.long()),
    "lstm64 f32 input": lambda T, m, x, h, c: m["lstm64"](x),
    "gru f64 input packed": lambda T, m, x, h, c: m["gru"](
        T.nn.utils.rnn.pack_padded_sequence(x.double(), [5, 3])),
    "lstm f64 input packed": lambda T, m, x, h, c: m["lstm"](
        T.nn.utils.rnn.pack_padded_sequence(x.double(), [5, 3])),
    "lstm f64 input bad h dims": lambda T, m, x, h, c: m["lstm"](x.double(), (h[0], c[0])),
    "lstm f64 input wrong size": lambda T, m, x, h, c: m["lstm"](_z(T, 5, 2, 4).double()),
    "lstm f64 h": lambda T, m, x, h, c: m["lstm"](x, (h.double(), c.double())),
    "lstm f64 c": lambda T, m, x, h, c: m["lstm"](x, (h, c.double())),
    "lstm bidir f64 h": lambda T, m, x, h, c: m["lstm_bi"](x, (h.double(), c.double())),
    "lstm64 f32 h": lambda T, m, x, h, c: m["lstm64"](x.double(), (h[:1], c[:1])),
    "gru f64 h": lambda T, m, x, h, c: m["gru"](x, h.double()),
    "gru64 f32 h": lambda T, m, x, h, c: m["gru64"](x.double(), h[:1]),
    "rnn relu f64 h": lambda T, m, x, h, c: m["rnn_relu"](x, h.double()),
    "lstm unbatched 3d h": lambda T, m, x, h, c: m["lstm"](x[:, 0], (h, c)),
    "lstm batched 2d h": lambda T, m, x, h, c: m["lstm"](x, (h[:, 0], c[:, 0])),
    "lstm batched mixed": lambda T, m, x, h, c: m["lstm"](x, (h, c[:, 0])),
    "gru unbatched 3d h": lambda T, m, x, h, c: m["gru"](x[:, 0], h),
    "gru batched 2d h": lambda T, m, x, h, c: m["gru"](x, h[:, 0]),
    "rnn batched 2d h": lambda T, m, x, h, c: m["rnn"](x, h[:, 0]),
    "gru unbatched bad shape": lambda T, m, x, h, c: m["gru"](x[:, 0], _z(T, 2, 3)),
    "lstmcell f64 input": lambda T, m, x, h, c: m["lstmcell"](x[0].double()),
    "grucell f64 input": lambda T, m, x, h, c: m["grucell"](x[0].double()),
    "rnncell f64 input unbatched": lambda T, m, x, h, c: m["rnncell"](x[0, 0].double()),
    "lstmcell int input": lambda T, m, x, h, c: m["lstmcell"](x[0].long()),
    "lstmcell f64 h": lambda T, m, x, h, c: m["lstmcell"](x[0], (h[0].double(), c[0])),
    "grucell f64 h": lambda T, m, x, h, c: m["grucell"](x[0], h[0].double()),
    "rnncell f64 h": lambda T, m, x, h, c: m["rnncell"](x[0], h[0].double()),
    "lstmcell bad c batch": lambda T, m, x, h, c: m["lstmcell"](x[0], (h[0], c[0, :1])),
    "lstmcell bad h batch": lambda T, m, x, h, c: m["lstmcell"](x[0], (h[0, :1], c[0])),
    # (review24 R2, R3: a packed batch's hx as _VF.lstm checks it; the cells' forward checks)
    "packed lstm list1": lambda T, m, x, h, c: m["lstm"](_pk(T, x), [h]),
    "packed lstm list3": lambda T, m, x, h, c: m["lstm"](_pk(T, x), [h, c, c]),
    "packed lstm 2d states": lambda T, m, x, h, c: m["lstm"](_pk(T, x), (h[0], c[0])),
    "packed gru 2d": lambda T, m, x, h, c: m["gru"](_pk(T, x), h[0]),
    "lstmcell list3": lambda T, m, x, h, c: m["lstmcell"](x[0], [h[0], c[0], c[0]]),
    "lstmcell tensor": lambda T, m, x, h, c: m["lstmcell"](x[0], h[0]),
    "lstmcell 3d c": lambda T, m, x, h, c: m["lstmcell"](x[0], (h[0], c)),
    "grucell tuple": lambda T, m, x, h, c: m["grucell"](x[0], (h[0],)),
    "grucell 3d h": lambda T, m, x, h, c: m["grucell"](x[0], h),
    "rnncell 3d h unbatched": lambda T, m, x, h, c: m["rnncell"](x[0, 0], h),
}
#: refusals whose type is torch's but whose text is not (torch's argument parser lists its
#: overloads; dlcore names the argument)
TYPE_ONLY = {
    "packed lstm tensor": lambda T, m, x, h, c: m["lstm"](_pk(T, x), h),
    "lstm 4d tensor hx": lambda T, m, x, h, c: m["lstm"](x, _z(T, 2, 2, 2, 4)),
}
#: calls torch takes: the same values and dtypes
ACCEPTED = {
    "lstm unbatched list3": lambda T, m, x, h, c: m["lstm"](x[:, 0], [h[:, 0], c[:, 0], c[:, 0]]),
    "lstm unbatched tuple3": lambda T, m, x, h, c: m["lstm"](x[:, 0], (h[:, 0], c[:, 0], c)),
    "lstm64 f32 c": lambda T, m, x, h, c: m["lstm64"](x.double(), (h[:1].double(), c[:1] + 0.5)),
    "lstm64 f32 c list": lambda T, m, x, h, c: m["lstm64"](x.double(), [h[:1].double(), c[:1]]),
    "lstmcell f64 c": lambda T, m, x, h, c: m["lstmcell"](x[0], (h[0] + 0.1, c[0].double() - 1)),
    "lstmcell f64 c unbatched": lambda T, m, x, h, c: m["lstmcell"](x[0, 0],
                                                                  (h[0, 0], c[0, 0].double())),
    "lstmcell64 f32 c": lambda T, m, x, h, c: T.nn.LSTMCell(3, 4).double()(
        x[0].double(), (h[0].double(), c[0] + 0.25)),
    "lstm list": lambda T, m, x, h, c: m["lstm"](x, [h, c]),
}


def _pk(T, x):
    return T.nn.utils.rnn.pack_padded_sequence(x, [5, 3])


def _flat(r):
    if isinstance(r, (tuple, list)):
        return [t for v in r for t in _flat(v)]
    return [r]


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_accepted_as_torch(name):
    f = ACCEPTED[name]
    rt = _flat(f(torch, _modules(torch), *_tensors(torch)))
    rd = _flat(f(dl, _modules(dl), *_tensors(dl)))
    assert len(rt) == len(rd)
    for a, b in zip(rd, rt):
        assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("name", list(TYPE_ONLY))
def test_refusal_types_are_torchs(name):
    f = TYPE_ONLY[name]
    with pytest.raises(Exception) as et:
        f(torch, _modules(torch), *_tensors(torch))
    with pytest.raises(type(et.value)):
        f(dl, _modules(dl), *_tensors(dl))


@pytest.mark.parametrize("name", list(CASES))
def test_refusals_are_torchs(name):
    f = CASES[name]
    with pytest.raises(Exception) as et:
        f(torch, _modules(torch), *_tensors(torch))
    with pytest.raises(type(et.value)) as ed:
        f(dl, _modules(dl), *_tensors(dl))
    assert str(ed.value) == str(et.value)


@pytest.mark.parametrize("kind", ["batched", "unbatched", "packed", "cell"])
def test_lstm_state_as_a_list_is_the_tuple(kind):
    outs = []
    for T in (torch, dl):
        m = _modules(T)
        x, h, c = _tensors(T)
        h = (h + 0.25).requires_grad_(True)
        c = (c - 0.5).requires_grad_(True)
        runs = []
        for wrap in (tuple, list):
            if kind == "batched":
                out, (hn, cn) = m["lstm"](x, wrap([h, c]))
            elif kind == "unbatched":
                out, (hn, cn) = m["lstm"](x[:, 0], wrap([h[:, 0], c[:, 0]]))
            elif kind == "packed":
                pk = T.nn.utils.rnn.pack_padded_sequence(x, [5, 3])
                res = m["lstm"](pk, wrap([h, c]))
                out, (hn, cn) = res[0].data, res[1]
                assert type(res[1]) is tuple
            else:
                out, (hn, cn) = x[0], m["lstmcell"](x[0], wrap([h[0], c[0]]))
            gh, gc = T.autograd.grad((out.sum() + hn.sum() * 2 + cn.sum() * 3), (h, c))
            runs.append([t.detach().numpy().copy() for t in (out, hn, cn, gh, gc)])
        for a, b in zip(*runs):                 # the list gives the tuple's values
            np.testing.assert_array_equal(a, b)
        outs.append(runs[0])
    for a, b in zip(*outs):                     # and they are torch's
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
