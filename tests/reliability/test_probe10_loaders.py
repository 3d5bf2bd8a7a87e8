"""Reliability probe 10, eager DataLoader with worker threads: Ctrl-C and errors mid-epoch.

Found (both in ``dlcore_eager/utils/data/workers.py``, fixed by reliab):

* map-style, ``num_workers > 0``: ``next(it)`` took the batch's future off its queue and then
  waited for it, so a Ctrl-C while it waited (the common moment: a slow ``__getitem__``) lost
  that batch: the loop resumed after it, the epoch one batch short.  PyTorch's
  ``_MultiProcessingDataLoaderIter`` takes a batch only once it arrived: the next ``next``
  returns it.  (silent wrong)
* ``IterableDataset`` with workers: the iterator was a generator, so an error from one worker's
  dataset, or a Ctrl-C while waiting, ended it: the next ``next`` raised StopIteration, the
  other workers' batches silently dropped.  PyTorch's iterator is an object: after worker 0's
  error the next ``next`` gives worker 1's batches (compared with torch 2.13 below).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import pytest
import torch

import dlcore_eager as dl

JOIN_S = 30


def _real_sigint_after(seconds: float) -> threading.Timer:
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("a real SIGINT reaches the main thread's default handler only")
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_while_next_waits_for_a_worker_batch_loses_nothing():
    release = threading.Event()

    class Slow(dl.utils.data.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 2:
                release.wait(JOIN_S)
            return dl.tensor([float(i)])

    it = iter(dl.utils.data.DataLoader(Slow(), batch_size=2, num_workers=2))
    got = [next(it).numpy().ravel().tolist()]
    timer = _real_sigint_after(0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            next(it)                        # waits for the batch [2, 3]
    finally:
        timer.join()
        release.set()
    got += [b.numpy().ravel().tolist() for b in it]
    assert got == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]


def _stream(lib, bad=None):
    class S(lib.utils.data.IterableDataset):
        def __iter__(self):
            w = lib.utils.data.get_worker_info()
            k, n = (0, 1) if w is None else (w.id, w.num_workers)
            for i in range(k, 12, n):
                if i == bad:
                    raise ValueError(f"bad item {i}")
                yield i
    return S()


@pytest.mark.parametrize("workers", [0, 2])
def test_an_iterable_datasets_worker_error_is_that_next_only_as_torch(workers):
    def run(lib):
        it = iter(lib.utils.data.DataLoader(_stream(lib, bad=4), batch_size=2,
                                            num_workers=workers))
        out: list = []
        for _ in range(12):
            try:
                out.append(next(it).tolist())
            except StopIteration:
                out.append("end")
                break
            except ValueError as e:
                assert "bad item 4" in str(e)
                out.append("error")
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run(torch)
    assert want == ([[0, 1], [2, 3], "error", "end"] if workers == 0 else
                    [[0, 2], [1, 3], "error", [5, 7], [9, 11], "end"])
    assert run(dl) == want


def test_ctrl_c_while_an_iterable_loader_waits_loses_nothing():
    release = threading.Event()

    class S(dl.utils.data.IterableDataset):
        def __iter__(self):
            w = dl.utils.data.get_worker_info()
            for i in range(w.id, 8, w.num_workers):
                if i == 2:
                    release.wait(JOIN_S)
                yield i

    it = iter(dl.utils.data.DataLoader(S(), batch_size=1, num_workers=2))
    got = [next(it).tolist(), next(it).tolist()]        # [0] from worker 0, [1] from worker 1
    timer = _real_sigint_after(0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            next(it)                        # worker 0's [2]: waits
    finally:
        timer.join()
        release.set()
    got += [b.tolist() for b in it]
    assert got == [[i] for i in range(8)]


def test_an_abandoned_iterable_loader_iterator_stops_its_producers():
    before = set(threading.enumerate())

    def live():
        return [t.name for t in threading.enumerate()
                if t.name.startswith("dlcore-dataloader") and t not in before]

    it = iter(dl.utils.data.DataLoader(_stream(dl), batch_size=1, num_workers=2,
                                       prefetch_factor=1))
    assert next(it).tolist() == [0]
    del it
    deadline = time.monotonic() + 5
    while live() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live() == []


def test_an_iterable_loaders_timeout_is_honoured_as_torch():
    """``DataLoader(iterable, num_workers=2, timeout=0.5)`` with a worker stuck: PyTorch
    raises 'DataLoader timed out after 0.5 seconds'; dlcore ignored ``timeout`` for an
    IterableDataset and waited as long as the worker took."""
    def run(lib, stall):
        class S(lib.utils.data.IterableDataset):
            def __iter__(self):
                w = lib.utils.data.get_worker_info()
                for i in range(w.id, 8, w.num_workers):
                    if i == 3:
                        stall()
                    yield i

        it = iter(lib.utils.data.DataLoader(S(), batch_size=1, num_workers=2, timeout=0.5))
        out: list = []
        for _ in range(6):
            try:
                out.append(next(it).tolist())
            except RuntimeError as e:
                out.append(str(e))
                break
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run(torch, lambda: time.sleep(2.0))
    release = threading.Event()
    try:
        got = run(dl, lambda: release.wait(JOIN_S))
    finally:
        release.set()
    assert want == [[0], [1], [2], "DataLoader timed out after 0.5 seconds"]
    assert got == want


SAMPLER_CASES = {
    "random_replacement_str": lambda L: L.utils.data.RandomSampler(range(3), replacement="yes"),
    "random_num_samples_0": lambda L: L.utils.data.RandomSampler(range(3), num_samples=0),
    "random_empty_source": lambda L: L.utils.data.RandomSampler([]),
    "batch_drop_last_int": lambda L: L.utils.data.BatchSampler(range(3), 2, 1),
    "loader_prefetch_negative": lambda L: L.utils.data.DataLoader(L.arange(5.), num_workers=1,
                                                                  prefetch_factor=-1),
    "weighted_2d": lambda L: L.utils.data.WeightedRandomSampler([[1.0, 2.0]], 2),
    "weighted_all_zero": lambda L: list(L.utils.data.WeightedRandomSampler([0.0, 0.0], 2)),
    "weighted_zero_no_replacement": lambda L: list(L.utils.data.WeightedRandomSampler(
        [1.0, 0.0], 2, replacement=False)),
}


@pytest.mark.parametrize("case", sorted(SAMPLER_CASES))
def test_sampler_and_loader_arguments_checked_as_torch(case):
    """Samplers took what PyTorch refuses (RandomSampler(replacement='yes'), num_samples=0,
    BatchSampler(drop_last=1), DataLoader(prefetch_factor=-1)) and refused at construction
    what PyTorch takes (WeightedRandomSampler weights checked up front: ValueError, or
    RuntimeError 'cannot sample n_sample > ...' for [1, 0] without replacement, which torch
    2.13 samples as [0, 1])."""
    def outcome(lib):
        try:
            r = SAMPLER_CASES[case](lib)
            return ("ok", r if isinstance(r, list) else None)
        except Exception as e:           # noqa: BLE001 - compared with torch's
            return (type(e).__name__, str(e))

    assert outcome(dl) == outcome(torch)


def test_weighted_sampler_of_negative_weights_raises_when_iterated_as_torch():
    s = dl.utils.data.WeightedRandomSampler([-1.0, 1.0], 2)     # (torch takes it here too)
    with pytest.raises(RuntimeError, match="probability"):
        list(s)
