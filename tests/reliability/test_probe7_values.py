"""Probe 7: silent wrong values (helper-D7's differential probe against PyTorch 2.13).

``jit.trace`` of a function whose first operation was a same-shape view (``x.view(x.shape)``,
``reshape``, ``expand`` to its own shape, ``squeeze`` of nothing, ``detach``) froze the example
input: those views make no primitive application, so the recorder saw a tensor it did not know
and kept it as a constant (the traced function then refused, or answered for, other inputs).
"""

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

_FUNCS = {
    "view": lambda x: x.view(2, 3) * 2,
    "reshape_only": lambda x: x.reshape(2, 3),
    "expand": lambda x: x.expand(2, 3) + 1,
    "squeeze": lambda x: x.squeeze() - 1,
    "detach": lambda x: x.detach() * 3,
    "view_as_then_sum": lambda x: x.view_as(x).sum(1),
}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", sorted(_FUNCS))
def test_trace_of_a_leading_same_shape_view_follows_new_inputs(name):
    f = _FUNCS[name]
    traced = dt.jit.trace(f, dt.ones(2, 3))
    new = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    ref = torch.jit.trace(f, torch.ones(2, 3))(torch.from_numpy(new))
    np.testing.assert_allclose(traced(dt.tensor(new)).numpy(), ref.numpy())


@pytest.mark.filterwarnings("ignore")
def test_trace_of_a_module_whose_weight_is_viewed_keeps_it_a_parameter():
    class M(dt.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = dt.nn.Parameter(dt.ones(3))

        def forward(self, x):
            return x.view(2, 3) * self.w.detach()

    m = M()
    traced = dt.jit.trace(m, dt.ones(2, 3))
    x = dt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    np.testing.assert_allclose(traced(x).detach().numpy(), m(x).detach().numpy())
    assert "w" in dict(traced.named_parameters())


_ZERO_D = {
    "sum": lambda m, x, d: m.sum(x, d), "mean": lambda m, x, d: m.mean(x, d),
    "prod": lambda m, x, d: m.prod(x, d), "amax": lambda m, x, d: m.amax(x, d),
    "any": lambda m, x, d: m.any(x, d), "logsumexp": lambda m, x, d: m.logsumexp(x, d),
    "nansum": lambda m, x, d: m.nansum(x, d), "norm": lambda m, x, d: m.norm(x, dim=d),
    "cumsum": lambda m, x, d: m.cumsum(x, d), "softmax": lambda m, x, d: m.softmax(x, d),
    "flip": lambda m, x, d: m.flip(x, (d,)), "argsort": lambda m, x, d: m.argsort(x, d),
}


@pytest.mark.parametrize("dim", [0, -1])
def test_a_0d_tensor_takes_dim_0_and_minus_1_as_torch(dim):
    """A 0-d tensor counts as 1-d for ``dim`` in PyTorch: dim -1 raised 'Dimension out of
    range' and the reductions over dim 0 failed inside their kernels (numpy's AxisError)."""
    for name, f in _ZERO_D.items():
        want = f(torch, torch.tensor(2.5), dim)
        got = f(dt, dt.tensor(2.5), dim)
        assert got.shape == want.shape and str(got.dtype) == str(want.dtype), name
        np.testing.assert_allclose(got.numpy(), want.numpy(), err_msg=name)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got -2"):
        dt.sum(dt.tensor(2.5), -2)


def test_host_computed_ops_keep_a_0d_shape_and_torch_dtypes():
    """Ops computed on the host wrapped their result with np.ascontiguousarray, which makes a
    0-d array 1-d: copysign/signbit/searchsorted of 0-d tensors had shape (1,), and random_,
    exponential_, cauchy_, geometric_, log_normal_ of a 0-d tensor failed."""
    x, tx = dt.tensor(-2.0), torch.tensor(-2.0)
    assert dt.copysign(x, x).shape == torch.copysign(tx, tx).shape == ()
    assert dt.signbit(x).shape == ()
    seq = dt.tensor([1.0, 3.0])
    assert dt.searchsorted(seq, dt.tensor(2.0)).shape == ()
    for name, args in [("random_", ()), ("exponential_", ()), ("cauchy_", ()),
                       ("geometric_", (0.5,)), ("log_normal_", ())]:
        y = dt.tensor(0.5)
        getattr(y, name)(*args)
        assert y.shape == (), name
    u = np.array([[0, 2], [0, 0]], np.uint8)          # any/all of uint8: uint8, as PyTorch
    for f in (lambda m, t: m.any(t), lambda m, t: m.all(t, 1), lambda m, t: t.any(0)):
        want, got = f(torch, torch.from_numpy(u)), f(dt, dt.tensor(u))
        assert str(got.dtype) == str(want.dtype) == "torch.uint8"
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    a, b = dt.ones(2), dt.ones(2, dtype=dt.int32)      # nextafter: PyTorch's promotion
    assert str(dt.nextafter(a, b).dtype) == "torch.float32"        # (was float64)
    assert dt.nanmean(dt.tensor([1.0, float("nan")]), dtype=dt.float64).dtype == dt.float64


def test_unbind_of_an_out_of_range_dim_raises():
    """unbind took ``dim % ndim``: dim 5 of a matrix silently unbound dim 1."""
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 5"):
        dt.unbind(dt.ones(2, 3), 5)
    assert [t.shape for t in dt.unbind(dt.ones(2, 3), -1)] == [(2,)] * 3


def test_diff_of_bool_and_used_up_dims_and_movedim_of_0d():
    """diff of a bool tensor is PyTorch's logical_xor (dlcore refused bool subtraction); an
    empty dim, or n beyond the length, gives an empty result (dlcore raised); movedim of a 0-d
    tensor returned an error."""
    for f in (lambda m: m.diff(m.tensor([True, False, False])),
              lambda m: m.diff(m.zeros(0, dtype=m.int64)),
              lambda m: m.diff(m.tensor([1, 3, 7]), n=5),
              lambda m: m.diff(m.ones(2, 3), n=2, dim=0),
              lambda m: m.movedim(m.tensor(1.5), 0, -1)):
        want, got = f(torch), f(dt)
        assert got.shape == want.shape and str(got.dtype) == str(want.dtype)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_xlogy_result_dtype_as_torch():
    """A Python number was made a float32 tensor before promotion: xlogy(float16, 0) was
    float32, xlogy(int32, 2) float64, and xlogy(2.5, int64 tensor) raised a dtype error."""
    cases = [(lambda m: m.ones(2, dtype=m.float16), 0),
             (lambda m: m.tensor([0, 2], dtype=m.int32), 2), (2.5, lambda m: m.tensor([1, 3])), (lambda m: m.tensor([True, False]), 3),
             (lambda m: m.tensor([1, 0], dtype=m.int32), lambda m: m.tensor([2, 3]))]
    for a, b in cases:
        args = [[v(m) if callable(v) else v for v in (a, b)] for m in (torch, dt)]
        want, got = torch.xlogy(*args[0]), dt.xlogy(*args[1])
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=1e-3)


def test_fmod_keeps_the_integer_dtype_and_copysign_promotes_as_torch():
    """fmod of an int32/int8/uint8 tensor by a Python int was int64 (abs of the number made an
    int64 tensor), by True an error; copysign(int32, float16) was float32 and copysign of a
    float64 0-d tensor and a float32 vector float64 (PyTorch: float16, float32)."""
    for m_args in [(lambda m: m.tensor([5, -7, 0], dtype=m.int32), 2),
                   (lambda m: m.tensor([5, -7, 0], dtype=m.int8), -3),
                   (lambda m: m.tensor([5, 7], dtype=m.uint8), True)]:
        want = torch.fmod(m_args[0](torch), m_args[1])
        got = dt.fmod(m_args[0](dt), m_args[1])
        assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()
    for a, b in [(lambda m: m.tensor([1, -2], dtype=m.int32),
                  lambda m: m.tensor([-1.0, 1.0], dtype=m.float16)),
                 (lambda m: m.tensor(3.0, dtype=m.float64),
                  lambda m: m.tensor([-1.0, 0.0, -0.0]))]:
        want, got = torch.copysign(a(torch), b(torch)), dt.copysign(a(dt), b(dt))
        assert str(got.dtype) == str(want.dtype) and got.shape == want.shape
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_square_of_bool_and_chunk_of_an_empty_dim_as_torch():
    """square of a bool tensor stayed bool (PyTorch: int64); chunk of an empty dim gave one
    piece (PyTorch: ``chunks`` empty pieces)."""
    for m in (torch, dt):
        b = m.tensor([True, False])
        assert str(m.square(b).dtype) == str(b.square().dtype) == "torch.int64"
        assert m.square(b).tolist() == [1, 0]
        assert [tuple(t.shape) for t in m.chunk(m.ones(2, 0, 3), 2, 1)] == [(2, 0, 3)] * 2
