"""``tf.variable_scope`` and ``tf.get_variable``: variables found by name, for sharing.

Each graph keeps a *variable store* ({full name: Variable}) of the variables that
``get_variable`` created.  ``get_variable("w")`` inside ``variable_scope("layer")``:

* creates ``layer/w`` when the store has no such name and the scope does not reuse
  (``reuse=True`` then raises "does not exist");
* returns the stored one when the scope reuses (``reuse=True``, ``reuse_variables()``, or
  ``reuse=tf.AUTO_REUSE``, which creates on first use and reuses after); without reuse it
  raises "already exists";
* a ``tf.Variable`` of the same name is not in the store: the new variable's op name is
  uniquified (``scalar_1``), as TensorFlow 1 does.

``regularizer(var)`` results go to the ``REGULARIZATION_LOSSES`` collection.  A variable scope
also opens a name scope of the same name for the ops built inside it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any

from . import initializers as _init
from .graph import get_default_graph
from .variables import GraphKeys, Variable, _init_scope


class _AutoReuse:
    def __repr__(self) -> str:
        return "tf.AUTO_REUSE"

    def __bool__(self) -> bool:
        return True


AUTO_REUSE = _AutoReuse()
_scopes: list = []


class VariableScope:
    """The current scope's name, reuse setting and default initializer/regularizer/dtype."""

    def __init__(self, reuse, name: str = "", initializer=None, regularizer=None, dtype=None,
                 partitioner=None, custom_getter=None, constraint=None):
        self.name = name
        self.custom_getter = custom_getter
        self.constraint = constraint
        self.partitioner = partitioner
        self.reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype
        self.original_name_scope = name + "/" if name else ""

    def reuse_variables(self) -> None:
        self.reuse = True

    def set_initializer(self, initializer) -> None:
        self.initializer = initializer

    def set_regularizer(self, regularizer) -> None:
        self.regularizer = regularizer

    def set_partitioner(self, partitioner) -> None:
        self.partitioner = partitioner

    def set_constraint(self, constraint) -> None:
        self.constraint = constraint

    def set_custom_getter(self, custom_getter) -> None:
        self.custom_getter = custom_getter

    def get_variable(self, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)


_root = VariableScope(False)


def get_variable_scope() -> VariableScope:
    return _scopes[-1] if _scopes else _root


def _store(graph) -> dict:
    return graph.__dict__.setdefault("_get_variable_store", {})


@contextlib.contextmanager
def variable_scope(name_or_scope=None, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None,
                   custom_getter=None, reuse=None, dtype=None, use_resource=None,
                   constraint=None, auxiliary_name_scope=True):
    """Prefix ``get_variable`` names with the scope; ``reuse`` True, False/None (inherit) or
    ``tf.AUTO_REUSE``."""
    outer = get_variable_scope()
    g = get_default_graph()
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        inherit = name_or_scope
    else:
        if name_or_scope is None:
            if default_name is None:
                raise TypeError("If default_name is None then name_or_scope is required")
            used = g.__dict__.setdefault("_var_scope_counts", {})
            base = f"{outer.name}/{default_name}" if outer.name else default_name
            k = used.get(base, 0)
            used[base] = k + 1
            local = default_name if k == 0 else f"{default_name}_{k}"
        else:
            local = name_or_scope
        full = f"{outer.name}/{local}" if outer.name else local
        if name_or_scope is not None:      # TF1: reopening a scope restarts its default names
            used = g.__dict__.setdefault("_var_scope_counts", {})
            for key in [k for k in used if k.startswith(full + "/")]:
                del used[key]
        inherit = outer
    if reuse is None or reuse is False:
        r = AUTO_REUSE if outer.reuse is AUTO_REUSE else (bool(outer.reuse) or
                                                            (reuse is None and
                                                             isinstance(name_or_scope,
                                                                        VariableScope) and
                                                             bool(name_or_scope.reuse)))
    else:
        r = reuse
    if custom_getter is not None and not callable(custom_getter):
        raise ValueError(f"Cannot set custom_getter of scope {full!r}: {custom_getter!r} is "
                         "not callable")
    scope = VariableScope(r, full, initializer or inherit.initializer,
                          regularizer or inherit.regularizer, dtype or inherit.dtype,
                          partitioner if partitioner is not None else inherit.partitioner,
                          _wrap_getter(custom_getter, inherit.custom_getter),
                          constraint if constraint is not None else inherit.constraint)
    _scopes.append(scope)
    # TF1: reentering a captured VariableScope object restores its subscopes' default-name
    # counts at exit, so a layer/cell that reenters its scope gets the same inner names
    saved = (dict(g.__dict__.setdefault("_var_scope_counts", {}))
             if isinstance(name_or_scope, VariableScope) else None)
    try:
        if auxiliary_name_scope:
            if isinstance(name_or_scope, VariableScope):
                ctx = g.name_scope(name_or_scope.original_name_scope or None)
            else:
                ctx = g.name_scope(local)
            with ctx as ns:
                scope.original_name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        _scopes.pop()
        if saved is not None:
            g.__dict__["_var_scope_counts"] = saved
        else:                               # TF1: leaving a scope closes its subscopes
            used = g.__dict__.setdefault("_var_scope_counts", {})
            for key in [k for k in used if k.startswith(full + "/")]:
                del used[key]


def _wrap_getter(custom_getter, old_getter):
    """TF1: a scope's custom getter wraps the enclosing scope's: the inner one is called first,
    and the ``getter`` it is given calls the outer one (with the true getter under it)."""
    if custom_getter is None or old_getter is None:
        return custom_getter if custom_getter is not None else old_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)
    return wrapped_custom_getter


def _takes_constraint(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "constraint" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None) -> Any:
    """The variable ``<scope>/<name>``: created, or found when the scope reuses (a
    ``PartitionedVariable`` of parts ``<name>/part_<i>`` with a ``partitioner``).  With a
    ``custom_getter`` (this call's, else the scope's) TF1's protocol: the getter is called with
    ``getter=`` (the plain lookup), the full ``name=`` and the other arguments as keywords
    (the scope's defaults filled in), and what it returns is the result."""
    g = get_default_graph()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    getter = custom_getter if custom_getter is not None else scope.custom_getter
    if constraint is None:
        constraint = scope.constraint
    if getter is None:
        return _true_getter(full, shape, dtype, initializer, regularizer, scope.reuse, trainable,
                            collections, caching_device, partitioner, validate_shape,
                            use_resource, constraint, synchronization, aggregation)
    if not callable(getter):
        raise ValueError(f"Passed a custom_getter which is not callable: {getter!r}")  # noqa: TRY004 (TF)
    from . import dtypes as _dtypes
    dtype = dtype if dtype is not None else scope.dtype
    init = initializer if initializer is not None else scope.initializer
    if dtype is None and (init is None or callable(init)):
        dtype = _dtypes.float32                 # TF1's default dtype, as the getter sees it
    kwargs = {"getter": _true_getter, "name": full, "shape": shape,
              "dtype": _dtypes.as_dtype(dtype) if dtype is not None else None,
              "initializer": init,
              "regularizer": regularizer if regularizer is not None else scope.regularizer,
              "reuse": scope.reuse, "trainable": trainable, "collections": collections,
              "caching_device": caching_device,
              "partitioner": partitioner if partitioner is not None else scope.partitioner,
              "validate_shape": validate_shape, "use_resource": use_resource,
              "synchronization": synchronization, "aggregation": aggregation}
    if _takes_constraint(getter):
        kwargs["constraint"] = constraint
    with g.name_scope(None):                    # TF1: the getter's ops are outside name scopes
        return getter(**kwargs)


def _true_getter(name, shape=None, dtype=None, initializer=None, regularizer=None, reuse=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, constraint=None, synchronization=None,
                 aggregation=None) -> Any:
    """Find or create the variable of full name ``name`` (what a custom getter's ``getter``
    calls): ``reuse`` as the scope's."""
    g = get_default_graph()
    scope = get_variable_scope()
    full = name
    store = _store(g)
    existing = store.get(full)
    if existing is not None:
        if not reuse:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not existing.shape.is_compatible_with(
                tuple(shape) if not isinstance(shape, int) else (shape,)):
            raise ValueError(f"Trying to share variable {full}, but specified shape "
                             f"{list(shape)} and found shape {existing.shape.as_list()}.")
        return existing
    if reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                         "VarScope?")
    dtype = dtype if dtype is not None else scope.dtype
    init = initializer if initializer is not None else scope.initializer
    if init is None:
        init = _init.Zeros() if dtype is not None and _is_int_or_bool(dtype) else \
            _init.GlorotUniform()
    if isinstance(init, type):      # TF1: an initializer class (tf.zeros_initializer) is
        init = init()               # instantiated with its defaults
    if isinstance(shape, int):
        shape = (shape,)
    if callable(init):
        if shape is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but "
                             "instead was <unknown>.")
        init = _init.get(init) if isinstance(init, str) else init
        value = (lambda: init(tuple(shape), dtype=dtype)) if dtype is not None else \
            (lambda: init(tuple(shape)))
    else:
        value = init
    if trainable is None:
        trainable = True
    partitioner = partitioner if partitioner is not None else scope.partitioner
    if partitioner is not None:
        from .partitioned import make_partitioned
        pv = make_partitioned(full, shape, dtype, init, partitioner, trainable=trainable,
                              collections=collections, validate_shape=validate_shape,
                              regularizer=regularizer if regularizer is not None
                              else scope.regularizer)
        store[full] = pv
        return pv
    with g.name_scope(None):
        var = Variable(value, trainable=trainable, name=full, dtype=dtype,
                       collections=collections, validate_shape=validate_shape,
                       constraint=constraint)
    store[full] = var
    reg = regularizer if regularizer is not None else scope.regularizer
    if reg is not None:
        with g.name_scope(var.op.name + "/Regularizer/"), _init_scope(g):   # (as TF 1.15)
            loss = reg(var)
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


def _is_int_or_bool(dtype) -> bool:
    from . import dtypes as _dtypes
    d = _dtypes.as_dtype(dtype)
    return d.is_integer or d.is_bool
