"""NumPy numbers as scalar operands of eager ops, against torch 2.13: PyTorch's argument parser
reads a NumPy number as the Python number of its kind (an integer -> int, a float -> float,
complex128 -> complex), so it is a weak scalar: ``float32_tensor * np.float64(0.5)`` stays
float32, ``int64_tensor + np.float32(0.5)`` is the default float.  dlcore_eager applies that in
one place (``_dispatch_general.numpy_number``, through ``EagerFrontend.apply``'s operand
conversion and the core's promotion), so composites (lerp, masked_fill, the norms) and
``torch.nn.functional``'s float options get it without per-function wrappers.

Each row: dtype, shape and values (4 decimals; NaN as a word) or the error's type, for a
float32, float16 and int64 tensor with each NumPy number kind.  ``np.bool_`` only beside float
tensors: beside an int or bool tensor PyTorch 2.13 reads it as 1.0 (``int_tensor *
np.bool_(True)`` is float32), which dlcore_eager does not copy (it reads a bool, see
``numpy_number``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

NUMBERS = {"float64": np.float64(0.5), "float32": np.float32(0.5), "float16": np.float16(0.5),
           "int64": np.int64(2), "int32": np.int32(2), "uint8": np.uint8(2),
           "bool_": np.bool_(True)}


def _tensor(lib, dtype):
    x = np.arange(6, dtype=np.float64).reshape(2, 3) * 0.3 - 0.7
    if dtype == "int64":
        return lib.tensor((x * 10).astype(np.int64))
    return lib.tensor(x, dtype=getattr(lib, dtype))


OPS = {
    "mul": lambda L, t, s: t * s, "rmul": lambda L, t, s: s * t,
    "add": lambda L, t, s: t + s, "rsub": lambda L, t, s: s - t,
    "div": lambda L, t, s: t / s, "rdiv": lambda L, t, s: s / t,
    "pow": lambda L, t, s: t.abs() ** s, "rpow": lambda L, t, s: s ** t,
    "torch.mul": lambda L, t, s: L.mul(t, s), "torch.add": lambda L, t, s: L.add(t, s),
    "add alpha": lambda L, t, s: L.add(t, t, alpha=s),
    "lerp": lambda L, t, s: L.lerp(t, t * 2, s),
    "masked_fill": lambda L, t, s: t.masked_fill(t > 0, s),
    "where": lambda L, t, s: L.where(t > 0, t, s),
    "clamp": lambda L, t, s: L.clamp(t, min=s),
    "clamp_max": lambda L, t, s: L.clamp_max(t, s),
    "eq": lambda L, t, s: t == s, "lt": lambda L, t, s: t < s,
    "fmod": lambda L, t, s: L.fmod(t, s), "remainder": lambda L, t, s: L.remainder(t, s),
    "floordiv": lambda L, t, s: t // s,
    "div floor": lambda L, t, s: L.div(t, s, rounding_mode="floor"),
    "addcmul": lambda L, t, s: L.addcmul(t, t, t, value=s),
    "mul_": lambda L, t, s: t.clone().mul_(s), "add_": lambda L, t, s: t.clone().add_(s),
    "fill_": lambda L, t, s: t.clone().fill_(s),
    "instance_norm eps": lambda L, t, s: L.nn.functional.instance_norm(t.reshape(1, 2, 3),
                                                                       eps=s),
    "layer_norm eps": lambda L, t, s: L.nn.functional.layer_norm(t, (3,), eps=s),
    "batch_norm eps": lambda L, t, s: L.nn.functional.batch_norm(t, None, None, training=True,
                                                                 eps=s),
    "leaky_relu": lambda L, t, s: L.nn.functional.leaky_relu(t, s),
    "elu": lambda L, t, s: L.nn.functional.elu(t, s),
    "softplus beta": lambda L, t, s: L.nn.functional.softplus(t, beta=s),
    "hardshrink": lambda L, t, s: L.nn.functional.hardshrink(t, s),
    "normalize eps": lambda L, t, s: L.nn.functional.normalize(t, eps=s),
    "threshold": lambda L, t, s: L.nn.functional.threshold(t, s, s),
}
#: float-only functions (the int rows raise in both libraries for most of them; kept to floats)
_FLOAT_ONLY = {"instance_norm eps", "layer_norm eps", "batch_norm eps", "leaky_relu", "elu",
               "softplus beta", "hardshrink", "normalize eps", "threshold", "lerp"}
#: float16's rounding differs in the last bit from PyTorch's in these (with Python numbers
#: too: not the NumPy number's doing)
_F16_ULP = {"batch_norm eps", "addcmul", "instance_norm eps"}


def _cases():
    for op in OPS:
        for dtype in ("float32", "float16", "int64"):
            if dtype == "int64" and op in _FLOAT_ONLY:
                continue
            for kind in NUMBERS:
                if kind == "bool_" and dtype == "int64":
                    continue
                yield op, dtype, kind


def _outcome(lib, op, dtype, kind):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = OPS[op](lib, _tensor(lib, dtype), NUMBERS[kind])
    except Exception as e:      # noqa: BLE001 (compared with PyTorch's)
        return ("raises", type(e).__name__)
    a = np.asarray(r.detach().float().tolist() if r.dtype == lib.float16 else r.tolist(),
                   dtype=np.float64)
    return (str(r.dtype).split(".")[-1], tuple(r.shape)), a


@pytest.mark.parametrize("op,dtype,kind", list(_cases()))
def test_numpy_number_operand_as_torch(op, dtype, kind):
    got, want = _outcome(dl, op, dtype, kind), _outcome(torch, op, dtype, kind)
    if want[0] == "raises":
        assert got == want
        return
    assert got[0] == want[0]
    tol = 2e-3 if dtype == "float16" and op in _F16_ULP else 1e-6
    np.testing.assert_allclose(got[1], want[1], rtol=tol, atol=tol, equal_nan=True)


def test_numpy_number_weight_keeps_the_gradient_dtype():
    """lerp's and masked_fill's results with a NumPy weight/value: float32 (was float64),
    gradients float32 with torch's values."""
    outs = []
    for lib in (dl, torch):
        a = lib.tensor([[0.5, -1.0], [2.0, 3.0]], dtype=lib.float32, requires_grad=True)
        y = lib.lerp(a, a * 3, np.float64(0.25)).masked_fill(a > 2.5, np.float64(7.0))
        (y * y).sum().backward()
        outs.append((str(y.dtype).split(".")[-1], str(a.grad.dtype).split(".")[-1],
                     np.asarray(y.tolist()), np.asarray(a.grad.tolist())))
    assert outs[0][:2] == outs[1][:2] == ("float32", "float32")
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-6)
    np.testing.assert_allclose(outs[0][3], outs[1][3], rtol=1e-6)


def test_numpy_bool_fill_of_a_bool_tensor_stays_bool():
    for lib in (dl, torch):
        b = lib.tensor([True, False, False])
        r = b.masked_fill(lib.tensor([False, True, False]), np.bool_(True))
        assert str(r.dtype).split(".")[-1] == "bool"
        assert r.tolist() == [True, True, False]


F64 = np.float64
FUNCTIONAL = {
    "threshold": lambda F, x: F.threshold(x, F64(0.1), F64(20.0)),
    "softshrink": lambda F, x: F.softshrink(x, F64(0.4)),
    "normalize": lambda F, x: F.normalize(x, p=F64(2.0), eps=F64(1e-6)),
    "normalize p1": lambda F, x: F.normalize(x, F64(1.0), 1, F64(1e-6)),
    "huber": lambda F, x: F.huber_loss(x, x * 0.5, delta=F64(0.5)),
    "smooth_l1": lambda F, x: F.smooth_l1_loss(x, x * 0.5, beta=F64(0.5)),
    "margin_ranking": lambda F, x: F.margin_ranking_loss(x[0], x[1], x[0] * 0 + 1,
                                                         margin=F64(0.1)),
    "triplet": lambda F, x: F.triplet_margin_loss(x, x * 2, x * 3, margin=F64(0.5),
                                                  p=F64(2.0), eps=F64(1e-6)),
    "cosine_embedding": lambda F, x: F.cosine_embedding_loss(x, x * 2, x[:, 0].sign(),
                                                             margin=F64(0.1)),
    "cross_entropy label_smoothing": lambda F, x: F.cross_entropy(
        x, x[:, 0].long().abs(), label_smoothing=F64(0.1)),
    "cross_entropy weight": lambda F, x: F.cross_entropy(
        x, x[:, 0].long().abs(), weight=x[0].abs(), label_smoothing=F64(0.2)),
    "cross_entropy probabilities": lambda F, x: F.cross_entropy(x, x.softmax(1),
                                                                label_smoothing=F64(0.2)),
    "pairwise_distance": lambda F, x: F.pairwise_distance(x, x * 2, F64(2.0), F64(1e-6)),
    "pairwise_distance p3": lambda F, x: F.pairwise_distance(x, x * 2, p=F64(3.0)),
    "cosine_similarity": lambda F, x: F.cosine_similarity(x, x * 2, 1, F64(1e-8)),
    "group_norm": lambda F, x: F.group_norm(x.unsqueeze(-1), 1, eps=F64(1e-5)),
    "gaussian_nll": lambda F, x: F.gaussian_nll_loss(x, x * 2, x.abs() + 1, eps=F64(1e-6)),
    "hinge_embedding": lambda F, x: F.hinge_embedding_loss(x, x.sign(), F64(1.0)),
    "multi_margin": lambda F, x: F.multi_margin_loss(x, x[:, 0].long().abs(), p=1,
                                                     margin=F64(0.5)),
    "multi_margin weight": lambda F, x: F.multi_margin_loss(
        x, x[:, 0].long().abs(), margin=F64(0.5), weight=x[0].abs()),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional_numpy_options_as_torch(name):
    """F's float options given as np.float64 (the 15 functions that had a wrapper of their
    own, commit 68b526e, and a few more): float32 results with torch's values."""
    outs = []
    for lib in (dl, torch):
        x = lib.tensor(np.arange(12).reshape(3, 4) * 0.37 - 2.1, dtype=lib.float32)
        r = FUNCTIONAL[name](lib.nn.functional, x)
        outs.append((str(r.dtype).split(".")[-1], np.asarray(r.tolist())))
    assert outs[0][0] == outs[1][0] == "float32"
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-5, atol=1e-6)


def test_functional_entries_are_not_wrapped():
    """The rule is the dispatcher's: F's entries are no NumPy-option wrappers any more."""
    for name in ("cross_entropy", "normalize", "group_norm", "huber_loss"):
        fn = getattr(dl.nn.functional, name)
        while fn is not None:
            code = getattr(fn, "__code__", None)
            assert code is None or "NumPy options" not in code.co_filename
            fn = getattr(fn, "__wrapped__", None)


def test_numpy_number_reads_as_pytorch_parser():
    from dlcore_eager._dispatch_general import numpy_number
    for v, want in [(np.float64(0.5), 0.5), (np.float32(0.25), 0.25), (np.int8(-3), -3),
                    (np.uint64(7), 7), (np.bool_(False), False), (np.complex128(1 + 2j), 1 + 2j)]:
        got = numpy_number(v)
        assert type(got) is type(want) and got == want
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = numpy_number(np.complex64(2 + 1j))      # PyTorch's float(): the real part
    assert type(got) is float and got == 2.0
    a = np.array(0.5)
    assert numpy_number(a) is a                         # a 0-d array: not a number here
