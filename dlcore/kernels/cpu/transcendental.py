"""CPU kernels for transcendental elementwise functions that NumPy vectorises and Numba cannot.

This llvmlite build links no vector maths library (Intel SVML is not available), so a generated
Numba loop over ``math.exp`` makes one scalar libm call per element.  NumPy's ufuncs carry
hand-vectorised exp/log/tanh: on 1M float32 values they measured 6x (exp), 11x (log) and 50x
(tanh) faster.  exp, log and tanh therefore use the ufunc directly (``simd=True`` in their
definition blocks).  sigmoid needs a stable formula, so it takes NumPy's SIMD exp for the one
transcendental pass and a Numba loop (which LLVM vectorises: no calls) for the rest:

    e = exp(-|x|)                       (0 < e <= 1: never overflows)
    y = 1 / (1 + e)    where x >= 0
    y = e / (1 + e)    where x < 0      (keeps full relative precision for very negative x)

float32 (issue 19) takes the Cephes forms of ``_fast32`` (``tanh32``, ``sigmoid32``: plain float32
arithmetic, so LLVM vectorises the loop) in one Numba pass: CPU time, 1 thread, AVX2 Zen1,
NumPy 2.4, a (20, 200) float32 array: tanh 30.6 (np.tanh) -> 15.4 us (torch 24.1), sigmoid
50.1 (exp pass + combine) -> 13.4 us (torch 12.8); (700, 200): tanh 1062 -> 433 us (torch 841),
sigmoid 2076 -> 424 us (torch 362).  Their error is 1.35e-7 (tanh) and ~2e-7 (sigmoid)
relative against float64, within 2 ulp of torch's float32 results.  A Numba dispatch costs
~2 us, so tanh of fewer than ``TANH32_MIN`` elements (np.tanh: 1.1 us for 32 against 3.0, the
two equal at ~1024) and arrays that are not C-contiguous keep np.tanh.  Below x = -87.33
sigmoid32 gives the subnormal e^x, rounded once, and 0 below -103.9 (the NumPy form's values;
until session 21 its exponent was clamped there and those elements recomputed here).  ``tanh_grad`` of float32 (from ``TANH_GRAD32_MIN`` elements) is one
Numba pass of the same three float32 roundings (no FMA contraction: Numba does not set
fastmath): (20, 200) 7.4 -> 6.1 us, (700, 200) 143 -> 46 us (torch's tanh_backward 57).
"""

from __future__ import annotations

import numpy as np

from ._fp_quiet import _FP

_combine_jit = None                  # compiled on first use: importing dlcore loads no Numba
_f32 = None                          # the float32 loops (_fast32_loops), imported on first use
TANH32_MIN = 1024                    # fewer float32 elements: np.tanh (no Numba dispatch)
# fewer: NumPy's three operations.  The loops' outputs are allocated outside Numba (their
# dispatch ~0.4 us), so from one element: a (1, 32) tanh_grad 1.46 -> 1.03 us (a tree net's
# per-node gradient, issue 19); the values are the same bits (3,000 random arrays with
# infinities, NaNs and subnormals checked against NumPy's g * (1 - t * t))
TANH_GRAD32_MIN = 1
_F32 = np.dtype(np.float32)


def _loops():
    global _f32
    if _f32 is None:
        from . import _fast32_loops
        _f32 = _fast32_loops
    return _f32


def float32_entry(entry, fn):
    """The CPU kernel ``entry`` (an elementwise SIMD entry) with float32 NumPy arrays handed
    straight to ``fn`` (``tanh``/``sigmoid`` here: neither raises floating-point warnings on
    real input, so the entry's type test and warning silencing, ~1 us a call, are skipped).
    ``fn.float32`` (where set: ``sigmoid32``), ``fn``'s form for a float32 ndarray without
    its dtype test, is kept as the kernel's ``float32`` for a wrapper in front
    (``ops.complex_ops``)."""
    ndarray = np.ndarray

    def kernel(x, **params):
        if type(x) is ndarray and x.dtype == _F32:
            y = fn(x)
            return y if type(y) is ndarray else np.asarray(y)     # (0-d: a NumPy scalar)
        return entry(x, **params)

    kernel.__name__, kernel.__doc__ = entry.__name__, entry.__doc__
    for name in ("module", "kernel", "into"):
        setattr(kernel, name, getattr(entry, name))
    kernel.float32_fn = fn  # type: ignore[attr-defined]  # (known_shapes.small_tanh32 reads it)
    f32 = getattr(fn, "float32", None)
    if f32 is not None:
        kernel.float32 = f32  # type: ignore[attr-defined]
    return kernel


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh of a floating-point (or complex) array: float32 C-contiguous arrays of at least
    ``TANH32_MIN`` elements through ``_fast32.tanh32`` in one vectorised Numba pass, the rest
    through np.tanh (NumPy's SIMD ufunc)."""
    if x.dtype == _F32 and x.size >= TANH32_MIN and x.flags.c_contiguous:
        out = np.empty(x.shape, x.dtype)     # (C-contiguous x: empty_like's array, without
        _loops().tanh32_into(x, out)         # its Python dispatcher frame)
        return out
    return np.tanh(x)


def unary_loop(loop: str, doc: str):
    """A float32 array function over the ``_fast32_loops`` loop named ``loop`` (one vectorised
    Numba pass into an output allocated here, a copy of ``x`` first where it is not C-
    contiguous; a 0-d ``x`` stays 0-d): the float32 kernel given to ``float32_entry``."""
    def fn(x: np.ndarray) -> np.ndarray:
        if not x.flags.c_contiguous:
            x = np.ascontiguousarray(x)         # (not for a 0-d x: that would make it 1-d)
        out = np.empty(x.shape, x.dtype)
        getattr(_f32 or _loops(), loop)(x, out)
        return out
    fn.__name__, fn.__doc__ = loop.replace("32_into", ""), doc
    return fn


erf = unary_loop("erf32_into", """erf of a float32 array through ``_fast32.erf32`` in one
    vectorised Numba pass (its float32 kernel, ``float32_entry``; other dtypes keep the
    generated ``math.erf`` loops): 524,288 values, one thread, 8.4 ms (a libm call each) ->
    0.45 ms (PyTorch's 1.1-2.2), within 1.6 ulp of the exact erf (PyTorch's 0.71).""")
gelu = unary_loop("gelu32_into", """The exact GELU of a float32 array through
    ``_fast32.gelu32`` (``erf32``) in one vectorised Numba pass (its float32 kernel,
    ``float32_entry``; other dtypes keep the generated ``math.erf`` loops, a libm call per
    element).  One thread, us, loops -> this (PyTorch): 65,536 values 674 -> 108 (39); 4,096
    values 37 -> 12.7 (12.3).""")
# silu, softplus, log_sigmoid and mish (``_fast32``'s forms of PyTorch's, exp32 and a float64
# log1p32), where the generated loops made one libm call or two per element: a (64, 128)
# float32 forward, one thread, us, libm loops -> these (PyTorch): silu 28 -> 5.0 (4.6),
# softplus 95 -> 21 (13.3), mish (a composite then) 102 -> 33 (32.5)
# (each its own ``float32`` form: what ``float32_entry`` keeps for the eager lane)
silu = unary_loop("silu32_into", "SiLU of a float32 array (``_fast32.silu32``).")
softplus = unary_loop("softplus32_into", "softplus of a float32 array (``_fast32.softplus32``).")
logsigmoid = unary_loop("logsigmoid32_into",
                        "log_sigmoid of a float32 array (``_fast32.logsigmoid32``).")
mish = unary_loop("mish32_into", "mish of a float32 array (``_fast32.mish32``).")
gelu_tanh = unary_loop("gelu_tanh32_into",
                       "GELU's tanh form of a float32 array (``_fast32.gelu_tanh32``).")
for _fn in (silu, softplus, logsigmoid, mish, gelu_tanh):
    _fn.float32 = _fn


def float32_pair_entry(entry, loop: str):
    """The binary CPU kernel ``entry`` with same-shape float32 NumPy operands written by the
    ``_fast32_loops`` loop named ``loop`` (``gelu_grad32_into``: PyTorch's gelu_backward in
    float32); an operand of another layout is copied C-ordered first (a sum's cotangent, one
    value broadcast, took the libm loop: 64x128 gelu_grad 120 -> 9 us); anything else goes to
    ``entry``."""
    def kernel(a, b, **params):
        if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == _F32 and \
                b.dtype == _F32 and a.shape == b.shape:
            if not a.flags.c_contiguous:
                a = np.ascontiguousarray(a)
            if not b.flags.c_contiguous:
                b = np.ascontiguousarray(b)
            out = np.empty(a.shape, a.dtype)
            getattr(_f32 or _loops(), loop)(a, b, out)
            return out
        return entry(a, b, **params)

    kernel.__name__, kernel.__doc__ = entry.__name__, entry.__doc__
    for name in ("module", "kernel", "into"):
        if hasattr(entry, name):
            setattr(kernel, name, getattr(entry, name))
    return kernel


def _sigmoid_combine(x, e, out):
    for i in range(x.size):
        ei = e[i]
        one = ei - ei + 1        # 1 in e's dtype: float32 stays float32 (a literal 1 is int)
        out[i] = (ei if x[i] < 0 else one) / (ei + one)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic sigmoid of a floating-point array, in x's dtype (float32
    through ``_fast32.sigmoid32``, see the module docstring)."""
    if x.dtype == _F32 and x.size:
        return sigmoid32(x)
    return _sigmoid_np(np.ascontiguousarray(x).reshape(-1)).reshape(x.shape)


def sigmoid32(x: np.ndarray) -> np.ndarray:
    """``sigmoid`` of a float32 ndarray (its dtype not tested again)."""
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    out = np.empty(x.shape, x.dtype)       # (x C-contiguous: empty_like's, one frame less)
    (_f32 or _loops()).sigmoid32_into(x, out)
    return out


sigmoid.float32 = sigmoid32  # type: ignore[attr-defined]


def _sigmoid_np(flat):
    """The NumPy-exp form on a flat contiguous array (float64, and float32's far tail)."""
    e = np.abs(flat)
    np.negative(e, out=e)
    np.exp(e, out=e)
    out = np.empty(e.shape, e.dtype)
    if out.size:
        global _combine_jit
        if _combine_jit is None:
            from numba import njit
            _combine_jit = njit(cache=True, nogil=True)(_sigmoid_combine)
        _combine_jit(flat, e, out)
    return out


def _f32_pair(g, t) -> bool:
    """Whether ``g`` and ``t`` are same-shape C-contiguous float32 NumPy arrays of at least
    ``TANH_GRAD32_MIN`` elements: the operands the float32 gradient loops take."""
    return (type(g) is np.ndarray and type(t) is np.ndarray and g.dtype == _F32
            and t.dtype == _F32 and g.shape == t.shape and g.size >= TANH_GRAD32_MIN
            and g.flags.c_contiguous and t.flags.c_contiguous)


def _quiet(compute, a, b):
    """``compute(a, b)`` (NumPy arithmetic) with floating-point warnings silenced as the
    elementwise kernels do; a 0-d result as an array."""
    get, put, ignore = _FP
    before = get()
    try:                            # (set inside the try, the old state written back: a
        put(ignore)                 # Ctrl-C as the set returns leaks nothing, review22 PB1)
        out = compute(a, b)
    finally:
        put(before)
    return out if type(out) is np.ndarray else np.asarray(out)


def _tanh_grad_np(g, t):
    return g * (1 - t * t)


def _sigmoid_grad_np(g, y):
    return g * (y * (1 - y))


def tanh_grad(g: np.ndarray, t: np.ndarray) -> np.ndarray:
    """y = g (1 - t^2), t being tanh's output: tanh's vjp as one kernel call.  NumPy's
    arithmetic in the operands' dtype (the weak 1 keeps float32 float32), so the same three
    roundings as the former mul(g, sub(1.0, mul(t, t))); floating-point warnings silenced as
    the elementwise kernels do."""
    if _f32_pair(g, t):
        out = np.empty(g.shape, g.dtype)     # (_f32_pair: C-contiguous)
        _loops().tanh_grad32_into(g, t, out)
        return out
    return _quiet(_tanh_grad_np, g, t)


def sigmoid_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dx = g (y (1 - y)), y being sigmoid's output: sigmoid's vjp as one kernel call (as
    TensorFlow's SigmoidGrad, PyTorch's sigmoid_backward).  The same roundings, in the same
    order, as the former mul(g, mul(y, sub(1.0, y))): NumPy's arithmetic in the operands'
    dtype, float32 from ``TANH_GRAD32_MIN`` elements in one Numba pass."""
    if _f32_pair(g, y):
        out = np.empty(g.shape, g.dtype)
        _loops().sigmoid_grad32_into(g, y, out)
        return out
    return _quiet(_sigmoid_grad_np, g, y)
