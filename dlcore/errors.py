"""Errors raised by the core.  Front ends re-raise them with their own context (node names,
the file:line that built a node) but keep the class, so a shape clash is always a ValueError and
a dtype problem a TypeError."""

from __future__ import annotations


def format_shape(shape) -> str:
    """TensorFlow's notation: ``[?,900]`` for a partially known shape, ``[]`` for a scalar."""
    if shape is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class ShapeError(ValueError):
    """Incompatible shapes for an op; the message names the op and every input shape."""

    def __init__(self, op: str, message: str, shapes=()):
        self.op = op
        self.shapes = tuple(shapes)
        shapes_txt = ", ".join(format_shape(s) for s in shapes)
        super().__init__(f"{message} for '{op}' with input shapes: {shapes_txt}.")


class DTypeError(TypeError):
    """An op got dtypes it does not accept; the message names the op and the dtypes."""

    def __init__(self, op: str, message: str, dtypes=()):
        self.op = op
        names = ", ".join(getattr(d, "name", str(d)) for d in dtypes)
        super().__init__(f"{message} for '{op}' (input dtypes: {names})")


class DeviceError(RuntimeError):
    """Buffers on different devices met in one op."""

    def __init__(self, op: str, devices):
        a, b = (str(d) for d in devices[:2])
        super().__init__(f"Expected all tensors to be on the same device, but found at least two "
                         f"devices, {a} and {b}! (in op '{op}')")
