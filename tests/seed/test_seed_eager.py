"""The seed notes' PyTorch programs, run with ``import dlcore_eager as torch``.

Each program in ``tests/seed/programs/`` is the notes' code with only its import lines changed.
It is executed as a script; every value the script assigns to ``loss`` is recorded (the script's
namespace is a dict that notes those assignments), and the test checks that the loss falls.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import dlcore
import dlcore_eager as torch

PROGRAMS = Path(__file__).parent / "programs"


class _Recorder(dict):
    """A script namespace that records every value assigned to ``loss``."""

    def __init__(self) -> None:
        super().__init__(__name__="__seed__")
        self.losses: list[float] = []

    def __setitem__(self, key, value) -> None:
        if key == "loss":
            self.losses.append(float(value.item()))
        super().__setitem__(key, value)


def run_program(name: str, source: str | None = None) -> _Recorder:
    ns = _Recorder()
    run_program_into(ns, name, source)
    return ns


def assert_trains(losses: list[float], factor: float = 0.5) -> None:
    assert losses, "the program computed no loss"
    assert all(np.isfinite(losses)), losses
    assert losses[-1] < factor * losses[0], (losses[0], losses[-1])


def test_imports_are_the_only_change():
    for path in PROGRAMS.glob("eager_*.py"):
        text = path.read_text()
        assert "import torch" not in text.replace("import dlcore_eager as torch", "")
        assert "from torch" not in text


def test_tensors_manual_gradients():
    ns = run_program("eager_01_tensors.py")
    assert len(ns.losses) == 500
    assert_trains(ns.losses, 1e-3)


def test_autograd_program_trains():
    """``if w1.grad:`` asks whether a gradient exists yet.  ``w1`` is a ``Variable``, which keeps
    PyTorch 0.1's truth value for that (non-empty is true) and warns with the modern spelling,
    so the seed's program runs unchanged and trains for its 500 steps."""
    src = (PROGRAMS / "eager_03_autograd.py").read_text()
    with pytest.warns(FutureWarning, match="is not None"):
        ns = _Recorder()
        torch.manual_seed(0)
        exec(compile(src, "eager_03_autograd.py", "exec"), ns)  # noqa: S102
    assert len(ns.losses) == 500
    assert_trains(ns.losses, 1e-3)


def test_plain_tensor_truth_value_stays_an_error():
    """Only a legacy Variable answers ``if v:``; a tensor made today raises as in PyTorch."""
    g = torch.randn(1000, 100)
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value "
                                           "is ambiguous"):
        bool(g)


def run_program_into(ns: _Recorder, name: str, source: str | None = None) -> None:
    path = PROGRAMS / name
    src = path.read_text() if source is None else source
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(src, str(path), "exec"), ns)  # noqa: S102 - running the seed programs


def test_autograd_program_fails_under_today_pytorch():
    """Why Variable keeps the 0.1 truth value: today's PyTorch raises at the second iteration."""
    real = pytest.importorskip("torch")
    src = (PROGRAMS / "eager_03_autograd.py").read_text()
    src = src.replace("import dlcore_eager as torch", "import torch").replace(
        "from dlcore_eager.", "from torch.")
    ns: dict = {"__name__": "__seed__"}
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is "
                                           "ambiguous"):
        exec(compile(src, "eager_03_autograd.py (real torch)", "exec"), ns)  # noqa: S102
    assert real.is_tensor(ns["loss"])


def test_autograd_program_with_zero_grad_trains():
    """The same program, with the two ``if`` lines as the notes meant them (``is not None``)."""
    src = (PROGRAMS / "eager_03_autograd.py").read_text()
    src = src.replace("if w1.grad:", "if w1.grad is not None:").replace(
        "if w2.grad:", "if w2.grad is not None:")
    ns = run_program("eager_03_autograd.py", src)
    assert len(ns.losses) == 500
    assert_trains(ns.losses, 1e-3)


def test_custom_relu_legacy_function_trains():
    ns = run_program("eager_04_custom_relu.py")
    ReLU = ns["ReLU"]
    torch.manual_seed(0)
    N, D_in, H, D_out = 64, 1000, 100, 10
    x = torch.autograd.Variable(torch.randn(N, D_in), requires_grad=False)
    y = torch.autograd.Variable(torch.randn(N, D_out), requires_grad=False)
    w1 = torch.autograd.Variable(torch.randn(D_in, H), requires_grad=True)
    w2 = torch.autograd.Variable(torch.randn(H, D_out), requires_grad=True)
    losses = []
    with pytest.warns(FutureWarning, match=r"ReLU\.apply\(x\)") as rec:  # noqa: PT031
        for t in range(100):
            y_pred = ReLU()(x.mm(w1)).mm(w2)
            loss = (y_pred - y).pow(2).sum()
            losses.append(loss.item())
            w1.grad = w2.grad = None
            loss.backward()
            w1.data -= 1e-6 * w1.grad.data
            w2.data -= 1e-6 * w2.grad.data
    assert len(rec) == 1                      # warned once per class, not once per call
    assert "@staticmethod" in str(rec[0].message)
    assert "ctx.save_for_backward(x)" in str(rec[0].message)
    assert_trains(losses, 0.1)


def test_nn_program():
    ns = run_program("eager_05_nn.py")
    assert len(ns.losses) == 500
    assert_trains(ns.losses, 1e-3)


def test_optim_program():
    ns = run_program("eager_06_optim.py")
    assert_trains(ns.losses, 1e-3)


def test_dataloader_program():
    ns = run_program("eager_07_dataloader.py")
    assert len(ns.losses) == 20 * 8
    first_epoch, last_epoch = ns.losses[:8], ns.losses[-8:]
    assert sum(last_epoch) < 0.5 * sum(first_epoch)


def test_dynamic_graph_program():
    ns = run_program("eager_08_dynamic.py")
    y, x, w1 = ns["y"], ns["x"], ns["w1"]
    np.testing.assert_allclose(y.numpy(), x.numpy() @ w1.numpy(), rtol=1e-5)


def _cuda_usable() -> bool:
    if not dlcore.cuda_available():
        return False
    try:
        torch.ones(2).cuda().mul(2.0).cpu()
    except NotImplementedError:
        return False
    return True


@pytest.mark.cuda
def test_gpu_program_small_under_simulator():
    """eager_02 (dtype = torch.cuda.FloatTensor) with the sizes cut down: the seed's sizes would
    take hours in Numba's CUDA simulator.  Only the sizes line differs from the program."""
    if not _cuda_usable():
        pytest.skip("CUDA kernels are not available (no GPU/simulator, or not written yet)")
    src = (PROGRAMS / "eager_02_tensors_gpu.py").read_text()
    src = src.replace("N, D_in, H, D_out = 64, 1000, 100, 10", "N, D_in, H, D_out = 4, 6, 5, 3")
    src = src.replace("for t in range(500):", "for t in range(3):")
    src = src.replace("learning_rate = 1e-6", "learning_rate = 1e-3")
    dlcore.reset_transfer_stats()
    ns = run_program("eager_02_tensors_gpu.py", src)
    assert ns["w1"].is_cuda and ns["loss"].is_cuda
    assert ns.losses[-1] < ns.losses[0]
    assert dlcore.transfer_stats()["host_to_device"] >= 4


@pytest.mark.cuda
@pytest.mark.skipif(os.environ.get("DLCORE_TEST_REAL_GPU") != "1",
                    reason="the seed's GPU program at full size needs a real GPU "
                           "(DLCORE_TEST_REAL_GPU=1)")
def test_gpu_program_full_size_on_real_gpu():
    if not _cuda_usable():
        pytest.skip("CUDA kernels are not available")
    ns = run_program("eager_02_tensors_gpu.py")
    assert_trains(ns.losses, 1e-3)


def test_programs_listed():
    names = sorted(p.name for p in PROGRAMS.glob("eager_*.py"))
    assert len(names) == 8
    assert all(re.match(r"eager_0\d_\w+\.py", n) for n in names)
