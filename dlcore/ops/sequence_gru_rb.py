"""A reset-before GRU layer over time as one primitive (``gru_rb_seq``): TensorFlow 1's
``GRUCell`` and Keras' ``GRU(reset_after=False)`` (Keras 2's default), whose reset gate
scales the state *before* the candidate's recurrent product (``gru_seq`` is PyTorch's, the
reset gate after it), the inputs projected by the caller with one GEMM::

    gru_rb_seq(xw, ug, uc, h0)      xw (T, B, 3H) = x [W_r, W_u, W_c] + b (gates r, u, then
                                    the candidate), ug (H, 2H), uc (H, H), h0 (B, H);  for t:
                                    r, u = s(xw_t[:2H] + h_{t-1} ug);  c = tanh(xw_t[2H:] +
                                    (r h_{t-1}) uc);  h_t = u h_{t-1} + (1 - u) c
                                    y[t] = [h_t, r_t, u_t, c_t]  (T, B, 4H)
    gru_rb_seq_grad(g, y, ug, uc, h0)   backpropagation through time at the saved gates:
                                    out[t] = [dzr, dzu, dzc]_t (= dxw_t), out[T] = [dh0, 0, 0];
                                    dug = sum_t h_{t-1}^T [dzr, dzu]_t,  duc = sum_t (r_t
                                    h_{t-1})^T dzc_t  (one GEMM each, in the vjp)

(TensorFlow's GRUCell calls u the update gate ``u``; Keras calls it ``z``, with its gate order
z, r, h.)  ``gru_rb_seq_grad`` is differentiable: its vjp recomputes the same recursion as a
composite (``sequence_grad2.gru_rb_seq_grad_vjp``), so a second derivative works while the
first-order path stays one kernel call each way.
"""

from __future__ import annotations

from ..dtypes import is_floating
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import rnn as _cpu_rnn
from ..kernels.cuda import rnn as _cuda_rnn
from ..registry import AVal, Primitive, aval_of, bind
from . import sequence_grad2 as _g2
from ._rules import known_differ
from .elementwise import mul
from .indexing import getitem
from .linalg import matmul
from .shape import concatenate, expand_dims, matrix_transpose, reshape


def _times(n, k):
    return None if n is None else k * n


def _gru_rb_seq_rule(xw: AVal, ug: AVal, uc: AVal, h0: AVal) -> AVal:
    n = uc.shape[0] if uc.ndim == 2 else None
    if xw.ndim != 3 or ug.ndim != 2 or uc.ndim != 2 or h0.ndim != 2 or known_differ(
            [(xw.shape[2], _times(n, 3)), (ug.shape[0], n), (ug.shape[1], _times(n, 2)),
             (uc.shape[1], n), (h0.shape[0], xw.shape[1]), (h0.shape[1], n)]):
        raise ShapeError("gru_rb_seq", "expects xw (time, batch, 3*hidden), ug (hidden, "
                         "2*hidden), uc (hidden, hidden) and h0 (batch, hidden)",
                         [xw.shape, ug.shape, uc.shape, h0.shape])
    if xw.shape[0] == 0:
        raise ShapeError("gru_rb_seq", "expects at least one time step", [xw.shape])
    if not is_floating(xw.dtype) or any(a.dtype != xw.dtype for a in (ug, uc, h0)):
        raise DTypeNotImplemented("gru_rb_seq", "xw, ug, uc and h0 must have the same "
                                  "floating dtype", [xw.dtype, ug.dtype, uc.dtype, h0.dtype])
    return AVal((xw.shape[0], xw.shape[1], _times(n, 4)), xw.dtype)


def _gru_rb_seq_vjp(g, y, xw, ug, uc, h0):
    d = bind(gru_rb_seq_grad_p, g, y, ug, uc, h0)           # (T + 1, B, 3H)
    n = aval_of(uc).shape[0]
    steps = slice(0, -1)

    def h_prev():                     # h_{t-1} for every t: h0, then y's h columns
        return concatenate([expand_dims(h0, 0),
                            getitem(y, (slice(0, -1), slice(None), slice(0, n)))], 0)

    def dug():                        # sum over t of h_{t-1}^T [dzr, dzu]_t: one GEMM
        dzg = getitem(d, (steps, slice(None), slice(0, 2 * n)))
        return matmul(matrix_transpose(reshape(h_prev(), (-1, n))), reshape(dzg, (-1, 2 * n)))

    def duc():                        # sum over t of (r_t h_{t-1})^T dzc_t
        rh = mul(getitem(y, (slice(None), slice(None), slice(n, 2 * n))), h_prev())
        dzc = getitem(d, (steps, slice(None), slice(2 * n, None)))
        return matmul(matrix_transpose(reshape(rh, (-1, n))), reshape(dzc, (-1, n)))

    return (lambda: getitem(d, (steps,)), dug, duc,
            lambda: getitem(d, (-1, slice(None), slice(0, n))))


#: A reset-before GRU layer over time in one primitive (TensorFlow's GRUCell's maths).
gru_rb_seq_p = Primitive(
    "gru_rb_seq", _gru_rb_seq_rule, _gru_rb_seq_vjp, kind="other",
    doc="for t: r, u = s(xw_t[:2H] + h_{t-1} ug);  c = tanh(xw_t[2H:] + (r h_{t-1}) uc);  "
        "h_t = u h_{t-1} + (1 - u) c;  y_t = [h_t, r_t, u_t, c_t];  out = gru_rb_seq_grad(g, y, "
        "ug, uc, h0):  dxw = out[:T],  dug = sum_t h_{t-1}^T out[t, :, :2H],  duc = sum_t "
        "(r_t h_{t-1})^T out[t, :, 2H:],  dh0 = out[T, :, :H]",
    kernels={"cpu": _cpu_rnn.gru_rb_seq, "cuda": _cuda_rnn.gru_rb_seq})


def _gru_rb_seq_grad_rule(g: AVal, y: AVal, ug: AVal, uc: AVal, h0: AVal) -> AVal:
    n = uc.shape[0] if uc.ndim == 2 else None
    if y.ndim != 3 or g.ndim != 3 or ug.ndim != 2 or uc.ndim != 2 or h0.ndim != 2 or \
            known_differ([(y.shape[2], _times(n, 4)), (ug.shape[1], _times(n, 2)),
                          (ug.shape[0], n), (h0.shape[0], y.shape[1]), (h0.shape[1], n)] +
                         list(zip(g.shape, y.shape))):
        raise ShapeError("gru_rb_seq_grad", "expects g and y (time, batch, 4*hidden: "
                         "gru_rb_seq's output [h, r, u, c]), ug (hidden, 2*hidden), uc (hidden, "
                         "hidden) and h0 (batch, hidden)",
                         [g.shape, y.shape, ug.shape, uc.shape, h0.shape])
    if not is_floating(y.dtype) or any(a.dtype != y.dtype for a in (g, ug, uc, h0)):
        raise DTypeNotImplemented("gru_rb_seq_grad", "g, y, ug, uc and h0 must have the same "
                                  "floating dtype", [g.dtype, y.dtype, ug.dtype, uc.dtype,
                                                     h0.dtype])
    t = y.shape[0]
    return AVal((None if t is None else t + 1, y.shape[1], _times(n, 3)), y.dtype)


gru_rb_seq_grad_p = Primitive(
    "gru_rb_seq_grad", _gru_rb_seq_grad_rule, _g2.gru_rb_seq_grad_vjp, kind="other",
    doc="backpropagation through time of gru_rb_seq from its output y = [h, r, u, c]: for t = "
        "T-1 .. 0, gh = g_h + dh;  dzc = (gh (1-u) + g_c)(1-c^2);  dzu = (gh (h_{t-1}-c) + "
        "g_u) u(1-u);  drh = dzc uc^T;  dzr = (drh h_{t-1} + g_r) r(1-r);  dh = gh u + drh r "
        "+ [dzr, dzu] ug^T;  out[t] = [dzr, dzu, dzc], out[T] = [dh, 0, 0];  vjp: the same "
        "recomputed step by step as a composite (sequence_grad2)",
    kernels={"cpu": _cpu_rnn.gru_rb_seq_grad, "cuda": _cuda_rnn.gru_rb_seq_grad})


def gru_rb_seq(xw, ug, uc, h0):
    """A reset-before GRU layer over time from the projected inputs ``xw`` (T, B, 3H: ``x
    [W_r, W_u, W_c] + b``), the recurrent kernels ``ug`` (H, 2H: the gates r, u) and ``uc``
    (H, H: the candidate) and the initial state ``h0`` (B, H): returns ``y`` (T, B, 4H) with
    ``y[t] = [h_t, r_t, u_t, c_t]`` (the outputs are ``y[..., :H]``)."""
    return bind(gru_rb_seq_p, xw, ug, uc, h0)
