"""TensorFlow's functions for dlcore's decompositions (``dlcore.ops.decompositions``): the
``linalg`` convention of :mod:`dlcore_static._api` picks the function for each public name.

``tf.linalg.inv`` / ``tf.matrix_inverse`` (``adjoint``: invert the transpose) and
``tf.linalg.svd`` / ``tf.svd``, which returns ``(s, u, v)`` (V, not V^T; ``full_matrices=False``
by default; ``compute_uv=False``: s alone).  Integer input is a TypeError when the graph is
built, a singular matrix an InvalidArgumentError when it runs.
"""

from __future__ import annotations

from dlcore import ops as _ops

from ._convert import _scoped


def inv(input, adjoint: bool = False, name: str | None = None):  # noqa: A002 - TF's name
    """The inverse of each square matrix (of its transpose with ``adjoint=True``)."""
    def f(x):
        return _ops.inv(_ops.matrix_transpose(x) if adjoint else x)
    return _scoped("MatrixInverse", name, f, input)


def svd(tensor, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None):
    """``(s, u, v)`` with ``tensor = u diag(s) v^T`` (``s`` alone if not ``compute_uv``)."""
    if not compute_uv:
        return _scoped("Svd", name, _ops.svdvals, tensor)

    def f(x):
        u, s, vh = _ops.svd(x, full_matrices)
        return s, u, _ops.matrix_transpose(vh)
    return _scoped("Svd", name, f, tensor)


_FUNCTIONS = {("inv", "tf.linalg", "inv"): inv, ("inv", "tf", "matrix_inverse"): inv,
              ("svd", "tf.linalg", "svd"): svd, ("svd", "tf", "svd"): svd}


def adapter(op: str, ns: str, name: str):
    """The function installed as ``ns.name`` for dlcore op ``op``."""
    from . import linalg_solve
    try:
        return _FUNCTIONS.get((op, ns, name)) or linalg_solve._FUNCTIONS[(op, ns, name)]
    except KeyError:
        raise NotImplementedError(f"dlcore_static: no TensorFlow adapter for {ns}.{name} "
                                  f"(op '{op}') in linalg_decomp") from None
