"""The CNN workloads (LeNet-5 step, small ResNet step, the depthwise-separable CNN) run on
PyTorch, dlcore_eager and dlcore_static from the same arrays and agree on the first loss and
after a few SGD steps; so do the peer engines' programs (JAX jit, NumPy by hand, and the
torch.compile path: the same step function under TorchDynamo, with its ``eager`` backend here
because TorchInductor's C++ compile takes 20-90 s a program on this machine).  Toy shapes;
no timing asserted.  The static graph passes are left to
tests/eager/test_lenet_both_frontends.py (their whole-plan compile takes minutes here).

JAX compiles here with XLA's persistent compilation cache on, in the folder the harness's JAX
engine uses (``jax_jit.compile_cache``: ``<dlcore cache>/jax``), as every harness run has it:
the worker imported jax before the engine could turn it on through the environment.  The first
run compiles and stores; later runs load (the two peer tests: 8.2 s of CPU, most of it XLA
compiling the LeNet-5 and ResNet steps).  Restored after the module."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from benchmarks.engines import _tf1_programs, _torch_programs, jax_jit, numpy_hand
from benchmarks.workloads.cnn import LeNet5Step, workloads
from benchmarks.workloads.mobilenet import DepthwiseSeparable

torch = pytest.importorskip("torch")

TINY = workloads("tiny")          # LeNet-5 at batch 4, the ResNet at batch 3 with widths 2-4

_XLA_CACHE = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
              "jax_persistent_cache_min_entry_size_bytes")


@pytest.fixture(scope="module", autouse=True)
def _xla_compile_cache():
    """XLA's persistent cache on for every compilation while this module runs (see above)."""
    if "jax" not in sys.modules:      # the engine's available() turns it on before importing
        yield
        return
    import jax

    from dlcore.jitcache import cache_root
    folder = os.environ.get("JAX_COMPILATION_CACHE_DIR") or str(cache_root() / "jax")
    saved = {k: getattr(jax.config, k) for k in _XLA_CACHE}
    for k, v in zip(_XLA_CACHE, (folder, 0, 0)):
        jax.config.update(k, v)
    try:
        yield
    finally:
        for k, v in saved.items():
            jax.config.update(k, v)


def _engines(wl):
    import dlcore_eager
    import dlcore_static as tf
    yield "torch", lambda: _torch_programs.setup(torch, wl, "cpu")
    yield "dlcore_eager", lambda: _torch_programs.setup(dlcore_eager, wl, "cpu")
    yield "dlcore_static", lambda: _tf1_programs.setup(
        tf, wl, "cpu", lambda m, g: m.Session(graph=g, passes=None))


# the depthwise-separable CNN (benchmarks/workloads/mobilenet.py: no tiny size of its own) at
# toy shapes: a stride-1 and a stride-2 block, depthwise and 1x1 convolutions in both layouts
TOY_SEPARABLE = DepthwiseSeparable("mobilenet_toy", "cnn", "toy depthwise-separable CNN", N=3,
                                   blocks=((16, 8, 1), (8, 16, 2)))


@pytest.mark.parametrize("wl", TINY + [TOY_SEPARABLE],
                         ids=[w.name for w in TINY] + [TOY_SEPARABLE.name])
def test_engines_agree_on_the_losses_and_train(wl):
    losses = {}
    for name, setup in _engines(wl):
        prepared = setup()
        losses[name] = [prepared.step() for _ in range(4)]
        assert np.isfinite(losses[name]).all(), name
    ref = losses["torch"]
    for name, got in losses.items():
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(got[-1], ref[-1], rtol=1e-3, err_msg=name)
    assert ref[-1] < ref[0]


def _peers(wl):
    if isinstance(wl, LeNet5Step):     # the wrap path is the same for both workloads
        yield "torch.compile(backend='eager')", lambda: _torch_programs.setup(
            torch, wl, "cpu", wrap=lambda fn: torch.compile(fn, backend="eager"))
    if jax_jit.available()[0]:
        yield "jax", lambda: jax_jit.setup(wl, "cpu")
    yield "numpy", lambda: numpy_hand.setup(wl, "cpu")


@pytest.mark.parametrize("wl", TINY, ids=[w.name for w in TINY])
def test_peer_engines_agree_with_torch(wl):
    ref = _torch_programs.setup(torch, wl, "cpu")
    want = [ref.step() for _ in range(4)]
    for name, setup in _peers(wl):
        prepared = setup()
        got = [prepared.step() for _ in range(4)]
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=name)


def test_digits_cnn_engines_train_alike_and_reach_the_target():
    """The digits CNN (tiny: 8x8 images, 2-4 channels) after one epoch at a small learning rate
    predicts the same test labels on every engine; run as the harness does, it reaches its target."""
    pytest.importorskip("sklearn")
    import dataclasses

    import numba

    from benchmarks import engines, runner
    from benchmarks.workloads.digits_cnn import DigitsCNN
    from benchmarks.workloads.digits_cnn import workloads as digits_workloads

    (wl,) = digits_workloads("tiny")

    class Quiet:
        def advance(self, *args):
            pass

    slow = dataclasses.replace(wl, lr=0.05)
    # toy steps, hundreds of them: one thread for torch's and Numba's pools (on a busy machine
    # each parallel region of a conv kernel otherwise waits for a descheduled worker)
    accuracy, threads, nb_threads = {}, torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(1)
    numba.set_num_threads(1)
    try:
        for name, setup in [*_engines(slow), *_peers(slow)]:
            if name.startswith("torch.compile"):
                continue
            prepared = setup()
            prepared.step()
            accuracy[name] = prepared.evaluate()
        results = runner.run_classifier([engines.load("numpy_hand"),
                                         engines.load("dlcore_eager")],
                                        wl, "cpu", runner.CONFIGS["tiny"], Quiet())
    finally:
        torch.set_num_threads(threads)
        numba.set_num_threads(nb_threads)
    n_test = len(slow.data["y_test"])
    assert max(accuracy.values()) - min(accuracy.values()) <= 1.5 / n_test, accuracy

    for r in results:
        assert r.status == "ok" and r.extra["reached"], (r.engine, r.note)
        assert r.extra["accuracy"] >= wl.target and r.median_s > 0
    full = digits_workloads("full")[0]
    assert isinstance(full, DigitsCNN) and full.side == 28       # MNIST-shaped
    x = full.data["x_train"]
    assert x.shape[1:] == (1, 28, 28) and not x[:, :, :2].any() and not x[:, :, 26:].any()
    np.testing.assert_array_equal(x[:, :, 2:26:3, 2:26:3].reshape(len(x), 64),
                                  wl.data["x_train"].reshape(len(x), 64))
