"""NumPy numbers as tensor operands, one rule (``_operand_rules.numpy_number``) for the
operators, the functions, the in-place methods and ``where``, against torch 2.13:

* np.complex64 beside a real tensor is its real part (torch's float() of it, with NumPy's
  ComplexWarning): ``x * np.complex64(1+2j)`` float32 3.0 (before: complex64 (3+6j)),
  ``x.mul_(c)`` [3.] (before: RuntimeError), ``where(m, c, x)`` 1.0 (before: (1+2j));
  np.complex128 is a Python complex (complex results, as torch);
* np.uint64 beyond int64's range: torch's TypeError 'an integer is required' (before:
  ``int64_tensor + np.uint64(2**63)`` wrapped silently to -9223372036854775807).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

C64 = np.complex64(1 + 2j)
U63 = np.uint64(2 ** 63)


def _result(L, f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = f(L)
    return str(r.dtype).split(".")[-1], r.tolist()


VALUES = {
    "f32 * c64": lambda L: L.tensor([3.0]) * C64,
    "c64 * f32": lambda L: C64 * L.tensor([3.0]),
    "i64 * c64": lambda L: L.tensor([3]) * C64,
    "mul(i64, c64)": lambda L: L.mul(L.tensor([3]), C64),
    "add(f32, c64)": lambda L: L.add(L.tensor([3.0]), C64),
    "f32 - c64": lambda L: L.tensor([3.0]) - C64,
    "f32 mul_ c64": lambda L: L.tensor([1.0]).mul_(np.complex64(3 + 2j)),
    "f32 += c64": lambda L: (lambda x: (x.__iadd__(C64), x)[1])(L.tensor([1.0])),
    "where(m, c64, f32)": lambda L: L.where(L.tensor([True, False]), C64, L.tensor([2.0, 2.0])),
    "lerp c64 weight": lambda L: L.lerp(L.tensor([1.0]), L.tensor([3.0]), np.complex64(0.25 + 1j)),
    "f32 * c128": lambda L: L.tensor([3.0]) * np.complex128(1 + 2j),
    "where(m, c128, f32)": lambda L: L.where(L.tensor([True]), np.complex128(1 + 2j),
                                             L.tensor([2.0])),
    "i64 + u64(5)": lambda L: L.tensor([1]) + np.uint64(5),
    "i64 + u64(2**63-1)": lambda L: L.add(L.tensor([0]), np.uint64(2 ** 63 - 1)),
    "i64 + 2**63 (python int)": lambda L: L.tensor([1]) + 2 ** 63,
}


@pytest.mark.parametrize("name", list(VALUES))
def test_numpy_number_operands_as_torch(name):
    assert _result(dl, VALUES[name]) == _result(torch, VALUES[name])


REFUSED = {
    "add(i64, u64 big)": lambda L: L.add(L.tensor([1]), U63),
    "sub(i64, u64 big)": lambda L: L.sub(L.tensor([1]), U63),
    "add_(u64 big)": lambda L: L.tensor([1]).add_(U63),
    "where(m, u64 big, f32)": lambda L: L.where(L.tensor([True]), U63, L.tensor([2.0])),
    "masked_fill u64 big": lambda L: L.tensor([1.0]).masked_fill(L.tensor([True]), U63),
    "clamp u64 big": lambda L: L.tensor([2.0]).clamp(U63),
    "fill_ u64 big": lambda L: L.zeros(2).fill_(U63),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_uint64_beyond_int64_refused_as_torch(name):
    for L in (torch, dl):
        with pytest.raises(TypeError, match="^an integer is required$"):
            REFUSED[name](L)


def test_uint64_operator_does_not_wrap():
    # torch's operator hands the TypeError to NumPy (a float64 array 9.2e18); dlcore raises
    # torch's TypeError: neither gives the wrapped -9223372036854775807
    x = dl.tensor([1])
    with pytest.raises(TypeError, match="^an integer is required$"):
        x + U63
    with pytest.raises(TypeError, match="^an integer is required$"):
        x.add_(U63)
    assert x.tolist() == [1]
    assert float(np.asarray(torch.tensor([1]) + U63)[0]) == 2.0 ** 63 + 1


def test_numpy_number_is_the_one_rule():
    from dlcore_eager import _dispatch, _dispatch_general, _operand_rules
    assert _dispatch_general.numpy_number is _operand_rules.numpy_number
    assert _dispatch.EagerFrontend.numpy_number is _operand_rules.numpy_number
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _operand_rules.numpy_number(C64) == 1.0
    assert type(_operand_rules.numpy_number(np.uint64(7))) is int
    with pytest.raises(TypeError, match="an integer is required"):
        _operand_rules.numpy_number(U63)
