"""Convolutional layers of the eager front end against real PyTorch: the same weights (loaded
from PyTorch's state_dict) give the same outputs and gradients; batch norm's running statistics,
eval mode and state_dict keys; the functional forms; initialisation bounds; errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
import dlcore_eager.nn as dnn
import dlcore_eager.nn.functional as DF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _to_dl(state):
    return {k: dt.tensor(v.detach().numpy().copy()) for k, v in state.items()}


def _np(t):
    return t.detach().numpy() if hasattr(t, "numpy") else np.asarray(t)


def _net(nn):
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
        nn.Conv2d(6, 8, (3, 2), padding=(1, 0), dilation=(1, 2), groups=2), nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1, ceil_mode=True),
        nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.AvgPool2d(2, count_include_pad=False), nn.AdaptiveAvgPool2d((2, 3)),
        nn.Flatten(), nn.Linear(24, 5))


def test_same_weights_give_same_outputs_grads_and_running_stats():
    torch.manual_seed(0)
    ref = _net(torch.nn).double()
    mine = _net(dnn).double()
    assert list(mine.state_dict()) == list(ref.state_dict())
    for (k, a), b in zip(ref.state_dict().items(), mine.state_dict().values()):
        assert tuple(a.shape) == tuple(b.shape), k
    mine.load_state_dict(_to_dl(ref.state_dict()))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 15, 13))
    g = rng.standard_normal((4, 5))
    for _ in range(2):                      # two training steps: running stats move twice
        yt = ref(torch.tensor(x))
        yt.backward(torch.tensor(g))
        ym = mine(dt.tensor(x))
        ym.backward(dt.tensor(g))
        np.testing.assert_allclose(_np(ym), _np(yt), rtol=1e-9, atol=1e-10)
    for (name, p), q in zip(ref.named_parameters(), mine.parameters()):
        np.testing.assert_allclose(_np(q.grad), _np(p.grad), rtol=1e-8, atol=1e-10,
                                   err_msg=name)
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(_np(mine.state_dict()[k]), _np(v), rtol=1e-10, err_msg=k)
    assert int(mine[1].num_batches_tracked.item()) == 2
    ref.eval()
    mine.eval()
    np.testing.assert_allclose(_np(mine(dt.tensor(x))), _np(ref(torch.tensor(x))), rtol=1e-9,
                               atol=1e-10)


def test_conv1d_maxpool1d_batchnorm1d_and_momentum_none():
    torch.manual_seed(1)

    def build(nn):
        return nn.Sequential(nn.Conv1d(2, 4, 3, stride=2, padding=2, dilation=2),
                             nn.BatchNorm1d(4, momentum=None), nn.MaxPool1d(2, 1))
    ref, mine = build(torch.nn).double(), build(dnn).double()
    mine.load_state_dict(_to_dl(ref.state_dict()))
    x = np.random.default_rng(1).standard_normal((3, 2, 11))
    for _ in range(3):
        out_ref, out = ref(torch.tensor(x)), mine(dt.tensor(x))
    np.testing.assert_allclose(_np(out), _np(out_ref), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(_np(mine[1].running_var), _np(ref[1].running_var), rtol=1e-10)


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate"])
def test_conv_padding_modes(padding_mode):
    torch.manual_seed(2)
    ref = torch.nn.Conv2d(2, 3, 3, padding=2, padding_mode=padding_mode).double()
    mine = dnn.Conv2d(2, 3, 3, padding=2, padding_mode=padding_mode).double()
    mine.load_state_dict(_to_dl(ref.state_dict()))
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 6))
    np.testing.assert_allclose(_np(mine(dt.tensor(x))), _np(ref(torch.tensor(x))), rtol=1e-10)


def test_functional_forms_match_torch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 9, 8))
    xt, xd = torch.tensor(x), dt.tensor(x)
    w = rng.standard_normal((6, 2, 3, 3))
    b = rng.standard_normal(6)
    cases = [
        (lambda F, m, a: F.conv2d(a, m(w), m(b), stride=2, padding=1, groups=2), 1e-10),
        (lambda F, m, a: F.conv2d(a, m(w[:, :, :, :]), None, padding="same", groups=2), 1e-10),
        (lambda F, m, a: F.conv2d(a[0], m(w), m(b), groups=2), 1e-10),    # unbatched
        (lambda F, m, a: F.max_pool2d(a, (2, 3), stride=(1, 2), padding=1), 0),
        (lambda F, m, a: F.avg_pool2d(a, 3, 2, 1, ceil_mode=True), 1e-12),
        (lambda F, m, a: F.adaptive_avg_pool2d(a, (4, 3)), 1e-12),
        (lambda F, m, a: F.adaptive_avg_pool2d(a, 1), 1e-12),
        (lambda F, m, a: F.pad(a, (1, 2, 3, 0), mode="reflect"), 0),
        (lambda F, m, a: F.pad(a, (1, 2), value=2.5), 0),
        (lambda F, m, a: F.interpolate(a, scale_factor=2, mode="nearest"), 0),
        (lambda F, m, a: F.interpolate(a, size=(5, 11), mode="bilinear", align_corners=False),
         1e-12),
        (lambda F, m, a: F.batch_norm(a, m(np.zeros(4)), m(np.ones(4)), m(b[:4]), m(w[:4, 0, 0,
                                      0]), training=True), 1e-10),
        (lambda F, m, a: F.conv1d(a[:, :, 0], m(w[:, :, 0]), m(b), stride=2, groups=2), 1e-10),
    ]
    for i, (f, tol) in enumerate(cases):
        want = f(TF, torch.tensor, xt)
        got = f(DF, dt.tensor, xd)
        np.testing.assert_allclose(_np(got), _np(want), rtol=tol, atol=tol, err_msg=str(i))
    vt, it = TF.max_pool2d(xt, 2, return_indices=True)
    vd, idx = DF.max_pool2d(xd, 2, return_indices=True)
    np.testing.assert_array_equal(_np(idx), _np(it))
    np.testing.assert_array_equal(_np(DF.max_unpool2d(vd, idx, 2)), _np(TF.max_unpool2d(vt, it,
                                                                                         2)))


def test_dropout2d_zeroes_whole_channels():
    x = dt.ones(8, 16, 3, 3)
    y = _np(DF.dropout2d(x, 0.5))
    per_channel = y.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert np.all(per_channel.min(-1) == per_channel.max(-1))
    assert 0 < (per_channel[:, :, 0] == 0).mean() < 1
    assert np.array_equal(_np(DF.dropout2d(x, 0.5, training=False)), _np(x))


def test_conv_init_bounds_follow_fan_in():
    torch.manual_seed(0)
    m = dnn.Conv2d(4, 8, 3, groups=2)
    bound = 1 / np.sqrt(2 * 9)
    w, b = _np(m.weight), _np(m.bias)
    assert w.shape == (8, 2, 3, 3) and np.abs(w).max() <= bound and np.abs(w).max() > bound / 2
    assert np.abs(b).max() <= bound
    t = dnn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3)


def test_unflatten_and_flatten_round_trip():
    x = dt.randn(2, 12)
    y = dnn.Unflatten(1, (3, 2, 2))(x)
    assert tuple(y.shape) == (2, 3, 2, 2)
    assert np.array_equal(_np(dnn.Flatten()(y)), _np(x))


def test_errors_name_the_problem():
    conv = dnn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match="expected input\\[1, 2, 5, 5\\] to have 3 channels"):
        conv(dt.randn(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="Kernel size: \\(3 x 3\\). Kernel size can't be"):
        conv(dt.randn(1, 3, 2, 5))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        dnn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="expected 4D input"):
        dnn.BatchNorm2d(3)(dt.randn(2, 3))
    with pytest.raises(ValueError, match="pad should be at most half"):
        DF.max_pool2d(dt.randn(1, 1, 5, 5), 2, padding=2)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        dnn.BatchNorm1d(3)(dt.randn(1, 3))


def test_cnn_on_cuda_matches_cpu():
    """The same small CNN on the CUDA device (the simulator in CI): outputs and gradients."""
    import dlcore
    if not dlcore.cuda_available():
        pytest.skip("numba.cuda is not usable (no GPU and no simulator)")

    def build():
        return dnn.Sequential(dnn.Conv2d(2, 3, 3, padding=1), dnn.BatchNorm2d(3), dnn.ReLU(),
                              dnn.MaxPool2d(2), dnn.AvgPool2d(1), dnn.AdaptiveAvgPool2d(1),
                              dnn.Flatten(), dnn.Linear(3, 2))
    cpu, dev = build(), build()
    dev.load_state_dict(cpu.state_dict())
    dev.cuda()
    x = dt.randn(2, 2, 4, 4)
    y_cpu, y_dev = cpu(x), dev(x.cuda())
    y_cpu.sum().backward()
    y_dev.sum().backward()
    assert y_dev.is_cuda
    np.testing.assert_allclose(_np(y_dev.cpu()), _np(y_cpu), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(dev[0].weight.grad.cpu()), _np(cpu[0].weight.grad),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(dev[1].running_var.cpu()), _np(cpu[1].running_var),
                               rtol=1e-5)


def test_conv_transpose_positional_arguments_follow_torch():
    """torch's order: (in, out, kernel, stride, padding, output_padding, groups, bias,
    dilation); output_padding used to be read as dilation."""
    import torch
    import dlcore_eager as dt
    for cls, n in (("ConvTranspose1d", 1), ("ConvTranspose2d", 2), ("ConvTranspose3d", 3)):
        a = getattr(dt.nn, cls)(2, 4, 3, 2, 1, 1, 2, False, 1)
        b = getattr(torch.nn, cls)(2, 4, 3, 2, 1, 1, 2, False, 1)
        assert (a.output_padding, a.groups, a.dilation, a.bias) == \
            (b.output_padding, b.groups, b.dilation, None)
        with torch.no_grad():
            b.weight.copy_(torch.tensor(a.weight.detach().numpy()))
        x = np.random.default_rng(n).standard_normal((1, 2) + (3,) * n).astype(np.float32)
        np.testing.assert_allclose(a(dt.tensor(x)).detach().numpy(),
                                   b(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for '
                                         'ConvTranspose2d'):
        dt.nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


@pytest.mark.parametrize("permuted", [True, False])
def test_a_one_channel_convolution_keeps_pytorchs_memory_format(permuted):
    """A one-channel input is contiguous both ways; PyTorch returns its convolution
    channels-last when the input is an (N, H, W, 1) batch permuted to NCHW (so ``view`` of the
    result fails there as here) and contiguous NCHW for a plain NCHW input."""
    rng = np.random.default_rng(5)
    nhwc = rng.standard_normal((4, 12, 11, 1)).astype(np.float32)
    w = rng.standard_normal((16, 1, 3, 3)).astype(np.float32)
    if permuted:
        xt, xd = torch.from_numpy(nhwc).permute(0, 3, 1, 2), dt.tensor(nhwc).permute(0, 3, 1, 2)
    else:
        plain = np.ascontiguousarray(nhwc.reshape(4, 1, 12, 11))
        xt, xd = torch.from_numpy(plain), dt.tensor(plain)
    yt, yd = TF.conv2d(xt, torch.from_numpy(w)), DF.conv2d(xd, dt.tensor(w))
    np.testing.assert_allclose(_np(yd), _np(yt), rtol=1e-5, atol=1e-5)
    assert yd.is_contiguous() == yt.is_contiguous() == (not permuted)
    if permuted:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            yt.view(4, -1)
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            yd.view(4, -1)
    else:
        assert tuple(yd.view(4, -1).shape) == tuple(yt.view(4, -1).shape)
