"""bfloat16 tensors in the eager front end, against the real PyTorch (CPU), bit for bit.

bfloat16 is ml_dtypes' NumPy dtype (kind 'V'; ``dlcore.dtypes.is_floating`` is the one test of
"floating").  Stored as bfloat16; each op computes in float32 and rounds its result to bfloat16
once, in the one place the eager front end casts 16-bit floats up (``_dispatch._apply_half``),
as PyTorch's CPU kernels do (Python scalars rounded to bfloat16 first, except by mul and div);
composites mean/softmax/log_softmax compute wholly in float32; backward runs each vjp in
float32 and rounds each gradient once."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ml_dtypes")
torch = pytest.importorskip("torch")

import dlcore_eager as dt  # noqa: E402
from dlcore import dtypes as core_dtypes  # noqa: E402

RNG = np.random.default_rng(1616)
A = RNG.standard_normal((6, 5)).astype(np.float32)
B = RNG.standard_normal((5, 4)).astype(np.float32)

FORWARD = {
    "add": lambda m, x, w: x + x * 0.37,
    "sub/rsub scalar": lambda m, x, w: (1.3 - x) - 0.37,
    "mul/div scalar": lambda m, x, w: x * 2.7 / 1.3,
    "rdiv scalar": lambda m, x, w: 1.7 / x + m.div(2.5, x),
    "rdiv scalar float32": lambda m, x, w: 1.7 / x.float(),
    "div": lambda m, x, w: x / (x.abs() + 0.1),
    "pow scalar": lambda m, x, w: x.abs() ** 1.7,
    "exp/tanh/sqrt/sin": lambda m, x, w: m.exp(x) + m.tanh(x) + x.abs().sqrt() + m.sin(x),
    "sigmoid/log1p": lambda m, x, w: m.sigmoid(x) * m.log1p(x.abs()),
    "gelu/silu/softplus": lambda m, x, w: m.nn.functional.gelu(x) + m.nn.functional.silu(x)
    + m.nn.functional.softplus(x),
    "lerp": lambda m, x, w: m.lerp(x, x * 0.5, 0.3),
    "matmul": lambda m, x, w: x @ w,
    "linear": lambda m, x, w: m.nn.functional.linear(x, w.t()),
    "sum": lambda m, x, w: x.sum(),
    "sum dim": lambda m, x, w: x.sum(1),
    "mean": lambda m, x, w: x.mean(0),
    "max/argmax": lambda m, x, w: x.max(1).values + x.argmax(1),
    "amin/prod": lambda m, x, w: x.amin(0) * x[:3].prod(0),
    "softmax": lambda m, x, w: m.softmax(x, 1),
    "log_softmax": lambda m, x, w: m.log_softmax(x, 0),
    "cumsum": lambda m, x, w: x.cumsum(1),
    "compare": lambda m, x, w: (x > 0.37) & (x <= w.sum()),
    "where/clamp": lambda m, x, w: m.where(x > 0, x, m.clamp(x, min=-0.3)),
    "bf16 + float": lambda m, x, w: x + x.float(),
    "bf16 + half": lambda m, x, w: x + x.half(),
    "bf16 + int": lambda m, x, w: x + m.ones(6, 5, dtype=m.int64),
    "bf16 + 0-d float": lambda m, x, w: x + m.tensor(1.1),
    "bf16 + int scalar": lambda m, x, w: x * 3 + 257,
    "views": lambda m, x, w: x.reshape(5, 6).t()[1:3, ::2],
    "cat": lambda m, x, w: m.cat([x, x * 2], 0),
    "to float": lambda m, x, w: (x * 3).to(m.float32),
    "to int": lambda m, x, w: (x * 3).to(m.int32),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_matches_torch_bit_for_bit(name):
    f = FORWARD[name]
    got = f(dt, dt.tensor(A).bfloat16(), dt.tensor(B).bfloat16())
    want = f(torch, torch.tensor(A).bfloat16(), torch.tensor(B).bfloat16())
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.float().numpy(), want.float().numpy())


BACKWARD = {
    "matmul": lambda m, x, w: x @ w,
    "mul": lambda m, x, w: (x * x) @ w,
    "tanh": lambda m, x, w: m.tanh(x) @ w,
    "mean": lambda m, x, w: (x @ w).mean(0),
    "sum": lambda m, x, w: (x @ w).sum(1),
    "linear+relu": lambda m, x, w: m.relu(m.nn.functional.linear(x, w.t())),
}


@pytest.mark.parametrize("name", sorted(BACKWARD))
def test_gradients_match_torch_bit_for_bit(name):
    f = BACKWARD[name]
    x, w = dt.tensor(A).bfloat16().requires_grad_(), dt.tensor(B).bfloat16().requires_grad_()
    X, W = torch.tensor(A).bfloat16().requires_grad_(), torch.tensor(B).bfloat16().requires_grad_()
    y, Y = f(dt, x, w), f(torch, X, W)
    g = RNG.standard_normal(tuple(Y.shape)).astype(np.float32)
    y.backward(dt.tensor(g).bfloat16())
    Y.backward(torch.tensor(g).bfloat16())
    assert x.grad.dtype == dt.bfloat16 and w.grad.dtype == dt.bfloat16
    np.testing.assert_array_equal(x.grad.float().numpy(), X.grad.float().numpy())
    np.testing.assert_array_equal(w.grad.float().numpy(), W.grad.float().numpy())


def test_creation_conversion_printing_and_finfo():
    x = dt.tensor([1.1, 2.3, -0.5], dtype=dt.bfloat16)
    X = torch.tensor([1.1, 2.3, -0.5], dtype=torch.bfloat16)
    assert x.dtype == dt.bfloat16 and repr(x.dtype) == "torch.bfloat16"
    assert x.dtype.is_floating_point and x.is_floating_point() and x.dtype.itemsize == 2
    assert x._buf.dtype == core_dtypes.bfloat16 and x.element_size() == 2
    with pytest.raises(TypeError, match="^Got unsupported ScalarType BFloat16$"):
        x.numpy()          # as PyTorch: NumPy has no bfloat16
    with pytest.raises(TypeError, match="^Got unsupported ScalarType BFloat16$"):
        np.asarray(x)
    assert x.tolist() == X.tolist() and x[0].item() == X[0].item()
    for vals in ([1.1, 2.3, -0.5], [1.0, 2.0], [1e-5, 3.0], []):
        assert repr(dt.tensor(vals).bfloat16()) == repr(torch.tensor(vals).bfloat16())
    assert dt.zeros(2, 3, dtype=dt.bfloat16).dtype == dt.bfloat16
    assert dt.ones_like(x).dtype == dt.bfloat16 and dt.full((2,), 1.1, dtype=dt.bfloat16).dtype \
        == dt.bfloat16
    assert x.float().dtype == dt.float32 and x.double().dtype == dt.float64
    assert x.half().dtype == dt.float16 and x.half().bfloat16().dtype == dt.bfloat16
    assert dt.tensor([1e39], dtype=dt.float64).bfloat16().isinf().all()
    assert dt.from_numpy(np.ones(2, core_dtypes.bfloat16)).dtype == dt.bfloat16
    fi, ref = dt.finfo(dt.bfloat16), torch.finfo(torch.bfloat16)
    for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(fi, k) == getattr(ref, k), k
    assert repr(fi) == repr(ref)
    assert str(dt.tensor([1, 2]).to(dt.bfloat16).dtype) == "torch.bfloat16"
    assert dt.promote_types(dt.bfloat16, dt.float16) == dt.float32 if hasattr(
        dt, "promote_types") else True
    lin = dt.nn.Linear(5, 3).to(dt.bfloat16)
    assert lin.weight.dtype == dt.bfloat16 and lin(dt.tensor(A).bfloat16()).dtype == dt.bfloat16


def test_sgd_on_bfloat16_parameters():
    x, X = dt.tensor(A).bfloat16().requires_grad_(), torch.tensor(A).bfloat16().requires_grad_()
    opt, ref = dt.optim.SGD([x], lr=0.1), torch.optim.SGD([X], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        ref.zero_grad()
        (x * x).sum().backward()
        (X * X).sum().backward()
        opt.step()
        ref.step()
    assert x.dtype == dt.bfloat16 and x.grad.dtype == dt.bfloat16
    np.testing.assert_array_equal(x.detach().float().numpy(), X.detach().float().numpy())
    a, ta = dt.tensor(A).bfloat16(), torch.tensor(A).bfloat16()
    # sub(a, b, alpha=) of two tensors: float32 with alpha rounded to bfloat16, rounded once
    # (equal to torch on 4,096 values; on 30 torch's kernel differs from every float32
    # ordering tried in an element or two, by one bfloat16 ulp)
    got = dt.sub(a, a * 0.5, alpha=0.3).float().numpy()
    want = torch.sub(ta, ta * 0.5, alpha=0.3).float().numpy()
    np.testing.assert_allclose(got, want, rtol=2 ** -7, atol=0)


def test_bfloat16_state_dict_round_trips_through_safetensors(tmp_path):
    lin = dt.nn.Linear(5, 3).to(dt.bfloat16)
    p = tmp_path / "bf16.pt"
    dt.save(lin.state_dict(), p)
    back = dt.load(p)
    assert back["weight"].dtype == dt.bfloat16
    np.testing.assert_array_equal(back["weight"].float().numpy(),
                                  lin.weight.detach().float().numpy())
    from safetensors.torch import load_file
    assert load_file(str(p))["bias"].dtype == torch.bfloat16      # a standard BF16 entry


def test_bfloat16_on_the_cuda_simulator():
    """The two bit-level conversion kernels (dlcore/kernels/cuda/bfloat16.py); the ops between
    them compute in float32 on the device."""
    special = A.copy()
    special[0, :4] = [np.nan, 3.4e38, -np.inf, 1.0 + 2.0 ** -8]     # NaN, overflow, inf, a tie
    x = dt.tensor(special).cuda().bfloat16()
    X = torch.tensor(special).bfloat16()
    assert x.is_cuda and x.dtype == dt.bfloat16
    np.testing.assert_array_equal(x.cpu().float().numpy(), X.float().numpy())
    x, X = dt.tensor(A).bfloat16().cuda(), torch.tensor(A).bfloat16()
    got = ((x * x + x) @ dt.tensor(B).bfloat16().cuda()).cpu()
    want = (X * X + X) @ torch.tensor(B).bfloat16()
    assert got.dtype == dt.bfloat16
    np.testing.assert_array_equal(got.float().numpy(), want.float().numpy())
    np.testing.assert_array_equal((x * 3).to(dt.int32).cpu().numpy(),
                                  (X * 3).to(torch.int32).numpy())


def test_static_bfloat16_is_stored_in_float32():
    import ml_dtypes

    import dlcore_static as tf
    assert str(tf.bfloat16) == "<dtype: 'bfloat16'>" and tf.bfloat16.is_floating
    assert tf.as_dtype("bfloat16") is tf.bfloat16
    with pytest.warns(UserWarning, match="bfloat16 tensors are stored and computed in float32"):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.bfloat16, [3])
            y = x * 2.0
    assert y.dtype == tf.float32
    with tf.Session(graph=g) as s:
        out = s.run(y, {x: np.array([1.1, 2.3, 3.3], ml_dtypes.bfloat16)})
    np.testing.assert_array_equal(out, np.array([1.1, 2.3, 3.3], ml_dtypes.bfloat16)
                                  .astype(np.float32) * 2)


def test_core_promotion_and_predicate():
    bf = core_dtypes.bfloat16
    assert core_dtypes.is_floating(bf) and not core_dtypes.is_floating(np.dtype("V2"))
    assert not core_dtypes.is_floating(np.dtype(np.int16))
    assert core_dtypes.result_type(bf, np.dtype(np.int64)) == bf
    assert core_dtypes.result_type(bf, np.dtype(np.float16)) == np.float32
    assert core_dtypes.result_type(np.dtype(np.float64), bf) == np.float64
    assert (dt.tensor([1, 2]) + dt.tensor([1.0]).bfloat16()).dtype == dt.bfloat16
    assert (dt.tensor([1.0]).bfloat16() + dt.tensor([1.0]).half()).dtype == dt.float32
    assert (torch.tensor([1, 2]) + torch.tensor([1.0]).bfloat16()).dtype == torch.bfloat16


BIG = {                          # (past 1024 elements: the Numba conversion loops of _apply_half)
    "mul/add scalar": lambda m, x: x * 2.7 + 0.37,
    "relu/tanh": lambda m, x: m.relu(x) + m.tanh(x),
    "div": lambda m, x: x / (x.abs() + 0.1),
    "softmax": lambda m, x: m.softmax(x, 1),
    "bf16 + float": lambda m, x: x + x.float(),
}


@pytest.mark.parametrize("name", sorted(BIG))
def test_large_operands_match_torch_bit_for_bit_nan_and_ties_included(name):
    a = RNG.standard_normal((48, 40)).astype(np.float32)
    a.flat[::97] = np.nan
    a.flat[5::131] = np.inf
    a.flat[7::113] = -np.inf
    bits = a.view(np.uint32)
    bits[1::7] = (bits[1::7] & 0xFFFF0000) | 0x8000    # exact halfway between two bfloat16s
    f = BIG[name]
    x, X = dt.tensor(a).bfloat16(), torch.tensor(a).bfloat16()
    np.testing.assert_array_equal(x.float().numpy(), X.float().numpy())
    got, want = f(dt, x.requires_grad_()), f(torch, X.requires_grad_())
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.float().detach().numpy(), want.float().detach().numpy())
    xt, Xt = x.detach().t(), X.detach().t()             # (a transposed operand: its layout kept)
    if name != "bf16 + float":          # (x.float() of a transposed tensor: C order here,
        assert f(dt, xt).stride() == f(torch, Xt).stride()      # PyTorch keeps the layout)
    np.testing.assert_array_equal(f(dt, xt).float().numpy(), f(torch, Xt).float().numpy())
    if name in ("div", "softmax"):      # (PyTorch rounds their backward's steps to bfloat16;
        return                          # dlcore computes each vjp in float32, rounds once)
    g = RNG.standard_normal((48, 40)).astype(np.float32)
    got.backward(dt.tensor(g).to(got.dtype))
    want.backward(torch.tensor(g).to(want.dtype))
    np.testing.assert_array_equal(x.grad.float().numpy(), X.grad.float().numpy())


def test_a_chain_of_casts_backpropagates_like_torch():
    # each cast node's rule on buffers (16-bit ones among them): g cast to its input's dtype,
    # rounded at every 16-bit step as PyTorch's ToCopyBackward0 rounds it
    data = np.array([[1.1, -2.3, 3.7], [1e-3, 70000.0, -0.5]], np.float32)
    scale = np.array([1.0, 2.5, -1.3])
    grads = {}
    for m in (torch, dt):
        x = m.tensor(data, requires_grad=True)
        y = (x.bfloat16() * 3).half().double() * m.tensor(scale)
        y.sum().backward()
        grads[m] = (str(x.grad.dtype), x.grad.numpy())
    assert grads[dt][0] == grads[torch][0] == "torch.float32"
    np.testing.assert_array_equal(grads[dt][1], grads[torch][1])
    # (bfloat16 rounds 2.5 * 3 exactly, -1.3 * 3 to -3.890625: the cotangent was rounded)
    np.testing.assert_array_equal(grads[dt][1][0], [3.0, 7.5, -3.890625])
