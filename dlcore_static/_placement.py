"""Device placement errors, as TensorFlow 1.15's placer raises them.

An op pinned by ``tf.device('/gpu:0')`` in a process without CUDA (no driver or GPU, or
numba-cuda missing) cannot run where it was asked to.  With
``ConfigProto(allow_soft_placement=True)`` the Session runs it on the CPU (``plan.placed``);
without it TF 1.15's placer (``Placer::Run`` around ``ColocationGraph::GetDevicesForNode``)
refuses the run before any node executes::

    InvalidArgumentError: Cannot assign a device for operation mul: node mul (defined at
    f.py:3)  was explicitly assigned to /device:GPU:0 but available devices are
    [ /job:localhost/replica:0/task:0/device:CPU:0 ]. Make sure the device specification
    refers to a valid device.
    	 [[node mul (defined at f.py:3) ]]

The node named is the one TF's placer meets first in the whole graph: the ops in creation
order, the *generator* ops (no input, one output that is not a variable's: a Const, a
Placeholder) after all the others, as the placer leaves them for its second pass.  dlcore
raises it for a run whose plan holds a GPU-pinned op (TF 1.15 places the whole graph, so it
also fails a run that does not need one); its only local device is the CPU (TF 1.15's wheel
also lists an XLA_CPU).
"""

from __future__ import annotations

from typing import Any

from dlcore.device import cuda_available

from .errors import InvalidArgumentError, node_suffix

#: the process's devices as TF names them when CUDA cannot be used
LOCAL_DEVICES = ("/job:localhost/replica:0/task:0/device:CPU:0",)

# dlcore op types with no graph input whose TF counterparts are not generator nodes (a
# VariableV2 has a ref output; a variable's read is an Identity of it)
_NOT_GENERATORS = frozenset({"VariableV2", "VariableRead", "VarHandleOp", "ReadVariableOp"})


def _is_generator(op) -> bool:
    return not op.inputs and len(op.outputs) == 1 and op.type not in _NOT_GENERATORS


def _requested(op) -> str:
    """The op's device as its NodeDef writes it ('/device:GPU:0')."""
    d = op.device
    return f"/device:{'GPU' if d.type == 'cuda' else 'CPU'}:{d.index or 0}"


def unplaceable(ops) -> Any:
    """The op TF's placer would name first among ``ops`` placed on a GPU, or None."""
    pinned = sorted((op for op in ops if op.device is not None and op.device.type == "cuda"),
                    key=lambda op: op._id)
    for op in pinned:
        if not _is_generator(op):
            return op
    return pinned[0] if pinned else None


def placement_message(op) -> str:
    where = f"node {op.name} (defined at {op.defined_at}) "
    return (f"Cannot assign a device for operation {op.name}: {where} was explicitly assigned "
            f"to {_requested(op)} but available devices are [ {', '.join(LOCAL_DEVICES)} ]. "
            "Make sure the device specification refers to a valid device." + node_suffix(op))


def check_placement(ops, session) -> None:
    """Raise TF's ``InvalidArgumentError`` when one of ``ops`` is pinned to a GPU that this
    process cannot use and ``session`` has no soft placement; nothing otherwise."""
    if getattr(session, "_soft_cpu", False) or cuda_available():
        return
    op = unplaceable(ops)
    if op is not None:
        # TF 1.15 places the whole graph: the op named is the first of the graph
        op = unplaceable(op.graph._ops) or op
        raise InvalidArgumentError(None, op, placement_message(op))
