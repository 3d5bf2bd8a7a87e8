"""A whole GRU layer over time as one primitive (``gru_seq``), as ``lstm_seq`` is for the LSTM:
PyTorch's GRU (gate order r, z, n; the reset gate after the recurrent product, which is also
Keras' ``reset_after=True``), the inputs projected by the caller with one GEMM::

    gru_seq(xw, u, bh, h0)      xw (T, B, 3H) = x W_ih^T + b_ih,  u = W_hh^T (H, 3H),
                                bh = b_hh (3H),  h0 (B, H);  for t:
                                hz_t = h_{t-1} u + bh;  [h_t, r_t, z_t, n_t] = gru_gates(xw_t,
                                hz_t, h_{t-1});  y[t] = [h_t, r_t, z_t, n_t, hn_t]  (T, B, 5H)
                                (hn_t = hz_t's candidate columns: the product the reset gate
                                scales, which the gradient reads)
    gru_seq_grad(g, y, u, h0)   backpropagation through time at the saved gates (no GEMM
                                recomputes a gate): out[t] = [dxw_t, dhz_t] (6H), out[T] =
                                [dh0, 0];  du = sum_t h_{t-1}^T dhz_t,  dbh = sum_t dhz_t

Measured on eager ``nn.GRU`` (the step loop cost four eager ops and their vjps per step and
layer): see ``dlcore_eager/nn/rnn.py``.  ``gru_seq_grad`` is differentiable: its vjp recomputes
the same recursion as a composite (``sequence_grad2.gru_seq_grad_vjp``), so a second derivative
works while the first-order path stays one kernel call each way.
"""

from __future__ import annotations

from ..dtypes import is_floating
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import rnn as _cpu_rnn
from ..kernels.cuda import rnn as _cuda_rnn
from ..registry import AVal, Primitive, aval_of, bind
from . import sequence_grad2 as _g2
from ._rules import known_differ
from .indexing import getitem
from .linalg import matmul
from .reduce import sum as _sum
from .shape import concatenate, expand_dims, matrix_transpose, reshape


def _times(n, k):
    return None if n is None else k * n


def _gru_seq_rule(xw: AVal, u: AVal, bh: AVal, h0: AVal) -> AVal:
    n = u.shape[0] if u.ndim == 2 else None
    if xw.ndim != 3 or u.ndim != 2 or bh.ndim != 1 or h0.ndim != 2 or known_differ(
            [(xw.shape[2], _times(n, 3)), (u.shape[1], _times(n, 3)),
             (bh.shape[0], _times(n, 3)), (h0.shape[0], xw.shape[1]), (h0.shape[1], n)]):
        raise ShapeError("gru_seq", "expects xw (time, batch, 3*hidden), u (hidden, 3*hidden), "
                         "bh (3*hidden,) and h0 (batch, hidden)",
                         [xw.shape, u.shape, bh.shape, h0.shape])
    if xw.shape[0] == 0:
        raise ShapeError("gru_seq", "expects at least one time step", [xw.shape])
    if not is_floating(xw.dtype) or any(a.dtype != xw.dtype for a in (u, bh, h0)):
        raise DTypeNotImplemented("gru_seq", "xw, u, bh and h0 must have the same floating "
                                  "dtype", [xw.dtype, u.dtype, bh.dtype, h0.dtype])
    return AVal((xw.shape[0], xw.shape[1], _times(n, 5)), xw.dtype)


def _gru_seq_vjp(g, y, xw, u, bh, h0):
    d = bind(gru_seq_grad_p, g, y, u, h0)               # (T + 1, B, 6H)
    n = aval_of(u).shape[0]
    dhz = getitem(d, (slice(0, -1), slice(None), slice(3 * n, None)))

    def du():                         # sum over t of h_{t-1}^T dhz_t: one GEMM
        hp = concatenate([expand_dims(h0, 0),
                          getitem(y, (slice(0, -1), slice(None), slice(0, n)))], 0)
        return matmul(matrix_transpose(reshape(hp, (-1, n))), reshape(dhz, (-1, 3 * n)))

    return (lambda: getitem(d, (slice(0, -1), slice(None), slice(0, 3 * n))), du,
            lambda: _sum(dhz, (0, 1)), lambda: getitem(d, (-1, slice(None), slice(0, n))))


#: A whole GRU layer over time in one primitive (cuDNN's and PyTorch's fused layer).
gru_seq_p = Primitive(
    "gru_seq", _gru_seq_rule, _gru_seq_vjp, kind="other",
    doc="for t: hz_t = h_{t-1} u + bh;  [h_t, r_t, z_t, n_t] = gru_gates(xw_t, hz_t, h_{t-1});  "
        "y_t = [h_t, r_t, z_t, n_t, hz_t's candidate columns];  out = gru_seq_grad(g, y, u, "
        "h0):  dxw = out[:T, :, :3H],  du = sum_t h_{t-1}^T dhz_t,  dbh = sum_t dhz_t,  "
        "dh0 = out[T, :, :H]  (dhz = out[:T, :, 3H:])",
    kernels={"cpu": _cpu_rnn.gru_seq, "cuda": _cuda_rnn.gru_seq})


def _gru_seq_grad_rule(g: AVal, y: AVal, u: AVal, h0: AVal) -> AVal:
    n = u.shape[0] if u.ndim == 2 else None
    if y.ndim != 3 or g.ndim != 3 or u.ndim != 2 or h0.ndim != 2 or known_differ(
            [(y.shape[2], _times(n, 5)), (u.shape[1], _times(n, 3)),
             (h0.shape[0], y.shape[1]), (h0.shape[1], n)] + list(zip(g.shape, y.shape))):
        raise ShapeError("gru_seq_grad", "expects g and y (time, batch, 5*hidden: gru_seq's "
                         "output [h, r, z, n, hn]), u (hidden, 3*hidden) and h0 (batch, hidden)",
                         [g.shape, y.shape, u.shape, h0.shape])
    if not is_floating(y.dtype) or any(a.dtype != y.dtype for a in (g, u, h0)):
        raise DTypeNotImplemented("gru_seq_grad", "g, y, u and h0 must have the same floating "
                                  "dtype", [g.dtype, y.dtype, u.dtype, h0.dtype])
    t = y.shape[0]
    return AVal((None if t is None else t + 1, y.shape[1], _times(n, 6)), y.dtype)


gru_seq_grad_p = Primitive(
    "gru_seq_grad", _gru_seq_grad_rule, _g2.gru_seq_grad_vjp, kind="other",
    doc="backpropagation through time of gru_seq from its output y = [h, r, z, n, hn]: for "
        "t = T-1 .. 0, gru_gates_grad's formulas at the saved gates with g[t]'s h columns plus "
        "the carried dh (hz_n = hn_t, h_{t-1} = y[t-1]'s h or h0), g's hn columns added to "
        "dhz's candidate block, dh = dhz_t u^T + g_h z_t;  out[t] = [dxw_t, dhz_t], out[T] = "
        "[dh, 0];  vjp: the same recomputed step by step as a composite (sequence_grad2)",
    kernels={"cpu": _cpu_rnn.gru_seq_grad, "cuda": _cuda_rnn.gru_seq_grad})


def gru_seq(xw, u, bh, h0):
    """A GRU layer over time from the projected inputs ``xw`` (T, B, 3H: ``x_t W_ih^T + b_ih``,
    gates r, z, n), ``u = W_hh^T`` (H, 3H), ``bh = b_hh`` (3H) and the initial state ``h0``
    (B, H): returns ``y`` (T, B, 5H) with ``y[t] = [h_t, r_t, z_t, n_t, hn_t]`` (the fused
    ``gru_seq``; the outputs are ``y[..., :H]``)."""
    return bind(gru_seq_p, xw, u, bh, h0)
