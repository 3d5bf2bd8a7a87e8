"""The base of ``tf.train``'s optimizers: ``compute_gradients``, ``apply_gradients``,
``minimize``, slots, and the learning rate as a number or a tensor.

A subclass defines ``_apply(grad, var)`` (one update op per variable, written with the core's
ops) and optionally ``_prepare`` (before the updates: Adam's beta powers) and
``_finish(updates)`` (ops that run after them).  The concrete optimizers live in ``train`` and
``train_extra``; both import this module, neither imports the other's base.
"""

from __future__ import annotations

from dlcore import ops as _ops

from . import _gc_pause
from .control_flow import group
from .frontend import to_tensor
from .gradients import gradients
from .graph import get_default_graph
from .variables import Variable, trainable_variables


class Optimizer:
    """Base class: subclasses define ``_create_slots`` and ``_apply(grad, var)``."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking: bool = False, name: str = "Optimizer"):
        self._name = name
        self._slots: dict = {}

    def get_name(self) -> str:
        return self._name

    def compute_gradients(self, loss, var_list=None, gate_gradients=1, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None,
                          stop_gradients=None) -> list:
        loss = to_tensor(loss)
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=grad_loss, stop_gradients=stop_gradients)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        pairs = [(g, v) for g, v in grads_and_vars]
        if not any(g is not None for g, _ in pairs):
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[str(v) for _, v in pairs]}.")
        graph = get_default_graph()
        with graph.name_scope(name or self._name) as scope:
            self._prepare()
            updates = []
            for g, v in pairs:
                if g is None:
                    continue
                with graph.name_scope("update_" + v.op.name.replace("/", "_")):
                    upd = self._apply(to_tensor(g), v)
                    constraint = getattr(v, "constraint", None)
                    if constraint is not None:      # TF1: the projection after the update
                        with graph.control_dependencies([upd]):
                            upd = v.assign(constraint(v.value()))
                    updates.append(upd)
            finish = self._finish(updates)
            if global_step is not None:
                with graph.control_dependencies(updates + finish):
                    updates.append(global_step.assign_add(1))
            op = group(*(updates + finish))
        # As in TensorFlow, the op takes the scope's own name ("GradientDescent", "train").
        graph.rename_op(op, scope[:-1], unique=False)
        return op

    @_gc_pause.pausing
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        gv = self.compute_gradients(loss, var_list, grad_loss=grad_loss)
        if not any(g is not None for g, _ in gv):
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[str(v) for _, v in gv]} and loss "
                f"{to_tensor(loss)}.")
        return self.apply_gradients(gv, global_step=global_step, name=name)

    # -- slots
    def _slot(self, var: Variable, name: str, value: float = 0.0) -> Variable:
        """The optimizer's slot ``name`` for ``var`` (made on first use, filled with
        ``value``), named ``<var>/<optimizer>_<name>`` as in TensorFlow."""
        key = (var, name)
        s = self._slots.get(key)
        if s is None:
            g = get_default_graph()
            # Outside any control dependencies (TF's slot_creator): the canonical batch-norm
            # pattern builds minimize() inside tf.control_dependencies(UPDATE_OPS), and a slot's
            # initializer must not wait for those (they read the fed batch).  Named as TF names
            # slots: "<var>/<optimizer>", the next one "<var>/<optimizer>_1" (Adam's m and v).
            with g.name_scope(None), g.control_dependencies(None):
                init = _ops.zeros_like(var.initial_value)
                if value:
                    init = _ops.add(init, float(value))
                s = Variable(init, trainable=False, name=f"{var.op.name}/{self._name}")
            self._slots[key] = s
        return s

    #: TensorFlow's name of each slot, by the key this optimizer makes it with ("" and "_1" for
    #: Adam's m and v); a key not listed is its own name ("momentum", "rms")
    _SLOT_NAMES: dict[str, str] = {}

    def get_slot(self, var, name):
        """The slot ``name`` (TensorFlow's: "m", "momentum", "accumulator", ...) of ``var``."""
        key = next((k for k, n in self._SLOT_NAMES.items() if n == name), name)
        return self._slots.get((var, key))

    def get_slot_names(self) -> list[str]:
        """The names of the slots this optimizer has made, sorted (as TensorFlow's)."""
        return sorted({self._SLOT_NAMES.get(key, key) for _, key in self._slots})

    def variables(self) -> list:
        return list(self._slots.values())

    def _prepare(self) -> None:
        pass

    def _finish(self, updates) -> list:
        return []

    def _apply(self, grad, var):
        raise NotImplementedError


def _lr(lr, var):
    if isinstance(lr, (int, float)):
        return float(lr)
    return _ops.cast(to_tensor(lr), var.aval.dtype)
