"""``tf.train``: optimizers that add update nodes to the graph, and checkpoint saving.

``opt.minimize(loss)`` is ``compute_gradients`` (``tf.gradients`` of ``loss`` with respect to the
trainable variables) followed by ``apply_gradients`` (one assign per variable, grouped in one
op).  Nothing is updated until a run executes that op.  The update rules are written with the
core's ops, like any other graph:

    GradientDescent   w -= lr * g
    Momentum          a = m a + g;  w -= lr * a          (nesterov: w -= lr * (g + m a))
    Adam              m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
                      w -= lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dlcore import ops as _ops

from . import saving as _saving
from .control_flow import group
from .graph import get_default_graph
from .optimizer import Optimizer, _lr
from .train_extra import (  # noqa: F401
    AdadeltaOptimizer,
    AdagradOptimizer,
    FtrlOptimizer,
    RMSPropOptimizer,
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
)
from .variables import Variable

Saver = _saving.Saver
export_meta_graph = _saving.export_meta_graph
import_meta_graph = _saving.import_meta_graph


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(use_locking, name)
        self.learning_rate = learning_rate

    def _apply(self, grad, var):
        # TF1's op: update_w/ApplyGradientDescent (here its read, sub and Assign)
        return var.assign_sub(_ops.mul(grad, _lr(self.learning_rate, var)),
                              name="ApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate, momentum, use_locking: bool = False,
                 name: str = "Momentum", use_nesterov: bool = False):
        super().__init__(use_locking, name)
        self.learning_rate, self.momentum, self.use_nesterov = learning_rate, momentum, \
            use_nesterov

    def _apply(self, grad, var):
        acc = self._slot(var, "momentum")
        # the update of w reads the new accumulator itself (the value assigned), so the
        # compiler fuses both updates into one loop per variable
        acc_new = _ops.add(_ops.mul(acc._update_read(), self.momentum), grad)
        acc_op = acc.assign(acc_new)
        lr = _lr(self.learning_rate, var)
        if self.use_nesterov:
            step = _ops.mul(_ops.add(grad, _ops.mul(acc_new, self.momentum)), lr)
        else:
            step = _ops.mul(acc_new, lr)
        return group(acc_op, var.assign_sub(step), name="ApplyMomentum")


class AdamOptimizer(Optimizer):
    _SLOT_NAMES = {"": "m", "_1": "v"}

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking: bool = False, name: str = "Adam"):
        super().__init__(use_locking, name)
        self.learning_rate, self.beta1, self.beta2, self.epsilon = \
            learning_rate, beta1, beta2, epsilon
        self._b1p: Variable | None = None
        self._b2p: Variable | None = None
        self._correction: Any = None

    def _prepare(self) -> None:
        if self._b1p is None:
            g = get_default_graph()
            with g.name_scope(None), g.control_dependencies(None):
                self._b1p = Variable(float(self.beta1), trainable=False, name="beta1_power")
                self._b2p = Variable(float(self.beta2), trainable=False, name="beta2_power")
        # sqrt(1 - beta2^t) / (1 - beta1^t) from the powers' one read (TF1's snapshot
        # ``beta1_power/read``), shared by every variable's update of this apply_gradients:
        # inside tf.control_dependencies (minimize under UPDATE_OPS) value() made a fresh read
        # and the same arithmetic per variable (2 reads and 5 ops each)
        assert self._b1p is not None and self._b2p is not None
        b1p, b2p = self._b1p._read, self._b2p._read
        self._correction = _ops.div(_ops.sqrt(_ops.sub(1.0, b2p)), _ops.sub(1.0, b1p))

    def _apply(self, grad, var):
        m, v = self._slot(var, ""), self._slot(var, "_1")
        b1, b2 = self.beta1, self.beta2
        lr = _ops.mul(_lr(self.learning_rate, var), self._correction)    # (made by _prepare)
        # TF1's ApplyAdam kernel: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
        # w -= lr_t m / (sqrt(v) + eps).  The update of w reads the new m and v themselves
        # (the values assigned), so the compiler fuses the three into one loop per variable
        m_read, v_read = m._update_read(), v._update_read()
        v_t = _ops.add(v_read, _ops.mul(_ops.sub(_ops.mul(grad, grad), v_read), 1.0 - b2))
        v_op = v.assign(v_t)
        m_t = _ops.add(m_read, _ops.mul(_ops.sub(grad, m_read), 1.0 - b1))
        m_op = m.assign(m_t)
        step = _ops.div(_ops.mul(m_t, _ops.cast(lr, var.aval.dtype)),
                        _ops.add(_ops.sqrt(v_t), self.epsilon))
        return group(m_op, v_op, var.assign_sub(step), name="ApplyAdam")

    def _finish(self, updates) -> list:
        g = get_default_graph()
        b1p, b2p = self._b1p, self._b2p
        assert b1p is not None and b2p is not None      # made by _prepare, before any update
        with g.control_dependencies(updates):
            return [b1p.assign(_ops.mul(b1p.value(), self.beta1)),
                    b2p.assign(_ops.mul(b2p.value(), self.beta2))]


def get_global_step(graph=None):
    """The graph's global step (TF1's training_util): the one item of the GLOBAL_STEP
    collection (None, with an error logged, when it holds several), else the graph's
    ``global_step:0`` (a variable named ``global_step``, or any tensor of that name), else
    None.  It must be an integer scalar (TypeError otherwise)."""
    g = graph or get_default_graph()
    steps = g.get_collection("global_step")
    if len(steps) > 1:
        logging.getLogger("dlcore_static").error("Multiple tensors in global_step collection.")
        return None
    if steps:
        step = steps[0]
    else:
        op = g._ops_by_name.get("global_step")
        if op is None:
            return None
        step = g._variables_by_op.get(op)
        if step is None:
            try:
                step = g.get_tensor_by_name("global_step:0")
            except KeyError:
                return None
    _assert_global_step(step)
    return step


def _assert_global_step(step) -> None:
    """TF1's assert_global_step: an integer scalar Variable or Tensor (a partly unknown shape
    passes)."""
    dtype = getattr(step, "dtype", None)
    if dtype is None or not hasattr(step, "shape"):
        raise TypeError(f'Existing "global_step" must be a Variable or Tensor: {step}.')
    if np.dtype(dtype.as_numpy_dtype).kind not in "iu":
        raise TypeError(f'Existing "global_step" does not have integer type: {dtype.name}')
    shape = step.shape
    dims = getattr(shape, "dims", None)
    if dims is not None and len(dims) != 0 and all(
            getattr(d, "value", d) is not None for d in dims):
        raise TypeError(f'Existing "global_step" is not scalar: {shape}')


def global_step(sess, global_step_tensor) -> int:
    """``tf.train.global_step``: the value of ``global_step_tensor`` in ``sess``, an int."""
    return int(sess.run(global_step_tensor))


def get_or_create_global_step(graph=None):
    step = get_global_step(graph)
    if step is None:
        with get_default_graph().control_dependencies(None):
            step = Variable(np.int64(0), trainable=False, name="global_step")
        get_default_graph().add_to_collection("global_step", step)
    return step


create_global_step = get_or_create_global_step


latest_checkpoint = _saving.latest_checkpoint
get_checkpoint_state = _saving.get_checkpoint_state
checkpoint_exists = _saving.checkpoint_exists
