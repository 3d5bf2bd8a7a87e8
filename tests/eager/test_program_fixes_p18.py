"""Library fixes found by session 18's tutorial programs (tests/programs/eager/, fidpt6): each
checked against real PyTorch 2.13's behaviour."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _inference_probe(lib):
    @lib.inference_mode                           # bare, as LLaMA's generate() is decorated
    def bare(x):
        return lib.is_inference_mode_enabled(), lib.is_grad_enabled(), (x * 2).requires_grad

    @lib.inference_mode()
    def called(x):
        return lib.is_inference_mode_enabled(), (x * 2).requires_grad

    x = lib.ones(2, requires_grad=True)
    out = [lib.is_inference_mode_enabled(), bare(x), called(x), bare.__name__]
    with lib.inference_mode():
        out.append(lib.is_inference_mode_enabled())
        with lib.inference_mode(False):
            out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
        out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
    out.append((lib.is_inference_mode_enabled(), lib.is_grad_enabled()))
    return out


def test_inference_mode_is_a_bare_decorator_and_reports_itself_as_torch():
    got, want = _inference_probe(dl), _inference_probe(torch)
    assert got == want
    assert want[1] == (True, False, False) and want[-1] == (False, True)


def test_inference_mode_flag_is_per_thread_and_restored_after_an_error():
    seen = []
    with dl.inference_mode():
        t = threading.Thread(target=lambda: seen.append(dl.is_inference_mode_enabled()))
        t.start()
        t.join()
    assert seen == [False]
    with pytest.raises(ZeroDivisionError), dl.inference_mode():
        _ = 1 / 0
    assert not dl.is_inference_mode_enabled() and dl.is_grad_enabled()


def _gradcam(lib):
    """Grad-CAM's pattern: a forward hook keeps the activations, a full backward hook the
    gradients, both on one layer (the forward hook did not run when a backward hook was there)."""
    lib.manual_seed(0)
    conv = lib.nn.Conv2d(1, 2, 3, padding=1)
    net = lib.nn.Sequential(conv, lib.nn.Tanh(), lib.nn.AdaptiveAvgPool2d(1), lib.nn.Flatten(),
                            lib.nn.Linear(2, 3))
    store = {}
    conv.register_forward_hook(lambda m, i, o: store.__setitem__("act", o.detach()))
    conv.register_full_backward_hook(lambda m, gi, go: store.__setitem__("grad", go[0]))
    x = lib.arange(16.0).reshape(1, 1, 4, 4) / 10
    net(x)[0, 1].backward()
    weights = store["grad"].mean(dim=(2, 3), keepdim=True)
    return (weights * store["act"]).sum(1).detach().numpy()


def test_forward_hook_runs_beside_a_full_backward_hook_as_grad_cam_uses_them():
    with warnings.catch_warnings():          # torch's "no inputs require gradients" note
        warnings.simplefilter("ignore", UserWarning)
        ref = _gradcam(torch)
    got = _gradcam(dl)                       # the same seed draws the same weights
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)
    assert got.shape == (1, 4, 4) and ref.any()


def _hook_trace(lib):
    m = lib.nn.Linear(2, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
        m.bias.zero_()
    log = []

    def twice(mod, args, out):                # registered twice: runs twice (it ran once)
        log.append("twice")

    def pre_kw(mod, args, kwargs):
        log.append(("pre_kw", sorted(kwargs)))
        return (args[0] * 2,), kwargs

    def post_kw(mod, args, kwargs, out):
        log.append(("post_kw", args[0].tolist()))
        return out + 1

    m.register_forward_hook(twice)
    h = m.register_forward_hook(twice)
    m.register_forward_pre_hook(pre_kw, with_kwargs=True)
    m.register_forward_pre_hook(lambda mod, args: log.append("first"), prepend=True)
    m.register_forward_hook(post_kw, with_kwargs=True, prepend=True)
    out1 = m(lib.ones(1, 2)).tolist()
    h.remove()
    with m.register_forward_hook(lambda mod, a, o: o * 0):
        out2 = m(lib.ones(1, 2)).tolist()
    out3 = m(lib.ones(1, 2)).tolist()
    bad = lib.nn.Linear(2, 2)
    bad.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError) as err:
        bad(lib.ones(2))
    return log, out1, out2, out3, str(err.value)


def test_forward_hooks_with_kwargs_prepend_repeats_and_handles_as_torch():
    got, want = _hook_trace(dl), _hook_trace(torch)
    assert got == want
    assert want[0][:5] == ["first", ("pre_kw", []), ("post_kw", [[2.0, 2.0]]), "twice", "twice"]
    assert want[-1] == ("forward pre-hook must return None or a tuple of (new_args, "
                        "new_kwargs), but got 5.")


def _always_call(lib):
    class Boom(lib.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    b = Boom()
    b.register_forward_hook(lambda m, a, o: seen.append(("plain", o)))
    b.register_forward_hook(lambda m, a, o: seen.append(("always", o)), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        b(lib.ones(1))
    ok = lib.nn.Identity()
    ok.register_forward_hook(lambda m, a, o: seen.append(("ok", o.tolist())), always_call=True)
    ok(lib.ones(1))
    return seen


def test_always_call_forward_hook_runs_when_forward_raises():
    assert _always_call(dl) == _always_call(torch) == [("always", None), ("ok", [1.0])]


def test_nn_utils_stateless_is_reachable_and_warns_as_torch():
    m = dl.nn.Linear(2, 1)
    params = {"weight": dl.ones(1, 2), "bias": dl.zeros(1)}
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        out = dl.nn.utils.stateless.functional_call(m, params, (dl.ones(1, 2),))
    assert out.item() == 2.0


def _unbatched(lib):
    from_np = lib.utils.data

    class Stream(from_np.IterableDataset):                # pre-batched NumPy chunks
        def __iter__(self):
            for k in range(2):
                yield {"x": np.full((2, 3), k, np.float32), "tag": "chunk"}

    class Pairs(from_np.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.arange(i, i + 2), (i, float(i))

    def show(v):
        if isinstance(v, dict):
            return {k: show(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return (type(v).__name__, [show(x) for x in v])
        return (type(v).__name__, v.tolist() if hasattr(v, "tolist") else v)

    loaders = [from_np.DataLoader(Stream(), batch_size=None),
               from_np.DataLoader(Pairs(), batch_size=None),
               from_np.DataLoader(Pairs(), batch_size=None, collate_fn=lambda s: s[1]),
               from_np.DataLoader(Pairs(), batch_size=None, num_workers=1)]
    return [[show(b) for b in loader] for loader in loaders] + [
        loaders[0].collate_fn.__name__, from_np.DataLoader(Pairs()).collate_fn.__name__]


def test_loader_without_auto_batching_converts_each_sample_as_torch():
    """batch_size=None: each sample goes through collate_fn (default_convert: NumPy arrays
    become tensors, tuples lists); a pre-batched stream came out as NumPy arrays and a given
    collate_fn was ignored."""
    got, want = _unbatched(dl), _unbatched(torch)
    assert got == want
    assert want[0][0] == {"x": ("Tensor", [[0.0] * 3] * 2), "tag": ("str", "chunk")}
    assert want[2] == [("tuple", [("int", i), ("float", float(i))]) for i in range(3)]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(("n", "kernel", "dilation"), [(1, 4, 1), (2, 3, 2), (2, (2, 3), 1)])
def test_same_padding_with_a_padding_mode_pads_in_that_mode(mode, n, kernel, dilation):
    """padding='same' with a non-zero padding_mode padded with zeros (the mode was ignored)."""
    shape = (2, 3) + (7,) * n
    x = np.random.default_rng(n).standard_normal(shape).astype(np.float32)
    outs = []
    for lib in (torch, dl):
        lib.manual_seed(0)
        conv = getattr(lib.nn, f"Conv{n}d")(3, 2, kernel, padding="same", dilation=dilation,
                                            padding_mode=mode)
        outs.append(conv(lib.tensor(x)).detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-5)
    assert outs[1].shape == (2, 2) + (7,) * n


def _channel_dropouts(lib):
    F = lib.nn.functional
    lib.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = [lib.nn.Dropout1d(0.5)(lib.ones(2, 4, 3)).sum(-1).tolist(),
               F.dropout1d(lib.ones(4, 3), 0.5).sum(-1).tolist(),
               lib.nn.Dropout3d(0.5)(lib.ones(1, 3, 2, 2, 2)).sum((-1, -2, -3)).tolist()]
    return out, [str(w.message)[:40] for w in caught]


def test_dropout1d_and_3d_warn_nothing_and_draw_torchs_channels():
    """Dropout1d on (N, C, L) warned dropout2d's 3-D-input deprecation (torch warns nothing)."""
    got, want = _channel_dropouts(dl), _channel_dropouts(torch)
    assert got == want and want[1] == []


def _feature_alpha(lib):
    F = lib.nn.functional
    lib.manual_seed(0)
    x = lib.randn(2, 3, 4, requires_grad=True)
    y = F.feature_alpha_dropout(x, 0.4, training=True)
    y.pow(2).sum().backward()
    module = lib.nn.FeatureAlphaDropout(0.5)
    out = [y.detach().numpy(), x.grad.numpy(), module(lib.ones(1, 4, 2, 2)).sum((2, 3)).numpy(),
           repr(module), module.eval()(lib.ones(2, 2)).numpy()]
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(lib.ones(3), 0.5, training=True)
    return out


def test_feature_alpha_dropout_as_torch():
    """F.feature_alpha_dropout / nn.FeatureAlphaDropout were missing: one draw per (N, C),
    alpha dropout's affine map; the same draws, values and gradients as torch."""
    got, want = _feature_alpha(dl), _feature_alpha(torch)
    for g, w in zip(got, want):
        if isinstance(w, str):
            assert g == w
        else:
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert len({round(float(v), 4) for v in want[0][0, 0]}) == 4      # per channel: x or a const


def _tensor_lr(lib, name):
    lib.manual_seed(0)
    m = lib.nn.Linear(3, 2)
    opt = getattr(lib.optim, name)(m.parameters(), lr=lib.tensor(0.01))
    sched = lib.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        m(lib.ones(4, 3)).pow(2).sum().backward()
        opt.step()
        sched.step()
    lr = opt.param_groups[0]["lr"]
    return m.weight.detach().numpy(), type(lr).__name__, float(lr)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam",
                                  "RAdam", "Adamax", "Adadelta", "ASGD", "Rprop"])
def test_optimizers_take_a_tensor_lr_as_torch(name):
    """lr=torch.tensor(0.01) (torch 2.13 accepts it) failed in step(): NumPy arithmetic with a
    Tensor; the Tensor stays in param_groups, as torch's."""
    got, want = _tensor_lr(dl, name), _tensor_lr(torch, name)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)
    assert got[1] == want[1] == "Tensor" and got[2] == want[2] == pytest.approx(0.00125)
