"""Forward-over-reverse (Hessian-vector products) and complex double backward, vs torch 2.13.

Forward AD over a create_graph gradient must read the tangents of the tensors backward saved
(a node's saved output is made again as a new Tensor: exp's, tanh's, sigmoid's, softmax's vjps
read it); a primitive whose vjp is not differentiable in its cotangent has no jvp here and must
raise, never give a zero tangent.
"""
import importlib

import numpy as np
import pytest

import dlcore_eager as T

torch = pytest.importorskip("torch")

from dlcore import ops, registry                       # noqa: E402
from dlcore.registry import AVal, Primitive, bind      # noqa: E402

_R = np.random.default_rng(0)
X = _R.standard_normal((4, 8))
V = _R.standard_normal((4, 8))
W1 = _R.standard_normal((8, 5))
W2 = _R.standard_normal((5, 3))
Y = _R.integers(0, 3, 4)


def _mlp(L, x):
    F = L.nn.functional
    h = L.tanh(x @ L.tensor(W1))
    h2 = F.relu(h @ L.tensor(W2)) + L.sigmoid(h).sum(1, keepdim=True)
    return F.cross_entropy(h2, L.tensor(Y))


LOSSES = {
    "tanh": lambda L, x: (L.tanh(x) ** 2).sum(),
    "sigmoid": lambda L, x: (L.sigmoid(x) ** 2).sum(),
    "softmax": lambda L, x: (L.softmax(x, 1) * x).sum(),
    "log_softmax": lambda L, x: (L.log_softmax(x, 1) * x).sum(),
    "exp": lambda L, x: L.exp(x).sum(),
    "exp_times": lambda L, x: (L.exp(x) * x).sum(),
    "relu": lambda L, x: (L.relu(x) ** 3).sum(),
    "leaky_relu": lambda L, x: (L.nn.functional.leaky_relu(x, 0.1) ** 3).sum(),
    "vector_norm": lambda L, x: L.linalg.vector_norm(x) ** 3,
    "mm": lambda L, x: (x @ x.t()).sum(),
    "mlp": _mlp,
}


def _hvp_forward_ad(lib, f):
    fw = importlib.import_module(lib.__name__ + ".autograd.forward_ad")
    with fw.dual_level():
        x = fw.make_dual(lib.tensor(X).requires_grad_(True), lib.tensor(V))
        (g,) = lib.autograd.grad(f(lib, x), x, create_graph=True)
        t = fw.unpack_dual(g).tangent
        assert t is not None
        return t.detach().numpy()


def _hvp_func(lib, f):
    return lib.func.jvp(lib.func.grad(lambda x: f(lib, x)), (lib.tensor(X),),
                        (lib.tensor(V),))[1].detach().numpy()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_hvp_by_forward_ad_over_create_graph_gradient_matches_torch(name):
    np.testing.assert_allclose(_hvp_forward_ad(T, LOSSES[name]),
                               _hvp_forward_ad(torch, LOSSES[name]), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_hvp_by_func_jvp_of_grad_matches_torch(name):
    np.testing.assert_allclose(_hvp_func(T, LOSSES[name]), _hvp_func(torch, LOSSES[name]),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op", ["sign", "floor", "round"])
def test_a_zero_derivative_gives_a_zero_tangent_as_torch(op):
    got = []
    for lib in (T, torch):
        fw = importlib.import_module(lib.__name__ + ".autograd.forward_ad")
        with fw.dual_level():
            x = fw.make_dual(lib.tensor([0.3, -1.6]), lib.tensor([1.0, 2.0]))
            got.append(fw.unpack_dual(getattr(lib, op)(x)).tangent.numpy())
    np.testing.assert_array_equal(got[0], got[1])
    np.testing.assert_array_equal(got[0], [0.0, 0.0])


@pytest.fixture
def vjp_off_the_tape():
    # a vjp that is computed through a non-differentiable step (stop_gradient): right as a
    # vjp, but not differentiable in its cotangent, so the double-vjp trick has no jvp for it
    p = Primitive("fwad_off_tape", lambda x: AVal(x.shape, x.dtype),
                  lambda g, y, x: (ops.stop_gradient(ops.mul(g, ops.cos(x))),),
                  kernels={"cpu": np.sin})
    yield p
    registry.forget("fwad_off_tape")


@pytest.mark.parametrize("rg", [False, True])
def test_a_primitive_without_a_jvp_raises_in_forward_ad(vjp_off_the_tape, rg):
    fw = T.autograd.forward_ad
    x0 = T.tensor([0.3, 0.5], dtype=T.float64)
    with fw.dual_level():
        x = fw.make_dual(x0.detach().clone().requires_grad_(rg), T.ones(2, dtype=T.float64))
        with pytest.raises(NotImplementedError,
                           match="Trying to use forward AD with fwad_off_tape that does not "
                                 "support it because it has not been implemented yet"):
            bind(vjp_off_the_tape, x)


def test_a_primitive_without_a_jvp_raises_in_func_jvp(vjp_off_the_tape):
    x0 = T.tensor([0.3, 0.5], dtype=T.float64)
    # its vjp itself is right
    x = x0.clone().requires_grad_()
    bind(vjp_off_the_tape, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.3, 0.5]))
    with pytest.raises(NotImplementedError, match="not differentiable in its cotangent"):
        T.func.jvp(lambda v: bind(vjp_off_the_tape, v), (x0,), (T.ones(2, dtype=T.float64),))


# ----------------------------------------------------------------------------- complex (P1)
A = np.arange(12.).reshape(3, 4) + 0.5j


def _complex_second(lib, f):
    a = lib.tensor(A, dtype=lib.complex128, requires_grad=True)
    b = lib.tensor(A * 2 - 1j, dtype=lib.complex128, requires_grad=True)
    g = lib.autograd.grad(f(lib, a, b), (a, b), create_graph=True)
    h = lib.autograd.grad(sum((q * q.conj()).real.sum() for q in g), (a, b))
    return [q.detach().resolve_conj().numpy() for q in list(g) + list(h)]


@pytest.mark.parametrize("name,f", [
    ("abs2_of_sum_times", lambda L, a, b: ((a.sum() * b).abs() ** 2).sum()),
    ("abs_of_sum", lambda L, a, b: (a.sum() * b.sum()).abs()),
    ("abs_times_sum", lambda L, a, b: ((a * b).abs() * a.sum().abs()).sum()),
    ("conj_of_sum", lambda L, a, b: (a.sum().conj() * b).real.sum() ** 2),
])
def test_complex_double_backward_through_a_whole_sum_matches_torch(name, f):
    for got, want in zip(_complex_second(T, f), _complex_second(torch, f)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("op", ["conj", "abs", "angle"])
def test_complex_kernels_give_arrays_for_0d_inputs(op):
    from dlcore.registry import PRIMITIVES
    name = {"abs": "complex_abs"}.get(op, op)
    r = PRIMITIVES[name].kernels["cpu"](np.asarray(0.3 + 0.4j))
    assert type(r) is np.ndarray and r.shape == ()
    np.testing.assert_allclose(r, getattr(np, {"conj": "conjugate"}.get(op, op))(0.3 + 0.4j))


# ----------------------------------------------------------------------------- complex tangents
Z = np.array([0.3 + 0.4j, -1.2 + 0.5j])
VZ = np.array([1.0 - 0.5j, 0.2 + 0.7j])
RR = np.array([0.7, -0.2])
VR = np.array([0.3, 1.1])
MZ = np.array([[1 + 1j, 2 - 0.5j], [0.3j, -1.0]])
COMPLEX_FNS = {
    "mul": lambda L, z, r: z * z * r,
    "abs": lambda L, z, r: z.abs() * r,
    "exp": lambda L, z, r: L.exp(z),
    "conj": lambda L, z, r: z.conj() * z,
    "angle": lambda L, z, r: z.angle(),
    "complex": lambda L, z, r: L.complex(r, r * r) * z,
    "matmul": lambda L, z, r: L.tensor(MZ) @ z,
    "view_as_real": lambda L, z, r: L.view_as_real(z * r).sum(-1),
    "abs2_sum": lambda L, z, r: (z.abs() ** 2).sum() * z,
}


def _complex_tangents(lib, f):
    fw = importlib.import_module(lib.__name__ + ".autograd.forward_ad")
    with fw.dual_level():
        z = fw.make_dual(lib.tensor(Z), lib.tensor(VZ))
        r = fw.make_dual(lib.tensor(RR), lib.tensor(VR))
        by_dual = fw.unpack_dual(f(lib, z, r)).tangent.resolve_conj().numpy()
    by_func = lib.func.jvp(lambda z, r: f(lib, z, r), (lib.tensor(Z), lib.tensor(RR)),
                           (lib.tensor(VZ), lib.tensor(VR)))[1].resolve_conj().numpy()
    return by_dual, by_func


@pytest.mark.parametrize("name", sorted(COMPLEX_FNS))
def test_complex_tangents_match_torch(name):
    # (raised 'grad can be implicitly created only for real scalar outputs' in forward AD)
    for got, want in zip(_complex_tangents(T, COMPLEX_FNS[name]),
                         _complex_tangents(torch, COMPLEX_FNS[name])):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_complex_hvp_by_forward_ad_matches_torch():
    def hvp(lib):
        fw = importlib.import_module(lib.__name__ + ".autograd.forward_ad")
        with fw.dual_level():
            z = fw.make_dual(lib.tensor(Z).requires_grad_(True), lib.tensor(VZ))
            loss = ((lib.tensor(MZ) @ z).abs() ** 2).sum() + (lib.exp(z) * z.conj()).real.sum()
            (g,) = lib.autograd.grad(loss, z, create_graph=True)
            return fw.unpack_dual(g).tangent.detach().resolve_conj().numpy()
    np.testing.assert_allclose(hvp(T), hvp(torch), rtol=1e-12, atol=1e-12)
