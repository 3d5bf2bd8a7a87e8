"""``tf.test``: what TensorFlow 1 programs ask about the machine (``is_gpu_available``,
``is_built_with_cuda``, ``gpu_device_name``) and the base class of TF1-style unit tests
(``tf.test.TestCase`` with ``self.session()``/``self.evaluate``/``assertAllClose``,
``tf.test.main``).

A GPU counts when numba.cuda finds a real one (Numba's CUDA simulator does not count: it runs
the CUDA kernels on the CPU, for tests); "built with CUDA" means the numba-cuda package is
installed, which is what dlcore's CUDA kernels need.
"""

from __future__ import annotations

import contextlib
import importlib.util
import unittest
from typing import TYPE_CHECKING

import numpy as np

from dlcore.device import cuda_available, cuda_simulator

from .gradient_checker import compute_gradient, compute_gradient_error

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "TestCase",
    "compute_gradient",
    "compute_gradient_error",
    "gpu_device_name",
    "is_built_with_cuda",
    "is_built_with_gpu_support",
    "is_gpu_available",
    "main",
]


def is_built_with_cuda() -> bool:
    """True when the numba-cuda package (dlcore's CUDA kernels) is installed.

    Example::

        >>> import dlcore_static as tf
        >>> isinstance(tf.test.is_built_with_cuda(), bool)
        True
    """
    return importlib.util.find_spec("numba_cuda") is not None


is_built_with_gpu_support = is_built_with_cuda


def is_gpu_available(cuda_only: bool = False, min_cuda_compute_capability=None) -> bool:
    """True when a real NVIDIA GPU can run dlcore's CUDA kernels (with compute capability at
    least ``min_cuda_compute_capability``, a ``(major, minor)`` pair, when given).

    Example::

        >>> import dlcore_static as tf
        >>> isinstance(tf.test.is_gpu_available(), bool)
        True
    """
    if cuda_simulator() or not is_built_with_cuda() or not cuda_available():
        return False
    if min_cuda_compute_capability is None:
        return True
    from numba import cuda
    try:
        cc = tuple(cuda.get_current_device().compute_capability)
    except Exception:  # noqa: BLE001 - no usable device after all
        return False
    return cc >= tuple(min_cuda_compute_capability)


def gpu_device_name() -> str:
    """``'/device:GPU:0'`` when a GPU is available, else ``''``.

    Example::

        >>> import dlcore_static as tf
        >>> tf.test.gpu_device_name() in ("", "/device:GPU:0")
        True
    """
    return "/device:GPU:0" if is_gpu_available() else ""


class TestCase(unittest.TestCase):
    """``tf.test.TestCase``: each test builds in a fresh default graph; ``self.session()``
    (also ``cached_session``/``test_session``) opens a Session on it; ``self.evaluate(t)`` runs
    tensors in the current session; ``assertAllClose``/``assertAllEqual`` compare nested
    values as NumPy arrays.

    Example::

        >>> import dlcore_static as tf
        >>> class T(tf.test.TestCase):
        ...     def test_add(self):
        ...         with self.session():
        ...             self.assertAllClose(self.evaluate(tf.add(1.0, 2.0)), 3.0)
        >>> import unittest
        >>> unittest.TextTestRunner(stream=open("/dev/null", "w")).run(
        ...     unittest.defaultTestLoader.loadTestsFromTestCase(T)).wasSuccessful()
        True
    """

    _current: Session | None        # the session self.evaluate uses (none before the first)

    def setUp(self) -> None:
        super().setUp()
        from .graph import Graph
        self._graph = Graph()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        self._sess: Session | None = None

    def tearDown(self) -> None:
        if self._sess is not None:
            self._sess.close()
        self._graph_ctx.__exit__(None, None, None)
        super().tearDown()

    def get_temp_dir(self) -> str:
        import tempfile
        if not hasattr(self, "_tmp"):
            self._tmp = tempfile.mkdtemp()
        return self._tmp

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu: bool = False, force_gpu: bool = False):
        from .session import Session
        with Session(graph=graph or self._graph, config=config) as sess:
            prev, self._current = getattr(self, "_current", None), sess
            try:
                yield sess
            finally:
                self._current = prev

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu: bool = False,
                       force_gpu: bool = False):
        from .session import Session
        if self._sess is None:
            self._sess = Session(graph=graph or self._graph, config=config)
        sess = self._sess
        prev, self._current = getattr(self, "_current", None), sess
        with sess.graph.as_default():
            try:
                yield sess
            finally:
                self._current = prev

    def test_session(self, graph=None, config=None, use_gpu: bool = False,
                     force_gpu: bool = False):
        """Deprecated spelling of :meth:`cached_session` (skipped when the loader collects it
        as a test, as in TensorFlow)."""
        if self.id().endswith(".test_session"):
            self.skipTest("Not a test.")
        return self.cached_session(graph, config, use_gpu, force_gpu)

    def evaluate(self, tensors):
        sess = getattr(self, "_current", None)
        if sess is None:
            from .session import get_default_session
            sess = get_default_session()
        if sess is None:
            raise ValueError("evaluate: no session; use `with self.session():` or "
                             "`with self.cached_session():`")
        return sess.run(tensors)

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol,
                                   err_msg=msg or "")

    def assertAllEqual(self, a, b, msg=None):
        a, b = np.asarray(a), np.asarray(b)
        self.assertEqual(a.shape, b.shape, msg)
        np.testing.assert_array_equal(a, b, err_msg=msg or "")

    def assertRaisesOpError(self, expected_err_re_or_predicate):
        """``with self.assertRaisesOpError("regex"):``: the block raises a
        ``tf.errors.OpError`` whose message matches (or for which the predicate is true)."""
        from .errors import OpError
        if callable(expected_err_re_or_predicate):
            return _PredicateRaises(self, OpError, expected_err_re_or_predicate)
        return self.assertRaisesRegex(OpError, expected_err_re_or_predicate)

    def assertShapeEqual(self, np_array, tf_tensor, msg=None):
        self.assertEqual(list(np.asarray(np_array).shape), tf_tensor.shape.as_list(), msg)


class _PredicateRaises:
    def __init__(self, case, cls, predicate):
        self.case, self.cls, self.predicate = case, cls, predicate

    def __enter__(self):
        return self

    def __exit__(self, typ, value, tb):
        if typ is None or not issubclass(typ, self.cls):
            self.case.fail(f"{self.cls.__name__} not raised")
        if not self.predicate(value):
            self.case.fail(f"exception {value!r} does not satisfy the predicate")
        return True


def main(argv=None) -> None:
    """Run the tests of ``__main__`` (``unittest.main``)."""
    unittest.main(argv=argv)
