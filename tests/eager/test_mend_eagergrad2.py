"""Session 18 (eagergrad2) against PyTorch 2.13 itself: the in-place writes ``zero_``/``fill_``/
``copy_`` of a recorded tensor (one node of PyTorch's name whose gradient is zero, no ``where``
recorded), and the in-place operators ``/=`` with an integer NumPy array, ``<<=``/``>>=``/
``&=``/``|=``/``^=`` and their methods (PyTorch's check order: an operator's NumPy array
NotImplemented, the result type's cast before the kernel's refusal; ``>>=`` in place), and
``@=`` (no ``__imatmul__``: Python's ``t = t @ x``, NotImplemented for a non-tensor)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

X = np.arange(6.0, dtype=np.float32).reshape(2, 3) - 2.5


def _write(L, kind, y):
    if kind == "zero":
        return y.zero_()
    if kind == "fill":
        return y.fill_(3.0)
    if kind == "copy":
        return y.copy_(L.ones(2, 3))
    if kind == "copy_row":
        return y.copy_(L.tensor([1.0, 2.0, 3.0]))
    return y.copy_(L.tensor([1, 2, 3]))             # (an int source, cast)


KINDS = ["zero", "fill", "copy", "copy_row", "copy_int"]


def _names(node):
    return [None if n is None else type(n).__name__ for n, _ in node.next_functions]


@pytest.mark.parametrize("kind", KINDS)
def test_write_over_recorded_tensor_is_torchs_node(kind):
    out = {}
    for L in (torch, dl):
        g = L.tensor(X, requires_grad=True)
        y = g * 2
        r = _write(L, kind, y)
        z = (y * g).sum()                        # y's new values, and g's own edge
        z.backward()
        out[L] = (r is y, type(y.grad_fn).__name__, _names(y.grad_fn), y.requires_grad,
                  y.is_leaf, str(y.dtype), y.detach().numpy().tolist(), g.grad.numpy().tolist())
    assert out[dl] == out[torch]


@pytest.mark.parametrize("kind", KINDS)
def test_write_gradient_is_zero_and_never_requires_grad(kind):
    """PyTorch's zeros_like(grad): a create_graph gradient through the write is a constant
    (the earlier graph still visited: g's gradient is zeros, not None)."""
    out = {}
    for L in (torch, dl):
        g = L.tensor(X, requires_grad=True)
        y = g * 2
        _write(L, kind, y)
        gg, = L.autograd.grad((y * y).sum(), g, create_graph=True)
        out[L] = (gg.numpy().tolist(), gg.requires_grad, gg.grad_fn is None)
    assert out[dl] == out[torch]


def test_writes_chain_and_then_record_again():
    out = {}
    for L in (torch, dl):
        g = L.tensor(X, requires_grad=True)
        y = g * 2
        y.zero_()
        y.fill_(1.5)
        names = [type(y.grad_fn).__name__, _names(y.grad_fn)]
        y.add_(g)                       # recorded after the writes: g's gradient 1 through it
        y.mul_(g)
        y.sum().backward()
        out[L] = (names, type(y.grad_fn).__name__, y.detach().numpy().tolist(),
                  g.grad.numpy().tolist())
    assert out[dl] == out[torch]


def test_write_into_view_of_recorded_tensor():
    out = {}
    for L in (torch, dl):
        g = L.tensor(X, requires_grad=True)
        y = g * 2
        v = y[0]
        v.zero_()
        w = y[1]
        w.copy_(L.tensor([7.0, 8.0, 9.0]))
        (y * y).sum().backward()
        out[L] = (type(y.grad_fn).__name__, y.detach().numpy().tolist(),
                  g.grad.numpy().tolist())
    assert out[dl] == out[torch]


def test_saved_tensor_overwritten_raises_and_retain_grad_hooks():
    for L in (torch, dl):
        for kind in KINDS:
            g = L.tensor(X, requires_grad=True)
            y = g.exp()                 # (exp saves its output: overwritten by the write)
            z = y * y
            _write(L, kind, y)
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                z.sum().backward()
    out = {}
    for L in (torch, dl):
        g = L.tensor(X, requires_grad=True)
        y = g * 2
        seen: list = []
        y.register_hook(lambda t, seen=seen: seen.append(t.numpy().tolist()))
        y.retain_grad()
        y.fill_(2.0)
        (y * 3).sum().backward()
        out[L] = (seen, y.grad.numpy().tolist(), g.grad.numpy().tolist())
    assert out[dl] == out[torch]


def test_write_keeps_version_counter_and_float64_half_dtypes():
    for dt in ("float64", "float16", "bfloat16"):
        out = {}
        for L in (torch, dl):
            g = L.tensor(X, requires_grad=True, dtype=getattr(L, dt))
            y = g * 2
            v0 = y._version
            y.copy_(L.ones(2, 3, dtype=L.float64))
            v1 = y._version
            y.zero_()
            v2 = y._version
            (y + g).sum().backward()
            out[L] = (v1 - v0, v2 - v1, str(y.dtype), str(g.grad.dtype),
                      g.grad.float().numpy().tolist())
        assert out[dl] == out[torch], dt


def test_zero_of_recorded_tensor_records_one_node():
    """The write is one node of no primitive kernel call but the fill: no ``where`` of a mask
    (the 20 us path), whose node would show as the parent."""
    g = dl.tensor(X, requires_grad=True)
    y = g * 2
    mul = y.grad_fn
    y.zero_()
    assert y.grad_fn.next_functions[0][0] is mul
    assert y.grad_fn.prim.name == "full_like"       # (the core's op of values not from x)


# ----------------------------------------------------------------------------- operators
def _iop(L, op, a, b):
    before = a
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)     # (torch's __array_wrap__)
        if op == "/=":
            a /= b
        elif op == "<<=":
            a <<= b
        elif op == ">>=":
            a >>= b
        elif op == "&=":
            a &= b
        elif op == "|=":
            a |= b
        elif op == "^=":
            a ^= b
        elif op == "@=":
            a @= b
        else:
            getattr(a, op)(b)
    return a, a is before


def _outcome(L, op, left, right):
    try:
        r, same = _iop(L, op, left(L), right(L))
    except Exception as e:          # noqa: BLE001 - the type and words are compared
        return ("raises", type(e).__name__, str(e))
    return ("value", same, str(r.dtype), np.asarray(r.tolist()).tolist())


LEFT = {
    "f32": lambda L: L.tensor([4.0, 9.0]),
    "i64": lambda L: L.tensor([4, 9]),
    "i32": lambda L: L.tensor([4, 9], dtype=L.int32),
    "u8": lambda L: L.tensor([4, 9], dtype=L.uint8),
    "bool": lambda L: L.tensor([True, False]),
}
RIGHT = {
    "int_nd": lambda L: np.array([2, 3]), "0d_int_nd": lambda L: np.array(2),
    "f32_nd": lambda L: np.array([2.0, 3.0], np.float32), "list": lambda L: [1, 2],
    "tuple1": lambda L: (1,), "1": lambda L: 1, "True": lambda L: True, "2.5": lambda L: 2.5,
    "np_f32": lambda L: np.float32(1.0), "np_i64": lambda L: np.int64(1),
    "t_i64": lambda L: L.tensor([1, 2]), "t_i32": lambda L: L.tensor([1, 2], dtype=L.int32),
    "t_bool": lambda L: L.tensor([True, False]), "t_f32": lambda L: L.tensor([1.0, 2.0]),
    "t0_f32": lambda L: L.tensor(1.0),
}
OPS = ["/=", "<<=", ">>=", "&=", "|=", "^=", "bitwise_left_shift_", "bitwise_right_shift_",
       "bitwise_and_", "bitwise_or_", "bitwise_xor_"]


@pytest.mark.parametrize("op", OPS)
def test_inplace_operators_as_torch(op):
    diffs = []
    for ln, left in LEFT.items():
        for rn, right in RIGHT.items():
            want = _outcome(torch, op, left, right)
            got = _outcome(dl, op, left, right)
            if got != want:
                diffs.append((ln, rn, want, got))
    assert not diffs


MATS = {
    "2x2": lambda L: L.ones(2, 2) * 2, "2x3": lambda L: L.ones(2, 3), "3x2": lambda L: L.ones(3, 2),
    "v2": lambda L: L.ones(2), "3d": lambda L: L.ones(2, 2, 2),
    "i64": lambda L: L.ones(2, 2, dtype=L.int64), "f64": lambda L: L.ones(2, 2, dtype=L.float64),
    "nd_f64": lambda L: np.ones((2, 2)), "nd_i64": lambda L: np.ones((2, 2), np.int64),
    "nd_f32": lambda L: np.ones(2, np.float32), "list": lambda L: [[1.0, 0.0], [0.0, 1.0]],
    "2": lambda L: 2, "np_f64": lambda L: np.float64(2.0),
}


def test_imatmul_as_torch():
    diffs = []
    for ln in ("2x2", "2x3", "v2", "3d", "i64"):
        for rn, right in MATS.items():
            want = _outcome(torch, "@=", MATS[ln], right)
            got = _outcome(dl, "@=", MATS[ln], right)
            if got != want:
                diffs.append((ln, rn, want, got))
    assert not diffs


def test_matmul_checks_in_torchs_order():
    """Sizes before dtypes (dot's dtype first), each dtype refusal in the words of the kernel
    PyTorch calls (mm, addmv, bmm)."""
    shapes = [(2,), (3,), (2, 2), (2, 3), (2, 2, 2), (3, 2, 3)]
    diffs = []
    for sa in shapes:
        for sb in shapes:
            for da, db in (("float32", "int64"), ("int64", "float32"), ("float64", "float32")):
                def left(L, s=sa, d=da):
                    return L.ones(*s, dtype=getattr(L, d))

                def right(L, s=sb, d=db):
                    return L.ones(*s, dtype=getattr(L, d))
                want = _outcome(torch, "@=", left, right)
                got = _outcome(dl, "@=", left, right)
                if got != want:
                    diffs.append((sa, da, sb, db, want, got))
    assert not diffs


def test_imatmul_gradient_and_leaf():
    out = {}
    for L in (torch, dl):
        w = L.tensor(X[:, :2].copy(), requires_grad=True)
        a = w * 2
        a @= w
        a.sum().backward()
        leaf = L.ones(2, 2).requires_grad_()
        b = leaf
        b @= L.ones(2, 2)
        out[L] = (type(a.grad_fn).__name__, w.grad.numpy().tolist(), b is leaf,
                  type(b.grad_fn).__name__)
    assert out[dl] == out[torch]


@pytest.mark.parametrize("kind", ["zero", "fill", "copy"])
def test_write_over_recorded_cuda_tensor(kind):
    """The device path (the CUDA simulator in CI): the fill on the device, the zero gradient a
    device tensor that never requires grad; values as torch's on the CPU."""
    cpu = {}
    for L in (torch, dl):
        g = L.tensor(X, requires_grad=True)
        y = g * 2
        _write(L, kind, y)
        (y * g).sum().backward()
        cpu[L] = (type(y.grad_fn).__name__, y.detach().numpy().tolist(), g.grad.numpy().tolist())
    assert cpu[dl] == cpu[torch]
    g = dl.tensor(X, device="cuda", requires_grad=True)
    y = g * 2
    if kind == "copy":
        y.copy_(dl.ones(2, 3, device="cuda"))
    else:
        _write(dl, kind, y)
    (y * g).sum().backward()
    assert (type(y.grad_fn).__name__, y.cpu().tolist(), g.grad.cpu().tolist()) == cpu[torch]
    assert g.grad.device.type == "cuda"
    y = g * 2
    y.zero_()
    gg, = dl.autograd.grad((y * y).sum(), g, create_graph=True)
    assert gg.device.type == "cuda" and not gg.requires_grad and not gg.cpu().numpy().any()


# ----------------------------------------------------------------------------- stale, unread
def _inplace_nets(L):
    F = L.nn.functional
    rng = np.random.default_rng(3)
    x = L.tensor(rng.standard_normal((4, 6)).astype(np.float32))
    W = L.tensor(rng.standard_normal((5, 6)).astype(np.float32), requires_grad=True)
    b = L.tensor(rng.standard_normal(5).astype(np.float32), requires_grad=True)
    nets = {
        "relu inplace": lambda: F.relu(F.linear(x, W, b), inplace=True),
        "relu_": lambda: F.linear(x, W, b).relu_(),
        "mul_ then add_": lambda: (W * 2).mul_(b[:, None]).add_(1.0),
        "sigmoid_ of a matmul": lambda: (x @ W.t() + b).sigmoid_(),
        "exp_ of a sum": lambda: (W + b[:, None]).exp_(),
    }
    return nets, (W, b)


def test_stale_unread_buffers_take_the_buffer_pass_with_torchs_gradients():
    """An in-place op after a node whose output (or input) its rule never reads: the buffer
    pass computes with the stale buffer (unread), gradients as torch's and as the Tensor path
    (anomaly mode: reverse_pass with Node.vjp) bit for bit."""
    from dlcore_eager.autograd import _buffer_pass as bp
    got_t, got_a, got_b = {}, {}, {}
    for L, out in ((torch, got_t), (dl, got_b)):
        nets, params = _inplace_nets(L)
        for name, net in nets.items():
            net().sum().backward()
            out[name] = [p.grad.numpy().copy() for p in params]
            for p in params:
                p.grad = None
    nets, params = _inplace_nets(dl)
    with dl.autograd.detect_anomaly():
        for name, net in nets.items():
            net().sum().backward()
            got_a[name] = [p.grad.numpy().copy() for p in params]
            for p in params:
                p.grad = None
    for name, want in got_t.items():
        for t, a, b in zip(want, got_a[name], got_b[name]):
            np.testing.assert_allclose(b, t, rtol=1e-5, atol=1e-6, err_msg=name)
            assert np.array_equal(a, b), name
    # addmm's output overwritten by relu_: its node is taken on buffers (its rule reads no y)
    y = nets["relu_"]()
    relu = y.grad_fn                        # (relu_ computes from the tensor itself: its
    add = relu.parents[0]                   # rule reads no input, so no clone; torch's edges)
    assert add.prim.name == "addmm" and add.out_version[0] != add.out_ver0
    assert relu.inputs[0]._version != relu.versions[0]        # (relu's input too)
    g = np.ones(tuple(add.shape), np.float32)
    assert bp._saved_vjp(add, g, True, False) is not None
    assert bp._saved_vjp(relu, g, True, False) is not None
    names = {}
    for L in (torch, dl):
        nets, _ = _inplace_nets(L)
        names[L] = [[type(n).__name__ for n, _ in nets[k]().grad_fn.next_functions]
                    for k in ("relu inplace", "relu_")]
    assert names[dl] == names[torch] == [["AddmmBackward0"]] * 2
    # exp's and tanh's outputs, which their rules read: still the Tensor path and PyTorch's error
    for L in (torch, dl):
        with pytest.raises(RuntimeError, match="output 0 of TanhBackward0|output 0 of Tanh"):
            (L.tensor(np.ones(3, np.float32), requires_grad=True) * 2).tanh().sigmoid_().sum() \
                .backward()
        w = L.tensor(np.ones((2, 2), np.float32), requires_grad=True)
        e = (w * 1).exp()
        z = e * 1
        e.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
    e = (dl.tensor(np.ones((2, 2), np.float32), requires_grad=True) * 1).exp()
    node = e.grad_fn
    e.add_(1)
    assert bp._saved_vjp(node, np.ones((2, 2), np.float32), True, False) is None
