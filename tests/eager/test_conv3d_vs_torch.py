"""3-D convolution, pooling and resizing in the eager front end against PyTorch 2.13: values and
input/weight gradients of the functional ops (float64, tiny NCDHW shapes, a random cotangent),
the modules' parameters, state_dict keys, initialisation bounds and reprs, and the errors (type
and PyTorch's message).  The finite-difference gradients and the CUDA-simulator runs of the
same primitives are the op table's rows (tests/core/op_rows_conv3d.py)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _run(fn_t, fn_d, shapes, seed=0, grad=True):
    """fn(*tensors) in both libraries; the values, then the gradients of sum(out * g)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    ds = [dt.tensor(a, requires_grad=grad) for a in arrays]
    yt, yd = fn_t(*ts), fn_d(*ds)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(yd[1].numpy(), yt[1].numpy())     # indices
        yt, yd = yt[0], yd[0]
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    if grad:
        g = rng.standard_normal(tuple(yt.shape))
        yt.backward(torch.tensor(g))
        yd.backward(dt.tensor(g))
        for a, b in zip(ds, ts):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def _both(name, *args, **kw):
    return (lambda *t: getattr(TF, name)(*t, *args, **kw),
            lambda *t: getattr(dt.nn.functional, name)(*t, *args, **kw))


@pytest.mark.parametrize("kw,shapes", [
    (dict(stride=(1, 2, 1), padding=(1, 0, 1), dilation=(1, 1, 2), groups=2),
     ((2, 4, 3, 5, 4), (4, 2, 2, 2, 2), (4,))),
    (dict(padding="same", dilation=(2, 1, 1)), ((1, 2, 4, 3, 3), (3, 2, 2, 3, 1), (3,))),
    (dict(stride=2), ((2, 3, 3, 3), (2, 2, 2, 2, 2), (2,))),      # unbatched (C, D, H, W)
])
def test_conv3d(kw, shapes):
    t, d = _both("conv3d", **kw)
    _run(t, d, shapes)


@pytest.mark.parametrize("kw,shapes", [
    (dict(stride=2, padding=1, output_padding=1, groups=2),
     ((1, 4, 2, 3, 2), (4, 1, 3, 2, 3), (2,))),
    (dict(stride=(1, 2, 3), dilation=(2, 1, 1)), ((2, 2, 2, 2, 2), (2, 3, 2, 2, 2), (3,))),
])
def test_conv_transpose3d(kw, shapes):
    t, d = _both("conv_transpose3d", **kw)
    _run(t, d, shapes)


@pytest.mark.parametrize("kw", [
    dict(kernel_size=2, stride=(2, 1, 2), padding=1, ceil_mode=True, return_indices=True),
    dict(kernel_size=(3, 2, 2), stride=1, dilation=(1, 2, 1), return_indices=True),
    dict(kernel_size=2),
])
def test_max_pool3d(kw):
    t, d = _both("max_pool3d", **kw)
    _run(t, d, ((2, 2, 4, 5, 4),))


@pytest.mark.parametrize("kw", [
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=True),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0), ceil_mode=True,
         count_include_pad=False),
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=5),
    dict(kernel_size=2, count_include_pad=False, divisor_override=3),
])
def test_avg_pool3d(kw):
    t, d = _both("avg_pool3d", **kw)
    _run(t, d, ((2, 2, 4, 5, 5),))


def test_avg_pool2d_divisor_override_and_zero_divisor():
    t, d = _both("avg_pool2d", (2, 3), 2, (1, 1), divisor_override=4)
    _run(t, d, ((2, 2, 5, 6),))
    for m in (torch, dt):
        with pytest.raises(RuntimeError, match="divisor must be not zero"):
            m.nn.functional.avg_pool3d(m.ones(1, 1, 2, 2, 2), 2, divisor_override=0)


@pytest.mark.parametrize("out", [(2, 3, 2), 1, (None, 2, 3)])
def test_adaptive_pool3d(out):
    for name, kw in (("adaptive_avg_pool3d", {}), ("adaptive_max_pool3d",
                                                   dict(return_indices=True))):
        t, d = _both(name, out, **kw)
        _run(t, d, ((2, 2, 5, 4, 5),))


@pytest.mark.parametrize("kw", [
    dict(size=(3, 5, 4), mode="nearest"), dict(scale_factor=2, mode="trilinear"),
    dict(size=(4, 2, 5), mode="trilinear", align_corners=True),
])
def test_interpolate_5d(kw):
    t, d = _both("interpolate", **kw)
    _run(t, d, ((1, 2, 2, 3, 3),))


@pytest.mark.parametrize("name,args,kw", [
    ("Conv3d", (4, 6, (3, 2, 2)), dict(stride=2, padding=1, groups=2)),
    ("Conv3d", (4, 3, 2), dict(bias=False, padding_mode="replicate", padding=1)),
    ("ConvTranspose3d", (4, 6, 2), dict(stride=2, output_padding=1, groups=2, dilation=1)),
    ("MaxPool3d", (2,), dict(stride=1, return_indices=True)),
    ("AvgPool3d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool3d", (2,), dict(divisor_override=7)),
    ("AdaptiveAvgPool3d", ((2, 1, 3),), {}),
    ("AdaptiveMaxPool3d", (2,), dict(return_indices=True)),
    ("BatchNorm3d", (4,), {}),
    ("InstanceNorm3d", (4,), dict(affine=True, track_running_stats=True)),
    ("Upsample", (), dict(scale_factor=(1, 2, 1), mode="trilinear")),
])
def test_modules_match_torch(name, args, kw):
    torch.manual_seed(0)
    tm, dm = getattr(torch.nn, name)(*args, **kw), getattr(dt.nn, name)(*args, **kw)
    tm, dm = tm.double(), dm.double()
    assert repr(dm) == repr(tm) or name == "BatchNorm3d"    # torch 2.13 adds 'bias=True'
    tsd = tm.state_dict()
    dsd = dm.state_dict()
    assert list(dsd) == list(tsd)
    assert [tuple(v.shape) for v in dsd.values()] == [tuple(v.shape) for v in tsd.values()]
    if hasattr(tm, "weight") and name.startswith("Conv"):    # kaiming_uniform(a=sqrt(5))
        w = dm.weight.detach().numpy()
        bound = 1 / np.sqrt(w.shape[1] * np.prod(w.shape[2:]))
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    dm.load_state_dict({k: dt.tensor(v.detach().numpy()) for k, v in tsd.items()})
    x = np.random.default_rng(1).standard_normal((2, 4, 4, 5, 4))
    xt, xd = torch.tensor(x, requires_grad=True), dt.tensor(x, requires_grad=True)
    yt, yd = tm(xt), dm(xd)
    if isinstance(yt, tuple):
        np.testing.assert_array_equal(yd[1].numpy(), yt[1].numpy())
        yt, yd = yt[0], yd[0]
    np.testing.assert_allclose(yd.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-10)
    yt.pow(2).sum().backward()
    yd.pow(2).sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    for (k, pt), (k2, pd) in zip(tm.named_parameters(), dm.named_parameters()):
        assert k == k2
        np.testing.assert_allclose(pd.grad.numpy(), pt.grad.numpy(), rtol=1e-9, atol=1e-9)
    for k, v in tm.state_dict().items():                     # running statistics too
        np.testing.assert_allclose(dm.state_dict()[k].numpy(), v.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda m: m.nn.functional.conv3d(m.ones(1, 2, 3, 3, 3), m.ones(1, 3, 2, 2, 2)),
    lambda m: m.nn.functional.conv3d(m.ones(2, 3, 3), m.ones(1, 2, 2, 2, 2)),
    lambda m: m.nn.functional.conv3d(m.ones(1, 1, 2, 3, 3), m.ones(1, 1, 3, 2, 2)),
    lambda m: m.nn.functional.conv_transpose3d(m.ones(1, 1, 2, 2, 2), m.ones(1, 1, 2, 2, 2),
                                               output_padding=1),
    lambda m: m.nn.functional.max_pool3d(m.ones(2, 3, 3), 2),
    lambda m: m.nn.functional.adaptive_avg_pool3d(m.ones(2, 3, 3), 2),
    lambda m: m.nn.functional.adaptive_max_pool3d(m.ones(2, 3, 3), 2),
    lambda m: m.nn.BatchNorm3d(2)(m.ones(2, 2, 3, 3)),
    lambda m: m.nn.Conv3d(3, 4, 2, groups=2),
])
def test_errors_have_torch_types(fn):
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)):
        fn(dt)


@pytest.mark.parametrize("fn,message", [
    (lambda m: m.nn.functional.interpolate(m.ones(1, 1, 2, 2), size=(3, 3), mode="trilinear"),
     "Got 4D input, but trilinear mode needs 5D input"),
    (lambda m: m.nn.functional.interpolate(m.ones(1, 1, 2, 2, 2), size=3, mode="bilinear"),
     "Got 5D input, but bilinear mode needs 4D input"),
    (lambda m: m.nn.functional.adaptive_avg_pool3d(m.ones(2, 3, 3), 2),
     r"adaptive_avg_pool3d\(\): Expected 4D or 5D tensor, but got \[2, 3, 3\]"),
    (lambda m: m.nn.functional.adaptive_max_pool3d(m.ones(2, 3, 3), 2),
     r"adaptive_max_pool3d\(\): Expected 4D or 5D tensor, but got: \[2, 3, 3\]"),
    (lambda m: m.nn.BatchNorm3d(2)(m.ones(2, 2, 3, 3)), r"expected 5D input \(got 4D input\)"),
    (lambda m: m.nn.functional.conv3d(m.ones(1, 2, 3, 3, 3), m.ones(1, 3, 2, 2, 2)),
     "but got 2 channels"),
])
def test_error_messages_as_torch(fn, message):
    for m in (torch, dt):
        with pytest.raises((RuntimeError, ValueError, NotImplementedError), match=message):
            fn(m)


def test_conv3d_module_state_unchanged_after_bad_input():
    m = dt.nn.Conv3d(2, 3, 2)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    with pytest.raises(RuntimeError, match="channels"):
        m(dt.ones(1, 3, 3, 3, 3))
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
