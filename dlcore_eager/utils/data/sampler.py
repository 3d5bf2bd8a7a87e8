"""Samplers: which indices, in which order.  ``RandomSampler`` draws a fresh permutation each
epoch from its ``generator`` (or the default one), so ``manual_seed`` makes shuffling
reproducible."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..._host import host as _host


class Sampler:
    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    def __init__(self, data_source, replacement: bool = False, num_samples=None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):      # (PyTorch's checks, in its order)
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        n = self.num_samples
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={n}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        """PyTorch's draws: without a generator, a seed from the default one
        (``empty((), int64).random_()``) seeds a fresh Generator; then ``randperm(n)`` per pass
        over the data (or ``randint(n)`` in chunks of 32 with replacement)."""
        from ...creation import Generator, _engine, randint, randperm
        n = len(self.data_source)
        gen = self.generator
        if gen is None:
            gen = Generator().manual_seed(int(_engine(None).random_full(1, np.int64)[0]))
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from randint(0, n, (32,), generator=gen).tolist()
            yield from randint(0, n, (self.num_samples % 32,), generator=gen).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=gen).tolist()
            yield from randperm(n, generator=gen).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self):
        from ...creation import _rng
        perm = _rng(self.generator).permutation(len(self.indices))
        return iter([self.indices[i] for i in perm.tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or \
                num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(_host(weights), dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        # (negative, NaN or all-zero weights: multinomial's RuntimeError when iterated, as
        # PyTorch's sampler, which checks nothing more here)
        self.weights = w
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self):
        """``multinomial(weights (float64), num_samples, replacement)``, as PyTorch."""
        from ..._extra_ops import multinomial
        from ...creation import tensor
        idx = multinomial(tensor(self.weights), self.num_samples, self.replacement,
                          generator=self.generator)
        yield from idx.tolist()

    def __len__(self) -> int:
        return self.num_samples
