"""Reliability probe 7, threads (helper-R7).

Found by this probe:

* Threads that reached a Session plan's tiering switch (``compiler.runner.TieredPlan``: a plan
  is optimised on its second run) together each ran the passes and the Numba compilation of the
  same plan (6 threads: 5 ``optimize`` calls).  Now one thread optimises and the others keep
  interpreting until it is done.
* The global torch generator shared by threads (as PyTorch shares it) was not atomic per op: a
  ``randn(40)`` (its bulk uniforms, then the redrawn last 16) could be split by another
  thread's draw, and two ``randn(5)`` calls could both take the one cached normal.  PyTorch
  holds the generator's mutex for a whole op: threads get the runs one thread would get.

Kept as regression tests (passed when probed): eager backward in threads into shared leaves
accumulates every gradient; ``no_grad`` in one thread leaves the others recording.
"""

from __future__ import annotations

import copy
import threading

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf
from dlcore_static import compiler

TIMEOUT = 60


def _loop_graph():
    x = tf.placeholder(tf.float64, (2, 3))
    n = tf.placeholder(tf.int32, ())
    w = tf.Variable(np.eye(3) * 0.5)
    _, h = tf.while_loop(lambda i, h: i < n,
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))), [tf.constant(0), x])
    loss = tf.reduce_sum(h ** 2)
    return x, n, w, [loss, tf.gradients(loss, [w])[0]]


@pytest.mark.parametrize("passes", [None, "all"])
def test_threads_at_the_tiering_switch_optimise_the_plan_once(monkeypatch, passes):
    monkeypatch.delenv("DLCORE_OPTIMIZE_AFTER", raising=False)
    entered, release = threading.Event(), threading.Event()
    calls = []
    real = compiler.optimize

    def slow_first_optimize(*args, **kwargs):
        calls.append(threading.get_ident())
        if len(calls) == 1:           # thread A optimises until thread B has run past the switch
            entered.set()
            release.wait(TIMEOUT)
        return real(*args, **kwargs)

    monkeypatch.setattr(compiler, "optimize", slow_first_optimize)
    with tf.Graph().as_default():
        x, n, w, fetches = _loop_graph()
        feed = {x: np.arange(6.0).reshape(2, 3) / 6, n: 3}
        with tf.Session(passes=passes) as ref:
            ref.run(w.initializer)
            want = ref.run(fetches, feed)             # (a plan run once: never optimised)
        calls.clear()
        sess = tf.Session(passes=passes)
        sess.run(w.initializer)
        got, errors = {}, []

        def run(name, times):
            try:
                got[name] = [sess.run(fetches, feed) for _ in range(times)]
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                release.set()

        a = threading.Thread(target=run, args=("a", 3))
        a.start()
        assert entered.wait(TIMEOUT)                   # A is optimising on its second run
        run("b", 3)                                    # B: past the switch, interpreted
        a.join(TIMEOUT)
        assert not errors and len(calls) == 1
        for name in "ab":
            for v in got[name]:
                np.testing.assert_allclose(v[0], want[0], rtol=1e-13)
                np.testing.assert_allclose(v[1], want[1], rtol=1e-13)
        assert sess.plan(fetches, feed).compiled_run is not None or passes is None


def _draw_in_threads(fn, threads=4, each=60):
    dl.manual_seed(123)
    out, errors = [], []
    start = threading.Barrier(threads)

    def work():
        start.wait(TIMEOUT)
        try:
            for _ in range(each):
                out.append(tuple(fn().reshape(-1).tolist()))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(TIMEOUT)
    assert not errors
    return out


@pytest.mark.parametrize("draw", [lambda: dl.randn(5), lambda: dl.randn(40),
                                  lambda: dl.empty(3, dtype=dl.float64).normal_(),
                                  lambda: dl.randperm(7)],
                         ids=["randn5", "randn40", "normal_", "randperm"])
def test_threads_sharing_the_global_generator_get_whole_runs_of_its_stream(draw):
    got = _draw_in_threads(draw)
    dl.manual_seed(123)
    alone = [tuple(draw().reshape(-1).tolist()) for _ in range(len(got))]
    assert sorted(got) == sorted(alone)


def test_a_deep_copied_generator_draws_the_same_stream_on_its_own():
    g = dl.Generator().manual_seed(3)
    dl.randn(3, generator=g)
    h = copy.deepcopy(g)
    assert dl.randn(4, generator=g).tolist() == dl.randn(4, generator=h).tolist()
    assert dl.randn(4, generator=g).tolist() == dl.randn(4, generator=h).tolist()


def test_backward_in_threads_into_shared_leaves_accumulates_every_gradient():
    w = dl.ones(3, 4, requires_grad=True)
    lin = dl.nn.Linear(4, 2)
    start = threading.Barrier(4)
    errors, no_grad_leaks = [], []

    def work(k):
        start.wait(TIMEOUT)
        try:
            for j in range(10):
                x = dl.full((2, 3), float(k + 1))
                if j % 3 == 0:
                    with dl.no_grad():
                        no_grad_leaks.append((x @ w).requires_grad)
                (lin(x @ w).tanh() ** 2).sum().backward()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(TIMEOUT)
    assert not errors and not any(no_grad_leaks) and dl.is_grad_enabled()
    w2 = dl.ones(3, 4, requires_grad=True)
    lin2 = dl.nn.Linear(4, 2)
    lin2.load_state_dict(lin.state_dict())
    for k in range(4):
        for _ in range(10):
            (lin2(dl.full((2, 3), float(k + 1)) @ w2).tanh() ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(lin.weight.grad.numpy(), lin2.weight.grad.numpy(), rtol=1e-5)


class _Noisy(dl.utils.data.Dataset):
    """A dataset whose items draw from the default generator (random augmentation)."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return self.lib.rand(2) + i


def test_dataloader_workers_draw_their_own_seeded_streams_as_pytorch_workers():
    """PyTorch's worker w runs torch.manual_seed(base_seed + w) in its own process and gets
    batches w, w + n, ...: found drawing from the shared main stream in whatever thread was
    free (not reproducible from run to run, and advancing the main stream)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    base = int(torch.empty((), dtype=torch.int64).random_().item())
    gens = [torch.Generator().manual_seed(base + w) for w in range(2)]
    want = [torch.stack([torch.rand(2, generator=gens[k % 2]) + i for i in range(2 * k, 2 * k + 2)])
            for k in range(5)]
    main_after = torch.rand(3)
    seeds = []
    for _ in range(2):                    # the same values run after run
        dl.manual_seed(0)
        loader = dl.utils.data.DataLoader(
            _Noisy(dl), batch_size=2, num_workers=2,
            worker_init_fn=lambda w: seeds.append((w, dl.initial_seed())))
        got = list(loader)
        assert [b.tolist() for b in got] == [b.tolist() for b in want]
        assert dl.rand(3).tolist() == main_after.tolist()
    assert sorted(set(seeds)) == [(0, base), (1, base + 1)]


def test_get_rng_state_in_a_dataloader_worker_is_that_workers_generator():
    """In PyTorch's worker w, torch.get_rng_state() is its own global generator's state (seeded
    base_seed + w): found returning the main generator's while manual_seed/initial_seed and the
    draws used the worker's."""
    states = {}

    def init(w):
        states[w] = (dl.initial_seed(), bytes(dl.get_rng_state().tolist()))

    dl.manual_seed(0)
    list(dl.utils.data.DataLoader(_Noisy(dl), batch_size=5, num_workers=2, worker_init_fn=init))
    assert sorted(states) == [0, 1]
    for seed, state in states.values():
        want = dl.Generator().manual_seed(seed).get_state()
        assert state == bytes(want.tolist())
    assert states[0][1] != bytes(dl.get_rng_state().tolist())
