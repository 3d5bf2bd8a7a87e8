"""TensorFlow 1 long-tail names: ``tf.compat.v1`` (and the v2-behaviour switches), ``tf.random``
(with ``shuffle``/``categorical``), ``tf.GPUOptions``, ``tf.test``, ``tf.io.gfile``; values
against NumPy, errors by type and message; the docstring examples of these functions run."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import dlcore_static as tf


# ============================================================================ tf.compat.v1
def test_compat_v1_module_is_dlcore_static():
    import dlcore_static.compat.v1 as v1  # noqa: PLR0402 - the spelling under test
    assert v1.placeholder is tf.placeholder and tf.compat.v1.Session is tf.Session
    assert v1.compat.v1.train is tf.train                  # tf.compat.v1.X inside compat.v1
    assert "placeholder" in dir(v1) and "disable_v2_behavior" in dir(v1)
    from dlcore_static.compat.v1 import placeholder  # noqa: F401 - from-import works
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        v1.no_such_name  # noqa: B018


def test_program_written_for_compat_v1_runs():
    v1 = importlib.import_module("dlcore_static.compat.v1")
    v1.disable_v2_behavior()
    v1.disable_eager_execution()
    assert v1.executing_eagerly() is False
    x = v1.placeholder(v1.float32, [None, 2])
    w = v1.get_variable("w", initializer=v1.constant([[1.0], [2.0]]))
    y = v1.matmul(x, w)
    with v1.Session() as s:
        s.run(v1.global_variables_initializer())
        np.testing.assert_allclose(s.run(y, {x: [[1.0, 1.0], [2.0, 0.5]]}), [[3.0], [3.0]])


@pytest.mark.parametrize("call", ["enable_eager_execution", "enable_v2_behavior"])
def test_eager_switches_are_refused(call):
    with pytest.raises(NotImplementedError, match=f"tf.{call}: dlcore_static runs TensorFlow 1 "
                                                  "graphs only.*dlcore_eager"):
        getattr(tf.compat.v1, call)()


def test_compat_string_helpers():
    assert tf.compat.as_bytes("é") == "é".encode() and tf.compat.as_text(b"ab") == "ab"
    assert tf.compat.as_str_any(b"x") == "x"
    with pytest.raises(TypeError, match="Expected binary or unicode string, got 3"):
        tf.compat.as_bytes(3)


# ============================================================================ tf.random
def test_random_names_are_the_tf1_ops():
    assert tf.random.normal is tf.random_normal and tf.random.uniform is tf.random_uniform
    assert tf.random.truncated_normal is tf.truncated_normal
    assert tf.random.set_random_seed is tf.set_random_seed
    assert tf.random.shuffle is tf.random_shuffle and tf.random.multinomial is tf.multinomial
    tf.random.set_random_seed(5)
    a = tf.random.normal([3], seed=1)
    with tf.Session() as s1, tf.Session() as s2:
        np.testing.assert_array_equal(s1.run(a), s2.run(a))     # graph + op seed repeat


def test_shuffle_permutes_the_first_dimension_anew_each_run():
    x = np.arange(12.0).reshape(6, 2)
    y = tf.random.shuffle(x, seed=3)
    assert y.shape.as_list() == [6, 2]
    with tf.Session() as s:
        runs = [s.run(y) for _ in range(5)]
    for r in runs:                                 # rows kept whole, all of them present
        np.testing.assert_array_equal(np.sort(r[:, 0]), x[:, 0])
        np.testing.assert_array_equal(r[:, 1], r[:, 0] + 1)
    assert len({tuple(r[:, 0]) for r in runs}) > 1
    with tf.Session() as s:                        # a new Session repeats the sequence
        np.testing.assert_array_equal(s.run(y), runs[0])
    (g,) = tf.gradients(tf.reduce_sum(y), [tf.constant(x)])
    assert g is None


def test_categorical_frequencies_match_softmax():
    logits = np.log(np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]))
    s = tf.random.categorical(logits, 4000, seed=7)
    assert s.dtype == tf.int64 and s.shape.as_list() == [2, 4000]
    with tf.Session() as sess:
        v = sess.run(s)
    for b in range(2):
        freq = np.bincount(v[b], minlength=3) / 4000
        np.testing.assert_allclose(freq, np.exp(logits[b]), atol=0.03)
    s32 = tf.multinomial([[0.0, -np.inf]], 3, output_dtype=tf.int32, seed=1)
    with tf.Session() as sess:
        assert sess.run(s32).tolist() == [[0, 0, 0]] and s32.dtype == tf.int32


def test_categorical_errors():
    with pytest.raises(ValueError, match="Shape must be rank 2 but is rank 1 for 'Multinomial'"):
        tf.multinomial([0.0, 1.0], 2)
    with pytest.raises(ValueError, match="num_samples should be nonnegative"):
        tf.random.categorical([[0.0, 1.0]], -1)
    with pytest.raises(TypeError, match="DataType int32 not in list"):
        tf.random.categorical(tf.constant([[1, 2]]), 1)


# ============================================================================ config, test, io
def test_gpu_options_in_config_proto():
    opts = tf.GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=0.4)
    cfg = tf.ConfigProto(gpu_options=opts, allow_soft_placement=True,
                         intra_op_parallelism_threads=2)
    assert cfg.gpu_options.allow_growth and cfg.gpu_options.per_process_gpu_memory_fraction == 0.4
    assert cfg.intra_op_parallelism_threads == 2
    cfg2 = tf.ConfigProto()
    cfg2.gpu_options.allow_growth = True              # the other TF1 spelling
    with tf.Session(config=cfg2) as s:
        assert s.run(tf.constant(2.0) * 3) == 6.0
    with pytest.raises(ValueError, match='Protocol message GPUOptions has no "allow_grow" field'):
        tf.GPUOptions(allow_grow=True)
    with pytest.raises(TypeError, match="'half' has type str, but expected one of"):
        tf.GPUOptions(per_process_gpu_memory_fraction="half")
    with pytest.raises(TypeError, match="expected GPUOptions got dict"):
        tf.ConfigProto(gpu_options={"allow_growth": True})


def test_test_module_reports_the_machine(monkeypatch):
    assert isinstance(tf.test.is_built_with_cuda(), bool)
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")      # the simulator is not a GPU
    assert tf.test.is_gpu_available() is False and tf.test.gpu_device_name() == ""


def test_test_case_runs_tf1_style_tests():
    import unittest

    class T(tf.test.TestCase):
        def test_ok(self):
            x = tf.constant([1.0, 2.0])
            with self.session():
                self.assertAllClose(self.evaluate(x * 2), [2.0, 4.0])
            with self.cached_session() as s:
                self.assertAllEqual(s.run(tf.shape(x)), [2])
                self.assertShapeEqual(np.zeros(2), x)

        def test_fails(self):
            with self.session():
                self.assertAllClose(self.evaluate(tf.constant(1.0)), 2.0)

    res = unittest.TextTestRunner(stream=open("/dev/null", "w")).run(  # noqa: SIM115
        unittest.defaultTestLoader.loadTestsFromTestCase(T))
    assert len(res.failures) == 1 and not res.errors and len(res.skipped) == 1
    assert "test_fails" in str(res.failures[0][0])


def test_compute_gradient_and_its_error():
    x = tf.placeholder(tf.float64, [2, 3])
    w = np.arange(6.0).reshape(3, 2)
    y = tf.matmul(x, w) ** 2
    x0 = RNG_VALUES.reshape(2, 3)
    with tf.Session():
        theory, numeric = tf.test.compute_gradient(x, [2, 3], y, [2, 2], x_init_value=x0)
        err = tf.test.compute_gradient_error(x, [2, 3], y, [2, 2])
        both = tf.test.compute_gradient([x, tf.constant(1.0, tf.float64)], [[2, 3], []],
                                        y, [2, 2], x_init_value=[x0, None])
    expected = np.zeros((6, 4))                   # d (x w)_ab^2 / d x_ij = 2 (x w)_ab w_jb [a=i]
    xw = x0 @ w
    for i, j in np.ndindex(2, 3):
        for a, b in np.ndindex(2, 2):
            expected[i * 3 + j, a * 2 + b] = 2 * xw[a, b] * w[j, b] * (a == i)
    np.testing.assert_allclose(theory, expected, rtol=1e-12)
    np.testing.assert_allclose(numeric, expected, rtol=1e-6)
    assert err < 1e-6 and len(both) == 2 and both[1][0].shape == (1, 4)
    np.testing.assert_array_equal(both[1][0], 0.0)          # y does not depend on it
    with pytest.raises(ValueError, match="No default session is registered"):
        tf.test.compute_gradient(x, [2, 3], y, [2, 2])


def test_assert_raises_op_error():
    import unittest

    class T(tf.test.TestCase):
        def test_it(self):
            p = tf.placeholder(tf.float32)
            with self.session() as s, self.assertRaisesOpError("You must feed a value"):
                s.run(p)
            with self.session() as s, self.assertRaisesOpError(
                    lambda e: isinstance(e, tf.errors.InvalidArgumentError)):
                s.run(p)

    res = unittest.TextTestRunner(stream=open("/dev/null", "w")).run(  # noqa: SIM115
        unittest.defaultTestLoader.loadTestsFromTestCase(T))
    assert res.wasSuccessful(), res.failures + res.errors


RNG_VALUES = np.random.default_rng(2).standard_normal(6)


def test_io_gfile_snake_case(tmp_path):
    d = tmp_path / "a" / "b"
    tf.io.gfile.makedirs(str(d))
    with tf.io.gfile.GFile(str(d / "f.txt"), "w") as f:
        f.write("hi")
    assert tf.io.gfile.exists(str(d / "f.txt")) and tf.io.gfile.isdir(str(d))
    assert tf.io.gfile.listdir(str(d)) == ["f.txt"]
    assert tf.io.gfile.glob(str(d / "*.txt")) == [str(d / "f.txt")]
    tf.io.gfile.copy(str(d / "f.txt"), str(d / "g.txt"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.io.gfile.copy(str(d / "f.txt"), str(d / "g.txt"))
    tf.io.gfile.rename(str(d / "g.txt"), str(d / "h.txt"))
    assert sorted(tf.io.gfile.listdir(str(d))) == ["f.txt", "h.txt"]
    assert [w[0] for w in tf.io.gfile.walk(str(tmp_path))][:1] == [str(tmp_path)]
    tf.io.gfile.rmtree(str(tmp_path / "a"))
    assert not tf.io.gfile.exists(str(d))
    with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
        tf.io.gfile.GFile(str(d / "f.txt"))


# ============================================================================ docstring examples
DOC_MODULES = ["dlcore_static.behavior", "dlcore_static.compat", "dlcore_static.random_extra",
               "dlcore_static.test", "dlcore_static.gradient_checker"]


@pytest.mark.parametrize("module", DOC_MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(mod) if t.examples]
    assert tests
    for t in tests:
        with tf.Graph().as_default():
            runner.run(t)
    assert runner.failures == 0


def test_gpu_options_example_runs():
    runner = doctest.DocTestRunner()
    for t in doctest.DocTestFinder().find(tf.GPUOptions):
        runner.run(t)
    assert runner.tries and runner.failures == 0
