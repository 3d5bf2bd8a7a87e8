"""``DistributedSampler``: each rank's share of a dataset, the same index lists as PyTorch's.

For ``num_replicas`` ranks each rank draws ``num_samples = ceil(len / num_replicas)`` indices
(``ceil((len - num_replicas) / num_replicas)`` with ``drop_last`` when the length does not
divide), from one list that every rank builds identically:

1. the indices ``0..len-1``, shuffled (``shuffle=True``) by a permutation seeded with
   ``seed + epoch``; ``set_epoch(e)`` before each epoch gives a new order per epoch, the same on
   every rank;
2. padded to ``num_samples * num_replicas`` by repeating its start (or cut to that length with
   ``drop_last``);
3. rank ``r`` takes every ``num_replicas``-th index from position ``r``.

So the ranks' shares are disjoint (up to the padding) and together cover the dataset.  The
permutation is PyTorch's own: ``torch.randperm(n, generator=torch.Generator().manual_seed(s))``
is a Fisher-Yates shuffle driven by the 32-bit outputs of a Mersenne Twister (MT19937) seeded
with ``s`` (its low 32 bits); NumPy's ``MT19937`` with its legacy seeding yields the same stream,
so a program that switches between dlcore_eager and PyTorch sees every rank read the same
samples in the same order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .sampler import Sampler


def torch_randperm(n: int, seed: int) -> np.ndarray:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` as int64 NumPy."""
    if n >= 2 ** 32 // 20:                         # PyTorch switches algorithm there
        raise ValueError(f"DistributedSampler: datasets of {n} samples or more are not "
                         "supported (PyTorch draws those permutations differently)")
    mt = np.random.MT19937(0)
    mt._legacy_seeding(int(seed) & 0xFFFFFFFF)
    out = np.arange(n, dtype=np.int64)
    if n < 2:
        return out
    draws = mt.random_raw(n - 1).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)
    _swap_forward(out, draws)
    return out


def _swap_forward(out: np.ndarray, draws: np.ndarray) -> None:
    """``for i: swap(out[i], out[i + draws[i]])`` (a sequential loop: each swap reads the last);
    long lists in a Numba function compiled on first use (and cached on disk)."""
    if out.size <= 4096:
        _swap_loop(out, draws)
        return
    if not _COMPILED:
        from numba import njit
        _COMPILED.append(njit(cache=True)(_swap_loop))
    _COMPILED[0](out, draws)


_COMPILED: list = []


def _swap_loop(out, draws) -> None:
    for i in range(draws.shape[0]):
        j = i + draws[i]
        t = out[i]
        out[i] = out[j]
        out[j] = t


class DistributedSampler(Sampler):
    """See the module docstring.  ``num_replicas`` and ``rank`` default to the process group's."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, as an int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            idx = torch_randperm(n, self.seed + self.epoch)
        else:
            idx = np.arange(n, dtype=np.int64)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                if pad <= n:
                    idx = np.concatenate([idx, idx[:pad]])
                else:
                    idx = np.concatenate([idx, np.tile(idx, math.ceil(pad / n))[:pad]])
        else:
            idx = idx[:self.total_size]
        if idx.size != self.total_size:
            raise AssertionError(f"DistributedSampler: {idx.size} indices, expected "
                                 f"{self.total_size}")
        return idx[self.rank:self.total_size:self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use a new shuffle for ``epoch`` (the same on every rank); call before each epoch."""
        self.epoch = epoch
