"""PyTorch's elementwise long tail, its window functions and its random-state functions:

* ``deg2rad``/``rad2deg``, ``float_power`` (float64, as PyTorch), ``copysign`` (gradient
  ``g * y / x`` to ``input``, 0 at 0 and none to ``other``, as PyTorch), ``ldexp``
  (``x * 2^e``): compositions of recorded operations; ``heaviside``, ``nextafter`` and
  ``frexp`` (``(mantissa, exponent)``, exponent int32) have no gradient in PyTorch and are
  computed on the host.
* ``signbit``, ``isposinf``/``isneginf``/``isreal``, ``positive``, ``logaddexp2``,
  ``fmax``/``fmin`` (NaN-ignoring), ``gcd``/``lcm`` (integers, host), ``clamp_min``/``clamp_max``,
  ``renorm`` (slices scaled to a maximum p-norm), ``msort``.
* ``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``,
  ``kaiser_window``: ``periodic=True`` computes the symmetric window of length N + 1 and drops
  its last point, as PyTorch; float64 maths, then the requested dtype.
* ``get_rng_state``/``set_rng_state`` (also ``torch.random.*`` and ``Generator.get_state``/
  ``set_state``): the generator's whole state as a uint8 tensor, PyTorch's 5056-byte
  ``CPUGeneratorImplState`` (MT19937 words, position, seed, cached normals: _torch_rng), so
  ``set_rng_state(get_rng_state())`` replays the same draws and states move to and from PyTorch.
* ``torch.special`` aliases of ops defined elsewhere: ``xlogy``, ``sinc``, ``expm1``...
"""

from __future__ import annotations

import functools
import math

import numpy as np

from dlcore.dtypes import is_floating
from dlcore.ops.elementwise import maximum_p, minimum_p
from dlcore.ops.math_binary import eager_maximum_vjp, eager_minimum_vjp

from . import _dtype as D
from . import _host_grad as _hg
from . import _tensor_ops as O
from . import creation as _creation
from ._arg_checks import not_tensor as _not_tensor
from ._graph import EAGER_VJPS, labelled
from ._host import host as _host
from ._operand_rules import wrap_dim
from ._out import check_cast
from ._rng_state import decode as _decode
from ._rng_state import encode as _encode
from ._state import STATE
from .return_types import structseq
from .tensor import Tensor

frexp_result = structseq("frexp", ["mantissa", "exponent"])


def _like(arr, ref) -> Tensor:
    out = Tensor._wrap(np.require(arr, requirements="C"))     # (0-d stays 0-d)
    return out.cuda() if isinstance(ref, Tensor) and ref.is_cuda else out


def _float(x: Tensor) -> Tensor:
    return x if is_floating(x._buf.dtype) else x.to(D.get_default_dtype())


def _as_tensor(x, ref: Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return _like(np.asarray(x, ref._buf.dtype if isinstance(x, float) and
                            is_floating(ref._buf.dtype) else None), ref)


def _dtype_name(x: Tensor) -> str:
    return D.from_numpy_dtype(x._buf.dtype)._legacy


# ----------------------------------------------------------------------------- elementwise
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians, ``x * pi / 180``."""
    return labelled(_float(input) * (math.pi / 180.0), "Deg2RadBackward0", input, edges=(input,))


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees, ``x * 180 / pi``."""
    return labelled(_float(input) * (180.0 / math.pi), "Rad2DegBackward0", input, edges=(input,))


def float_power(input, exponent) -> Tensor:
    """``input ** exponent`` computed in float64 (the result is float64)."""
    if not isinstance(input, Tensor):
        return _as_tensor(float(input), exponent).to(D.float64) ** exponent.to(D.float64)
    x = input.to(D.float64)
    return x ** (exponent.to(D.float64) if isinstance(exponent, Tensor) else float(exponent))


_COPYSIGN_SIG = ("copysign() received an invalid combination of arguments - got ({}), but "
                 "expected one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
                 " * (Tensor input, Number other, *, Tensor out = None)\n")


def copysign(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    """``|input|`` with the sign of ``other`` (-0.0 counts as negative); float result."""
    if not isinstance(input, Tensor) or not isinstance(other, (Tensor, int, float, complex,
                                                               np.number)):
        # (a list other was read as an array: a float64 result where PyTorch refuses)
        raise TypeError(_COPYSIGN_SIG.format(", ".join(
            "Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in (input, other))))
    from ._operand_rules import infer_sizes as _broadcast_shape
    from ._out import write_out
    _broadcast_shape(input, other)      # (PyTorch's RuntimeError; was 'where''s ShapeError)
    # PyTorch's promotion of the two (a 0-d tensor or a number weak: copysign(int32, float16)
    # is float16 and of a float64 0-d and a float32 vector float32, both were float32/64
    # here), integers and bools to the default float dtype
    x = _float(O._operands(input, other)[0])
    if x._buf.dtype.kind == "c" or isinstance(other, complex) or (
            isinstance(other, Tensor) and other._buf.dtype.kind == "c"):
        if x._buf.dtype.kind != "c":
            x = O._operands(other, x)[0] if isinstance(other, Tensor) else x.to(
                D.complex128 if x._buf.dtype == np.float64 else D.complex64)
        raise NotImplementedError(f'"copysign_cpu" not implemented for \'{_dtype_name(x)}\'')
    negative = _like(np.signbit(_host(_as_tensor(other, x))), x)
    mag = x.abs()
    return write_out(labelled(O.where(negative, -mag, mag), "CopysignBackward0", input,
                              edges=(input, other) if isinstance(other, Tensor) else (input,)),
                     out, "copysign")


def ldexp(input: Tensor, other) -> Tensor:
    """``input * 2 ** other``."""
    x = _float(input)
    e = _as_tensor(other, x)
    return labelled(x * (2.0 ** e.to(x.dtype)), "LdexpBackward0", input,
                    edges=(input, other) if isinstance(other, Tensor) else (input,))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step: 0 below 0, ``values`` at 0, 1 above (not differentiable)."""
    if not isinstance(values, Tensor):
        raise _not_tensor("heaviside", "values", 2, values)
    if input._buf.dtype != values._buf.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    from ._operand_rules import infer_sizes as _broadcast_shape
    _broadcast_shape(input, values)     # (PyTorch's RuntimeError, not NumPy's ValueError)
    x, v = _host(input), _host(values)
    # PyTorch's kernel for every dtype: ``x == 0 ? v : x > 0`` (a NaN input is 0; NumPy's
    # heaviside gave NaN)
    out = _like(np.where(x == 0, v, (x > 0)).astype(x.dtype), input)
    return _hg.attach(out, "NotImplemented", (input, values), _hg.not_implemented("heaviside"))


def nextafter(input: Tensor, other) -> Tensor:
    """The next floating-point value after ``input`` towards ``other`` (not differentiable)."""
    if not isinstance(other, Tensor):
        raise _not_tensor("nextafter", "other", 2, other)
    from ._operand_rules import infer_sizes as _broadcast_shape
    _broadcast_shape(input, other)
    x, o = O._operands(input, other)    # PyTorch's promotion (NumPy's made float32 + int32
    dt = x._buf.dtype                   # float64)
    if not is_floating(dt):             # (PyTorch has no integer kernel; NumPy made a float)
        raise NotImplementedError(f'"nextafter_cpu" not implemented for '
                                  f"'{D.from_numpy_dtype(dt)._legacy}'")
    out = _like(np.nextafter(_host(x), _host(o)).astype(dt, copy=False), input)
    # PyTorch's NextafterBackward0: the gradient passes to ``input``, zero to ``other``
    return _hg.attach(out, "NextafterBackward0", (input, other),
                      lambda g: (g.sum_to_size(input.shape), _creation.zeros_like(other)))


def frexp(input: Tensor):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, |mantissa| in
    [0.5, 1); the exponent is int32."""
    if not is_floating(input._buf.dtype):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(_host(input))
    scale = _like(np.ldexp(np.ones((), m.dtype), -e).astype(m.dtype), input)
    # PyTorch's FrexpBackward0: mantissa = input * 2^-exponent, so g * 2^-exponent
    mantissa = _hg.attach(_like(m, input), "FrexpBackward0", (input,), lambda g: (g * scale,))
    return frexp_result(mantissa, _like(e.astype(np.int32), input))


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (-0.0 and negative values; not differentiable)."""
    return _like(np.signbit(_host(input)), input)


def isposinf(input: Tensor) -> Tensor:
    """True where ``input`` is +inf."""
    return input == math.inf if is_floating(input._buf.dtype) else input.bool() & False


def isneginf(input: Tensor) -> Tensor:
    """True where ``input`` is -inf."""
    return input == -math.inf if is_floating(input._buf.dtype) else input.bool() & False


def isreal(input: Tensor) -> Tensor:
    """True everywhere (dlcore has no complex dtypes)."""
    return input.bool() | True


def positive(input: Tensor) -> Tensor:
    """``input`` itself (PyTorch's unary plus), refused for booleans."""
    if input._buf.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def logaddexp2(input: Tensor, other) -> Tensor:
    """``log2(2^input + 2^other)``, computed without overflow."""
    ln2 = math.log(2.0)
    x = _float(input)
    return labelled((x * ln2).logaddexp(_float(_as_tensor(other, x)) * ln2) / ln2,
                    "Logaddexp2Backward0", input,
                    edges=(input, other) if isinstance(other, Tensor) else (input,))


def _nan_aware(input, other, pick_max: bool) -> Tensor:
    o = _as_tensor(other, input)
    best = O.maximum(input, o) if pick_max else O.minimum(input, o)    # (a tie to input)
    if not is_floating(input._buf.dtype):
        return best
    return O.where(input.isnan(), o, O.where(o.isnan(), input, best))


def fmax(input: Tensor, other) -> Tensor:
    """The elementwise maximum, ignoring a NaN where the other value is not NaN."""
    return labelled(_nan_aware(input, other, True), "FmaxBackward0", input,
                    edges=(input, other) if isinstance(other, Tensor) else (input,))


def fmin(input: Tensor, other) -> Tensor:
    """The elementwise minimum, ignoring a NaN where the other value is not NaN."""
    return labelled(_nan_aware(input, other, False), "FminBackward0", input,
                    edges=(input, other) if isinstance(other, Tensor) else (input,))


def _int_only(name: str, a: Tensor, b) -> tuple:
    """Both operands on the host in their promoted dtype (PyTorch's: ``gcd(bool, int64)`` is
    an int64 gcd, ``gcd(int8, int64 0-d)`` an int8 one), refused as PyTorch's kernel refuses
    a promoted dtype that is not an integer (``"gcd_cpu" not implemented for 'Bool'``)."""
    from ._long_tail import _result_dtype
    b = _as_tensor(b, a)
    d = np.dtype(_result_dtype((a, b)))
    if d.kind not in "iu":
        O.infer_size(tuple(a.shape), tuple(b.shape))   # (PyTorch's broadcast error first)
        name_ = D.from_numpy_dtype(d)._legacy
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{name_}\'')
    return _host(a).astype(d, copy=False), _host(b).astype(d, copy=False)


def gcd(input: Tensor, other) -> Tensor:
    """The greatest common divisor of integers (|gcd|; gcd(0, 0) = 0)."""
    a, b = _int_only("gcd", input, other)
    return _like(np.gcd(a, b), input)


def lcm(input: Tensor, other) -> Tensor:
    """The least common multiple of integers (0 where either is 0)."""
    a, b = _int_only("lcm", input, other)
    return _like(np.lcm(a, b), input)


def clamp_min(input: Tensor, min) -> Tensor:
    """``clamp(input, min=min)``."""
    return labelled(input.clamp(min=min), "ClampMinBackward1" if isinstance(min, Tensor)
                    else "ClampMinBackward0", input,
                    edges=(input, min) if isinstance(min, Tensor) else (input,))


def clamp_max(input: Tensor, max) -> Tensor:
    """``clamp(input, max=max)``."""
    return labelled(input.clamp(max=max), "ClampMaxBackward1" if isinstance(max, Tensor)
                    else "ClampMaxBackward0", input,
                    edges=(input, max) if isinstance(max, Tensor) else (input,))


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to it
    (``maxnorm / (norm + 1e-7)``, as PyTorch)."""
    if input.dim() < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} "
                           "dimensions")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    d = wrap_dim(dim, input.dim())      # (dim % ndim renormed a dim out of range)
    if input._buf.dtype.kind not in "fcV":      # (ATen's norm refuses; dlcore renormed in float)
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {D.from_numpy_dtype(input._buf.dtype)._legacy}")
    others = [i for i in range(input.dim()) if i != d]
    x = _float(input)
    # (the norm op, PyTorch's linalg_vector_norm: its gradient at a zero slice is 0, where
    # (|x|^p).sum() ** (1/p) made the unscaled slice's gradient NaN, not PyTorch's identity)
    norm = x.norm(p, dim=others, keepdim=True) if others else x.abs()
    factor = O.where(norm > maxnorm, maxnorm / (norm + 1e-7), norm * 0 + 1)
    return labelled(x * factor, "RenormBackward0", input, edges=(input,))


def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``."""
    return input.sort(0).values


# ----------------------------------------------------------------------------- windows
def _window(name: str, n: int, periodic: bool, dtype, device, requires_grad, fn) -> Tensor:
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={n}")
    npd = _creation._default(dtype)
    if not is_floating(npd):
        raise RuntimeError(f"{name} expects floating point dtypes, got: "
                           f"{D.from_numpy_dtype(npd)}")
    if n <= 1:
        buf = np.ones(n, npd)
    else:
        m = n + 1 if periodic else n
        k = np.arange(m, dtype=np.float64)
        buf = fn(k, m - 1)[:n].astype(npd)
    return _creation._finish(buf, None, device, requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, requires_grad: bool = False) -> Tensor:
    """``0.5 - 0.5 cos(2 pi k / (N - 1))``."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, d: 0.5 - 0.5 * np.cos(2 * np.pi * k / d))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False) -> Tensor:
    """``alpha - beta cos(2 pi k / (N - 1))``."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, d: alpha - beta * np.cos(2 * np.pi * k / d))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False) -> Tensor:
    """``0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))``."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, d: 0.42 - 0.5 * np.cos(2 * np.pi * k / d)
                   + 0.08 * np.cos(4 * np.pi * k / d))


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False) -> Tensor:
    """The triangle ``1 - |2 k / (N - 1) - 1|``."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, d: 1.0 - np.abs(2.0 * k / d - 1.0))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """``I0(beta sqrt(1 - (2 k / (N - 1) - 1)^2)) / I0(beta)``."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, d: np.i0(beta * np.sqrt(np.maximum(
                       1.0 - (2.0 * k / d - 1.0) ** 2, 0.0))) / np.i0(beta))


# ----------------------------------------------------------------------------- random state
def get_rng_state() -> Tensor:
    """The default generator's state (a DataLoader worker thread's own, as in PyTorch's
    worker processes), a uint8 tensor for ``set_rng_state``."""
    return _encode(_creation._default_generator())


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from ``get_rng_state()``'s tensor."""
    _decode(_creation._default_generator(), new_state)


FUNCTIONS = ["deg2rad", "rad2deg", "float_power", "copysign", "ldexp", "heaviside",
             "nextafter", "frexp", "signbit", "isposinf", "isneginf", "isreal", "positive",
             "logaddexp2", "fmax", "fmin", "gcd", "lcm", "clamp_min", "clamp_max", "renorm",
             "msort", "hann_window", "hamming_window", "blackman_window",
             "bartlett_window", "kaiser_window", "get_rng_state", "set_rng_state"]
METHODS = ["deg2rad", "rad2deg", "float_power", "copysign", "ldexp", "heaviside", "nextafter",
           "frexp", "signbit", "isposinf", "isneginf", "isreal", "positive", "logaddexp2", "fmax",
           "fmin", "gcd", "lcm", "clamp_min", "clamp_max", "renorm", "msort"]
#: in-place forms (``x.deg2rad_()``): computed out of place, then written into ``x``
INPLACE = ["deg2rad", "rad2deg", "copysign", "ldexp", "heaviside", "nextafter", "gcd", "lcm",
           "clamp_min", "clamp_max", "renorm", "float_power"]


def _inplace(name: str):
    fn = globals()[name]

    def method(self, *args, **kwargs):
        if name == "float_power" and self._buf.dtype != np.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype "
                               f"{_dtype_name(self).replace('Tensor', '')} but the operation's "
                               "result requires dtype Double")
        self._check_inplace()
        result = fn(self._original(args, kwargs), *args, **kwargs)
        check_cast(result, self)        # (a float result into an int tensor: refused)
        return self._commit(result)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place ``{name}``: the result is written into this tensor."
    return method


#: torch.special names of functions defined on torch (when torch.special lacks them)
SPECIAL_ALIASES = {"xlogy": "xlogy", "sinc": "sinc", "expm1": "expm1", "exp2": "exp2",
                   "log1p": "log1p", "round": "round", "softmax": "softmax",
                   "log_softmax": "log_softmax", "logsumexp": "logsumexp"}


def install(module) -> None:
    """Put the functions on ``dlcore_eager`` and the methods on Tensor (never overriding),
    and the ``torch.special`` aliases."""
    from ._install import install_names
    install_names(module, globals(), FUNCTIONS, METHODS)
    for name in INPLACE:
        if not hasattr(Tensor, name + "_"):
            setattr(Tensor, name + "_", _inplace(name))
    special = module.special
    for alias, target in SPECIAL_ALIASES.items():
        if not hasattr(special, alias) and hasattr(module, target):
            setattr(special, alias, getattr(module, target))
    for name in _NO_GRAD_SPECIAL:
        fn = getattr(special, name, None)
        if fn is not None and not hasattr(fn, "__wrapped__"):
            setattr(special, name, _without_grad(fn))


#: torch.special names PyTorch 2.13 defines no derivative for, so their results never require
#: grad (dlcore computes them with differentiable ops: i0/i1, and j0's sin(x)/x)
_NO_GRAD_SPECIAL = ("modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0")


def _without_grad(fn):
    """``fn`` computed in no-grad mode (its result does not require grad)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        prev = STATE.enabled
        STATE.enabled = False
        try:
            return fn(*args, **kwargs)
        finally:
            STATE.enabled = prev
    return call



# torch.maximum/minimum, torch.max/min of two tensors, Tensor.maximum...: PyTorch's backward, a
# tie's cotangent split half and half, a NaN's to both inputs, for the nodes marked by
# _operand_rules.split_ties (the core rule, TensorFlow's, gives a tie to the first input: the static front
# end and eager's composites, clamp's PyTorch rule among them, keep it)
EAGER_VJPS[maximum_p] = eager_maximum_vjp
EAGER_VJPS[minimum_p] = eager_minimum_vjp

