"""The public names of dlcore's ops: one table, filled by the definition blocks, read by both
front ends.

An op's definition block (a :class:`~dlcore.registry.Primitive`, or a composite function marked
with :func:`exports`) is the one place that says what users call it::

    tanh_p = Primitive("tanh", ..., api={"torch": "tanh", "Tensor": "tanh",
                                          "torch.nn.functional": "tanh",
                                          "tf": "tanh", "tf.math": "tanh", "tf.nn": "tanh"},
                       convention="unary")

* ``api`` maps a *namespace* to the public name(s) there (a string or a tuple of aliases).
  Namespaces are spelled as users import them: ``torch``, ``torch.nn.functional``,
  ``torch.linalg``, ``torch.special``, ``Tensor`` (eager methods), ``tf``, ``tf.math``,
  ``tf.nn``, ``tf.linalg``, ``keras.backend``, and ``operator`` (Python operators such as
  ``__add__``/``__radd__``, installed on *both* front ends' value types).
* ``convention`` names the calling convention of the op's arguments ("unary", "binary",
  "compare", "reduce", ...).  Each front end keeps one adapter factory per convention, which
  turns the functional op into a function with its library's argument names, defaults, dtype
  promotion and error wording (PyTorch's ``dim``/``keepdim``/``out=``; TensorFlow's
  ``axis``/``keepdims``/``name=``).  Where one op's semantics differ from its convention, the
  convention is a short *named* adapter of its own in the front end, never a second list of names.
* ``options`` are extra facts the adapters read (``float_only=True``: PyTorch computes in the
  default float dtype for integer input; ``tf_type="Add"``: TensorFlow's op type for messages;
  ``torch_params``/``tf_params``: the ``activation`` convention's parameters, as ``(name,
  default)`` pairs in each library's spelling, :data:`REQUIRED` for one without a default).

Each front end calls :func:`subscribe` once at import with its installer: the installer is
called for every op defined so far and for every op defined later (a primitive registered in a
test or a plug-in appears under its names at once, with no edit to either front end).  This is
tinygrad's idea of one set of methods for every value type, with a small hook per front end for
promotion and wrapping.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The namespaces each front end owns; a name in any other namespace is a typo (tested).
EAGER_NAMESPACES = ("torch", "torch.nn.functional", "torch.linalg", "torch.special", "Tensor")
STATIC_NAMESPACES = ("tf", "tf.math", "tf.nn", "tf.linalg", "keras.backend")
SHARED_NAMESPACES = ("operator",)


@dataclass(frozen=True)
class Export:
    """One op's public face: its dlcore name, the functional op, names per namespace."""

    name: str
    fn: Callable
    names: Mapping[str, tuple[str, ...]]
    convention: str
    options: Mapping[str, Any] = field(default_factory=dict)
    differentiable: bool = True
    view: bool = False
    prim: object = None      # the Primitive, or None for a composite

    @property
    def doc(self) -> str:
        return getattr(self.prim, "doc", None) or (self.fn.__doc__ or "")

    def names_in(self, namespace: str) -> tuple[str, ...]:
        return self.names.get(namespace, ())

    def option(self, key: str, default=None):
        return self.options.get(key, default)


#: The default of a convention parameter that the caller must give (``threshold(x, threshold,
#: value)``).
REQUIRED = object()


def bind_params(op: str, params, args: tuple, kwargs: dict, extra: str) -> tuple[list, object]:
    """Bind a call's arguments after ``x`` to ``params`` (``(name, default)`` pairs) and one
    trailing argument named ``extra`` (PyTorch's ``inplace``, TensorFlow's ``name``): returns
    the parameter values in order and ``extra``'s value (None when not given).  Errors read as
    Python's own for a function with that signature."""
    names = [p for p, _ in params]
    if len(args) > len(names) + 1:
        raise TypeError(f"{op}() takes {len(names) + 2} positional arguments but "
                        f"{len(args) + 1} were given")
    values = dict(params)
    values.update(zip(names, args))
    extra_value = args[len(names)] if len(args) > len(names) else None
    for k, v in kwargs.items():
        if k == extra and extra_value is None:
            extra_value = v
        elif k in values and names.index(k) >= len(args):
            values[k] = v
        else:
            why = "multiple values for argument" if k in values or k == extra else \
                "an unexpected keyword argument"
            raise TypeError(f"{op}() got {why} '{k}'")
    missing = [k for k in names if values[k] is REQUIRED]
    if missing:
        raise TypeError(f"{op}() missing {len(missing)} required positional argument"
                        f"{'s' if len(missing) > 1 else ''}: "
                        + " and ".join(f"'{k}'" for k in missing))
    return [values[k] for k in names], extra_value


# ----------------------------------------------------------------------------- examples
# The input an example feeds each op: most ops take any float; these need their domain.
_DOMAIN = {"acosh": "ge1", "asin": "unit", "acos": "unit", "atanh": "unit", "erfinv": "unit",
           "log": "pos", "log2": "pos", "log10": "pos", "log1p": "pos", "sqrt": "pos",
           "rsqrt": "pos", "reciprocal": "pos", "pow": "pos"}
_EAGER_INPUT = {"float": "torch.randn(2, 3)", "pos": "torch.rand(2, 3) + 0.5",
                "unit": "torch.rand(2, 3) - 0.5", "ge1": "torch.rand(2, 3) + 1",
                "int": "torch.tensor([[1, 2, 3], [4, 5, 6]])",
                "bool": "torch.tensor([[True, False, True], [False, False, True]])"}
_STATIC_INPUT = {"float": "np.random.randn(2, 3)", "pos": "np.random.rand(2, 3) + 0.5",
                 "unit": "np.random.rand(2, 3) - 0.5", "ge1": "np.random.rand(2, 3) + 1",
                 "int": "[[1, 2, 3], [4, 5, 6]]",
                 "bool": "[[True, False, True], [False, False, True]]"}
# how many tensor operands each convention takes, and the keyword an example adds
_ARITY = {"unary": 1, "activation": 1, "softmax": 1, "reduce": 1, "scan": 1, "binary": 2,
          "div": 2, "compare": 2, "where": 3}
_AXIS = {"softmax": 1, "reduce": 1, "scan": 1}


def example(export: Export, namespace: str, name: str, eager: bool) -> str:
    """A short, runnable ``Example::`` block for the docstring of the adapter that puts
    ``export`` under ``namespace.name`` (``torch.sum``, ``Tensor.sum``, ``tf.reduce_sum``), or
    '' for ops whose call needs more than tensors and an axis (those show their signature
    only).  ``tests/core/test_api_docs.py`` runs a sample of them."""
    n = _ARITY.get(export.convention)
    if n is None or name.startswith("__") or namespace == "operator" or any(
            v is REQUIRED for _, v in export.options.get("torch_params" if eager
                                                         else "tf_params", ())):
        return ""
    base = export.name
    domain = "int" if base.startswith("bitwise") else "bool" if base.startswith("logical") \
        else _DOMAIN.get(base, "float")
    if export.convention == "where":
        domain = "float"
    names = ["x", "y"][:min(n, 2)]
    axis = _AXIS.get(export.convention)
    if eager:
        lines = [f">>> {v} = {_EAGER_INPUT[domain]}" for v in names]
        args = list(names) if n < 3 else ["x > 0", "x", "y"]
        kw = [f"dim={axis}"] if axis is not None else []
        if namespace == "Tensor":
            if n == 3:                       # x.where(condition, other)
                call = f"x.{name}(x > 0, y)"
            else:
                call = f"{args[0]}.{name}({', '.join(args[1:] + kw)})"
        else:
            call = f"{namespace}.{name}({', '.join(args + kw)})"
        lines.append(f">>> {call}")
    else:
        dt = {"int": "np.int32", "bool": "np.bool_"}.get(domain, "np.float32")
        lines = [">>> import numpy as np"]
        lines += [f">>> {v} = tf.constant(np.asarray({_STATIC_INPUT[domain]}, {dt}))"
                  for v in names]
        args = list(names) if n < 3 else ["x > 0", "x", "y"]
        kw = [f"axis={axis}"] if axis is not None else []
        where = "tf.keras.backend" if namespace == "keras.backend" else namespace
        lines.append(f">>> z = {where}.{name}({', '.join(args + kw)})")
        lines.append(">>> tf.Session().run(z)          # a NumPy array")
    return "Example::\n\n" + "\n".join("    " + ln for ln in lines)


EXPORTS: dict[str, Export] = {}
_INSTALLERS: list[tuple[Callable[[Export], None], Callable[[Export], None] | None]] = []


def _normalise(api: Mapping[str, str | tuple | list]) -> dict[str, tuple[str, ...]]:
    known = EAGER_NAMESPACES + STATIC_NAMESPACES + SHARED_NAMESPACES
    out: dict[str, tuple[str, ...]] = {}
    for ns, names in api.items():
        if ns not in known:
            raise ValueError(f"dlcore.api: unknown namespace {ns!r}; known: {', '.join(known)}")
        out[ns] = (names,) if isinstance(names, str) else tuple(names)
    return out


def export(name: str, fn: Callable, api: Mapping, convention: str, *,
           differentiable: bool = True, view: bool = False, prim=None, **options) -> Export:
    """Record ``fn`` (a functional op) under its public names and tell every front end."""
    if name in EXPORTS:
        raise ValueError(f"dlcore.api: op {name!r} is exported twice")
    e = Export(name, fn, _normalise(api), convention, dict(options), differentiable, view, prim)
    EXPORTS[name] = e
    for install, _ in list(_INSTALLERS):
        install(e)
    return e


def exports(api: Mapping, convention: str, *, name: str | None = None, prim=None,
            **options):
    """Decorator for a functional op: ``@exports({"torch": "softmax"}, "softmax")`` on a
    composite, or with ``prim=`` on the wrapper that turns user arguments into a primitive's
    parameters (``sum(x, axis, keepdims)`` -> ``sum_p`` with ``axes``)."""
    def mark(fn):
        op_name = name or (prim.name if prim is not None else fn.__name__.rstrip("_"))
        kw = dict(options)
        if prim is not None:
            kw.setdefault("differentiable", prim.differentiable)
            kw.setdefault("view", prim.view)
        e = export(op_name, fn, api, convention, prim=prim, **kw)
        if prim is not None:
            prim.export = e
        return fn
    return mark


def subscribe(installer: Callable[[Export], None],
              uninstaller: Callable[[Export], None] | None = None) -> None:
    """Call ``installer`` for every export so far, and for every later one;
    ``uninstaller`` undoes it when an export is forgotten."""
    for e in list(EXPORTS.values()):
        installer(e)
    _INSTALLERS.append((installer, uninstaller))


def forget(name: str) -> None:
    """Drop an op's names from both front ends (``dlcore.registry.forget`` also drops its
    primitive: tests that define a throw-away op clean up with that)."""
    e = EXPORTS.pop(name, None)
    if e is not None:
        for _, uninstall in _INSTALLERS:
            if uninstall is not None:
                uninstall(e)


def library(module: str, *more: str):
    """A convention whose adapters a front end writes out one per public name, as functions
    of its library in ``module`` (``torch.nn.functional.conv2d``, ``tf.nn.conv1d``: their
    arguments differ in more than a parameter's name or default): the adapter of a name is the
    module's function of that name, which calls the op.  Each front end's ``CONVENTIONS``
    names its module (and ``more`` modules, searched in order when one library's functions
    are split by topic)."""
    def factory(export, ns, name):
        mods = [importlib.import_module(m) for m in (module, *more)]
        fn = next((getattr(m, name) for m in mods if hasattr(m, name)), None)
        if fn is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")

        def f(*args, **kwargs):
            return fn(*args, **kwargs)
        f.__wrapped__ = fn  # type: ignore[attr-defined]  # inspect.signature: the library's
        return f
    return factory


class Installation:
    """What one front end put under which names, so that :func:`forget` can undo it.

    A front end's installer asks :meth:`adapter` for the convention's factory (None when the op
    has no names in this front end's namespaces, or, with a warning and a record in
    ``missing``, when the convention has no adapter here), then :meth:`put` for each name.
    """

    def __init__(self, front_end: str, namespaces: tuple[str, ...], conventions: dict):
        self.front_end = front_end
        self.namespaces = namespaces
        self.conventions = conventions
        self.installed: dict[str, list] = {}
        #: Exports whose convention has no adapter here (a definition error; tested).
        self.missing: list[str] = []

    def adapter(self, export: Export):
        """``(factory, namespaces)`` for ``export`` in this front end, or ``(None, [])``."""
        spaces = [ns for ns in export.names if ns in self.namespaces]
        if not spaces:
            return None, []
        factory = self.conventions.get(export.convention)
        if factory is None:
            # A definition error, reported by tests/core/test_api.py; warned rather than raised
            # so that one op's missing adapter does not make a whole front end unimportable.
            self.missing.append(export.name)
            warnings.warn(f"{self.front_end}: op '{export.name}' has names here but its "
                          f"convention '{export.convention}' has no adapter in "
                          f"{self.front_end}._api.CONVENTIONS", RuntimeWarning, stacklevel=3)
            return None, []
        return factory, spaces

    def put(self, export: Export, target, name: str, value) -> None:
        previous = target.__dict__.get(name) if isinstance(target, type) \
            else getattr(target, name, None)
        self.installed.setdefault(export.name, []).append((target, name, previous))
        setattr(target, name, value)

    def uninstall(self, export: Export) -> None:
        for target, name, previous in reversed(self.installed.pop(export.name, [])):
            if previous is None:
                try:
                    delattr(target, name)
                except AttributeError:
                    pass
            else:
                setattr(target, name, previous)
