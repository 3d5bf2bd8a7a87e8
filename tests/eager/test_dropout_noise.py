"""F.dropout's noise (float32/float64 CPU tensors: one Numba pass over PyTorch's double uniforms,
``_jit_torch_rng.bernoulli_scaled``) against PyTorch's, bit for bit after the same seed: the
values, the gradient (the scaled noise), the stream's position after it, and the other dtypes
and in-place form (dlcore ops); an empty tensor is returned itself, as PyTorch's."""
import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@pytest.mark.parametrize("shape,p", [((1, 59), 0.1), ((64, 33), 0.5), ((7,), 0.9), ((0, 3), 0.3),
                                     ((), 0.2), ((2, 3, 5), 0.75)])
def test_noise_values_gradient_and_stream_as_torch(dtype, shape, p):
    x = np.random.default_rng(0).standard_normal(shape)
    res = []
    for L in (dt, torch):
        L.manual_seed(11)
        t = L.tensor(x, dtype=getattr(L, dtype), requires_grad=True)
        y = L.nn.functional.dropout(t, p)
        y.sum().backward()
        res.append((y.detach().float().numpy(), t.grad.float().numpy(), L.rand(4).numpy(),
                    y.grad_fn and y.grad_fn.name(), y is t))
    for a, b in zip(res[0][:3], res[1][:3]):
        np.testing.assert_array_equal(a, b)
    # (no elements: the input itself, as PyTorch's)
    assert res[0][3:] == res[1][3:] == (("MulBackward0", False) if x.size else (None, True))


def test_in_place_and_module_as_torch():
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    out = []
    for L in (dt, torch):
        L.manual_seed(5)
        a = L.tensor(x)
        L.nn.functional.dropout(a, 0.4, inplace=True)
        m = L.nn.Dropout(0.25)
        b = m(L.tensor(x))
        m.eval()
        c = m(L.tensor(x))
        out.append((a.numpy(), b.numpy(), c.numpy()))
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
