"""``tf.train.init_from_checkpoint``: variables whose *initializer* loads a checkpoint's tensor.

TF 1.15's ``checkpoint_utils.init_from_checkpoint(ckpt_dir_or_file, assignment_map)`` changes
nothing at once: it checks, while the graph is built, that each tensor named in the map is in
the checkpoint (the latest of a directory) with a shape compatible with its variable, then
replaces the variable's initializer by an assignment of the tensor read from the file *when the
initializer runs* (a ``checkpoint_initializer`` node, TF's ``RestoreV2``).  So
``global_variables_initializer()`` made afterwards loads those variables from the checkpoint
and the others from their initial values.

``assignment_map`` maps a checkpoint tensor name to a variable, a list of variables (the parts
of a partitioned variable), or a name in the ``get_variable`` store; or, with names ending in
'/', a checkpoint scope to a store scope: every variable of the scope, by the same relative
name ('/' is the root).  Errors: TF's ``ValueError`` texts for a tensor not in the checkpoint,
a shape that does not match, and a scope mapped to a variable name; every entry is checked
before any initializer changes.  ``embedding_column``'s
``ckpt_to_load_from``/``tensor_name_in_ckpt`` use it for the embedding table.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .host_ops import register

logger = logging.getLogger("dlcore_static")

__all__ = ["init_from_checkpoint"]


def _restore_impl(*, path, tensor_name, dtype, full_shape, offset, shape):
    """The checkpoint tensor (or the slice of a part) as the variable's dtype."""
    from .checkpoint_reader import CheckpointReader
    from .errors import InvalidArgumentError
    arr = CheckpointReader(path).get_tensor(tensor_name)
    want = np.dtype(dtype)
    if arr.dtype != want:
        raise InvalidArgumentError(None, None, f"tensor_name = {tensor_name}; expected dtype "
                                   f"{want.name} does not equal original dtype "
                                   f"{arr.dtype.name}")
    if offset is not None:
        if list(arr.shape) != list(full_shape):
            raise InvalidArgumentError(None, None, f"tensor_name = {tensor_name}; shape in "
                                       f"shape_and_slice spec {list(full_shape)} does not match "
                                       f"the shape stored in checkpoint: {list(arr.shape)}")
        arr = arr[tuple(slice(o, o + n) for o, n in zip(offset, shape))]
    return np.array(arr)             # (a copy, contiguous; a 0-d tensor stays 0-d)


register("CheckpointInitializer", _restore_impl)


def _is_variable(x) -> bool:
    from .variables import Variable
    return isinstance(x, Variable)


def _set_initializer(var, ckpt_file: str, tensor_name: str) -> None:
    """TF's ``_set_checkpoint_initializer``: ``var``'s initializer assigns the tensor read from
    the file (a part's slice of it for a partitioned variable's part)."""
    from .graph import Operation
    from .host_ops import host_op
    from .variables import _init_scope
    g = var.graph
    info = var._save_slice_info
    attrs: dict[str, Any]
    if info is not None:
        _full, full_shape, offset, pshape = info
        attrs = {"full_shape": list(full_shape), "offset": list(offset), "shape": list(pshape)}
    else:
        attrs = {"full_shape": None, "offset": None, "shape": None}
    with _init_scope(g):
        restore = host_op("CheckpointInitializer", [], [(tuple(var.aval.shape), var.aval.dtype)],
                          attrs={"path": ckpt_file, "tensor_name": tensor_name,
                                 "dtype": var.aval.dtype.str, **attrs},
                          name="checkpoint_initializer").outputs[0]
        init = Operation(g, "Assign", g.unique_name("Assign"), [restore], [var.aval],
                         attrs={"variable": var.op}).outputs[0].op
    var.initializer = init
    var._initial_value = restore


def _set_variable_or_list(var, ckpt_file: str, tensor_name: str) -> None:
    if _is_variable(var):
        _set_initializer(var, ckpt_file, tensor_name)
        return
    for v in var:
        _set_initializer(v, ckpt_file, tensor_name)


def _parts(name: str, store: dict):
    """The parts of the partitioned variable ``name`` in the store, or None."""
    from .partitioned import PartitionedVariable
    v = store.get(name)
    if isinstance(v, PartitionedVariable):
        return v._get_variable_list()
    return None


def init_from_checkpoint(ckpt_dir_or_file, assignment_map) -> None:
    """TF 1.15's ``tf.train.init_from_checkpoint`` (see the module docstring)."""
    from .checkpoint_reader import CheckpointReader
    from .graph import get_default_graph
    from .partitioned import PartitionedVariable
    from .tensor_shape import TensorShape
    from .variable_scopes import _store
    reader = CheckpointReader(ckpt_dir_or_file)
    ckpt_file = reader._path
    variable_map = reader.get_variable_to_shape_map()
    store = _store(get_default_graph())
    items = sorted(assignment_map.items(), key=lambda kv: kv[0])
    plan: list = []              # (variable or parts, tensor name): applied once all checked
    for tensor_name, current in items:
        var: Any = None
        if _is_variable(current) or (isinstance(current, (list, PartitionedVariable)) and
                                     all(_is_variable(v) for v in current)):
            var = list(current) if isinstance(current, PartitionedVariable) else current
        else:
            found = store.get(current)
            var = found if _is_variable(found) else _parts(current, store)
        if var is not None:
            if tensor_name not in variable_map:
                raise ValueError(f"Tensor {tensor_name} is not found in {ckpt_dir_or_file} "
                                 f"checkpoint {variable_map}")
            if _is_variable(var):
                if not var.get_shape().is_compatible_with(TensorShape(variable_map[tensor_name])):
                    raise ValueError(f"Shape of variable {var.name} ({var.get_shape()}) doesn't "
                                     f"match with shape of tensor {tensor_name} "
                                     f"({variable_map[tensor_name]}) from checkpoint reader.")
                var_name = var.name
            else:
                var_name = ",".join(v.name for v in var)
            plan.append((var, tensor_name, var_name))
            continue
        scopes = ""
        if "/" in current:
            scopes = current[:current.rindex("/")]
        if not tensor_name.endswith("/"):
            raise ValueError(f"Assignment map with scope only name {scopes} should map to scope "
                             f"only {tensor_name}. Should be 'scope/': 'other_scope/'.")
        names = sorted({n for n in store if not scopes or n.startswith(scopes + "/")})
        for var_name in names:
            full = var_name[len(scopes):]
            if current != "/":
                full = full[1:]
            if tensor_name != "/":
                full = tensor_name + full
            full = full.removesuffix("/")
            if full not in variable_map:
                raise ValueError(f"Tensor {full} ({var_name[len(scopes) + 1:]} in "
                                 f"{tensor_name}) is not found in {ckpt_dir_or_file} checkpoint")
            found = store.get(var_name)
            target = found if _is_variable(found) else _parts(var_name, store)
            plan.append((target, full, var_name))
    for var, name, var_name in plan:        # (nothing changed when a check above failed)
        _set_variable_or_list(var, ckpt_file, name)
        logger.debug("Initialize variable %s from checkpoint %s with %s", var_name,
                     ckpt_dir_or_file, name)

