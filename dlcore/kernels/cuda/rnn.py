"""CUDA kernels of the fused LSTM gate update and its gradient (see ``_rnn_kernels.py``)."""

from __future__ import annotations

from . import _support as S
from .elementwise import contiguous, flat


def _gates(name, width, dtype, state, *inputs):
    """Run gate kernel ``name`` of ``_rnn_kernels`` (one thread per (row, unit) of ``state``'s
    (B, H)) over the C-ordered ``inputs``, into a new (B, width * H) array of ``dtype``."""
    from . import _rnn_kernels
    nb, n = int(state.shape[0]), int(state.shape[1])
    out = S.empty((nb * width * n,), dtype)
    if nb * n:
        blocks, threads = S.launch_1d(nb * n)
        getattr(_rnn_kernels, name)[blocks, threads](
            *[flat(contiguous(x)) for x in inputs], out, nb, n)
    return S.view_as(out, (nb, width * n))


def lstm_gates(z, c):
    return _gates("lstm_gates_fwd", 2, z.dtype, c, z, c)


def lstm_gates_grad(gy, z, c):
    return _gates("lstm_gates_bwd", 5, z.dtype, c, gy, z, c)


def gru_gates(xz, hz, h):
    """``gru_gates`` on the device: out = ``[h', r, z, n]`` (B, 4H)."""
    return _gates("gru_gates_fwd", 4, xz.dtype, h, xz, hz, h)


def gru_gates_grad(g, y, hz, h):
    """``gru_gates_grad`` on the device: out = ``[dxz, dhz, dh]`` (B, 7H)."""
    return _gates("gru_gates_bwd", 7, y.dtype, h, g, y, hz, h)


def lstm_seq(xw, u, h0, c0):
    """``lstm_seq`` on the device: per step the device matmul, add and ``lstm_gates`` kernels
    (run through the primitives on device buffers), the steps' ``[h_t, c_t, z_t]`` stacked."""
    from ...ops import add, concatenate, getitem, matmul, stack
    from ...registry import PRIMITIVES, bind
    lstm_gates_p = PRIMITIVES["lstm_gates"]
    n = int(u.shape[0])
    h, c, ys = h0, c0, []
    for t in range(int(xw.shape[0])):
        z = add(getitem(xw, (t,)), matmul(h, u))
        y = bind(lstm_gates_p, z, c)
        ys.append(concatenate([y, z], 1))
        h, c = getitem(y, (slice(None), slice(0, n))), getitem(y, (slice(None), slice(n, None)))
    return stack(ys, 0)


def lstm_seq_grad(g, y, u, h0, c0):
    """``lstm_seq_grad`` on the device, the same recursion as the CPU kernel (at the saved
    ``z_t = y[t, :, 2H:]``) through the device kernels of add, lstm_gates_grad, matmul and
    concatenate."""
    from ...ops import add, concatenate, getitem, matmul, matrix_transpose, stack, zeros_like
    from ...registry import PRIMITIVES, bind
    lstm_gates_grad_p = PRIMITIVES["lstm_gates_grad"]
    n = int(u.shape[0])
    t_len = int(y.shape[0])
    dhc = None
    ut = matrix_transpose(u)
    dzs = [None] * t_len
    for t in range(t_len - 1, -1, -1):
        cp = getitem(y, (t - 1, slice(None), slice(n, 2 * n))) if t else c0
        gy = getitem(g, (t, slice(None), slice(0, 2 * n)))
        if dhc is not None:
            gy = add(gy, dhc)
        d = bind(lstm_gates_grad_p, gy, getitem(y, (t, slice(None), slice(2 * n, None))), cp)
        dz = add(getitem(d, (slice(None), slice(0, 4 * n))),
                 getitem(g, (t, slice(None), slice(2 * n, None))))
        dzs[t] = dz
        dhc = concatenate([matmul(dz, ut), getitem(d, (slice(None), slice(4 * n, None)))], 1)
    last = concatenate([dhc, zeros_like(dhc)], 1)
    return stack(dzs + [last], 0)


def _step_z(x, h, w_ih, w_hh, b_ih, b_hh):
    from ...ops import add, matmul, matrix_transpose
    return add(add(matmul(x, matrix_transpose(w_ih)), matmul(h, matrix_transpose(w_hh))),
               add(b_ih, b_hh))


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """``lstm_step`` on the device: the device matmul/add kernels, then ``lstm_gates``; out =
    ``[h', c', z]``."""
    from ...ops import concatenate
    z = _step_z(x, h, w_ih, w_hh, b_ih, b_hh)
    return concatenate([lstm_gates(z, c), z], 1)


def lstm_step_grad(g, y, c):
    """``[dz, dc]`` from the step's output ``y = [h', c', z]``: ``lstm_gates_grad`` at the
    saved z, g's z columns added to dz (the device getitem/add/concatenate kernels)."""
    from ...ops import add, concatenate, getitem
    n = int(c.shape[1])
    d = lstm_gates_grad(getitem(g, (slice(None), slice(0, 2 * n))),
                        getitem(y, (slice(None), slice(2 * n, None))), c)
    dz = add(getitem(d, (slice(None), slice(0, 4 * n))),
             getitem(g, (slice(None), slice(2 * n, None))))
    return concatenate([dz, getitem(d, (slice(None), slice(4 * n, None)))], 1)


def gru_seq(xw, u, bh, h0):
    """``gru_seq`` on the device: per step the device matmul and add kernels and
    ``gru_gates`` (run through the primitives on device buffers), the steps' ``[h, r, z, n,
    hn]`` stacked."""
    from ...ops import add, concatenate, getitem, matmul, stack
    from ...registry import PRIMITIVES, bind
    gru_gates_p = PRIMITIVES["gru_gates"]
    n = int(u.shape[0])
    h, ys = h0, []
    for t in range(int(xw.shape[0])):
        hz = add(matmul(h, u), bh)
        y = bind(gru_gates_p, getitem(xw, (t,)), hz, h)
        ys.append(concatenate([y, getitem(hz, (slice(None), slice(2 * n, None)))], 1))
        h = getitem(y, (slice(None), slice(0, n)))
    return stack(ys, 0)


def gru_seq_grad(g, y, u, h0):
    """``gru_seq_grad`` on the device: the CPU kernel's recursion as primitives
    (``sequence_grad2.gru_bptt``, also the second-order composite) on device buffers, each
    step's gate gradient the device kernel of ``gru_gates_grad`` (its hz read as the saved
    ``y[t, :, 2H:5H]``: the candidate block at 2H is hn); the steps and ``[dh0, 0]`` stacked."""
    from ...ops import concatenate, getitem, stack, zeros_like
    from ...ops.sequence_grad2 import gru_bptt
    from ...registry import PRIMITIVES, bind
    gru_gates_grad_p = PRIMITIVES["gru_gates_grad"]
    n = int(u.shape[0])
    all_ = slice(None)

    def gates_grad(gh, gt, yt, hp):
        gy = concatenate([gh, getitem(gt, (all_, slice(n, 4 * n)))], 1)
        d = bind(gru_gates_grad_p, gy, getitem(yt, (all_, slice(0, 4 * n))),
                 getitem(yt, (all_, slice(2 * n, 5 * n))), hp)
        return [getitem(d, (all_, slice(k * n, (k + 1) * n))) for k in range(7)]

    *outs, dh = gru_bptt(g, y, u, h0, n, int(y.shape[0]), gates_grad)
    last = concatenate([dh, zeros_like(getitem(outs[0], (all_, slice(n, None))))], 1)
    return stack(outs + [last], 0)


def gru_rb_seq(xw, ug, uc, h0):
    """``gru_rb_seq`` on the device: per step the device matmul, add, sigmoid, tanh and mul
    kernels (run through the primitives on device buffers), the steps' ``[h, r, u, c]``
    stacked."""
    from ...ops import add, concatenate, getitem, matmul, mul, sigmoid, stack, sub, tanh
    n = int(uc.shape[0])
    all_ = slice(None)
    h, ys = h0, []
    for t in range(int(xw.shape[0])):
        xt = getitem(xw, (t,))
        zg = sigmoid(add(getitem(xt, (all_, slice(0, 2 * n))), matmul(h, ug)))
        r, u = getitem(zg, (all_, slice(0, n))), getitem(zg, (all_, slice(n, 2 * n)))
        c = tanh(add(getitem(xt, (all_, slice(2 * n, None))), matmul(mul(r, h), uc)))
        h = add(c, mul(u, sub(h, c)))
        ys.append(concatenate([h, zg, c], 1))
    return stack(ys, 0)


def gru_rb_seq_grad(g, y, ug, uc, h0):
    """``gru_rb_seq_grad`` on the device: the CPU kernel's recursion as primitives
    (``sequence_grad2.gru_rb_bptt``, also the second-order composite) on device buffers,
    the steps and ``[dh0, 0, 0]`` stacked."""
    from ...ops import concatenate, getitem, stack, zeros_like
    from ...ops.sequence_grad2 import gru_rb_bptt
    n = int(uc.shape[0])
    *outs, dh = gru_rb_bptt(g, y, ug, uc, h0, n, int(y.shape[0]))
    last = concatenate([dh, zeros_like(getitem(outs[0], (slice(None), slice(n, None))))], 1)
    return stack(outs + [last], 0)


def rnn_seq(xw, u, h0, *, nonlinearity):
    """``rnn_seq`` on the device: per step the device matmul, add and tanh or relu kernels
    (run through the primitives on device buffers), the states stacked."""
    from ...ops import add, getitem, matmul, relu, stack, tanh
    act = relu if nonlinearity == "relu" else tanh
    h, ys = h0, []
    for t in range(int(xw.shape[0])):
        h = act(add(getitem(xw, (t,)), matmul(h, u)))
        ys.append(h)
    return stack(ys, 0)


def rnn_seq_grad(g, y, u, *, nonlinearity):
    """``rnn_seq_grad`` on the device, the CPU kernel's recursion through the device kernels
    of add, mul, sub (tanh's 1 - h^2) or where (relu's mask) and matmul."""
    from ...ops import add, getitem, less_equal, matmul, matrix_transpose, mul, stack, sub
    from ...ops import where, zeros_like
    ut = matrix_transpose(u)
    dh = None
    outs = [None] * int(y.shape[0])
    for t in range(len(outs) - 1, -1, -1):
        yt, gt = getitem(y, (t,)), getitem(g, (t,))
        d = gt if dh is None else add(gt, dh)
        if nonlinearity == "relu":
            da = where(less_equal(yt, 0.0), zeros_like(d), d)
        else:
            da = mul(d, sub(1.0, mul(yt, yt)))
        outs[t] = da
        dh = matmul(da, ut)
    return stack(outs + [dh], 0)
