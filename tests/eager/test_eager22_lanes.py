"""The operators' and the one-tensor ops' own-frame lanes (issue 19: ``_binary``'s float lane for
``a + b``/``a - b``/``a * b`` without grad, ``_dispatch.unary_lane`` for ``-x``, ``x.exp()``,
``torch.exp(x)``, ``abs``, and ``torch.add``'s two-tensor step) give what the general path and
PyTorch give: values and dtypes (NumPy references), layouts, fresh version counters, no warning on
overflow, PyTorch's broadcast error, inference tensors, and they step aside for a replaced kernel,
a profile, autograd and other dtypes.  Each case runs twice (the first call fills the caches)."""

import functools
import warnings

import numpy as np
import pytest
import torch

import dlcore_eager as dt
from dlcore.ops import elementwise as ew
from dlcore_eager.profiler import profile

RNG = np.random.default_rng(22)

BINARY = {"add": (lambda a, b: a + b, np.add), "sub": (lambda a, b: a - b, np.subtract),
          "mul": (lambda a, b: a * b, np.multiply),
          "torch.add": (lambda a, b: dt.add(a, b), np.add)}
UNARY = {"neg": (lambda x: -x, np.negative), "exp": (lambda x: x.exp(), np.exp),
         "torch.exp": (lambda x: _lib(x).exp(x), np.exp), "abs": (lambda x: x.abs(), np.abs),
         "tanh": (lambda x: _lib(x).tanh(x), np.tanh)}
SHAPES = [(1,), (4, 8), (), (3, 1)]


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else dt


def _array(shape, dtype):
    return np.asarray(RNG.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_values_dtype_and_fresh_tensor(name, shape, dtype):
    f, ref = BINARY[name]
    x, y = _array(shape, dtype), _array(shape, dtype)
    a, b = dt.from_numpy(x.copy()), dt.from_numpy(y.copy())
    for _ in range(2):
        out = f(a, b)
        assert type(out) is dt.Tensor and out.dtype == a.dtype and tuple(out.shape) == shape
        np.testing.assert_array_equal(out.numpy(), ref(x, y))
        assert not out.requires_grad and out.grad_fn is None and out._version == 0
    out.add_(1.0)                           # its own buffer and version counter
    np.testing.assert_array_equal(a.numpy(), x)
    assert out._version == 1 and a._version == 0 and b._version == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_values_dtype_and_fresh_tensor(name, shape, dtype):
    f, ref = UNARY[name]
    x = _array(shape, dtype)
    a = dt.from_numpy(x.copy())
    for _ in range(2):
        out = f(a)
        assert type(out) is dt.Tensor and out.dtype == a.dtype and tuple(out.shape) == shape
        np.testing.assert_array_equal(out.numpy(), ref(x))
        assert not out.requires_grad and out._version == 0
    out.mul_(2.0)
    np.testing.assert_array_equal(a.numpy(), x)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_of_a_transposed_tensor_is_torchs(name):
    f = UNARY[name][0]
    x = _array((3, 4), np.float32)
    for _ in range(2):
        got = f(dt.from_numpy(x).t())
    want = f(torch.from_numpy(x).t())
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    assert tuple(got.shape) == tuple(want.shape)


def test_overflow_is_inf_without_a_warning():
    a = dt.tensor([3e38], dtype=dt.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            assert np.isinf((a + a).numpy()).all() and np.isinf((a * a).numpy()).all()
            assert np.isinf((a * 1e30).exp().numpy()).all()
            assert np.isnan((a * a - a * a).numpy()).all()


def test_operands_that_do_not_broadcast_raise_torchs_error():
    a, b = dt.ones(2), dt.ones(3)
    for _ in range(2):
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size "
                                               r"of tensor b \(3\) at non-singleton dimension 0"):
            a + b
        with pytest.raises(RuntimeError, match=r"tensor a \(2\) must match"):
            dt.add(a, b)


def test_inference_mode_results_are_inference_tensors():
    with dt.inference_mode():
        a = dt.ones(1)
        for _ in range(2):
            for out in (a + a, a * a, -a, a.exp(), dt.add(a, a)):
                assert out.is_inference()


def test_torch_add_alpha_and_out_still_apply():
    a, b = dt.tensor([1.0, 2.0]), dt.tensor([10.0, 20.0])
    for _ in range(2):
        np.testing.assert_array_equal(dt.add(a, b, alpha=2).numpy(), [21.0, 42.0])
        np.testing.assert_array_equal(a.add(b, alpha=2).numpy(), [21.0, 42.0])
        o = dt.empty(2)
        assert dt.add(a, b, out=o) is o
        np.testing.assert_array_equal(o.numpy(), [11.0, 22.0])


def test_grad_takes_the_recorded_path():
    g = dt.tensor([0.5], requires_grad=True)
    b = dt.tensor([2.0])
    for _ in range(2):
        out = (-(g * b)).exp() + b
        assert out.grad_fn.name() == "AddBackward0"
        out.backward()
    np.testing.assert_allclose(g.grad.numpy(), 2 * -2.0 * np.exp(-1.0), rtol=1e-6)


def test_a_profile_records_each_op():
    a = dt.ones(1)
    a + a, -a                                   # (the caches filled)
    with profile() as p:
        a + a, a * a, -a, a.exp(), dt.add(a, a)
    keys = [e.key for e in p.key_averages()]
    assert sorted(keys) == ["aten::add", "aten::exp", "aten::mul", "aten::neg"]
    assert {e.key: e.count for e in p.key_averages()}["aten::add"] == 2


@pytest.mark.parametrize("prim, op, ref", [(ew.add_p, lambda a: a + a, lambda x: x + x),
                                           (ew.neg_p, lambda a: -a, np.negative),
                                           (ew.exp_p, lambda a: a.exp(), np.exp)])
def test_a_replaced_kernel_is_the_one_run(monkeypatch, prim, op, ref):
    a = dt.ones(3)
    op(a)
    calls = []
    original = prim.kernels["cpu"]

    @functools.wraps(original)              # (copies the entry's attributes: not its lane)
    def counted(*args, **kw):
        calls.append(1)
        return original(*args, **kw)
    monkeypatch.setitem(prim.kernels, "cpu", counted)
    for _ in range(2):
        out = op(a)
    assert len(calls) == 2
    np.testing.assert_array_equal(out.numpy(), ref(np.ones(3, np.float32)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1)])
def test_sum_of_one_element_is_the_kernels_bit_for_bit(shape, dtype):
    from dlcore.kernels.cpu import reduce as kr
    for v in (-0.0, 0.0, np.nan, 1.5, -3.25e38, np.inf, -np.inf, 1e-45, 7.0e-310):
        x = np.full(shape, v, dtype)
        want = kr.sum(x, axes=tuple(range(len(shape))), keepdims=False)
        small = kr.sum.small(shape, np.dtype(dtype), axes=tuple(range(len(shape))),
                             keepdims=False)
        assert small(x).tobytes() == want.tobytes() and small(x).shape == ()
        for _ in range(2):
            got = dt.from_numpy(x).sum()
        assert got.numpy().tobytes() == want.tobytes() and got.dtype == dt.from_numpy(x).dtype
        np.testing.assert_array_equal(got.numpy(), torch.from_numpy(x).sum().numpy())
    g = dt.tensor([[2.5]], dtype=dt.float32, requires_grad=True)
    for _ in range(2):
        s = g.sum()
        assert s.grad_fn.name() == "SumBackward0"
        s.backward()
    np.testing.assert_array_equal(g.grad.numpy(), [[2.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (4, 8), (3, 1)])
def test_relu_through_its_constant_is_the_kernels(shape, dtype):
    x = _array(shape, dtype)
    x.flat[0] = -0.0
    x.flat[-1] = np.nan
    want = ew.relu_p.kernels["cpu"](x)
    for f in (dt.relu, lambda t: t.relu(), dt.nn.functional.relu):
        for _ in range(2):
            got = f(dt.from_numpy(x))
        assert got.numpy().tobytes() == want.tobytes() and got.dtype == dt.from_numpy(x).dtype
        assert not got.requires_grad and got._version == 0
    got = dt.relu(dt.from_numpy(x).t())         # (not C-contiguous: the kernel's own path)
    np.testing.assert_array_equal(got.numpy(), np.maximum(x.T, 0))
    with dt.inference_mode():
        assert dt.relu(dt.from_numpy(x)).is_inference()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa, sb", [((1, 1), (1, 1)), ((2, 3), (3, 4)), ((1, 32), (32, 32))])
def test_matmul_operator_of_two_matrices(sa, sb, dtype):
    x, y = _array(sa, dtype), _array(sb, dtype)
    for _ in range(2):
        out = dt.from_numpy(x) @ dt.from_numpy(y)
    assert out.dtype == dt.from_numpy(x).dtype and not out.requires_grad and out._version == 0
    np.testing.assert_allclose(out.numpy(), x @ y, rtol=1e-6)
    with dt.inference_mode():
        assert (dt.from_numpy(x) @ dt.from_numpy(y)).is_inference()
    w = dt.from_numpy(y).requires_grad_(True)
    for _ in range(2):
        r = dt.from_numpy(x) @ w
    assert r.grad_fn.name() == "MmBackward0"
    with dt.no_grad():
        assert not (dt.from_numpy(x) @ w).requires_grad


def test_matmul_operator_refusals_are_torchs():
    m = dt.ones(2, 3)
    with pytest.raises(TypeError):
        m @ 2
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 2x3\)"):
        m @ m
    with pytest.raises(RuntimeError):
        m @ dt.ones(3, 2, dtype=dt.float64)
    np.testing.assert_array_equal((dt.ones(2, 3, dtype=dt.int64) @ dt.ones(3, 1,
                                   dtype=dt.int64)).numpy(), [[3], [3]])


def _slots() -> list:
    return [s for k in dt.Tensor.__mro__ for s in getattr(k, "__slots__", ())
            if s != "__weakref__"]


LANES = {                                       # every inline copy of _make's stores
    "a + b": lambda a, m: a + a, "a * b": lambda a, m: a * a, "a - b": lambda a, m: a - a,
    "-x": lambda a, m: -a, "x.exp()": lambda a, m: a.exp(), "torch.tanh": lambda a, m: dt.tanh(a),
    "torch.add": lambda a, m: dt.add(a, a), "relu": lambda a, m: dt.relu(a),
    "x.sum()": lambda a, m: a.sum(), "m @ m": lambda a, m: m @ m, "m.mm(m)": lambda a, m: m.mm(m),
    "cat": lambda a, m: dt.cat([m, m], 1), "stack": lambda a, m: dt.stack([m, m]),
}


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("name", list(LANES))
def test_every_lane_sets_the_fields_make_sets(name, grad):
    """(review22's EG1) a lane's result has every slot of ``Tensor`` set as ``tensor._make``
    sets it: a field added to ``_make`` and missed in an inline copy fails here."""
    from dlcore_eager.tensor import _make
    a, m = dt.ones(1), dt.ones(1, 1)
    if grad:
        a.requires_grad_(True)
        m.requires_grad_(True)
    for _ in range(2):
        t = LANES[name](a, m)
    ref = _make(t._buf, t._vc if grad else None, t._node)
    for s in _slots():
        assert hasattr(t, s), s
        v, w = getattr(t, s), getattr(ref, s)
        if s == "_vc":
            assert type(v) is type(w) and v == w and (grad or v is not a._vc), s
        else:
            assert v is w, s
    assert t.requires_grad == grad and (t.grad_fn is not None) == grad
    if grad and name in ("-x", "x.exp()", "torch.tanh"):     # (the unary lane's own node)
        from dlcore_eager._graph import Node
        node = t._node
        ref = Node(node.prim, node.params, node.parents, node.inputs, node.versions,
                   node.out_buf, node.out_version)
        for s in Node.__slots__:
            if s != "__weakref__":
                unset = object()
                v, w = getattr(node, s, unset), getattr(ref, s, unset)
                assert (v is unset) == (w is unset) and (v is w or v == w), s
        assert node.inputs == (a,) and node.parents[0] is a._acc() and node.params == {}


@pytest.mark.parametrize("call", [lambda T, x: T.nn.functional.leaky_relu(x, 1e39),
                                  lambda T, x: T.nn.functional.leaky_relu(x, -1e39),
                                  lambda T, x: T.nn.LeakyReLU(1e39)(x)])
def test_leaky_relu_slope_past_float32_is_torchs_error(call):
    """(review22 EG3) the lane sends a float32 slope past float32's range to the general
    entry, which raises torch 2.13's error; inf, and float64 tensors, stay computed."""
    x = -dt.ones(2)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="value cannot be converted to type float "
                                               "without overflow"):
            call(dt, x)
    np.testing.assert_array_equal(dt.nn.functional.leaky_relu(x, float("inf")).numpy(),
                                  [-np.inf, -np.inf])
    np.testing.assert_array_equal(
        dt.nn.functional.leaky_relu(-dt.ones(2, dtype=dt.float64), 1e39).numpy(), [-1e39, -1e39])
