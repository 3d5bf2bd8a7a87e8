"""UserWarnings (and FutureWarnings) torch 2.13 gives where dlcore was silent, texts as torch's
(recorded from torch 2.13; without its ``(Triggered internally at ...)`` source path)."""

import warnings

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore_eager import _torch_warnings

F = torch.nn.functional
DOF = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than the "
       "reduction factor (input numel divided by output numel).")


def _caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = fn()
    return r, [(x.category, str(x.message)) for x in w]


@pytest.mark.parametrize("call,name,nan", [
    pytest.param(lambda: torch.ones(1).std(), "std", True),
    pytest.param(lambda: torch.ones(1).var(), "var", True),
    pytest.param(lambda: torch.ones(1, 3).std(0), "std", True),
    pytest.param(lambda: torch.ones(3).std(correction=5), "std", True),
    (lambda: torch.var_mean(torch.ones(1))[0], "var_mean", True),
    (lambda: torch.var_mean(torch.ones(2, 1), [1])[0], "var_mean", True),
    (lambda: torch.std_mean(torch.ones(1), dim=0)[0], "std_mean", True),
    (lambda: torch.std_mean(torch.ones(3), correction=5)[0], "std_mean", True),
    (lambda: torch.var_mean(torch.ones(0))[0], "var_mean", True),
])
def test_no_degrees_of_freedom_warns(call, name, nan):
    r, w = _caught(call)
    assert w == [(UserWarning, DOF.format(name))]
    assert np.isnan(r.numpy()).all() == nan


@pytest.mark.parametrize("call", [
    lambda: torch.var_mean(torch.ones(1), unbiased=False)[0],
    lambda: torch.std_mean(torch.ones(1), False)[0],
    lambda: torch.std_mean(torch.ones(3), correction=0)[0],
    lambda: torch.var_mean(torch.ones(2, 3), dim=0)[0],
    lambda: torch.std_mean(torch.ones(2, 3), 1, True, True)[0],
    lambda: torch.ones(1).std(unbiased=False),
])
def test_degrees_of_freedom_left_is_silent(call):
    r, w = _caught(call)
    assert w == [] and np.isfinite(r.numpy()).all()


def test_integer_var_mean_refuses_without_the_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="var_mean only support floating point and "
                                               "complex dtypes"):
            torch.var_mean(torch.ones(1, dtype=torch.int64))


def test_copy_construct_warns_every_call():
    t = torch.ones(2)
    for _ in range(2):
        r, w = _caught(lambda: torch.tensor(t))
        assert w == [(UserWarning, ("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than torch.tensor(sourceTensor)."))]
        assert r.tolist() == [1.0, 1.0]
    r, w = _caught(lambda: torch.tensor([1, 2]).new_tensor(t))
    assert [m for _, m in w] == [("To copy construct from a tensor, it is recommended to use "
                                 "sourceTensor.detach().clone() or sourceTensor.detach()"
                                 ".clone().requires_grad_(True), rather than "
                                 "tensor.new_tensor(sourceTensor).")]
    assert r.dtype == torch.int64 and r.tolist() == [1, 1]      # (self's dtype, as torch)
    assert _caught(lambda: torch.tensor([torch.ones(()), torch.ones(())]))[1] == []


def test_scatter_reduce_argument_warns_once(monkeypatch):
    monkeypatch.setattr(_torch_warnings, "_ONCE", set())
    text = ("The reduce argument of torch.scatter with Tensor src is deprecated and will be "
            "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
            "reduction options.")
    r, w = _caught(lambda: torch.zeros(3).scatter_(0, torch.tensor([0]), torch.ones(1),
                                                   reduce="add"))
    assert w == [(UserWarning, text)] and r.tolist() == [1.0, 0.0, 0.0]
    assert _caught(lambda: torch.zeros(3).scatter(0, torch.tensor([0]), torch.ones(1),
                                                  reduce="add"))[1] == []
    monkeypatch.setattr(_torch_warnings, "_ONCE", set())
    assert _caught(lambda: torch.zeros(3).scatter(0, torch.tensor([0]), 2.0,
                                                  reduce="add"))[1] == []   # (a number src)


def test_softmin_implicit_dim_and_legacy_texts():
    r, w = _caught(lambda: F.softmin(torch.ones(1, 3)))
    assert w == [(UserWarning, ("Implicit dimension choice for softmin has been deprecated. "
                  "Change the call to include dim=X as an argument."))]
    np.testing.assert_allclose(r.numpy(), np.full((1, 3), 1 / 3), rtol=1e-6)
    assert _caught(lambda: F.softmin(torch.ones(1, 3), dim=1))[1] == []
    r, w = _caught(lambda: torch.nn.Softmin()(torch.ones(1, 3)))        # (the module too)
    assert [m for _, m in w] == [("Implicit dimension choice for softmin has been deprecated. "
                                 "Change the call to include dim=X as an argument.")]
    assert _caught(lambda: torch.nn.Softmin(dim=1)(torch.ones(1, 3)))[1] == []
    _, w = _caught(lambda: torch.cuda.amp.GradScaler())
    assert (FutureWarning, ("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
            "`torch.amp.GradScaler('cuda', args...)` instead.")) in w
    _, w = _caught(lambda: torch.cuda.amp.autocast())
    assert (FutureWarning, ("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
            "`torch.amp.autocast('cuda', args...)` instead.")) in w
    default = torch.get_default_dtype()
    try:
        _, w = _caught(lambda: torch.set_default_tensor_type(torch.FloatTensor))
    finally:
        torch.set_default_dtype(default)
    assert w == [(UserWarning, ("torch.set_default_tensor_type() is deprecated as of PyTorch "
                  "2.1, please use torch.set_default_dtype() and torch.set_default_device() as "
                  "alternatives."))]
