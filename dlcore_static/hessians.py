"""``tf.hessians(ys, xs)``: for each ``x`` in ``xs``, the matrix of second derivatives of
``sum(ys)``, shaped ``x.shape + x.shape`` (TensorFlow 1 builds it as a while_loop over the
flattened gradient's elements, each row one more ``tf.gradients``; here the rows are built by a
Python loop, so ``x``'s size must be known when the graph is built)."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .frontend import to_tensor
from .graph import get_default_graph

__all__ = ["hessians"]

_MAX_ELEMENTS = 4096


def hessians(ys, xs, name: str = "hessians", colocate_gradients_with_ops: bool = False,
             gate_gradients: bool = False, aggregation_method=None) -> list:
    """``[d^2 sum(ys) / dx dx for x in xs]``, each of shape ``x.shape + x.shape``; a row whose
    second derivative does not depend on ``x`` is zeros.

    Example::

        >>> import dlcore_static as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> h, = tf.hessians(x[0] ** 2 * x[1], x)
        >>> with tf.Session() as sess:
        ...     sess.run(h).tolist()
        [[4.0, 2.0], [2.0, 0.0]]
    """
    from .array_ops import reshape, stack
    from .gradients import gradients
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    g = get_default_graph()
    xs = [x if hasattr(x, "op") else to_tensor(x, g) for x in xs]
    grads = gradients(ys, xs, colocate_gradients_with_ops=colocate_gradients_with_ops,
                      gate_gradients=gate_gradients, aggregation_method=aggregation_method)
    out: list = []
    with g.name_scope(name):
        for x, grad in zip(xs, grads):
            xt = to_tensor(x, g)
            shape = tuple(xt.aval.shape)
            if any(d is None for d in shape):
                raise NotImplementedError(f"hessians: the shape of {xt.name} must be known when "
                                          f"the graph is built, got {list(shape)}")
            n = int(np.prod(shape, dtype=np.int64))
            if n > _MAX_ELEMENTS:
                raise NotImplementedError(f"hessians: {xt.name} has {n} elements; at most "
                                          f"{_MAX_ELEMENTS} (one gradient per element)")
            if grad is None:
                out.append(None)
                continue
            flat = reshape(grad, [-1])
            rows = []
            for j in range(n):
                r = gradients(_ops.getitem(flat, (j,)), [x])[0]
                rows.append(_ops.reshape(_ops.zeros_like(xt) if r is None else
                                         to_tensor(r, g), (-1,)))
            out.append(reshape(stack(rows), list(shape) + list(shape)))
    return out
