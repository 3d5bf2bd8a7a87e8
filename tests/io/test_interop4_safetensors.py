"""safetensors both ways with ``safetensors.torch``: every dtype the format and dlcore share
(float16, bfloat16, complex64, integers, bool), views and non-contiguous tensors written by
``dlcore_eager.save`` as their values, and bad files refused with an error naming the file."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager.serialization import LoadError

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

_NAMES = ("float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32",
          "int64", "bool", "complex64")


def _tensors(lib):
    vals = np.array([[0, 1.5, -2], [3, 4.25, 100]])
    return {n: lib.tensor((vals + 0.5j * vals if n == "complex64" else vals).tolist())
            .to(getattr(lib, n)) for n in _NAMES}


def _np(t):
    return t.detach().float().numpy() if str(t.dtype).endswith("bfloat16") else t.detach().numpy()


def test_torch_safetensors_to_dlcore_and_back(tmp_path):
    src = _tensors(torch)
    st_torch.save_file(src, str(tmp_path / "a.safetensors"))
    got = dt.load(tmp_path / "a.safetensors")
    assert list(got) == list(st_torch.load_file(str(tmp_path / "a.safetensors")))
    for k, v in src.items():
        assert str(got[k].dtype) == str(v.dtype), k
        np.testing.assert_array_equal(_np(got[k]), _np(v), err_msg=k)
    dt.save(got, tmp_path / "b.safetensors")
    back = st_torch.load_file(str(tmp_path / "b.safetensors"))
    for k, v in src.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v), k


def test_views_are_saved_as_their_values(tmp_path):
    base = dt.arange(12.0).reshape(3, 4)
    src = {"t": base.t(), "col": base[:, 1], "step": base[::2, 1::2], "base": base}
    dt.save(src, tmp_path / "v.safetensors")
    theirs = st_torch.load_file(str(tmp_path / "v.safetensors"))
    mine = dt.load(tmp_path / "v.safetensors")
    for k, v in src.items():
        np.testing.assert_array_equal(theirs[k].numpy(), v.numpy(), err_msg=k)
        np.testing.assert_array_equal(mine[k].numpy(), v.numpy(), err_msg=k)


def test_complex128_is_refused_with_the_path_in_the_object():
    with pytest.raises(TypeError, match="unsupported dtype complex128 at w"):
        dt.save({"w": dt.zeros(2, dtype=dt.complex128)}, "/nonexistent/never.safetensors")


def _blob(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize("raw, what", [
    (struct.pack("<Q", 2 ** 60) + b"{}", "the header claims 1152921504606846976 bytes"),
    (_blob({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8),
     "SafetensorError"),
    (_blob({"a": {"dtype": "F32", "shape": [10 ** 12], "data_offsets": [0, 4 * 10 ** 12]}},
           b"\0" * 8), "SafetensorError"),
    (_blob({"a": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\0"),
     "dtype F8_E4M3, which dlcore does not support"),
    (struct.pack("<Q", 5) + b"[1,2]", "the header is not a JSON object"),
    (struct.pack("<Q", 9) + b"{" * 9, "the header is not valid JSON"),
])
def test_bad_safetensors_files_name_the_file(tmp_path, raw, what):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(raw)
    with pytest.raises(LoadError, match=f"{what}.*bad.safetensors"):
        dt.load(path)


def test_dtypes_devices_sizes_and_layouts_in_a_checkpoint(tmp_path):
    src = {"dtype": dt.float16, "flag": dt.bool, "dev": dt.device("cuda:1"),
           "shape": dt.Size([2, 3]), "layout": dt.strided, "user": {"__dtype__": "x"},
           "w": dt.ones(2)}
    dt.save(src, tmp_path / "c.safetensors")
    got = dt.load(tmp_path / "c.safetensors")
    assert got["dtype"] is dt.float16 and got["flag"] is dt.bool and got["layout"] is dt.strided
    assert got["dev"] == dt.device("cuda:1") and isinstance(got["shape"], dt.Size)
    assert got["user"] == {"__dtype__": "x"} and got["shape"] == (2, 3)
    assert list(st_torch.load_file(str(tmp_path / "c.safetensors"))) == ["w"]


def test_bool_bytes_other_than_0_and_1_read_as_true(tmp_path):
    raw = _blob({"m": {"dtype": "BOOL", "shape": [3], "data_offsets": [0, 3]}}, bytes([7, 0, 255]))
    (tmp_path / "b.safetensors").write_bytes(raw)
    got = dt.load(tmp_path / "b.safetensors")["m"]
    assert got.tolist() == [True, False, True]
    assert got.numpy().view(np.uint8).tolist() == [1, 0, 1]
    assert (~got).tolist() == [False, True, False]
