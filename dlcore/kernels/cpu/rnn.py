"""CPU kernels of the fused LSTM gate update (``lstm_gates``) and its gradient: one Numba loop
over (batch, unit) each, instead of a dozen elementwise ops and slices per time step; and the
whole layer over time (``lstm_seq``) with its backpropagation through time.  Float32 gates go
through the vectorised activations of ``_jit_rnn`` (about 5x faster than libm's scalar exp and
tanh; absolute error ~1e-7), other dtypes through libm."""

from __future__ import annotations

import numpy as np

from . import gemm_mkl as _mkl
from .blas_threads import for_gemm as _for_gemm
from .blas_threads import matmul as _gemm

_F32 = np.dtype(np.float32)


def _check(z, c):
    if z.ndim != 2 or c.ndim != 2:
        raise ValueError("lstm_gates: kernels take 2-D (batch, features) buffers")


def _fwd(z, c, out):
    from . import _jit_rnn as J
    (J.lstm_gates_fwd32 if z.dtype == np.float32 else J.lstm_gates_fwd)(z, c, out)


def _bwd(gy, z, c, dz, dc):
    """dz (B, 4H) and dc (B, H) from gy = [dh', dc'] (B, 2H), z and c."""
    from . import _jit_rnn as J
    if z.dtype == np.float32:
        n = c.shape[1]
        J._step_bwd32(gy[:, :n], gy[:, n:], z, c, dz, dc)
    else:
        out = np.empty((c.shape[0], 5 * c.shape[1]), dtype=z.dtype)
        J.lstm_gates_bwd(gy, z, c, out)
        dz[...] = out[:, :4 * c.shape[1]]
        dc[...] = out[:, 4 * c.shape[1]:]


def lstm_gates(z, c):
    _check(z, c)
    out = np.empty((c.shape[0], 2 * c.shape[1]), dtype=z.dtype)
    _fwd(z, c.astype(z.dtype, copy=False), out)
    return out


def lstm_gates_grad(gy, z, c):
    _check(z, c)
    n = c.shape[1]
    out = np.empty((c.shape[0], 5 * n), dtype=z.dtype)
    _bwd(gy.astype(z.dtype, copy=False), z, c.astype(z.dtype, copy=False), out[:, :4 * n],
         out[:, 4 * n:])
    return out


def _c_order(u, t_len):
    """``u`` (H, 4H) C-ordered for a sequence of a few steps or more: the eager LSTM passes
    ``W_hh^T``, a Fortran-ordered view, and a (20, 100) x (100, 4 * 100) float32 GEMM took
    63 us with it against 54 us C-ordered (1 thread CPU time), for a ~25 us copy per call:
    the forward (T 10, B 20, H 100) 1207 -> 1157 us, (35, 20, 200) 11906 -> 10873 us, same
    values."""
    if t_len >= 4 and not u.flags.c_contiguous:
        return np.ascontiguousarray(u)
    return u


def _step_product(m: int, k: int, n: int, dt):
    """The per-step product ``mm(a, b, out)`` (``out[...] = a @ b``) of a layer's (m, k) @ (k,
    n) recurrent GEMMs: MKL's where ``gemm_mkl.takes_step`` sends that float32 shape
    (``linalg.matmul``'s rule, and from 8 rows and 100 columns below it, where MKL measured
    faster for these C-ordered products into a given ``out``), else ``np.matmul``.  PTB
    small's layer (B 20, H 200: 20x200 @ 200x800 and 20x800 @ 800x200, 70 of each a step)
    took 61.9 and 68.4 us a product through NumPy's OpenBLAS against 40.3 and 39.4 through MKL
    (PyTorch's 40.2; one thread).  ``_for_gemm`` sets OpenBLAS's threads
    first either way (MKL runs sequential)."""
    _for_gemm(2.0 * m * k * n)
    if dt == _F32 and _mkl.takes_step(m, k, n):
        into = _mkl._JIT or _mkl._jit()

        def mkl_product(a, b, out):
            into(a, b, out, 1.0, 0.0)
        return mkl_product
    mm = np.matmul

    def product(a, b, out):
        mm(a, b, out=out)
    return product


def _like_state(c0, nb, n, dt):
    """``c0`` copied into the right half of a (B, 2H) buffer, so that the gate kernels see it
    with the layout of the later steps' cell states (the views ``y[t, :, H:]``): one compiled
    signature per kernel instead of two (the first step's C-contiguous ``c0`` and the views),
    about 1 s of Numba compile CPU per kernel in a first run; the copy is B x H."""
    buf = np.empty((nb, 2 * n), dt)
    buf[:, n:] = c0
    return buf[:, n:]


def lstm_seq(xw, u, h0, c0):
    """A whole LSTM layer (``lstm_seq``): per step one GEMM ``h u`` (BLAS) plus ``xw_t`` and
    the fused gate loop writing ``[h_t, c_t]`` into ``y[t]``, ``z_t`` copied beside them:
    ``y[t] = [h_t, c_t, z_t]`` (the gradient reads ``z_t``, as PyTorch's layer keeps its gates).
    ``z`` is computed in a C-contiguous (B, 4H) buffer, not in y's columns: the float32 gate
    loop reads a row of unknown stride ~4 us slower per (20, 400) step than the 1.3 us copy.
    The BLAS threads are chosen once for the step's GEMM (no other GEMM runs in between).
    Float32 runs ``_lstm_seq32``: the add, the gates and the copy of a step in one loop."""
    t_len, nb, n4 = xw.shape
    n = n4 // 4
    dt = xw.dtype
    if dt == _F32 and t_len:
        return _lstm_seq32(xw, u, h0, c0)
    y = np.empty((t_len, nb, 6 * n), dt)
    z = np.empty((nb, n4), dt)
    h, c = h0.astype(dt, copy=False), _like_state(c0, nb, n, dt)
    u = _c_order(u, t_len)
    from . import _jit_rnn as J
    fwd = J.lstm_gates_fwd                  # (float32: _lstm_seq32)
    mm = _step_product(nb, n, n4, dt)
    add, copy = np.add, np.copyto
    for t in range(t_len):
        yt = y[t]
        mm(h, u, z)
        add(z, xw[t], out=z)
        fwd(z, c, yt[:, :2 * n])
        copy(yt[:, 2 * n:], z)
        h, c = yt[:, :n], yt[:, n:2 * n]
    return y


def _lstm_seq32(xw, u, h0, c0):
    """``lstm_seq`` for float32: each step's product, then one loop (``lstm_seq_step32``) for
    the sum with ``xw_t``, its copy into ``y`` and the gates, on a (T + 1, B, 6H) buffer whose
    first step holds h0 and c0 (every array of the loop C-ordered, one compiled signature);
    ``y`` is its last T steps.  One thread, best of 7: (T 10, B 20, H 100) 313-321 -> 273-275
    us a layer, PTB small's (35, 20, 200) 2696-2864 -> 2408-2463 us; the same bits."""
    t_len, nb, n4 = xw.shape
    n = n4 // 4
    full = np.empty((t_len + 1, nb, 6 * n), _F32)
    full[0, :, :n] = h0
    full[0, :, n:2 * n] = c0
    xw = np.ascontiguousarray(xw)
    z = np.empty((nb, n4), _F32)
    u = _c_order(u, t_len)
    mm = _step_product(nb, n, n4, _F32)
    from . import _jit_rnn as J
    step = J.lstm_seq_step32
    for t in range(1, t_len + 1):
        mm(full[t - 1, :, :n], u, z)
        step(full, t, z, xw)
    return full[1:]


def lstm_seq_grad(g, y, u, h0, c0):
    """Backpropagation through time of :func:`lstm_seq` from its output ``y = [h, c, z]``
    (T, B, 6H; the pre-activations ``z_t`` saved by the forward, so no GEMM recomputes them):
    per step backwards the fused gate gradient at ``z_t``, ``g``'s own ``z`` columns added to
    ``dz_t``, and ``dh_{t-1} = dz_t u^T``; out[:T] = dz, out[T] = [dh0, dc0, 0] (float32:
    ``_lstm_seq_grad32``, a step's adds and gate gradient in one loop)."""
    t_len, nb, n6 = y.shape
    n = n6 // 6
    dt = y.dtype
    if dt == _F32 and t_len:
        return _lstm_seq_grad32(g, y, u, c0)
    out = np.empty((t_len + 1, nb, 4 * n), dt)
    dhc = out[t_len, :, :2 * n]              # [dh, dc] carried backwards, (B, 2H)
    dhc[...] = 0
    out[t_len, :, 2 * n:] = 0
    dh, dc = dhc[:, :n], dhc[:, n:]
    gy = np.empty((nb, 2 * n), dt)
    ut = _c_order(u.T, t_len)   # (C order: a transposed B is OpenBLAS's slow case, see below)
    g = g.astype(dt, copy=False)
    c0 = _like_state(c0, nb, n, dt)
    bwd = _bwd                              # (float32: _lstm_seq_grad32)
    mm = _step_product(nb, 4 * n, n, dt)    # dz_t u^T: (B, 4H) x (4H, H)
    add = np.add
    for t in range(t_len - 1, -1, -1):
        gt, dz = g[t], out[t]
        add(gt[:, :2 * n], dhc, out=gy)
        bwd(gy, y[t, :, 2 * n:], y[t - 1, :, n:2 * n] if t else c0, dz, dc)
        add(dz, gt[:, 2 * n:], out=dz)
        mm(dz, ut, dh)
    return out


def _lstm_seq_grad32(g, y, u, c0):
    """``lstm_seq_grad`` for float32: per step backwards one loop (``lstm_seq_bwd_step32``: the
    carried [dh, dc] added to g's, the gate gradient, g's z columns added) and the product
    ``dh = dz u^T``; [dh, dc] carried in a C-ordered (B, 2H) buffer.  (10, 20, 100) 473-475 ->
    349-384 us, (35, 20, 200) 3705-4058 -> 2964-3096 us; the same bits."""
    t_len, nb, n6 = y.shape
    n = n6 // 6
    out = np.empty((t_len + 1, nb, 4 * n), _F32)
    dhc = np.zeros((nb, 2 * n), _F32)
    dh = dhc[:, :n]
    ut = _c_order(u.T, t_len)
    g = np.ascontiguousarray(g, _F32)
    y = np.ascontiguousarray(y)
    c0 = np.ascontiguousarray(c0, _F32)
    mm = _step_product(nb, 4 * n, n, _F32)      # dz_t u^T: (B, 4H) x (4H, H)
    from . import _jit_rnn as J
    step = J.lstm_seq_bwd_step32
    for t in range(t_len - 1, -1, -1):
        dz = out[t]
        step(g, y, c0, t, dhc, dz)
        mm(dz, ut, dh)
    out[t_len, :, :2 * n] = dhc
    out[t_len, :, 2 * n:] = 0
    return out


def _step_z(x, h, w_ih, w_hh, b_ih, b_hh, out=None):
    """(x w_ih^T + b_ih) + (h w_hh^T + b_hh), summed in the composite's order (into ``out``
    when given: BLAS writes a row-strided view directly)."""
    z = _gemm(x, w_ih.T, out=out)
    z += b_ih
    zh = _gemm(h, w_hh.T)
    zh += b_hh
    z += zh
    return z


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One LSTM step (``lstm_step``): the two GEMMs, the biases and the fused gates; out =
    ``[h', c', z]`` (B, 6H), z kept for the gradient.  Float32: each GEMM as ``linalg.matmul``
    makes it (its library by shape, ``gemm_mkl``'s rule for ``x @ W.T``: MKL for ``h @ W_hh^T``
    at (32, 64) x (64, 256), 17 -> 9 us), the sums and the gates in one loop
    (``lstm_step_fwd32``): (32, 32) x, H 64, CPU time, 57.6 -> 39.4 us."""
    n = c.shape[1]
    out = np.empty((c.shape[0], 6 * n), dtype=x.dtype)
    if x.dtype == _F32 and h.dtype == _F32 and w_ih.dtype == _F32 and w_hh.dtype == _F32 and \
            b_ih.dtype == _F32 and b_hh.dtype == _F32 and out.size:
        from . import _jit_rnn as J
        from .linalg import matmul
        J.lstm_step_fwd32(matmul(x, w_ih.T), matmul(h, w_hh.T), b_ih, b_hh,
                          c.astype(_F32, copy=False), out)
        return out
    z = _step_z(x, h, w_ih, w_hh, b_ih, b_hh, out[:, 2 * n:])
    _fwd(z, c.astype(z.dtype, copy=False), out[:, :2 * n])
    return out


def lstm_step_grad(g, y, c):
    """``[dz, dc]`` of one LSTM step from its output ``y = [h', c', z]``: the fused gate
    gradient at the saved ``z`` (no GEMM), then ``g``'s z columns added to dz."""
    n = c.shape[1]
    dt = y.dtype
    out = np.empty((c.shape[0], 5 * n), dtype=dt)
    dz = out[:, :4 * n]
    g = g.astype(dt, copy=False)
    if dt == _F32:                      # (the z columns' cotangent added in the gate loop)
        from . import _jit_rnn as J
        J.lstm_step_bwd32(g[:, :n], g[:, n:2 * n], g[:, 2 * n:], y[:, 2 * n:],
                          c.astype(dt, copy=False), dz, out[:, 4 * n:])
        return out
    _bwd(g[:, :2 * n], y[:, 2 * n:], c.astype(dt, copy=False), dz, out[:, 4 * n:])
    dz += g[:, 2 * n:]
    return out


def gru_gates(xz, hz, h):
    """The GRU update (``gru_gates``, PyTorch's order r, z, n): out = ``[h', r, z, n]``
    (B, 4H), the gates kept for the gradient."""
    from . import _jit_rnn as J
    if xz.ndim != 2 or hz.ndim != 2 or h.ndim != 2:
        raise ValueError("gru_gates: kernels take 2-D (batch, features) buffers")
    dt = xz.dtype
    out = np.empty((h.shape[0], 4 * h.shape[1]), dtype=dt)
    (J.gru_gates_fwd32 if dt == np.float32 else J.gru_gates_fwd)(
        xz, hz.astype(dt, copy=False), h.astype(dt, copy=False), out)
    return out


def gru_gates_grad(g, y, hz, h):
    """``[dxz, dhz, dh]`` (B, 7H) of ``gru_gates`` from the cotangent ``g`` of its output
    ``y = [h', r, z, n]`` (the saved gates: no exp or tanh here), ``hz`` and ``h``."""
    from . import _jit_rnn as J
    dt = y.dtype
    out = np.empty((h.shape[0], 7 * h.shape[1]), dtype=dt)
    J.gru_gates_bwd(g.astype(dt, copy=False), y, hz.astype(dt, copy=False),
                    h.astype(dt, copy=False), out)
    return out


def gru_seq(xw, u, bh, h0):
    """A whole GRU layer (``gru_seq``): per step one GEMM ``h u`` (BLAS) and one loop
    (``gru_seq_step``, float32 ``gru_seq_step32``) for the biases, the gates and the update,
    on a (T + 1, B, 5H) buffer whose first step holds h0; ``y`` is its last T steps,
    ``y[t] = [h_t, r_t, z_t, n_t, hn_t]``."""
    t_len, nb, n3 = xw.shape
    n = n3 // 3
    dt = xw.dtype
    full = np.empty((t_len + 1, nb, 5 * n), dt)
    full[0, :, :n] = h0
    xw = np.ascontiguousarray(xw)
    bh = np.ascontiguousarray(bh, dt)
    hz = np.empty((nb, n3), dt)
    u = _c_order(u, t_len)
    mm = _step_product(nb, n, n3, dt)
    from . import _jit_rnn as J
    step = J.gru_seq_step32 if dt == _F32 else J.gru_seq_step
    for t in range(1, t_len + 1):
        mm(full[t - 1, :, :n], u, hz)
        step(full, t, hz, xw, bh)
    return full[1:]


def gru_seq_grad(g, y, u, h0):
    """Backpropagation through time of :func:`gru_seq` from its output ``y = [h, r, z, n,
    hn]`` (the saved gates and candidate products: no GEMM recomputes them): per step
    backwards one loop (``gru_seq_bwd_step``, float32 ``gru_seq_bwd_step32``) and the product
    ``dh += dhz u^T``; out[:T] = [dxz, dhz] (T, B, 6H), out[T] = [dh0, 0]."""
    t_len, nb, n5 = y.shape
    n = n5 // 5
    dt = y.dtype
    out = np.empty((t_len + 1, nb, 6 * n), dt)
    dh = np.zeros((nb, n), dt)
    dhz = np.empty((nb, 3 * n), dt)
    part = np.empty((nb, n), dt)
    ut = _c_order(u.T, t_len)
    g = np.ascontiguousarray(g, dt)
    y = np.ascontiguousarray(y)
    first = np.empty((nb, 5 * n), dt)       # h0 with the row stride of y's h columns: one
    first[:, :n] = h0                       # compiled signature for every step's h_{t-1}
    mm = _step_product(nb, 3 * n, n, dt)        # dhz_t u^T: (B, 3H) x (3H, H)
    from . import _jit_rnn as J
    step, add = (J.gru_seq_bwd_step32 if dt == _F32 else J.gru_seq_bwd_step), np.add
    for t in range(t_len - 1, -1, -1):
        step(g[t], y[t], y[t - 1, :, :n] if t else first[:, :n], dh, out[t], dhz)
        mm(dhz, ut, part)
        add(dh, part, out=dh)
    out[t_len, :, :n] = dh
    out[t_len, :, n:] = 0
    return out


def rnn_seq(xw, u, h0, *, nonlinearity):
    """A whole Elman layer (``rnn_seq``): per step one GEMM ``h u`` (BLAS) and one loop
    (``rnn_seq_step``, float32 ``rnn_seq_step32``) for the sum and the activation, on a
    (T + 1, B, H) buffer whose first step holds h0; ``y`` is its last T steps."""
    t_len, nb, n = xw.shape
    dt = xw.dtype
    full = np.empty((t_len + 1, nb, n), dt)
    full[0] = h0
    xw = np.ascontiguousarray(xw)
    hz = np.empty((nb, n), dt)
    u = _c_order(u, t_len)
    mm = _step_product(nb, n, n, dt)
    from . import _jit_rnn as J
    step = J.rnn_seq_step32 if dt == _F32 else J.rnn_seq_step
    relu = nonlinearity == "relu"
    for t in range(1, t_len + 1):
        mm(full[t - 1], u, hz)
        step(full, t, hz, xw, relu)
    return full[1:]


def rnn_seq_grad(g, y, u, *, nonlinearity):
    """Backpropagation through time of :func:`rnn_seq` from its output ``y`` (the saved h_t:
    the activation's derivative reads it): per step backwards ``da_t = (g_t + dh)
    act'(h_t)`` (one loop) and ``dh = da_t u^T``; out[:T] = da, out[T] = dh0."""
    t_len, nb, n = y.shape
    dt = y.dtype
    out = np.empty((t_len + 1, nb, n), dt)
    dh = out[t_len]
    dh[...] = 0
    ut = _c_order(u.T, t_len)
    g = np.ascontiguousarray(g, dt)
    y = np.ascontiguousarray(y)
    mm = _step_product(nb, n, n, dt)            # da_t u^T
    from . import _jit_rnn as J
    step = J.rnn_seq_bwd_step32 if dt == _F32 else J.rnn_seq_bwd_step
    relu = nonlinearity == "relu"
    for t in range(t_len - 1, -1, -1):
        step(g[t], y[t], dh, out[t], relu)
        mm(out[t], ut, dh)
    return out


def gru_rb_seq(xw, ug, uc, h0):
    """A whole reset-before GRU layer (``gru_rb_seq``: TensorFlow's GRUCell, Keras'
    ``reset_after=False``): per step the GEMM ``h ug``, the gate loop (r, u and ``r h``), the
    GEMM ``(r h) uc`` and the update loop, on a (T + 1, B, 4H) buffer whose first step holds
    h0; ``y`` is its last T steps, ``y[t] = [h_t, r_t, u_t, c_t]``."""
    t_len, nb, n3 = xw.shape
    n = n3 // 3
    dt = xw.dtype
    one = dt.type(1)
    full = np.empty((t_len + 1, nb, 4 * n), dt)
    full[0, :, :n] = h0
    xw = np.ascontiguousarray(xw)
    hz = np.empty((nb, 2 * n), dt)
    hc = np.empty((nb, n), dt)
    rh = np.empty((nb, n), dt)
    ug, uc = _c_order(ug, t_len), _c_order(uc, t_len)
    mm_g, mm_c = _step_product(nb, n, 2 * n, dt), _step_product(nb, n, n, dt)
    from . import _jit_gru_rb as J
    f32 = dt == _F32
    for t in range(1, t_len + 1):
        mm_g(full[t - 1, :, :n], ug, hz)
        if f32:
            J.gru_rb_gates32(full, t, hz, xw, rh)
        else:
            J.gru_rb_gates(full, t, hz, xw, rh, one)
        mm_c(rh, uc, hc)
        (J.gru_rb_update32 if f32 else J.gru_rb_update)(full, t, hc, xw)
    return full[1:]


def gru_rb_seq_grad(g, y, ug, uc, h0):
    """Backpropagation through time of :func:`gru_rb_seq` from its output ``y = [h, r, u, c]``
    (the saved gates: no GEMM recomputes them): per step backwards the candidate's loop, the
    GEMM ``dzc uc^T`` (the cotangent of ``r h``), the reset gate's loop and the GEMM ``[dzr,
    dzu] ug^T``; out[:T] = [dzr, dzu, dzc] (the projected inputs' cotangents), out[T] =
    [dh0, 0, 0]."""
    t_len, nb, n4 = y.shape
    n = n4 // 4
    dt = y.dtype
    one = dt.type(1)
    out = np.empty((t_len + 1, nb, 3 * n), dt)
    dh = np.zeros((nb, n), dt)
    dzc = np.empty((nb, n), dt)
    drh = np.empty((nb, n), dt)
    dzg = np.empty((nb, 2 * n), dt)
    part = np.empty((nb, n), dt)
    ugt, uct = _c_order(ug.T, t_len), _c_order(uc.T, t_len)
    g = np.ascontiguousarray(g, dt)
    y = np.ascontiguousarray(y)
    first = np.empty((nb, 4 * n), dt)       # h0 with the row stride of y's h columns: one
    first[:, :n] = h0                       # compiled signature for every step's h_{t-1}
    mm_c, mm_g = _step_product(nb, n, n, dt), _step_product(nb, 2 * n, n, dt)
    from . import _jit_gru_rb as J
    for t in range(t_len - 1, -1, -1):
        hp = y[t - 1, :, :n] if t else first[:, :n]
        J.gru_rb_bwd_c(g[t], y[t], hp, dh, out[t], dzc, one)
        mm_c(dzc, uct, drh)
        J.gru_rb_bwd_r(g[t], y[t], hp, drh, dh, out[t], dzg, one)
        mm_g(dzg, ugt, part)
        np.add(dh, part, out=dh)
    out[t_len, :, :n] = dh
    out[t_len, :, n:] = 0
    return out
