"""``dlcore_eager.nn.parallel``: ``DistributedDataParallel`` (data parallelism across processes,
on ``dlcore_eager.distributed``) and ``DataParallel`` (one process, one device)."""

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
