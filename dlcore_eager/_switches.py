"""The thread, determinism and printing switches of ``torch``: ``set_num_threads``/
``get_num_threads``, ``use_deterministic_algorithms``/``are_deterministic_algorithms_enabled``
and ``set_printoptions`` (installed on ``dlcore_eager`` from ``_extra_ops.FUNCTIONS``)."""

from __future__ import annotations

import numpy as np

_DETERMINISTIC = [False]


def set_num_threads(n: int) -> None:
    """The number of threads of dlcore's parallel CPU kernels (Numba's), and the most that
    NumPy's BLAS may use for a large GEMM (``dlcore.kernels.cpu.blas_threads``), as
    ``torch.set_num_threads`` sets PyTorch's intra-op pool and its BLAS."""
    import numba

    from dlcore.kernels.cpu import blas_threads
    numba.set_num_threads(int(n))
    blas_threads.set_ceiling(int(n))


def get_num_threads() -> int:
    """The number of threads of dlcore's parallel CPU kernels."""
    import numba
    return int(numba.get_num_threads())


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded (``are_deterministic_algorithms_enabled``); dlcore's CPU kernels are
    deterministic already, its CUDA atomics (``scatter_add``, ``index_add``) are not."""
    _DETERMINISTIC[0] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    """What ``use_deterministic_algorithms`` last set."""
    return _DETERMINISTIC[0]


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """PyTorch's printing options (``_format.PRINT_OPTS``, read by Tensor's repr): a
    profile first, then the options given; ``sci_mode`` always set (None: automatic)."""
    from ._format import PRINT_OPTS
    if profile is not None:
        profiles: dict[str, dict] = {"default": dict(precision=4, threshold=1000, edgeitems=3),
                                     "short": dict(precision=2, threshold=1000, edgeitems=2),
                                     "full": dict(precision=4, threshold=np.inf, edgeitems=3)}
        PRINT_OPTS.update(profiles.get(profile, {}), linewidth=80)
    PRINT_OPTS.update({k: v for k, v in dict(precision=precision, threshold=threshold,
                                             edgeitems=edgeitems, linewidth=linewidth).items()
                       if v is not None}, sci_mode=sci_mode)
