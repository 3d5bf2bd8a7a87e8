"""``dlcore_eager.nn.parallel``: ``DistributedDataParallel`` (data parallelism across processes,
on ``dlcore_eager.distributed``)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
