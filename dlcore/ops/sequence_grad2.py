"""Second derivatives through the fused LSTM and GRU primitives (``dlcore.ops.sequence``).

The first-order gradients of ``lstm_gates``, ``lstm_step``, ``lstm_seq``, ``gru_gates``,
``gru_seq``, ``gru_rb_seq`` and ``rnn_seq`` are fused kernels (``lstm_gates_grad``,
``lstm_step_grad``, ``lstm_seq_grad``, ``gru_gates_grad``, ``gru_seq_grad``,
``gru_rb_seq_grad``, ``rnn_seq_grad``).
A second derivative (a gradient penalty on an LSTM critic, a Hessian-vector product; PyTorch
supports both through ``nn.LSTM`` and ``LSTMCell`` on the CPU) needs the vjp of those gradient
primitives.  Each is written here as the same function recomputed as a composite of
primitives, differentiated by the one reverse pass (``dlcore.recompute.composite_vjp``): only a
higher-order gradient runs it, so the first-order path (one kernel each way) is unchanged.

The composites follow the kernels exactly, including which inputs they read (so that they are
right for any inputs, not only those of an actual forward pass)::

    gates_grad(gy, z, c):   i, f, g, o = s(z_i), s(z_f), tanh(z_g), s(z_o);  th = tanh(f c + i g)
                            d = gy_c + gy_h o (1 - th^2)
                            [dz, dc] = [d g i(1-i), d c f(1-f), d i (1-g^2), gy_h th o(1-o), d f]
    step_grad(g, y, c):     y = [h', c', z] (lstm_step's output);  [dz, dc] = gates_grad(g[:, :2H], z, c)
                            with g[:, 2H:] added to dz
    gru_grad(g, y, hz, h):  y = [h', r, z, n] (gru_gates' output; its gates read, not
                            recomputed)
                            da_n = (g_h (1-z) + g_n)(1-n^2),  da_r = (da_n hz_n + g_r) r(1-r),
                            da_z = (g_h (h-n) + g_z) z(1-z)
                            out = [da_r, da_z, da_n, da_r, da_z, da_n r, g_h z]
    seq_grad(g, y, u, h0, c0):   y = [h, c, z] (lstm_seq's output);  for t = T-1 .. 0,
                            c_p = y[t-1]'s c (c0 at t = 0):  [dz_t, dc] = gates_grad(
                            g[t][:, :2H] + [dh, dc], z_t, c_p) with g[t]'s z columns added
                            to dz_t;  dh = dz_t u^T;  out = [dz_0 .. dz_{T-1}, [dh, dc, 0]]
    gru_seq_grad(g, y, u, h0):   y = [h, r, z, n, hn] (gru_seq's output);  gru_grad's formulas
                            per step backwards with hz_n = hn_t and the carried dh added to
                            g_h;  dh = dhz_t u^T + g_h z_t;  out = [[dxz_t, dhz_t] .., [dh, 0]]
    rnn_seq_grad(g, y, u):  da_t = (g_t + dh) act'(h_t) (tanh: 1 - h^2; relu: h > 0, a
                            constant mask);  dh = da_t u^T;  out = [da_0 .. da_{T-1}, dh]
    gru_rb_seq_grad(g, y, ug, uc, h0):  y = [h, r, u, c] (gru_rb_seq's output); the kernel's
                            step backwards (sequence_gru_rb's docstring)
"""

from __future__ import annotations

from ..recompute import composite_vjp
from ..registry import aval_of
from .elementwise import add, mul, sigmoid, sub, tanh
from .indexing import getitem
from .linalg import matmul
from .shape import concatenate, matrix_transpose

_ALL = slice(None)


def _cols(a, start, stop):
    return getitem(a, (_ALL, slice(start, stop)))


def _one_minus(a):
    return sub(1.0, a)


def _known_sizes(name: str, y, u, u_name: str = "u") -> tuple:
    """``(hidden size, time steps)`` of a layer's gradient ``name`` from its ``u`` (H, .) and
    its output ``y`` (T, B, .): a second derivative unrolls the steps, so both must be known."""
    n, t_len = aval_of(u).shape[0], aval_of(y).shape[0]
    if t_len is None or n is None:
        raise NotImplementedError(f"{name}: a second derivative needs a known number of time "
                                  f"steps and hidden size, got y {aval_of(y).shape} and "
                                  f"{u_name} {aval_of(u).shape}")
    return n, t_len


def gates_grad(gy, z, c, n: int) -> tuple:
    """The composite of ``lstm_gates_grad``: ``(dz_i, dz_f, dz_g, dz_o, dc)``, each (B, n)."""
    i, f = sigmoid(_cols(z, 0, n)), sigmoid(_cols(z, n, 2 * n))
    g, o = tanh(_cols(z, 2 * n, 3 * n)), sigmoid(_cols(z, 3 * n, 4 * n))
    th = tanh(add(mul(f, c), mul(i, g)))
    gh, gc = _cols(gy, 0, n), _cols(gy, n, 2 * n)
    d = add(gc, mul(mul(gh, o), _one_minus(mul(th, th))))
    return (mul(mul(d, g), mul(i, _one_minus(i))), mul(mul(d, c), mul(f, _one_minus(f))),
            mul(mul(d, i), _one_minus(mul(g, g))), mul(mul(gh, th), mul(o, _one_minus(o))),
            mul(d, f))


def _split5(w, n: int) -> list:
    """A cotangent of ``[dz, dc]`` (B, 5n) as the five blocks of ``gates_grad``'s outputs."""
    return [_cols(w, k * n, (k + 1) * n) for k in range(5)]


def lstm_gates_grad_vjp(w, out, gy, z, c):
    """vjp of ``lstm_gates_grad(gy, z, c)`` with cotangent ``w`` (B, 5H)."""
    n = aval_of(c).shape[-1]
    return composite_vjp(lambda a, b, e: gates_grad(a, b, e, n), (gy, z, c), _split5(w, n))


def lstm_step_grad_vjp(w, out, g, y, c):
    """vjp of ``lstm_step_grad(g, y, c)`` (``y = [h', c', z]``, the step's output) with
    cotangent ``w``."""
    n = aval_of(c).shape[-1]

    def fn(g, y, c):
        dz = gates_grad(_cols(g, 0, 2 * n), _cols(y, 2 * n, 6 * n), c, n)
        return (*(add(dz[k], _cols(g, (2 + k) * n, (3 + k) * n)) for k in range(4)), dz[4])

    return composite_vjp(fn, (g, y, c), _split5(w, n))


def lstm_seq_grad_vjp(w, out, g, y, u, h0, c0):
    """vjp of ``lstm_seq_grad(g, y, u, h0, c0)`` (backpropagation through time recomputed
    step by step from ``y = [h, c, z]``, lstm_seq's output) with cotangent ``w`` (T + 1, B,
    4H)."""
    n, t_len = _known_sizes("lstm_seq_grad", y, u)

    def fn(g, y, u, h0, c0):
        outs: list = []
        ut = matrix_transpose(u)
        dhc: list = []
        for t in range(t_len - 1, -1, -1):
            if t:
                prev = getitem(y, (t - 1,))
                cp = _cols(prev, n, 2 * n)
            else:
                cp = c0
            gt = getitem(g, (t,))
            gy = _cols(gt, 0, 2 * n)
            if dhc:
                gy = add(gy, concatenate(dhc, -1))
            dz = gates_grad(gy, _cols(getitem(y, (t,)), 2 * n, 6 * n), cp, n)
            outs[:0] = [concatenate([add(dz[k], _cols(gt, (2 + k) * n, (3 + k) * n))
                                     for k in range(4)], -1)]
            dhc = [matmul(outs[0], ut), dz[4]]
        return (*outs, *dhc)

    ws = [getitem(w, (t,)) for t in range(t_len)]
    last = getitem(w, (t_len,))
    ws += [_cols(last, 0, n), _cols(last, n, 2 * n)]
    return composite_vjp(fn, (g, y, u, h0, c0), ws)


def gru_gates_grad_vjp(w, out, g, y, hz, h):
    """vjp of ``gru_gates_grad(g, y, hz, h)`` (``y = [h', r, z, n]``, gru_gates' output) with
    cotangent ``w`` (B, 7H): the kernel's formulas as a composite of the same inputs."""
    n = aval_of(h).shape[-1]

    def fn(g, y, hz, h):
        r, z, c = _cols(y, n, 2 * n), _cols(y, 2 * n, 3 * n), _cols(y, 3 * n, 4 * n)
        gh = _cols(g, 0, n)
        dan = mul(add(mul(gh, _one_minus(z)), _cols(g, 3 * n, 4 * n)), _one_minus(mul(c, c)))
        dar = mul(add(mul(dan, _cols(hz, 2 * n, 3 * n)), _cols(g, n, 2 * n)),
                  mul(r, _one_minus(r)))
        daz = mul(add(mul(gh, sub(h, c)), _cols(g, 2 * n, 3 * n)), mul(z, _one_minus(z)))
        return dar, daz, dan, dar, daz, mul(dan, r), mul(gh, z)

    return composite_vjp(fn, (g, y, hz, h), [_cols(w, k * n, (k + 1) * n) for k in range(7)])


def gru_bptt(g, y, u, h0, n: int, t_len: int, gates_grad) -> tuple:
    """``gru_seq_grad``'s recursion as primitives: ``(out_0, .., out_{T-1}, dh0)``, out_t =
    [dxz, dhz] (B, 6H), from ``y = [h, r, z, n, hn]``, gru_seq's output.  Each step's gate
    gradient is ``gates_grad(gh, gt, yt, hp)``: ``gru_gates_grad``'s seven (B, H) blocks
    [dar, daz, dan, dar, daz, dan r, gh z] at the carried ``gh`` (the step's h cotangent),
    the step's cotangent ``gt`` and output ``yt``, and the previous state ``hp``.  The
    second-order composite below (``_gru_gates_formulas``) and the CUDA kernel
    (``kernels/cuda/rnn.py``: the device's gru_gates_grad kernel) both run it."""
    outs: list = []
    ut = matrix_transpose(u)
    dh = None
    for t in range(t_len - 1, -1, -1):
        yt, gt = getitem(y, (t,)), getitem(g, (t,))
        hp = _cols(getitem(y, (t - 1,)), 0, n) if t else h0
        gh = _cols(gt, 0, n) if dh is None else add(_cols(gt, 0, n), dh)
        d = gates_grad(gh, gt, yt, hp)
        dhz = concatenate([d[3], d[4], add(d[5], _cols(gt, 4 * n, 5 * n))], -1)
        outs[:0] = [concatenate([d[0], d[1], d[2], dhz], -1)]
        dh = add(matmul(dhz, ut), d[6])
    return (*outs, dh)


def _gru_gates_formulas(n: int):
    """``gru_bptt``'s gate gradient as ``gru_gates_grad``'s formulas (the candidate's hz
    block, hn, read from ``yt``)."""
    def gates_grad(gh, gt, yt, hp):
        r, z, c = _cols(yt, n, 2 * n), _cols(yt, 2 * n, 3 * n), _cols(yt, 3 * n, 4 * n)
        dan = mul(add(mul(gh, _one_minus(z)), _cols(gt, 3 * n, 4 * n)), _one_minus(mul(c, c)))
        dar = mul(add(mul(dan, _cols(yt, 4 * n, 5 * n)), _cols(gt, n, 2 * n)),
                  mul(r, _one_minus(r)))
        daz = mul(add(mul(gh, sub(hp, c)), _cols(gt, 2 * n, 3 * n)), mul(z, _one_minus(z)))
        return dar, daz, dan, dar, daz, mul(dan, r), mul(gh, z)
    return gates_grad


def gru_seq_grad_vjp(w, out, g, y, u, h0):
    """vjp of ``gru_seq_grad(g, y, u, h0)`` (backpropagation through time recomputed step by
    step from ``y = [h, r, z, n, hn]``, gru_seq's output: ``gru_bptt`` with the kernel's
    formulas, reading the same inputs) with cotangent ``w`` (T + 1, B, 6H)."""
    n, t_len = _known_sizes("gru_seq_grad", y, u)

    def fn(g, y, u, h0):
        return gru_bptt(g, y, u, h0, n, t_len, _gru_gates_formulas(n))

    ws = [getitem(w, (t,)) for t in range(t_len)]
    ws.append(_cols(getitem(w, (t_len,)), 0, n))
    return composite_vjp(fn, (g, y, u, h0), ws)


def rnn_seq_grad_vjp(w, out, g, y, u, *, nonlinearity):
    """vjp of ``rnn_seq_grad(g, y, u)`` (backpropagation through time recomputed step by step
    from ``y``, rnn_seq's states: the kernel's formulas, reading the same inputs) with
    cotangent ``w`` (T + 1, B, H).  relu's derivative is a constant mask of y."""
    from .elementwise import cast, greater
    t_len = aval_of(y).shape[0]
    if t_len is None:
        raise NotImplementedError("rnn_seq_grad: a second derivative needs a known number of "
                                  f"time steps, got y {aval_of(y).shape}")

    def fn(g, y, u):
        outs: list = []
        ut = matrix_transpose(u)
        dh = None
        for t in range(t_len - 1, -1, -1):
            yt, gt = getitem(y, (t,)), getitem(g, (t,))
            d = gt if dh is None else add(gt, dh)
            if nonlinearity == "relu":
                da = mul(d, cast(greater(yt, 0.0), aval_of(yt).dtype))
            else:
                da = mul(d, _one_minus(mul(yt, yt)))
            outs[:0] = [da]
            dh = matmul(da, ut)
        return (*outs, dh)

    return composite_vjp(fn, (g, y, u), [getitem(w, (t,)) for t in range(t_len + 1)])


def gru_rb_bptt(g, y, ug, uc, h0, n: int, t_len: int) -> tuple:
    """``gru_rb_seq_grad``'s recursion as primitives: ``(out_0, .., out_{T-1}, dh0)``, out_t =
    [dzr, dzu, dzc] (B, 3H).  The second-order composite below and the CUDA kernel
    (``kernels/cuda/rnn.py``, on device buffers) both run it."""
    outs: list = []
    ugt, uct = matrix_transpose(ug), matrix_transpose(uc)
    dh = None
    for t in range(t_len - 1, -1, -1):
        yt, gt = getitem(y, (t,)), getitem(g, (t,))
        r, u, c = _cols(yt, n, 2 * n), _cols(yt, 2 * n, 3 * n), _cols(yt, 3 * n, 4 * n)
        hp = _cols(getitem(y, (t - 1,)), 0, n) if t else h0
        gh = _cols(gt, 0, n) if dh is None else add(_cols(gt, 0, n), dh)
        dzc = mul(add(mul(gh, _one_minus(u)), _cols(gt, 3 * n, 4 * n)), _one_minus(mul(c, c)))
        dzu = mul(add(mul(gh, sub(hp, c)), _cols(gt, 2 * n, 3 * n)), mul(u, _one_minus(u)))
        drh = matmul(dzc, uct)
        dzr = mul(add(mul(drh, hp), _cols(gt, n, 2 * n)), mul(r, _one_minus(r)))
        dzg = concatenate([dzr, dzu], -1)
        outs[:0] = [concatenate([dzg, dzc], -1)]
        dh = add(add(mul(gh, u), mul(drh, r)), matmul(dzg, ugt))
    return (*outs, dh)


def gru_rb_seq_grad_vjp(w, out, g, y, ug, uc, h0):
    """vjp of ``gru_rb_seq_grad(g, y, ug, uc, h0)`` (backpropagation through time recomputed
    step by step from ``y = [h, r, u, c]``, gru_rb_seq's output: ``gru_rb_bptt``, the kernel's
    formulas reading the same inputs) with cotangent ``w`` (T + 1, B, 3H)."""
    n, t_len = _known_sizes("gru_rb_seq_grad", y, uc, "uc")

    def fn(g, y, ug, uc, h0):
        return gru_rb_bptt(g, y, ug, uc, h0, n, t_len)

    ws = [getitem(w, (t,)) for t in range(t_len)]
    ws.append(_cols(getitem(w, (t_len,)), 0, n))
    return composite_vjp(fn, (g, y, ug, uc, h0), ws)
