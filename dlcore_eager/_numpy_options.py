"""NumPy numbers given as the float options of ``torch.nn.functional`` functions (an annealed
``np.float64`` margin, eps or p from a training loop) read as Python numbers, as PyTorch's
argument parser reads them.

That rule is now the eager front end's, for every op: ``_dispatch_general.numpy_number``, which
``EagerFrontend.apply``'s operand conversion and the core's promotion
(``dlcore.ops._promote``) apply to a NumPy number beside a tensor.  The 15 per-function
wrappers this module installed (commit 68b526e) are gone: every option of theirs reaches one of
those two places (tests/eager/test_numpy_scalar_operands.py runs each of them without a
wrapper).  ``install`` is kept, empty, for ``_dtype_guards_nn.install``'s call until that call
is removed (requested of that file's owner); then this module can go."""

from __future__ import annotations


def install(functional) -> None:
    """Nothing to install (see the module docstring)."""
    del functional
