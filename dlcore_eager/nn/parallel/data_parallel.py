"""``nn.DataParallel``: single-process data parallelism, as PyTorch runs it where dlcore runs.

Without a CUDA device (PyTorch's CPU case) the wrapper only holds the module: ``forward`` calls
it, and ``state_dict`` keys gain the ``module.`` prefix, as in PyTorch.  With a CUDA device the
module moves to ``cuda:0`` at construction and the tensor inputs (inside tuples, lists and
dicts too) move there at each call, PyTorch's one-device path; several device ids would need
replicas on several GPUs, which dlcore does not do (DistributedDataParallel spans processes).
"""

from __future__ import annotations

from ...tensor import Tensor
from ..module import Module


def _index(d) -> int:
    """A device id as an int: 0, 'cuda:0' or a device object."""
    if isinstance(d, int):
        return d
    from dlcore.device import as_device
    return as_device(d).index or 0


def _to(obj, device):
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, tuple):
        return tuple(_to(o, device) for o in obj)
    if isinstance(obj, list):
        return [_to(o, device) for o in obj]
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


class DataParallel(Module):
    """Wraps ``module``; ``forward`` runs it on the one device (see the module docstring)."""

    def __init__(self, module: Module, device_ids=None, output_device=None,
                 dim: int = 0) -> None:
        from ... import cuda
        super().__init__()
        if not cuda.is_available():
            self.module = module
            self.device_ids: list = []
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        ids = [_index(d) for d in device_ids]
        if len(ids) > 1:
            raise NotImplementedError(f"DataParallel over devices {ids}: dlcore runs one GPU "
                                      f"per process (use DistributedDataParallel)")
        self.dim = dim
        self.module = module
        self.device_ids = ids
        self.output_device = ids[0] if output_device is None else _index(output_device)
        from dlcore.device import as_device
        self.src_device_obj = as_device(f"cuda:{ids[0]}")
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in (*self.module.parameters(), *self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(f"module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of "
                                   f"them on device: {t.device}")
        return self.module(*_to(inputs, self.src_device_obj),
                           **_to(kwargs, self.src_device_obj))
