"""Differences from torch 2.13 found by the long-tail probe (/tmp/fideager9/probe.py: ~300
everyday calls run in torch and dlcore_eager, results, dtypes, reprs and errors diffed), each
fixed as torch behaves."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch


def test_numpy_of_a_tensor_that_requires_grad_under_no_grad():
    # torch refuses only while grad mode is on (requires_grad() && GradMode::is_enabled())
    w = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        assert w.numpy().tolist() == [1.0, 1.0]
        assert np.asarray(w).tolist() == [1.0, 1.0]
    with torch.inference_mode():
        assert w.numpy().tolist() == [1.0, 1.0]
    for f in (w.numpy, lambda: np.asarray(w)):
        with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires "
                                               "grad"):
            f()


def test_no_grad_exit_without_enter_switches_recording_off():
    # torch's no_grad() starts with prev = False: its __exit__ alone disables grad mode
    try:
        torch.no_grad().__exit__(None, None, None)
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


@pytest.mark.parametrize("call", [
    lambda x: x.sum((0, 0)), lambda x: x.sum((0, -2)), lambda x: torch.sum(x, [1, 1], keepdim=True),
    lambda x: x.mean((0, 0)), lambda x: x.amax((0, 0)), lambda x: torch.amin(x, (1, -1)),
    lambda x: x.nansum((0, 0)), lambda x: x.std((0, 0)), lambda x: torch.var(x, (0, 0)),
    lambda x: (x > 0).all((0, 0)), lambda x: torch.any(x > 0, (0, 0)),
    lambda x: x.norm(dim=(0, 0)), lambda x: x.norm(p=1, dim=(0, 0)),
    lambda x: torch.count_nonzero(x, (0, 0)), lambda x: x.nanmean((0, 0)),
    lambda x: torch.var_mean(x, (0, 0)), lambda x: torch.linalg.vector_norm(x, dim=(0, 0)),
    lambda x: x.long().sum((0, 0)), lambda x: x.clone().requires_grad_().mean((0, 0)),
])
def test_a_dim_named_twice_is_refused(call):
    # the core's normalize_axes reduced such a dim once, silently (x.sum((0, 0)) gave
    # x.sum(0)); torch 2.13 refuses
    x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    with pytest.raises(RuntimeError, match="^dim [01] appears multiple times in the list of "
                                           "dims$"):
        call(x)
    with pytest.raises(RuntimeError, match="^dim 2 appears multiple times"):
        torch.ones(2, 3, 4).sum((0, 2, -1))


@pytest.mark.parametrize("call, shape, value", [
    (lambda x: x.sum(()), (), 5.0), (lambda x: torch.sum(x, []), (), 5.0),
    (lambda x: x.sum((), keepdim=True), (1, 1), 5.0), (lambda x: x.mean(()), (), 5.0 / 6),
    (lambda x: x.amax(()), (), 5.0), (lambda x: x.amin([]), (), -6.0),
    (lambda x: x.nansum(()), (), 5.0), (lambda x: x.var([]), (), 17.366667),
    (lambda x: x.std(()), (), 4.167333), (lambda x: x.norm(dim=()), (), 9.539392),
    (lambda x: torch.count_nonzero(x, ()), (), 6), (lambda x: x.long().sum(()), (), 5),
    (lambda x: (x > 0).all(()), (2, 3), None),
])
def test_an_empty_dim_list_reduces_every_dim(call, shape, value):
    # torch 2.13: sum(x, dim=[]) is the full sum (all/any: nothing reduced); dlcore reduced
    # nothing and gave x back
    x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]])
    r = call(x)
    assert tuple(r.shape) == shape
    if value is None:
        assert r.tolist() == (x > 0).tolist()
    else:
        assert r.reshape(-1).tolist()[0] == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize("call, exc, message", [
    (lambda m: m.add_module("a.b", torch.nn.ReLU()), KeyError,
     "module name can't contain \".\", got: a.b"),
    (lambda m: m.add_module("", torch.nn.ReLU()), KeyError, "module name can't be empty string"),
    (lambda m: m.add_module(3, torch.nn.ReLU()), TypeError,
     "module name should be a string. Got int"),
    (lambda m: m.add_module("forward", torch.nn.ReLU()), KeyError,
     "attribute 'forward' already exists"),
    (lambda m: m.register_buffer("a.b", torch.zeros(1)), KeyError,
     "buffer name can't contain \".\""),
    (lambda m: m.register_buffer("", None), KeyError, "buffer name can't be empty string"),
    (lambda m: m.register_buffer(1, None), TypeError, "buffer name should be a string. Got int"),
    (lambda m: m.register_buffer("q", 3), TypeError,
     "cannot assign 'int' object to buffer 'q' (torch Tensor or None required)"),
    (lambda m: m.register_parameter("a.b", None), KeyError,
     "parameter name can't contain \".\""),
    (lambda m: m.register_parameter("", None), KeyError, "parameter name can't be empty string"),
    (lambda m: m.register_parameter("training", None), KeyError,
     "attribute 'training' already exists"),
    (lambda m: setattr(torch.nn.Linear(2, 2), "weight", torch.zeros(2, 2)), TypeError,
     "cannot assign 'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None"),
    (lambda m: setattr(torch.nn.Sequential(torch.nn.ReLU()), "0", 3), TypeError,
     "cannot assign 'int' as child module '0' (torch.nn.Module or None expected)"),
])
def test_module_registration_checks_as_torch(call, exc, message):
    m = torch.nn.Module()
    with pytest.raises(exc) as e:
        call(m)
    assert message in e.value.args[0]
    assert not m._modules and not m._buffers and not m._parameters       # (nothing added)


def test_module_registration_still_replaces_its_own_entries():
    m = torch.nn.Module()
    m.register_buffer("b", torch.zeros(1))
    m.register_buffer("b", torch.ones(1))
    m.register_parameter("p", None)
    m.register_parameter("p", torch.nn.Parameter(torch.zeros(1)))
    m.add_module("c", torch.nn.ReLU())
    m.add_module("c", None)
    assert m.b.tolist() == [1.0] and m.p.shape == (1,) and m.c is None


def test_state_dict_lists_a_shared_module_under_each_path():
    # torch 2.13's state_dict recursion keeps no memo: Sequential(l, l) has 0.* and 1.*
    lin = torch.nn.Linear(1, 1)
    s = torch.nn.Sequential(lin, lin)
    assert list(s.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in s.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in s.named_modules()] == ["", "0"]
    assert [n for n, _ in s.named_modules(remove_duplicate=False)] == ["", "0", "1"]
    assert not s.load_state_dict(s.state_dict()).missing_keys


def test_size_slices_and_sums_are_sizes():
    a = torch.Size([2, 3])
    for r, want in ((a[1:], [3]), (a[::-1], [3, 2]), (a + (4,), [2, 3, 4]), ((4,) + a, [4, 2, 3]),
                    (a + torch.Size([4]), [2, 3, 4]), (a * 2, [2, 3, 2, 3]), (2 * a, [2, 3, 2, 3])):
        assert type(r) is torch.Size and list(r) == want
    assert repr(a[1:]) == "torch.Size([3])" and a[0] == 2 and type(a[0]) is int
    assert torch.zeros(2, 3, 4).shape[1:].numel() == 12
    with pytest.raises(TypeError):
        a + [1]


def test_dtype_is_signed():
    assert [d.is_signed for d in (torch.float32, torch.float16, torch.int8, torch.uint8,
                                  torch.bool, torch.int64, torch.complex64)] == [
        True, True, True, False, False, True, True]
    with pytest.raises(RuntimeError, match="isSignedType not supported for quantized types"):
        _ = torch.quint8.is_signed


@pytest.mark.parametrize("data, dtype", [
    ([np.array([1.0, 2.0]), np.array([3.0, 4.0])], "float64"),
    ([np.array([1], np.int32), np.array([2], np.int32)], "int32"),
    ([np.float64(1.0), np.float64(2.0)], "float64"), ([np.float64(1.0), 2.0], "float64"),
    ([np.int32(1), np.int32(2)], "int32"), ([np.float16(1.0)], "float16"),
    ([np.array([1], np.int32), np.array([2.5])], "float64"), ([[np.float64(1.0)], [2.0]],
                                                              "float64"),
    ([np.uint8(1)], "uint8"), ([np.int32(1), 2.5], "float32"), ([1.0, 2.0], "float32"),
])
def test_numpy_values_in_a_list_keep_their_dtype(data, dtype):
    # torch promotes the elements' own dtypes (a NumPy float64 is float64); dlcore read the
    # list's values and gave the default float32 / int64
    assert torch.tensor(data).dtype is getattr(torch, dtype)


@pytest.mark.parametrize("data, dtype", [
    ([300], "uint8"), ([-256], "uint8"), ([128], "int8"), ([-129], "int8"), ([2 ** 31], "int32"),
    ([float("nan")], "int32"), ([float("inf")], "int64"), ([1e20], "int64"), ([-1.5], "uint8"),
    ([255.9], "uint8"), ([-0.5], "uint8"), (70000, "int16"), ([[1, 300]], "uint8"),
])
def test_python_values_that_overflow_an_integer_dtype_are_refused(data, dtype):
    # reliab21's request: NumPy's cast wrapped them silently (tensor([300], dtype=uint8) was
    # [44]); torch 2.13 refuses
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {dtype} without "
                                           "overflow$"):
        torch.tensor(data, dtype=getattr(torch, dtype))


@pytest.mark.parametrize("data, dtype, want", [
    ([255], "uint8", [255]), ([-1], "uint8", [255]), ([-255], "uint8", [1]),
    ([1.7, -2.7], "int32", [1, -2]), ([True, 2], "int8", [1, 2]), (3.5, "int16", 3),
    ([1e20], "float16", [float("inf")]), ([300], "bool", [True]),
    (np.array([300]), "uint8", [44]),                     # (an array is cast, as torch's)
])
def test_python_values_that_fit_or_wrap_as_torch(data, dtype, want):
    assert torch.tensor(data, dtype=getattr(torch, dtype)).tolist() == want


def test_randperm_of_a_negative_count():
    with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension "
                                           r"-1: \[-1\]$"):
        torch.randperm(-1)


def test_batch_norm_of_an_empty_batch():
    # reliab21's request 5: torch returns the empty result (a clone times weight[0] plus
    # bias[0]) and leaves the running statistics; dlcore raised "Expected more than 1 value"
    x = torch.ones(0, 2, requires_grad=True)
    rm, rv = torch.zeros(2), torch.ones(2)
    y = torch.nn.functional.batch_norm(x, rm, rv, torch.ones(2), torch.zeros(2), training=True)
    assert tuple(y.shape) == (0, 2) and y.grad_fn.name() == "AddBackward0"
    assert rm.tolist() == [0.0, 0.0] and rv.tolist() == [1.0, 1.0]
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 2)
    assert tuple(torch.nn.BatchNorm1d(2)(torch.ones(0, 2, 3)).shape) == (0, 2, 3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        torch.nn.functional.batch_norm(torch.ones(1, 2), None, None, training=True)
