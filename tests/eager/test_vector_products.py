"""Products with a vector (``a @ v``, ``v @ a``, ``v @ v``, ``torch.mv``, ``Tensor.mv``,
``torch.matmul``) of CPU float32/float64 tensors take ``_shape_lanes.vector_product`` (and
``mv``'s front entry): with nothing to record the product of the same matrix views, else the
composite's steps and node.  Values, dtypes, shapes, grad_fn names and their edges
(MvBackward0 and DotBackward0 on the operands, as PyTorch's), gradients and errors against
PyTorch 2.13, and the two paths' values bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = [((8, 8), (8,)), ((3, 5), (5,)), ((5,), (5, 3)), ((6,), (6,)), ((1, 1), (1,)),
         ((0, 4), (4,)), ((4,), (4, 0)), ((3, 4), (5,)), ((4,), (3, 4)), ((2, 3, 4), (4,))]


def _run(m, sa, sb, dtype, grad, how):
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    a = m.tensor(rng.standard_normal(sa).astype(dtype), requires_grad=grad)
    b = m.tensor(rng.standard_normal(sb).astype(dtype), requires_grad=grad)
    try:
        r = {"@": lambda: a @ b, "matmul": lambda: m.matmul(a, b), "mv": lambda: m.mv(a, b),
             "Tensor.mv": lambda: a.mv(b)}[how]()
    except RuntimeError as e:
        return ("error", str(e)), None
    name = None
    grads = None
    if grad:
        fn = r.grad_fn
        name = (type(fn).__name__,
                [type(f).__name__ if f is not None else None for f, _ in fn.next_functions])
        r.sum().backward()
        grads = (a.grad.detach().numpy(), b.grad.detach().numpy())
    return (str(r.dtype), tuple(r.shape), name), (r.detach().numpy(), grads)


@pytest.mark.parametrize("sa, sb", CASES)
@pytest.mark.parametrize("how", ["@", "matmul", "mv", "Tensor.mv"])
@pytest.mark.parametrize("grad", [False, True])
def test_vector_products_are_torch_s(sa, sb, how, grad):
    for dtype in (np.float32, np.float64):
        got, gv = _run(dl, sa, sb, dtype, grad, how)
        want, tv = _run(torch, sa, sb, dtype, grad, how)
        if want[0] == "error":
            assert got[0] == "error"
            continue
        assert got[0].split(".")[-1] == want[0].split(".")[-1] and got[1] == want[1]
        if len(sa) > 2 and grad:    # (a batch of matrices @ v: PyTorch folds the batch into
            assert got[2][0] == want[2][0]      # one mv, dlcore's node is a batched matmul)
        else:
            assert got[2] == want[2]
        np.testing.assert_allclose(gv[0], tv[0], rtol=1e-5, atol=1e-6)
        if grad:
            for x, y in zip(gv[1], tv[1]):
                np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sa, sb", CASES[:7])
def test_the_unrecorded_product_is_the_recorded_one_bit_for_bit(sa, sb):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in (sa, sb))
    plain = (dl.tensor(a) @ dl.tensor(b)).numpy()
    recorded = (dl.tensor(a, requires_grad=True) @ dl.tensor(b)).detach().numpy()
    assert plain.shape == recorded.shape and plain.tobytes() == recorded.tobytes()
