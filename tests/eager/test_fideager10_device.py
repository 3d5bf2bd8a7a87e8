"""``torch.device`` as torch 2.13: the index kept as given (recorded from torch 2.13), and
dlcore's reading of such a device as a place (``cuda`` is cuda:0, ``cpu:0`` the CPU)."""

import pytest

import dlcore
import dlcore_eager as torch

D = torch.device


@pytest.mark.parametrize("args,kwargs,index,text,rep", [
    (("cuda",), {}, None, "cuda", "device(type='cuda')"),
    (("cuda:1",), {}, 1, "cuda:1", "device(type='cuda', index=1)"),
    (("cuda", 1), {}, 1, "cuda:1", "device(type='cuda', index=1)"),
    (("cpu",), {}, None, "cpu", "device(type='cpu')"),
    (("cpu", 0), {}, 0, "cpu:0", "device(type='cpu', index=0)"),
    (("cpu:1",), {}, 1, "cpu:1", "device(type='cpu', index=1)"),
    (("cuda", None), {}, None, "cuda", "device(type='cuda')"),
    ((), {"type": "cuda", "index": 2}, 2, "cuda:2", "device(type='cuda', index=2)"),
])
def test_index_str_repr_as_given(args, kwargs, index, text, rep):
    d = D(*args, **kwargs)
    assert d.index == index and str(d) == text and repr(d) == rep
    assert isinstance(d, torch.device) and d.type == text.partition(":")[0]


def test_equality_and_hash_count_the_index():
    assert D("cuda") != D("cuda:0") and D("cpu") != D("cpu:0") and D("cpu") != D("cpu", 0)
    assert D("cuda") == D("cuda") and D("cuda:1") == D("cuda", 1)
    assert len({D("cuda"), D("cuda:0"), D("cuda"), D("cpu"), D("cpu", 0)}) == 4
    assert D(D("cuda:1")) == D("cuda:1")
    assert torch.ones(1).device == D("cpu") and torch.ones(1).device != D("cpu", 0)
    assert torch.ones(1).device.index is None


def test_a_device_with_an_index_or_none_names_the_same_place():
    assert dlcore.as_device(D("cuda")) == dlcore.as_device("cuda:0") == dlcore.Device("cuda", 0)
    assert dlcore.as_device(D("cpu", 0)) == dlcore.CPU
    x = torch.ones(2)
    assert x.to(D("cpu", 0)) is x and x.to(D("cpu")) is x
    assert torch.zeros(1, device=D("cpu", 0)).device == D("cpu")
    assert next(torch.nn.Linear(2, 2).to(D("cpu", 0)).parameters()).device == D("cpu")


@pytest.mark.parametrize("args,kwargs,exc,text", [
    (("cuda", 1.0), {}, TypeError, "device(): argument 'index' (position 2) must be int, not float"),
    (("cuda", True), {}, TypeError, "device(): argument 'index' (position 2) must be int, not bool"),
    (("cuda", "1"), {}, TypeError, "device(): argument 'index' (position 2) must be int, not str"),
    (("cuda", -1), {}, RuntimeError, "Device index must not be negative"),
    ((-1,), {}, RuntimeError, "Device index must not be negative"),
    (("cuda:1", 1), {}, RuntimeError,
     "type (string) must not include an index because index was passed explicitly: cuda:1"),
    (("CUDA",), {}, RuntimeError, "device type at start of device string: CUDA"),
    (("gpu",), {}, RuntimeError, "device type at start of device string: gpu"),
    (("cuda:x",), {}, RuntimeError, "Invalid device string: 'cuda:x'"),
    ((D("cuda"), 1), {}, TypeError,
     "device(): argument 'type' (position 1) must be str, not torch.device"),
    ((None,), {}, TypeError, ("device() received an invalid combination of arguments - got "
                             "(NoneType), but expected one of:")),
    ((), {}, TypeError, "device() received an invalid combination of arguments - got ()"),
])
def test_refusals(args, kwargs, exc, text):
    with pytest.raises(exc) as e:
        D(*args, **kwargs)
    assert text in str(e.value)
