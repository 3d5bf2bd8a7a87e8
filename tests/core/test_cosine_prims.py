"""The fused cosine-similarity primitives (dlcore/ops/cosine_prims.py): values, first and
second derivatives against PyTorch in float64 along every axis, operands that broadcast
against each other (the summed axis too: the composite gave values above 1 there), a zero
vector (the clamped norm), float32 as one node, the CUDA kernels (simulator) against the CPU's,
and ONNX export run by onnxruntime."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import cosine_prims

torch = pytest.importorskip("torch")


def _both(a, b, dim, g_seed=0, eps=1e-8):
    out = {}
    for L in (dt, torch):
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        c = L.nn.functional.cosine_similarity(x, y, dim, eps)
        g = np.random.default_rng(g_seed).standard_normal(tuple(c.shape))
        gx, gy = L.autograd.grad(c, (x, y), L.tensor(g), create_graph=True)
        hx, hy = L.autograd.grad((gx * gx).sum() + (gx * gy).sum(), (x, y))
        out[L] = [c.detach().numpy(), gx.detach().numpy(), gy.detach().numpy(), hx.numpy(),
                  hy.numpy(), c.grad_fn.name()]
    return out[dt], out[torch]


@pytest.mark.parametrize("shape,dim", [((6, 5), 1), ((6, 5), 0), ((2, 3, 4), 1),
                                       ((2, 3, 4), -1), ((7,), 0), ((2, 3, 2, 2), 1)])
def test_values_and_derivatives_equal_torch(shape, dim):
    rng = np.random.default_rng(len(shape) + dim)
    got, want = _both(rng.standard_normal(shape), rng.standard_normal(shape), dim)
    for a, b in zip(got[:5], want[:5]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert got[5] == want[5] == "SumBackward1"


@pytest.mark.parametrize("s1,s2,dim", [((3, 1, 4), (1, 2, 4), 1), ((3, 1, 4), (1, 2, 4), -1),
                                       ((4, 5), (5,), 1)])
def test_operands_that_broadcast(s1, s2, dim):
    rng = np.random.default_rng(7)
    got, want = _both(rng.standard_normal(s1), rng.standard_normal(s2), dim)
    assert np.abs(got[0]).max() <= 1 + 1e-12
    for a, b in zip(got[:5], want[:5]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_a_zero_vector_takes_the_clamped_norm():
    a = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
    b = np.array([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]])
    got, want = _both(a, b, 1, eps=1e-3)
    for x, y in zip(got[:3], want[:3]):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    assert np.all(np.isfinite(got[1]))


def test_float32_is_one_node_each_way():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((64, 128)).astype(np.float32)
    b = rng.standard_normal((64, 128)).astype(np.float32)
    x = dt.tensor(a, requires_grad=True)
    c = dt.nn.functional.cosine_similarity(x, dt.tensor(b))
    assert [f is not None for f, _ in c.grad_fn.next_functions][:1] == [True]
    c.sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    ct = torch.nn.functional.cosine_similarity(xt, torch.tensor(b))
    ct.sum().backward()
    np.testing.assert_allclose(c.detach().numpy(), ct.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_primitive_errors():
    with pytest.raises(ValueError, match=r"cosine_similarity: the operands must have one "
                                         r"shape, got \[2, 3\] and \[3, 3\]"):
        cosine_prims.cosine_similarity(np.zeros((2, 3)), np.zeros((3, 3)), 1, 1e-8)
    with pytest.raises(ValueError, match="axis 2 out of range for rank 2"):
        cosine_prims.cosine_similarity(np.zeros((2, 3)), np.zeros((2, 3)), 2, 1e-8)
    for L in (dt, torch):                        # PyTorch's words for shapes that do not fit
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size "
                                               r"of tensor b \(4\) at non-singleton dimension 1"):
            L.nn.functional.cosine_similarity(L.zeros(2, 3), L.zeros(2, 4))


def test_cuda_simulator_kernels_equal_cpu():
    rng = np.random.default_rng(4)
    x1, x2 = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    x1[0, :, 1] = 0.0                              # a zero vector: the clamped norm
    for axis in (0, 1, 2):
        g = rng.standard_normal(np.delete(np.array(x1.shape), axis))
        for args, run in [((x1, x2), lambda a, b: cosine_prims.cosine_similarity(a, b, axis,
                                                                                  1e-8)),
                          ((g, x1, x2), lambda g_, a, b: cosine_prims.cosine_similarity_grad(
                              g_, a, b, axis, 1e-8))]:
            want = run(*args)
            got = run(*[dt.tensor(a).cuda() for a in args]).cpu().numpy()
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_onnx_export(tmp_path):
    ort = pytest.importorskip("onnxruntime")

    class Net(dt.nn.Module):
        def forward(self, a, b):
            return dt.nn.CosineSimilarity(dim=1)(a, b) + dt.nn.functional.cosine_similarity(
                a, b, -1).sum(-1, keepdim=True)

    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((2, 3, 4)).astype(np.float32)
    path = tmp_path / "m.onnx"
    dt.onnx.export(Net(), (dt.tensor(a), dt.tensor(b)), str(path), input_names=["a", "b"])
    got = ort.InferenceSession(str(path)).run(None, {"a": a, "b": b})[0]
    np.testing.assert_allclose(got, Net()(dt.tensor(a), dt.tensor(b)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_16_bit_operands(dtype):
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((4, 8)), rng.standard_normal((4, 8))
    out = []
    for L in (dt, torch):
        d = getattr(L, dtype)
        x = L.tensor(a, dtype=L.float32).to(d).requires_grad_()
        c = L.nn.functional.cosine_similarity(x, L.tensor(b, dtype=L.float32).to(d))
        c.sum().backward()
        out.append((str(c.dtype), str(x.grad.dtype), c.float().detach().numpy(),
                    x.grad.float().numpy()))
    assert out[0][:2] == out[1][:2] == (f"torch.{dtype}",) * 2
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(out[0][3], out[1][3], rtol=2e-2, atol=2e-2)
