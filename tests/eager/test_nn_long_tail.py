"""The long tail of torch.nn against the real PyTorch 2.13: padding modules, shrinkage,
Softmax2d, pixel (un)shuffle, channel dropout, upsampling aliases, instance and local response
norm, adaptive max pooling, EmbeddingBag, the margin losses, gumbel_softmax, pdist,
Unfold/Fold.  Values, input and parameter gradients (float64, a random cotangent), reprs, and
errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager.nn import functional_long_tail as flt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _r(*shape):
    return RNG.standard_normal(shape)


X4 = _r(2, 8, 4, 6)
X3 = _r(2, 5, 7)
X5 = _r(1, 2, 3, 4, 5)
XL = _r(3, 4)
SIGNS = np.sign(_r(3, 4))
TGT = np.array([1, 0, 3])
ML = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [0, 1, 2, 3]])
W4 = np.array([1.0, 2.0, 0.5, 3.0])
EMB = _r(10, 3)
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0])
OFF = np.array([0, 4, 4, 6])
PSW = _r(9)

# name -> (function of (module, *tensors), inputs, which inputs require grad)
CASES = {
    "ZeroPad1d": (lambda m, x: m.nn.ZeroPad1d((2, 1))(x), [X3], [1]),
    "ZeroPad2d": (lambda m, x: m.nn.ZeroPad2d((1, 2, 0, 1))(x), [X4], [1]),
    "ZeroPad2d int": (lambda m, x: m.nn.ZeroPad2d(2)(x), [X4], [1]),
    "ZeroPad3d": (lambda m, x: m.nn.ZeroPad3d(1)(x), [X5], [1]),
    "ConstantPad1d": (lambda m, x: m.nn.ConstantPad1d((3, 1), 2.5)(x), [X3], [1]),
    "ConstantPad2d": (lambda m, x: m.nn.ConstantPad2d((1, 0, 2, 1), -1.5)(x), [X4], [1]),
    "ConstantPad3d": (lambda m, x: m.nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 0.5)(x), [X5], [1]),
    "ReflectionPad1d": (lambda m, x: m.nn.ReflectionPad1d((2, 3))(x), [X3], [1]),
    "ReflectionPad1d unbatched": (lambda m, x: m.nn.ReflectionPad1d(2)(x), [X3[0]], [1]),
    "ReflectionPad2d": (lambda m, x: m.nn.ReflectionPad2d((1, 2, 3, 1))(x), [X4], [1]),
    "ReflectionPad3d": (lambda m, x: m.nn.ReflectionPad3d((1, 2, 1, 0, 2, 1))(x), [X5], [1]),
    "ReplicationPad1d": (lambda m, x: m.nn.ReplicationPad1d((1, 4))(x), [X3], [1]),
    "ReplicationPad2d": (lambda m, x: m.nn.ReplicationPad2d((2, 0, 1, 3))(x), [X4], [1]),
    "ReplicationPad3d": (lambda m, x: m.nn.ReplicationPad3d(1)(x), [X5], [1]),
    "CircularPad1d": (lambda m, x: m.nn.CircularPad1d((2, 7))(x), [X3], [1]),
    "CircularPad2d": (lambda m, x: m.nn.CircularPad2d((1, 6, 4, 0))(x), [X4], [1]),
    "CircularPad3d": (lambda m, x: m.nn.CircularPad3d((1, 2, 0, 4, 3, 1))(x), [X5], [1]),
    "F.pad circular": (lambda m, x: m.nn.functional.pad(x, (1, 2, 2, 1), mode="circular"),
                       [X4], [1]),
    "Conv2d padding_mode circular": (lambda m, x, w: m.nn.functional.conv2d(
        m.nn.functional.pad(x, (1, 1, 2, 2), mode="circular"), w), [X4, _r(3, 8, 5, 3)], [1, 1]),
    "Hardshrink": (lambda m, x: m.nn.Hardshrink(0.7)(x), [X3], [1]),
    "F.hardshrink": (lambda m, x: m.nn.functional.hardshrink(x), [X3], [1]),
    "torch.hardshrink": (lambda m, x: m.hardshrink(x, 0.2), [X3], [1]),
    "Tensor.hardshrink": (lambda m, x: x.hardshrink(0.3), [X3], [1]),
    "Softshrink": (lambda m, x: m.nn.Softshrink(0.3)(x), [X3], [1]),
    "F.softshrink": (lambda m, x: m.nn.functional.softshrink(x), [X3], [1]),
    "Softmax2d": (lambda m, x: m.nn.Softmax2d()(x), [X4], [1]),
    "Softmax2d unbatched": (lambda m, x: m.nn.Softmax2d()(x), [X4[0]], [1]),
    "PixelShuffle": (lambda m, x: m.nn.PixelShuffle(2)(x), [X4], [1]),
    "F.pixel_shuffle 5d": (lambda m, x: m.nn.functional.pixel_shuffle(x, 2),
                           [_r(2, 1, 4, 2, 3)], [1]),
    "torch.pixel_shuffle": (lambda m, x: m.pixel_shuffle(x, 2), [X4[0]], [1]),
    "ChannelShuffle": (lambda m, x: m.nn.ChannelShuffle(4)(x), [X4], [1]),
    "F.channel_shuffle 3d": (lambda m, x: m.nn.functional.channel_shuffle(x, 5), [X3], [1]),
    "torch.channel_shuffle 5d": (lambda m, x: m.channel_shuffle(x, 2), [X5], [1]),
    "PixelUnshuffle": (lambda m, x: m.nn.PixelUnshuffle(2)(x), [X4], [1]),
    "torch.pixel_unshuffle": (lambda m, x: m.pixel_unshuffle(x, 2), [X4], [1]),
    "UpsamplingNearest2d": (lambda m, x: m.nn.UpsamplingNearest2d(scale_factor=2)(x),
                            [X4], [1]),
    "UpsamplingBilinear2d": (lambda m, x: m.nn.UpsamplingBilinear2d(size=(5, 9))(x),
                             [X4], [1]),
    "F.instance_norm": (lambda m, x: m.nn.functional.instance_norm(x), [X4], [1]),
    "F.instance_norm affine": (lambda m, x, w, b: m.nn.functional.instance_norm(
        x, weight=w, bias=b, eps=1e-3), [X3, _r(5), _r(5)], [1, 1, 1]),
    "InstanceNorm1d": (lambda m, x: m.nn.InstanceNorm1d(5)(x), [X3], [1]),
    "InstanceNorm1d unbatched": (lambda m, x: m.nn.InstanceNorm1d(5)(x), [X3[0]], [1]),
    "InstanceNorm2d": (lambda m, x: m.nn.InstanceNorm2d(8)(x), [X4], [1]),
    "InstanceNorm3d": (lambda m, x: m.nn.InstanceNorm3d(2)(x), [X5], [1]),
    "F.rms_norm": (lambda m, x, w: m.nn.functional.rms_norm(x, (4, 6), w), [X4, _r(4, 6)],
                   [1, 1]),
    "torch.rms_norm eps": (lambda m, x: m.rms_norm(x, [7], eps=0.1), [X3], [1]),
    "RMSNorm": (lambda m, x: m.nn.RMSNorm(7, elementwise_affine=False)(x), [X3], [1]),
    "F.lp_pool1d": (lambda m, x: m.nn.functional.lp_pool1d(x.abs(), 2, 3, 2), [X3], [1]),
    "LPPool2d": (lambda m, x: m.nn.LPPool2d(1.5, (2, 3), ceil_mode=True)(x.abs() + 0.1),
                 [X4], [1]),
    "F.lp_pool2d inf": (lambda m, x: m.nn.functional.lp_pool2d(x, float("inf"), 2), [X4], [1]),
    "TripletMarginWithDistanceLoss": (lambda m, a, p, n: m.nn.TripletMarginWithDistanceLoss()(
        a, p, n), [XL, _r(3, 4), _r(3, 4)], [1, 1, 1]),
    "F.triplet_margin_with_distance_loss cosine swap": (
        lambda m, a, p, n: m.nn.functional.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1.0 - m.nn.functional.cosine_similarity(
                u, v), margin=0.8, swap=True, reduction="none"),
        [XL, _r(3, 4), _r(3, 4)], [1, 1, 1]),
    "F.adaptive_max_pool2d_with_indices": (
        lambda m, x: m.nn.functional.adaptive_max_pool2d_with_indices(x, 2)[0], [X4], [1]),
    "MaxUnpool1d": (lambda m, x: m.nn.MaxUnpool1d(2)(
        *m.nn.functional.max_pool1d(x, 2, return_indices=True)), [X4[0]], [1]),
    "F.max_unpool1d output_size": (lambda m, x: m.nn.functional.max_unpool1d(
        *m.nn.functional.max_pool1d(x, 2, return_indices=True), 2,
        output_size=[2, 5, 7]), [X3[:, :, :6]], [1]),
    "F.relu_ in a graph": (lambda m, x: m.nn.functional.relu_(x * 1.0), [X3], [1]),
    "F.leaky_relu_": (lambda m, x: m.nn.functional.leaky_relu_(x * 1.0, 0.2), [X3], [1]),
    "F.hardtanh_": (lambda m, x: m.nn.functional.hardtanh_(x * 1.0, -0.5, 0.5), [X3], [1]),
    "F.threshold_": (lambda m, x: m.nn.functional.threshold_(x * 1.0, 0.1, 2.0), [X3], [1]),
    "F.elu_": (lambda m, x: m.nn.functional.elu_(x * 1.0, 0.5), [X3], [1]),
    "LocalResponseNorm 3": (lambda m, x: m.nn.LocalResponseNorm(3, alpha=0.1)(x), [X4], [1]),
    "LocalResponseNorm 4": (lambda m, x: m.nn.LocalResponseNorm(4, 0.2, 0.5, 2.0)(x), [X4], [1]),
    "F.local_response_norm 3d": (lambda m, x: m.nn.functional.local_response_norm(x, 2),
                                 [X3], [1]),
    "F.local_response_norm 5d": (lambda m, x: m.nn.functional.local_response_norm(x, 5, 0.5),
                                 [X5], [1]),
    "AdaptiveMaxPool1d": (lambda m, x: m.nn.AdaptiveMaxPool1d(3)(x), [X3], [1]),
    "AdaptiveMaxPool2d": (lambda m, x: m.nn.AdaptiveMaxPool2d((3, 4))(x), [X4], [1]),
    "AdaptiveMaxPool2d None": (lambda m, x: m.nn.AdaptiveMaxPool2d((None, 5))(x), [X4], [1]),
    "F.adaptive_max_pool2d unbatched": (lambda m, x: m.nn.functional.adaptive_max_pool2d(
        x, 3), [X4[0]], [1]),
    "F.adaptive_max_pool1d up": (lambda m, x: m.nn.functional.adaptive_max_pool1d(x, 9),
                                 [X3], [1]),
    "HingeEmbeddingLoss": (lambda m, x, y: m.nn.HingeEmbeddingLoss(0.5)(x, y),
                           [XL, SIGNS], [1, 0]),
    "F.hinge_embedding_loss none": (lambda m, x, y: m.nn.functional.hinge_embedding_loss(
        x, y, reduction="none"), [XL, SIGNS], [1, 0]),
    "SoftMarginLoss": (lambda m, x, y: m.nn.SoftMarginLoss()(x, y), [XL, SIGNS], [1, 0]),
    "F.soft_margin_loss sum": (lambda m, x, y: m.nn.functional.soft_margin_loss(
        x, y, reduction="sum"), [XL, SIGNS], [1, 0]),
    "MultiMarginLoss": (lambda m, x, t: m.nn.MultiMarginLoss()(x, t), [XL, TGT], [1, 0]),
    "MultiMarginLoss p2 weight": (lambda m, x, t, w: m.nn.MultiMarginLoss(
        p=2, margin=0.7, weight=w, reduction="none")(x, t), [XL, TGT, W4], [1, 0, 0]),
    "F.multi_margin_loss 1d": (lambda m, x, t: m.nn.functional.multi_margin_loss(
        x, t, reduction="sum"), [XL[0], TGT[:1]], [1, 0]),
    "MultiLabelMarginLoss": (lambda m, x, t: m.nn.MultiLabelMarginLoss()(x, t),
                             [XL, ML], [1, 0]),
    "F.multilabel_margin_loss none": (lambda m, x, t: m.nn.functional.multilabel_margin_loss(
        x, t, reduction="none"), [XL, ML], [1, 0]),
    "F.multilabel_margin_loss 1d": (lambda m, x, t: m.nn.functional.multilabel_margin_loss(
        x, t), [XL[1], ML[1]], [1, 0]),
    "torch.pdist": (lambda m, x: m.pdist(x), [_r(5, 3)], [1]),
    "F.pdist p1.5": (lambda m, x: m.nn.functional.pdist(x, 1.5), [_r(4, 3)], [1]),
    "F.pdist p1": (lambda m, x: m.nn.functional.pdist(x, 1), [_r(4, 3)], [1]),
    "Unfold": (lambda m, x: m.nn.Unfold(2)(x), [X4], [1]),
    "F.unfold full": (lambda m, x: m.nn.functional.unfold(
        x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [X4], [1]),
    "F.unfold unbatched": (lambda m, x: m.nn.functional.unfold(x, 3, padding=1), [X4[0]], [1]),
    "Fold": (lambda m, x: m.nn.Fold((4, 5), 2)(x), [_r(2, 12, 12)], [1]),
    "F.fold full": (lambda m, x: m.nn.functional.fold(
        x, (5, 6), (2, 3), dilation=(2, 1), padding=(1, 0), stride=(1, 2)), [_r(1, 12, 10)], [1]),
    "F.fold unbatched": (lambda m, x: m.nn.functional.fold(x, (3, 3), 2), [_r(8, 4)], [1]),
    "EmbeddingBag-style sum": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="sum"), [EMB, IDX, OFF], [1, 0, 0]),
    "F.embedding_bag mean padding": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, padding_idx=2), [EMB, IDX, OFF], [1, 0, 0]),
    "F.embedding_bag max": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="max"), [EMB, IDX, OFF], [1, 0, 0]),
    "F.embedding_bag max padding": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="max", padding_idx=4), [EMB, IDX, OFF], [1, 0, 0]),
    "F.embedding_bag per_sample_weights": (lambda m, w, i, o, p: m.nn.functional.embedding_bag(
        i, w, o, mode="sum", per_sample_weights=p), [EMB, IDX, OFF, PSW], [1, 0, 0, 1]),
    "F.embedding_bag include_last_offset": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="mean", include_last_offset=True), [EMB, IDX, np.array([0, 3, 7, 9])],
        [1, 0, 0]),
    "F.embedding_bag include_last_offset short": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="sum", include_last_offset=True), [EMB, IDX, np.array([0, 3, 5])],
        [1, 0, 0]),
    "F.embedding_bag empty input": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="sum"), [EMB, IDX[:0], np.array([0, 0])], [1, 0, 0]),
    "F.embedding_bag max empty input": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="max"), [EMB, IDX[:0], np.array([0])], [1, 0, 0]),
    "F.embedding_bag mean all padding": (lambda m, w, i, o: m.nn.functional.embedding_bag(
        i, w, o, mode="mean", padding_idx=2), [EMB, np.array([2, 2, 1]), np.array([0, 2])],
        [1, 0, 0]),
    "F.embedding_bag 2d": (lambda m, w, i: m.nn.functional.embedding_bag(i, w, mode="max"),
                           [EMB, IDX[:8].reshape(2, 4)], [1, 0]),
}


def _run(m, fn, inputs, grads):
    xs = [m.tensor(a, requires_grad=bool(g) and a.dtype.kind == "f")
          for a, g in zip(inputs, grads)]
    y = fn(m, *xs)
    return y, xs


def _check_values_and_grads(fn, inputs, grads, rtol=1e-7, atol=1e-9):
    (yd, xd), (yt, xt) = (_run(m, fn, inputs, grads) for m in (dt, torch))
    assert tuple(yd.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    c = RNG.standard_normal(tuple(yt.shape))
    (yd * dt.tensor(c)).sum().backward()
    (yt * torch.tensor(c)).sum().backward()
    for a, b, g in zip(xd, xt, grads):
        if g:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_input_gradients_match_torch(name):
    fn, inputs, grads = CASES[name]
    _check_values_and_grads(fn, inputs, grads)


@pytest.mark.parametrize("nsp, x", [(1, X3), (2, X4)])
def test_adaptive_max_pool_indices_match_torch(nsp, x):
    x = x.copy()
    x.reshape(-1)[::5] = 3.0                     # ties: the first maximum wins, as PyTorch
    got = [getattr(m.nn.functional, f"adaptive_max_pool{nsp}d")(m.tensor(x), 3,
                                                                return_indices=True)
           for m in (dt, torch)]
    np.testing.assert_array_equal(got[0][1].numpy(), got[1][1].numpy())
    np.testing.assert_allclose(got[0][0].numpy(), got[1][0].numpy())
    mod = getattr(dt.nn, f"AdaptiveMaxPool{nsp}d")(2, return_indices=True)
    values, idx = mod(dt.tensor(x))
    assert str(idx.dtype) == "torch.int64" and tuple(values.shape) == tuple(idx.shape)


def _copy_params(dst, src):
    for (n, p), (n2, q) in zip(dst.named_parameters(), src.named_parameters()):
        assert n == n2
        with dt.no_grad():
            p.copy_(dt.tensor(q.detach().numpy()))


def test_instance_norm_affine_parameters_and_running_stats_match_torch():
    mods = [m.nn.InstanceNorm2d(8, affine=True, track_running_stats=True, momentum=0.3)
            .double() for m in (dt, torch)]
    with torch.no_grad():
        mods[1].weight.copy_(torch.tensor(_r(8)))
        mods[1].bias.copy_(torch.tensor(_r(8)))
    _copy_params(mods[0], mods[1])
    c = _r(*X4.shape)
    for mod, m in zip(mods, (dt, torch)):
        x = m.tensor(X4, requires_grad=True)
        (mod(x) * m.tensor(c)).sum().backward()
        mod(m.tensor(X4 * 2 + 1))                    # a second update of the running stats
    for name in ("weight", "bias"):
        np.testing.assert_allclose(getattr(mods[0], name).grad.numpy(),
                                   getattr(mods[1], name).grad.numpy(), rtol=1e-6, atol=1e-8)
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(mods[0], name).numpy(),
                                   getattr(mods[1], name).numpy(), rtol=1e-7)
    for mod in mods:
        mod.eval()
    np.testing.assert_allclose(mods[0](dt.tensor(X4)).detach().numpy(),
                               mods[1](torch.tensor(X4)).detach().numpy(), rtol=1e-6, atol=1e-8)
    assert sorted(mods[0].state_dict()) == sorted(mods[1].state_dict())


def test_conv2d_with_circular_padding_mode_matches_torch():
    mods = [m.nn.Conv2d(8, 3, (3, 5), padding=(1, 2), padding_mode="circular").double()
            for m in (dt, torch)]
    _copy_params(mods[0], mods[1])
    c = _r(2, 3, 4, 6)
    got = []
    for mod, m in zip(mods, (dt, torch)):
        x = m.tensor(X4, requires_grad=True)
        y = mod(x)
        (y * m.tensor(c)).sum().backward()
        got.append((y.detach().numpy(), x.grad.numpy(), mod.weight.grad.numpy()))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


def test_instance_norm_without_affine_or_stats_has_no_parameters_or_buffers():
    m = dt.nn.InstanceNorm1d(3)
    assert list(m.parameters()) == [] and m.running_mean is None
    assert sorted(m.state_dict()) == sorted(torch.nn.InstanceNorm1d(3).state_dict()) == []
    assert dt.nn.InstanceNorm2d(3, affine=True, bias=False).bias is None


def test_embedding_bag_module_weight_gradient_matches_torch():
    for kw in ({"mode": "sum"}, {"mode": "mean", "padding_idx": 2}, {"mode": "max"}):
        got = []
        for m in (dt, torch):
            bag = m.nn.EmbeddingBag.from_pretrained(m.tensor(EMB), freeze=False, **kw)
            out = bag(m.tensor(IDX), m.tensor(OFF))
            (out * m.tensor(np.arange(12.0).reshape(4, 3))).sum().backward()
            got.append((out.detach().numpy(), bag.weight.grad.numpy()))
        np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-7)
        np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-7, atol=1e-12)
    bag = dt.nn.EmbeddingBag(6, 2, padding_idx=1)
    assert tuple(bag.weight.shape) == (6, 2) and np.all(bag.weight.detach().numpy()[1] == 0)
    assert dt.nn.EmbeddingBag.from_pretrained(dt.tensor(EMB)).weight.requires_grad is False


def test_embedding_bag_max_norm_renormalises_used_rows_in_place():
    got = []
    for m in (dt, torch):
        w = m.tensor(EMB * 3)
        out = m.nn.functional.embedding_bag(m.tensor(IDX), w, m.tensor(OFF), max_norm=1.0)
        got.append((out.numpy(), w.numpy()))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-6)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-6)


def test_errors_leave_module_and_weight_unchanged():
    bag = dt.nn.EmbeddingBag(4, 2, mode="sum")
    before = bag.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError):
        bag(dt.tensor([1, 9]), dt.tensor([0]))
    np.testing.assert_array_equal(bag.weight.detach().numpy(), before)
    norm = dt.nn.InstanceNorm1d(3, track_running_stats=True)
    with pytest.raises(ValueError):
        norm(dt.ones(2, 3, 1))
    np.testing.assert_array_equal(norm.running_mean.numpy(), np.zeros(3))


@pytest.mark.parametrize("name, shape", [("dropout1d", (4, 6, 5)), ("dropout1d", (6, 5)),
                                         ("dropout3d", (2, 6, 2, 3, 2)),
                                         ("dropout3d", (6, 2, 3, 2))])
def test_channel_dropout_zeroes_whole_channels(name, shape):
    dt.manual_seed(0)
    x = dt.ones(*shape)
    y = getattr(dt.nn.functional, name)(x, 0.5, training=True).numpy()
    nsp = 3 if name == "dropout3d" else 1
    chans = y.reshape(int(np.prod(shape[:-nsp])), -1)       # one row per (n, c) channel
    for c in chans:
        assert np.all(c == 0) or np.all(c == 2.0)
    assert 0 < (chans[:, 0] == 0).sum() < len(chans)
    assert getattr(dt.nn.functional, name)(x, 0.5, training=False) is x
    mod = getattr(dt.nn, name.capitalize())(0.5)
    mod.eval()
    assert mod(x) is x


def test_channel_dropout_inplace_and_gradient():
    dt.manual_seed(1)
    x = dt.ones(3, 4, 5, requires_grad=True)
    h = x * 1.0
    y = dt.nn.Dropout1d(0.5, inplace=True)(h)
    assert y is h
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout3d_warns_on_other_ranks_as_torch():
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        y = dt.nn.functional.dropout3d(dt.ones(2, 3, 4), 0.5)
    assert tuple(y.shape) == (2, 3, 4)


@pytest.mark.parametrize("name, kw", [("upsample", {"scale_factor": 2}),
                                      ("upsample", {"size": 5, "mode": "bilinear"}),
                                      ("upsample_nearest", {"scale_factor": 2}),
                                      ("upsample_bilinear", {"size": (3, 5)})])
def test_deprecated_upsample_aliases_match_torch(name, kw):
    got = []
    for m in (dt, torch):
        with pytest.warns(UserWarning) as rec:
            got.append(getattr(m.nn.functional, name)(m.tensor(X4), **kw).numpy())
        got.append(str(rec[0].message))
    np.testing.assert_allclose(got[0], got[2], rtol=1e-7, atol=1e-12)
    assert got[1] == got[3]


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_with_known_noise_matches_torch(monkeypatch, hard):
    logits, noise, c = _r(4, 5), -np.log(RNG.standard_exponential((4, 5))), _r(4, 5)
    monkeypatch.setattr(flt, "_gumbel_noise", lambda like: dt.tensor(noise))
    x = dt.tensor(logits, requires_grad=True)
    y = dt.nn.functional.gumbel_softmax(x, tau=0.7, hard=hard, dim=0)
    (y * dt.tensor(c)).sum().backward()
    xt = torch.tensor(logits, requires_grad=True)       # PyTorch's body, with the same noise
    soft = ((xt + torch.tensor(noise)) / 0.7).softmax(0)
    if hard:
        index = soft.max(0, keepdim=True)[1]
        soft = torch.zeros_like(soft).scatter_(0, index, 1.0) - soft.detach() + soft
    (soft * torch.tensor(c)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), soft.detach().numpy(), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_gumbel_softmax_samples_follow_the_softmax():
    dt.manual_seed(3)
    logits = np.log(np.array([0.6, 0.3, 0.1]))
    y = dt.nn.functional.gumbel_softmax(dt.tensor(np.tile(logits, (3000, 1))), hard=True)
    y = y.numpy()
    assert set(np.unique(y)) == {0.0, 1.0} and np.all(y.sum(1) == 1)
    np.testing.assert_allclose(y.mean(0), [0.6, 0.3, 0.1], atol=0.04)
    soft = dt.nn.functional.gumbel_softmax(dt.tensor(_r(2, 6)), tau=2.0).numpy()
    np.testing.assert_allclose(soft.sum(1), 1.0)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        dt.nn.functional.gumbel_softmax(dt.tensor(_r(2, 3)), eps=1e-5)


def test_unfold_then_fold_is_the_adjoint_pair():
    """fold(unfold(x)) multiplies each pixel by the number of blocks covering it (PyTorch's
    documented identity), and Fold/Unfold compose inside a Sequential."""
    x = dt.tensor(X4)
    ones = dt.ones(*X4.shape)
    kw = {"kernel_size": (2, 3), "padding": 1, "stride": (1, 2)}
    y = dt.nn.functional.fold(dt.nn.functional.unfold(x, **kw), X4.shape[-2:], **kw)
    div = dt.nn.functional.fold(dt.nn.functional.unfold(ones, **kw), X4.shape[-2:], **kw)
    np.testing.assert_allclose(y.numpy(), X4 * div.numpy(), rtol=1e-12)
    seq = dt.nn.Sequential(dt.nn.Unfold(2, stride=2), dt.nn.Fold((4, 6), 2, stride=2))
    np.testing.assert_allclose(seq(x).numpy(), X4, rtol=1e-12)


def test_new_functions_have_docstrings_and_nn_names():
    for n in ("hardshrink", "softshrink", "pixel_shuffle", "pixel_unshuffle", "dropout1d",
              "dropout3d", "upsample", "upsample_nearest", "upsample_bilinear",
              "instance_norm", "local_response_norm", "adaptive_max_pool1d",
              "adaptive_max_pool2d", "embedding_bag", "hinge_embedding_loss",
              "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
              "gumbel_softmax", "pdist", "unfold", "fold"):
        f = getattr(dt.nn.functional, n)
        assert f.__doc__, n
    for n in ("hardshrink", "pixel_shuffle", "pixel_unshuffle", "pdist", "channel_shuffle"):
        assert callable(getattr(dt, n)), n


CUDA_CASES = {
    "adaptive_max_pool2d": lambda m, t: m.nn.functional.adaptive_max_pool2d(t, (2, 3)),
    "unfold/fold": lambda m, t: m.nn.functional.fold(m.nn.functional.unfold(t, 2), (4, 5), 2),
    "pdist": lambda m, t: m.nn.functional.pdist(t[0, 0]),
    "local_response_norm": lambda m, t: m.nn.functional.local_response_norm(t, 2),
    "multi_margin_loss": lambda m, t: m.nn.functional.multi_margin_loss(
        t[0, 0], m.tensor([0, 1, 2, 3]).to(t.device), p=2),
    "embedding_bag max": lambda m, t: m.nn.functional.embedding_bag(
        m.tensor([0, 1, 2, 1]).to(t.device), t[0, 0], m.tensor([0, 2]).to(t.device), mode="max"),
    "affine_grid/grid_sample": lambda m, t: m.nn.functional.grid_sample(
        t, m.nn.functional.affine_grid(m.tensor([[[0.9, 0.2, 0.1], [-0.1, 1.1, 0.0]]]).to(
            t.device), (1, 2, 3, 4), align_corners=False), padding_mode="reflection",
        align_corners=False),
    "embedding_bag sum": lambda m, t: m.nn.functional.embedding_bag(
        m.tensor([0, 1, 2, 1]).to(t.device), t[0, 0], m.tensor([0, 2]).to(t.device)),
}


@pytest.mark.parametrize("name", list(CUDA_CASES))
def test_on_the_cuda_device_as_on_the_cpu(name):
    """The composites' host constants (index tables, one-hot filters, bag matrices) follow the
    input to the device (the CUDA simulator in CI)."""
    x = RNG.standard_normal((1, 2, 4, 5)).astype(np.float32)
    got = []
    for cuda in (False, True):
        t = dt.tensor(x).cuda() if cuda else dt.tensor(x)
        t.requires_grad_()
        y = CUDA_CASES[name](dt, t)
        assert y.is_cuda == cuda
        y.sum().backward()
        got.append((y.detach().cpu().numpy(), t.grad.cpu().numpy()))
    np.testing.assert_allclose(got[1][0], got[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-5, atol=1e-6)


def test_docstring_examples_run():
    import doctest

    from dlcore_eager.nn import (embedding_bag, functional_grid, functional_long_tail,
                                 functional_margin)
    for mod in (functional_long_tail, functional_margin, embedding_bag, functional_grid):
        result = doctest.testmod(mod, extraglobs={"torch": dt}, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, mod.__name__


def test_rms_norm_module_weight_gradient_and_inplace_forms_match_torch():
    mods = [m.nn.RMSNorm((4, 6), eps=1e-3).double() for m in (dt, torch)]
    with torch.no_grad():
        mods[1].weight.copy_(torch.tensor(_r(4, 6)))
    _copy_params(mods[0], mods[1])
    c = _r(*X4.shape)
    for mod, m in zip(mods, (dt, torch)):
        (mod(m.tensor(X4)) * m.tensor(c)).sum().backward()
    np.testing.assert_allclose(mods[0].weight.grad.numpy(), mods[1].weight.grad.numpy(),
                               rtol=1e-7)
    x = dt.tensor(X3.copy())
    for name in ("relu_", "elu_", "celu_", "selu_", "leaky_relu_", "hardtanh_", "rrelu_"):
        assert getattr(dt.nn.functional, name)(x) is x, name


@pytest.mark.parametrize("mode, padding_mode, align_corners", [
    ("bilinear", "zeros", False), ("bilinear", "zeros", True), ("bilinear", "border", False),
    ("bilinear", "reflection", True), ("bilinear", "reflection", False),
    ("nearest", "zeros", False), ("nearest", "border", True), ("nearest", "reflection", False)])
def test_grid_sample_matches_torch(mode, padding_mode, align_corners):
    """Values and the gradients to the image and (bilinear) to the grid, with sampling points
    inside and outside the image."""
    x, grid, c = _r(2, 3, 4, 5), RNG.uniform(-1.3, 1.3, (2, 3, 6, 2)), _r(2, 3, 3, 6)
    got = []
    for m in (dt, torch):
        xt, gt = m.tensor(x, requires_grad=True), m.tensor(grid, requires_grad=True)
        y = m.nn.functional.grid_sample(xt, gt, mode, padding_mode, align_corners)
        (y * m.tensor(c)).sum().backward()
        got.append((y.detach().numpy(), xt.grad.numpy(),
                    np.zeros_like(grid) if gt.grad is None else gt.grad.numpy()))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_and_a_spatial_transformer_step_match_torch(align_corners):
    """The Spatial Transformer tutorial's stn(): affine_grid from a predicted theta, then
    grid_sample; the gradient reaches theta's parameters through both."""
    x, w0, c = _r(2, 1, 5, 6), _r(6, 30) * 0.1, _r(2, 1, 5, 6)
    got = []
    for m in (dt, torch):
        xt, w = m.tensor(x, requires_grad=True), m.tensor(w0, requires_grad=True)
        theta = (w @ xt.reshape(2, 30).T).T.reshape(-1, 2, 3) + m.tensor(
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        grid = m.nn.functional.affine_grid(theta, x.shape, align_corners=align_corners)
        y = m.nn.functional.grid_sample(xt, grid, align_corners=align_corners)
        (y * m.tensor(c)).sum().backward()
        got.append((grid.detach().numpy(), y.detach().numpy(), xt.grad.numpy(), w.grad.numpy()))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_grid_functions_warn_without_align_corners_as_torch():
    theta = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]
    for m in (dt, torch):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            grid = m.nn.functional.affine_grid(m.tensor(theta), (1, 1, 2, 2))
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            m.nn.functional.grid_sample(m.ones(1, 1, 2, 2), grid)
