"""``nn.Embedding(scale_grad_by_freq=True)`` / ``F.embedding(..., scale_grad_by_freq=True)``:
the same values, and each looked-up row's gradient divided by how often its index occurs in the
batch (with padding_idx and max_norm too), equal to PyTorch's; with sparse=True PyTorch's
backward error; the module repr names the options as PyTorch's does."""

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

CASES = [([[1, 1, 1, 2]], {}), ([[0, 3, 3], [2, 0, 3]], {"padding_idx": 3}),
         ([[4, 4], [1, 4]], {"max_norm": 1.0})]


@pytest.mark.parametrize("idx,kw", CASES)
def test_values_and_gradients_equal_torch(idx, kw):
    w0 = np.random.default_rng(1).standard_normal((5, 3))
    cot = np.random.default_rng(2).standard_normal(np.shape(idx) + (3,))
    out = {}
    for lib in (dt, torch):
        w = lib.tensor(w0, requires_grad=True)
        y = lib.nn.functional.embedding(lib.tensor(idx), w, scale_grad_by_freq=True, **kw)
        (y * lib.tensor(cot)).sum().backward()
        out[lib.__name__] = (y.detach().numpy(), w.grad.numpy(), w.detach().numpy())
    for got, want in zip(out["dlcore_eager"], out["torch"]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_module_and_sparse_error_as_torch():
    for lib in (dt, torch):
        e = lib.nn.Embedding(4, 2, padding_idx=1, norm_type=1.0, scale_grad_by_freq=True,
                             sparse=True)
        assert repr(e) == ("Embedding(4, 2, padding_idx=1, norm_type=1.0, "
                           "scale_grad_by_freq=True, sparse=True)")
        y = e(lib.tensor([[1, 1], [1, 2]]))
        with pytest.raises(RuntimeError, match="embedding_backward: scale_grad_by_freq not "
                                               "supported with sparse gradients"):
            y.sum().backward()
    e = dt.nn.Embedding(4, 2, scale_grad_by_freq=True)
    e(dt.tensor([1, 1, 1, 2])).sum().backward()
    np.testing.assert_array_equal(e.weight.grad.numpy(), [[0, 0], [1, 1], [1, 1], [0, 0]])


@pytest.mark.parametrize("mode,psw", [("sum", False), ("sum", True), ("mean", False),
                                      ("max", False)])
def test_embedding_bag_grad_fn_is_torchs(mode, psw):
    names = []
    for lib in (dt, torch):
        lib.manual_seed(0)
        bag = lib.nn.EmbeddingBag(5, 2, mode=mode)
        w = lib.ones(3, requires_grad=True) if psw else None
        y = bag(lib.tensor([1, 2, 3]), lib.tensor([0, 2]), per_sample_weights=w)
        names.append((type(y.grad_fn).__name__,
                      [type(f).__name__ for f, _ in y.grad_fn.next_functions]))
    assert names[0] == names[1]


def test_values_pass_through_exactly_inf_and_negative_zero():
    # the output is the weight's rows as they are (torch: inf stays inf, -0.0 stays -0.0);
    # the gradient is still divided by each index's count
    got = []
    for lib in (dt, torch):
        w = lib.tensor([[float("inf"), -0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor([[0, 1, 1], [2, 1, 0]]), w,
                                          scale_grad_by_freq=True)
        (out * lib.arange(12.0).reshape(2, 3, 2)).sum().backward()
        v = out.detach().numpy()
        got.append((v, np.signbit(v), w.grad.numpy(), out.grad_fn.name()))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    np.testing.assert_array_equal(got[0][1], got[1][1])
    np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-6)
    assert got[0][3] == got[1][3] == "EmbeddingBackward0"
