"""ml_dtypes (bfloat16) is imported when first needed, not with dlcore (its import is ~0.5 s of
CPU: it registers a dozen NumPy dtypes with every ufunc).  Each check runs in a fresh process:
importing the front ends leaves ml_dtypes out; asking for bfloat16 in any of the public ways
imports it; an ml_dtypes imported by someone else (the user, JAX) completes dlcore's tables at
once, so a bfloat16 array behaves as it did when dlcore imported ml_dtypes itself; without
ml_dtypes the errors are the ones they were."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

# (not importorskip: importing ml_dtypes here would cost every collecting process its 0.5 s)
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ml_dtypes") is None,
                                reason="needs ml_dtypes")


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()


def test_front_ends_import_without_ml_dtypes_and_each_public_name_loads_it():
    lines = _run("""
import sys, warnings
import dlcore_eager as torch, dlcore_static as tf, dlcore
print("ml_dtypes" in sys.modules, dlcore.dtypes.loaded_bfloat16())
# dir() lists the names before the import (tab completion) and does not import ml_dtypes
print("bfloat16" in dir(torch), "BFloat16Tensor" in dir(torch), "bfloat16" in dir(tf),
      "bfloat16" in dir(dlcore.dtypes), "bfloat16" in dir(tf.dtypes), "ml_dtypes" in sys.modules)
print(list(dlcore.dtypes.HALF))
# an error listing the supported dtypes names bfloat16 although ml_dtypes is not imported yet
try:
    dlcore.dtypes.as_dtype("float7")
except TypeError as e:
    print(e)
print(torch.bfloat16, "ml_dtypes" in sys.modules)
from dlcore_eager import bfloat16
print(bfloat16 is torch.bfloat16, torch.BFloat16Tensor)
print([d.name for d in dlcore.dtypes.HALF], dlcore.dtypes.bfloat16 in dlcore.dtypes.SUPPORTED)
print(torch.ones(2).bfloat16() * 1.5, torch.ones(1).type("torch.BFloat16Tensor").dtype)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    print(tf.bfloat16, tf.as_dtype("bfloat16"), tf.dtypes.bfloat16 is tf.bfloat16)
""")
    assert lines.pop(1) == "True True True True True False"
    assert lines[0] == "False None"
    assert lines[1] == "[dtype('float16')]"
    assert lines[2] == ("dlcore: unsupported dtype 'float7'; expected one of float32, float64, "
                        "int32, int64, bool, int8, uint8, int16, float16, bfloat16, complex64, "
                        "complex128")
    assert lines[3] == "torch.bfloat16 True"
    assert lines[4] == "True <class 'torch.BFloat16Tensor'>"
    assert lines[5] == "['float16', 'bfloat16'] True"
    assert lines[6] == ("tensor([1.5000, 1.5000], dtype=torch.bfloat16) torch.bfloat16")
    assert lines[7] == "<dtype: 'bfloat16'> <dtype: 'bfloat16'> True"


@pytest.mark.parametrize("when", ["after", "before"])
def test_ml_dtypes_imported_by_the_user_completes_the_tables(when):
    """Before or after dlcore: bfloat16 arrays are half floats, tensors print and promote as
    bfloat16, the eager dispatcher's bfloat16 path and the static front end know them."""
    imports = "import dlcore_eager as torch, dlcore_static as tf, dlcore"
    lines = _run(f"""
{imports if when == "after" else ""}
import ml_dtypes, numpy as np
{imports if when == "before" else ""}
from dlcore_eager import _dispatch
a = np.array([1.5, 2.25], ml_dtypes.bfloat16)
print(a.dtype in dlcore.dtypes.HALF, dlcore.dtypes.is_floating(a.dtype), _dispatch._BF16)
t = torch.from_numpy(a)
print(t * 2, (t + torch.ones(2, dtype=torch.int32)).dtype)
print(dlcore.dtypes.promote_types(a.dtype, np.dtype(np.float16)), tf.constant(a).dtype)
""")
    assert lines == ["True True bfloat16",
                     "tensor([3.0000, 4.5000], dtype=torch.bfloat16) torch.bfloat16",
                     "float32 <dtype: 'bfloat16'>"]


def test_without_ml_dtypes_bfloat16_is_missing_as_before():
    lines = _run("""
import sys
sys.modules["ml_dtypes"] = None          # (import ml_dtypes raises ImportError)
import dlcore_eager as torch, dlcore_static as tf, dlcore
print(hasattr(torch, "bfloat16"), hasattr(tf, "bfloat16"), dlcore.dtypes.bfloat16)
print("bfloat16" in dir(torch), "bfloat16" in dir(tf), "bfloat16" in dir(dlcore.dtypes))
for ask in (lambda: dlcore.dtypes.as_dtype("bfloat16"), lambda: torch.ones(2).bfloat16()):
    try:
        ask()
    except TypeError as e:
        print(e)
try:
    dlcore.dtypes.as_dtype("float7")
except TypeError as e:
    print(e)
""")
    assert lines == [
        "False False None",
        "False False True",
        "dlcore: bfloat16 needs the ml_dtypes package (pip install ml_dtypes)",
        "bfloat16 tensors need the ml_dtypes package (pip install ml_dtypes)",
        "dlcore: unsupported dtype 'float7'; expected one of float32, float64, int32, int64, "
        "bool, int8, uint8, int16, float16, complex64, complex128"]
