"""Errors raised by the core.  Front ends re-raise them with their own context (node names,
the file:line that built a node) but keep the class, so a shape clash is always a ValueError and
a dtype problem a TypeError.

One hierarchy serves both front ends because each class also subclasses what the *other* model
library raises for the same mistake: a shape clash is a ``ValueError`` (TensorFlow's build-time
error) and a ``RuntimeError`` (PyTorch's), an axis or index out of range is also an
``IndexError`` (PyTorch's), so ``except RuntimeError`` / ``except IndexError`` in PyTorch-style
code and ``except ValueError`` in TensorFlow-style code both catch it::

    ShapeError(ValueError, RuntimeError)
      AxisError(ShapeError, IndexError)       axis/dim/index out of range
    DTypeError(TypeError, RuntimeError)       PyTorch refuses a dtype with RuntimeError
      DTypeNotImplemented(DTypeError, NotImplementedError)  a kernel without this dtype
      ComplexUnsupported(DTypeError, NotImplementedError)   a complex input to a real-only op
    DeviceError(RuntimeError)
    LinAlgError(RuntimeError)                 a singular matrix where an inverse is needed
    IndexOutOfBounds(IndexError, RuntimeError)   a gather/scatter index outside its dimension
"""

from __future__ import annotations


def format_shape(shape) -> str:
    """TensorFlow's notation: ``[?,900]`` for a partially known shape, ``[]`` for a scalar."""
    if shape is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class ShapeError(ValueError, RuntimeError):
    """Incompatible shapes for an op; the message names the op and every input shape
    (``reason`` keeps the message without them: PyTorch's words where the rule uses them, which
    the eager front end re-raises as PyTorch's exception)."""

    def __init__(self, op: str, message: str, shapes=()):
        self.op = op
        self.reason = message
        self.shapes = tuple(shapes)
        shapes_txt = ", ".join(format_shape(s) for s in shapes)
        super().__init__(f"{message} for '{op}' with input shapes: {shapes_txt}.")


class BroadcastError(ShapeError):
    """Operand shapes that do not broadcast together (``shapes`` holds them, in operand order):
    TensorFlow's wording; the eager front end words it as PyTorch does."""


class AxisError(ShapeError, IndexError):
    """An axis, dim or index outside the valid range of a tensor."""


class DTypeError(TypeError, RuntimeError):
    """An op got dtypes it does not accept; the message names the op and the dtypes (or is
    ``message`` as it stands, ``exact=True``: PyTorch's own words for a common mistake).  A
    TypeError as TensorFlow's build-time refusal, a RuntimeError as PyTorch's
    (``torch.ones(3, dtype=torch.bool).neg()``: ``Negation, the `-` operator, on a bool
    tensor``).  An op's rule refusing a dtype raises the subclass ``DTypeNotImplemented``
    (PyTorch's NotImplementedError); a plain ``DTypeError`` is raised with ``exact=True``
    only, where PyTorch's own words are a RuntimeError."""

    def __init__(self, op: str, message: str, dtypes=(), *, exact: bool = False):
        self.op = op
        names = ", ".join(getattr(d, "name", str(d)) for d in dtypes)
        super().__init__(message if exact else f"{message} for '{op}' (input dtypes: {names})")


class DTypeNotImplemented(DTypeError, NotImplementedError):
    """An op's rule refusing a dtype (``DTypeNotImplemented(op, message, dtypes)``: ``"does not
    accept bool inputs"``, ``"expects integer inputs"``, ...), as PyTorch's missing CPU kernel
    for it (``"elu_cpu" not implemented for 'Long'``) raises NotImplementedError; still a
    TypeError (TensorFlow's build-time error) and a DTypeError, so ``except TypeError``/``except
    RuntimeError``/``except DTypeError`` catch it."""


class ComplexUnsupported(DTypeError, NotImplementedError):
    """A complex input to an op that has no complex version, in PyTorch's words
    (``"lt" not implemented for 'ComplexFloat'``; PyTorch raises NotImplementedError, a
    RuntimeError)."""

    def __init__(self, op: str, dtype):
        self.op = op
        name = "ComplexDouble" if str(getattr(dtype, "name", dtype)) == "complex128" \
            else "ComplexFloat"
        TypeError.__init__(self, f'"{op}" not implemented for \'{name}\'')


class DeviceError(RuntimeError):
    """Buffers on different devices met in one op."""

    def __init__(self, op: str, devices):
        a, b = (str(d) for d in devices[:2])
        super().__init__(f"Expected all tensors to be on the same device, but found at least two "
                         f"devices, {a} and {b}! (in op '{op}')")


class LinAlgError(RuntimeError):
    """A linear-algebra kernel met input it cannot handle (a singular matrix in ``inv``); the
    message is PyTorch's, and ``torch.linalg.LinAlgError`` is a RuntimeError too."""


class IndexOutOfBounds(IndexError, RuntimeError):
    """An index outside its dimension met by a gather/scatter kernel (take, scatter_add,
    gather, scatter, index_add): NumPy's IndexError and PyTorch's RuntimeError (``torch.gather``
    and ``scatter_add`` raise RuntimeError, so ``except RuntimeError`` code catches it; the
    static front end reports it as TensorFlow's InvalidArgumentError)."""
