"""Sequence-model composites: gathers along any axis, embedding lookup, sequence masks and the
recurrent cells (Elman RNN, LSTM, GRU).  None of them is a primitive: each is a short function
of primitives (``take``, ``transpose``, ``matmul``, ``getitem``, ``sigmoid``, ``tanh``, ...), so
both front ends and the graph compiler see ordinary ops and the gradients come from theirs.

    gather(x, i, axis)          y = x[:, ..., i, ...]  (i's dims replace axis), via take on axis 0
    embedding(i, w, pad)        y = w[i];  dw[pad] = 0 (the padding row gets no gradient)
    sequence_mask(n, T)         m[..., t] = t < n[...]
    rnn_cell(x, h, ...)         h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)
    lstm_cell(x, h, c, ...)     i, f, g, o = split(x W_ih^T + b_ih + h W_hh^T + b_hh, 4)
                                c' = s(f) c + s(i) tanh(g);  h' = s(o) tanh(c')
    tf_lstm_gates(z, c, fb)     TensorFlow's order i, j, f, o:  c' = s(f + fb) c + s(i) tanh(j)
    tf_gru_cell(x, h, ...)      r, u = split(s([x, h] W_g + b_g));  c~ = tanh([x, r h] W_c + b_c)
                                h' = u h + (1 - u) c~
    gru_cell(x, h, ...)         r, z, n from x W_ih^T + b_ih and h W_hh^T + b_hh (PyTorch order)
                                n = tanh(x_n + r (h_n));  h' = (1 - z) n + z h
    gru_gates(xz, hz, h, ...)   that update (reset after the product) from both products, in
                                PyTorch's gate order or Keras' (``reset_after=True``)
    keras_gru_cell(xz, h, u)    Keras' ``reset_after=False``: n = act(x_n + (r h) U_n)

The gate order and layout (weights of shape (gates*H, D)) are PyTorch's; the TensorFlow cells
in dlcore_static reorder their kernels into this form.  A fused cell primitive was not added:
except ``lstm_gates``: PyTorch's LSTM update (gates from the pre-activations, new cell and
output) is one primitive with a fused CPU/CUDA kernel and a fused gradient kernel, because the
unfused form costs about ten eager ops (and their vjps) per time step, which dominated the
variable-length benchmark (eager step, lengths 5..100, N 32, H 64: see the report figures);
and ``lstm_seq``, a whole LSTM layer over time (cuDNN's and PyTorch's fused layer: the inputs
projected by the caller with one GEMM, then per step ``z_t = xw_t + h_{t-1} u`` and the fused
gates, in one kernel call; ``lstm_seq_grad`` runs backpropagation through time in one more),
because eager ``nn.LSTM``'s step loop cost six eager ops and their vjps per step and layer;
and ``gru_gates``, PyTorch's GRU update (order r, z, n, default activations; its output keeps
the gates for the fused gradient ``gru_gates_grad``), for the same reason (the composite was
about a dozen eager ops and their vjps per ``nn.GRUCell``/``nn.GRU`` step).

    lstm_seq(xw, u, h0, c0)     y[t] = [h_t, c_t, z_t],  z_t = xw_t + h_{t-1} u,
                                h_t, c_t = lstm_gates(z_t, c_{t-1})
                                dxw_t = dz_t,  du = sum_t h_{t-1}^T dz_t,  dh0, dc0 (BPTT at
                                the saved z_t)

The GRU and Elman layers over time have the same form in their own modules (re-exported here):
``gru_seq(xw, u, bh, h0)`` (``sequence_gru``), the reset-before GRU of TensorFlow's GRUCell
``gru_rb_seq(xw, ug, uc, h0)`` (``sequence_gru_rb``) and ``rnn_seq(xw, u, h0, nonlinearity)``
(``sequence_rnn``).

The fused gradient primitives (``lstm_gates_grad``, ``lstm_step_grad``, ``lstm_seq_grad``) are
differentiable too: their vjps recompute the same gradient as a composite of primitives (in
``sequence_grad2``), so second derivatives (``create_graph=True``) work while the first-order
path stays one kernel each way.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..device import const_like
from ..dtypes import is_floating
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import rnn as _cpu_rnn
from ..kernels.cuda import rnn as _cuda_rnn
from ..registry import AVal, Primitive, aval_of, bind
from . import sequence_grad2 as _g2
from .elementwise import add, cast, less, mul, relu, sigmoid, stop_gradient, sub, tanh, where
from .gather import take
from .indexing import getitem
from .linalg import matmul
from .shape import expand_dims, matrix_transpose, transpose


def _axis(axis: int, ndim: int, op: str) -> int:
    if not -ndim <= axis < ndim:
        from ..errors import ShapeError
        raise ShapeError(op, f"axis {axis} is out of range for a tensor of rank {ndim}", [])
    return axis % ndim


# The public names: each front end's ``sequence`` convention writes its library's function of
# that name (PyTorch: dlcore_eager/nn/sparse.py; TensorFlow: dlcore_static/sequence_ops.py).
@exports({"tf": "gather"}, "sequence", name="gather_axis")
def gather(x, indices, axis: int = 0):
    """``y = x[:, ..., indices, ...]`` with ``indices`` (ints, any shape) on ``axis``; the
    output's shape is ``x.shape[:axis] + indices.shape + x.shape[axis+1:]`` (TensorFlow's
    ``tf.gather``, NumPy's ``np.take``).  ``dx`` is take's scatter-add, moved back."""
    nd = aval_of(x).ndim
    axis = _axis(int(axis), nd, "gather")
    if axis == 0:
        return take(x, indices)
    perm = (axis,) + tuple(d for d in range(nd) if d != axis)
    y = take(transpose(x, perm), indices)          # indices.shape + rest
    ni = aval_of(indices).ndim
    # y's axes: [i_0..i_{ni-1}, x_0..x_{axis-1}, x_{axis+1}..]; move the index block to axis.
    back = tuple(range(ni, ni + axis)) + tuple(range(ni)) + tuple(range(ni + axis, nd - 1 + ni))
    return transpose(y, back)


@exports({"torch.nn.functional": "embedding", "tf.nn": "embedding_lookup"}, "sequence")
def embedding(indices, weight, padding_idx: int | None = None):
    """Rows of ``weight`` picked by ``indices``; with ``padding_idx`` the forward value is the
    same but that row receives no gradient (PyTorch's ``F.embedding``)."""
    if padding_idx is not None:
        n = aval_of(weight).shape[0]
        keep = np.ones((n, 1), dtype=bool)
        keep[padding_idx] = False
        weight = where(const_like(keep, weight), weight, stop_gradient(weight))
    return take(weight, indices)


@exports({"tf": "sequence_mask"}, "sequence")
def sequence_mask(lengths, maxlen: int, dtype=_dt.bool_):
    """``m[..., t] = t < lengths[...]`` for t in [0, maxlen), in ``dtype``."""
    steps = np.arange(int(maxlen), dtype=aval_of(lengths).dtype)
    m = less(const_like(steps, lengths), expand_dims(lengths, -1))
    return m if np.dtype(dtype) == np.bool_ else cast(m, np.dtype(dtype))


def _affine(x, w, b):
    y = matmul(x, matrix_transpose(w))
    return y if b is None else add(y, b)


def _gates(x, h, w_ih, w_hh, b_ih, b_hh):
    return add(_affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh))


def _chunk(z, k: int, n: int):
    """The k-th of n equal blocks of the last axis."""
    size = aval_of(z).shape[-1] // n
    return getitem(z, (Ellipsis, slice(k * size, (k + 1) * size)))


def rnn_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity: str = "tanh"):
    """``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``, act = tanh or relu."""
    z = _gates(x, h, w_ih, w_hh, b_ih, b_hh)
    if nonlinearity == "tanh":
        return tanh(z)
    if nonlinearity == "relu":
        return relu(z)
    raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


def _lstm_gates_rule(z: AVal, c: AVal) -> AVal:
    if z.ndim != 2 or c.ndim != 2 or (z.shape[0] is not None and c.shape[0] is not None and
                                      z.shape[0] != c.shape[0]) or \
            (z.shape[1] is not None and c.shape[1] is not None and z.shape[1] != 4 * c.shape[1]):
        raise ShapeError("lstm_gates", "expects z (batch, 4*hidden) and c (batch, hidden)",
                         [z.shape, c.shape])
    if not is_floating(z.dtype) or c.dtype != z.dtype:
        raise DTypeNotImplemented("lstm_gates", "z and c must have the same floating dtype",
                                  [z.dtype, c.dtype])
    return AVal((z.shape[0], None if c.shape[1] is None else 2 * c.shape[1]), z.dtype)


def _lstm_gates_vjp(g, y, z, c):
    dzc = bind(lstm_gates_grad_p, g, z, c)
    n4 = aval_of(z).shape[1]
    return (getitem(dzc, (slice(None), slice(0, n4))),
            getitem(dzc, (slice(None), slice(n4, None))))


#: The fused LSTM update (measured: the unfused cell is ~10 eager ops per step and their
#: vjps; see the module docstring).  Output [h', c'] side by side, (B, 2H).
lstm_gates_p = Primitive(
    "lstm_gates", _lstm_gates_rule, _lstm_gates_vjp, kind="other",
    doc="i, f, g, o = s(z_i), s(z_f), tanh(z_g), s(z_o);  c' = f c + i g;  y = [o tanh(c'), c'];"
        "  dz, dc = lstm_gates_grad(g, z, c)",
    kernels={"cpu": _cpu_rnn.lstm_gates, "cuda": _cuda_rnn.lstm_gates})


def _lstm_gates_grad_rule(g: AVal, z: AVal, c: AVal) -> AVal:
    _lstm_gates_rule(z, c)
    return AVal((z.shape[0], None if c.shape[1] is None else 5 * c.shape[1]), z.dtype)


lstm_gates_grad_p = Primitive(
    "lstm_gates_grad", _lstm_gates_grad_rule, _g2.lstm_gates_grad_vjp, kind="other",
    doc="y = [dz, dc]: dc' = g_c + g_h o (1 - tanh(c')^2);  dz_i = dc' g i(1-i), "
        "dz_f = dc' c f(1-f), dz_g = dc' i (1-g^2), dz_o = g_h tanh(c') o(1-o), dc = dc' f;  "
        "vjp: the same recomputed as a composite (sequence_grad2)",
    kernels={"cpu": _cpu_rnn.lstm_gates_grad, "cuda": _cuda_rnn.lstm_gates_grad})


def lstm_gates(z, c):
    """The LSTM update from the pre-activations ``z`` (B, 4H, order i, f, g, o) and cell ``c``:
    returns ``(h', c')`` (the fused ``lstm_gates`` primitive)."""
    y = bind(lstm_gates_p, z, c)
    n = aval_of(c).shape[-1]
    return getitem(y, (slice(None), slice(0, n))), getitem(y, (slice(None), slice(n, None)))


def _lstm_seq_rule(xw: AVal, u: AVal, h0: AVal, c0: AVal) -> AVal:
    n = u.shape[0]
    dims = [(xw.shape[2], None if n is None else 4 * n), (u.shape[1], xw.shape[2]),
            (h0.shape, c0.shape), (h0.shape[0], xw.shape[1]), (h0.shape[1], n)]
    if xw.ndim != 3 or u.ndim != 2 or h0.ndim != 2 or c0.ndim != 2 or any(
            a is not None and b is not None and a != b for a, b in dims[:2] + dims[3:]) or \
            any(a is not None and b is not None and a != b for a, b in zip(h0.shape, c0.shape)):
        raise ShapeError("lstm_seq", "expects xw (time, batch, 4*hidden), u (hidden, "
                         "4*hidden), h0 and c0 (batch, hidden)",
                         [xw.shape, u.shape, h0.shape, c0.shape])
    if xw.shape[0] == 0:
        raise ShapeError("lstm_seq", "expects at least one time step", [xw.shape])
    if not is_floating(xw.dtype) or any(a.dtype != xw.dtype for a in (u, h0, c0)):
        raise DTypeNotImplemented("lstm_seq", "xw, u, h0 and c0 must have the same floating dtype",
                                  [xw.dtype, u.dtype, h0.dtype, c0.dtype])
    return AVal((xw.shape[0], xw.shape[1], None if n is None else 6 * n), xw.dtype)


def _lstm_seq_vjp(g, y, xw, u, h0, c0):
    d = bind(lstm_seq_grad_p, g, y, u, h0, c0)          # (T + 1, B, 4H)
    n = aval_of(u).shape[0]
    dz = getitem(d, (slice(0, -1),))

    def du():                         # sum over t of h_{t-1}^T dz_t: one GEMM
        from .shape import concatenate, reshape
        hp = concatenate([expand_dims(h0, 0),
                          getitem(y, (slice(0, -1), slice(None), slice(0, n)))], 0)
        return matmul(matrix_transpose(reshape(hp, (-1, n))), reshape(dz, (-1, 4 * n)))

    return (dz, du, lambda: getitem(d, (-1, slice(None), slice(0, n))),
            lambda: getitem(d, (-1, slice(None), slice(n, 2 * n))))


#: A whole LSTM layer over time in one primitive (cuDNN's and PyTorch's fused layer): measured
#: on the LSTM language model's eager step, the step-by-step form cost six eager ops and their
#: vjps per time step and layer (Python dispatch and tape), 3.2x PyTorch's layer.  Its output
#: keeps each step's pre-activations ``z_t`` beside ``[h_t, c_t]`` (as ``lstm_step`` does, and
#: PyTorch's layer saves its gates): the gradient reads them instead of recomputing every
#: ``xw_t + h_{t-1} u`` (a (T B, H) x (H, 4H) GEMM and an add, ~210 us of a layer's 730 us
#: gradient at T 10, B 20, H 100).
lstm_seq_p = Primitive(
    "lstm_seq", _lstm_seq_rule, _lstm_seq_vjp, kind="other",
    doc="for t: z_t = xw_t + h_{t-1} u;  h_t, c_t = lstm_gates(z_t, c_{t-1});  "
        "y_t = [h_t, c_t, z_t];  dxw, dh0, dc0 = lstm_seq_grad(g, y, u, h0, c0),  "
        "du = sum_t h_{t-1}^T dz_t",
    kernels={"cpu": _cpu_rnn.lstm_seq, "cuda": _cuda_rnn.lstm_seq})


def _lstm_seq_grad_rule(g: AVal, y: AVal, u: AVal, h0: AVal, c0: AVal) -> AVal:
    n = u.shape[0]
    if y.ndim != 3 or g.ndim != 3 or u.ndim != 2 or h0.ndim != 2 or c0.ndim != 2 or any(
            a is not None and b is not None and a != b
            for a, b in [(y.shape[2], None if n is None else 6 * n),
                         (u.shape[1], None if n is None else 4 * n),
                         (h0.shape[0], y.shape[1]), (c0.shape[0], y.shape[1]),
                         (h0.shape[1], n), (c0.shape[1], n)] + list(zip(g.shape, y.shape))):
        raise ShapeError("lstm_seq_grad", "expects g and y (time, batch, 6*hidden: lstm_seq's "
                         "output [h, c, z]), u (hidden, 4*hidden), h0 and c0 (batch, hidden)",
                         [g.shape, y.shape, u.shape, h0.shape, c0.shape])
    if not is_floating(y.dtype) or any(a.dtype != y.dtype for a in (g, u, h0, c0)):
        raise DTypeNotImplemented("lstm_seq_grad", "g, y, u, h0 and c0 must have the same "
                                  "floating dtype", [g.dtype, y.dtype, u.dtype, h0.dtype,
                                                     c0.dtype])
    t = y.shape[0]
    return AVal((None if t is None else t + 1, y.shape[1], None if n is None else 4 * n),
                y.dtype)


lstm_seq_grad_p = Primitive(
    "lstm_seq_grad", _lstm_seq_grad_rule, _g2.lstm_seq_grad_vjp, kind="other",
    doc="backpropagation through time of lstm_seq from its output y = [h, c, z] (z_t the saved "
        "pre-activations): out[:T] = dz_t (= dxw_t; the gates' gradient at z_t plus g's z "
        "columns), out[T, :, :H] = dh0, out[T, :, H:2H] = dc0 (out[T, :, 2H:] = 0);  "
        "vjp: the same recomputed step by step as a composite (sequence_grad2)",
    kernels={"cpu": _cpu_rnn.lstm_seq_grad, "cuda": _cuda_rnn.lstm_seq_grad})


def lstm_seq(xw, u, h0, c0):
    """An LSTM layer over time from the projected inputs ``xw`` (T, B, 4H: ``x_t W_ih^T`` plus
    the biases, gates i, f, g, o), the recurrent weight ``u = W_hh^T`` (H, 4H) and the initial
    state: returns ``y`` (T, B, 6H) with ``y[t] = [h_t, c_t, z_t]`` (the fused ``lstm_seq``;
    ``z_t = xw_t + h_{t-1} u``, the pre-activations its gradient reads)."""
    return bind(lstm_seq_p, xw, u, h0, c0)


def _lstm_step_rule(x: AVal, h: AVal, c: AVal, w_ih: AVal, w_hh: AVal, b_ih: AVal,
                    b_hh: AVal) -> AVal:
    n4 = w_hh.shape[0]
    dims = [(w_ih.shape[0], n4), (b_ih.shape[0], n4), (b_hh.shape[0], n4),
            (w_ih.shape[1], x.shape[1]), (w_hh.shape[1], h.shape[1]), (x.shape[0], h.shape[0])]
    if x.ndim != 2 or w_ih.ndim != 2 or w_hh.ndim != 2 or b_ih.ndim != 1 or b_hh.ndim != 1 or \
            any(a is not None and b is not None and a != b for a, b in dims) or \
            (n4 is not None and h.shape[1] is not None and n4 != 4 * h.shape[1]):
        raise ShapeError("lstm_step", "expects x (batch, input), h and c (batch, hidden), "
                         "w_ih (4*hidden, input), w_hh (4*hidden, hidden), b_ih and b_hh "
                         "(4*hidden,)", [x.shape, h.shape, c.shape, w_ih.shape, w_hh.shape,
                                         b_ih.shape, b_hh.shape])
    if any(a.dtype != x.dtype for a in (w_ih, w_hh, b_ih, b_hh)):
        raise DTypeNotImplemented("lstm_step", "all operands must have the same floating dtype",
                                  [a.dtype for a in (x, h, c, w_ih, w_hh, b_ih, b_hh)])
    hc = _lstm_gates_rule(AVal((x.shape[0], n4), x.dtype), c)      # [h', c'], then z
    return AVal((hc.shape[0], None if n4 is None else 6 * (n4 // 4)), hc.dtype)


def _lstm_step_vjp(g, y, x, h, c, w_ih, w_hh, b_ih, b_hh):
    from .reduce import sum as _sum
    d = bind(lstm_step_grad_p, g, y, c)      # [dz, dc]
    n4 = aval_of(w_hh).shape[0]
    dz = getitem(d, _cols(0, n4))

    db_once: list = []

    def db():           # (one sum for both biases: the same cotangent, as add's vjp gives)
        if not db_once:
            db_once.append(_sum(dz, 0))
        return db_once[0]

    return (lambda: matmul(dz, w_ih), lambda: matmul(dz, w_hh),
            lambda: getitem(d, _cols(n4, None)),
            lambda: matmul(matrix_transpose(dz), x), lambda: matmul(matrix_transpose(dz), h),
            db, db)


#: PyTorch's LSTMCell in one primitive (its ``_thnn_fused_lstm_cell`` with both GEMMs inside):
#: the composite cost ten eager ops per step (two transposes, two matmuls, three adds, the
#: gates, two slices) and their vjps, the variable-length benchmark's whole cost.  Its output
#: keeps the pre-activations ``z`` beside ``[h', c']`` (as PyTorch's fused cell saves its
#: gates for the backward): the gradient then reads them instead of computing the two GEMMs
#: again (two of the six GEMMs a step's backward ran; variable-length LSTM, N 16, lengths
#: 5..30, 1 thread CPU time: backward 1.35x -> 1.22x PyTorch's, training step 1.2x -> 1.07x).
lstm_step_p = Primitive(
    "lstm_step", _lstm_step_rule, _lstm_step_vjp, kind="other",
    doc="z = x w_ih^T + h w_hh^T + b_ih + b_hh;  y = [lstm_gates(z, c), z] = [h', c', z];  "
        "dz, dc = lstm_step_grad(g, y, c) (the gates' gradient plus g's z columns),  "
        "dx = dz w_ih,  dh = dz w_hh,  dw_ih = dz^T x,  dw_hh = dz^T h,  "
        "db_ih = db_hh = sum(dz, 0)",
    kernels={"cpu": _cpu_rnn.lstm_step, "cuda": _cuda_rnn.lstm_step})


def _lstm_step_grad_rule(g: AVal, y: AVal, c: AVal) -> AVal:
    n = c.shape[1] if c.ndim == 2 else None
    if g.ndim != 2 or y.ndim != 2 or c.ndim != 2 or \
            any(a is not None and b is not None and a != b
                for a, b in ((g.shape[0], c.shape[0]), (y.shape[0], c.shape[0]))) or \
            (n is not None and any(a is not None and a != 6 * n
                                   for a in (g.shape[1], y.shape[1]))):
        raise ShapeError("lstm_step_grad", "expects g and y (batch, 6*hidden) and c "
                         "(batch, hidden)", [g.shape, y.shape, c.shape])
    if not is_floating(y.dtype) or g.dtype != y.dtype or c.dtype != y.dtype:
        raise DTypeNotImplemented("lstm_step_grad", "g, y and c must have the same floating "
                                  "dtype", [g.dtype, y.dtype, c.dtype])
    return AVal((c.shape[0], None if n is None else 5 * n), y.dtype)


lstm_step_grad_p = Primitive(
    "lstm_step_grad", _lstm_step_grad_rule, _g2.lstm_step_grad_vjp, kind="other",
    doc="y = [h', c', z] (lstm_step's output);  [dz, dc] = lstm_gates_grad(g[:, :2H], z, c) "
        "with g[:, 2H:] (z's own cotangent) added to dz;  vjp: the same as a composite "
        "(sequence_grad2)",
    kernels={"cpu": _cpu_rnn.lstm_step_grad, "cuda": _cuda_rnn.lstm_step_grad})


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step with PyTorch's weights (the fused ``lstm_step``): returns (h', c')."""
    y = bind(lstm_step_p, x, h, c, w_ih, w_hh, b_ih, b_hh)
    n = aval_of(c).shape[-1]
    return getitem(y, _cols(0, n)), getitem(y, _cols(n, 2 * n))


_ALL = ("slice", None, None, None)


def _cols(start, stop) -> tuple:
    """``[:, start:stop]`` in getitem's canonical form (no parsing per eager step)."""
    return (_ALL, ("slice", start, stop, None))


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """PyTorch's LSTM cell: returns ``(h', c')``."""
    return lstm_gates(_gates(x, h, w_ih, w_hh, b_ih, b_hh), c)


_GRU_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _gru_gates_rule(xz: AVal, hz: AVal, h: AVal) -> AVal:
    n = h.shape[1] if h.ndim == 2 else None
    if xz.ndim != 2 or hz.ndim != 2 or h.ndim != 2 or any(
            a is not None and b is not None and a != b
            for a, b in ((xz.shape[0], h.shape[0]), (hz.shape[0], h.shape[0]))) or \
            (n is not None and any(a is not None and a != 3 * n
                                   for a in (xz.shape[1], hz.shape[1]))):
        raise ShapeError("gru_gates", "expects xz and hz (batch, 3*hidden) and h "
                         "(batch, hidden)", [xz.shape, hz.shape, h.shape])
    if xz.dtype not in _GRU_DTYPES or hz.dtype != xz.dtype or h.dtype != xz.dtype:
        raise DTypeNotImplemented("gru_gates", "xz, hz and h must have the same dtype, "
                                  "float32 or float64", [xz.dtype, hz.dtype, h.dtype])
    return AVal((h.shape[0], None if n is None else 4 * n), xz.dtype)


def _gru_gates_vjp(g, y, xz, hz, h):
    d = bind(gru_gates_grad_p, g, y, hz, h)          # [dxz, dhz, dh]
    n = aval_of(h).shape[1]
    return (lambda: getitem(d, _cols(0, 3 * n)), lambda: getitem(d, _cols(3 * n, 6 * n)),
            lambda: getitem(d, _cols(6 * n, None)))


#: PyTorch's GRU update (its ``_thnn_fused_gru_cell``) in one primitive: the composite cost
#: about a dozen eager ops (slices, adds, sigmoid, tanh, mul, sub) and their vjps per step.
#: Its output keeps the gates beside h' (PyTorch's fused cell saves them as a workspace), so
#: the gradient evaluates no exp or tanh.
gru_gates_p = Primitive(
    "gru_gates", _gru_gates_rule, _gru_gates_vjp, kind="other",
    doc="[r, z] = s(xz[:, :2H] + hz[:, :2H]);  n = tanh(xz_n + r hz_n);  h' = n + z (h - n);  "
        "y = [h', r, z, n];  [dxz, dhz, dh] = gru_gates_grad(g, y, hz, h)",
    kernels={"cpu": _cpu_rnn.gru_gates, "cuda": _cuda_rnn.gru_gates})


def _gru_gates_grad_rule(g: AVal, y: AVal, hz: AVal, h: AVal) -> AVal:
    n = h.shape[1] if h.ndim == 2 else None
    if g.ndim != 2 or y.ndim != 2 or hz.ndim != 2 or h.ndim != 2 or any(
            a is not None and b is not None and a != b
            for a, b in ((g.shape[0], h.shape[0]), (y.shape[0], h.shape[0]),
                         (hz.shape[0], h.shape[0]))) or \
            (n is not None and any(a is not None and a != k * n for a, k in
                                   ((g.shape[1], 4), (y.shape[1], 4), (hz.shape[1], 3)))):
        raise ShapeError("gru_gates_grad", "expects g and y (batch, 4*hidden: gru_gates' "
                         "output [h', r, z, n]), hz (batch, 3*hidden) and h (batch, hidden)",
                         [g.shape, y.shape, hz.shape, h.shape])
    if y.dtype not in _GRU_DTYPES or any(a.dtype != y.dtype for a in (g, hz, h)):
        raise DTypeNotImplemented("gru_gates_grad", "g, y, hz and h must have the same dtype, "
                                  "float32 or float64", [g.dtype, y.dtype, hz.dtype, h.dtype])
    return AVal((h.shape[0], None if n is None else 7 * n), y.dtype)


gru_gates_grad_p = Primitive(
    "gru_gates_grad", _gru_gates_grad_rule, _g2.gru_gates_grad_vjp, kind="other",
    doc="y = [h', r, z, n] (gru_gates' output);  da_n = (g_h (1 - z) + g_n)(1 - n^2),  "
        "da_r = (da_n hz_n + g_r) r (1 - r),  da_z = (g_h (h - n) + g_z) z (1 - z);  "
        "out = [da_r, da_z, da_n, da_r, da_z, da_n r, g_h z] = [dxz, dhz, dh];  "
        "vjp: the same recomputed as a composite (sequence_grad2)",
    kernels={"cpu": _cpu_rnn.gru_gates_grad, "cuda": _cuda_rnn.gru_gates_grad})


def gru_gates(xz, hz, h, activation=tanh, recurrent_activation=sigmoid, order: str = "rz"):
    """The GRU update with the reset gate after the recurrent product (PyTorch's GRU, cuDNN's,
    Keras' ``reset_after=True``) from ``xz = x W_ih^T + b_ih`` and ``hz = h W_hh^T + b_hh``
    (B, 3H each: the two gates, then the candidate; ``order`` "rz" is PyTorch's r, z, n and
    "zr" Keras' z, r, h): ``[r, z] = ra(xz[:2H] + hz[:2H])``, ``n = act(x_n + r h_n)``,
    ``h' = n + z (h - n)`` (= ``(1 - z) n + z h``); ``ra`` = sigmoid and ``act`` = tanh unless
    given (elementwise, so both gates take one ``ra`` call).  PyTorch's case (order "rz", the
    default activations, 2-D float32/float64 operands of one dtype and a known hidden size)
    is the fused ``gru_gates`` primitive; anything else this composite."""
    if order == "rz" and activation is tanh and recurrent_activation is sigmoid:
        a, b, c = aval_of(xz), aval_of(hz), aval_of(h)
        if a.ndim == 2 and b.ndim == 2 and c.ndim == 2 and c.shape[1] is not None and \
                a.dtype in _GRU_DTYPES and b.dtype == a.dtype and c.dtype == a.dtype:
            return getitem(bind(gru_gates_p, xz, hz, h), _cols(0, c.shape[1]))
    two = 2 * (aval_of(xz).shape[-1] // 3)
    gates = recurrent_activation(add(getitem(xz, (Ellipsis, slice(0, two))),
                                     getitem(hz, (Ellipsis, slice(0, two)))))
    first, second = _chunk(gates, 0, 2), _chunk(gates, 1, 2)
    r, z = (first, second) if order == "rz" else (second, first)
    n = activation(add(_chunk(xz, 2, 3), mul(r, _chunk(hz, 2, 3))))
    return add(n, mul(z, sub(h, n)))


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """PyTorch's GRU cell: returns ``h'``."""
    return gru_gates(_affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh), h)


def tf_lstm_gates(z, c, forget_bias: float = 1.0, activation=tanh):
    """TensorFlow's LSTM update from ``z = [x, h] W + b`` (gates i, j, f, o): returns
    ``(h', c')`` with ``c' = c s(f + forget_bias) + s(i) act(j)``, ``h' = act(c') s(o)``."""
    i, j, f, o = (_chunk(z, k, 4) for k in range(4))
    fz = add(f, forget_bias) if forget_bias else f
    c2 = add(mul(c, sigmoid(fz)), mul(sigmoid(i), activation(j)))
    return mul(activation(c2), sigmoid(o)), c2


def tf_gru_cell(x, h, w_gates, b_gates, w_cand, b_cand, activation=tanh):
    """TensorFlow's GRU cell (reset before the matmul): ``r, u = s([x, h] W_g + b_g)``,
    ``c = act([x, r h] W_c + b_c)``, ``h' = u h + (1 - u) c``."""
    from .shape import concatenate
    g = sigmoid(_affine_t(concatenate([x, h], -1), w_gates, b_gates))
    r, u = _chunk(g, 0, 2), _chunk(g, 1, 2)
    c = activation(_affine_t(concatenate([x, mul(r, h)], -1), w_cand, b_cand))
    return add(c, mul(u, sub(h, c)))


def _affine_t(x, w, b):
    """``x W + b`` with TensorFlow's (in, out) kernel layout."""
    y = matmul(x, w)
    return y if b is None else add(y, b)


def keras_lstm_gates(z, c, activation=tanh, recurrent_activation=sigmoid):
    """Keras' LSTM update from ``z = x W + h U + b`` (gates i, f, c, o): returns ``(h', c')``
    with ``c' = ra(f) c + ra(i) act(c~)``, ``h' = ra(o) act(c')``."""
    i, f, g, o = (_chunk(z, k, 4) for k in range(4))
    c2 = add(mul(recurrent_activation(f), c), mul(recurrent_activation(i), activation(g)))
    return mul(recurrent_activation(o), activation(c2)), c2


def keras_gru_cell(xz, h, u, activation=tanh, recurrent_activation=sigmoid, masks=None):
    """Keras' GRU (``reset_after=False``, gates z, r, h) from ``xz = x W + b``:
    ``z = ra(x_z + h U_z)``, ``r = ra(x_r + h U_r)``, ``h~ = act(x_h + (r h) U_h)``,
    ``h' = z h + (1 - z) h~``.  With recurrent dropout ``masks = (m_z, m_r, m_h)`` each gate
    reads its own masked state (Keras 2's GRUCell): ``z = ra(x_z + (h m_z) U_z)``,
    ``r = ra(x_r + (h m_r) U_r)``, ``h~ = act(x_h + (r (h m_h)) U_h)``."""
    n = aval_of(h).shape[-1]
    if masks is None:
        hu = matmul(h, getitem(u, (Ellipsis, slice(0, 2 * n))))
        hu_z, hu_r, h_n = _chunk(hu, 0, 2), _chunk(hu, 1, 2), h
    else:
        m_z, m_r, m_h = masks
        hu_z = matmul(mul(h, m_z), getitem(u, (Ellipsis, slice(0, n))))
        hu_r = matmul(mul(h, m_r), getitem(u, (Ellipsis, slice(n, 2 * n))))
        h_n = mul(h, m_h)
    z = recurrent_activation(add(_chunk(xz, 0, 3), hu_z))
    r = recurrent_activation(add(_chunk(xz, 1, 3), hu_r))
    hh = activation(add(_chunk(xz, 2, 3),
                        matmul(mul(r, h_n), getitem(u, (Ellipsis, slice(2 * n, 3 * n))))))
    return add(hh, mul(z, sub(h, hh)))


# the fused GRU and Elman layers (their own modules: sequence_gru, sequence_rnn); registered
# with the cells
from .sequence_gru import gru_seq, gru_seq_grad_p, gru_seq_p  # noqa: E402,F401
from .sequence_rnn import rnn_seq, rnn_seq_grad_p, rnn_seq_p  # noqa: E402,F401
from .sequence_gru_rb import gru_rb_seq, gru_rb_seq_grad_p, gru_rb_seq_p  # noqa: E402,F401
