"""The shared empty containers of the ops built without control inputs or parameters.

A graph built per batch makes hundreds of ops per step (issue 19); an empty list or dict each
was allocated per op, counted by the cyclic collector, and (the lists) walked by it.  These
are one shared object each that refuses changes (``graph.Operation._add_control_inputs``
gives an op its own list first; an op's ``params`` are never changed after it is made).
"""

from __future__ import annotations


class _NoControlInputs(list):
    """The control inputs of every op built without any: one shared empty list that cannot be
    changed (``Operation._add_control_inputs`` gives an op its own list first).  A graph built
    per batch makes hundreds of ops per step, and an empty list each was a sixth of the objects
    the cyclic collector walked (issue 19)."""

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("an Operation's control_inputs cannot be changed in place; build the op "
                        "inside tf.control_dependencies(...)")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


NO_CONTROL_INPUTS = _NoControlInputs()


class _NoParams(dict):
    """The parameters of every op built without any (a Placeholder, a Tanh): one shared empty
    dict that cannot be changed, for the same reason as ``NO_CONTROL_INPUTS``."""

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("an Operation's params cannot be changed in place")

    __setitem__ = __delitem__ = setdefault = update = pop = popitem = clear = _refuse
    __ior__ = _refuse


NO_PARAMS = _NoParams()
