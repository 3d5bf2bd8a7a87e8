"""Float32 products of direct shape inside the compiled segments (issue 19, the control-flow step).

``gemm_direct`` calls OpenBLAS's unpacked kernel (``sgemm_direct_SKYLAKEX``) from the Python
glue between segments.  The kernel is reached through an LLVM symbol, so a Numba function can
call it as well: ``gemm32`` (defined in ``gemm_direct``).  A matmul of direct shape (``gemm_direct.direct_shape``, float32,
the kernel found) is then written into the segment like any other node
(``emit_numba.Emitter.prim_matmul``), with these effects:

* a ``cond`` whose branches hold such products compiles whole (``if pred: ... else: ...`` in
  the plan's Numba code) instead of running as an executor calling a compiled sub-program per
  branch: the control-flow step's ``cond`` and its gradient (``g @ W^T`` and ``h^T @ g``);
* a loop body or gradient body (``h = tanh(h @ W)``, ``g' = (g * (1 - h^2)) @ W^T``) is one
  segment call per iteration, the product, the activation and the loop's counter and
  predicate in one Numba function, instead of glue lines around a BLAS call;
* a plan's products join the segments around them (fewer segment calls and glue lines).

The same bits as the glue's call (the same kernel, on the same operands): operands are made
C-contiguous first (Numba's ``np.ascontiguousarray``: the array itself when it is one), and an
operand that is the transpose of a matrix the segment holds (a weight gradient's ``x^T @ g``, a
gradient's ``g @ W^T``) is copied by ``transpose._transpose_into`` (16x16 register tiles),
as ``gemm_direct.transposed_a_text`` and ``loop_invariants.copy_b_text`` copy it in the glue.

``DLCORE_GEMM_IN_NUMBA=0`` keeps every product in the glue (as before); where the kernel is not
available (``available``: another CPU, or ``OPENBLAS_CORETYPE`` naming other kernels) the
products stay in the glue whatever the variable says.

Caching: Numba's disk cache of a function is keyed on its own file (``NUMBA_CACHE_DIR`` set;
else ``dlcore.kernel_cache`` adds the dlcore modules it imports), and a caller's machine code
holds its callees linked in.  So ``gemm32`` lives in ``gemm_direct.py`` with the kernel's call
(``_call``) and ``tcopy32`` in ``transpose.py`` with the tiles: each file holds all that its
cached function calls.  ``tcopy32`` calls the tiled transpose as a C function through a symbol
(``transpose.call_into``, registered by ``available``) instead of linking its code into every
segment.  A generated module that calls them imports them with a hash of this module's,
``gemm_direct``'s and ``transpose``'s text (``import_line``): an edit of any of them changes the
module's text (hence its file and its cache entry) instead of loading a segment that holds the
old code.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
from pathlib import Path

import numpy as np

from .gemm_direct import direct_shape, gemm32, segment_shape, transposed_source
from .transpose import tcopy32

__all__ = ["ENABLED", "available", "direct_operands", "direct_product", "gemm32", "import_line",
           "lines", "operand", "tcopy32"]      # gemm32, tcopy32: for the generated modules

ENABLED = os.environ.get("DLCORE_GEMM_IN_NUMBA", "1") != "0"
_F32 = np.dtype(np.float32)


def available() -> bool:
    """Whether the unpacked kernel runs here (``gemm_direct.available``) and its symbol is
    registered for Numba's linker (asked of LLVM: a segment calling ``gemm32`` without it
    would fail to link)."""
    from llvmlite import binding as llvm

    from . import gemm_direct, transpose
    if not gemm_direct.available() or not llvm.address_of_symbol(gemm_direct._SYMBOL):
        return False
    transpose.register()                     # tcopy32's callee, before any segment links it
    return True


def direct_operands(sa: tuple, da, sb: tuple, db, small: bool = True) -> bool:
    """Is ``a @ b`` of shapes ``sa``, ``sb`` (None: unknown) and dtypes ``da``, ``db`` a
    float32 product of direct shape that a segment runs by ``gemm32``?  The one test for the
    products written into segments (``direct_product``: ``gemm_direct.segment_shape``, small
    products included) and the loop gradients summed in them
    (``accumulators._summed_in_segment``: ``small=False``, ``gemm_direct.direct_shape``: a
    small loop's gradient stays a stacked product after the loop)."""
    if not ENABLED or len(sa) != 2 or len(sb) != 2 or None in sa + sb or da != _F32 or \
            db != _F32 or sa[1] != sb[0]:
        return False
    shape = segment_shape if small else direct_shape
    return shape(int(sa[0]), int(sa[1]), int(sb[1])) and available()


def direct_product(n) -> bool:
    """Is IR matmul node ``n`` a float32 product of direct shape that runs in a segment?"""
    if not ENABLED or n.params or len(n.inputs) != 2:
        return False
    from dlcore.kernels.cpu import linalg as cpu_linalg
    a, b = n.inputs
    return n.prim.kernels.get("cpu") is cpu_linalg.matmul and \
        direct_operands(tuple(a.aval.shape), a.aval.dtype, tuple(b.aval.shape), b.aval.dtype)


def lines(out: str, a_text: str, b_text: str, mkn: tuple | None = None) -> list[str]:
    """The segment's statement for ``out = a @ b`` (operand texts as ``operand`` gives):
    MKL's sgemm (``mkl32``) for a product of shape ``mkn`` that ``kernels.cpu.gemm_mkl``
    takes, as the glue and the eager kernel do (the same bits), else the direct kernel.
    Inside Numba MKL was faster than the direct kernel at every segment shape measured
    (1 thread, min of 9, us: 64x128x128 16.2 vs 12.2, 64x256x128 34.6 vs 26.3, 20x200x400
    27.2 vs 20.3, 2x64x64 0.79 vs 0.58), but for the products gemm_mkl does not take the glue
    and the interpreter keep OpenBLAS (NumPy's ``dot`` is cheaper to call from Python there),
    so the segments do too and a plan's values stay the interpreter's bit for bit.  The
    operands are passed read-only (``c_ro``: one compiled signature for committed variables
    and values made in the segment alike)."""
    from dlcore.kernels.cpu import gemm_mkl
    fn = "mkl32" if mkn is not None and gemm_mkl.takes(*mkn) else "gemm32"
    return [f"{out} = {fn}(c_ro({a_text}), c_ro({b_text}))"]


def tcopy_text(name: str) -> str:
    """The segment's text for the tiled copy of ``name``'s transpose: ``tcopy32`` of it
    read-only (``c_ro``, as ``lines`` passes the GEMM's operands)."""
    return f"tcopy32(c_ro({name}))"


def operand(v, names: dict) -> str:
    """The text of a product's operand ``v``: ``tcopy32(x)`` when ``v`` is the transpose of a
    matrix ``x`` the segment names, else ``v``'s own name (``gemm32`` makes it C-contiguous)."""
    x = transposed_source(v)
    if x is not None and x in names:
        return tcopy_text(names[x])
    return names[v]


def _source(mod) -> bytes:
    """The text of module ``mod``: its file (``__file__``, else its spec's origin), else what
    ``inspect`` finds (a module loaded without a file name)."""
    spec = getattr(mod, "__spec__", None)
    for name in (getattr(mod, "__file__", None), getattr(spec, "origin", None)):
        if name and os.path.isfile(name):
            return Path(name).read_bytes()
    return inspect.getsource(mod).encode()


@functools.cache
def _tag() -> str:
    """A hash of this module's, ``gemm_direct``'s and ``transpose``'s text (``import_line``)."""
    import sys

    from . import gemm_direct, transpose
    h = hashlib.sha1()
    for mod in (gemm_direct, transpose, sys.modules[__name__]):
        h.update(_source(mod))
    return h.hexdigest()[:12]


def import_line(text: str) -> str:
    """The import lines a generated module's ``text`` needs for its ``gemm32``/``tcopy32``
    and ``mkl32`` calls, or ''.  ``mkl32``'s line first makes sure MKL's symbol is registered
    (``gemm_mkl.available``) and carries a hash of ``_gemm_mkl_jit``'s text."""
    out = ""
    if "gemm32(" in text or "tcopy32(" in text:
        out += ("from dlcore_static.compiler.gemm_in_numba import gemm32, tcopy32  "
                f"# gemm_in_numba.py gemm_direct.py transpose.py {_tag()}\n")
    if "mkl32(" in text:
        out += ("from dlcore.kernels.cpu.gemm_mkl import available as _mkl_available\n"
                "_mkl_available()\n"
                "from dlcore.kernels.cpu._gemm_mkl_jit import mkl32  "
                f"# _gemm_mkl_jit.py {_mkl_tag()}\n")
    return out


@functools.cache
def _mkl_tag() -> str:
    """A hash of ``_gemm_mkl_jit``'s text (``import_line``)."""
    from dlcore.kernels.cpu import _gemm_mkl_jit
    return hashlib.sha1(_source(_gemm_mkl_jit)).hexdigest()[:12]
