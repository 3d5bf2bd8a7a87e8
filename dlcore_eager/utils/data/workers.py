"""``num_workers > 0``: batches loaded by worker *threads*, with PyTorch's DataLoader API.

PyTorch starts worker processes and sends every batch back through pickle; dlcore never
pickles, so its workers are threads of the calling process.  What a program sees is PyTorch's:

* ``worker_init_fn(worker_id)`` runs once in each worker before it loads anything;
* ``get_worker_info()`` inside a worker returns ``WorkerInfo(id, num_workers, seed, dataset)``
  (``None`` in the main thread); ``seed`` is ``base_seed + id``, with ``base_seed`` drawn from
  the loader's generator each epoch, as in PyTorch;
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


class WorkerPool:
    """``num_workers`` threads, each initialised once with its WorkerInfo."""

    def __init__(self, loader, base_seed: int) -> None:
        self.loader = loader
        self.base_seed = base_seed
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=loader.num_workers,
                                       thread_name_prefix="dlcore-dataloader",
                                       initializer=self._init)

    def _init(self) -> None:
        with self._lock:
            wid = next(self._ids)
        loader = self.loader
        _local.info = WorkerInfo(wid, loader.num_workers, self.base_seed + wid, loader.dataset)
        if loader.worker_init_fn is not None:
            loader.worker_init_fn(wid)

    def reseed(self, base_seed: int) -> None:
        self.base_seed = base_seed

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


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


def map_batches(pool: WorkerPool, batches, fetch, prefetch: int):
    """Yield ``fetch(idx)`` for each batch of indices, in order, ``prefetch`` in flight."""
    pending: deque = deque()
    it = iter(batches)
    for idx in itertools.islice(it, prefetch):
        pending.append(pool.pool.submit(_load, fetch, idx))
    while pending:
        fut = pending.popleft()
        result = fut.result()
        nxt = next(it, None)
        if nxt is not None:
            pending.append(pool.pool.submit(_load, fetch, nxt))
        yield result


_DONE = object()


def iterable_batches(pool: WorkerPool, make_batches, prefetch: int):
    """Each worker runs ``make_batches()`` (its own iterator over the dataset) into its queue;
    batches are taken worker by worker, round robin, until all are exhausted."""
    n = pool.loader.num_workers
    queues: list[queue.Queue] = [queue.Queue(maxsize=max(1, prefetch)) for _ in range(n)]
    stop = threading.Event()

    def run(q):
        try:
            for b in make_batches():
                while not stop.is_set():
                    try:
                        q.put(b, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as e:  # noqa: BLE001
            q.put(_wrap_error(e))

    futures = [pool.pool.submit(run, q) for q in queues]
    live = list(range(n))
    try:
        while live:
            for w in list(live):
                item = queues[w].get()
                if item is _DONE:
                    live.remove(w)
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
    finally:
        stop.set()
        for q in queues:              # unblock producers waiting on a full queue
            try:
                while True:
                    q.get_nowait()
            except queue.Empty:
                pass
        for f in futures:
            f.result() if f.done() else None
