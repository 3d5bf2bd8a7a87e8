"""Fused operands whose static shape has an unknown dimension: checked, and broadcast, per run.

A fused loop reads each operand with an index fixed by its static shape (``loops.index_expr``):
``x[i0, i1]`` for an operand of the loop's shape, ``b[0, i1]`` for one whose axis 0 is 1.  An
unknown (None) dimension is read as if it were the loop's, but the group's loop shape is fully
known (``fusion._elementwise``) while an operand's is not always: ``tf.reshape(c, shape)`` with
a computed ``shape`` is ``(?, ?)`` statically, and may be ``(4, 1)`` when added to a ``(4, 4)``
value.  Read as ``(4, 4)`` it was a silent wrong result and a read past its 4 elements.

So a fused kernel checks such operands at every call (only these: the common plan, whose shapes
the feeds fix, has none and pays nothing): one of the shape assumed is passed as it is; one with
a 1 where the loop has more is passed as a broadcast view of the assumed shape (strides 0, so
the same index reads the right element); any other shape is refused in TensorFlow's words, as an unfused
op's (``Incompatible shapes: [3,1] vs. [4,4]``; the runner's error names the node), where the
loop would have read outside it.
"""

from __future__ import annotations

import numpy as np

from dlcore.errors import format_shape

from .ir import Node


def unsure_operands(node: Node, skip=()) -> list[tuple[int, tuple]]:
    """``(input position, the shape the loop reads it as)`` for each of fused ``node``'s array
    operands with an unknown dimension (``skip``: positions passed otherwise, literals)."""
    loop = tuple(int(d) for d in node.params["loop_shape"])
    res = []
    for j, v in enumerate(node.inputs):
        shape = tuple(v.aval.shape)
        if j in skip or not shape or None not in shape:
            continue
        lead = len(loop) - len(shape)
        res.append((j, tuple(loop[lead + k] if d is None else int(d)
                             for k, d in enumerate(shape))))
    return res


def broadcast_error(got: tuple, assumed: tuple, loop: tuple) -> ValueError:
    """TensorFlow's words for shapes that do not broadcast (as ``runtime.wrap_error`` gives
    an unfused kernel's NumPy error: ``_kernel_errors.tf_kernel_text``), and the shape the
    fused loop read the operand as."""
    return ValueError(f"Incompatible shapes: {_dims(got)} vs. {_dims(loop)} "
                      f"(a fused operand read as {_dims(assumed)})")


def _dims(shape) -> str:
    return format_shape(tuple(int(d) for d in shape))


def needs_view(got: tuple, assumed: tuple, loop: tuple) -> bool:
    """False: ``got`` is ``assumed``; True: it broadcasts to it; raises when it does not."""
    if got == assumed:
        return False
    if len(got) == len(assumed) and all(g == 1 or g == a for g, a in zip(got, assumed)):
        return True
    raise broadcast_error(got, assumed, loop)


def fit_host(x, assumed: tuple, loop: tuple):
    """NumPy operand ``x`` as the loop reads it (see the module docstring)."""
    x = np.asarray(x)
    if needs_view(tuple(x.shape), assumed, loop):
        return np.broadcast_to(x, assumed)
    return x
