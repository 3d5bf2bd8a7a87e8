"""``F.scaled_dot_product_attention``'s eager lane (``functional_attention._lanes``): causal,
float-masked and plain attention of CPU float tensors through the Tensor methods, with the
values and gradients of PyTorch's; the general op for what the lane leaves (bool masks,
broadcast batch dimensions, grouped-query attention); the cached causal bias never changes."""
import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager.nn import functional_attention as fa

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


def _arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _attend(L, q, k, v, grads=True, **kw):
    ts = [L.tensor(a, requires_grad=True) for a in (q, k, v)]
    kw = {n: (L.tensor(m) if isinstance(m, np.ndarray) else m) for n, m in kw.items()}
    out = L.nn.functional.scaled_dot_product_attention(*ts, **kw)
    (out * out).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in ts], out.grad_fn.name()


CASES = {
    "causal": (dict(is_causal=True), (2, 3, 5, 4), (2, 3, 5, 4)),
    "causal L < S": (dict(is_causal=True), (2, 3, 4), (2, 6, 4)),
    "plain": ({}, (3, 4, 8), (3, 7, 8)),
    "float mask": (dict(attn_mask=_arr(5, 5)), (2, 5, 4), (2, 5, 4)),
    "scale": (dict(scale=0.3, is_causal=True), (2, 5, 4), (2, 5, 4)),
    "bool mask": (dict(attn_mask=np.tril(np.ones((5, 5), bool))), (2, 5, 4), (2, 5, 4)),
    "broadcast batch": ({}, (2, 5, 4), (1, 5, 4)),
    "gqa": (dict(enable_gqa=True), (1, 4, 5, 4), (1, 2, 5, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradients_as_torch(name, dtype):
    kw, sq, sk = CASES[name]
    q, k, v = _arr(*sq, dtype=dtype), _arr(*sk, dtype=dtype), _arr(*sk, dtype=dtype)
    kw = {n: (m.astype(dtype) if isinstance(m, np.ndarray) and m.dtype.kind == "f" else m)
          for n, m in kw.items()}
    got, gname = _attend(dt, q, k, v, **kw)
    want, tname = _attend(torch, q, k, v, **kw)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=tol * 10, atol=tol)


def test_the_cached_causal_bias_is_read_only_and_unchanged():
    q = dt.randn(2, 4, 3)
    dt.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
    bias = fa._CAUSAL[((4, 4), np.dtype(np.float32))]
    assert not bias.flags.writeable
    np.testing.assert_array_equal(np.isinf(bias), ~np.tril(np.ones((4, 4), bool)))


def test_the_lane_declines_what_it_does_not_cover():
    q = dt.randn(2, 5, 4)
    assert fa._lanes(q, dt.randn(1, 5, 4), dt.randn(1, 5, 4), None, None, None) is None
    assert fa._lanes(q, q.double(), q, None, None, None) is None
    assert fa._lanes(q, q, q, dt.ones(5, 5, dtype=dt.bool), None, None) is None
    assert fa._lanes(q, q, q, dt.ones(3, 5), None, None) is None       # (no broadcast)
    assert fa._lanes(q, q, q, None, None, None) is not None


def test_shape_errors_still_come_from_the_op():
    with pytest.raises(RuntimeError):
        dt.nn.functional.scaled_dot_product_attention(dt.randn(2, 5, 4), dt.randn(2, 5, 3),
                                                      dt.randn(2, 5, 3))
