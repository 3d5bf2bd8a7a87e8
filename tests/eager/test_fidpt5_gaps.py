"""Session 17 (fidpt5) gaps, each against PyTorch 2.13 itself: complex exp2/log2/log10, the
inverse trigonometric and hyperbolic functions on complex tensors (values and gradients),
``torch.repeat_interleave(repeats)`` and ``output_size=``, ``gcd``/``lcm`` after type
promotion, and ``topk``'s order among equal values (PyTorch's libstdc++ selection)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

# (2+0j, -2+0j, 2j, -3j: on the branch cuts of asin/acos/acosh/asinh, where the gradient
# is g conj(f'(z)) and f'(conj z) has the other sign)
Z = [1 + 2j, -0.5 + 0.3j, 0.2 - 0.7j, 2.5 - 0.1j, -3 - 4j, 0.7 + 0.0j, 2 + 0j, -2 + 0j, 2j, -3j]
COMPLEX_FNS = ["exp2", "log2", "log10", "tan", "asin", "acos", "atan", "sinh", "cosh",
               "asinh", "acosh", "atanh"]


def _both(fn):
    return fn(torch), fn(dl)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", COMPLEX_FNS)
def test_complex_values_match_torch(name, dtype):
    want, got = _both(lambda L: getattr(L, name)(L.tensor(Z, dtype=getattr(L, dtype))))
    assert str(got.dtype) == str(want.dtype)
    tol = 1e-5 if dtype == "complex64" else 1e-12
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)
    # the method form too
    meth = getattr(dl.tensor(Z, dtype=getattr(dl, dtype)), name)()
    np.testing.assert_allclose(meth.numpy(), want.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", COMPLEX_FNS)
def test_complex_gradients_match_torch(name):
    def grad(L):
        x = L.tensor(Z, dtype=L.complex128, requires_grad=True)
        y = getattr(L, name)(x)
        w = L.tensor([1.0, 2.0, -1.0, 0.5, 1.5, 0.25, 0.75, -2.0, 1.25, 3.0], dtype=L.float64)
        (y.abs() * w + y.imag * w.flip(0)).sum().backward()
        return x.grad
    want, got = _both(grad)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)


def test_acosh_gradient_left_of_the_imaginary_axis_has_torchs_sign():
    """sqrt(z^2 - 1) and sqrt(z - 1) sqrt(z + 1) differ in sign for Re z < 0; PyTorch's (and
    the derivative's) is the second; real x below -1 keeps 1/sqrt(x^2 - 1), as PyTorch's."""
    def grad(L, vals, dt):
        x = L.tensor(vals, dtype=dt(L), requires_grad=True)
        L.acosh(x).real.sum().backward() if x.is_complex() else L.acosh(x).sum().backward()
        return x.grad
    for vals, dt in (([-0.5 + 0.3j, -2 - 1j], lambda L: L.complex128),
                     ([-2.0, 2.0, 0.5], lambda L: L.float64)):
        want, got = grad(torch, vals, dt), grad(dl, vals, dt)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, equal_nan=True)


def _outcome(fn, L):
    try:
        r = fn(L)
    except Exception as e:               # noqa: BLE001 - the outcome is compared as a whole
        return type(e).__name__, str(e)
    return str(r.dtype), r.tolist()


RI_CASES = {
    "counts alone": lambda L: L.repeat_interleave(L.tensor([1, 2, 3])),
    "counts alone int32": lambda L: L.repeat_interleave(L.tensor([2, 0, 1], dtype=L.int32)),
    "counts alone empty": lambda L: L.repeat_interleave(L.tensor([], dtype=L.int64)),
    "counts alone output_size": lambda L: L.repeat_interleave(L.tensor([1, 2]), output_size=3),
    "counts alone bad output_size": lambda L: L.repeat_interleave(L.tensor([1, 2]),
                                                                  output_size=4),
    "counts alone negative": lambda L: L.repeat_interleave(L.tensor([-1, 2])),
    "counts alone float": lambda L: L.repeat_interleave(L.tensor([1.0, 2.0])),
    "counts alone 0-d": lambda L: L.repeat_interleave(L.tensor(3)),
    "tensor counts dim": lambda L: L.repeat_interleave(L.tensor([[1, 2], [3, 4]]),
                                                       L.tensor([1, 2]), dim=0),
    "tensor counts output_size": lambda L: L.repeat_interleave(
        L.tensor([[1, 2], [3, 4]]), L.tensor([1, 2]), dim=1, output_size=3),
    "tensor counts bad output_size": lambda L: L.repeat_interleave(
        L.tensor([[1, 2], [3, 4]]), L.tensor([1, 2]), dim=0, output_size=4),
    "one count tensor bad output_size": lambda L: L.repeat_interleave(
        L.tensor([1, 2]), L.tensor([2]), output_size=5),
    "counts wrong length": lambda L: L.repeat_interleave(L.tensor([[1, 2], [3, 4]]),
                                                        L.tensor([1, 2, 3]), dim=0),
    "counts negative": lambda L: L.repeat_interleave(L.tensor([1, 2]), L.tensor([-1, 2])),
    "counts 2-d": lambda L: L.repeat_interleave(L.tensor([1, 2]), L.tensor([[1, 2]])),
    "counts float": lambda L: L.repeat_interleave(L.tensor([1, 2]), L.tensor([1.0, 2.0])),
    "int negative": lambda L: L.repeat_interleave(L.tensor([1, 2]), -1),
    "int output_size": lambda L: L.repeat_interleave(L.tensor([1, 2]), 2, output_size=4),
    "int bad output_size": lambda L: L.repeat_interleave(L.tensor([1, 2]), 2, output_size=5),
}


@pytest.mark.parametrize("case", sorted(RI_CASES))
def test_repeat_interleave_matches_torch(case):
    fn = RI_CASES[case]
    assert _outcome(fn, dl) == _outcome(fn, torch)


def test_repeat_interleave_counts_gradient():
    def grad(L):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (L.repeat_interleave(x, L.tensor([2, 0, 3])) * L.arange(5.0)).sum().backward()
        return x.grad.tolist()
    assert grad(dl) == grad(torch) == [1.0, 0.0, 9.0]


GCD_CASES = {
    "bool, bool": lambda L: L.gcd(L.tensor([True, False]), L.tensor([True, True])),
    "lcm bool, bool": lambda L: L.lcm(L.tensor([True, False]), L.tensor([True, True])),
    "bool, int64": lambda L: L.gcd(L.tensor([True, False]), L.tensor([3, 4])),
    "bool, 0-d int64": lambda L: L.gcd(L.tensor([True, False]), L.tensor(3)),
    "lcm bool, uint8": lambda L: L.lcm(L.tensor([True, False]),
                                       L.tensor([4, 6], dtype=L.uint8)),
    "int8, int32": lambda L: L.gcd(L.tensor([6], dtype=L.int8), L.tensor([4], dtype=L.int32)),
    "int8, 0-d int64": lambda L: L.gcd(L.tensor([6, 9], dtype=L.int8), L.tensor(4)),
    "int64, float": lambda L: L.gcd(L.tensor([2]), L.tensor([2.0])),
    "in place bool": lambda L: L.tensor([True, False]).gcd_(L.tensor([3, 3])),
    "negatives": lambda L: L.gcd(L.tensor([6, -4, 0, -7]), L.tensor([4, 6, 0, 0])),
}


@pytest.mark.parametrize("case", sorted(GCD_CASES))
def test_gcd_lcm_promote_as_torch(case):
    fn = GCD_CASES[case]
    assert _outcome(fn, dl) == _outcome(fn, torch)


def test_topk_ties_small():
    for fn in (lambda L: L.topk(L.tensor([1.0, 3, 3, 2, 3, 1]), 2),
               lambda L: L.topk(L.tensor([1.0, 3, 3, 2, 3, 1]), 3, largest=False),
               lambda L: L.topk(L.tensor([[0.0, 0, 0, 0], [1, 1, 0, 0]]), 2),
               lambda L: L.topk(L.zeros(10), 4),
               lambda L: L.tensor([1.0, float("nan"), 3, float("nan")]).topk(2)):
        (wv, wi), (gv, gi) = _both(fn)
        assert gi.tolist() == wi.tolist()
        np.testing.assert_array_equal(gv.numpy(), wv.numpy())
    assert dl.topk(dl.tensor([1.0, 3, 3, 2, 3]), 2).indices.tolist() == [2, 4]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_topk_ties_random_lines_match_torch(dtype):
    """Lines of few distinct values (ties everywhere), every k, both paths of PyTorch's
    kernel (partial sort for k * 64 <= n, nth_element + sort otherwise), sorted or not, along
    either dimension, NaN included."""
    rng = np.random.default_rng(17)
    for trial in range(150):
        n = int(rng.integers(1, 400))
        k = int(rng.integers(0, n + 1)) if trial % 3 else int(rng.integers(0, min(n, 6) + 1))
        vals = rng.integers(0, int(rng.integers(1, 6)), (3, n)).astype(dtype)
        if dtype.startswith("float") and trial % 4 == 0:
            vals[rng.random((3, n)) < 0.2] = np.nan
        largest, srt, dim = bool(trial % 2), trial % 5 != 0, int(rng.integers(0, 2))
        if dim == 0:
            vals = np.ascontiguousarray(vals.T)
        (wv, wi), (gv, gi) = _both(lambda L: L.topk(L.tensor(vals), k, dim=dim,
                                                    largest=largest, sorted=srt))
        assert gi.tolist() == wi.tolist(), (n, k, largest, srt, dim)
        np.testing.assert_array_equal(gv.numpy(), wv.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_topk_tie_free_pass_and_its_refusals_match_torch(dtype):
    """A sorted top-k of at most 16 takes one tie-free pass (``_jit_topk._fast_line``) where
    the line settles it: distinct values, lines with one tie at the k-th value or among the
    k (the library algorithms then), NaN, signed zeros and infinities, either dimension."""
    rng = np.random.default_rng(23)
    for trial in range(200):
        n = int(rng.integers(1, 300))
        k = int(rng.integers(1, min(n, 16) + 1))
        vals = rng.permutation(3 * n).reshape(3, n).astype(dtype)
        if trial % 3 == 1:                            # one value repeated: a tie somewhere
            vals[1, rng.integers(0, n)] = vals[1, rng.integers(0, n)]
        if dtype.startswith("float") and trial % 3 == 2:
            vals[rng.random((3, n)) < 0.05] = np.nan
            vals[rng.random((3, n)) < 0.05] = -0.0
            vals[rng.random((3, n)) < 0.05] = 0.0
            vals[rng.random((3, n)) < 0.05] = -np.inf
        largest, dim = bool(trial % 2), int(trial % 4 >= 2)
        if dim == 0:
            vals = np.ascontiguousarray(vals.T)
        (wv, wi), (gv, gi) = _both(lambda L: L.topk(L.tensor(vals), k, dim=dim,
                                                    largest=largest))
        assert gi.tolist() == wi.tolist(), (n, k, largest, dim)
        np.testing.assert_array_equal(gv.numpy(), wv.numpy())


def test_topk_gradient_follows_the_chosen_indices():
    def grad(L):
        x = L.tensor([[1.0, 3, 3, 2, 3]], requires_grad=True)
        v, _ = x.topk(2)
        (v * L.tensor([[10.0, 1.0]])).sum().backward()
        return x.grad.tolist()
    assert grad(dl) == grad(torch) == [[0.0, 0.0, 10.0, 0.0, 1.0]]


def test_static_top_k_keeps_tensorflows_lower_index_first():
    import dlcore.ops as ops
    v, i = ops.topk(np.array([1.0, 3, 3, 2, 3]), 2)
    assert np.asarray(i).tolist() == [1, 2]


@pytest.mark.parametrize("w", [[0.2, -0.1], [[0.2, float("nan")]], [float("inf"), 1.0],
                               [[1.0, float("inf"), -1.0]], [[1.0, -1.0, float("inf")]]])
@pytest.mark.parametrize("replacement, n", [(True, 2), (False, 2), (True, 1)])
def test_multinomial_refusals_in_torchs_words(w, replacement, n):
    """With replacement (n > 1) PyTorch's sampler names the first bad entry (NaN fails its
    ``>= 0`` test); without, or for one sample, the Gumbel path's one message."""
    fn = lambda L: L.multinomial(L.tensor(w), n, replacement)  # noqa: E731
    assert _outcome(fn, dl) == _outcome(fn, torch)
    assert _outcome(fn, torch)[0] == "RuntimeError"


def test_sparse_xent_kernel_names_mismatched_first_dimensions():
    from dlcore.kernels.cpu.softmax import sparse_xent
    with pytest.raises(ValueError, match=r"logits and labels must have the same first "
                                         r"dimension, got logits shape \[3, 3\] and labels "
                                         r"shape \[2\]"):
        sparse_xent(np.ones((3, 3), np.float32), np.array([0, 1]))


ND_CASES = {
    "t + 0-d": lambda L, t, np_: t + np_.array(2.0),
    "t * 1-d": lambda L, t, np_: t * np_.array([1.0, 2.0]),
    "t ** 0-d": lambda L, t, np_: t ** np_.array(2.0),
    "t % 0-d": lambda L, t, np_: t % np_.array(2.0),
    "t - int 0-d": lambda L, t, np_: t - np_.array(1),
    "t // 0-d": lambda L, t, np_: t // np_.array(2.0),
    "int t + float 0-d": lambda L, t, np_: t.long() + np_.array(2.5),
    "arr + t": lambda L, t, np_: np_.array(2.0) + t,
    "arr * t": lambda L, t, np_: np_.array(2.0) * t,
    "t > arr": lambda L, t, np_: t > np_.array(1.0),
    "arr > t": lambda L, t, np_: np_.array(1.0) > t,
    "t <= arr": lambda L, t, np_: t <= np_.array([1.0, 3.0]),
    "grad t + arr": lambda L, t, np_: t.requires_grad_() + np_.array(2.0),
    "np.sin(t)": lambda L, t, np_: np_.sin(t),
    "np.greater(t, 2)": lambda L, t, np_: np_.greater(t, 2),
    "np.maximum(t, 2.)": lambda L, t, np_: np_.maximum(t, 2.0),
    "t.gt(arr)": lambda L, t, np_: t.gt(L.tensor(np_.array(1.0))),
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", sorted(ND_CASES))
def test_numpy_array_operands_as_torch(case):
    """torch's operators return NotImplemented for a NumPy array: NumPy computes ``t + arr``
    with its own promotion (0-d arrays are not weak: float32 + float64 -> float64) and
    ``Tensor.__array_wrap__`` makes the result a tensor again (bool as uint8); ``arr + t`` and
    the ordering comparisons are Python's TypeError; a tensor that requires grad refuses."""
    def outcome(L):
        try:
            r = ND_CASES[case](L, L.tensor([1.5, 2.5]), np)
        except Exception as e:      # noqa: BLE001 - compared with torch's as a whole
            return type(e).__name__, str(e)
        return type(r).__name__, str(r.dtype).replace("dlcore_eager", "torch"), r.tolist()
    assert outcome(dl) == outcome(torch)


@pytest.mark.parametrize("dtype", ["int64", "float32"])
def test_mode_indices_are_torchs_on_long_tied_lines(dtype):
    """mode's index among equal values follows PyTorch's std::sort (``_jit_topk.mode_index3``):
    the last occurrence on lines of up to 16, its introsort's choice beyond (the composite
    before always took the last)."""
    rng = np.random.default_rng(31)
    for trial in range(120):
        n = int(rng.integers(1, 120))
        vals = rng.integers(0, int(rng.integers(1, 6)), (3, n)).astype(dtype)
        dim = trial % 2
        (wv, wi), (gv, gi) = _both(lambda L: L.tensor(vals).mode(dim))
        assert gi.tolist() == wi.tolist(), (n, dim)
        np.testing.assert_array_equal(gv.numpy(), wv.numpy())


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_kthvalue_and_median_indices_are_torchs_among_ties(dtype):
    """kthvalue's index among equal values is ATen's quickselect's (``_jit_topk.
    kthvalue_index3``; the stable sort's position before), NaN included; median keeps the
    stable position, which is PyTorch's median's."""
    rng = np.random.default_rng(37)
    for trial in range(150):
        n = int(rng.integers(1, 70))
        vals = rng.integers(0, int(rng.integers(1, 5)), (3, n)).astype(dtype)
        if dtype == "float32" and trial % 4 == 0:
            vals[rng.random((3, n)) < 0.1] = np.nan
        k, dim = int(rng.integers(1, n + 1)), 1
        for fn in (lambda L: L.tensor(vals).kthvalue(k, dim), lambda L: L.tensor(vals).median(dim)):
            (wv, wi), (gv, gi) = _both(fn)
            assert gi.tolist() == wi.tolist(), (n, k)
            np.testing.assert_array_equal(gv.numpy(), wv.numpy())
