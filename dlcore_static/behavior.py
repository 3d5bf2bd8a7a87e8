"""TensorFlow's switches between its 1.x and 2.x behaviours, for a graph-only front end.

TF 1 programs often start with ``tf.compat.v1.disable_v2_behavior()`` or
``tf.compat.v1.disable_eager_execution()`` (so that the same file runs under TensorFlow 2).
``dlcore_static`` *is* TensorFlow 1 graph mode, so those calls do nothing, and
``tf.executing_eagerly()`` is always False.  The calls that would switch eager execution (or
the 2.x behaviour, which includes it) on are refused with ``NotImplementedError``: eager
execution is the other front end, ``dlcore_eager``.
"""

from __future__ import annotations

__all__ = [
    "disable_control_flow_v2",
    "disable_eager_execution",
    "disable_resource_variables",
    "disable_tensor_equality",
    "disable_v2_behavior",
    "disable_v2_tensorshape",
    "enable_eager_execution",
    "enable_resource_variables",
    "enable_v2_behavior",
    "executing_eagerly",
]


def _refuse(call: str) -> None:
    raise NotImplementedError(
        f"tf.{call}: dlcore_static runs TensorFlow 1 graphs only (build, then Session.run) and "
        "has no eager mode. Remove this call to build a graph, or use dlcore_eager (the "
        "PyTorch-style front end) for eager execution.")


def disable_v2_behavior() -> None:
    """Does nothing: dlcore_static already behaves as TensorFlow 1 graph mode.

    Example::

        >>> import dlcore_static as tf
        >>> tf.compat.v1.disable_v2_behavior()
        >>> tf.executing_eagerly()
        False
    """


def disable_eager_execution() -> None:
    """Does nothing: graphs are the only mode of dlcore_static.

    Example::

        >>> import dlcore_static as tf
        >>> tf.compat.v1.disable_eager_execution()
        >>> tf.executing_eagerly()
        False
    """


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Refused with ``NotImplementedError`` (use ``dlcore_eager`` for eager execution).

    Example::

        >>> import dlcore_static as tf
        >>> try:
        ...     tf.enable_eager_execution()
        ... except NotImplementedError as e:
        ...     print("refused")
        refused
    """
    _refuse("enable_eager_execution")


def enable_v2_behavior() -> None:
    """Refused with ``NotImplementedError``: TensorFlow 2 behaviour means eager execution.

    Example::

        >>> import dlcore_static as tf
        >>> try:
        ...     tf.compat.v1.enable_v2_behavior()
        ... except NotImplementedError:
        ...     print("refused")
        refused
    """
    _refuse("enable_v2_behavior")


def executing_eagerly() -> bool:
    """Always False: ops add nodes to a graph, values come from ``Session.run``.

    Example::

        >>> import dlcore_static as tf
        >>> tf.executing_eagerly()
        False
    """
    return False


def _noop(name: str, what: str):
    def f() -> None:
        pass
    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"Does nothing: {what} (TensorFlow 1's default, the only behaviour here).\n\n"
                 f"Example::\n\n    >>> import dlcore_static as tf\n"
                 f"    >>> tf.compat.v1.{name}()\n")
    return f


disable_resource_variables = _noop("disable_resource_variables", "reference variables")
enable_resource_variables = _noop("enable_resource_variables",
                                  "variables are read and assigned in Session.run order")
disable_tensor_equality = _noop("disable_tensor_equality",
                                "``==`` on tensors compares identity")
disable_control_flow_v2 = _noop("disable_control_flow_v2",
                                "tf.cond/tf.while_loop build TF1 control flow")
disable_v2_tensorshape = _noop("disable_v2_tensorshape", "TensorShape dims are ints or None")
