"""``tf.contrib.framework``: ``arg_scope`` (default keyword arguments for layer functions, the
idiom of TF-Slim model code) and the variable helpers that go with it.

    with arg_scope([layers.conv2d, layers.fully_connected], activation_fn=tf.nn.elu,
                   weights_regularizer=layers.l2_regularizer(1e-4)):
        net = layers.conv2d(images, 32, [3, 3])          # elu, regularised
        net = layers.conv2d(net, 64, [3, 3], activation_fn=None)   # the call's own value wins

A function takes part when it is decorated with ``add_arg_scope`` (every layer function of
``tf.contrib.layers`` is); the scope is keyed by the function's module and name, as TensorFlow
keys it, so aliases (``conv2d``/``convolution2d``) share it.  Scopes nest: an inner scope
updates the outer one's arguments for the functions it lists.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

_STACK: list[dict] = []
_DECORATED: set = set()


def _key(fn) -> tuple:
    fn = getattr(fn, "_arg_scope_target", fn)
    return fn.__module__, fn.__name__


def current_arg_scope() -> dict:
    return _STACK[-1] if _STACK else {}


def add_arg_scope(func: Callable) -> Callable:
    """Let ``arg_scope`` supply default keyword arguments to ``func``."""
    key = _key(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        scoped = current_arg_scope().get(key)
        if scoped:
            kwargs = {**scoped, **kwargs}
        return func(*args, **kwargs)
    wrapper._arg_scope_target = func            # type: ignore[attr-defined]
    _DECORATED.add(key)
    return wrapper


def has_arg_scope(func) -> bool:
    return _key(func) in _DECORATED


def arg_scoped_arguments(func) -> list:
    """The keyword arguments ``func`` accepts (what a scope may set)."""
    import inspect
    target = getattr(func, "_arg_scope_target", func)
    return [p.name for p in inspect.signature(target).parameters.values()
            if p.default is not p.empty]


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Default ``kwargs`` for each listed function inside the block (or re-enter a scope
    yielded by an earlier ``arg_scope``, given as its dict)."""
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("When attempting to re-use a scope by suppling a dictionary, "
                             "kwargs must be empty.")
        scope = dict(list_ops_or_scope)
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError("list_ops_or_scope must either be a list/tuple or reused scope "
                            "(i.e. dict)")
        scope = dict(current_arg_scope())
        for op in list_ops_or_scope:
            if not has_arg_scope(op):
                raise ValueError(f"{_key(op)} is not decorated with @add_arg_scope")
            k = _key(op)
            scope[k] = {**scope.get(k, {}), **kwargs}
    _STACK.append(scope)
    try:
        yield scope
    finally:
        _STACK.pop()


def get_variables(scope=None, suffix=None, collection="variables") -> list:
    """Variables of ``collection`` whose name starts with ``scope`` (and ends with
    ``suffix``)."""
    from ..graph import get_default_graph
    from ..variables import GraphKeys
    key = GraphKeys.GLOBAL_VARIABLES if collection == "variables" else collection
    out = get_default_graph().get_collection(key)
    if scope is not None:
        prefix = getattr(scope, "name", scope)
        out = [v for v in out if v.op.name.startswith(prefix)]
    if suffix is not None:
        out = [v for v in out if v.op.name.endswith(suffix)]
    return out


def get_model_variables(scope=None, suffix=None) -> list:
    return get_variables(scope, suffix, "model_variables")


def get_trainable_variables(scope=None, suffix=None) -> list:
    return get_variables(scope, suffix, "trainable_variables")


def get_variables_by_name(given_name, scope=None) -> list:
    return [v for v in get_variables(scope) if v.op.name.split("/")[-1] == given_name]


def get_or_create_global_step(graph=None):
    from ..train import get_or_create_global_step as _g
    return _g(graph)


def get_global_step(graph=None):
    from ..train import get_global_step as _g
    return _g(graph)
