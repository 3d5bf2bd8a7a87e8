"""``dlcore_eager.utils.data``: ``Dataset``, ``TensorDataset``, ``DataLoader`` and (in
``distributed``) ``DistributedSampler``.

A ``DataLoader`` turns a dataset into mini-batches: a *sampler* yields indices (in order, or
shuffled by a seeded ``Generator``), a *batch sampler* groups them (``batch_size``,
``drop_last``) and ``collate_fn`` stacks the samples into batched tensors.  For a
``TensorDataset`` with the default collate, a batch is gathered in one indexing operation
instead of stacking samples one by one (same result, much less Python work).
"""

from .dataloader import DataLoader, default_collate, default_convert
from .distributed import DistributedSampler
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset,
                      Subset, TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)
from .workers import WorkerInfo, get_worker_info

__all__ = [
           "StackDataset",
           "default_convert",
           "BatchSampler",
           "ChainDataset",
           "ConcatDataset",
           "IterableDataset",
           "SubsetRandomSampler",
           "WeightedRandomSampler",
           "WorkerInfo",
           "get_worker_info",
           "DataLoader",
           "DistributedSampler",
           "Dataset",
           "RandomSampler",
           "Sampler",
           "SequentialSampler",
           "Subset",
           "TensorDataset",
           "default_collate",
           "random_split",
]
