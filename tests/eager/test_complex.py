"""Complex tensors in dlcore_eager against real PyTorch 2.13: dtypes and promotion, creation,
printing, the complex functions and members, core arithmetic, gradients in PyTorch's convention,
and PyTorch's errors for ops that have no complex version."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

Z = [[1 + 2j, 3 - 1j, -0.5 + 0.25j], [2j, -1.5 - 2j, 0.75]]
W = [[0.5, -1.0, 2.0], [1.5, 0.25, -2.0]]


def _np(t):
    return t.detach().resolve_conj().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same(a, b, rtol=1e-6):
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], (a.dtype, b.dtype)
    np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=1e-6)


def test_dtypes_and_creation():
    assert dt.cfloat is dt.complex64 and dt.cdouble is dt.complex128
    assert dt.complex64.is_complex and not dt.complex64.is_floating_point
    assert dt.tensor(1 + 2j).dtype == dt.complex64
    assert dt.tensor(np.array([1j])).dtype == dt.complex128
    assert dt.tensor(np.array([1j], np.complex64)).dtype == dt.complex64
    assert dt.tensor([1.0], dtype=dt.cdouble).dtype == dt.complex128
    assert dt.from_numpy(np.array([1j])).dtype == dt.complex128
    z = dt.tensor(Z)
    assert z.is_complex() and dt.is_complex(z) and not dt.is_complex(dt.tensor(W))
    assert z.tolist() == torch.tensor(Z).tolist() and z[0, 0].item() == 1 + 2j


@pytest.mark.parametrize("a,b", [
    ("f32", "c64"), ("f64", "c64"), ("f32", "c128"), ("i64", "c64"), ("f16", "c64"),
    ("f32", "c64_0d"), ("f64", "c64_0d"), ("c64", "f64_0d"), ("i64", "c128_0d"),
    ("f64", "pyc"), ("f32", "pyc"), ("i64", "pyc"), ("c64", "pyf"), ("c64", "pyi")])
def test_promotion_matches_torch(a, b):
    def make(lib, spec):
        if spec == "pyc":
            return 1j
        if spec == "pyf":
            return 2.5
        if spec == "pyi":
            return 2
        name = {"f32": "float32", "f64": "float64", "c64": "complex64", "c128": "complex128",
                "i64": "int64", "f16": "float16"}[spec.split("_")[0]]
        return lib.ones((2,) if not spec.endswith("_0d") else (), dtype=getattr(lib, name))
    got = (make(dt, a) + make(dt, b)).dtype
    want = (make(torch, a) + make(torch, b)).dtype
    assert repr(got) == repr(want)


@pytest.mark.parametrize("vals", [[1 + 2j, 3 - 1j], [[1.5 + 2j, -3j], [0, 2]],
                                  [2 + 0.5j], [1.5 - 2j, 3j], [-1.25 + 0.5j, 100 + 0j], 2 + 0j,
                                  [-1.1312 + 2.4717j, 10.8523 - 16.9014j], [1.5 + 20j, 3 - 1.25j]])
def test_printing(vals):
    assert repr(dt.tensor(vals)) == repr(torch.tensor(vals))
    assert repr(dt.tensor(vals, dtype=dt.cdouble)) == repr(torch.tensor(vals, dtype=torch.cdouble))


FUNCS = {
    "real": lambda m, z, w: m.real(z), "imag": lambda m, z, w: z.imag,
    "conj": lambda m, z, w: m.conj(z), "abs": lambda m, z, w: m.abs(z),
    "abs_method": lambda m, z, w: abs(z), "angle": lambda m, z, w: z.angle(),
    "angle_real": lambda m, z, w: m.angle(w - 1), "view_as_real": lambda m, z, w: m.view_as_real(z),
    "view_as_complex": lambda m, z, w: m.view_as_complex(m.stack([w, w * 2], -1)),
    "complex": lambda m, z, w: m.complex(w, w * 3), "polar": lambda m, z, w: m.polar(w.abs(), w),
    "add_sub": lambda m, z, w: z + w - 2j * z, "mul_div": lambda m, z, w: z * w / (z + 3),
    "rdiv": lambda m, z, w: 2 / z, "neg_exp": lambda m, z, w: (-z).exp(),
    "matmul": lambda m, z, w: z @ z.T.conj(), "sum_mean": lambda m, z, w: z.sum(0) + z.mean(),
    "shape": lambda m, z, w: z.reshape(3, 2).transpose(0, 1)[1:, ::2].flatten(),
    "eq": lambda m, z, w: z == z.conj(), "where": lambda m, z, w: m.where(w > 0, z, 0),
    "cat": lambda m, z, w: m.cat([z, z * 1j], 0), "float64": lambda m, z, w: z.to(m.complex128) * w.double(),
}


@pytest.mark.parametrize("name", list(FUNCS))
def test_values_match_torch(name):
    got = FUNCS[name](dt, dt.tensor(Z), dt.tensor(W))
    want = FUNCS[name](torch, torch.tensor(Z), torch.tensor(W))
    _same(got, want)


LOSSES = {
    "abs": lambda m, z, w: (z.abs() * w).sum(),
    "angle": lambda m, z, w: (z.angle() * w).sum(),
    "parts": lambda m, z, w: (z.real * w).sum() + (z.imag ** 2).sum(),
    "mul_conj": lambda m, z, w: (z * z.conj() * w).real.sum(),
    "div_exp": lambda m, z, w: m.view_as_real((z / (z + 2)).exp()).sum(),
    "matmul": lambda m, z, w: m.view_as_real(z @ z.T).pow(2).sum(),
    "mean": lambda m, z, w: (m.view_as_real(z.mean(0) * 1j) * 3).sum(),
    "complex": lambda m, z, w: (m.complex(w, w * w) * z).imag.sum(),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradients_match_torch(name):
    res = []
    for m in (dt, torch):
        z = m.tensor(Z, dtype=m.complex128, requires_grad=True)
        w = m.tensor(W, dtype=m.float64, requires_grad=True)
        LOSSES[name](m, z, w).backward()
        res.append((z.grad, w.grad))
    for a, b in zip(*res):
        if b is None:
            assert a is None or not np.any(_np(a))
        else:
            _same(a, b, rtol=1e-10)


ERRORS = {
    "lt": lambda m, z: z < z,  # noqa: PLR0124 - the comparison itself is the test "relu": lambda m, z: m.relu(z), "maximum": lambda m, z: m.maximum(z, z),
    "max": lambda m, z: z.max(), "floor": lambda m, z: m.floor(z), "sort": lambda m, z: m.sort(z),
    "imag_real": lambda m, z: m.imag(z.real), "view_as_real": lambda m, z: m.view_as_real(z.real),
    "view_as_complex": lambda m, z: m.view_as_complex(m.ones(3)),
    "complex_dtypes": lambda m, z: m.complex(z.real, z.imag.double()),
    "complex_ints": lambda m, z: m.complex(m.tensor([1]), m.tensor([1])),
    "backward": lambda m, z: z.sum().backward(),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_like_torch(name):
    z_t = torch.tensor(Z, requires_grad=name == "backward")
    with pytest.raises(Exception) as want:
        ERRORS[name](torch, z_t)
    z_d = dt.tensor(Z, requires_grad=name == "backward")
    with pytest.raises(RuntimeError) as got:
        ERRORS[name](dt, z_d)
    assert isinstance(got.value, type(want.value)) or isinstance(want.value, RuntimeError)
    exact = {"imag_real", "view_as_real", "view_as_complex", "complex_ints", "backward",
             "complex_dtypes"}
    if name in exact:
        assert str(got.value) == str(want.value)
    else:
        assert "not implemented for 'ComplexFloat'" in str(got.value) or \
            "complex" in str(want.value)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_linalg_eig_matches_torch(dtype):
    a = np.random.default_rng(3).standard_normal((2, 3, 3))
    if dtype == "complex128":
        a = a + 1j * a[::-1]
    got, want = dt.linalg.eig(dt.tensor(a, dtype=getattr(dt, dtype))), \
        torch.linalg.eig(torch.tensor(a, dtype=getattr(torch, dtype)))
    tol = 1e-4 if dtype == "float32" else 1e-10
    _same(got[0], want[0], rtol=tol)
    # Eigenvectors are unique up to a unit factor per column (LAPACK builds differ in sign):
    # compare after aligning each column's phase.
    v, w = _np(got[1]), _np(want[1])
    inner = np.sum(np.conj(v) * w, axis=-2, keepdims=True)
    np.testing.assert_allclose(v * (inner / np.abs(inner)), w, atol=tol * 10)
    assert str(got[1].dtype) == str(want[1].dtype).replace("torch.", "torch.")
    _same(dt.linalg.eigvals(dt.tensor([[0.0, 1], [-1, 0]])),
          torch.linalg.eigvals(torch.tensor([[0.0, 1], [-1, 0]])))


@pytest.mark.parametrize("make", [lambda m: m.eye(2, dtype=m.int64), lambda m: m.ones(3),
                                  lambda m: m.ones(2, 3)])
def test_linalg_eig_errors_like_torch(make):
    with pytest.raises(RuntimeError) as want:
        torch.linalg.eig(make(torch))
    with pytest.raises(RuntimeError) as got:
        dt.linalg.eig(make(dt))
    assert str(got.value) == str(want.value)


EIG_LOSSES = {
    "L": lambda m, lam, v, w: (lam * lam).real.sum() + lam.imag.pow(2).sum(),
    "absV": lambda m, lam, v, w: (v.abs() ** 2 * w).sum(),
    "both": lambda m, lam, v, w: lam.abs().sum() + (v.abs() * lam.abs()[..., None, :]).sum(),
}


@pytest.mark.parametrize("name", list(EIG_LOSSES))
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_linalg_eig_gradients_match_torch(name, dtype):
    a = np.random.default_rng(5).standard_normal((2, 4, 4))
    w = np.random.default_rng(6).standard_normal((2, 4, 4))
    if dtype == "complex128":
        a = a + 1j * w
    res = []
    for m in (dt, torch):
        x = m.tensor(a, requires_grad=True)
        lam, v = m.linalg.eig(x)
        EIG_LOSSES[name](m, lam, v, m.tensor(w)).backward()
        res.append(x.grad)
    _same(res[0], res[1], rtol=1e-10)


@pytest.mark.parametrize("name", ["bernoulli", "deg2rad", "isposinf", "nansum", "nanmean",
                                  "unique", "unique_consecutive"])
def test_refused_like_torch(name):
    with pytest.raises(Exception) as want:
        getattr(torch, name)(torch.tensor(Z))
    with pytest.raises(type(want.value)) as got:
        getattr(dt, name)(dt.tensor(Z))
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("call", [
    lambda m, z: m.var(z), lambda m, z: z.std(0, correction=0), lambda m, z: z.var(1, keepdim=True),
    lambda m, z: m.var_mean(z, 1)[0] + m.std_mean(z)[0], lambda m, z: m.std_mean(z, 0)[1],
    lambda m, z: m.isreal(m.cat([z, z.real.to(z.dtype)])),
    lambda m, z: m.full((2,), 1j) * z[:, :2]])
def test_statistics_and_creation_match_torch(call):
    res = []
    for m in (dt, torch):
        z = m.tensor(Z, dtype=m.complex128, requires_grad=True)
        out = call(m, z)
        if out.requires_grad:
            m.view_as_real(out.to(m.complex128)).sum().backward() if out.is_complex() \
                else out.sum().backward()
        res.append((out, z.grad))
    _same(res[0][0], res[1][0], rtol=1e-10)
    if res[1][1] is not None:
        _same(res[0][1], res[1][1], rtol=1e-10)


def test_cuda_simulator_values():
    """The complex kernels on CUDA (the simulator in CI): arithmetic, exp, parts, FFTs."""
    from dlcore.device import cuda_simulator
    if not cuda_simulator():
        pytest.skip("runs under NUMBA_ENABLE_CUDASIM=1 (tests/conftest.py)")
    zc, zt = dt.tensor(Z[0]).cuda(), torch.tensor(Z[0])
    for f in (lambda m, z: (z * z / (z + 1)).exp(), lambda m, z: m.view_as_real(z.conj().resolve_conj()),
              lambda m, z: z.abs() + z.angle(), lambda m, z: m.fft.ifft(z, norm="ortho"),
              lambda m, z: m.fft.irfft(z, n=4), lambda m, z: m.fft.rfft(z.real, n=5)):
        _same(f(dt, zc).cpu(), f(torch, zt), rtol=1e-5)


def test_complex_random_creation():
    dt.manual_seed(0)
    z = dt.randn(20000, dtype=dt.cfloat)
    assert z.dtype == dt.complex64
    assert abs(float(z.real.var()) - 0.5) < 0.03 and abs(float(z.imag.var()) - 0.5) < 0.03
    u = dt.rand_like(dt.zeros(20000, dtype=dt.cdouble))
    assert u.dtype == dt.complex128 and 0.47 < float(u.imag.mean()) < 0.53
    assert 0 <= float(u.real.min()) and float(u.imag.max()) < 1
    with pytest.raises(NotImplementedError, match="normal_ of a complex tensor"):
        dt.zeros(2, dtype=dt.cfloat).normal_()


HOLO = {"log": lambda m, z: z.log(), "sqrt": lambda m, z: m.sqrt(z), "pow2": lambda m, z: z ** 2,
        "pow_half": lambda m, z: z ** 0.5, "pow_z": lambda m, z: z ** (z * 0.5),
        "rpow": lambda m, z: 2 ** z, "reciprocal": lambda m, z: z.reciprocal(),
        "rsqrt": lambda m, z: z.rsqrt(), "tanh": lambda m, z: z.tanh(),
        "sigmoid": lambda m, z: z.sigmoid(), "sin_cos": lambda m, z: z.sin() * z.cos(),
        "log1p_expm1": lambda m, z: z.log1p() + z.expm1(), "sgn": lambda m, z: m.sgn(z),
        "vdot": lambda m, z: m.vdot(z[0], z[1]), "cumsum": lambda m, z: m.cumsum(z * z, 1), "norms": lambda m, z: m.linalg.norm(z) + m.linalg.vector_norm(z, 3) + m.linalg.matrix_norm(z, 1)}


@pytest.mark.parametrize("name", list(HOLO))
def test_complex_functions_and_gradients_match_torch(name):
    res = []
    for m in (dt, torch):
        z = m.tensor(Z, dtype=m.complex128, requires_grad=True)
        y = HOLO[name](m, z)
        (m.view_as_real(y).pow(2).sum() if y.is_complex() else y.sum()).backward()
        res.append((y, z.grad))
    _same(res[0][0], res[1][0], rtol=1e-9)
    _same(res[0][1], res[1][1], rtol=1e-9)


def test_sign_refuses_complex_like_torch():
    with pytest.raises(NotImplementedError) as want:
        torch.sign(torch.tensor(Z))
    with pytest.raises(NotImplementedError) as got:
        dt.sign(dt.tensor(Z))
    assert str(got.value) == str(want.value)


def test_casting_to_real_warns_like_torch():
    with pytest.warns(UserWarning, match="Casting complex values to real discards the "
                                         "imaginary part"):
        got = dt.tensor(Z).float()
    _same(got, torch.tensor(Z).real)
    _same(dt.tensor(Z).bool(), torch.tensor(Z).bool())
