"""``DataLoader``: mini-batches from a dataset (``batch_size=1``, ``shuffle=False``,
``drop_last=False``, ``collate_fn=default_collate``, ``generator=`` for reproducible shuffling).
Work happens in the calling process (``num_workers`` is accepted and ignored)."""

from __future__ import annotations

import numbers

import numpy as np

from ...tensor import Tensor
from .dataset import TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stack a list of samples: tensors -> one tensor, numbers -> a tensor, tuples/dicts ->
    the same structure of collated fields."""
    from ..._shape_ops import stack
    from ...creation import tensor
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        return tensor(np.stack(batch))
    if isinstance(elem, (numbers.Number, np.generic)):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        out = [default_collate(list(f)) for f in zip(*batch)]
        return tuple(out) if isinstance(elem, tuple) else out
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(elem).__name__}")


class DataLoader:
    """Iterate over a dataset in mini-batches."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, generator=None, **kwargs) -> None:
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.generator = generator
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)
        self.sampler = sampler
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None
        self.collate_fn = collate_fn or default_collate

    def __iter__(self):
        if self.batch_sampler is None:
            for i in self.sampler:
                yield self.dataset[i]
            return
        fast = self._default_collate and type(self.dataset) is TensorDataset
        for idx in self.batch_sampler:
            if fast:
                yield self._gather(idx)
            else:
                yield self.collate_fn([self.dataset[i] for i in idx])

    def _gather(self, idx: list):
        """A TensorDataset batch in one gather per tensor (the same values as stacking, in new
        memory, like PyTorch's collate)."""
        key = np.asarray(idx, dtype=np.int64)
        try:
            return tuple(t[key] for t in self.dataset.tensors)
        except NotImplementedError:       # a device without a gather kernel: stack samples
            return self.collate_fn([self.dataset[i] for i in idx])

    def __len__(self) -> int:
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)
