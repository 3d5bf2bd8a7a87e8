"""What the Horovod-style modules share: the reduction names and the job's communicator."""

from __future__ import annotations

import dlcore.distributed as _core

#: reduction ops, as Horovod names them
Average, Sum, Min, Max, Product = "average", "sum", "min", "max", "prod"
Adasum = "adasum"


def comm():
    """The communicator made by ``hvd.init()``; Horovod's error before it."""
    if not _core.is_initialized():
        raise ValueError("Horovod has not been initialized; use hvd.init().")
    return _core.communicator()


def how(average, op) -> str:
    """The reduction from Horovod's ``average=`` (deprecated) or ``op=`` arguments."""
    if average is not None:
        if op is not None:
            raise ValueError("hvd.allreduce: give either average= (deprecated) or op=, not both")
        return Average if average else Sum
    chosen = Average if op is None else op
    if chosen == Adasum:
        raise NotImplementedError("hvd.allreduce: Adasum is not supported; use hvd.Average")
    return _core.op_name(chosen)
