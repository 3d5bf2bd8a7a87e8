"""dlcore: the kernel core shared by dlcore_static (TensorFlow-1 style) and dlcore_eager
(PyTorch style).

* ``dlcore.dtypes``    float32 (default), float64, int32, int64, bool; NumPy promotion.
* ``dlcore.device``    'cpu' / 'cuda:0' buffers and counted host/device copies.
* ``dlcore.registry``  one definition per primitive, and ``bind``, the one dispatch point.
* ``dlcore.ops``       the functional ops (primitives and composites).
* ``dlcore.autodiff``  the one reverse-mode routine.

Nothing here is compiled at import: Numba kernels compile on first use and are cached on disk.
"""

import os as _os

# Numba's OpenMP workers spin after a parallel region and steal the cores that BLAS needs next;
# make them sleep instead (see DESIGN.md, Threads).  Users can override before importing dlcore.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Numba formats every failed overload attempt of its type inference with colorama (two stream
# wrappers per message, thousands per kernel) even in its default no-colour theme: 3-5% of each
# kernel's compile time (LeNet-5's 2x2 max pool: 2.41 -> 2.23 s CPU).  Its messages lose only the
# bold escape codes.  Users can override before importing dlcore.
_os.environ.setdefault("NUMBA_DISABLE_ERROR_MESSAGE_HIGHLIGHTING", "1")

# Numba is imported lazily (first kernel call); make an interrupted import recoverable.
from . import _import_guard  # noqa: E402
_import_guard.install()

# dlcore's own kernels keep their compiled code in one per-user cache keyed by content, shared by
# every checkout (see kernel_cache.py); registered when Numba's caching module is imported.
from . import kernel_cache as _kernel_cache  # noqa: E402
_kernel_cache.install()

# Numba's first kernel, compiled or loaded, probes for BLAS by importing scipy.linalg (0.3-0.45 s)
# although dlcore's kernels call no BLAS in Numba: answered from the files (runtime.py).
from .kernels.cpu import runtime as _runtime

_runtime.install_import_hooks()

# In Jupyter/IPython, a warning raised from a cell names the cell ("Cell In[3], line 6"), not the
# kernel's temporary file; nothing changes elsewhere (see _ipython.py).
from . import _ipython  # noqa: E402
_ipython.install()

from . import autodiff, device, dtypes, errors, ops, registry  # noqa: E402
from .device import (CPU, Device, as_device, cuda_available, cuda_simulator,  # noqa: E402
                     reset_transfer_stats, to_device, to_host, transfer_stats)
from .registry import PRIMITIVES, AVal, Primitive, aval_of, bind  # noqa: E402
from .kernels.cpu.runtime import runtime_info  # noqa: E402

__version__ = "0.1.0"
__all__ = ["autodiff", "device", "dtypes", "errors", "ops", "registry", "CPU", "Device",
           "as_device", "cuda_available", "cuda_simulator", "reset_transfer_stats",
           "to_device", "to_host", "transfer_stats", "PRIMITIVES", "AVal", "Primitive",
           "aval_of", "bind", "runtime_info", "__version__"]
