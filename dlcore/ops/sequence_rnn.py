"""A whole Elman RNN layer over time as one primitive (``rnn_seq``), as ``lstm_seq`` and
``gru_seq`` are for the LSTM and the GRU: PyTorch's ``nn.RNN`` (tanh or relu) and Keras'
``SimpleRNN``, the inputs projected by the caller with one GEMM (both biases in it)::

    rnn_seq(xw, u, h0)          xw (T, B, H) = x W_ih^T + b_ih + b_hh,  u = W_hh^T (H, H),
                                h0 (B, H);  for t: h_t = act(xw_t + h_{t-1} u);  y[t] = h_t
    rnn_seq_grad(g, y, u)       backpropagation through time at the saved h_t (act' from it:
                                tanh 1 - h^2, relu h > 0): da_t = (g_t + dh) act'(h_t),
                                dh = da_t u^T;  out[:T] = da (= dxw), out[T] = dh0;
                                du = sum_t h_{t-1}^T da_t

The step loop cost three eager ops and their vjps per step (a slice, the product and its sum,
the activation); the fused layer is two kernel calls per layer.  ``rnn_seq_grad`` is
differentiable: its vjp recomputes the same recursion as a composite
(``sequence_grad2.rnn_seq_grad_vjp``), so a second derivative works.
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
from .shape import concatenate, expand_dims, matrix_transpose, reshape

NONLINEARITIES = ("tanh", "relu")


def _check_nonlinearity(op: str, nonlinearity) -> None:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"{op}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def _rnn_seq_rule(xw: AVal, u: AVal, h0: AVal, *, nonlinearity: str) -> AVal:
    _check_nonlinearity("rnn_seq", nonlinearity)
    n = u.shape[0] if u.ndim == 2 else None
    if xw.ndim != 3 or u.ndim != 2 or h0.ndim != 2 or known_differ(
            [(xw.shape[2], n), (u.shape[1], n), (h0.shape[0], xw.shape[1]), (h0.shape[1], n)]):
        raise ShapeError("rnn_seq", "expects xw (time, batch, hidden), u (hidden, hidden) and "
                         "h0 (batch, hidden)", [xw.shape, u.shape, h0.shape])
    if xw.shape[0] == 0:
        raise ShapeError("rnn_seq", "expects at least one time step", [xw.shape])
    if not is_floating(xw.dtype) or any(a.dtype != xw.dtype for a in (u, h0)):
        raise DTypeNotImplemented("rnn_seq", "xw, u and h0 must have the same floating dtype",
                                  [xw.dtype, u.dtype, h0.dtype])
    return AVal(xw.shape, xw.dtype)


def _rnn_seq_vjp(g, y, xw, u, h0, *, nonlinearity):
    d = bind(rnn_seq_grad_p, g, y, u, nonlinearity=nonlinearity)     # (T + 1, B, H)
    n = aval_of(u).shape[0]
    da = getitem(d, (slice(0, -1),))

    def du():                         # sum over t of h_{t-1}^T da_t: one GEMM
        hp = concatenate([expand_dims(h0, 0), getitem(y, (slice(0, -1),))], 0)
        return matmul(matrix_transpose(reshape(hp, (-1, n))), reshape(da, (-1, n)))

    return da, du, lambda: getitem(d, (-1,))


rnn_seq_p = Primitive(
    "rnn_seq", _rnn_seq_rule, _rnn_seq_vjp, kind="other",
    doc="for t: h_t = act(xw_t + h_{t-1} u) (act: tanh or relu);  y[t] = h_t;  out = "
        "rnn_seq_grad(g, y, u):  dxw = out[:T],  du = sum_t h_{t-1}^T dxw_t,  dh0 = out[T]",
    kernels={"cpu": _cpu_rnn.rnn_seq, "cuda": _cuda_rnn.rnn_seq})


def _rnn_seq_grad_rule(g: AVal, y: AVal, u: AVal, *, nonlinearity: str) -> AVal:
    _check_nonlinearity("rnn_seq_grad", nonlinearity)
    n = u.shape[0] if u.ndim == 2 else None
    if y.ndim != 3 or g.ndim != 3 or u.ndim != 2 or known_differ(
            [(y.shape[2], n), (u.shape[1], n)] + list(zip(g.shape, y.shape))):
        raise ShapeError("rnn_seq_grad", "expects g and y (time, batch, hidden: rnn_seq's "
                         "output) and u (hidden, hidden)", [g.shape, y.shape, u.shape])
    if not is_floating(y.dtype) or any(a.dtype != y.dtype for a in (g, u)):
        raise DTypeNotImplemented("rnn_seq_grad", "g, y and u must have the same floating "
                                  "dtype", [g.dtype, y.dtype, u.dtype])
    t = y.shape[0]
    return AVal((None if t is None else t + 1, y.shape[1], y.shape[2]), y.dtype)


rnn_seq_grad_p = Primitive(
    "rnn_seq_grad", _rnn_seq_grad_rule, _g2.rnn_seq_grad_vjp, kind="other",
    doc="backpropagation through time of rnn_seq from its output y (the saved h_t): for "
        "t = T-1 .. 0, da_t = (g_t + dh) act'(h_t) (tanh: 1 - h_t^2; relu: 0 where h_t <= 0), "
        "dh = da_t u^T;  out[t] = da_t, out[T] = dh;  vjp: the same recomputed step by step as "
        "a composite (sequence_grad2)",
    kernels={"cpu": _cpu_rnn.rnn_seq_grad, "cuda": _cuda_rnn.rnn_seq_grad})


def rnn_seq(xw, u, h0, nonlinearity: str = "tanh"):
    """An Elman RNN layer over time from the projected inputs ``xw`` (T, B, H: ``x_t W_ih^T``
    plus both biases), ``u = W_hh^T`` (H, H) and the initial state ``h0`` (B, H): returns the
    states ``y`` (T, B, H), ``h_t = act(xw_t + h_{t-1} u)`` with act ``nonlinearity`` (tanh or
    relu; the fused ``rnn_seq``)."""
    return bind(rnn_seq_p, xw, u, h0, nonlinearity=nonlinearity)
