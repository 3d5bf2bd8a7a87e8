"""Reliability probe 8, files and devices (helper-R8).

Found by this probe:

* ``dlcore_eager.load(f, map_location=...)`` took only a device string: PyTorch's commonest
  idiom ``map_location=lambda storage, loc: storage`` and the dict form ``{'cuda:0': 'cpu'}``
  were reported as a damaged FILE ('not a valid dlcore_eager file: tensor 'a' has a bad
  device'), and a device naming nothing (``'tpu'``) was accepted silently.  Now the four forms
  PyTorch takes work, a bad one is refused before the file is read, and an error of the
  caller's function is the caller's (not 'malformed structure').
* ``torch.device('cuda:x')`` leaked ``int()``'s 'invalid literal for int() with base 10';
  ``'cuda:-1'``, ``'cpu:x'`` and ``'cuda:'`` were accepted (a device of index -1, the CPU,
  cuda:0).  PyTorch raises ``RuntimeError: Invalid device string``; the error is now both a
  RuntimeError (PyTorch) and a ValueError (TensorFlow, dlcore's old class).
"""

from __future__ import annotations

import io

import pytest

import dlcore_eager as dl
import dlcore_static as tf

torch = pytest.importorskip("torch")


def _file():
    b = io.BytesIO()
    dl.save({"a": dl.ones(2), "b": [dl.arange(3)]}, b)
    b.seek(0)
    return b


@pytest.mark.parametrize("ml", [None, "cpu", dl.device("cpu"), {"cpu": "cpu"},
                                {"cuda:0": "cpu"}, lambda storage, loc: storage,
                                lambda storage, loc: None],
                         ids=["none", "str", "device", "dict", "dict_other", "fn", "fn_none"])
def test_map_location_forms_of_pytorch(ml):
    b = _file()
    got = dl.load(b, map_location=ml)
    assert got["a"].tolist() == [1.0, 1.0] and got["b"][0].tolist() == [0, 1, 2]
    assert got["a"].device.type == "cpu"


def test_map_location_function_sees_each_tensor_and_location():
    seen = []

    def where(s, loc):
        seen.append((tuple(s.shape), loc))
        return s
    got = dl.load(_file(), map_location=where)
    assert sorted(seen) == [((2,), "cpu"), ((3,), "cpu")] and got["a"].sum().item() == 2


@pytest.mark.parametrize("ml, exc, pattern", [
    ("tpu", RuntimeError, "device type at start of device string: tpu$"),
    ({"cpu": "tpu"}, RuntimeError, "device type at start of device string: tpu$"),
    ("cuda:x", RuntimeError, r"Invalid device string: 'cuda:x'"),
    (5, TypeError, "map_location should be a str, a torch.device, a dict or a callable, not int"),
    (lambda s, loc: 3, TypeError, "map_location returned int for tensor 'a'"),
    (lambda s, loc: 1 / 0, ZeroDivisionError, "division by zero"),
])
def test_bad_map_location_is_the_callers_error(ml, exc, pattern):
    with pytest.raises(exc, match=pattern) as e:
        dl.load(_file(), map_location=ml)
    assert "not a valid dlcore_eager file" not in str(e.value)


@pytest.mark.parametrize("spec", ["cuda:x", "cuda:-1", "cuda:1.5", "cpu:x", "cuda:", "cuda:0:1"])
def test_invalid_device_strings_as_pytorch(spec):
    with pytest.raises(RuntimeError, match="Invalid device string") as want:
        torch.device(spec)
    with pytest.raises(RuntimeError) as e:
        dl.device(spec)
    assert type(e.value) is type(want.value) and str(e.value) == str(want.value)
    with pytest.raises(ValueError, match="Invalid device string"), \
            tf.Graph().device("/" + spec):
        pass


def test_valid_device_strings_still_parse():
    assert [str(dl.device(s)) for s in ("cpu", "cpu:0", "cuda", "cuda:1")] == \
        ["cpu", "cpu:0", "cuda", "cuda:1"]                 # (torch 2.13's: the index as given)
    with pytest.raises(RuntimeError, match="Device string must not be empty"):
        dl.device("")
    g = tf.Graph()
    for s in ("/gpu:0", "/device:GPU:0", "/cpu:0"):
        with g.device(s):
            pass
