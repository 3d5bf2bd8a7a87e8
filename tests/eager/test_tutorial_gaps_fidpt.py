"""Gaps the tutorial programs added by helper fidpt exposed (tests/programs/eager/
channels_last_memory_format.py, tensorboard_scalars.py, ...), each checked against PyTorch."""

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_eager.nn as dnn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("fmt,shape", [("channels_last", (2, 3, 4, 5)),
                                       ("channels_last_3d", (2, 3, 4, 5, 6)),
                                       ("contiguous_format", (2, 3))])
def test_empty_takes_a_memory_format(fmt, shape):
    got = dl.empty(*shape, memory_format=getattr(dl, fmt))
    want = torch.empty(*shape, memory_format=getattr(torch, fmt))
    assert got.stride() == want.stride() and tuple(got.shape) == tuple(want.shape)


def test_empty_refuses_preserve_and_a_wrong_rank():
    for lib in (dl, torch):
        with pytest.raises(RuntimeError, match="unsupported memory format Preserve"):
            lib.empty(2, 3, memory_format=lib.preserve_format)
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            lib.empty(2, 3, memory_format=lib.channels_last)


def test_randint_takes_requires_grad():
    for lib in (dl, torch):
        t = lib.randint(1, 10, (2, 3), dtype=lib.float32, requires_grad=True)
        assert t.requires_grad and t.is_leaf
        with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
            lib.randint(1, 10, (2,), requires_grad=True)


def test_module_to_channels_last_relays_only_4d_parameters():
    def check(lib, nn):
        net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(),
                            nn.Linear(4, 2))
        net = net.to(memory_format=lib.channels_last)
        return [p.stride() for p in net.parameters()]
    assert check(dl, dnn) == check(torch, torch.nn)


@pytest.mark.parametrize("layer", ["bn", "avg", "up"])
def test_channels_last_input_keeps_its_layout(layer):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)

    def run(lib, nn):
        m = {"bn": lambda: nn.BatchNorm2d(3), "avg": lambda: nn.AvgPool2d(2),
             "up": lambda: nn.Upsample(scale_factor=2)}[layer]()
        t = lib.tensor(x).to(memory_format=lib.channels_last).requires_grad_()
        y = m(t)
        (y * y).sum().backward()
        return y.stride(), y.detach().numpy(), t.grad.numpy()
    (gs, gy, gg), (ws, wy, wg) = run(dl, dnn), run(torch, torch.nn)
    assert gs == ws
    np.testing.assert_allclose(gy, wy, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gg, wg, rtol=1e-4, atol=1e-4)


def test_add_hparams_is_read_by_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    from dlcore_eager.utils.tensorboard import SummaryWriter
    with SummaryWriter(str(tmp_path)) as w:
        w.add_hparams({"lr": 0.5, "name": "a", "flag": True, "skip": None},
                      {"hparam/acc": 0.75}, run_name="r")
        with pytest.raises(TypeError, match="should be dictionary"):
            w.add_hparams([("lr", 1)], {})
    acc = EventAccumulator(str(tmp_path / "r"))
    acc.Reload()
    assert [e.value for e in acc.Scalars("hparam/acc")] == [0.75]
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == 0.5
    assert start.hparams["name"].string_value == "a"
    assert start.hparams["flag"].number_value == 1.0           # (a bool is an int there too)
    assert "skip" not in start.hparams


def _add_rank(rank, t):
    t.add_(rank + 1)


def test_module_share_memory_and_multiprocessing_spawn():
    import dlcore_eager.multiprocessing as mp
    m = dnn.Linear(3, 2)
    assert m.share_memory() is m and all(p.is_shared() for p in m.parameters())
    w = m.weight.detach().clone()
    mp.spawn(_add_rank, args=(m.weight.data,), nprocs=2, start_method="fork")
    np.testing.assert_allclose(m.weight.detach().numpy(), (w + 3).numpy())
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
    assert mp.Process is __import__("multiprocessing").Process


def test_backends_submodules_import_as_modules():
    import importlib
    for name in ("cudnn", "mps", "cuda", "mkl", "openmp", "mkldnn"):
        mod = importlib.import_module(f"dlcore_eager.backends.{name}")
        assert mod is getattr(dl.backends, name)
    import dlcore_eager.backends.cudnn as cudnn
    cudnn.benchmark = True
    assert dl.backends.cudnn.benchmark is True
    cudnn.benchmark = False


def test_module_compile_and_to_empty():
    m = dnn.Linear(3, 2)
    x = dl.randn(4, 3)
    want = m(x).detach().numpy()
    m.compile()
    np.testing.assert_allclose(m(x).detach().numpy(), want, rtol=1e-6)
    assert list(m.state_dict()) == ["weight", "bias"]
    e = dnn.Linear(3, 2).to_empty(device="cpu")
    assert tuple(e.weight.shape) == (2, 3) and e.weight.requires_grad
    assert isinstance(e.weight, dnn.Parameter)


def test_module_compile_is_not_in_the_copied_state_as_torch():
    """A compiled module's state (``__getstate__``, what copy/pickle use) leaves the compiled
    forward out, as torch's: a deep copy runs its own weights, uncompiled."""
    import copy
    torch = pytest.importorskip("torch")
    got = []
    for m in (dl, torch):
        lin = m.nn.Linear(2, 2)
        if m is dl:
            lin.compile()
        else:   # (the attribute torch's Module.compile sets; its dynamo import takes ~1 s)
            lin._compiled_call_impl = lin._call_impl
        state = lin.__getstate__()
        twin = copy.deepcopy(lin)
        with m.no_grad():
            twin.weight.fill_(1.0)
            twin.bias.fill_(0.0)
        got.append(("_compiled_call_impl" in state, "forward" in state,
                    twin(m.ones(1, 2)).tolist()))
    assert got[0] == got[1] == (False, False, [[2.0, 2.0]])
