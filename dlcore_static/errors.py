"""TensorFlow's error classes (``tf.errors.*``).

Two layers of errors, as in TensorFlow 1:

* Python-side argument checks at build time or before a run (``TypeError``, ``ValueError``);
* executor errors raised while a ``Session.run`` executes a node.  They derive from ``OpError``
  and name the node and the file:line that created it::

      FailedPreconditionError: Attempting to use uninitialized value w
      	 [[node w/read (defined at model.py:12) ]]
"""

from __future__ import annotations

from ._locations import _user_frame


class OpError(Exception):
    """An error raised while a node runs; ``.op`` is the Operation, ``.message`` the text."""

    def __init__(self, node_def, op, message: str, *args):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        self.error_code = getattr(type(self), "code", 2)

    def __str__(self) -> str:
        return self.message


class CancelledError(OpError): code = 1
class UnknownError(OpError): code = 2
class InvalidArgumentError(OpError): code = 3
class DeadlineExceededError(OpError): code = 4
class NotFoundError(OpError): code = 5
class AlreadyExistsError(OpError): code = 6
class PermissionDeniedError(OpError): code = 7
class ResourceExhaustedError(OpError): code = 8


class _OutOfMemory(ResourceExhaustedError, MemoryError):
    """What a node that cannot allocate its output raises: TensorFlow's ResourceExhaustedError
    ('OOM when allocating tensor with shape[...]'), also a ``MemoryError`` for Python code.
    Tracebacks print TensorFlow's class name."""


_OutOfMemory.__name__ = _OutOfMemory.__qualname__ = "ResourceExhaustedError"
class FailedPreconditionError(OpError): code = 9
class AbortedError(OpError): code = 10
class OutOfRangeError(OpError): code = 11
class UnimplementedError(OpError, NotImplementedError): code = 12
class InternalError(OpError): code = 13
class UnavailableError(OpError): code = 14
class DataLossError(OpError): code = 15


def node_suffix(op) -> str:
    """TensorFlow's ``[[node X (defined at file:line) ]]`` tag."""
    if op is None:
        return ""
    return f"\n\t [[node {op.name} (defined at {op.defined_at}) ]]"


def reraise_with_node(err: Exception, node: str, op_type: str, inputs) -> None:
    """Re-raise a core ShapeError/DTypeError raised while building a node, keeping its class
    (ValueError/TypeError, and IndexError for an axis out of range) but naming the node, its
    type, the real input shapes and the user's file:line, as TensorFlow does at build time."""
    from dlcore.errors import format_shape

    text = str(err)
    core_op = getattr(err, "op", None)
    marker = f" for '{core_op}'"
    body = text.split(marker)[0] if core_op and marker in text else text
    shapes = ", ".join(format_shape(getattr(getattr(t, "aval", None), "shape", None))
                       for t in inputs)
    new = type(err).__new__(type(err))
    Exception.__init__(new, f"{body} for '{node}' (op: '{op_type}') with input shapes: "
                            f"{shapes}.\n(node '{node}' defined at {_user_frame()})")
    new.__dict__.update(err.__dict__)
    raise new from None
