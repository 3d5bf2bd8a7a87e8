"""PyTorch's CPU random streams, number for number (``torch.manual_seed(0); torch.randn(3)``
prints the same values here as in PyTorch 2.13 on CPU).

The engine is PyTorch's: MT19937 seeded with ``init_genrand(seed & 0xffffffff)``; NumPy's
``MT19937`` bit generator with legacy seeding produces the same 32-bit stream, so draws come in
bulk from ``random_raw`` (no Python loop).  On top of it, PyTorch's CPU transformations
(ATen ``core/TransformationHelper.h``, ``native/cpu/DistributionTemplates.h``):

* ``random()`` is one 32-bit draw; ``random64()`` joins two, ``(first << 32) | second``.
* uniform float32: ``(r32 & (2**24 - 1)) * 2**-24 * (to - from) + from`` in float32;
  float64: ``(r64 & (2**53 - 1)) * 2**-53`` in float64.
* normal on a contiguous tensor of >= 16 elements: all uniforms first, then Box-Muller over
  blocks of 16 (``u1 = 1 - x[i]``, ``u2 = x[i + 8]``, cos into ``i``, sin into ``i + 8``); when
  the size is not a multiple of 16 the last 16 are redrawn and recomputed.  float32 takes the
  AVX2 kernel (PyTorch's CPU capability here is AVX2): float32 cephes polynomials of
  ``avx_mathfun.h`` (``log256_ps``, ``sincos256_ps``), reproduced step by step, with GCC's
  fused multiply-adds, by the Numba kernel ``dlcore/kernels/cpu/_jit_torch_rng.py``;
  float64 uses libm ``log``/``cos``/``sin`` in double.  Fewer than 16 elements: per element
  ``normal_distribution<double>``: ``u1, u2`` uniform doubles, ``r = sqrt(-2 log1p(-u2))``,
  ``theta = 2 pi u1``, returns ``r cos theta`` and caches ``r sin theta`` for the next call.
* ``random_(from, to)`` / ``randint``: ``r % range + from``, with ``random64`` when the range is
  >= 2**32 (int64/float/double), else ``random()``; ``random_()``: ``r % (max + 1)``.
* ``randperm(n)``: Fisher-Yates, ``z = random() % (n - i)``, swap ``i`` and ``i + z``.
* ``bernoulli_(p)`` (scalar p, what dropout uses): ``uniform_double < p`` per element (PyTorch's
  MKL path is disabled in its builds); ``exponential_``: ``-1 / lambda * log1p(-u)``;
  ``cauchy_``, ``log_normal_``, ``geometric_``, ``poisson`` as ATen's per-element samplers.
* GCC fuses ``x * span + from`` (uniform) and ``z * std + mean`` (normal) into FMAs: so do we.

Verified bit for bit against torch 2.13 (tests/eager/test_random_streams_vs_torch.py).  Known
gaps: float16/bfloat16 ``normal_`` of >= 16 elements differs in the recomputed last block (the
other blocks match); ``randint`` into float32 with a range >= 2**32 (PyTorch warns there);
``Generator("cuda")`` draws this host stream, not PyTorch's CUDA Philox.

Threads: each public method of the engine holds its lock (PyTorch's generator mutex), so
threads drawing from one generator (the global one, shared as in PyTorch) each get whole runs
of the stream; before, a ``randn(40)``'s two bulk draws could be split by another thread's and
two threads could both take one cached normal.

The state (``get_rng_state``) is PyTorch's ``CPUGeneratorImplState``, 5056 bytes: the initial
seed (u64), ``left`` (i32), ``seeded`` (i32), ``next`` (u64), 624 state words (u64 each), the
legacy ``normal_x, normal_y, normal_rho`` doubles (``normal_y`` holds the cached double normal),
``normal_is_valid`` (i32, 4 padding bytes), the cached float normal (f32) and its flag (u8, 3
padding bytes).  CUDA generators are not covered: PyTorch's CUDA streams (Philox) are out of
scope; dlcore's CUDA tensors draw on the host from this stream and are copied.
"""

from __future__ import annotations

import ctypes as _ctypes
import functools
import math
import threading

import numpy as np

STATE_BYTES = 5056
_N = 624
_U64 = np.uint64
_f32 = np.float32


def _atomic(method):
    """``method`` under the engine's lock: PyTorch holds a generator's mutex for a whole op,
    so threads sharing a generator (the global one) each get a run of the stream that one
    thread alone would get, and never the same cached normal twice."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return locked


def _state_words(bg) -> np.ndarray | None:
    """The 625 32-bit words of ``bg``'s C state (key, position) as an array over its memory,
    or None where they do not read as ``bg.state`` says (another layout)."""
    try:
        address = bg.ctypes.state_address
        words = np.ctypeslib.as_array((_ctypes.c_uint32 * (_N + 1)).from_address(address))
        st = bg.state["state"]
        if int(words[_N]) == int(st["pos"]) and np.array_equal(words[:_N], st["key"]):
            return words
    except (AttributeError, TypeError, ValueError, KeyError):
        pass
    return None


class TorchCPUEngine:
    """PyTorch's ``CPUGeneratorImpl``: MT19937 plus the cached normal samples.  Each public
    method is one atomic op (``_atomic``)."""

    def __init__(self, seed: int = 67280421310721):
        self._lock = threading.RLock()
        self.manual_seed(seed)

    def __getstate__(self) -> dict:      # copy.deepcopy(generator): a new lock for the copy
        with self._lock:
            return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_words")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    _words: tuple | None = None     # (bit generator, its C state's words), for ``token``

    @_atomic
    def token(self) -> tuple:
        """A fingerprint of the state that every draw changes, 1 us where :meth:`get_state`
        takes 47 (vmap's ``randomness="error"`` takes one before and after each sample): the
        MT19937 position and two key words from the bit generator's C state (NumPy's
        ``mt19937_state``: 624 key words, the position; a draw moves the position or, a key's
        worth later, regenerates the key; the layout checked against ``state`` once per bit
        generator, else the whole state is the token), the cached normals and the seed."""
        bg = self.bg
        words = self._words
        if words is None or words[0] is not bg:
            words = self._words = (bg, _state_words(bg))
        if (w := words[1]) is None:
            return (self.get_state(),)
        return (int(w[_N]), int(w[0]), int(w[_N - 1]), self.next_double, self.next_float,
                self.seed, self._fresh)

    # ---------------------------------------------------------------- seeding / state
    @_atomic
    def manual_seed(self, seed: int) -> None:
        self.seed = int(seed) % 2 ** 64
        self.bg = np.random.MT19937(0)
        self.bg._legacy_seeding(self.seed & 0xffffffff)
        self.next_double: float | None = None     # normal_distribution<double>'s cached value
        self.next_float: float | None = None
        self._fresh = True            # no draw since seeding (PyTorch's next == 0)

    @_atomic
    def get_state(self) -> bytes:
        st = self.bg.state
        pos = int(st["state"]["pos"])
        left = 625 - pos
        nxt = 0 if (pos == _N and self._fresh) else pos
        key = np.asarray(st["state"]["key"], dtype=np.uint64)
        out = bytearray(STATE_BYTES)
        out[0:8] = self.seed.to_bytes(8, "little")
        out[8:12] = left.to_bytes(4, "little")
        out[12:16] = (1).to_bytes(4, "little")
        out[16:24] = nxt.to_bytes(8, "little")
        out[24:24 + 8 * _N] = key.astype("<u8").tobytes()
        off = 24 + 8 * _N                       # 5016
        y = 0.0 if self.next_double is None else self.next_double
        out[off + 8:off + 16] = np.float64(y).astype("<f8").tobytes()
        out[off + 24:off + 28] = int(self.next_double is not None).to_bytes(4, "little")
        f = 0.0 if self.next_float is None else self.next_float
        out[off + 32:off + 36] = np.float32(f).astype("<f4").tobytes()
        out[off + 36] = int(self.next_float is not None)
        return bytes(out)

    @_atomic
    def set_state(self, b: bytes) -> None:
        """Install a state from :meth:`get_state`'s layout; validated before anything changes."""
        left = int.from_bytes(b[8:12], "little", signed=True)
        nxt = int.from_bytes(b[16:24], "little")
        seeded = int.from_bytes(b[12:16], "little")
        if not 1 <= left <= _N or nxt > _N or seeded != 1:
            raise RuntimeError("Invalid mt19937 state")
        off = 24 + 8 * _N
        key = np.frombuffer(b[24:off], dtype="<u8") & _U64(0xffffffff)    # uint32 words
        bg = np.random.MT19937(0)
        bg.state = {"bit_generator": "MT19937",
                    "state": {"key": key.astype(np.uint32), "pos": 625 - left}}
        self.bg = bg
        self.seed = int.from_bytes(b[0:8], "little")
        self._fresh = left == 1 and nxt == 0
        valid = int.from_bytes(b[off + 24:off + 28], "little")
        self.next_double = float(np.frombuffer(b[off + 8:off + 16], "<f8")[0]) if valid else None
        self.next_float = (float(np.frombuffer(b[off + 32:off + 36], "<f4")[0])
                           if b[off + 36] else None)

    # ---------------------------------------------------------------- raw draws
    # (_raw32/_raw64 unlocked, for the engine's own methods, which hold the lock already)
    def _raw32(self, n: int) -> np.ndarray:
        if n > 0:
            self._fresh = False
        return self.bg.random_raw(n)          # uint64 holding the 32-bit draws

    def _raw64(self, n: int) -> np.ndarray:
        a = self._raw32(2 * n).reshape(n, 2)
        return (a[:, 0] << _U64(32)) | a[:, 1]

    random32 = _atomic(_raw32)
    random64 = _atomic(_raw64)

    def _unit(self, n: int, dtype) -> np.ndarray:
        """Uniform [0, 1) as PyTorch's ``uniform_real_distribution<dtype>(0, 1)``."""
        if np.dtype(dtype) == np.float64:
            return (self._raw64(n) & _U64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        return self._uniform32(n, 0.0, 1.0)

    def _uniform32(self, n: int, low, high) -> np.ndarray:
        raw = self._raw32(n)
        out = np.empty(n, np.float32)
        low, high = _f32(low), _f32(high)
        span = high - low
        if n < 64 or (_exact_in_double(span, low) and
                      _numpy_first(_UNIFORM_NUMPY, NUMPY_UNIFORM_CALLS)):
            # (no kernel compile for small draws, nor for a program's first few uniform_
            # draws whose fused multiply-add NumPy computes exactly: every layer's init)
            x = (raw & _U64(0xffffff)).astype(np.float32) * np.float32(2.0 ** -24)
            if (low, high) == (0.0, 1.0):
                out[:] = x
            else:                       # (a value rounded up to ``to`` is ``from``: uniform32)
                out[:] = _fma32(x, span, low)
                np.copyto(out, low, where=out == high)
            return out
        _UNIFORM_NUMPY[1] = True
        from dlcore.kernels.cpu._jit_torch_rng import uniform32
        uniform32(raw, low, span, high, out)
        return out

    # ---------------------------------------------------------------- distributions
    @_atomic
    def uniform(self, n: int, dtype, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """``uniform_(low, high)``: float64 in double, every other float dtype in float32 then
        cast (half/bfloat16 draw 24 bits as float does)."""
        dt = np.dtype(dtype)
        if dt == np.float64:          # x * (to - from) + from, fused as GCC compiles it
            return _fma64(self._unit(n, np.float64), float(high) - float(low), float(low))
        out = self._uniform32(n, _f32(low), _f32(high))
        if dt == np.float32:
            return out
        # half and bfloat16: the float draw cast, and a value the cast rounded up to ``to`` is
        # ``from``, both in that type (PyTorch's bits: uniform_(10, 10.25) in half differed in
        # 4616 of 300,000 draws, rand in bfloat16 in 571, before)
        out = out.astype(dt)
        to, frm = np.array(float(high)).astype(dt), np.array(float(low)).astype(dt)
        np.copyto(out, frm, where=out == to)
        return out

    @_atomic
    def normal(self, n: int, dtype, mean: float = 0.0, std: float = 1.0,
               contiguous: bool = True) -> np.ndarray:
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {float(std):g}")
        dt = np.dtype(dtype)
        if n >= 16 and contiguous:
            if dt == np.float32:
                return self._fill_avx2(n, _f32(mean), _f32(std))
            if dt == np.float64:
                return self._fill(n, float(mean), float(std))
            # half/bfloat16: normal_fill<scalar_t> in that type (approximated in float32)
            return self._fill(n, float(mean), float(std), np.float32).astype(dt)
        return self._normal_double(n, float(mean), float(std)).astype(dt)

    def _normal_double(self, n: int, mean: float, std: float) -> np.ndarray:
        out = np.empty(n)
        i = 0
        if n and self.next_double is not None:
            out[0] = _fma64(np.array([self.next_double]), std, mean)[0]
            self.next_double = None
            i = 1
        pairs = (n - i + 1) // 2
        if pairs:
            u = self._unit(2 * pairs, np.float64).reshape(pairs, 2)
            r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
            th = 2.0 * math.pi * u[:, 0]
            c, s = r * np.cos(th), r * np.sin(th)
            inter = np.stack([_fma64(c, std, mean), _fma64(s, std, mean)], 1).reshape(-1)
            out[i:] = inter[:n - i]
            if (n - i) % 2:
                self.next_double = float(s[-1])
        return out

    def _fill(self, n: int, mean: float, std: float, dt=np.float64) -> np.ndarray:
        d = self._unit(n, dt)
        m = n // 16 * 16
        d[:m] = _box_muller16(d[:m].reshape(-1, 16), mean, std).reshape(-1)
        if n % 16:
            tail = self._unit(16, dt).reshape(1, 16)
            d[n - 16:] = _box_muller16(tail, mean, std).reshape(-1)
        return d

    def _fill_avx2(self, n: int, mean, std) -> np.ndarray:
        d = np.empty(n, np.float32)
        m = n // 16 * 16
        _normal_blocks(self._raw32(n)[:m], mean, std, d[:m])
        if n % 16:                      # (PyTorch: the last 16 redrawn and written over)
            _normal_blocks(self._raw32(16), mean, std, d[n - 16:])
        return d

    @_atomic
    def random_from_to(self, n: int, dtype, low: int, high: int) -> np.ndarray:
        """``random_(low, high)`` / ``randint(low, high)``: ``r % (high - low) + low``."""
        rng = int(high) - int(low)
        dt = np.dtype(dtype)
        wide = rng >= 2 ** 32 and dt in (np.int64, np.float64, np.float32)
        r = self._raw64(n) if wide else self._raw32(n)
        if rng >= 2 ** 63:
            return np.array([int(x) % rng + int(low) for x in r], dtype=np.int64).astype(dt)
        v = (r % _U64(rng)).view(np.int64)      # (each below 2**63: the same integers)
        return (v + np.int64(low) if low else v).astype(dt, copy=False)

    @_atomic
    def random_full(self, n: int, dtype) -> np.ndarray:
        """``random_()`` without bounds: ``[0, 2**mantissa]`` for floats, ``[0, max]`` for ints."""
        dt = np.dtype(dtype)
        if dt == np.bool_:
            return (self._raw32(n) & _U64(1)).astype(np.bool_)
        if dt.kind == "f":
            digits = {8: 53, 4: 24, 2: 11}[dt.itemsize]
            r = self._raw64(n) if dt == np.float64 else self._raw32(n)
            return (r % _U64((1 << digits) + 1)).astype(dt)
        top = int(np.iinfo(dt).max)
        r = self._raw64(n) if dt == np.int64 else self._raw32(n)
        return (r % _U64(top + 1)).astype(dt)

    @_atomic
    def randperm(self, n: int) -> np.ndarray:
        if n < 0:                           # (np.arange gave an empty permutation)
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
        perm = np.arange(n, dtype=np.int64)
        if n < 2:
            return perm
        z = (self._raw32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
        _fisher_yates(perm, z)
        return perm

    @_atomic
    def bernoulli_scalar(self, n: int, p: float) -> np.ndarray:
        return self._unit(n, np.float64) < float(p)

    @_atomic
    def bernoulli_tensor(self, p: np.ndarray) -> np.ndarray:
        """``bernoulli(p_tensor)``: one uniform per element, double for float64 p, float else."""
        flat = np.ascontiguousarray(p).reshape(-1)
        if flat.dtype == np.float64:
            return (self._unit(flat.size, np.float64) < flat).reshape(p.shape)
        return (self._unit(flat.size, np.float32) < flat.astype(np.float32)).reshape(p.shape)

    @_atomic
    def exponential(self, n: int, lambd: float = 1.0) -> np.ndarray:
        u = self._unit(n, np.float64)
        return (-1.0 / float(lambd)) * np.log1p(-u)

    @_atomic
    def poisson(self, rates: np.ndarray) -> np.ndarray:
        """``torch.poisson``: ATen's ``sample_poisson`` per element in order, a product of
        double uniforms below rate 10, Hoermann's transformed rejection (1993) from 10 (a Python
        loop: some microseconds per element)."""
        flat = np.asarray(rates, dtype=np.float64).reshape(-1)
        out = np.array(self._each_on_uniforms(flat.tolist(), self._poisson1, 4), np.float64)
        return out.reshape(np.shape(rates))

    def _each_on_uniforms(self, items: list, fn, per_item: int) -> list:
        """``[fn(item, u) for item in items]`` in order, ``u()`` the stream's next double
        uniform (``uniform_real_distribution<double>(0, 1)``), as ATen's per-element samplers
        (poisson, binomial) read them.  The uniforms are drawn ahead in bulk (about
        ``per_item`` each); then the state is set back and advanced by the words used (MT19937
        has no rewind): the stream moves exactly as ATen's.  The caller holds the lock."""
        state = self.bg.state
        buf: list = []
        pos = [0]

        def u() -> float:
            if pos[0] == len(buf):
                w = self.bg.random_raw(2 * (per_item * len(items) + 32))
                w = ((w[0::2] << _U64(32)) | w[1::2]) & _U64((1 << 53) - 1)
                buf.extend((w.astype(np.float64) * 2.0 ** -53).tolist())
            pos[0] += 1
            return buf[pos[0] - 1]
        out = [fn(item, u) for item in items]
        self.bg.state = state
        if pos[0]:
            self._raw32(2 * pos[0])
        return out

    @staticmethod
    def _poisson1(lam: float, u) -> int:
        if lam >= 10:
            slam, loglam = math.sqrt(lam), math.log(lam)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            invalpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2)
            while True:
                uu = u() - 0.5
                v = u()
                us = 0.5 - abs(uu)
                k = math.floor((2 * a / us + b) * uu + lam + 0.43)
                if us >= 0.07 and v <= vr:
                    return k
                if k < 0 or (us < 0.013 and v > us):
                    continue
                if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                        <= -lam + k * loglam - math.lgamma(k + 1)):
                    return k
        if lam == 0:
            return 0
        enlam, x, prod = math.exp(-lam), 0, 1.0
        while True:
            prod *= u()
            if prod > enlam:
                x += 1
            else:
                return x

    @_atomic
    def cauchy(self, n: int, median: float = 0.0, sigma: float = 1.0) -> np.ndarray:
        """``cauchy_``: ``median + sigma * tan(pi * (u - 0.5))``, u a double uniform."""
        u = self._unit(n, np.float64)
        return float(median) + float(sigma) * np.tan(math.pi * (u - 0.5))

    @_atomic
    def log_normal(self, n: int, mean: float = 1.0, std: float = 2.0) -> np.ndarray:
        """``log_normal_``: ``exp`` of ``normal_distribution<double>`` draws (per element, with
        the cached second value, whatever the size)."""
        return np.exp(self._normal_double(n, float(mean), float(std)))

    @_atomic
    def geometric(self, n: int, p: float) -> np.ndarray:
        """``geometric_``: ``ceil(log(u) / log1p(-p))``, u a double uniform."""
        u = self._unit(n, np.float64)
        with np.errstate(divide="ignore"):
            return np.ceil(np.log(u) / math.log1p(-float(p)))


def _normal_blocks(raw: np.ndarray, mean, std, out: np.ndarray) -> None:
    """``out`` (float32, a multiple of 16) from the 32-bit draws ``raw``: the uniforms
    ``(raw & (2**24 - 1)) 2**-24``, then PyTorch's AVX2 Box-Muller on each block of 16 (``u1 =
    1 - x[j]``, ``u2 = x[j + 8]``), in one Numba call (``normal_blocks``).  A process's first
    few draws of up to ``NUMPY_NORMAL_MAX`` values take the kernel's NumPy twin instead (the
    same bits, ``_box_muller_numpy``: no compilation for a program whose normal draws are its
    data and initial weights)."""
    if out.size <= NUMPY_NORMAL_MAX and _numpy_first(_NORMAL_NUMPY, NUMPY_NORMAL_CALLS):
        from ._box_muller_numpy import box_muller
        b = ((raw & _U64(0xffffff)).astype(np.float32) * np.float32(2.0 ** -24)).reshape(-1, 16)
        u1 = np.float32(1.0) - b[:, :8].ravel()
        u2 = np.ascontiguousarray(b[:, 8:]).ravel()
        c, s = np.empty_like(u1), np.empty_like(u1)
        box_muller(u1, u2, np.float32(mean), np.float32(std), c, s)
        o = out.reshape(-1, 16)
        o[:, :8] = c.reshape(-1, 8)
        o[:, 8:] = s.reshape(-1, 8)
        return
    _NORMAL_NUMPY[1] = True
    from dlcore.kernels.cpu._jit_torch_rng import normal_blocks
    normal_blocks(raw, np.float32(mean), np.float32(std), out)


def _fma32(a: np.ndarray, b, c) -> np.ndarray:
    """Fused float32 ``a * b + c``: the product is exact in double, the sum rounds there, then
    to float32 (a double rounding that can differ from one FMA rounding only on ties)."""
    return (a.astype(np.float64) * float(b) + float(c)).astype(np.float32)


#: [uniform_ draws NumPy computed, whether the kernel has run]: a process's first
#: ``NUMPY_UNIFORM_CALLS`` float32 draws whose multiply-add is exact in double are NumPy's
#: (the kernel's bits, no Numba compilation: 0.4 s of an eager program's first run, where the
#: layers' ``kaiming_uniform_`` were its only draws); after them, and once the kernel ran, the
#: kernel (one pass instead of seven)
_UNIFORM_NUMPY: list = [0, False]
NUMPY_UNIFORM_CALLS = 16
#: the same for float32 normal draws (``_normal_blocks``), of at most NUMPY_NORMAL_MAX
#: values each (the twin's ~300 array operations: 10 ms for 64,000 values)
_NORMAL_NUMPY: list = [0, False]
NUMPY_NORMAL_CALLS = 8
NUMPY_NORMAL_MAX = 1 << 18


def _numpy_first(state: list, calls: int) -> bool:
    """Whether this draw is one of the first ``calls`` of ``state``'s kind (and its kernel
    has not run): counted."""
    if state[1] or state[0] >= calls:
        return False
    state[0] += 1
    return True


def _exact_in_double(span, low) -> bool:
    """Whether ``x * span + low`` is exact in double for every float32 ``x = k 2^-24`` (k below
    2^24) and float32 ``span``, ``low``: the product has at most 48 significant bits from
    2^(e_span - 48) up, ``low`` 24 from 2^(e_low - 24), the sum is below 2^(max e + 1); within
    53 bits the double sum is exact and its one rounding to float32 is the fused multiply-add's
    (``uniform_(-b, b)``: 49 bits).  frexp's exponents; a subnormal's bound is lower than its
    last bit (conservative)."""
    span, low = float(span), float(low)
    if low == 0.0 or span == 0.0:
        return math.isfinite(span) and math.isfinite(low)
    if not (math.isfinite(span) and math.isfinite(low)):
        return False
    eb, ec = math.frexp(span)[1], math.frexp(low)[1]
    return max(eb, ec) + 1 - min(eb - 48, ec - 24) <= 53


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """Fused ``a * b + c`` in float64: Dekker's exact product ``p + e`` then ``p + c`` by
    TwoSum, so only the final addition rounds (exact but for ties of the last bit)."""
    if b == 1.0 and c == 0.0:
        return a.copy()
    p = a * b
    sp = 134217729.0
    ah = sp * a
    ah = ah - (ah - a)
    al = a - ah
    bh = sp * b
    bh = bh - (bh - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    return s + (t + e)


def _fisher_yates(perm: np.ndarray, z: np.ndarray) -> None:
    """Swap ``perm[i]`` and ``perm[i + z[i]]`` in order: a Python loop over lists below 64
    elements (no compile), the Numba kernel above."""
    if perm.size >= 64:
        from dlcore.kernels.cpu._jit_torch_rng import fisher_yates
        fisher_yates(perm, z)
        return
    p = perm.tolist()
    for i, k in enumerate(z.tolist()):
        j = i + k
        p[i], p[j] = p[j], p[i]
    perm[:] = p


def _box_muller16(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    u1 = 1 - x[:, :8]
    u2 = x[:, 8:]
    rad = np.sqrt(-2 * np.log(u1))
    th = (2.0 * math.pi) * u2
    # radius * cos(theta) * std + mean, the last multiply-add fused as GCC compiles it
    return np.concatenate([_fma64(rad * np.cos(th), std, mean),
                           _fma64(rad * np.sin(th), std, mean)], 1)


def _count(shape) -> tuple[int, tuple]:
    if shape is None:
        return 1, ()
    shp = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
    return int(np.prod(shp, dtype=np.int64)), shp


def _sized(size, draw, scalar=float):
    """``draw(n)`` (``n`` values drawn flat) shaped as NumPy's ``size`` argument asks; one
    Python ``scalar`` when ``size`` is None, as ``numpy.random.Generator`` returns."""
    n, shp = _count(size)
    out = draw(n).reshape(shp)
    return out if size is not None else scalar(out)


class NumpyLike:
    """The subset of ``numpy.random.Generator``'s methods that dlcore_eager's samplers call,
    drawn from a :class:`TorchCPUEngine` as PyTorch draws them in float64 (``random``,
    ``uniform``, ``standard_normal``/``normal`` on a contiguous float64 tensor, ``integers`` as
    ``random_(low, high)`` in int64, ``permutation`` as ``randperm``, ``standard_exponential``/
    ``exponential`` as ``exponential_``).  Any other method (``choice``, ``poisson``, ``gamma``
    ...) comes from a NumPy generator seeded by one ``random64`` draw of the stream, so it is
    reproducible under ``manual_seed`` but is not PyTorch's sequence."""

    def __init__(self, engine: TorchCPUEngine):
        self._e = engine

    def random(self, size=None, dtype=np.float64):
        return _sized(size, lambda n: self._e._unit(n, dtype))

    def uniform(self, low=0.0, high=1.0, size=None):
        return _sized(size, lambda n: self._e.uniform(n, np.float64, low, high))

    def standard_normal(self, size=None, dtype=np.float64):
        return _sized(size, lambda n: self._e.normal(n, dtype))

    def normal(self, loc=0.0, scale=1.0, size=None):
        return _sized(size, lambda n: self._e.normal(n, np.float64, loc, scale))

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        if high is None:
            low, high = 0, low
        high = int(high) + (1 if endpoint else 0)
        return _sized(size, lambda n: self._e.random_from_to(n, np.int64, int(low), high)
                      .astype(dtype), int)

    def permutation(self, x):
        if np.ndim(x) == 0:
            return self._e.randperm(int(x))
        arr = np.asarray(x)
        return arr[self._e.randperm(arr.shape[0])]

    def shuffle(self, x) -> None:
        x[...] = x[self._e.randperm(len(x))]

    def standard_exponential(self, size=None, dtype=np.float64):
        return _sized(size, lambda n: self._e.exponential(n, 1.0).astype(dtype))

    def exponential(self, scale=1.0, size=None):
        return _sized(size, lambda n: self._e.exponential(n, 1.0 / float(scale)))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        seed = int(self._e.random64(1)[0])
        return getattr(np.random.Generator(np.random.PCG64(seed)), name)
