"""The eager engine's fast paths give bit-for-bit what the general paths give.

* Adam/AdamW on NumPy buffers (``Adam._update_host``) against the Tensor-op update it stands in
  for (the same formulas, which tests/eager/test_vs_torch.py checks against PyTorch);
* backward on raw buffers (no ``create_graph``) against backward with ``create_graph=True``,
  which keeps every cotangent a Tensor;
* the one rule cache and scalar-buffer cache, tensors made in one place, kernels writing in place
  (``kernel.into``), broadcast scalars read as scalars, the square's and relu's cheaper vjp rules
  (finite differences, the general rule, PyTorch), in-place ``zero_`` and gradient accumulation,
  and steady-state steps that do not page-fault (glibc's thresholds, in a fresh process).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore_eager.optim import adam as adam_mod

_REAL_ON_HOST = adam_mod._on_host


def _train(opt_cls, kw, dtype, host: bool, monkeypatch, steps=5):
    if not host:
        monkeypatch.setattr(adam_mod, "_on_host", lambda *a, **k: False)
    else:
        monkeypatch.setattr(adam_mod, "_on_host", _REAL_ON_HOST)
    rng = np.random.default_rng(0)
    w = torch.tensor(rng.standard_normal((7, 5)).astype(dtype), requires_grad=True)
    b = torch.tensor(rng.standard_normal((5,)).astype(dtype), requires_grad=True)
    x = torch.tensor(rng.standard_normal((4, 7)).astype(dtype))
    s = torch.tensor(np.array(0.7, dtype), requires_grad=True)     # a 0-d one (a temperature)
    opt = opt_cls([w, b, s], **kw)
    for _ in range(steps):
        opt.zero_grad()
        ((x @ w + b).tanh() ** 2 * s).sum().backward()
        opt.step()
    st = [opt.state[p][k].numpy().copy() for p in (w, b, s) for k in sorted(opt.state[p])
          if k != "step"]
    assert s.shape == () and all(opt.state[s][k].shape == () for k in opt.state[s])
    return [w.detach().numpy().copy(), b.detach().numpy().copy(), s.detach().numpy()] + st


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt_cls,kw", [
    (torch.optim.Adam, {"lr": 1e-2}),
    (torch.optim.Adam, {"lr": 1e-2, "weight_decay": 0.1, "amsgrad": True}),
    (torch.optim.Adam, {"lr": 1e-2, "maximize": True, "betas": (0.8, 0.99), "eps": 1e-6}),
    (torch.optim.AdamW, {"lr": 1e-2}),
    (torch.optim.AdamW, {"lr": 1e-2, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
])
def test_adam_host_path_is_bitwise_the_tensor_path(opt_cls, kw, dtype, monkeypatch):
    slow = _train(opt_cls, kw, dtype, False, monkeypatch)
    calls = []
    real = opt_cls._update_host
    monkeypatch.setattr(opt_cls, "_update_host",
                        lambda self, *a: calls.append(1) or real(self, *a))
    fast = _train(opt_cls, kw, dtype, True, monkeypatch)
    assert len(calls) == 3 * 5            # the host path ran for each parameter, the 0-d one too
    assert len(slow) == len(fast)
    for a, b in zip(slow, fast):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _grads(create_graph: bool, dtype):
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((6, 5)).astype(dtype))
    y = torch.tensor(rng.standard_normal((6, 3)).astype(dtype))
    w1 = torch.tensor(rng.standard_normal((5, 4)).astype(dtype), requires_grad=True)
    w2 = torch.tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    b = torch.tensor(rng.standard_normal((4,)).astype(dtype), requires_grad=True)
    h = (x.mm(w1) + b).clamp(min=0)
    h2 = h.sigmoid() * h - h.exp() / 7 + h.tanh()
    out = h2.mm(w2)
    loss = ((out - y).pow(2).sum() + out.abs().mean() * 0.5) / 3.0
    loss.backward(create_graph=create_graph)
    return [t.grad.detach().numpy().copy() for t in (w1, w2, b)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_raw_backward_is_bitwise_the_tensor_backward(dtype):
    for a, b in zip(_grads(False, dtype), _grads(True, dtype)):
        np.testing.assert_array_equal(a, b)


def test_raw_backward_accumulates_in_place_into_existing_grad():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    g = w.grad
    alias = g.data
    (w * 3).sum().backward()
    assert w.grad is g
    np.testing.assert_array_equal(alias.numpy(), [5.0, 5.0, 5.0])


def test_raw_backward_hooks_and_retain_grad_see_tensors():
    seen = []
    x = torch.ones(2, 2, requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.register_hook(lambda g: seen.append(type(g)) or g * 2)
    x.register_hook(lambda g: seen.append(type(g)))
    h.sum().backward()
    assert seen == [torch.Tensor, torch.Tensor]
    np.testing.assert_array_equal(h.grad.numpy(), np.full((2, 2), 2.0))
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 2), 6.0))


def test_raw_backward_leaf_grad_owns_its_memory():
    x = torch.ones(2, 3, requires_grad=True)
    x.sum().backward()                  # the cotangent is a read-only broadcast view
    assert x.grad.numpy().flags.writeable and x.grad.numpy().base is None
    x.grad.zero_()


def test_shared_scalar_buffers_keep_the_sign_of_zero():
    x = torch.ones(2)
    assert not np.signbit((x * 0.0).numpy()).any()
    assert np.signbit((x * -0.0).numpy()).all()
    assert not np.signbit((x * 0).numpy()).any()


# ----------------------------------------------------------------------------- one fast path
def test_one_rule_cache_shared_by_raw_and_eager_calls_and_failures_never_cached():
    from dlcore.ops import elementwise as ew
    from dlcore.registry import check_rule
    a = np.ones((3, 7), np.float32)
    ew.add_p._rule_cache.clear()
    torch.from_numpy(a) + torch.from_numpy(a)            # eager: fills the primitive's cache
    # (an elementwise primitive on operands of one shape and dtype: the key is the dtype)
    assert list(ew.add_p._rule_cache) == [a.dtype]
    check_rule(ew.add_p, (a, np.ones((2, 3, 7), np.float32)), {})     # raw: the same cache
    assert ((3, 7), (2, 3, 7), a.dtype, a.dtype) in ew.add_p._rule_cache
    torch.from_numpy(a) + torch.ones(2, 3, 7)            # eager: finds that entry
    assert len(ew.add_p._rule_cache) == 2
    bad = (a, np.ones((2, 7), np.float32))
    for _ in range(2):                                   # a bad call raises every time
        with pytest.raises(Exception, match="add"):
            check_rule(ew.add_p, bad, {})
        with pytest.raises(RuntimeError, match="must match the size"):
            torch.from_numpy(bad[0]) + torch.from_numpy(bad[1])
    assert len(ew.add_p._rule_cache) == 2
    with pytest.raises(Exception, match="bool"):         # dtype entries: still checked per dtype
        torch.ones(3, dtype=torch.bool).neg()
    assert np.dtype(np.bool_) not in ew.neg_p._rule_cache


def test_one_scalar_buffer_cache_for_raw_and_eager_calls():
    from dlcore import ops
    from dlcore.registry import scalar_buffer
    buf = scalar_buffer(2.5, np.dtype(np.float32))
    assert not buf.flags.writeable and buf.shape == ()
    x = np.arange(4, dtype=np.float32)
    np.testing.assert_array_equal(ops.mul(x, 2.5), x * np.float32(2.5))
    np.testing.assert_array_equal((torch.from_numpy(x) * 2.5).numpy(), x * np.float32(2.5))
    assert scalar_buffer(2.5, np.dtype(np.float32)) is buf


def test_every_tensor_is_made_by_make():
    tensor_mod = sys.modules["dlcore_eager.tensor"]      # (the name tensor is the function)
    # ``_make`` repeats ``_fill``'s lines inline (one call less per operation): both set every
    # field, to the same values
    buf, version, node = np.ones(2), [3], object()
    for args in ((buf, None, None), (buf, version, node)):
        made = tensor_mod._make(*args)
        filled = tensor_mod.Tensor.__new__(tensor_mod.Tensor)
        tensor_mod._fill(filled, *args)
        for name in tensor_mod.Tensor.__slots__:
            if name != "__weakref__":
                u, v = getattr(made, name), getattr(filled, name)
                assert u is v or (type(u) is list and u == v), name
    assert tensor_mod._make(buf)._vc is not tensor_mod._make(buf)._vc
    calls = []
    real = tensor_mod._make

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    mods = [m for m in list(sys.modules.values())
            if getattr(m, "__name__", "").startswith("dlcore_eager")
            and getattr(m, "_make", None) is real]
    for m in mods:
        m._make = counting
    try:
        x = torch.ones(2, 3, requires_grad=True)
        y = (x * 2.0).sum()
        z = torch.Tensor(2)
        y.backward()
    finally:
        for m in mods:
            m._make = real
    assert len(calls) >= 3 and z.shape == (2,)
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0, np.float32))


# ----------------------------------------------------------------------------- kernels
def test_kernel_into_writes_in_place_and_refuses_overlapping_views():
    from dlcore.ops import elementwise as ew
    into = ew.add_p.kernels["cpu"].into
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 4)).astype(np.float32)
    b = rng.standard_normal((5, 4)).astype(np.float32)
    want = a + b
    out = a.copy()
    ptr = out.ctypes.data
    assert into(out, out, b)                                 # out is an input itself: fine
    assert out.ctypes.data == ptr
    np.testing.assert_array_equal(out, want)
    s = np.asarray(np.float32(3.0))
    assert into(out, out, s)                                 # a 0-d scalar input
    np.testing.assert_array_equal(out, want + np.float32(3.0))
    base = np.arange(10, dtype=np.float32)
    before = base.copy()
    assert not into(base[1:], base[:-1], base[:-1])          # partial overlap: refused
    np.testing.assert_array_equal(base, before)              # ... having written nothing
    assert not into(out, a.T.copy().T, b)                    # non-C-contiguous input
    assert not into(np.empty((5, 4), np.float64), a, b)      # wrong output dtype


@pytest.mark.parametrize("op", ["add", "mul", "sub"])
def test_all_zero_stride_broadcast_input_runs_as_a_scalar(op):
    from dlcore import ops
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 5)).astype(np.float32)
    g = np.broadcast_to(np.float32(1.5).reshape(1, 1), (6, 5))    # a sum's cotangent
    fn = getattr(np, {"add": "add", "mul": "multiply", "sub": "subtract"}[op])
    np.testing.assert_array_equal(getattr(ops, op)(g, a), fn(g, a))
    np.testing.assert_array_equal(getattr(ops, op)(a, g), fn(a, g))
    np.testing.assert_array_equal(ops.neg(g), -np.asarray(g))


def test_pow_kernel_exponent_one_is_exact():
    from dlcore import ops
    x = np.array([-0.0, 0.0, 1.5, -2.25, np.inf, -np.inf, np.nan, 1e-40], np.float32)
    got = ops.pow(x, np.ones_like(x))
    np.testing.assert_array_equal(np.signbit(got), np.signbit(x))
    np.testing.assert_array_equal(got, x)


# ----------------------------------------------------------------------------- vjp rules
def _fd(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def test_square_gradient_without_pow_matches_finite_differences_and_general_rule():
    rng = np.random.default_rng(4)
    x0 = rng.standard_normal((4, 3))
    c = rng.standard_normal((4, 3))
    x = torch.tensor(x0, requires_grad=True)
    (x.pow(2) * torch.tensor(c)).sum().backward()           # raw path: exponent 2 known
    want = _fd(lambda v: float(np.sum(v ** 2 * c)), x0)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6, atol=1e-8)
    y = torch.tensor(x0, requires_grad=True)
    (y.pow(2) * torch.tensor(c)).sum().backward(create_graph=True)    # general rule
    np.testing.assert_array_equal(x.grad.numpy(), y.grad.detach().numpy())
    z = torch.tensor(x0, requires_grad=True)
    (z.pow(3.0) * torch.tensor(c)).sum().backward()         # another exponent: general rule
    np.testing.assert_allclose(z.grad.numpy(), _fd(lambda v: float(np.sum(v ** 3 * c)), x0),
                               rtol=1e-6, atol=1e-8)


def test_relu_and_clamp_gradients_match_pytorch_including_nonfinite_cotangents():
    real = pytest.importorskip("torch")
    x0 = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.25]], np.float32)
    g0 = np.array([[np.nan, -1.0, 2.0], [np.inf, -np.inf, -3.0]], np.float32)
    for f in ("relu", "clamp"):
        x = torch.tensor(x0, requires_grad=True)
        xt = real.tensor(x0, requires_grad=True)
        y = x.relu() if f == "relu" else x.clamp(min=0)
        yt = xt.relu() if f == "relu" else xt.clamp(min=0)
        y.backward(torch.tensor(g0))
        yt.backward(real.tensor(g0))
        got, want = x.grad.numpy(), xt.grad.numpy()
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


# ----------------------------------------------------------------------------- in place
def test_zero_and_grad_accumulation_reuse_the_buffer():
    w = torch.ones(4, 3, requires_grad=True)
    (w * 2.0).sum().backward()
    g = w.grad
    buf, ver = g._buf, g._version
    alias = g.data
    g.zero_()
    assert g._buf is buf and g._version == ver + 1
    np.testing.assert_array_equal(alias.numpy(), np.zeros((4, 3), np.float32))
    (w * 3.0).sum().backward()
    assert w.grad is g and g._buf is buf
    np.testing.assert_array_equal(alias.numpy(), np.full((4, 3), 3.0, np.float32))


def test_backward_seed_is_one_and_writeable():
    x = torch.ones(1, 1, requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[1.0]])
    x.grad.zero_()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0]])


_STEP = """
import resource, sys
import numpy as np
import dlcore_eager as torch
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.standard_normal((64, 1000)).astype(np.float32))
y = torch.from_numpy(rng.standard_normal((64, 10)).astype(np.float32))
w1 = torch.from_numpy(rng.standard_normal((1000, 100)).astype(np.float32)).requires_grad_()
w2 = torch.from_numpy(rng.standard_normal((100, 10)).astype(np.float32)).requires_grad_()
def step():
    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for w in (w1, w2):
            w -= 1e-6 * w.grad
            w.grad.zero_()
for _ in range(5):
    step()
faults = []
for _ in range(20):
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0)
print(sorted(faults)[10])     # the median step (a one-off event, e.g. a module loaded lazily
                              # mid-run, made the mean of one suite run 33)
import dlcore
print(dlcore.runtime_info()["malloc"])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="the allocator setting is glibc's mallopt")
def test_steady_state_steps_do_not_page_fault_and_the_setting_is_reported():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
              "GLIBC_TUNABLES", "DLCORE_MALLOC"):
        env.pop(k, None)
    out = subprocess.run([sys.executable, "-c", _STEP], capture_output=True, text=True,
                         env=env, check=True).stdout.split("\n")
    assert float(out[0]) < 20, out               # 320+ per step with glibc's defaults
    assert out[1].startswith("glibc, mmap threshold 32 MiB"), out
    env["DLCORE_MALLOC"] = "system"
    out = subprocess.run([sys.executable, "-c", _STEP], capture_output=True, text=True,
                         env=env, check=True).stdout.split("\n")
    assert out[1] == "system (left as set: DLCORE_MALLOC)", out


def test_inplace_update_writes_into_the_tensor_and_keeps_the_general_paths_errors():
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal((5, 4)).astype(np.float32)
    w = torch.tensor(w0, requires_grad=True)
    (w * w).sum().backward()
    buf, alias, ver = w._buf, w.data, w._version
    with torch.no_grad():
        w -= 0.1 * w.grad                        # the seed programs' SGD step
    assert w._buf is buf and w._version == ver + 1
    want = w0 - np.float32(0.1) * (2 * w0)
    np.testing.assert_array_equal(w.detach().numpy(), want)
    np.testing.assert_array_equal(alias.numpy(), want)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1.0                                 # recorded: the general path's error
    x = torch.arange(6.0)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        x[1:] += x[:-1]                          # overlapping operands: PyTorch's error
    np.testing.assert_array_equal(x.numpy(), [0, 1, 2, 3, 4, 5])
    z = torch.ones(2, 3)
    with pytest.raises(RuntimeError, match="must match the size"):
        z += torch.ones(3, 3)
    np.testing.assert_array_equal(z.numpy(), np.ones((2, 3)))
    y = torch.ones(3)
    y.add_(torch.ones(3), alpha=2)               # keyword arguments: the general path
    np.testing.assert_array_equal(y.numpy(), [3.0, 3.0, 3.0])
