"""The op registry and the one dispatch mechanism.

A *primitive* is defined exactly once, here in dlcore, by:

* a **shape/dtype rule**: abstract values in (``AVal(shape, dtype)``, where a dimension may be
  ``None`` for "unknown until run time"), abstract value out.  The static front end calls it at
  graph-build time; the eager front end and the raw-array path call it before running a kernel;
* a **vjp rule**: given the cotangent ``g`` of the output, the output and the inputs, return one
  cotangent per input (or ``None``).  It is written only with dlcore's own functional ops, so the
  same rule builds gradient *nodes* in a static graph and computes gradient *values* eagerly,
  and gradients of gradients come for free;
* one **kernel per device** (``'cpu'``: a Numba ``@njit`` function over NumPy buffers,
  ``'cuda'``: numba.cuda kernels over device arrays).

``bind(prim, *args, **params)`` is the single entry point.  It looks at the arguments: if one of
them belongs to a front end (its type has a ``__dlcore_frontend__`` attribute), that front end's
``apply(prim, args, params)`` decides what "applying an op" means: the eager front end runs the
kernel now and records a tape entry, the static front end adds a node to the graph.  Plain
buffers (NumPy arrays, CUDA device arrays, Python scalars) are computed directly.
A front end may also define ``shape_only(x)``: ``x`` as an operand of which only the shape is
read (the reference of ``broadcast_like``/``sum_to``/``reshape_like``), so that the result does
not depend on it (the eager front end detaches a tensor that requires grad).
This is the "interpreters" idea of JAX's autodidax, cut down to what two front ends need.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from . import api as _api
from . import dtypes as _dt
from .device import device_of
from .errors import ComplexUnsupported, DeviceError


class AVal(NamedTuple):
    """An abstract value: a shape (dimensions may be None) and a numpy dtype."""

    shape: tuple
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def fully_defined(self) -> bool:
        for d in self.shape:
            if d is None:
                return False
        return True


_tuple_new = tuple.__new__

# Value types whose ``__dlcore_aval__()`` is their ``aval`` attribute (a static graph's Tensor,
# added by its front end): aval_of, and the vjp rules' bind_like, read it without the call.
AVAL_ATTR_TYPES: set = set()

#: Front-end value types that hold a concrete value in a ``_buf`` slot (a NumPy or device array:
#: the eager Tensor), each mapped to its front end's quick lanes, an object with
#:
#: * ``binary(prim, a, b)``: ``bind(prim, a, b)`` (the same value and recorded node) for two
#:   values of that very type whose buffers are NumPy arrays of one float32/float64 dtype
#:   object (the caller has checked: ``ops._fastpath.lean``), without params;
#: * ``apply(prim, args, params)``: ``bind(prim, *args, **params)`` for values of that type;
#: * ``expand(g, shape)``, ``swap(m)``, ``mm(a, b)``, ``pair(prim, a, b, params)``: ``apply``
#:   of ``broadcast_to`` of a 0-d ``g`` to ``shape``, of a matrix's transpose (perm (1, 0)),
#:   of ``matmul`` of two matrices whose inner sizes agree, of a primitive with params that is
#:   no view on two values (``lean``'s values: a whole sum's, a matmul's, a softmax's vjp),
#:   without apply's tests.
#:
#: The op functions (``ops.add``, ``mul``, ``sub``, ``div``, ``pow``: nothing to promote for two
#: such values) and the vjp rules' branches for concrete values (``ops._fastpath.lean``) call
#: them without promotion, AVals, axis normalisation and bind's search for the front end: a
#: create_graph gradient's rules run on such values (issue 19: they cost 2-3x the operation).
CONCRETE: dict = {}


def aval_of(x) -> AVal:
    """The abstract value of a front-end value, a buffer or a Python scalar."""
    if type(x) is np.ndarray:    # the common case, first (dispatch cost): no __new__ call
        return _tuple_new(AVal, (x.shape, x.dtype))
    if type(x) in AVAL_ATTR_TYPES:
        return x.aval
    get = getattr(x, "__dlcore_aval__", None)
    if get is not None:
        return get()
    if isinstance(x, np.ndarray) or hasattr(x, "copy_to_host"):
        return AVal(tuple(x.shape), np.dtype(x.dtype))
    if isinstance(x, np.generic):
        return AVal((), np.dtype(x.dtype))
    return AVal((), _dt.scalar_dtype(x, None))


class Primitive:
    """One primitive operation: shape rule, vjp rule, kernels and public names, in one block.

    Attributes:
      name: the op's name ('add', 'matmul', ...), used in error messages and graph pictures.
      shape_rule: ``f(*avals, **params) -> AVal``; raises ShapeError / DTypeError.
      vjp: ``f(g, out, *inputs, **params) -> tuple`` with one entry per input: a cotangent,
        None (no gradient), or a zero-argument callable computing the cotangent only when that
        input needs it.  Built from dlcore ops only; ``None`` for a non-differentiable primitive.
      differentiable: stated explicitly when there is no vjp (``differentiable=False``), so a
        vjp forgotten by mistake is a definition error, not a silently constant op.
      kernels: ``{'cpu': f, 'cuda': f}``, each ``f(*buffers, **params) -> buffer``.
      expr: for elementwise primitives, the scalar expression (``'{0} + {1}'``) that the CPU and
        CUDA kernel factories and the graph compiler's fusion pass all compile from.
      view: the CPU kernel may return a view of its first input (transpose, reshape, ...); the
        eager front end shares the version counter, the compiler never writes into it.
      elementwise: set for the elementwise kinds (``unary``, ``binary``, ``compare``) that are
        not views: the shape rule's outcome for operands of one shape depends on their dtype
        alone, so the rule cache keeps one entry per dtype for them (see :func:`check_rule`).
      api, convention, options: the op's public names per namespace and the calling convention
        the front ends adapt it with (see :mod:`dlcore.api`); ``options`` also holds facts such
        as ``tf_type`` (TensorFlow's op type, used in node names and messages).
    """

    __slots__ = ("name", "shape_rule", "vjp", "kernels", "differentiable", "doc", "expr",
                 "kind", "view", "export", "options", "elementwise", "_rule_cache",
                 "__weakref__")
    options: dict          # (declared: an op module in an import cycle sets its conventions)

    def __init__(self, name: str, shape_rule: Callable, vjp: Callable | None = None, *,
                 kernels: dict | None = None, differentiable: bool | None = None,
                 doc: str = "", expr: str | None = None, kind: str = "other",
                 view: bool = False, api: dict | None = None, convention: str | None = None,
                 fn: Callable | None = None, **options):
        if name in PRIMITIVES:
            raise ValueError(f"dlcore: primitive {name!r} is defined twice")
        if differentiable is None:
            if vjp is None:
                raise ValueError(f"dlcore: primitive {name!r} has no vjp: give one, or state "
                                 "differentiable=False explicitly")
            differentiable = True
        elif differentiable and vjp is None:
            raise ValueError(f"dlcore: primitive {name!r} is marked differentiable but has no vjp")
        self.name = name
        self.shape_rule = shape_rule
        self.vjp = vjp
        self.kernels = dict(kernels or {})
        self.differentiable = differentiable
        self.doc = doc
        self.expr = expr
        self.kind = kind
        self.view = view
        self.elementwise = kind in _ELEMENTWISE_KINDS and not view
        self.options = options
        self._rule_cache: dict = {}
        PRIMITIVES[name] = self
        self.export = None
        if api:
            self.export = _api.export(name, fn or self.bind, api, convention or kind,
                                      differentiable=differentiable, view=view, prim=self,
                                      **options)

    def bind(self, *args, **params):
        """``bind(self, *args, **params)``: apply this primitive (see :func:`bind`).  Replaced
        by :func:`bind` itself below the function (one Python frame less per op: a graph
        built per batch binds hundreds a step, issue 19); this definition is for readers and
        type checkers."""
        return bind(self, *args, **params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def abstract_eval(self, *avals: AVal, **params) -> AVal:
        if not self.options.get("complex"):
            for a in avals:          # only primitives marked complex=True take complex input
                if getattr(a.dtype, "kind", None) == "c":
                    raise ComplexUnsupported(self.name, a.dtype)
        return self.shape_rule(*avals, **params)

    def impl(self, *bufs, **params):
        """Run this primitive's kernel on buffers that all live on one device."""
        for b in bufs:
            if type(b) is not np.ndarray:
                break
        else:                    # all NumPy buffers: the CPU, no device check needed
            kernel = self.kernels.get("cpu")
            if kernel is not None:
                return kernel(*bufs, **params)
        dev = None
        for b in bufs:
            if type(b) is np.ndarray and b.ndim == 0:
                continue         # a host scalar joins buffers on any device, as in PyTorch
            d = device_of(b)
            if dev is None:
                dev = d
            elif d != dev:
                raise DeviceError(self.name, [dev, d])
        kernel = self.kernels.get("cpu" if dev is None else dev.type)
        if kernel is None:
            raise NotImplementedError(f"dlcore: primitive '{self.name}' has no kernel for device "
                                      f"{dev}")
        return kernel(*bufs, **params)


PRIMITIVES: dict[str, Primitive] = {}
_ELEMENTWISE_KINDS = frozenset({"unary", "binary", "compare"})


def convention_rules(convention: str, kind: str = "vjp") -> dict:
    """``{primitive: rule}`` for the primitives whose gradient differs between the frameworks
    the front ends copy: ``options["<kind>_conventions"][convention]`` (``kind`` "vjp", the
    rule, or "lean", its branch for concrete values; ``convention`` "torch").  A primitive's
    ``vjp`` is TensorFlow's (the static front end's); a front end with another convention
    takes these rules in its place (see dlcore/ops/power.py)."""
    key = kind + "_conventions"
    return {p: r for p in PRIMITIVES.values()
            if (r := p.options.get(key, {}).get(convention)) is not None}


def forget(name: str) -> None:
    """Remove a primitive and all its public names (tests that define a throw-away primitive
    clean up with this)."""
    _api.forget(name)
    PRIMITIVES.pop(name, None)


def scalar_context_dtype(args) -> np.dtype | None:
    """The dtype that weak Python scalars in ``args`` take: the first non-scalar argument's."""
    other = None
    for a in args:
        if not _dt.is_python_scalar(a):
            other = aval_of(a).dtype
            break
    return other


def bind(prim: Primitive, *args, **params):
    """Apply ``prim`` to ``args``: the one dispatch point shared by both front ends."""
    all_numpy = True
    for a in args:
        t = type(a)
        if t is np.ndarray:
            continue
        all_numpy = False
        if t is float or t is int:   # a Python number (``sub(1.0, y)`` in vjp rules): no
            continue                 # front end, and no attribute lookup that misses
        fe = getattr(t, "__dlcore_frontend__", None)
        if fe is not None:
            return fe.apply(prim, args, params)
    if all_numpy:                # the hot path of raw-buffer calls: rule (cached), CPU kernel
        kernel = prim.kernels.get("cpu")
        if kernel is not None:
            if len(args) == 2 and not params and prim.elementwise:
                # rule_key's dtype-alone key of one dtype and one shape (or a 0-d operand),
                # looked up inline (vjp rules in eager backward: most of their calls)
                a, b = args
                d, sa, sb = a.dtype, a.shape, b.shape
                if d is not b.dtype or not (sa == sb or not sb or not sa) or \
                        d not in prim._rule_cache:
                    check_rule(prim, args, params)
                return kernel(a, b)
            # check_rule's key (see rule_key) for one or two operands, looked up inline: the
            # vjp rules' transposes, slices and matmuls in eager backward
            n = len(args)
            if n == 2:
                a, b = args
                key: object = (a.shape, b.shape, a.dtype, b.dtype)
            elif n == 1:
                a = args[0]
                key = a.dtype if prim.elementwise and not params else (a.shape, a.dtype)
            else:
                key = None
            if key is None:
                check_rule(prim, args, params)
            elif params:
                try:
                    hit = (key, tuple(params.items())) in prim._rule_cache
                except TypeError:        # an unhashable parameter
                    hit = False
                if not hit:
                    check_rule(prim, args, params)
            elif key not in prim._rule_cache:
                check_rule(prim, args, params)
            return kernel(*args, **params)
    return apply_raw(prim, args, params)


Primitive.bind = bind  # type: ignore[method-assign,assignment]  # (see Primitive.bind)


def apply_raw(prim: Primitive, args, params):
    """The plain-buffer interpretation of values that are not all NumPy arrays (Python and
    NumPy scalars, device arrays): convert, check shapes, run the kernel now."""
    if len(args) == 2 and prim.kind in _FRESH_OUTPUT_KINDS:
        # An array and a Python float or int (``sub(b, 1)``, ``greater(x, 0)`` in vjp rules):
        # the scalar's 0-d buffer is shared between calls, as the eager front end does.
        a, b = args
        ta, tb = type(a), type(b)
        if ta is np.ndarray and (tb is float or tb is int):
            d = a.dtype
            bufs = (a, scalar_buffer(b, d if d in _dt.FLOAT32_64 else _dt.scalar_dtype(b, d)))
        elif tb is np.ndarray and (ta is float or ta is int):
            d = b.dtype
            bufs = (scalar_buffer(a, d if d in _dt.FLOAT32_64 else _dt.scalar_dtype(a, d)), b)
        else:
            bufs = None
        if bufs is not None:
            kernel = prim.kernels.get("cpu")
            if kernel is not None:
                d = bufs[0].dtype
                # rule_key's dtype-alone key (an elementwise primitive, one dtype, a 0-d
                # operand), looked up inline; anything else through check_rule
                if params or not prim.elementwise or d is not bufs[1].dtype or \
                        d not in prim._rule_cache:
                    check_rule(prim, bufs, params)
                return kernel(*bufs, **params)
    other = scalar_context_dtype(args)
    arrays = [np.asarray(a, dtype=_dt.scalar_dtype(a, other)) if _dt.is_python_scalar(a)
            else (np.asarray(a) if isinstance(a, np.generic) else a) for a in args]
    for b in arrays:
        if type(b) is not np.ndarray:
            break
    else:                        # scalars made arrays, all on the CPU: cached rule, kernel
        kernel = prim.kernels.get("cpu")
        if kernel is not None:
            check_rule(prim, arrays, params)
            return kernel(*arrays, **params)
    prim.abstract_eval(*(aval_of(b) for b in arrays), **params)
    return prim.impl(*arrays, **params)


# Elementwise kinds whose kernels always return a new array, so a shared read-only input is safe.
_FRESH_OUTPUT_KINDS = frozenset({"binary", "compare"})
_SCALARS: dict = {}


def scalar_buffer(value, dtype) -> np.ndarray:
    """A read-only 0-d array holding a Python float or int, shared between calls (the one cache
    of scalar buffers: raw calls and the eager front end's ``tensor * 2.0`` both use it)."""
    # -0.0 is not 0.0.  The dtype is keyed by id (hashing a dtype costs more than the rest of
    # the lookup), and a hit counts only when the array holds that very dtype object, which it
    # keeps alive: an id reused by another dtype never returns a wrong buffer.
    key = (value, id(dtype)) if value else (value, id(dtype), str(value))
    arr = _SCALARS.get(key)
    if arr is None or arr.dtype is not dtype:
        if len(_SCALARS) > 1024:
            _SCALARS.clear()
        if type(value) is float and not -65504.0 <= value <= 65504.0:
            arr = _rounded(value, dtype)
        else:
            arr = np.asarray(value, dtype=dtype)
        arr.flags.writeable = False
        _SCALARS[key] = arr
    return arr


def _rounded(value: float, dtype) -> np.ndarray:
    """A float past float16's range as a 0-d ``dtype`` array: inf where the dtype cannot hold it
    (what PyTorch's wrapped number becomes), without NumPy's 'overflow encountered in cast'."""
    if np.dtype(dtype).kind in "biu":
        return np.asarray(value, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(value, dtype=dtype)


def check_rule(prim: Primitive, bufs, params) -> None:
    """Run ``prim``'s shape rule on concrete buffers (NumPy or device arrays), remembering the
    (shapes, dtypes, params) that passed in ``prim._rule_cache`` (the one rule cache: raw calls
    and the eager front end share it), so a hot loop of small ops does not pay for the rule
    every time.  Failures are never cached: a bad call raises every time.

    The key is ``(shapes..., dtypes...)``, with ``params`` when there are any; for an
    elementwise primitive (``prim.elementwise``) called without params on operands of one
    dtype object and one shape (or one of them 0-d, which broadcasts against anything), it is
    that dtype alone: the rule then passes or fails for every shape alike, and a dtype is cheaper to look up than four-part tuples (the eager
    front end's fast paths look the same keys up inline, see :func:`rule_key`)."""
    key = rule_key(prim, bufs, params)
    cache = prim._rule_cache
    if params:
        key = (key, tuple(params.items()))
        try:
            if key in cache:
                return
        except TypeError:        # an unhashable parameter: just run the rule
            prim.abstract_eval(*[_rule_aval(b) for b in bufs], **params)
            return
    elif key in cache:
        return
    prim.abstract_eval(*[_rule_aval(b) for b in bufs], **params)
    if len(cache) > 4096:
        cache.clear()
    cache[key] = True


def rule_key(prim: Primitive, bufs, params) -> object:
    """The rule cache's key for ``bufs`` (before ``params`` are added; see :func:`check_rule`)."""
    n = len(bufs)
    if n == 2:                   # spelled out for the common arities
        a, b = bufs
        sa, sb, da = a.shape, b.shape, a.dtype
        if prim.elementwise and not params and da is b.dtype and (sa == sb or not sb or
                                                                  not sa):
            return da            # (a 0-d operand broadcasts against any shape)
        return (sa, sb, da, b.dtype)
    if n == 1:
        a = bufs[0]
        if prim.elementwise and not params:
            return a.dtype
        return (a.shape, a.dtype)
    return tuple([b.shape for b in bufs] + [b.dtype for b in bufs])


def _rule_aval(b) -> AVal:
    return AVal(b.shape if type(b) is np.ndarray else tuple(b.shape), np.dtype(b.dtype))
