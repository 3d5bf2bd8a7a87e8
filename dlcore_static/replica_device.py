"""``tf.train.replica_device_setter``: TF 1.15's device function for between-graph
replication.  Ops of the parameter-server types (``STANDARD_PS_OPS``: VariableV2, ...) go to
``ps_device`` with its task chosen round-robin (``/job:ps/task:0``, ``/job:ps/task:1``, ...;
or by ``ps_strategy(op)``), every other op to ``worker_device``, each merged with the device
the scopes inside already gave the op (the op's own fields win), as TF's
``_ReplicaDeviceChooser``.

It is an ordinary device function (``tf.device(setter)``, ``_device_functions.py``): dlcore
runs in one process, so the job and task fields of the names it returns place nothing (they
are parsed and skipped, as ``tf.device('/job:ps/task:0')`` is); a device type in them
(``worker_device='/job:worker/gpu:0'``) places the op as any ``tf.device`` name does.  Call
the setter on an op (``setter(v.op)``) to read where TF would place it.
"""

from __future__ import annotations

from .device_spec import DeviceSpec

__all__ = ["STANDARD_PS_OPS", "replica_device_setter"]

STANDARD_PS_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable",
                   "MutableHashTableV2", "MutableHashTableOfTensors",
                   "MutableHashTableOfTensorsV2", "MutableDenseHashTable",
                   "MutableDenseHashTableV2", "VarHandleOp",
                   "BoostedTreesEnsembleResourceHandleOp")


class _RoundRobinStrategy:
    """The ps task of each ps op in turn: 0, 1, ..., num_tasks - 1, 0, ..."""

    def __init__(self, num_tasks: int) -> None:
        self._num_tasks = num_tasks
        self._next_task = 0

    def __call__(self, unused_op) -> int:
        task = self._next_task
        self._next_task = (self._next_task + 1) % self._num_tasks
        return task


def _device_string(op) -> str:
    """The op's current device as a TF name ('' when unplaced)."""
    node_def = getattr(op, "node_def", None)
    if node_def is not None:
        return node_def.device
    d = getattr(op, "device", "")
    return d if isinstance(d, str) else ""


def _node_type(op) -> str:
    node_def = getattr(op, "node_def", None)
    return node_def.op if node_def is not None else op.op


class _ReplicaDeviceChooser:
    def __init__(self, ps_tasks, ps_device, worker_device, merge_devices, ps_ops,
                 ps_strategy) -> None:
        self._ps_tasks = ps_tasks
        self._ps_device = ps_device
        self._worker_device = worker_device
        self._merge_devices = merge_devices
        self._ps_ops = ps_ops
        self._ps_strategy = ps_strategy

    def device_function(self, op) -> str:
        current = _device_string(op)
        if not self._merge_devices and current:
            return current
        current_device = DeviceSpec.from_string(current or "")
        if self._ps_tasks and self._ps_device and _node_type(op) in self._ps_ops:
            ps_device = DeviceSpec.from_string(self._ps_device)
            current_job, ps_job = current_device.job, ps_device.job
            if ps_job and (not current_job or current_job == ps_job):
                ps_device = ps_device.replace(task=self._ps_strategy(op))
            return ps_device.make_merged_spec(current_device).to_string()
        worker_device = DeviceSpec.from_string(self._worker_device or "")
        return worker_device.make_merged_spec(current_device).to_string()


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker",
                          merge_devices=True, cluster=None, ps_ops=None, ps_strategy=None):
    """``tf.train.replica_device_setter``: see the module's docstring.  Returns None when
    there are no ps tasks (``tf.device(None)``), as TF."""
    if cluster is not None:
        spec = cluster.as_dict() if hasattr(cluster, "as_dict") else dict(cluster)
        ps_job_name = DeviceSpec.from_string(ps_device).job
        if ps_job_name not in spec or spec[ps_job_name] is None:
            return None
        ps_tasks = len(spec[ps_job_name])
    if ps_tasks == 0:
        return None
    if ps_ops is None:
        ps_ops = list(STANDARD_PS_OPS)
    if ps_strategy is None:
        ps_strategy = _RoundRobinStrategy(ps_tasks)
    if not callable(ps_strategy):
        raise TypeError("ps_strategy must be callable")
    chooser = _ReplicaDeviceChooser(ps_tasks, ps_device, worker_device, merge_devices, ps_ops,
                                    ps_strategy)
    return chooser.device_function
