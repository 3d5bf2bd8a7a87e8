"""The long tail of torch.nn against the real PyTorch 2.13 (continued from
test_nn_long_tail.py): reprs of the modules and errors for bad arguments, by type and by the
first line of the message."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


REPRS = [
    "nn.ZeroPad2d(2)", "nn.ZeroPad2d((1, 2, 3, 4))", "nn.ZeroPad1d(1)", "nn.ZeroPad3d(1)",
    "nn.ConstantPad1d(2, 3.5)", "nn.ConstantPad2d((1, 0, 2, 1), 1.)", "nn.ConstantPad3d(1, 0.)",
    "nn.ReflectionPad1d(2)", "nn.ReflectionPad2d((1, 1, 2, 0))", "nn.ReflectionPad3d(1)",
    "nn.ReplicationPad1d((1, 2))", "nn.ReplicationPad2d(1)", "nn.ReplicationPad3d(1)",
    "nn.CircularPad1d(1)", "nn.CircularPad2d((1, 0, 2, 1))", "nn.CircularPad3d(2)",
    "nn.Conv2d(1, 2, 3, padding=1, padding_mode='circular')",
    "nn.Hardshrink()", "nn.Softshrink(0.3)", "nn.Softmax2d()", "nn.PixelShuffle(2)",
    "nn.PixelUnshuffle(3)", "nn.ChannelShuffle(3)", "nn.Dropout1d()", "nn.Dropout3d(0.2, True)",
    "nn.UpsamplingNearest2d(scale_factor=2)", "nn.UpsamplingBilinear2d(size=(3, 4))",
    "nn.Upsample(scale_factor=(2, 3))", "nn.Upsample(size=4, mode='bilinear')",
    "nn.InstanceNorm1d(3)", "nn.InstanceNorm2d(4, affine=True, track_running_stats=True)",
    "nn.InstanceNorm3d(2, affine=True, bias=False)", "nn.LocalResponseNorm(3)",
    "nn.LocalResponseNorm(2, 0.1, 0.5, 2)", "nn.AdaptiveMaxPool1d(3)",
    "nn.AdaptiveMaxPool2d((2, None), return_indices=True)", "nn.EmbeddingBag(10, 3)",
    "nn.EmbeddingBag(10, 3, mode='max', padding_idx=0, max_norm=1.)",
    "nn.EmbeddingBag(10, 3, norm_type=1.0, mode='sum')", "nn.HingeEmbeddingLoss(reduction='sum')",
    "nn.SoftMarginLoss()", "nn.MultiMarginLoss(p=2, margin=0.5)", "nn.MultiLabelMarginLoss()",
    "nn.Unfold(2)", "nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))",
    "nn.Fold((4, 5), 2)", "nn.MaxUnpool1d(2)", "nn.MaxUnpool1d(3, 2, 1)",
    "nn.MaxUnpool2d(2)", "nn.MaxUnpool2d((2, 3), stride=1)", "nn.RMSNorm(4)",
    "nn.RMSNorm([2, 3], eps=1e-6, elementwise_affine=False)", "nn.LPPool2d(2, 3)",
    "nn.LPPool1d(1.5, 2, 1, ceil_mode=True)", "nn.TripletMarginWithDistanceLoss(margin=0.5)", "nn.Sequential(nn.ReflectionPad2d(1), nn.InstanceNorm2d(3))",
]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    got = [repr(eval(expr, {"nn": m.nn})) for m in (dt, torch)]
    assert got[0] == got[1]


def _r32(m, *shape):
    return m.tensor(np.ones(shape, np.float32))


ERRORS = {
    "pixel_shuffle channels": lambda m: m.nn.functional.pixel_shuffle(_r32(m, 1, 5, 2, 2), 2),
    "pixel_shuffle rank": lambda m: m.nn.functional.pixel_shuffle(_r32(m, 4, 2), 2),
    "pixel_unshuffle height": lambda m: m.nn.functional.pixel_unshuffle(_r32(m, 1, 1, 3, 4), 2),
    "pixel_unshuffle width": lambda m: m.nn.functional.pixel_unshuffle(_r32(m, 1, 1, 4, 3), 2),
    "channel_shuffle channels": lambda m: m.nn.functional.channel_shuffle(_r32(m, 1, 5, 2), 2),
    "channel_shuffle groups": lambda m: m.channel_shuffle(_r32(m, 1, 4, 2), 0),
    "channel_shuffle rank": lambda m: m.nn.ChannelShuffle(2)(_r32(m, 4, 2)),
    "rms_norm shape": lambda m: m.nn.functional.rms_norm(_r32(m, 2, 3), (4,)),
    "RMSNorm shape": lambda m: m.nn.RMSNorm(4)(_r32(m, 2, 3)),
    "triplet_margin_with_distance_loss margin": lambda m: (
        m.nn.functional.triplet_margin_with_distance_loss(
            _r32(m, 2, 3), _r32(m, 2, 3), _r32(m, 2, 3), margin=0.0)),
    "triplet_margin_with_distance_loss ranks": lambda m: (
        m.nn.functional.triplet_margin_with_distance_loss(
            _r32(m, 2, 3), _r32(m, 3), _r32(m, 2, 3))),
    "TripletMarginWithDistanceLoss margin": lambda m: m.nn.TripletMarginWithDistanceLoss(
        margin=-1.0),
    "softshrink lambda": lambda m: m.nn.functional.softshrink(_r32(m, 3), -1.0),
    "Softmax2d rank": lambda m: m.nn.Softmax2d()(_r32(m, 2, 3)),
    "local_response_norm rank": lambda m: m.nn.functional.local_response_norm(_r32(m, 2, 3), 2),
    "InstanceNorm2d rank": lambda m: m.nn.InstanceNorm2d(3)(_r32(m, 2, 3)),
    "instance_norm one element": lambda m: m.nn.functional.instance_norm(_r32(m, 2, 3, 1)),
    "instance_norm no stats": lambda m: m.nn.functional.instance_norm(
        _r32(m, 2, 3, 4), use_input_stats=False),
    "InstanceNorm1d affine channels": lambda m: m.nn.InstanceNorm1d(4, affine=True)(
        _r32(m, 2, 3, 5)),
    "adaptive_max_pool2d negative": lambda m: m.nn.functional.adaptive_max_pool2d(
        _r32(m, 1, 2, 4, 4), (-1, 2)),
    "adaptive_max_pool2d rank": lambda m: m.nn.functional.adaptive_max_pool2d(_r32(m, 4, 4), 2),
    "adaptive_max_pool1d rank": lambda m: m.nn.functional.adaptive_max_pool1d(_r32(m, 4), 2),
    "adaptive_max_pool1d size": lambda m: m.nn.functional.adaptive_max_pool1d(
        _r32(m, 1, 2, 4), (2, 3)),
    "unfold rank": lambda m: m.nn.functional.unfold(_r32(m, 4, 4), 2),
    "unfold 5d": lambda m: m.nn.functional.unfold(_r32(m, 1, 1, 1, 4, 4), 2),
    "unfold kernel too big": lambda m: m.nn.functional.unfold(_r32(m, 1, 1, 2, 2), 3),
    "fold channels": lambda m: m.nn.functional.fold(_r32(m, 1, 5, 12), (4, 5), 2),
    "fold blocks": lambda m: m.nn.functional.fold(_r32(m, 1, 4, 10), (4, 5), 2),
    "fold rank": lambda m: m.nn.functional.fold(_r32(m, 1, 1, 4, 10), (4, 5), 2),
    "MultiMarginLoss p": lambda m: m.nn.MultiMarginLoss(p=3),
    "multi_margin_loss p": lambda m: m.nn.functional.multi_margin_loss(
        _r32(m, 2, 3), m.tensor([0, 1]), p=3),
    "MultiMarginLoss weight": lambda m: m.nn.MultiMarginLoss(weight=_r32(m, 2, 2)),
    "multi_margin_loss target": lambda m: m.nn.functional.multi_margin_loss(
        _r32(m, 2, 3), m.tensor([0, 1, 2])),
    "multi_margin_loss 1d target": lambda m: m.nn.functional.multi_margin_loss(
        _r32(m, 3), m.tensor([0, 1])),
    "multi_margin_loss target range": lambda m: m.nn.functional.multi_margin_loss(
        _r32(m, 3, 2), m.tensor([0, 1, 5])),
    "multi_margin_loss negative target": lambda m: m.nn.MultiMarginLoss()(
        _r32(m, 3, 2), m.tensor([0, 1, -1])),
    "multi_margin_loss float target": lambda m: m.nn.functional.multi_margin_loss(
        _r32(m, 3, 2), _r32(m, 3)),
    "multilabel_margin_loss target range": lambda m: m.nn.MultiLabelMarginLoss()(
        _r32(m, 3, 2), m.tensor([[0, 1], [5, -1], [1, 0]])),
    "multilabel_margin_loss target": lambda m: m.nn.functional.multilabel_margin_loss(
        _r32(m, 2, 3), m.tensor([[0, 1], [1, -1]])),
    "soft_margin_loss reduction": lambda m: m.nn.functional.soft_margin_loss(
        _r32(m, 3), _r32(m, 3), reduction="avg"),
    "HingeEmbeddingLoss reduction at call": lambda m: m.nn.HingeEmbeddingLoss(
        reduction="avg")(_r32(m, 3), _r32(m, 3)),
    "embedding_bag mode": lambda m: m.nn.functional.embedding_bag(
        m.tensor([[1, 2]]), _r32(m, 4, 2), mode="median"),
    "embedding_bag per_sample_weights mode": lambda m: m.nn.functional.embedding_bag(
        m.tensor([[1, 2]]), _r32(m, 4, 2), mode="mean", per_sample_weights=_r32(m, 1, 2)),
    "embedding_bag 2d offsets": lambda m: m.nn.functional.embedding_bag(
        m.tensor([[1, 2]]), _r32(m, 4, 2), m.tensor([0])),
    "embedding_bag no offsets": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), _r32(m, 4, 2)),
    "embedding_bag 2d offsets tensor": lambda m: m.nn.EmbeddingBag(4, 2)(
        m.tensor([1, 2]), m.tensor([[0]])),
    "embedding_bag 3d": lambda m: m.nn.functional.embedding_bag(
        m.tensor([[[1, 2]]]), _r32(m, 4, 2)),
    "embedding_bag offsets[0]": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), _r32(m, 4, 2), m.tensor([1])),
    "embedding_bag offsets[-1]": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), _r32(m, 4, 2), m.tensor([0, 3])),
    "embedding_bag float input": lambda m: m.nn.functional.embedding_bag(
        _r32(m, 2), _r32(m, 4, 2), m.tensor([0])),
    "embedding_bag index range": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 7]), _r32(m, 4, 2), m.tensor([0])),
    "embedding_bag per_sample_weights shape": lambda m: m.nn.functional.embedding_bag(
        m.tensor([1, 2]), _r32(m, 4, 2), m.tensor([0]), mode="sum",
        per_sample_weights=_r32(m, 3)),
    "EmbeddingBag padding_idx": lambda m: m.nn.EmbeddingBag(4, 2, padding_idx=4),
    "dropout1d rank": lambda m: m.nn.functional.dropout1d(_r32(m, 1, 2, 3, 4), 0.5),
    "Dropout1d p": lambda m: m.nn.Dropout1d(1.5),
    "dropout3d p": lambda m: m.nn.functional.dropout3d(_r32(m, 1, 2, 2, 2, 2), -0.1),
    "pdist rank": lambda m: m.pdist(_r32(m, 2, 3, 4)),
    "pdist p": lambda m: m.pdist(_r32(m, 3, 4), -1),
    "ReflectionPad1d too wide": lambda m: m.nn.ReflectionPad1d(3)(_r32(m, 1, 2, 3)),
    "ReflectionPad3d too wide": lambda m: m.nn.ReflectionPad3d(3)(_r32(m, 1, 1, 3, 3, 3)),
    "ReflectionPad2d rank": lambda m: m.nn.ReflectionPad2d(1)(_r32(m, 3, 3)),
    "ReplicationPad2d rank": lambda m: m.nn.ReplicationPad2d(1)(_r32(m, 3, 3)),
    "CircularPad1d wraps twice": lambda m: m.nn.CircularPad1d(4)(_r32(m, 1, 2, 3)),
    "CircularPad2d rank": lambda m: m.nn.CircularPad2d(1)(_r32(m, 3, 3)),
    "upsample_nearest size and scale": lambda m: m.nn.functional.upsample_nearest(
        _r32(m, 1, 1, 2, 2), 4, 2),
    "gumbel_softmax dim": lambda m: m.nn.functional.gumbel_softmax(_r32(m, 2, 3), dim=2),
    "affine_grid theta shape": lambda m: m.nn.functional.affine_grid(
        _r32(m, 1, 3, 3), (1, 1, 2, 2), align_corners=False),
    "affine_grid integer theta": lambda m: m.nn.functional.affine_grid(
        m.tensor([[[1, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2), align_corners=False),
    "affine_grid size": lambda m: m.nn.functional.affine_grid(
        _r32(m, 1, 2, 3), (1, 2, 2), align_corners=False),
    "affine_grid empty size": lambda m: m.nn.functional.affine_grid(
        _r32(m, 1, 2, 3), (1, 1, 0, 2), align_corners=False),
    "grid_sample mode": lambda m: m.nn.functional.grid_sample(
        _r32(m, 1, 1, 2, 2), _r32(m, 1, 2, 2, 2), mode="cubic", align_corners=False),
    "grid_sample padding_mode": lambda m: m.nn.functional.grid_sample(
        _r32(m, 1, 1, 2, 2), _r32(m, 1, 2, 2, 2), padding_mode="wrap", align_corners=False),
    "grid_sample batch": lambda m: m.nn.functional.grid_sample(
        _r32(m, 1, 1, 2, 2), _r32(m, 2, 2, 2, 2), align_corners=False),
    "grid_sample last dim": lambda m: m.nn.functional.grid_sample(
        _r32(m, 1, 1, 2, 2), _r32(m, 1, 2, 2, 3), align_corners=False),
    "max_unpool1d output_size": lambda m: m.nn.functional.max_unpool1d(
        _r32(m, 1, 2, 3), m.zeros(1, 2, 3, dtype=m.int64), 2, output_size=[9]),
    "max_unpool1d output_size length": lambda m: m.nn.functional.max_unpool1d(
        _r32(m, 1, 2, 3), m.zeros(1, 2, 3, dtype=m.int64), 2, output_size=[1, 6]),
    "hardshrink not a tensor": lambda m: m.nn.functional.hardshrink([1.0, 2.0]),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    got = []
    for m in (torch, dt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                ERRORS[name](m)
        got.append(info.value)
    assert isinstance(got[1], type(got[0])), (type(got[0]), type(got[1]))
    assert str(got[1]).splitlines()[0] == str(got[0]).splitlines()[0]
