"""``DataLoader``: mini-batches from a dataset (``batch_size=1``, ``shuffle=False``,
``drop_last=False``, ``collate_fn=default_collate``, ``generator=`` for reproducible shuffling).
``num_workers=0`` loads in the calling thread; ``num_workers > 0`` uses worker threads with
PyTorch's API (``worker_init_fn``, ``get_worker_info``, ``prefetch_factor``,
``persistent_workers``; see workers.py for why threads, not processes).  An unknown keyword
argument is a TypeError, as in PyTorch."""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from ...tensor import Tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from . import workers as W


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
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, float):                    # PyTorch: Python floats -> float64
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, int):                      # and ints -> int64
        return tensor(batch, dtype=np.int64)
    if isinstance(elem, (numbers.Number, np.generic)):
        return tensor(np.asarray(batch))
    if isinstance(elem, (str, bytes)):
        return batch                               # (PyTorch: the strings as they come)
    if isinstance(elem, dict):
        return {k: default_collate([b[k] for b in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):        # a namedtuple
        return type(elem)(*(default_collate(f) for f in zip(*batch)))
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # PyTorch: a list for samples that are tuples (so (x, y) samples give [X, Y]), the
        # samples' own list type otherwise
        return [default_collate(f) for f in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(elem).__name__}")


class DataLoader:
    """Iterate over a dataset in mini-batches."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers > 0 else \
            prefetch_factor
        self.persistent_workers = persistent_workers
        self.worker_init_fn = worker_init_fn
        self.pin_memory, self.timeout = pin_memory, timeout
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
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
        self.batch_size = batch_size
        self.drop_last = drop_last
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)
        self.sampler = sampler
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None
        # without auto-batching (batch_size=None, no batch_sampler) each sample goes through
        # collate_fn, default_convert by default (NumPy arrays to tensors), as PyTorch's
        self._auto_collation = batch_sampler is not None or (self._iterable and
                                                             batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)
        self._pool: W.WorkerPool | None = None
        self._live: W.IterableBatches | None = None     # persistent workers' one iterator

    # ---------------------------------------------------------------- iteration
    def __iter__(self):
        from ...creation import _engine
        # PyTorch draws the workers' base seed (empty((), int64).random_(generator)) when the
        # iterator is made, whatever num_workers: the stream then matches PyTorch's
        base_seed = int(_engine(self.generator).random_full(1, np.int64)[0])
        if self.num_workers == 0:
            if self._iterable:
                return self._stream_batches()
            # (an iterator object, not a generator: an error loading one batch is that
            # batch's, the next next() goes on, as PyTorch's _SingleProcessDataLoaderIter)
            if self.batch_sampler is None:
                return _Steps(self.sampler, self._fetch_one)
            return _Steps(self.batch_sampler, self._fetch)
        return self._threaded(base_seed)

    def _fetch_one(self, index):
        return self.collate_fn(self.dataset[index])

    def _fetch(self, idx):
        if self._default_collate and type(self.dataset) is TensorDataset:
            return self._gather(idx)
        return self.collate_fn([self.dataset[i] for i in idx])

    def _stream_batches(self):
        """Batches of an IterableDataset (samples grouped by batch_size, then collated)."""
        it = iter(self.dataset)
        if self.batch_size is None:
            for sample in it:
                yield self.collate_fn(sample)
            return
        while True:
            chunk = list(itertools.islice(it, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield self.collate_fn(chunk)

    def _threaded(self, base_seed: int):
        pool = self._pool
        if pool is None:
            pool = W.WorkerPool(self, base_seed)
            if self.persistent_workers:
                self._pool = pool
        else:
            pool.reseed(base_seed)
        factor = self.prefetch_factor
        assert factor is not None                   # (2 by default when num_workers > 0)
        if not isinstance(factor, int):             # (PyTorch: range(factor * num_workers))
            raise TypeError(f"'{type(factor).__name__}' object cannot be interpreted as an "
                            f"integer")
        if factor <= 0:     # (PyTorch's words, when the iterator is made: an AssertionError)
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        if not self._iterable:                      # (map-style: an iterator that goes on
            done = None if self.persistent_workers else pool.shutdown   # after an error)
            if self.batch_sampler is None:
                return W.MapBatches(pool, self.sampler, self._fetch_one,
                                    factor * self.num_workers, done, self.timeout)
            return W.MapBatches(pool, self.batch_sampler, self._fetch,
                                factor * self.num_workers, done, self.timeout)
        if not self.persistent_workers:
            return W.IterableBatches(pool, self._stream_batches, factor, pool.shutdown,
                                     self.timeout)
        # persistent workers: one iterator, reset by each iter(loader) (PyTorch's); a second
        # iterator would wait for ever behind the first one's producers on the same workers
        live = self._live
        if live is None:
            live = self._live = W.IterableBatches(pool, self._stream_batches, factor, None,
                                                  self.timeout)
        else:
            live.reset()
        return live

    def _gather(self, idx: list):
        """A TensorDataset batch in one gather per tensor (the same values as stacking, in new
        memory, like PyTorch's collate)."""
        key = np.asarray(idx, dtype=np.int64)
        try:
            return [t[key] for t in self.dataset.tensors]    # (a list, as default_collate)
        except NotImplementedError:       # a device without a gather kernel: stack samples
            return self.collate_fn([self.dataset[i] for i in idx])

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)        # TypeError when the stream has no length, as PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)


def default_convert(data):
    """NumPy arrays and scalars inside ``data`` become tensors (no batching): what a
    DataLoader with ``batch_size=None`` applies to each sample (PyTorch's rules: tuples become
    lists, mappings and other sequences keep their type, string arrays stay)."""
    import collections.abc
    import copy

    import numpy as np

    from ...creation import as_tensor
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if isinstance(data, np.ndarray) and data.dtype.kind in "SaUO":
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                seq = copy.copy(data)
                for i, d in enumerate(data):
                    seq[i] = default_convert(d)
                return seq
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


class _Steps:
    """``load(next(indices))`` per ``next``: an error loading one batch does not end the
    iteration (PyTorch's loader iterators are objects, not generators)."""

    def __init__(self, sampler, load) -> None:
        self._sampler, self._indices, self._load = sampler, iter(sampler), load

    def __iter__(self):
        return self

    def __len__(self) -> int:       # (len(iter(loader)): the sampler's, as PyTorch's iterators)
        return len(self._sampler)

    def __next__(self):
        return self._load(next(self._indices))
