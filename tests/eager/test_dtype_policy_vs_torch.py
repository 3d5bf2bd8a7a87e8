"""PyTorch 2.13's dtype rules checked by the generated bindings themselves
(``_dtype_guards.POLICY``, looked up once when ``_api`` makes a binding; no wrapper in front
of ``torch.floor``/``Tensor.sign``/``%``), ``var``/``std`` refusing integers and splitting
complex values in ``_tensor_ops``, integer division by zero (``%``, ``//``, ``fmod``: torch's
RuntimeError('ZeroDivisionError')), and the generated in-place methods: each one must exist on
``torch.Tensor``.  Values, dtypes and errors (type and message) against real torch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

EXPRS = [f"{f}({x})" for f in ("torch.floor", "torch.ceil", "torch.trunc", "torch.fix",
                                "torch.frac", "torch.sign", "torch.sgn")
         for x in ("b", "i", "f")] + [
    "b.floor()", "i.ceil()", "f.trunc()", "b.frac()", "i.frac()", "b.sign()", "z.sgn()",
    "torch.sgn(z)", "z.sign()", "b.sgn()", "torch.sign(f, out=torch.empty(2))",
    "torch.floor(f, out=torch.empty(2))", "torch.trace(i8)", "i8.trace()", "torch.trace(i8.bool())",
    "torch.hypot(i, i)", "i.hypot(f)", "torch.hypot(f, f)",
    "b % True", "b % b", "True % b", "torch.remainder(b, b)", "torch.remainder(True, b)",
    "torch.remainder(b, 2)", "torch.fmod(b, b)", "b // True", "torch.floor_divide(b, 1)",
    "i % 0", "i % z0", "5 % z0", "torch.remainder(3, z0)", "torch.fmod(i, z0)", "i // z0",
    "torch.floor_divide(i, 0)", "i % 0.", "i % 3", "i // 2", "f % 0", "f // 2",
    "i.clone().remainder_(z0)", "i.clone().__imod__(0)", "i.clone().floor_divide_(0)",
    "f.var()", "i.var()", "torch.std(i)", "b.std()", "torch.var(z)", "z.std(0)", "z.var(1)",
    "torch.var_mean(i)", "b.floor_()", "i.floor_()", "b.sign_()",
    "b.argmax()", "torch.argmax(b, 0)", "b.argmin()", "torch.argmin(b, 0, True)", "i.argmax()",
    "torch.argmin(i)",
]


def _env(lib):
    return {"torch": lib, "b": lib.tensor([True, False]), "i": lib.tensor([3, -7]),
            "f": lib.tensor([1.5, -2.25]), "z0": lib.tensor([0, 2]),
            "z": lib.tensor(np.array([[1 + 2j, -1j], [0j, 3 - 1j]], np.complex64)),
            "i8": lib.tensor(np.array([[1, 2], [3, 4]], np.int8))}


def _run(lib, expr):
    try:
        r = eval(expr, _env(lib))
    except Exception as e:                      # noqa: BLE001 - compared with torch's
        return "error", type(e).__mro__, str(e)
    if isinstance(r, tuple):
        r = r[0]
    return "value", str(r.dtype).split(".")[-1], np.asarray(r.tolist())


@pytest.mark.parametrize("expr", EXPRS)
def test_dtype_rule_is_torchs(expr):
    want, got = _run(torch, expr), _run(dl, expr)
    assert want[0] == got[0], (want, got)
    if want[0] == "error":
        assert want[1][0].__name__ in [c.__name__ for c in got[1]], (want, got)
        assert want[2] == got[2]
    else:
        assert want[1] == got[1]
        np.testing.assert_allclose(got[2], want[2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("where, name", [("torch", "floor"), ("Tensor", "floor"),
                                         ("Tensor", "__mod__"), ("torch", "remainder"),
                                         ("Tensor", "sign"), ("torch", "sign"),
                                         ("torch", "var"), ("Tensor", "std"),
                                         ("Tensor", "frac"), ("Tensor", "argmax"),
                                         ("torch", "argmin")])
def test_no_wrapper_in_front_of_the_binding(where, name):
    # no dtype-guard wrapper: the binding checks the dtype itself.  (A composite whose grad_fn
    # PyTorch names after the function, frac's FracBackward0, keeps its naming wrapper; a
    # reduction keeps _numpy_keywords' axis=/keepdims= renaming, and a dim-taking entry
    # _scalar_dims' entry, PyTorch's dim rule for a 0-d input (a 1-element vector, no retry);
    # the fast lane's entry, _lane.lane_entry, in front of argmax/sum/max/softmax/transpose;
    # the replay lane's, _replay_lane.replay_entry, in front of sign/var/std; the int64
    # division's, _binary.int_division_front's int_entry, in front of __mod__/remainder.)
    f = getattr(dl if where == "torch" else dl.Tensor, name)
    while hasattr(f, "__wrapped__"):
        assert f.__code__.co_name in ("labelling", "numpy_keywords", "scalar_dims_entry",
                                      "lane_entry", "replay_entry", "int_entry"), f.__code__
        f = f.__wrapped__
    assert f.__module__ in ("dlcore_eager._api", "dlcore_eager._api_pairs",
                            "dlcore_eager._tensor_ops", "dlcore_eager._signatures",
                            "dlcore_eager._arg_reductions")


def test_every_generated_inplace_method_is_torchs():
    ours = [n for n in dir(dl.Tensor) if n.endswith("_") and not n.startswith("_")]
    assert len(ours) > 100
    assert [n for n in ours if not hasattr(torch.Tensor, n)] == []
    for gone in ("orgqr_", "cross_", "diag_", "maximum_", "roll_", "unique_"):
        assert not hasattr(dl.Tensor, gone)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "float16",
                                   "float32", "float64", "bool"])
def test_tensor_of_a_numpy_value_keeps_its_dtype(dtype):
    a = np.array([1, 0], dtype)
    for data in (a, a[0]):
        assert str(dl.tensor(data).dtype) == str(torch.tensor(data).dtype)
        assert str(dl.as_tensor(data).dtype) == str(torch.as_tensor(data).dtype)
    dl.set_default_dtype(dl.float64)
    try:                                 # an array's dtype wins over the default
        assert str(dl.tensor(a).dtype) == str(torch.tensor(a).dtype)
    finally:
        dl.set_default_dtype(dl.float32)
