"""``out=`` of the factories (``_factory_out``): the values, dtype, shape and flags PyTorch 2.13
gives ``out``, its errors and warnings, and ``out`` untouched when the call is refused."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CASES = {
    "zeros": lambda m, o: m.zeros(3, out=o),
    "ones 2x3 into 6": lambda m, o: m.ones(2, 3, out=o),
    "full": lambda m, o: m.full((2,), 1.5, out=o),
    "zeros size=": lambda m, o: m.zeros(size=(2,), out=o),
    "eye": lambda m, o: m.eye(2, 3, out=o),
    "arange": lambda m, o: m.arange(3.5, out=o),
    "arange start end": lambda m, o: m.arange(1, 4, out=o),
    "arange 4 into 2x2": lambda m, o: m.arange(4, out=o),
    "linspace": lambda m, o: m.linspace(0, 1, 3, out=o),
    "linspace 4 into 2x2": lambda m, o: m.linspace(0, 1, 4, out=o),
    "logspace": lambda m, o: m.logspace(0, 1, 3, out=o),
    "zeros dtype= agrees": lambda m, o: m.zeros(2, dtype=m.float32, out=o),
    "zeros dtype= differs": lambda m, o: m.zeros(2, dtype=m.float64, out=o),
    "rand": lambda m, o: m.rand(3, out=o),
    "randn": lambda m, o: m.randn(3, out=o),
    "randint": lambda m, o: m.randint(0, 5, (4,), out=o),
    "randperm": lambda m, o: m.randperm(4, out=o),
    "requires_grad=True": lambda m, o: m.zeros(2, out=o, requires_grad=True),
}
OUTS = [("float32", (2,)), ("float32", (2, 2)), ("int64", (0,)), ("float32", (0,))]


def _outcome(m, case, dtype, shape):
    out = m.empty(*shape, dtype=getattr(m, dtype))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = CASES[case](m, out)
        except Exception as e:  # noqa: BLE001 - the error is the outcome compared
            return type(e).__name__, str(e)
    said = [str(w.message).split(" (Triggered internally")[0] for w in caught
            if "deprecated" not in str(w.message)]
    values = out.detach().numpy().tolist() if not case.startswith("rand") else None
    return r is out, str(out.dtype), tuple(out.shape), values, out.requires_grad, said


@pytest.mark.parametrize("dtype,shape", OUTS)
@pytest.mark.parametrize("case", list(CASES))
def test_out_is_written_as_torch_writes_it(case, dtype, shape):
    want = _outcome(torch, case, dtype, shape)
    got = _outcome(dl, case, dtype, shape)
    if len(got) == 2:           # (refused: dlcore leaves ``out`` as it was, PyTorch not always)
        assert got == want
        return
    if len(want) > 3 and isinstance(want[3], list):
        np.testing.assert_allclose(np.asarray(got[3], float), np.asarray(want[3], float),
                                   rtol=1e-6)
        got, want = got[:3] + got[4:], want[:3] + want[4:]
    assert got == want


def test_the_random_factories_draw_what_they_draw_without_out():
    dl.manual_seed(3)
    a = dl.empty(2)
    dl.randn(3, out=a)
    dl.manual_seed(3)
    assert a.shape == (3,) and dl.equal(a, dl.randn(3))


@pytest.mark.parametrize("out,grad,words", [
    ([1.0], False, "zeros(): argument 'out' must be Tensor, not list"),
    (None, True, "aten::zeros(): functions with out=... arguments don't support automatic "
                 "differentiation, but one of the arguments requires grad."),
])
def test_a_refused_out_is_left_as_it_was(out, grad, words):
    o = dl.full((2,), 7.0, requires_grad=grad) if out is None else out
    with pytest.raises(TypeError if out is not None else RuntimeError) as e:
        dl.zeros(3, out=o)
    assert str(e.value) == words
    if out is None:
        assert o.shape == (2,) and o.tolist() == [7.0, 7.0]


def test_a_refused_dtype_leaves_out_as_it_was():
    o = dl.full((2,), 7, dtype=dl.long)
    with pytest.raises(RuntimeError, match=r"^dtype Float does not match dtype of out "
                                           r"parameter \(Long\)$"):
        dl.arange(3, dtype=dl.float32, out=o)
    with pytest.raises(NotImplementedError, match="check_uniform_bounds"):
        dl.rand(3, out=o)
    with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex"):
        dl.zeros(3, out=o, requires_grad=True)
    assert o.shape == (2,) and o.tolist() == [7, 7]


def test_under_no_grad_out_takes_the_factory_s_flag():
    o = dl.empty(3, requires_grad=True)
    with dl.no_grad():
        dl.zeros(3, out=o)
    assert not o.requires_grad and o.tolist() == [0.0, 0.0, 0.0]
