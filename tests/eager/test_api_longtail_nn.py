"""PyTorch's nn addresses and names that tutorial programs use, against real PyTorch 2.13:
the ``torch.nn.modules.*`` import paths (``_Loss``, ``_WeightedLoss``, ``Module``, ``_ConvNd``,
``_BatchNorm``, ``_pair``...) and ``nn.Buffer`` (torch 2.5+)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")

SUBMODULES = ["activation", "batchnorm", "container", "conv", "dropout", "flatten",
              "instancenorm", "linear", "loss", "module", "normalization", "padding",
              "pooling", "rnn", "sparse", "transformer", "upsampling", "distance"]


@pytest.mark.parametrize("sub", SUBMODULES)
def test_nn_modules_paths_name_the_same_classes(sub):
    theirs = importlib.import_module(f"torch.nn.modules.{sub}")
    ours = importlib.import_module(f"dlcore_eager.nn.modules.{sub}")
    for name in ours.__all__:
        assert name in theirs.__all__, name
        assert getattr(ours, name) is getattr(dl.nn, name), name
        assert getattr(dl.nn.modules, name) is getattr(dl.nn, name), name
    # the base classes keep PyTorch's subclass relations
    for base, cls in [("_Loss", "MSELoss"), ("_WeightedLoss", "CrossEntropyLoss"),
                      ("_ConvNd", "Conv2d"), ("_BatchNorm", "BatchNorm1d"),
                      ("_MaxPoolNd", "MaxPool2d"), ("RNNCellBase", "GRUCell")]:
        if hasattr(theirs, base) and hasattr(theirs, cls):
            assert issubclass(getattr(ours, cls), getattr(ours, base))


def test_custom_loss_subclass_of_Loss():
    def run(lib):
        from importlib import import_module
        loss_mod = import_module(f"{lib.__name__}.nn.modules.loss")

        class Scaled(loss_mod._Loss):
            def forward(self, a, b):
                d = ((a - b) ** 2) * 3.0
                return d.mean() if self.reduction == "mean" else d.sum()

        a = lib.tensor([[1.0, 2.0], [0.5, -1.0]], requires_grad=True)
        out = Scaled(reduction="sum")(a, lib.zeros(2, 2))
        out.backward()
        return out.item(), a.grad.numpy(), Scaled().reduction
    assert run(dl)[0] == run(torch)[0]
    np.testing.assert_allclose(run(dl)[1], run(torch)[1])
    assert run(dl)[2] == run(torch)[2] == "mean"


def test_nn_modules_utils_tuples():
    from torch.nn.modules import utils as tu

    from dlcore_eager.nn.modules import utils as du
    for f in ("_single", "_pair", "_triple", "_quadruple"):
        for v in (3, (1, 2), [4, 5, 6]):
            assert getattr(du, f)(v) == getattr(tu, f)(v)
    assert du._reverse_repeat_tuple((1, 2), 2) == tu._reverse_repeat_tuple((1, 2), 2)
    sd_t = {"module.w": 1, "module.b": 2, "x": 3}
    sd_d = dict(sd_t)
    tu.consume_prefix_in_state_dict_if_present(sd_t, "module.")
    du.consume_prefix_in_state_dict_if_present(sd_d, "module.")
    assert sd_d == sd_t


def _buffer_module(lib):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.kept = lib.nn.Buffer(lib.ones(2))
            self.temp = lib.nn.Buffer(lib.zeros(3), persistent=False)
            self.register_buffer("flip", lib.ones(1), persistent=False)
            self.flip = lib.nn.Buffer(lib.full((2,), 2.0))      # a Buffer decides persistence

        def forward(self, x):
            return x * self.kept
    return M()


def test_buffer_registers_like_torch():
    m_t, m_d = _buffer_module(torch), _buffer_module(dl)
    assert list(m_d.state_dict()) == list(m_t.state_dict()) == ["kept", "flip"]
    assert [n for n, _ in m_d.named_buffers()] == [n for n, _ in m_t.named_buffers()]
    assert list(m_d.parameters()) == list(m_t.parameters()) == []
    np.testing.assert_array_equal(m_d(dl.ones(2)).numpy(), m_t(torch.ones(2)).numpy())
    assert isinstance(m_d.kept, dl.nn.Buffer) and isinstance(m_t.kept, torch.nn.Buffer)
    assert not isinstance(dl.ones(1), dl.nn.Buffer)
    assert type(m_d.kept) is dl.Tensor and type(m_t.kept) is torch.Tensor
    assert dl.nn.parameter.Buffer is dl.nn.Buffer
    m_t.temp, m_d.temp = torch.ones(3), dl.ones(3)          # stays non-persistent
    assert list(m_d.state_dict()) == list(m_t.state_dict())


def test_buffer_detaches_and_keeps_requires_grad():
    for lib in (torch, dl):
        x = lib.ones(2, requires_grad=True)
        b = lib.nn.Buffer(x * 2)
        assert (b.requires_grad, b.grad_fn, b.is_leaf) == (True, None, True)
        assert lib.nn.Buffer().shape == (0,)


def test_buffer_errors_are_torchs():
    def early(lib):
        class M(lib.nn.Module):
            def __init__(self):
                self.a = lib.nn.Buffer(lib.ones(2))
        M()

    def clash(lib):
        m = lib.nn.Module()
        m.x = 5
        m.x = lib.nn.Buffer(lib.ones(1))
    for fn in (early, clash):
        assert error_of(lambda f=fn: f(dl)) == error_of(lambda f=fn: f(torch))


def test_sdpa_kernel_backends():
    q = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    for lib in (torch, dl):
        att = importlib.import_module(f"{lib.__name__}.nn.attention")
        F = lib.nn.functional
        x = lib.tensor(q)
        ref = F.scaled_dot_product_attention(x, x, x).numpy()
        assert [(n, int(m)) for n, m in att.SDPBackend.__members__.items()] == [
            ("ERROR", -1), ("MATH", 0), ("FLASH_ATTENTION", 1), ("EFFICIENT_ATTENTION", 2),
            ("CUDNN_ATTENTION", 3), ("OVERRIDEABLE", 4)]
        for ok in (att.SDPBackend.MATH, att.SDPBackend.FLASH_ATTENTION,
                   [att.SDPBackend.EFFICIENT_ATTENTION, att.SDPBackend.MATH]):
            with att.sdpa_kernel(ok):
                np.testing.assert_allclose(F.scaled_dot_product_attention(x, x, x).numpy(), ref,
                                           rtol=1e-6)
    for b in ("EFFICIENT_ATTENTION", "CUDNN_ATTENTION"):
        errs = []
        for lib in (torch, dl):
            att = importlib.import_module(f"{lib.__name__}.nn.attention")
            x = lib.tensor(q)
            with att.sdpa_kernel(getattr(att.SDPBackend, b)):
                errs.append(error_of(lambda lib=lib, x=x:
                                     lib.nn.functional.scaled_dot_product_attention(x, x, x)))
        assert errs[1] == errs[0]
    dl.nn.functional.scaled_dot_product_attention(dl.tensor(q), dl.tensor(q), dl.tensor(q))
