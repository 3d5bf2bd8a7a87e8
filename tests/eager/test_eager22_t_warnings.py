"""``Tensor.T`` warns as torch 2.13 does (fideager10's request): any number of dimensions but 2
gives the deprecation UserWarning, 0-D its own, each once a process (TORCH_WARN_ONCE); the
non-leaf ``.grad`` warning ends as torch's ("... for more information.")."""

import warnings

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager import _methods

OTHER = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
         "deprecated and it will throw an error in a future release. Consider `x.mT` to "
         "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
         "reverse the dimensions of a tensor.")
ZERO = "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."


def _messages(f):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = f()
    assert all(i.category is UserWarning and i.filename == __file__ for i in w)
    return [str(i.message) for i in w], out


def test_t_warns_once_per_kind(monkeypatch):
    monkeypatch.setattr(_methods, "_T_WARNED", set())
    m = dt.from_numpy(np.arange(6.0).reshape(2, 3))
    assert _messages(lambda: m.T)[0] == []                  # a matrix: silent
    msgs, out = _messages(lambda: dt.ones(2, 3, 4).T)
    assert msgs == [OTHER] and tuple(out.shape) == (4, 3, 2)
    assert _messages(lambda: (dt.ones(3).T, dt.ones(2, 3, 4).T))[0] == []   # once a process
    msgs, out = _messages(lambda: dt.tensor(2.5).T)
    assert msgs == [ZERO] and out.item() == 2.5
    assert _messages(lambda: dt.tensor(1.0).T)[0] == []
    np.testing.assert_array_equal(m.T.numpy(), m.numpy().T)


def test_a_vector_warns_too(monkeypatch):
    monkeypatch.setattr(_methods, "_T_WARNED", set())
    msgs, out = _messages(lambda: dt.ones(3).T)
    assert msgs == [OTHER] and tuple(out.shape) == (3,)


def test_non_leaf_grad_warning_text():
    y = dt.ones(2, requires_grad=True) * 2
    with pytest.warns(UserWarning, match=r"pull/30531 for more information\.$"):
        assert y.grad is None


DOF = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than the "
       "reduction factor (input numel divided by output numel).")


@pytest.mark.parametrize("call, warned", [       # (torch 2.13's warnings, checked side by side)
    (lambda: dt.ones(1).std(), ["std"]),
    (lambda: dt.std(dt.ones(1)), ["std"]),
    (lambda: dt.ones(0).var(unbiased=False), ["var"]),
    (lambda: dt.ones(3).std(correction=3), ["std"]),
    (lambda: dt.ones(1, 3).var(0), ["var"]),
    (lambda: dt.ones(1).var(correction=1.5), ["var"]),
    (lambda: dt.ones(1).var(dim=[]), ["var"]),
    (lambda: dt.ones(1, dtype=dt.complex64).var(), ["var", "var"]),  # (torch: real, imag)
    (lambda: dt.var_mean(dt.ones(1))[0], ["var_mean"]),
    (lambda: dt.ones(3).std(correction=2), []),
    (lambda: dt.ones(1, 3).var(1), []),
    (lambda: dt.ones(1).var(correction=0.5), []),
])
def test_std_var_warn_without_degrees_of_freedom(call, warned):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = call()
    assert [(i.category, str(i.message)) for i in w] == [(UserWarning, DOF.format(n))
                                                          for n in warned]
    assert all(i.filename == __file__ for i in w if "var_mean" not in str(i.message))
    assert np.isnan(out.numpy()).all() == bool(warned)
