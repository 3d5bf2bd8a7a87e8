"""F.ctc_loss / nn.CTCLoss against PyTorch 2.13: values and gradients for every reduction,
padded and concatenated targets, zero_infinity, unbatched input, lengths as tensors or tuples,
the CUDA kernels (simulator), finite differences in float64, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

T, N, C = 6, 3, 5
TARGETS = np.array([[1, 2, 2], [3, 3, 0], [4, 1, 0]])
IN_LEN = np.array([6, 5, 1])          # the last element cannot emit 2 labels in 1 step: inf
TG_LEN = np.array([3, 2, 2])


def _both(x, targets, il, tl, **kw):
    """(dlcore loss, dlcore grad, torch loss, torch grad) of log_softmax(x) for a random
    cotangent."""
    a = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.ctc_loss(a.log_softmax(2), torch.tensor(targets),
                                      torch.tensor(il), torch.tensor(tl), **kw)
    g = np.random.default_rng(1).standard_normal(lt.shape).astype(x.dtype)
    lt.backward(torch.tensor(g))
    b = dt.tensor(x, requires_grad=True)
    ld = dt.nn.functional.ctc_loss(b.log_softmax(2), dt.tensor(targets), dt.tensor(il),
                                   tuple(int(v) for v in tl), **kw)
    ld.backward(dt.tensor(g))
    return ld.detach().numpy(), b.grad.numpy(), lt.detach().numpy(), a.grad.numpy()


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_values_and_grads_match_torch(reduction, zero_infinity, layout):
    x = np.random.default_rng(0).standard_normal((T, N, C))
    tg = TARGETS if layout == "padded" else np.concatenate(
        [TARGETS[b, :TG_LEN[b]] for b in range(N)])
    ld, gd, lt, gt = _both(x, tg, IN_LEN, TG_LEN, reduction=reduction,
                           zero_infinity=zero_infinity)
    np.testing.assert_allclose(ld, lt, rtol=1e-10)
    np.testing.assert_allclose(gd, gt, rtol=1e-9, atol=1e-12)   # NaN where torch has NaN
    assert np.isnan(gd).any() == (not zero_infinity)


def test_float32_and_blank_and_unnormalised_log_probs():
    """Raw (not log_softmax) inputs: the gradient is PyTorch's, exp(lp) term included."""
    x = np.random.default_rng(2).standard_normal((T, N, C)).astype(np.float32)
    il, tl = np.array([6, 6, 4]), np.array([2, 3, 1])
    tg = np.array([[0, 1, 3], [2, 2, 1], [3, 0, 0]])
    a = torch.tensor(x, requires_grad=True)
    lt = torch.nn.functional.ctc_loss(a, torch.tensor(tg), torch.tensor(il), torch.tensor(tl),
                                      blank=4, reduction="sum")
    lt.backward()
    b = dt.tensor(x, requires_grad=True)
    ld = dt.nn.CTCLoss(blank=4, reduction="sum")(b, dt.tensor(tg), dt.tensor(il),
                                                  dt.tensor(tl))
    ld.backward()
    assert ld.dtype == dt.float32
    np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_unbatched_and_int32_lengths():
    x = np.random.default_rng(3).standard_normal((T, C))
    lt = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(1), torch.tensor([1, 2]),
                                      torch.tensor(5, dtype=torch.int32),
                                      torch.tensor(2, dtype=torch.int32), reduction="none")
    ld = dt.nn.functional.ctc_loss(dt.tensor(x).log_softmax(1), dt.tensor([1, 2]),
                                   dt.tensor(5, dtype=dt.int32), dt.tensor(2, dtype=dt.int32),
                                   reduction="none")
    assert tuple(ld.shape) == () == tuple(lt.shape)
    np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-10)
    for red in ("mean", "sum"):
        np.testing.assert_allclose(
            dt.nn.functional.ctc_loss(dt.tensor(x).log_softmax(1), dt.tensor([1, 2]), [5], [2],
                                      reduction=red).item(),
            torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(1), torch.tensor([1, 2]),
                                         [5], [2], reduction=red).item(), rtol=1e-10)


def test_gradient_by_finite_differences_float64():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 2, 3))
    tg, il, tl = np.array([[1, 1], [2, 0]]), np.array([4, 3]), np.array([2, 1])
    g = rng.standard_normal(2)

    def f(v):
        loss = dt.nn.functional.ctc_loss(dt.tensor(v).log_softmax(2), dt.tensor(tg),
                                         dt.tensor(il), dt.tensor(tl), reduction="none")
        return float((loss.numpy() * g).sum())
    b = dt.tensor(x, requires_grad=True)
    (dt.nn.functional.ctc_loss(b.log_softmax(2), dt.tensor(tg), dt.tensor(il), dt.tensor(tl),
                               reduction="none") * dt.tensor(g)).sum().backward()
    num = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[i] = 1e-6
        num[i] = (f(x + e) - f(x - e)) / 2e-6
    np.testing.assert_allclose(b.grad.numpy(), num, rtol=1e-6, atol=1e-8)
    assert np.all(b.grad.numpy()[3:, 1] == 0)          # past input_lengths[1]


@pytest.mark.cuda
def test_cuda_kernels_match_cpu():
    x = np.random.default_rng(5).standard_normal((4, 2, 3)).astype(np.float32)
    tg, il, tl = np.array([1, 2, 1]), np.array([4, 3]), np.array([2, 1])
    out = []
    for dev in ("cpu", "cuda"):
        b = dt.tensor(x, requires_grad=True)
        lp = b.to(dev).log_softmax(2)
        loss = dt.nn.functional.ctc_loss(lp, dt.tensor(tg), dt.tensor(il), dt.tensor(tl),
                                         reduction="mean", zero_infinity=True)
        loss.backward()
        out.append((loss.item(), b.grad.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-4, atol=1e-6)


def test_module_options_and_repr():
    m = dt.nn.CTCLoss(blank=2, reduction="none", zero_infinity=True)
    assert (m.blank, m.reduction, m.zero_infinity) == (2, "none", True)
    assert repr(m) == repr(torch.nn.CTCLoss(blank=2, reduction="none", zero_infinity=True))
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        dt.nn.CTCLoss(reduction="bad")


@pytest.mark.parametrize("case, match", [
    ("long_input", "Expected input_lengths to have value at most 6, but got value 7"),
    ("short_targets", "Expected tensor to have size at least 3 at dimension 1, but got size 2"),
    ("input_lengths_size", "input_lengths must be of size batch_size"),
    ("target_lengths_size", "target_lengths must be of size batch_size"),
    ("blank", "blank must be in label range"),
    ("concat_size", "Expected tensor to have size 7 at dimension 0, but got size 6"),
])
def test_errors_as_torch(case, match):
    lp = np.log(np.full((T, N, C), 1.0 / C))
    args = {"log_probs": lp, "targets": TARGETS, "input_lengths": IN_LEN,
            "target_lengths": TG_LEN}
    kw = {}
    if case == "long_input":
        args["input_lengths"] = np.array([7, 5, 1])
    elif case == "short_targets":
        args["targets"] = TARGETS[:, :2]
    elif case == "input_lengths_size":
        args["input_lengths"] = IN_LEN[:2]
    elif case == "target_lengths_size":
        args["target_lengths"] = TG_LEN[:2]
    elif case == "blank":
        kw["blank"] = C
    elif case == "concat_size":
        args["targets"] = np.array([1, 2, 2, 3, 3, 4])
        args["target_lengths"] = np.array([3, 2, 2])
    for lib in (torch, dt):
        a = [lib.tensor(args[k]) for k in ("log_probs", "targets", "input_lengths",
                                          "target_lengths")]
        with pytest.raises(RuntimeError, match=match):
            lib.nn.functional.ctc_loss(*a, **kw)
    with pytest.raises(ValueError, match="x is not a valid value for reduction"):
        dt.nn.functional.ctc_loss(dt.tensor(lp), dt.tensor(TARGETS), dt.tensor(IN_LEN),
                                  dt.tensor(TG_LEN), reduction="x")


def test_target_out_of_class_range_is_an_error():
    """PyTorch reads outside the class axis here (undefined); dlcore refuses."""
    lp = dt.tensor(np.log(np.full((T, N, C), 1.0 / C)))
    with pytest.raises(RuntimeError, match=r"target value 8 is out of the class range \[0, 5\)"):
        dt.nn.functional.ctc_loss(lp, dt.tensor(TARGETS + 6), dt.tensor(IN_LEN),
                                  dt.tensor(TG_LEN))


@pytest.mark.parametrize("il, tl", [([6, 2, 0], [0, 2, 1]), ([0, 4, 3], [0, 0, 1])])
def test_empty_targets_and_zero_input_lengths(il, tl):
    """An empty target is all blanks (loss -sum log p(blank)); no input steps give 0 for an
    empty target and inf otherwise, as torch."""
    x = np.random.default_rng(6).standard_normal((T, N, C))
    for zero_infinity in (False, True):
        ld, gd, lt, gt = _both(x, TARGETS, np.array(il), np.array(tl), reduction="none",
                               zero_infinity=zero_infinity)
        np.testing.assert_allclose(ld, lt, rtol=1e-10)
        np.testing.assert_allclose(gd, gt, rtol=1e-9, atol=1e-12)
