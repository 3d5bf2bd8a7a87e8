"""``tf.test.compute_gradient`` and ``tf.test.compute_gradient_error``: the Jacobian of ``y``
with respect to ``x`` two ways, in the default Session, as TensorFlow 1's gradient checker.

    theoretical[i, j] = d y_j / d x_i   from tf.gradients (one run per element of y, with
                                        grad_ys the one-hot of j)
    numerical[i, j]   = (y_j(x + delta e_i) - y_j(x - delta e_i)) / (2 delta)

``x`` (a tensor, or a list of them) is fed with ``x_init_value`` (uniform in [0, 1) when not
given, as TensorFlow's checker).  Both matrices have shape (x.size, y.size).
"""

from __future__ import annotations

import numpy as np

from .gradients import gradients
from .graph import Tensor, session_or_default

__all__ = ["compute_gradient", "compute_gradient_error"]


def _session(op: str):
    """The default Session (TensorFlow's ``eval()`` ValueError when there is none)."""
    return session_or_default(None)


def _jacobians(sess, x: Tensor, x_shape, y: Tensor, y_shape, x0: np.ndarray, delta: float,
               feed: dict):
    from .array_ops import placeholder
    dt = np.dtype(x.aval.dtype)
    x_size = int(np.prod(x_shape, dtype=np.int64))
    y_size = int(np.prod(y_shape, dtype=np.int64))
    theory = np.zeros((x_size, y_size), dtype=dt)
    numeric = np.zeros((x_size, y_size), dtype=dt)
    dy = placeholder(y.dtype, list(y_shape))
    (g,) = gradients(y, [x], grad_ys=dy)
    if g is not None:
        for j in range(y_size):
            onehot = np.zeros(y_size, dtype=y.aval.dtype)
            onehot[j] = 1
            val = sess.run(g, {**feed, x: x0, dy: onehot.reshape(y_shape)})
            theory[:, j] = np.asarray(val).reshape(x_size)
    flat = x0.reshape(-1)
    for i in range(x_size):
        xp, xm = flat.copy(), flat.copy()
        xp[i] += delta
        xm[i] -= delta
        yp = sess.run(y, {**feed, x: xp.reshape(x_shape)})
        ym = sess.run(y, {**feed, x: xm.reshape(x_shape)})
        numeric[i] = ((np.asarray(yp, np.float64) - np.asarray(ym, np.float64)).reshape(-1)
                      / (2 * delta)).astype(dt)
    return theory, numeric


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None,
                     extra_feed_dict=None):
    """``(theoretical, numerical)`` Jacobians of ``y`` with respect to ``x`` (a list of pairs
    when ``x`` is a list).

    Example::

        >>> import dlcore_static as tf
        >>> x = tf.placeholder(tf.float64, [2])
        >>> with tf.Session():
        ...     t, n = tf.test.compute_gradient(x, [2], x * x, [2], x_init_value=np.ones(2))
        >>> t.tolist(), n.round(6).tolist()
        ([[2.0, 0.0], [0.0, 2.0]], [[2.0, 0.0], [0.0, 2.0]])
    """
    sess = _session("compute_gradient")
    if init_targets is not None:
        sess.run(init_targets)
    feed = dict(extra_feed_dict or {})
    many = isinstance(x, (list, tuple))
    xs = list(x) if many else [x]
    shapes = list(x_shape) if many else [x_shape]
    inits = list(x_init_value) if many and x_init_value is not None else \
        ([x_init_value] if not many else [None] * len(xs))
    values = [np.asarray(v, dtype=t.aval.dtype).reshape(s) if v is not None else
              np.random.random_sample(s).astype(t.aval.dtype)
              for t, s, v in zip(xs, shapes, inits)]
    out = []
    for k, (t, s) in enumerate(zip(xs, shapes)):
        others = {o: v for j, (o, v) in enumerate(zip(xs, values)) if j != k}
        out.append(_jacobians(sess, t, s, y, y_shape, values[k], float(delta),
                              {**feed, **others}))
    return out if many else out[0]


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3,
                           init_targets=None, extra_feed_dict=None) -> float:
    """The largest ``|theoretical - numerical|`` over the Jacobians of :func:`compute_gradient`.

    Example::

        >>> import dlcore_static as tf
        >>> x = tf.placeholder(tf.float64, [3])
        >>> with tf.Session():
        ...     err = tf.test.compute_gradient_error(x, [3], tf.sin(x), [3])
        >>> err < 1e-6
        True
    """
    res = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                           extra_feed_dict)
    pairs = res if isinstance(res, list) else [res]
    return float(max((np.max(np.abs(t.astype(np.float64) - n)) if t.size else 0.0)
                     for t, n in pairs))
