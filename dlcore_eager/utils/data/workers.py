"""``num_workers > 0``: batches loaded by worker *threads*, with PyTorch's DataLoader API.

PyTorch starts worker processes and sends every batch back through pickle; dlcore never
pickles, so its workers are threads of the calling process.  What a program sees is PyTorch's:

* ``worker_init_fn(worker_id)`` runs once in each worker before it loads anything;
* ``get_worker_info()`` inside a worker returns ``WorkerInfo(id, num_workers, seed, dataset)``
  (``None`` in the main thread); ``seed`` is ``base_seed + id``, with ``base_seed`` drawn from
  the loader's generator each epoch, as in PyTorch;
* each worker has its own default generator seeded with that ``seed`` before
  ``worker_init_fn`` (PyTorch's worker processes call ``torch.manual_seed(seed)``), and batch k
  goes to worker ``k % num_workers`` (PyTorch's round robin): random ops in ``__getitem__``
  draw what they draw in PyTorch, run after run, and leave the main stream alone;
* batches come out in sampler order; up to ``prefetch_factor * num_workers`` are loaded
  ahead; ``persistent_workers=True`` keeps the workers between epochs;
* an exception in a worker is re-raised in the main thread, naming the worker;
* an ``IterableDataset`` is iterated by each worker separately (shard it with
  ``get_worker_info()``), batches interleaved worker by worker.

The differences: workers share the process (a dataset's attributes changed in a worker are
seen by the others), and Python code in ``__getitem__`` runs under the GIL, so the gain is for
loading that releases it (file reads, NumPy, dlcore kernels).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import queue
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

_local = threading.local()


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its id, the number of workers, its seed and the dataset."""
    return getattr(_local, "info", None)


class _Setup:
    """What a worker thread's initializer reads: never the loader nor the pool (a thread holds
    its initializer for its whole life, so a reference to the loader kept a persistent
    loader, its pool and its idle threads alive for the life of the process)."""

    __slots__ = ("base_seed", "dataset", "num_workers", "worker_init_fn")

    def __init__(self, loader, base_seed: int) -> None:
        self.base_seed, self.dataset = base_seed, loader.dataset
        self.num_workers, self.worker_init_fn = loader.num_workers, loader.worker_init_fn


def _init_worker(setup: _Setup, wid: int) -> None:
    from ...creation import _THREAD, Generator
    seed = setup.base_seed + wid
    _local.info = WorkerInfo(wid, setup.num_workers, seed, setup.dataset)
    # PyTorch's worker loop: torch.manual_seed(base_seed + id) before worker_init_fn
    _THREAD.generator = Generator().manual_seed(seed)
    if setup.worker_init_fn is not None:
        setup.worker_init_fn(wid)


class WorkerPool:
    """``num_workers`` threads, each initialised once with its WorkerInfo.  Its threads end
    when it is shut down or collected (a persistent loader's pool: with its loader, as
    PyTorch's iterator's ``__del__`` shuts its workers down)."""

    def __init__(self, loader, base_seed: int) -> None:
        self.num_workers = loader.num_workers
        self._setup = _Setup(loader, base_seed)
        # one thread per worker: batch k goes to worker k % num_workers, as PyTorch's round
        # robin hands out indices, so what each worker draws from its generator is fixed
        self.pools = [ThreadPoolExecutor(max_workers=1,
                                         thread_name_prefix=f"dlcore-dataloader-{wid}",
                                         initializer=_init_worker, initargs=(self._setup, wid))
                      for wid in range(loader.num_workers)]

    @property
    def base_seed(self) -> int:
        return self._setup.base_seed

    def submit(self, k: int, fn, *args):
        """Run ``fn(*args)`` on worker ``k % num_workers``."""
        return self.pools[k % len(self.pools)].submit(fn, *args)

    def reseed(self, base_seed: int) -> None:
        self._setup.base_seed = base_seed

    def shutdown(self, wait: bool = True) -> None:
        for p in self.pools:
            p.shutdown(wait=wait, cancel_futures=True)

    def __del__(self) -> None:
        # (never waits: the last reference may go in a worker thread itself)
        for p in getattr(self, "pools", ()):
            p.shutdown(wait=False, cancel_futures=True)


def _wrap_error(e: BaseException) -> BaseException:
    info = get_worker_info()
    wid = info.id if info is not None else "?"
    try:
        err = type(e)(f"Caught {type(e).__name__} in DataLoader worker {wid}: {e}")
    except Exception:              # an exception type with another signature: re-raise as is
        return e
    return err


def _load(fetch, idx):
    try:
        return fetch(idx)
    except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
        raise _wrap_error(e) from e


def _timed_out(timeout: float) -> RuntimeError:
    return RuntimeError(f"DataLoader timed out after {timeout:g} seconds")


class MapBatches:
    """``fetch(idx)`` for each batch of indices, in order, ``prefetch`` in flight: an iterator
    object (not a generator), so that a batch whose loading raised is that batch's error only
    and the next ``next`` goes on with the next batch, as PyTorch's _MultiProcessingDataLoaderIter;
    a Ctrl-C while ``next`` waits for a batch leaves it for the next ``next`` (it was taken first
    and lost).  ``done()`` runs once when the batches are exhausted (the pool's shutdown)."""

    def __init__(self, pool: WorkerPool, batches, fetch, prefetch: int, done=None,
                 timeout: float = 0) -> None:
        self._pool, self._fetch, self._done, self._timeout = pool, fetch, done, timeout
        self._batches, self._broken = batches, False
        self._pending: deque = deque()
        self._it = enumerate(batches)
        for k, idx in itertools.islice(self._it, prefetch):
            self._pending.append(pool.submit(k, _load, fetch, idx))

    def __iter__(self):
        return self

    def __len__(self) -> int:       # (len(iter(loader)): the sampler's, as PyTorch's iterators)
        return len(self._batches)

    def _timed_out(self) -> RuntimeError:
        return _timed_out(self._timeout)

    def __next__(self):
        if self._broken:                # (after a timeout every next raises it again, as
            raise self._timed_out()     # PyTorch's, whose stuck batch is still awaited)
        if not self._pending:
            done, self._done = self._done, None
            if done is not None:
                done()
            raise StopIteration
        fut = self._pending[0]
        try:        # wait, taking nothing: a Ctrl-C here leaves the batch for the next next()
            fut.exception(timeout=self._timeout or None)
        except concurrent.futures.TimeoutError:
            self._broken = True
            self._pending.clear()
            if self._done is not None:      # (the stuck worker is not waited for)
                self._done = None
                self._pool.shutdown(wait=False)
            raise self._timed_out() from None
        self._pending.popleft()
        nxt = next(self._it, None)
        if nxt is not None:
            self._pending.append(self._pool.submit(nxt[0], _load, self._fetch, nxt[1]))
        return fut.result()

    def __del__(self) -> None:
        done, self._done = getattr(self, "_done", None), None
        if done is not None:
            done()


_DONE = object()


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    """``q.put(item)``, waiting while the queue is full unless ``stop`` is set (False then)."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _produce(make_batches, q: queue.Queue, stop: threading.Event) -> None:
    """A worker's part of ``IterableBatches``: its own batches into ``q``, then ``_DONE``
    (after an error too: the error, then ``_DONE``, as PyTorch's worker whose dataset iterator
    raised and then reports its end); every put gives up once ``stop`` is set."""
    try:
        for b in make_batches():
            if not _put(q, b, stop):
                return
    except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
        if not _put(q, _wrap_error(e), stop):
            return
    _put(q, _DONE, stop)


class IterableBatches:
    """An ``IterableDataset``'s batches with workers: each worker runs ``make_batches()`` (its
    own iterator over the dataset) into its queue; batches are taken worker by worker, round
    robin, until all are exhausted.  An iterator object (not a generator), as PyTorch's: a
    worker's error is that ``next``'s and the next one goes on with the other workers' batches,
    and a Ctrl-C while ``next`` waits takes nothing (a generator ended at either, the rest of
    the epoch silently lost).  ``done()`` runs once at the end (the pool's shutdown)."""

    def __init__(self, pool: WorkerPool, make_batches, prefetch: int, done=None,
                 timeout: float = 0) -> None:
        self._pool, self._make, self._prefetch = pool, make_batches, prefetch
        self._timeout = timeout
        self._done = done
        self._start()

    def _start(self) -> None:
        n = self._pool.num_workers
        self._broken = False
        self._queues: list[queue.Queue] = [queue.Queue(maxsize=max(1, self._prefetch))
                                           for _ in range(n)]
        self._stop = threading.Event()
        self._live = list(range(n))
        self._turn: list = list(self._live)         # this round's workers, in order
        self._k = 0                                 # the next of them to take from
        self._futures = [self._pool.submit(w, _produce, self._make, q, self._stop)
                         for w, q in enumerate(self._queues)]

    def reset(self) -> None:
        """A new epoch on this iterator (persistent workers: PyTorch's ``_reset``, which
        ``iter(loader)`` calls on its one iterator): the producers of the epoch under way stop
        (each worker's next producer runs after its old one), the new ones start."""
        self._stop.set()
        self._drain()
        self._start()

    def _drain(self) -> None:
        for q in self._queues:
            try:
                while True:
                    q.get_nowait()
            except queue.Empty:
                pass

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._broken:            # (as MapBatches: every later next raises it again)
                raise _timed_out(self._timeout)
            if self._k >= len(self._turn):
                if not self._live:
                    self._finish()
                    raise StopIteration
                self._turn, self._k = list(self._live), 0
            w = self._turn[self._k]
            try:                                    # (a Ctrl-C while waiting: nothing taken)
                item = self._queues[w].get(timeout=self._timeout or None)
            except queue.Empty:
                self._broken = True
                self._finish(wait=False)            # (the stuck worker is not waited for)
                raise _timed_out(self._timeout) from None
            self._k += 1
            if item is _DONE:
                self._live.remove(w)
                continue
            if isinstance(item, BaseException):
                raise item
            return item

    def _finish(self, wait: bool = True) -> None:
        """Stop the producers (unblocking any waiting on a full queue), then ``done()`` (the
        pool's shutdown; without waiting for the workers unless ``wait``)."""
        self._stop.set()
        self._drain()
        done, self._done = self._done, None
        if done is not None:
            done(wait=wait)

    def __del__(self) -> None:
        if getattr(self, "_queues", None) is not None:
            self._finish(wait=False)    # (never waits: the producers end by themselves)
