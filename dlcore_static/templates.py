"""``tf.make_template``: a function whose ``tf.get_variable`` calls share their variables from
the second call on, as TF 1.15's ``template.Template``.

* Its variable scope is made unique from ``name_`` (a second template named ``'foo'`` gets
  ``foo_1``), on the first call, or at ``make_template`` with ``create_scope_now_=True``
  (``unique_name_`` gives the scope's name as it is).
* Each call runs under a fresh, uniquified name scope named after the scope (``foo/add``,
  then ``foo_1/add``); the first call creates the variables (``foo/w``), later ones reuse them.
* A later call that makes a trainable variable (a ``tf.Variable`` where ``tf.get_variable``
  was meant) raises TF's ValueError.
"""

from __future__ import annotations

import functools

from .graph import get_default_graph
from .variable_scopes import variable_scope

__all__ = ["Template", "make_template"]


class Template:
    """What ``make_template`` returns: call it as the function it wraps."""

    def __init__(self, name, func, create_scope_now: bool = False, unique_name=None,
                 custom_getter=None):
        if not name:
            raise ValueError("name cannot be None.")
        if not callable(func):
            raise TypeError(f"func_ must be callable, not {type(func).__name__}")
        self._func = func
        self._name = name
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        self._variables_created = False
        self._first_call = True
        self._variable_scope = None
        if create_scope_now:
            with variable_scope(unique_name, None if unique_name else name,
                                custom_getter=custom_getter,
                                auxiliary_name_scope=False) as vs:
                self._variable_scope = vs

    def _call_func(self, args, kwargs):
        from .variables import GraphKeys
        g = get_default_graph()
        vars_at_start = len(g.get_collection(GraphKeys.GLOBAL_VARIABLES))
        trainable_at_start = len(g.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        result = self._func(*args, **kwargs)
        if self._variables_created:
            trainable = g.get_collection(GraphKeys.TRAINABLE_VARIABLES)
            if trainable_at_start != len(trainable):
                raise ValueError("Trainable variable created when calling a template after "
                                 "the first time, perhaps you used tf.Variable when you meant "
                                 f"tf.get_variable: {trainable[trainable_at_start:]}")
            del vars_at_start           # (TF logs new non-trainable variables, no error)
        else:
            self._variables_created = True
        return result

    def __call__(self, *args, **kwargs):
        g = get_default_graph()
        if self._variable_scope is not None:
            vs = self._variable_scope
            with variable_scope(vs, reuse=not self._first_call, auxiliary_name_scope=False), \
                    g.name_scope(vs.name.split("/")[-1]):
                out = self._call_func(args, kwargs)
        else:
            with variable_scope(self._unique_name, self._name,
                                custom_getter=self._custom_getter) as vs:
                self._variable_scope = vs
                out = self._call_func(args, kwargs)
        self._first_call = False
        return out

    @property
    def name(self) -> str:
        return self._name

    @property
    def func(self):
        return self._func

    @property
    def variable_scope(self):
        return self._variable_scope

    @property
    def variable_scope_name(self) -> str | None:
        if self._variable_scope is None:
            return None
        return self._variable_scope.name

    def _collection(self, key: str) -> list:
        if self._variable_scope is None:
            return []
        prefix = self._variable_scope.name + "/"
        return [v for v in get_default_graph().get_collection(key)
                if v.op.name.startswith(prefix)]

    @property
    def trainable_variables(self) -> list:
        return self._collection("trainable_variables")

    @property
    def global_variables(self) -> list:
        return self._collection("variables")

    @property
    def local_variables(self) -> list:
        return self._collection("local_variables")

    @property
    def non_trainable_variables(self) -> list:
        train = {id(v) for v in self.trainable_variables}
        return [v for v in self.global_variables if id(v) not in train]

    @property
    def variables(self) -> list:
        return self.global_variables + self.local_variables

    def __repr__(self) -> str:
        return f"<Template {self._name!r} of {getattr(self._func, '__name__', self._func)!r}>"


def make_template(name_, func_, create_scope_now_: bool = False, unique_name_=None,
                  custom_getter_=None, **kwargs) -> Template:
    """``tf.make_template``: see the module's docstring; ``kwargs`` are bound to ``func_``."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_, unique_name=unique_name_,
                    custom_getter=custom_getter_)
