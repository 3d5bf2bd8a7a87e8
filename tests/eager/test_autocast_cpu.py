"""torch.autocast('cpu') against the real PyTorch 2.13's CPU autocast: the dtype every op returns
(lower-precision list -> bfloat16/float16, float32 list -> float32, the rest as given), values
at 16-bit tolerance, a small model's training step (float32 gradients), nesting, disabling,
the decorator forms and torch.cpu.amp.autocast."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(41)
X = RNG.standard_normal((2, 4)).astype(np.float32)
W = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal(3).astype(np.float32)
IMG = RNG.standard_normal((1, 2, 5, 5)).astype(np.float32)
K = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
SEQ = RNG.standard_normal((1, 2, 5)).astype(np.float32)
K1 = RNG.standard_normal((3, 2, 3)).astype(np.float32)
VOL = RNG.standard_normal((1, 2, 4, 4, 4)).astype(np.float32)
T = np.array([0, 2])
A = (np.eye(3) * 2 + 0.1).astype(np.float32)


def _t(m, a):
    return m.tensor(a)


CASES = {     # name -> f(m, F, h) with h(a) making a tensor of library m
    "matmul": lambda m, F, h: m.matmul(h(X), h(W).t()),
    "@": lambda m, F, h: h(X) @ h(W).t(),
    "mm method": lambda m, F, h: h(X).mm(h(W).t()),
    "bmm": lambda m, F, h: m.bmm(h(X)[None], h(W).t()[None]),
    "addmm": lambda m, F, h: m.addmm(h(B), h(X), h(W).t()),
    "baddbmm": lambda m, F, h: m.baddbmm(h(B)[None, None], h(X)[None], h(W).t()[None]),
    "linear": lambda m, F, h: F.linear(h(X), h(W), h(B)),
    "conv1d": lambda m, F, h: F.conv1d(h(SEQ), h(K1)),
    "conv2d": lambda m, F, h: F.conv2d(h(IMG), h(K), h(B)),
    "conv_transpose2d": lambda m, F, h: F.conv_transpose2d(h(IMG), h(K).transpose(0, 1)),
    "prelu": lambda m, F, h: F.prelu(h(X), m.tensor([0.25])),
    "einsum": lambda m, F, h: m.einsum("ij,kj->ik", h(X), h(W)),
    "sdpa": lambda m, F, h: F.scaled_dot_product_attention(h(X)[None], h(X)[None], h(X)[None]),
    "matmul float64 untouched": lambda m, F, h: m.matmul(h(X).double(), h(W).t().double()),
    "mv not listed": lambda m, F, h: m.mv(h(W), h(X)[0]),
    "softmax keeps bf16": lambda m, F, h: F.softmax(h(X).bfloat16(), 1),
    "softmax float32": lambda m, F, h: F.softmax(h(X), 1),
    "log_softmax": lambda m, F, h: F.log_softmax(h(X).bfloat16(), 1),
    "layer_norm": lambda m, F, h: F.layer_norm(h(X).bfloat16(), (4,)),
    "cross_entropy": lambda m, F, h: F.cross_entropy(h(X).bfloat16(), m.tensor(T)),
    "nll_loss": lambda m, F, h: F.nll_loss(h(X).bfloat16(), m.tensor(T)),
    "mse_loss": lambda m, F, h: F.mse_loss(h(X).bfloat16(), h(X) * 2),
    "l1_loss": lambda m, F, h: F.l1_loss(h(X).bfloat16(), h(X).bfloat16() * 2),
    "smooth_l1_loss": lambda m, F, h: F.smooth_l1_loss(h(X).bfloat16(), h(X).bfloat16() * 2),
    "bce_with_logits": lambda m, F, h: F.binary_cross_entropy_with_logits(
        h(X).bfloat16(), h(np.abs(X) / 3).bfloat16()),
    "kl_div": lambda m, F, h: F.kl_div(h(X).bfloat16(), h(np.abs(X)).bfloat16(),
                                       reduction="batchmean"),
    "prod": lambda m, F, h: h(X).bfloat16().prod(),
    "sum keeps bf16": lambda m, F, h: h(X).bfloat16().sum(),
    "relu": lambda m, F, h: F.relu(h(X).bfloat16()),
    "add promotes": lambda m, F, h: h(X).bfloat16() + h(X),
    "cat promotes": lambda m, F, h: m.cat([h(X).bfloat16(), h(X)]),
    "avg_pool3d": lambda m, F, h: F.avg_pool3d(h(VOL).bfloat16(), 2),
    "max_pool2d keeps": lambda m, F, h: F.max_pool2d(h(IMG).bfloat16(), 2),
    "pad reflect": lambda m, F, h: F.pad(h(IMG).bfloat16(), (1, 1, 1, 1), mode="reflect"),
    "pad constant": lambda m, F, h: F.pad(h(IMG).bfloat16(), (1, 1, 1, 1)),
    "cdist": lambda m, F, h: m.cdist(h(X).bfloat16(), h(X).bfloat16()),
    "inverse": lambda m, F, h: m.inverse(h(A).bfloat16()),
    "linalg.solve": lambda m, F, h: m.linalg.solve(h(A).bfloat16(), h(A).bfloat16()),
}


def _run(m, name, dtype):
    F = m.nn.functional
    h = (lambda a: m.tensor(a))
    with m.autocast("cpu", dtype=dtype):
        return CASES[name](m, F, h)


FP16 = ["matmul", "@", "linear", "conv2d", "log_softmax", "cross_entropy", "prod", "relu",
        "add promotes", "pad reflect"]


@pytest.mark.parametrize("name, half", [(n, "bfloat16") for n in CASES] +
                         [(n, "float16") for n in FP16])
def test_op_dtypes_and_values_match_torch(name, half):
    want = _run(torch, name, getattr(torch, half))
    got = _run(dt, name, getattr(dt, half))
    assert str(got.dtype) == str(want.dtype), name
    w = want.detach().float().numpy()
    g = got.detach().float().numpy()
    np.testing.assert_allclose(g, w, rtol=2e-2, atol=2e-2 * max(1.0, float(np.abs(w).max())))


def _models(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Conv2d(1, 2, 3), m.nn.ReLU(), m.nn.Flatten(),
                           m.nn.Linear(18, 4), m.nn.LayerNorm(4), m.nn.Linear(4, 3))


def test_training_step_matches_torch_with_float32_gradients():
    tm = _models(torch)
    dm = _models(dt)
    dm.load_state_dict({k: dt.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = RNG.standard_normal((4, 1, 5, 5)).astype(np.float32)
    y = np.array([0, 1, 2, 1])
    outs = {}
    for m, model in ((torch, tm), (dt, dm)):
        opt = m.optim.SGD(model.parameters(), lr=0.1)
        with m.autocast(device_type="cpu", dtype=m.bfloat16):
            out = model(m.tensor(x))
            loss = m.nn.functional.cross_entropy(out, m.tensor(y))
        loss.backward()
        grads = {k: p.grad for k, p in model.named_parameters()}
        opt.step()
        outs[m] = (out, loss, grads, {k: p.detach() for k, p in model.named_parameters()})
    (to, tl, tg, tp), (do, dl, dg, dp) = outs[torch], outs[dt]
    assert str(do.dtype) == str(to.dtype) == "torch.bfloat16"
    assert str(dl.dtype) == str(tl.dtype) == "torch.float32"
    assert abs(dl.item() - tl.item()) < 2e-2
    for k in tg:
        assert str(dg[k].dtype) == "torch.float32"
        np.testing.assert_allclose(dg[k].numpy(), tg[k].numpy(), rtol=5e-2, atol=5e-2)
        np.testing.assert_allclose(dp[k].numpy(), tp[k].numpy(), rtol=2e-2, atol=2e-2)


def test_nesting_disabling_decorators_and_state():
    x = dt.tensor(X)
    with dt.autocast("cpu"):
        assert dt.is_autocast_enabled("cpu") and not dt.is_autocast_enabled()
        assert (x @ x.t()).dtype == dt.bfloat16
        with dt.autocast("cpu", enabled=False):
            assert (x @ x.t()).dtype == dt.float32 and not dt.is_autocast_enabled("cpu")
        with dt.autocast("cpu", dtype=dt.float16):
            assert (x @ x.t()).dtype == dt.float16
        assert (x @ x.t()).dtype == dt.bfloat16
    assert (x @ x.t()).dtype == dt.float32 and not dt.is_autocast_enabled("cpu")

    @dt.autocast("cpu")
    def f(a):
        return a @ a.t()

    assert f(x).dtype == dt.bfloat16 and (x @ x.t()).dtype == dt.float32
    with pytest.warns(FutureWarning, match="torch.cpu.amp.autocast"):
        ctx = dt.cpu.amp.autocast()
    with ctx:
        assert dt.get_autocast_dtype("cpu") == dt.bfloat16
        assert dt.nn.functional.linear(x, x).dtype == dt.bfloat16
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of torch.bfloat16"):
        ctx = dt.autocast("cpu", dtype=dt.float64)
    with ctx:
        assert (x @ x.t()).dtype == dt.float32
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"), \
            dt.autocast("cpu"):
        dt.nn.functional.linear(x, dt.ones(3, 5))
    assert (x @ x.t()).dtype == dt.float32            # the failed region closed cleanly


def test_weight_casts_are_cached_within_a_region():
    w = dt.tensor(W, requires_grad=True)
    x = dt.tensor(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with dt.autocast("cpu"):
            y = sum((x @ w.t()).float().sum() for _ in range(3))
    y.backward()
    tw = torch.tensor(W, requires_grad=True)
    with torch.autocast("cpu"):
        ty = sum((torch.tensor(X) @ tw.t()).float().sum() for _ in range(3))
    ty.backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-2, atol=1e-2)


MODULES = {   # name -> (factory(m), input shape): the module runs on the input under autocast
    "MultiheadAttention": (lambda m: _SelfAttention(m), (2, 5, 8)),
    "TransformerEncoderLayer": (lambda m: m.nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, batch_first=True), (2, 5, 8)),
    "Linear+LayerNorm": (lambda m: m.nn.Sequential(m.nn.Linear(8, 8), m.nn.LayerNorm(8)),
                         (2, 5, 8)),
    "Linear+BatchNorm1d": (lambda m: m.nn.Sequential(m.nn.Linear(8, 8), m.nn.BatchNorm1d(5)),
                           (2, 5, 8)),
    "Conv+GroupNorm": (lambda m: m.nn.Sequential(m.nn.Conv2d(2, 4, 1), m.nn.GroupNorm(2, 4)),
                       (1, 2, 3, 3)),
    "ConvTranspose2d": (lambda m: m.nn.ConvTranspose2d(2, 3, 3), (1, 2, 4, 4)),
    "GRU": (lambda m: _First(m.nn.GRU(8, 4, batch_first=True)), (2, 5, 8)),
}


class _SelfAttention:
    def __new__(cls, m):
        class SelfAttention(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.mha = m.nn.MultiheadAttention(8, 2, batch_first=True)

            def forward(self, x):
                return self.mha(x, x, x)[0]
        return SelfAttention()


class _First:
    def __new__(cls, inner):
        m = dt if isinstance(inner, dt.nn.Module) else torch

        class First(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = inner

            def forward(self, x):
                return self.inner(x)[0]
        return First()


@pytest.mark.parametrize("name", list(MODULES))
def test_modules_under_autocast_match_torch(name):
    make, shape = MODULES[name]
    torch.manual_seed(0)
    tm = make(torch)
    dm = make(dt)
    dm.load_state_dict({k: dt.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = RNG.standard_normal(shape).astype(np.float32)
    with torch.autocast("cpu"):
        want = tm(torch.tensor(x))
    with dt.autocast("cpu"):
        got = dm(dt.tensor(x))
    assert str(got.dtype) == str(want.dtype)
    w = want.detach().float().numpy()
    np.testing.assert_allclose(got.detach().float().numpy(), w, rtol=3e-2,
                               atol=3e-2 * max(1.0, float(np.abs(w).max())))


def _custom_functions(m):
    class CastToFloat(m.autograd.Function):
        @staticmethod
        @m.amp.custom_fwd(device_type="cpu", cast_inputs=m.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            ctx.seen = (str(a.dtype), str(b.dtype), m.is_autocast_enabled("cpu"))
            return a @ b

        @staticmethod
        @m.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ctx.seen_bwd = m.is_autocast_enabled("cpu")
            return g @ b.t(), a.t() @ g

    class KeepRegion(m.autograd.Function):
        @staticmethod
        @m.amp.custom_fwd(device_type="cpu")
        def forward(ctx, a):
            return a @ a

        @staticmethod
        @m.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            ctx.seen_bwd = (m.is_autocast_enabled("cpu"), str(g.dtype))
            return g @ g

    return CastToFloat, KeepRegion


def test_custom_fwd_and_custom_bwd_like_torch():
    seen = {}
    a0 = RNG.standard_normal((2, 2)).astype(np.float32)
    for m in (torch, dt):
        cast, keep = _custom_functions(m)
        a = m.tensor(a0, requires_grad=True)
        b = m.tensor(a0).bfloat16().requires_grad_()
        with m.autocast("cpu"):
            y = cast.apply(a, b)
            z = keep.apply(a)
        (y.sum() + z.float().sum()).backward()
        seen[m] = (str(y.dtype), str(z.dtype), str(a.grad.dtype), str(b.grad.dtype),
                   y.grad_fn is not None, a.grad.float().numpy())
    assert seen[dt][:5] == seen[torch][:5]
    np.testing.assert_allclose(seen[dt][5], seen[torch][5], rtol=2e-2, atol=2e-2)
    with pytest.warns(DeprecationWarning, match="is_autocast_cpu_enabled"), \
            dt.autocast("cpu", cache_enabled=False):
        assert dt.is_autocast_cpu_enabled() and not dt.is_autocast_cache_enabled()
    assert dt.is_autocast_cache_enabled() and dt.clear_autocast_cache() is None


def test_weight_cast_cache_never_serves_a_stale_or_freed_cast():
    # PyTorch's cache would keep serving the first step's bfloat16 weights here (its loss stays
    # constant; its docs say not to run backward inside autocast): dlcore drops the cache at
    # every backward, so the loop trains, and no cast made under no_grad is reused with grad.
    dt.manual_seed(0)
    m = dt.nn.Linear(3, 2)
    opt = dt.optim.SGD(m.parameters(), lr=0.1)
    x = dt.tensor(X[:, :3])
    losses = []
    with dt.autocast("cpu"):
        for _ in range(3):
            opt.zero_grad()
            loss = m(x).float().pow(2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[0] > losses[1] > losses[2]
        m.zero_grad()
        with dt.no_grad():
            m(x)
        m(x).float().sum().backward()
    assert m.weight.grad is not None and float(m.weight.grad.abs().sum()) > 0
