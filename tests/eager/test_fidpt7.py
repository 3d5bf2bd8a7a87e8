"""fidpt7: divergences from PyTorch 2.13 found by the last session, each checked against real
torch (skipped where it is not installed): in-place ops as one node, ``t._version`` as an
int, NumPy-array operands refused in torch's words, complex conversions and reciprocal,
in-place updates of inference tensors, saved_tensors_hooks' packed sets of composites and
the engine's end-of-pass callbacks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

X = np.array([[0.3, 0.7, -0.2], [1.1, -0.6, 0.4]])
G = X[::-1] + 2.0                       # (a cotangent that is not ones)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _names(fn) -> tuple:
    return type(fn).__name__, tuple(type(n).__name__ if n is not None else None
                                    for n, _ in fn.next_functions)


# ----------------------------------------------------------------------------- 1. in place
INPLACE = {
    "tanh_": lambda L, y, w: y.tanh_(), "exp_": lambda L, y, w: y.exp_(),
    "sin_": lambda L, y, w: y.sin_(), "abs_": lambda L, y, w: y.abs_(),
    "log_": lambda L, y, w: y.abs().log_(), "sqrt_": lambda L, y, w: y.abs().sqrt_(),
    "reciprocal_": lambda L, y, w: y.reciprocal_(), "erf_": lambda L, y, w: y.erf_(),
    "clamp_": lambda L, y, w: y.clamp_(min=0.0), "pow_": lambda L, y, w: y.pow_(2.0),
    "mul_t": lambda L, y, w: y.mul_(w), "div_t": lambda L, y, w: y.div_(w),
    "addcmul_": lambda L, y, w: y.addcmul_(w, w), "lerp_": lambda L, y, w: y.lerp_(w, 0.3),
    "leaky_relu": lambda L, y, w: L.nn.functional.leaky_relu(y, 0.1, inplace=True),
    "masked_fill_": lambda L, y, w: y.masked_fill_(L.tensor(X > 0.5), 0.0),
}


def _inplace_run(L, name):
    x = L.tensor(X, requires_grad=True)
    w = L.tensor(X[::-1].copy() + 1.5, requires_grad=True)
    y = x * 1.5
    z = INPLACE[name](L, y, w)
    names, version = _names(z.grad_fn), z._version
    (z * L.tensor(G)).sum().backward()
    return names, version, x.grad.numpy(), w.grad.numpy() if w.grad is not None else None


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_an_inplace_op_is_one_node_on_the_tensors_grad_fn(torch, name):
    """PyTorch's in-place op records one node whose edge is the tensor's former grad_fn
    (TanhBackward0 -> MulBackward0), never a CloneBackward0 in between; same gradients."""
    torch.set_default_dtype(torch.float64)
    prev = dl.get_default_dtype()
    dl.set_default_dtype(dl.float64)
    try:
        want, got = _inplace_run(torch, name), _inplace_run(dl, name)
    finally:
        torch.set_default_dtype(torch.float32)
        dl.set_default_dtype(prev)
    assert got[:2] == want[:2]
    assert "CloneBackward0" not in got[0][1]
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12, atol=1e-15)
    if want[3] is None:
        assert got[3] is None
    else:
        np.testing.assert_allclose(got[3], want[3], rtol=1e-12, atol=1e-15)


def test_an_inplace_op_still_refuses_a_changed_saved_tensor():
    """The copy an in-place op computes from is its own saved tensor: a later write to the
    tensor still breaks the node that saved it (exp's result), as PyTorch's."""
    x = dl.tensor(X, requires_grad=True)
    y = (x * 1.0).exp_()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="is at version 2; expected version 1"):
        y.sum().backward()


# ----------------------------------------------------------------------------- 2. _version
def test_version_is_an_int_that_counts_inplace_writes(torch):
    for L in (torch, dl):
        x = L.ones(2, 3)
        assert type(x._version) is int and x._version == 0
        x.add_(1)
        v = x[0]
        v.mul_(2)
        x[1] = 5.0
        assert (x._version, v._version) == (3, 3)
        before = x._version
        x.add_(1)
        assert before == 3 and x._version == 4      # (a number, not the live counter)
        assert x.clone()._version == 0


def test_version_of_an_inference_tensor_is_refused(torch):
    for L in (torch, dl):
        with L.inference_mode():
            x = L.ones(2)
        with pytest.raises(RuntimeError, match="^Inference tensors do not track version "
                                               "counter.$"):
            _ = x._version


# ----------------------------------------------------------------------------- 3. ndarray
ND_CALLS = {
    "torch.div": lambda L, t, a: L.div(t, a), "div rev": lambda L, t, a: L.div(a, t),
    "t.div": lambda L, t, a: t.div(a), "div_": lambda L, t, a: t.clone().div_(a),
    "divide": lambda L, t, a: L.divide(t, a), "t.divide": lambda L, t, a: t.divide(a),
    "true_divide": lambda L, t, a: L.true_divide(t, a),
    "true_divide_": lambda L, t, a: t.clone().true_divide_(a),
    "div rounding": lambda L, t, a: L.div(t, a, rounding_mode="floor"),
    "t.div rounding": lambda L, t, a: t.div(a, rounding_mode=None),
    "add": lambda L, t, a: L.add(t, a), "t.sub": lambda L, t, a: t.sub(a),
    "mul rev": lambda L, t, a: L.mul(a, t), "pow": lambda L, t, a: L.pow(t, a),
    "pow_": lambda L, t, a: t.clone().pow_(a), "fmod_": lambda L, t, a: t.clone().fmod_(a),
    "eq": lambda L, t, a: L.eq(t, a), "t.lt": lambda L, t, a: t.lt(a),
    "ge_": lambda L, t, a: t.clone().ge_(a),
}


@pytest.mark.parametrize("call", sorted(ND_CALLS))
def test_a_numpy_array_operand_is_refused_in_torchs_words(torch, call):
    a = np.array([1.0, 2.0])
    errors = []
    for L in (torch, dl):
        with pytest.raises(TypeError) as e:
            ND_CALLS[call](L, L.tensor([1.0, 2.0]), a)
        errors.append(str(e.value).split("\n")[0])
    assert errors[1] == errors[0]


def test_operators_with_a_numpy_array_still_compute_as_torchs(torch):
    a = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)     # (torch's __array_wrap__)
        for expr in ("t / a", "t + a", "t == a"):
            want = eval(expr, {"t": torch.tensor([1.0, 3.0]), "a": a})
            got = eval(expr, {"t": dl.tensor([1.0, 3.0]), "a": a})
            assert np.asarray(got).tolist() == np.asarray(want).tolist()


# ----------------------------------------------------------------------------- 5. complex
def test_complex_conversions_as_torchs(torch):
    for L in (torch, dl):
        assert complex(L.tensor([1 + 2j])) == 1 + 2j
        assert complex(L.tensor(1 + 2j, dtype=L.complex64)) == 1 + 2j
        assert complex(L.tensor([3.5])) == 3.5 + 0j and complex(L.tensor([True])) == 1 + 0j
        assert float(L.tensor([1 + 0j])) == 1.0 and int(L.tensor([2 + 0j])) == 2
        with pytest.raises(ValueError, match="only one element tensors"):
            complex(L.tensor([1j, 2j]))
        with pytest.raises(RuntimeError, match="^value cannot be converted to type double "
                                               "without overflow$"):
            float(L.tensor([1 + 2j]))
        with pytest.raises(RuntimeError, match="to type int64_t without overflow"):
            int(L.tensor([1 + 2j]))


def test_complex_reciprocal_and_division_at_zero_as_torchs(torch):
    vals = [0j, 1 + 1j, complex(0, -0.0), 2 + 0j, -3 + 4j]
    for dt in ("complex64", "complex128"):
        tz, dz = torch.tensor(vals, dtype=getattr(torch, dt)), dl.tensor(
            vals, dtype=getattr(dl, dt))
        for f in (lambda L, z: L.reciprocal(z), lambda L, z: z.clone().reciprocal_(),
                  lambda L, z: 1 / z, lambda L, z: (1 + 1j) / z, lambda L, z: 2 / z):
            want, got = f(torch, tz).numpy(), f(dl, dz).numpy()
            np.testing.assert_array_equal(got, want)
            zero = want.imag == 0               # (0.5 + 0j, not NumPy's 0.5 - 0j)
            assert (np.signbit(got.imag) == np.signbit(want.imag))[zero].all()


# ----------------------------------------------------------------------------- 4. inference
INFERENCE_WRITES = {
    "add_": lambda L, x: x.add_(1), "+=": lambda L, x: x.__iadd__(1),
    "mul_ tensor": lambda L, x: x.mul_(L.ones(2, 3)), "tanh_": lambda L, x: x.tanh_(),
    "setitem": lambda L, x: x.__setitem__(0, 2.0),
    "setitem mask": lambda L, x: x.__setitem__(x > 0, 2.0),
    "copy_": lambda L, x: x.copy_(L.zeros(2, 3)), "zero_": lambda L, x: x.zero_(),
    "fill_": lambda L, x: x.fill_(3.0), "clamp_": lambda L, x: x.clamp_(0, 1),
    "uniform_": lambda L, x: x.uniform_(), "masked_fill_": lambda L, x: x.masked_fill_(x > 0, 1.0),
    "out=": lambda L, x: L.add(L.ones(2, 3), 1, out=x), "resize_": lambda L, x: x.resize_(6),
    "a view's add_": lambda L, x: x.view(6).add_(1), "x[0].add_": lambda L, x: x[0].add_(1),
    "F.relu inplace": lambda L, x: L.nn.functional.relu(x, inplace=True),
}


@pytest.mark.parametrize("write", sorted(INFERENCE_WRITES))
def test_an_inplace_write_to_an_inference_tensor_outside_the_mode_is_refused(torch, write):
    """PyTorch's RuntimeError for every in-place entry point (dlcore: before anything is
    written, the values unchanged); inside inference_mode the write is allowed."""
    msgs = []
    for L in (torch, dl):
        with L.inference_mode():
            x = L.ones(2, 3)
        with pytest.raises(RuntimeError) as e:
            INFERENCE_WRITES[write](L, x)
        msgs.append(str(e.value))
        if L is dl:
            assert x.tolist() == [[1.0] * 3] * 2 and x.shape == (2, 3)
            with dl.inference_mode():
                INFERENCE_WRITES[write](dl, x)
    assert msgs[1] == msgs[0]
    assert msgs[0].startswith("Inplace update to inference tensor outside InferenceMode is not "
                              "allowed.You can make a clone")


def test_detach_and_data_of_an_inference_tensor_may_be_written(torch):
    """PyTorch 2.13 lets ``x.detach()`` / ``x.data`` of an inference tensor be written in place
    outside the mode (both still inference tensors)."""
    for L in (torch, dl):
        with L.inference_mode():
            x = L.ones(2)
        d = x.detach()
        assert d.is_inference() and x.data.is_inference()
        d.add_(1)
        x.data.mul_(3)
        assert x.tolist() == [6.0, 6.0]
        with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference"):
            d.requires_grad_()


@pytest.mark.parametrize("opt", ["SGD", "Adam", "RMSprop"])
def test_an_optimizer_step_on_inference_parameters_is_refused(torch, opt):
    """PyTorch's error; dlcore's step changes nothing before it raises (validate-then-apply:
    PyTorch's own foreach step has moved some parameters by then)."""
    msgs = []
    for L in (torch, dl):
        with L.inference_mode():
            lin = L.nn.Linear(2, 2)
        o = getattr(L.optim, opt)(lin.parameters(), lr=0.1)
        lin.weight.grad, lin.bias.grad = L.ones(2, 2), L.ones(2)
        w0 = lin.weight.detach().clone()
        with pytest.raises(RuntimeError) as e:
            o.step()
        msgs.append(str(e.value))
        if L is dl:
            assert (lin.weight == w0).all() and o.state_dict()["state"] == {}
    assert msgs[1] == msgs[0]


def test_load_state_dict_into_an_inference_module_reports_each_parameter(torch):
    msgs = []
    for L in (torch, dl):
        with L.inference_mode():
            lin = L.nn.Linear(2, 2)
        with pytest.raises(RuntimeError) as e:
            lin.load_state_dict(L.nn.Linear(2, 2).state_dict())
        msgs.append(str(e.value))
    assert msgs[1] == msgs[0]


# ----------------------------------------------------------------------------- 6. callbacks
def _callback_order(L):
    engine = L.autograd.Variable._execution_engine
    x = L.ones(2, requires_grad=True)
    order: list = []

    def cb2():
        order.append(("cb2", L.is_grad_enabled(), x.grad.tolist()))

    def cb():
        order.append(("cb", L.is_grad_enabled(), x.grad.tolist()))
        engine.queue_callback(cb2)           # (queued by a callback: runs in the same pass)

    def hook(g):
        order.append("hook")
        engine.queue_callback(cb)
        return g

    def nested(g):
        with L.enable_grad():
            w = x * 3
            w.register_hook(lambda g2: engine.queue_callback(lambda: order.append("inner")))
            L.autograd.grad(w.sum(), x)
        order.append("after inner")
        engine.queue_callback(lambda: order.append("outer"))
        return g

    for h in (hook, nested):
        y = x * 2
        y.register_hook(h)
        y.sum().backward()
    y = x * 2
    y.register_hook(hook)
    order.append(("create_graph", [g.tolist() for g in L.autograd.grad(
        y.sum(), x, create_graph=True)]))
    y = x * 2
    y.register_hook(lambda g: engine.queue_callback(lambda: 1 / 0))
    with pytest.raises(ZeroDivisionError):
        y.sum().backward()
    order.append(x.grad.tolist())
    return order


def test_queue_callback_runs_at_the_end_of_the_pass_as_torchs(torch):
    """``Variable._execution_engine.queue_callback``: after every .grad is written, in the
    pass's grad mode, in order (one queued by a callback too); a nested pass's callbacks at
    its own end; a callback's error propagates."""
    assert _callback_order(dl) == _callback_order(torch)
    for L in (torch, dl):
        with pytest.raises(RuntimeError, match="^Final callbacks can only be installed during "
                                               "backward pass.$"):
            L.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_the_engine_is_not_replaced_by_a_multi_grad_hook():
    """register_multi_grad_hook keeps its per-pass state in the engine's pass frame: the
    engine's functions stay what they are while one is registered."""
    from dlcore_eager.autograd import engine
    run, run_raw = engine._run, engine._run_raw
    a, b = dl.ones(2, requires_grad=True), dl.ones(2, requires_grad=True)
    seen: list = []
    h = dl.autograd.graph.register_multi_grad_hook((a, b), lambda gs: seen.append(
        [None if g is None else g.tolist() for g in gs]))
    assert engine._run is run and engine._run_raw is run_raw
    (a * 2).sum().backward()
    (a * 2 + b * 3).sum().backward()
    h.remove()
    (a + b).sum().backward()
    assert seen == [[[2.0, 2.0], None], [[2.0, 2.0], [3.0, 3.0]]]


# ----------------------------------------------------------------------------- 7. composites
COMPOSITES = {
    "silu": lambda L, x: L.nn.functional.silu(x),
    "silu inplace": lambda L, x: L.nn.functional.silu(x * 1.0, inplace=True),
    "nn.SiLU": lambda L, x: L.nn.SiLU()(x),
    "gelu": lambda L, x: L.nn.functional.gelu(x),
    "gelu tanh": lambda L, x: L.nn.GELU(approximate="tanh")(x),
    "var": lambda L, x: x.var(1), "var all": lambda L, x: L.var(x),
    "var_mean": lambda L, x: L.var_mean(x, 0, keepdim=True)[0],
    "std": lambda L, x: x.std(0, keepdim=True), "std c0": lambda L, x: L.std(x, 1, correction=0),
    "logsumexp": lambda L, x: L.logsumexp(x, 1), "logsumexp kd": lambda L, x: x.logsumexp(0, True),
}


def _composite_run(L, name):
    x = L.tensor(X, requires_grad=True, dtype=L.float64)
    packed, unpacked = [], []

    def pack(t):
        packed.append((tuple(t.shape), "x" if t is x else "result" if t is not None and (
            t.shape != x.shape) else "x-values" if bool((t == x).all()) else "other"))
        return t

    def unpack(t):
        unpacked.append(tuple(t.shape))
        return t

    with L.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = COMPOSITES[name](L, x)
    node = type(y.grad_fn).__name__
    saved = [hasattr(y.grad_fn, "_saved_" + w) for w in ("self", "result")]
    w = L.tensor(np.arange(y.numel()).reshape(tuple(y.shape)) + 1.0, dtype=L.float64)
    (g,) = L.autograd.grad((y * w).sum(), x, create_graph=True)
    (gg,) = L.autograd.grad((g * L.tensor(G, dtype=L.float64)).sum(), x)
    return node, packed, unpacked[:len(packed)], saved, g.detach().numpy(), gg.numpy()


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_a_composite_packs_what_torchs_node_saves(torch, name):
    """Under saved_tensors_hooks, silu/gelu/var/std/logsumexp are PyTorch's one node: the pack
    hook sees its input (and, for std and logsumexp, its result) once; the gradient and the
    gradient of the gradient (through the unpacked tensors) are PyTorch's."""
    want, got = _composite_run(torch, name), _composite_run(dl, name)
    assert got[:4] == want[:4]
    np.testing.assert_allclose(got[4], want[4], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got[5], want[5], rtol=1e-10, atol=1e-12)


def test_a_packed_composite_refuses_a_second_backward():
    x = dl.tensor(X, requires_grad=True)
    with dl.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = dl.nn.functional.silu(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * DL_SILU_GRAD(X), rtol=1e-6)
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second"):
        y.backward()


def DL_SILU_GRAD(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 + x * (1 - s))


# ----------------------------------------------------------------------------- review rv19 F4
OPTIMIZERS = [("SGD", {}), ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
              ("Adam", {"amsgrad": True}), ("AdamW", {}), ("RMSprop", {"centered": True}),
              ("Adagrad", {}), ("NAdam", {}), ("ASGD", {}), ("Rprop", {})]


def _step_versions(L, name, kw):
    w = L.nn.Parameter(L.ones(3))
    b = L.nn.Parameter(L.ones(2, 2, dtype=L.float64))
    opt = getattr(L.optim, name)([w, b], lr=0.1, **kw)
    out = []
    for _ in range(2):
        w.grad, b.grad = L.ones(3), L.ones(2, 2, dtype=L.float64)
        opt.step()
        out.append((w._version, b._version))
    return out


@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_an_optimizer_step_bumps_each_parameters_version_as_torchs(torch, name, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _step_versions(dl, name, kw) == _step_versions(torch, name, kw)


def test_backward_after_a_step_that_changed_a_saved_parameter_is_refused(torch):
    """The 'step before backward' bug PyTorch catches (a GAN's generator step between the
    discriminator's forward and backward): same error, no gradient from updated values."""
    msgs = []
    for L in (torch, dl):
        w = L.nn.Parameter(L.ones(3))
        opt = L.optim.Adam([w], lr=0.1)
        loss = (w * w).sum()
        w.grad = L.ones(3)
        opt.step()
        with pytest.raises(RuntimeError) as e:
            loss.backward()
        msgs.append(str(e.value))
    assert msgs[1] == msgs[0]


def test_metadata_inplace_ops_bump_the_version(torch):
    for L in (torch, dl):
        a = L.ones(2, 3)
        a.t_()
        a.transpose_(0, 1)
        a.unsqueeze_(0)
        a.squeeze_()
        v = a[0]
        v.unsqueeze_(0)
        assert (a._version, v._version) == (5, 5)


# ----------------------------------------------------------------------------- later findings
def test_allclose_is_isclose_all_as_torchs(torch):
    """The lead's finding: equal_nan honoured, equal infinities close, dtype mismatch refused."""
    for L in (torch, dl):
        a = L.tensor([1.0, float("nan"), float("inf")])
        assert L.allclose(a, a, equal_nan=True) and a.allclose(a, equal_nan=True)
        assert L.allclose(a[2:], a[2:]) and not L.allclose(a, a)
        assert not L.allclose(L.tensor([1.0, 2.0]), L.tensor([1.0]))
        assert L.allclose(L.tensor([1.0, 2.0]), L.tensor([1.0, 2.00001]))
        with pytest.raises(RuntimeError, match="^Long did not match Float$"):
            L.allclose(L.tensor([1, 2]), L.tensor([1.0, 2.0]))


def test_detach_of_an_inference_tensor_counts_its_versions(torch):
    """rv19 F5: only the inference tensor's own counter refuses ``_version``."""
    for L in (torch, dl):
        with L.inference_mode():
            t = L.ones(3)
        d = t.detach()
        assert d._version == 0 and t.data._version == 0
        d.add_(1)
        assert d._version == 1 and d.is_inference()


@pytest.mark.parametrize("call", ["fn", "method", "condition", "list"])
def test_where_refuses_a_numpy_array_operand(torch, call):
    msgs = []
    for L in (torch, dl):
        t = L.ones(2)
        f = {"fn": lambda: L.where(t > 0, t, np.ones(2)),
             "method": lambda: t.where(t > 0, np.ones(2)),
             "condition": lambda: L.where(np.ones(2) > 0, t, t),
             "list": lambda: L.where(t > 0, [1.0, 2.0], t)}[call]
        with pytest.raises(TypeError) as e:
            f()
        msgs.append(str(e.value).split("\n")[0])
    assert msgs[1] == msgs[0]


def test_a_packed_composites_non_tensor_saved_attributes_are_torchs(torch):
    """rv19 F6 (with hooks active): _saved_dim/_saved_keepdim/_saved_correction/
    _saved_approximate as PyTorch shows them."""
    names = ("_saved_dim", "_saved_keepdim", "_saved_correction", "_saved_approximate")
    got = []
    for L in (torch, dl):
        x = L.tensor(X, requires_grad=True)
        with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            ys = [x.var(), x.var(1), x.var((0, 1), keepdim=True, correction=0), x.std(-1),
                  L.logsumexp(x, 1), L.logsumexp(x, (0, 1), True),
                  L.nn.functional.gelu(x, approximate="tanh")]
        got.append([{a: getattr(y.grad_fn, a) for a in names if hasattr(y.grad_fn, a)}
                    for y in ys])
    assert got[1] == got[0]


def test_allclose_refuses_a_number(torch):
    """rv19 F8: torch.allclose(t, 1.0) is PyTorch's TypeError."""
    msgs = []
    for L in (torch, dl):
        with pytest.raises(TypeError) as e:
            L.allclose(L.tensor([1.0]), 1.0)
        msgs.append(str(e.value))
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_decoupled_weight_decay_is_one_more_version_bump(torch, name):
    """rv19 F4 follow-up: PyTorch's decoupled decay is its own ``mul_`` of the parameter."""
    got = []
    for L in (torch, dl):
        p, q = L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.ones(2))
        o = getattr(L.optim, name)([p, q], lr=0.1, decoupled_weight_decay=True,
                                   weight_decay=0.1)
        vs = []
        for i in range(2):
            p.grad, q.grad = L.ones(2), (L.ones(2) if i == 0 else None)
            o.step()
            vs.append((p._version, q._version))
        got.append(vs)
    assert got[1] == got[0]
