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

import numpy as np

from dlcore import ops as _ops

from . import saving as _saving
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
        return var.assign_sub(_ops.mul(grad, _lr(self.learning_rate, var)))


class MomentumOptimizer(Optimizer):
    def __init__(self, learning_rate, momentum, use_locking: bool = False,
                 name: str = "Momentum", use_nesterov: bool = False):
        super().__init__(use_locking, name)
        self.learning_rate, self.momentum, self.use_nesterov = learning_rate, momentum, \
            use_nesterov

    def _apply(self, grad, var):
        acc = self._slot(var, "momentum")
        acc_new = acc.assign(_ops.add(_ops.mul(acc._update_read(), self.momentum), grad))
        lr = _lr(self.learning_rate, var)
        if self.use_nesterov:
            step = _ops.mul(_ops.add(grad, _ops.mul(acc_new, self.momentum)), lr)
        else:
            step = _ops.mul(acc_new, lr)
        return var.assign_sub(step)


class AdamOptimizer(Optimizer):
    _SLOT_NAMES = {"": "m", "_1": "v"}

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking: bool = False, name: str = "Adam"):
        super().__init__(use_locking, name)
        self.learning_rate, self.beta1, self.beta2, self.epsilon = \
            learning_rate, beta1, beta2, epsilon
        self._b1p: Variable | None = None
        self._b2p: Variable | None = None

    def _prepare(self) -> None:
        if self._b1p is None:
            g = get_default_graph()
            with g.name_scope(None), g.control_dependencies(None):
                self._b1p = Variable(float(self.beta1), trainable=False, name="beta1_power")
                self._b2p = Variable(float(self.beta2), trainable=False, name="beta2_power")

    def _apply(self, grad, var):
        m, v = self._slot(var, ""), self._slot(var, "_1")
        b1, b2 = self.beta1, self.beta2
        b1p, b2p = self._b1p, self._b2p
        assert b1p is not None and b2p is not None      # made by _prepare, before any update
        lr = _ops.mul(_lr(self.learning_rate, var),
                      _ops.div(_ops.sqrt(_ops.sub(1.0, b2p.value())),
                               _ops.sub(1.0, b1p.value())))
        m_new = m.assign(_ops.add(_ops.mul(m._update_read(), b1), _ops.mul(grad, 1.0 - b1)))
        v_new = v.assign(_ops.add(_ops.mul(v._update_read(), b2),
                                  _ops.mul(_ops.mul(grad, grad), 1.0 - b2)))
        step = _ops.div(_ops.mul(m_new, _ops.cast(lr, var.aval.dtype)),
                        _ops.add(_ops.sqrt(v_new), self.epsilon))
        return var.assign_sub(step)

    def _finish(self, updates) -> list:
        g = get_default_graph()
        b1p, b2p = self._b1p, self._b2p
        assert b1p is not None and b2p is not None      # made by _prepare, before any update
        with g.control_dependencies(updates):
            return [b1p.assign(_ops.mul(b1p.value(), self.beta1)),
                    b2p.assign(_ops.mul(b2p.value(), self.beta2))]


def get_global_step(graph=None):
    g = graph or get_default_graph()
    steps = g.get_collection("global_step")
    return steps[0] if steps else None


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
