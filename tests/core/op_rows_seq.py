"""Op-table rows of the sequence composites (dlcore/ops/sequence.py): gather along any axis,
embedding lookup, sequence_mask and the RNN/LSTM/GRU cells, against NumPy written out from
PyTorch's equations; ``op_table.py`` appends them."""

from __future__ import annotations

import numpy as np

from dlcore import ops
from dlcore.ops import sequence as seq
from dlcore.ops.activations import threshold_backward_p
from dlcore.ops.softmax_prims import softmax_backward_data_p, sparse_xent_grad_p


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_lstm(x, h, c, wi, wh, bi, bh):
    z = x @ wi.T + bi + h @ wh.T + bh
    i, f, g, o = np.split(z, 4, axis=-1)
    c2 = _sig(f) * c + _sig(i) * np.tanh(g)
    return np.concatenate([_sig(o) * np.tanh(c2), c2], -1).astype(x.dtype)


def _np_gru(x, h, wi, wh, bi, bh):
    xr, xz, xn = np.split(x @ wi.T + bi, 3, axis=-1)
    hr, hz, hn = np.split(h @ wh.T + bh, 3, axis=-1)
    r, z = _sig(xr + hr), _sig(xz + hz)
    n = np.tanh(xn + r * hn)
    return ((1 - z) * n + z * h).astype(x.dtype)


def _lstm(x, h, c, wi, wh, bi, bh):
    h2, c2 = seq.lstm_cell(x, h, c, wi, wh, bi, bh)
    return ops.concatenate([h2, c2], -1)


def _np_tf_lstm(z, c):
    i, j, f, o = np.split(z, 4, axis=-1)
    c2 = c * _sig(f + 1.0) + _sig(i) * np.tanh(j)
    return np.concatenate([np.tanh(c2) * _sig(o), c2], -1).astype(z.dtype)


def _np_tf_gru(x, h, wg, bg, wc, bc):
    r, u = np.split(_sig(np.concatenate([x, h], -1) @ wg + bg), 2, axis=-1)
    c = np.tanh(np.concatenate([x, r * h], -1) @ wc + bc)
    return (u * h + (1 - u) * c).astype(x.dtype)


def _np_keras_lstm(z, c):
    i, f, g, o = np.split(z, 4, axis=-1)
    c2 = _sig(f) * c + _sig(i) * np.tanh(g)
    return np.concatenate([_sig(o) * np.tanh(c2), c2], -1).astype(z.dtype)


def _np_keras_gru(xz, h, u):
    n = h.shape[-1]
    x_z, x_r, x_h = np.split(xz, 3, axis=-1)
    z = _sig(x_z + h @ u[:, :n])
    r = _sig(x_r + h @ u[:, n:2 * n])
    hh = np.tanh(x_h + (r * h) @ u[:, 2 * n:])
    return (z * h + (1 - z) * hh).astype(h.dtype)


def _np_lstm_gates_grad(gy, z, c):
    n = c.shape[-1]
    i, f, o = _sig(z[:, :n]), _sig(z[:, n:2 * n]), _sig(z[:, 3 * n:])
    g = np.tanh(z[:, 2 * n:3 * n])
    th = np.tanh(f * c + i * g)
    gh, gc = gy[:, :n], gy[:, n:]
    d = gc + gh * o * (1 - th ** 2)
    return np.concatenate([d * g * i * (1 - i), d * c * f * (1 - f), d * i * (1 - g * g),
                           gh * th * o * (1 - o), d * f], -1).astype(z.dtype)


def _np_lstm_step_grad(g, y, c):
    """lstm_step_grad from the step's output y = [h', c', z]: the gates' gradient at z, with
    g's z columns added to dz."""
    n = c.shape[-1]
    out = _np_lstm_gates_grad(g[:, :2 * n], y[:, 2 * n:], c)
    out[:, :4 * n] += g[:, 2 * n:]
    return out


def _np_gru_gates(xz, hz, h):
    """gru_gates' output [h', r, z, n] (the gates kept for its gradient), PyTorch's order."""
    n = h.shape[-1]
    r, z = _sig(xz[:, :n] + hz[:, :n]), _sig(xz[:, n:2 * n] + hz[:, n:2 * n])
    c = np.tanh(xz[:, 2 * n:] + r * hz[:, 2 * n:])
    return np.concatenate([(1 - z) * c + z * h, r, z, c], -1).astype(h.dtype)


def _np_gru_gates_grad(g, y, hz, h):
    """[dxz, dhz, dh] of gru_gates from the cotangent g of y = [h', r, z, n], written out
    from the chain rule (g's gate columns included)."""
    n = h.shape[-1]
    r, z, c = y[:, n:2 * n], y[:, 2 * n:3 * n], y[:, 3 * n:]
    gh, gr, gz, gn = (g[:, k * n:(k + 1) * n] for k in range(4))
    dan = (gh * (1 - z) + gn) * (1 - c * c)
    dar = (dan * hz[:, 2 * n:] + gr) * r * (1 - r)
    daz = (gh * (h - c) + gz) * z * (1 - z)
    return np.concatenate([dar, daz, dan, dar, daz, dan * r, gh * z], -1).astype(y.dtype)


def _np_gru_gates_zr(xz, hz, h):
    """Keras' reset_after=True order z, r, h (gru_gates' composite path)."""
    n = h.shape[-1]
    z, r = _sig(xz[:, :n] + hz[:, :n]), _sig(xz[:, n:2 * n] + hz[:, n:2 * n])
    c = np.tanh(xz[:, 2 * n:] + r * hz[:, 2 * n:])
    return ((1 - z) * c + z * h).astype(h.dtype)


def _np_softmax_grad(g, y, axis):
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


def _np_xent_grad(g, x, k):
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return ((p - np.eye(x.shape[-1])[k]) * g[..., None]).astype(x.dtype)


def _np_lstm_seq(xw, u, h0, c0):
    """y[t] = [h_t, c_t, z_t] (lstm_seq keeps each step's pre-activations for its gradient)."""
    n, ys = u.shape[0], []
    h, c = h0, c0
    for t in range(xw.shape[0]):
        z = xw[t] + h @ u
        y = _np_lstm(np.zeros((h.shape[0], 0), xw.dtype), h, c, np.zeros((4 * n, 0)), u.T,
                     xw[t], 0)
        ys.append(np.concatenate([y, z], -1))
        h, c = y[:, :n], y[:, n:]
    return np.stack(ys).astype(xw.dtype)


def _np_lstm_seq_grad(g, y, u, h0, c0):
    """BPTT at the saved z_t = y[t, :, 2H:], g's z columns added to dz_t."""
    n, t_len = u.shape[0], y.shape[0]
    out = np.zeros((t_len + 1, y.shape[1], 4 * n))
    dhc = np.zeros((y.shape[1], 2 * n))
    for t in range(t_len - 1, -1, -1):
        cp = y[t - 1, :, n:2 * n] if t else c0
        d = _np_lstm_gates_grad(g[t, :, :2 * n] + dhc, y[t, :, 2 * n:], cp)
        out[t] = d[:, :4 * n] + g[t, :, 2 * n:]
        dhc = np.concatenate([out[t] @ u.T, d[:, 4 * n:]], 1)
    out[t_len, :, :2 * n] = dhc
    return out.astype(y.dtype)


def seq_rows(OpRow, U, B) -> list:
    B3, D, H = 2, 3, 4
    cell = ("matmul", "transpose", "add", "getitem", "sigmoid", "tanh", "mul")
    return [
        OpRow("gather[axis=1]", "gather", lambda x, i: seq.gather(x, i, 1),
              lambda x, i: np.take(x, i, axis=1),
              (((3, 5, 2), (4,)), ((2, 5), (2, 3))), ("real", "int5"), (0,),
              primitives=("take", "transpose", "scatter_add")),
        OpRow("gather[axis=-1]", "gather", lambda x, i: seq.gather(x, i, -1),
              lambda x, i: np.take(x, i, axis=-1),
              (((2, 3, 4), (2, 2)),), ("real", "int4"), (0,)),
        OpRow("embedding", "embedding", lambda i, w: seq.embedding(i, w),
              lambda i, w: w[i], (((2, 3), (5, 4)),), ("int5", "real"), (1,),
              primitives=("take",)),
        OpRow("sequence_mask", "sequence_mask", lambda n: seq.sequence_mask(n, 6),
              lambda n: np.arange(6)[None, :] < n[:, None], (((4,),),), ("int7",), (),
              primitives=("less", "expand_dims")),
        OpRow("rnn_cell[tanh]", "rnn_cell", lambda x, h, wi, wh, bi, bh: seq.rnn_cell(
                  x, h, wi, wh, bi, bh),
              lambda x, h, wi, wh, bi, bh: np.tanh(x @ wi.T + bi + h @ wh.T + bh),
              (((B3, D), (B3, H), (H, D), (H, H), (H,), (H,)),), ("real",) * 6,
              (0, 1, 2, 3, 4, 5), rtol=1e-4, atol=1e-5, primitives=cell),
        OpRow("lstm_cell", "lstm_cell", _lstm, _np_lstm,
              (((B3, D), (B3, H), (B3, H), (4 * H, D), (4 * H, H), (4 * H,), (4 * H,)),),
              ("real",) * 7, (0, 1, 2, 3, 4, 5, 6), rtol=1e-4, atol=1e-5,
              primitives=cell + ("concatenate", "lstm_gates", "lstm_gates_grad")),
        OpRow("lstm_gates", "lstm_gates",
              lambda z, c: ops.concatenate(list(seq.lstm_gates(z, c)), -1),
              lambda z, c: _np_lstm(z, np.zeros((z.shape[0], 0), z.dtype), c,
                                    np.eye(z.shape[1], z.shape[1], dtype=z.dtype),
                                    np.zeros((z.shape[1], 0), z.dtype), 0, 0),
              (((B3, 4 * H), (B3, H)), ((1, 4), (1, 1))), ("real", "real"), (0, 1),
              rtol=1e-4, atol=1e-5),
        OpRow("lstm_gates_grad", "lstm_gates_grad",
              lambda gy, z, c: seq.bind(seq.lstm_gates_grad_p, gy, z, c), _np_lstm_gates_grad,
              (((B3, 2 * H), (B3, 4 * H), (B3, H)),), ("real", "real", "real"), (0, 1, 2),
              rtol=1e-4, atol=1e-5),
        OpRow("gru_cell", "gru_cell", seq.gru_cell, _np_gru,
              (((B3, D), (B3, H), (3 * H, D), (3 * H, H), (3 * H,), (3 * H,)),),
              ("real",) * 6, (0, 1, 2, 3, 4, 5), rtol=1e-4, atol=1e-5,
              primitives=cell + ("gru_gates", "gru_gates_grad")),
        OpRow("tf_lstm_gates", "tf_lstm_gates",
              lambda z, c: ops.concatenate(list(seq.tf_lstm_gates(z, c, 1.0)), -1),
              _np_tf_lstm, (((B3, 4 * H), (B3, H)),), ("real", "real"), (0, 1),
              rtol=1e-4, atol=1e-5, primitives=cell),
        OpRow("tf_gru_cell", "tf_gru_cell", seq.tf_gru_cell, _np_tf_gru,
              (((B3, D), (B3, H), (D + H, 2 * H), (2 * H,), (D + H, H), (H,)),),
              ("real",) * 6, (0, 1, 2, 3, 4, 5), rtol=1e-4, atol=1e-5,
              primitives=cell + ("concatenate", "sub")),
        OpRow("keras_lstm_gates", "keras_lstm_gates",
              lambda z, c: ops.concatenate(list(seq.keras_lstm_gates(z, c)), -1),
              _np_keras_lstm, (((B3, 4 * H), (B3, H)),), ("real", "real"), (0, 1),
              rtol=1e-4, atol=1e-5, primitives=cell),
        OpRow("keras_gru_cell", "keras_gru_cell", seq.keras_gru_cell, _np_keras_gru,
              (((B3, 3 * H), (B3, H), (H, 3 * H)),), ("real",) * 3, (0, 1, 2),
              rtol=1e-4, atol=1e-5, primitives=cell + ("sub",)),
        # the language models' loss: the cross-entropy's fused gradient and its own vjp
        # softmax's vjp as one node (create_graph gradients in eager: PyTorch's
        # _softmax_backward_data), y a softmax's output
        OpRow("softmax_backward_data[axis=1]", "softmax_backward_data",
              lambda g, y: seq.bind(softmax_backward_data_p, g, y, axis=1),
              lambda g, y: _np_softmax_grad(g, y, 1), (((3, 5), (3, 5)), ((2, 4, 3), (2, 4, 3))),
              ("real", "unit"), (0, 1)),
        # eager relu's vjp (PyTorch's threshold_backward: a NaN output passes g)
        OpRow("threshold_backward", "threshold_backward",
              lambda g, r: seq.bind(threshold_backward_p, g, r),
              lambda g, r: np.where(r <= 0, 0, g).astype(np.result_type(g, r)),
              (((3, 4), (3, 4)),), ("real", "away0"), (0,)),
        OpRow("sparse_softmax_xent_grad", "sparse_softmax_xent_grad",
              lambda g, x, k: seq.bind(sparse_xent_grad_p, g, x, k), _np_xent_grad,
              (((4,), (4, 5), (4,)), ((2, 3), (2, 3, 5), (2, 3))), ("real", "real", "int5"),
              (0, 1)),
            # a whole LSTM layer over time (eager nn.LSTM) and its backpropagation through time
        OpRow("lstm_seq", "lstm_seq", seq.lstm_seq, _np_lstm_seq,
              (((3, B3, 4 * H), (H, 4 * H), (B3, H), (B3, H)), ((1, 1, 4), (1, 4), (1, 1), (1, 1))),
              ("real",) * 4, (0, 1, 2, 3), rtol=1e-4, atol=1e-5),
        OpRow("lstm_seq_grad", "lstm_seq_grad",
              lambda g, y, u, h0, c0: seq.bind(seq.lstm_seq_grad_p, g, y, u, h0, c0),
              _np_lstm_seq_grad, (((3, B3, 6 * H), (3, B3, 6 * H), (H, 4 * H), (B3, H),
                                   (B3, H)),),
              ("real",) * 5, (), rtol=1e-4, atol=1e-5),
            # one LSTMCell step with both GEMMs inside, and its gradient
        OpRow("lstm_step", "lstm_step",
              lambda *a: ops.concatenate(list(seq.lstm_step(*a)), -1), _np_lstm,
              (((B3, D), (B3, H), (B3, H), (4 * H, D), (4 * H, H), (4 * H,), (4 * H,)),),
              ("real",) * 7, (0, 1, 2, 3, 4, 5, 6), rtol=1e-4, atol=1e-5),
        OpRow("lstm_step_grad", "lstm_step_grad",
              lambda g, y, c: seq.bind(seq.lstm_step_grad_p, g, y, c), _np_lstm_step_grad,
              (((B3, 6 * H), (B3, 6 * H), (B3, H)),), ("real",) * 3, (), rtol=1e-4, atol=1e-5),
    ]


def gru_rows(OpRow) -> list:
    """The fused GRU update's rows (appended at the end of the table, so that the rows before
    keep their indices and with them their CUDA configurations)."""
    B3, H = 2, 4
    cell = ("matmul", "transpose", "add", "getitem", "sigmoid", "tanh", "mul")
    return [
            # the fused GRU update: its whole output [h', r, z, n] (finite differences with
            # a cotangent on the gate columns too), its gradient (the composite vjp), and
            # the composite path it leaves to Keras' gate order
        OpRow("gru_gates", "gru_gates",
              lambda xz, hz, h: seq.bind(seq.gru_gates_p, xz, hz, h), _np_gru_gates,
              (((B3, 3 * H), (B3, 3 * H), (B3, H)), ((1, 3), (1, 3), (1, 1))),
              ("real",) * 3, (0, 1, 2), rtol=1e-4, atol=1e-5),
        OpRow("gru_gates_grad", "gru_gates_grad",
              lambda g, y, hz, h: seq.bind(seq.gru_gates_grad_p, g, y, hz, h),
              _np_gru_gates_grad, (((B3, 4 * H), (B3, 4 * H), (B3, 3 * H), (B3, H)),),
              ("real",) * 4, (0, 1, 2, 3), rtol=1e-4, atol=1e-5),
        OpRow("gru_gates[order=zr]", "gru_gates",
              lambda xz, hz, h: seq.gru_gates(xz, hz, h, order="zr"), _np_gru_gates_zr,
              (((B3, 3 * H), (B3, 3 * H), (B3, H)),), ("real",) * 3, (0, 1, 2), rtol=1e-4,
              atol=1e-5, primitives=cell + ("sub",)),
    ]


def _np_gru_seq(xw, u, bh, h0):
    """y[t] = [h_t, r_t, z_t, n_t, hn_t] (gru_seq keeps the gates and the candidate product
    hn_t = (h_{t-1} u + bh)[:, 2H:] for its gradient)."""
    n, h, ys = u.shape[0], h0, []
    for t in range(xw.shape[0]):
        hz = h @ u + bh
        y = _np_gru_gates(xw[t], hz, h)
        ys.append(np.concatenate([y, hz[:, 2 * n:]], -1))
        h = y[:, :n]
    return np.stack(ys).astype(xw.dtype)


def _np_gru_seq_grad(g, y, u, h0):
    """BPTT at the saved gates: gru_gates' gradient with hz_n = the saved hn, the carried dh
    added to g's h columns, g's hn columns added to dhz's candidate block."""
    n, t_len, nb = u.shape[0], y.shape[0], y.shape[1]
    out = np.zeros((t_len + 1, nb, 6 * n))
    dh = np.zeros((nb, n))
    for t in range(t_len - 1, -1, -1):
        gy = g[t, :, :4 * n].copy()
        gy[:, :n] += dh
        hz = np.concatenate([np.zeros((nb, 2 * n)), y[t, :, 4 * n:]], -1)
        d = _np_gru_gates_grad(gy, y[t, :, :4 * n], hz, y[t - 1, :, :n] if t else h0)
        dhz = np.concatenate([d[:, 3 * n:5 * n], d[:, 5 * n:6 * n] + g[t, :, 4 * n:]], -1)
        out[t] = np.concatenate([d[:, :3 * n], dhz], -1)
        dh = dhz @ u.T + d[:, 6 * n:]
    out[t_len, :, :n] = dh
    return out.astype(y.dtype)


def gru_seq_rows(OpRow) -> list:
    """A whole GRU layer over time (eager nn.GRU, Keras' GRU) and its backpropagation through
    time: appended after every other row (the rows before keep their CUDA configurations)."""
    B3, H = 2, 4
    return [
        OpRow("gru_seq", "gru_seq", seq.gru_seq, _np_gru_seq,
              (((3, B3, 3 * H), (H, 3 * H), (3 * H,), (B3, H)), ((1, 1, 3), (1, 3), (3,), (1, 1))),
              ("real",) * 4, (0, 1, 2, 3), rtol=1e-4, atol=1e-5),
        OpRow("gru_seq_grad", "gru_seq_grad",
              lambda g, y, u, h0: seq.bind(seq.gru_seq_grad_p, g, y, u, h0),
              _np_gru_seq_grad, (((3, B3, 5 * H), (3, B3, 5 * H), (H, 3 * H), (B3, H)),),
              ("real",) * 4, (0, 1, 2, 3), rtol=1e-4, atol=1e-5),
    ]


def _np_rnn_seq(xw, u, h0, act):
    h, ys = h0, []
    for t in range(xw.shape[0]):
        a = xw[t] + h @ u
        h = np.tanh(a) if act == "tanh" else np.maximum(a, 0)
        ys.append(h)
    return np.stack(ys).astype(xw.dtype)


def _np_rnn_seq_grad(g, y, u, act):
    t_len = y.shape[0]
    out = np.zeros((t_len + 1,) + y.shape[1:])
    dh = np.zeros(y.shape[1:])
    for t in range(t_len - 1, -1, -1):
        d = g[t] + dh
        out[t] = d * (1 - y[t] ** 2) if act == "tanh" else np.where(y[t] <= 0, 0, d)
        dh = out[t] @ u.T
    out[t_len] = dh
    return out.astype(y.dtype)


def rnn_seq_rows(OpRow) -> list:
    """A whole Elman layer over time (eager nn.RNN, Keras' SimpleRNN) and its backpropagation
    through time, tanh and relu: appended after every other row."""
    B3, H = 2, 4
    rows = []
    for act in ("tanh", "relu"):
        rows += [
            OpRow(f"rnn_seq[{act}]", "rnn_seq",
                  lambda xw, u, h0, _a=act: seq.rnn_seq(xw, u, h0, _a),
                  lambda xw, u, h0, _a=act: _np_rnn_seq(xw, u, h0, _a),
                  (((3, B3, H), (H, H), (B3, H)), ((1, 1, 2), (2, 2), (1, 2))),
                  ("real",) * 3, (0, 1, 2), rtol=1e-4, atol=1e-5),
            OpRow(f"rnn_seq_grad[{act}]", "rnn_seq_grad",
                  lambda g, y, u, _a=act: seq.bind(seq.rnn_seq_grad_p, g, y, u, nonlinearity=_a),
                  lambda g, y, u, _a=act: _np_rnn_seq_grad(g, y, u, _a),
                  (((3, B3, H), (3, B3, H), (H, H)),),
                  ("real", "away0" if act == "relu" else "real", "real"),
                  (0, 2) if act == "relu" else (0, 1, 2), rtol=1e-4, atol=1e-5),
            # (relu's derivative is a constant mask of y: no gradient flows to y)
        ]
    return rows


def _np_gru_rb_seq(xw, ug, uc, h0):
    """TensorFlow's GRUCell over time: y[t] = [h_t, r_t, u_t, c_t]."""
    n, h, ys = uc.shape[0], h0, []
    for t in range(xw.shape[0]):
        zg = 1 / (1 + np.exp(-(xw[t, :, :2 * n] + h @ ug)))
        r, u = zg[:, :n], zg[:, n:]
        c = np.tanh(xw[t, :, 2 * n:] + (r * h) @ uc)
        h = u * h + (1 - u) * c
        ys.append(np.concatenate([h, r, u, c], -1))
    return np.stack(ys).astype(xw.dtype)


def _np_gru_rb_seq_grad(g, y, ug, uc, h0):
    """BPTT at the saved gates (sequence_gru_rb's formulas)."""
    n, t_len, nb = uc.shape[0], y.shape[0], y.shape[1]
    out = np.zeros((t_len + 1, nb, 3 * n))
    dh = np.zeros((nb, n))
    for t in range(t_len - 1, -1, -1):
        r, u, c = (y[t, :, k * n:(k + 1) * n] for k in (1, 2, 3))
        hp = y[t - 1, :, :n] if t else h0
        gh = g[t, :, :n] + dh
        dzc = (gh * (1 - u) + g[t, :, 3 * n:]) * (1 - c * c)
        dzu = (gh * (hp - c) + g[t, :, 2 * n:3 * n]) * u * (1 - u)
        drh = dzc @ uc.T
        dzr = (drh * hp + g[t, :, n:2 * n]) * r * (1 - r)
        out[t] = np.concatenate([dzr, dzu, dzc], -1)
        dh = gh * u + drh * r + np.concatenate([dzr, dzu], -1) @ ug.T
    out[t_len, :, :n] = dh
    return out.astype(y.dtype)


def gru_rb_seq_rows(OpRow) -> list:
    """A reset-before GRU layer over time (TensorFlow's GRUCell, Keras' GRU(reset_after=False))
    and its backpropagation through time: appended after every other row."""
    B3, H = 2, 4
    return [
        OpRow("gru_rb_seq", "gru_rb_seq", seq.gru_rb_seq, _np_gru_rb_seq,
              (((3, B3, 3 * H), (H, 2 * H), (H, H), (B3, H)),
               ((1, 1, 3), (1, 2), (1, 1), (1, 1))),
              ("real",) * 4, (0, 1, 2, 3), rtol=1e-4, atol=1e-5),
        OpRow("gru_rb_seq_grad", "gru_rb_seq_grad",
              lambda g, y, ug, uc, h0: seq.bind(seq.gru_rb_seq_grad_p, g, y, ug, uc, h0),
              _np_gru_rb_seq_grad,
              (((3, B3, 4 * H), (3, B3, 4 * H), (H, 2 * H), (H, H), (B3, H)),),
              ("real",) * 5, (0, 1, 2, 3, 4), rtol=1e-4, atol=1e-5),
    ]
