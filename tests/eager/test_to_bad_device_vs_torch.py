"""Tensor.to with a bad device string raises PyTorch's plain RuntimeError with its text (dlcore's
InvalidDevice is a subclass; tests compare type names), positional or as ``device=``; a good
device and a dtype still convert."""

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


def _err(lib, *args, **kw):
    try:
        lib.ones(2).to(*args, **kw)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return type(e), str(e)
    return None


@pytest.mark.parametrize("args,kw", [(("float32",), {}), (("cpux",), {}), ((), {"device": "float32"}),
                                     (("cpu:x",), {})])
def test_bad_device_string_error_equals_torch(args, kw):
    mine, theirs = _err(dl, *args, **kw), _err(torch, *args, **kw)
    assert theirs is not None and theirs[0] is RuntimeError
    assert mine == theirs


def test_good_device_and_dtype_still_convert():
    x = dl.ones(2)
    assert x.to("cpu").dtype == dl.float32
    assert x.to("cpu", dl.float64).dtype == dl.float64
    assert x.to(device="cpu", dtype=dl.float16).dtype == dl.float16
