"""NumPy operands as PyTorch 2.13 takes them.

* ``np.array(2.) / t``: PyTorch's ``Tensor.__rdiv__`` is ``reciprocal() * other``, whose operator
  leaves the array to NumPy: float64 values back in a Tensor (dlcore divided in the tensor's
  float32); a tensor that requires grad: "Can't call numpy()".
* ``xlogy``, ``float_power``, ``rsub``, ``clamp``/``clip`` bounds, ``clamp_min``/``clamp_max``
  refuse an ndarray (or a list) with PyTorch's "invalid combination of arguments" TypeError
  (dlcore computed with it); NumPy scalars are Numbers and still accepted.
Messages recorded from torch 2.13; the last test compares every case with the installed torch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch

A = np.array(2.0)


@pytest.mark.parametrize("arr, tdt, dtype, values", [
    (np.array(2.0), torch.float32, torch.float64, [2.0, 1.0, 0.5]),
    (np.array(3), torch.float32, torch.float64, [3.0, 1.5, 0.75]),
    (np.array([2.0, 3.0, 5.0]), torch.float32, torch.float64, [2.0, 1.5, 1.25]),
    (np.array([2, 3, 5]), torch.int64, torch.float64, [2.0, 1.5, 1.25]),
    (np.array(2.0, dtype=np.float32), torch.float16, torch.float32, [2.0, 1.0, 0.5]),
])
def test_array_divided_by_tensor_is_numpy_s(arr, tdt, dtype, values):
    t = torch.tensor([1, 2, 4], dtype=tdt)
    out = arr / t
    assert type(out) is torch.Tensor and out.dtype == dtype     # (was the tensor's float32)
    assert out.tolist() == values


def test_array_divided_by_tensor_that_requires_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        A / x
    assert (np.float64(2.0) / x).dtype == torch.float32          # (a NumPy scalar: a Number)
    y = 2.0 / x
    y.sum().backward()
    assert x.grad.tolist() == [-2.0, -0.5]


_FN = (" * (Tensor input, Tensor other, *, Tensor out = None)\n"
       " * (Number self, Tensor other, *, Tensor out = None)\n"
       " * (Tensor input, Number other, *, Tensor out = None)\n")
_CLAMP = (" * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
          " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")
_HEAD = "{}() received an invalid combination of arguments - got ({}), but expected one of:\n"
_WHY = "      didn't match because some of the arguments have invalid types: ({})\n"

T = torch.tensor([1.0, 2.0, 4.0])

#: (call, torch 2.13's message)
RECORDED = [
    (lambda: torch.xlogy(T, A), _HEAD.format("xlogy", "Tensor, numpy.ndarray") + _FN),
    (lambda: torch.xlogy(A, T), _HEAD.format("xlogy", "numpy.ndarray, Tensor") + _FN),
    (lambda: torch.xlogy(T, [1.0, 2.0, 3.0]), _HEAD.format("xlogy", "Tensor, list") + _FN),
    (lambda: torch.xlogy(input=T, other=A),
     _HEAD.format("xlogy", "other=numpy.ndarray, input=Tensor, ") + _FN),
    (lambda: torch.special.xlogy(A, T), _HEAD.format("special_xlogy", "numpy.ndarray, Tensor")
     + _FN),
    (lambda: torch.float_power(T, exponent=A),
     _HEAD.format("float_power", "Tensor, exponent=numpy.ndarray")
     + _FN.replace("other", "exponent")),
    (lambda: T.xlogy(A), _HEAD.format("xlogy", "numpy.ndarray") + " * (Tensor other)\n"
     + _WHY.format("!numpy.ndarray!") + " * (Number other)\n" + _WHY.format("!numpy.ndarray!")),
    (lambda: T.float_power(exponent=A),
     _HEAD.format("float_power", "exponent=numpy.ndarray, ") + " * (Tensor exponent)\n"
     + _WHY.format("!exponent=numpy.ndarray!, ") + " * (Number exponent)\n"
     + _WHY.format("!exponent=numpy.ndarray!, ")),
    (lambda: torch.rsub(T, A), _HEAD.format("rsub", "Tensor, numpy.ndarray")
     + " * (Tensor input, Tensor other, *, Number alpha = 1)\n"
       " * (Tensor input, Number other, Number alpha = 1)\n"),
    (lambda: torch.rsub(T, A, alpha=2), _HEAD.format("rsub", "Tensor, numpy.ndarray, alpha=int")
     + " * (Tensor input, Tensor other, *, Number alpha = 1)\n"
       " * (Tensor input, Number other, Number alpha = 1)\n"
       "      didn't match because some of the keywords were incorrect: alpha\n"),
    (lambda: torch.clamp(T, min=A), _HEAD.format("clamp", "Tensor, min=numpy.ndarray") + _CLAMP),
    (lambda: torch.clip(T, 1, max=A), _HEAD.format("clip", "Tensor, int, max=numpy.ndarray")
     + _CLAMP.replace("clamp", "clip")),
    (lambda: T.clamp(min=A), _HEAD.format("clamp", "min=numpy.ndarray, ")
     + " * (Tensor min = None, Tensor max = None)\n * (Number min = None, Number max = None)\n"),
    (lambda: T.clone().clip_(A), _HEAD.format("clip_", "numpy.ndarray")
     + " * (Tensor min = None, Tensor max = None)\n * (Number min = None, Number max = None)\n"),
    (lambda: T.clamp(A, 3), _HEAD.format("clamp", "numpy.ndarray, int")
     + " * (Tensor min = None, Tensor max = None)\n" + _WHY.format("!numpy.ndarray!, !int!")
     + " * (Number min = None, Number max = None)\n" + _WHY.format("!numpy.ndarray!, !int!")),
    (lambda: torch.clamp_min(T, min=A), _HEAD.format("clamp_min", "Tensor, min=numpy.ndarray")
     + " * (Tensor input, Tensor min, *, Tensor out = None)\n"
       " * (Tensor input, Number min, *, Tensor out = None)\n"),
    (lambda: T.clone().clamp_max_(A), _HEAD.format("clamp_max_", "numpy.ndarray")
     + " * (Tensor max)\n" + _WHY.format("!numpy.ndarray!") + " * (Number max)\n"
     + _WHY.format("!numpy.ndarray!")),
]


@pytest.mark.parametrize("i", range(len(RECORDED)))
def test_array_operand_refused_in_torch_s_words(i):
    call, message = RECORDED[i]
    before = T.tolist()
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == message
    assert T.tolist() == before


def test_numbers_and_tensors_still_accepted():
    t = torch.tensor([1.0, 2.0, 4.0])
    assert torch.xlogy(t, np.float32(2)).dtype == torch.float32
    np.testing.assert_allclose(torch.xlogy(t, np.float64(2)).numpy(), np.log(2.0) * t.numpy(),
                               rtol=1e-6)
    assert torch.clamp(t, min=np.float64(2)).tolist() == [2.0, 2.0, 4.0]
    assert torch.clamp(t, min=torch.tensor(2.0)).tolist() == [2.0, 2.0, 4.0]
    assert torch.rsub(t, np.float64(2.0)).tolist() == [1.0, 0.0, -2.0]
    assert torch.float_power(t, np.int64(2)).dtype == torch.float64
    assert t.clamp_min(2).tolist() == [2.0, 2.0, 4.0]
    assert torch.xlogy(2.0, t).tolist() == pytest.approx([0.0, 1.3862943649291992,
                                                           2.772588722239781])


def test_against_installed_torch():
    real = pytest.importorskip("torch")
    calls = [
        lambda m, t: m.xlogy(t, A), lambda m, t: m.xlogy(A, t), lambda m, t: t.xlogy(A),
        lambda m, t: m.float_power(A, t), lambda m, t: t.float_power_(A),
        lambda m, t: m.rsub(t, A), lambda m, t: m.rsub(A, t), lambda m, t: m.clamp(t, A, 3),
        lambda m, t: t.clamp(1, A), lambda m, t: t.clamp(min=1, max=A),
        lambda m, t: m.clamp(t, min=A, out=t.clone()), lambda m, t: t.clamp_min(A),
        lambda m, t: t.clamp_(max=np.array([3.0])), lambda m, t: A / t,
        lambda m, t: m.xlogy_(t, A), lambda m, t: m.xlogy_(A, t), lambda m, t: m.xlogy_(t, other=A),
        lambda m, t: m.clamp_(t, A), lambda m, t: m.clip_(t, 1, A), lambda m, t: m.clamp_min_(t, A),
        lambda m, t: m.clamp_max_(t, max=A),
        lambda m, t: np.array([2, 3, 5]) / t, lambda m, t: t * A,
    ]
    for call in calls:
        outcomes = []
        for m in (torch, real):
            t = m.tensor([1.0, 2.0, 4.0])
            try:
                r = call(m, t)
                outcomes.append(("ok", str(r.dtype).split(".")[-1], r.tolist()))
            except TypeError as e:
                outcomes.append(("TypeError", str(e)))
        assert outcomes[0] == outcomes[1]


def test_fraction_and_decimal_are_no_numbers_to_torch():
    # torch 2.13's parser binds int/float/complex/bool and NumPy scalars as Numbers, not
    # fractions.Fraction or decimal.Decimal (dlcore computed with them); a class defined in
    # Python is named without its module (tp_name), a C type with it
    import decimal
    import fractions
    t = torch.ones(2)
    with pytest.raises(TypeError, match=r"^add\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not Fraction$"):
        torch.add(t, fractions.Fraction(1, 2))
    with pytest.raises(TypeError, match=r"not decimal\.Decimal$"):
        torch.mul(decimal.Decimal("1.5"), t)
    with pytest.raises(TypeError) as info:
        torch.clamp(t, min=fractions.Fraction(1, 2))
    assert str(info.value).startswith("clamp() received an invalid combination of arguments - "
                                      "got (Tensor, min=Fraction), but expected one of:")

    class Foo:
        pass
    with pytest.raises(TypeError, match=r"must be Tensor, not Foo$"):
        torch.add(t, Foo())
    assert torch.add(t, np.float32(2)).tolist() == [3.0, 3.0]
