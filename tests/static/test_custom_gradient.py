"""tf.custom_gradient, tf.RegisterGradient and Graph.gradient_override_map, written as the TF1
programs that use them write them (the log1pexp example of TensorFlow's docs, the DANN
gradient-reversal layer, guided backprop), checked against NumPy and finite differences, through
tf.gradients and optimizer.minimize, with and without the compiler's passes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import dlcore_static as tf

from static_gradcheck import numeric_grad

_ids = itertools.count()


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_ids)}_{id(object())}"


class FlipGradientBuilder:
    """The gradient-reversal layer as the DANN reference code (pumpikano/tf-dann) writes it."""

    def __init__(self):
        self.num_calls = 0

    def __call__(self, x, l=1.0):
        grad_name = _unique("FlipGradient")

        @tf.RegisterGradient(grad_name)
        def _flip_gradients(op, grad):
            return [tf.negative(grad) * l]

        g = tf.get_default_graph()
        with g.gradient_override_map({"Identity": grad_name}):
            y = tf.identity(x)
        self.num_calls += 1
        return y


@pytest.mark.parametrize("passes", [None, "all"])
def test_log1pexp_tutorial(passes):
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return tf.log(1 + e), grad

    x = tf.placeholder(tf.float32, [4])
    y = log1pexp(x)
    dy, = tf.gradients(y, x)
    plain, = tf.gradients(tf.log(1 + tf.exp(x)), x)
    xv = np.array([-2.0, 0.0, 1.0, 100.0], np.float32)
    with tf.Session(passes=passes) as s:
        yv, gv, pv = s.run([y, dy, plain], {x: xv})
    np.testing.assert_allclose(yv[:3], np.log1p(np.exp(xv[:3])), rtol=1e-6)
    np.testing.assert_allclose(gv, 1 / (1 + np.exp(-xv.astype(np.float64))), rtol=1e-6)
    assert np.isnan(pv[3]) and gv[3] == 1.0        # the point of the custom gradient


def test_custom_gradient_matches_finite_differences_and_has_second_derivative():
    @tf.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x
        return x * x * x, grad

    rng = np.random.default_rng(0)
    xv = rng.standard_normal((2, 3))
    w = rng.standard_normal((2, 3))
    x = tf.placeholder(tf.float64, [2, 3])
    y = cube(x)
    g, = tf.gradients(tf.reduce_sum(y * w), x)
    gg, = tf.gradients(tf.reduce_sum(g), x)           # through grad_fn's own ops
    with tf.Session() as s:
        gv, ggv = s.run([g, gg], {x: xv})
    np.testing.assert_allclose(gv, numeric_grad(lambda v: np.sum(v ** 3 * w), xv), rtol=1e-6)
    np.testing.assert_allclose(ggv, 6 * xv * w, rtol=1e-12)


def test_gradient_reversal_layer_dann():
    flip_gradient = FlipGradientBuilder()
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((5, 3)).astype(np.float32)
    dv = rng.integers(0, 2, (5, 1)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    domain = tf.placeholder(tf.float32, [None, 1])
    w_f = tf.Variable(rng.standard_normal((3, 4)).astype(np.float32), name="feature_w")
    w_d = tf.Variable(rng.standard_normal((4, 1)).astype(np.float32), name="domain_w")
    feat = tf.nn.relu(tf.matmul(x, w_f))
    l = tf.placeholder(tf.float32, [])
    logits = tf.matmul(flip_gradient(feat, l), w_d)
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=domain, logits=logits))
    plain_logits = tf.matmul(feat, w_d)
    plain = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=domain,
                                                                   logits=plain_logits))
    g_f, g_d = tf.gradients(loss, [w_f, w_d])
    p_f, p_d = tf.gradients(plain, [w_f, w_d])
    assert flip_gradient.num_calls == 1
    step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    for passes in (None, "all"):
        with tf.Session(passes=passes) as s:
            s.run(tf.global_variables_initializer())
            feed = {x: xv, domain: dv, l: 0.3}
            a, b, c, d = s.run([g_f, g_d, p_f, p_d], feed)
            np.testing.assert_allclose(a, -0.3 * c, rtol=1e-5, atol=1e-7)   # reversed, scaled
            np.testing.assert_allclose(b, d, rtol=1e-6)                      # above the flip
            w0 = s.run(w_f)
            s.run(step, feed)
            np.testing.assert_allclose(s.run(w_f), w0 - 0.5 * a, rtol=1e-5, atol=1e-6)


def test_guided_relu_backprop():
    name = _unique("GuidedRelu")

    @tf.RegisterGradient(name)
    def _guided_relu_grad(op, grad):
        return tf.where(0. < grad, grad * tf.cast(op.inputs[0] > 0., tf.float32),
                        tf.zeros_like(grad))

    g = tf.get_default_graph()
    x = tf.placeholder(tf.float32, [2, 4])
    w = tf.constant(np.array([[1., -2., 3., -1.], [0.5, 2., -1., 1.]], np.float32))
    with g.gradient_override_map({"Relu": name}):
        h = tf.nn.relu(x)
    outside = tf.nn.relu(x)                     # made after the block: TF's own gradient
    saliency, = tf.gradients(tf.reduce_sum(h * w), x)
    normal, = tf.gradients(tf.reduce_sum(outside * w), x)
    xv = np.array([[1., 2., -3., 4.], [-1., 2., 3., 0.5]], np.float32)
    with tf.Session() as s:
        sv, nv = s.run([saliency, normal], {x: xv})
    wv = np.array([[1., -2., 3., -1.], [0.5, 2., -1., 1.]])
    np.testing.assert_array_equal(sv, np.where(wv > 0, wv * (xv > 0), 0))
    np.testing.assert_array_equal(nv, wv * (xv > 0))


@pytest.mark.parametrize("passes", [None, "all"])
def test_custom_gradient_with_variables_and_minimize(passes):
    w = tf.Variable(np.array([1.0, 2.0, 3.0], np.float32), name="w")
    b = tf.Variable(np.array([0.5], np.float32), name="a_bias")

    @tf.custom_gradient
    def scaled(x):
        y = x * w + b

        def grad(dy, variables=None):
            assert [v.name for v in variables] == ["a_bias:0", "w:0"]   # sorted by name
            return dy * w * 10.0, [tf.reduce_sum(dy, keepdims=True), dy * x * 100.0]
        return y, grad

    x = tf.placeholder(tf.float32, [3])
    loss = tf.reduce_sum(scaled(x))
    gx, gw, gb = tf.gradients(loss, [x, w, b])
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    xv = np.array([1.0, -1.0, 2.0], np.float32)
    with tf.Session(passes=passes) as s:
        s.run(tf.global_variables_initializer())
        a, c, d = s.run([gx, gw, gb], {x: xv})
        s.run(train, {x: xv})
        np.testing.assert_allclose(s.run(w), [1.0 - 1.0, 2.0 + 1.0, 3.0 - 2.0], rtol=1e-6)
        np.testing.assert_allclose(s.run(b), [0.5 - 0.03], rtol=1e-6)
    np.testing.assert_allclose(a, [10.0, 20.0, 30.0])
    np.testing.assert_allclose(c, 100.0 * xv)
    np.testing.assert_allclose(d, [3.0])


def test_custom_gradient_two_inputs_two_outputs():
    @tf.custom_gradient
    def f(a, b):
        def grad(da, db):
            return da * 2.0 + db, da * 3.0 - db
        return (a * 2.0 + b * 3.0, a - b), grad

    a = tf.placeholder(tf.float64, [3])
    b = tf.placeholder(tf.float64, [3])
    y1, y2 = f(a, b)
    rng = np.random.default_rng(2)
    w1, w2 = rng.standard_normal(3), rng.standard_normal(3)
    ga, gb = tf.gradients(tf.reduce_sum(y1 * w1) + tf.reduce_sum(y2 * w2), [a, b])
    only1, = tf.gradients(tf.reduce_sum(y1 * w1), [a])
    with tf.Session() as s:
        av, bv, o1 = s.run([ga, gb, only1], {a: np.ones(3), b: np.ones(3)})
    np.testing.assert_allclose(av, 2 * w1 + w2)
    np.testing.assert_allclose(bv, 3 * w1 - w2)
    np.testing.assert_allclose(o1, 2 * w1)


def test_errors_with_tensorflow_wording():
    name = _unique("Twice")
    tf.RegisterGradient(name)(lambda op, g: g)
    with pytest.raises(KeyError, match=f"Registering two gradient with name '{name}'"):
        tf.RegisterGradient(name)(lambda op, g: g)
    with pytest.raises(TypeError, match="op_type must be a string"):
        tf.RegisterGradient(3)
    with pytest.raises(TypeError, match="mapping strings to strings"):
        tf.get_default_graph().gradient_override_map({"Identity": 1})

    v = tf.Variable(2.0)

    @tf.custom_gradient
    def uses_var(x):
        return x * v, lambda dy: dy
    with pytest.raises(TypeError, match="grad_fn must accept a keyword argument 'variables'"):
        uses_var(tf.constant(1.0))

    @tf.custom_gradient
    def wrong_count(x, y):
        return x * y, lambda dy: dy
    c1, c2 = tf.constant(1.0), tf.constant(2.0)
    out = wrong_count(c1, c2)
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        tf.gradients(out, [c1])

    @tf.custom_gradient
    def kw(x, scale=1.0):
        return x, lambda dy: dy
    with pytest.raises(ValueError, match="keywords arguments only when eager"):
        kw(tf.constant(1.0), scale=2.0)

    x = tf.placeholder(tf.float32, [])
    with tf.get_default_graph().gradient_override_map({"Identity": _unique("Unregistered")}):
        y = tf.identity(x)
    with pytest.raises(LookupError, match="gradient registry has no entry for"):
        tf.gradients(y, x)


def test_override_survives_export_and_import_meta_graph(tmp_path):
    name = _unique("RevSave")

    @tf.RegisterGradient(name)
    def _rev(op, grad):
        return [-grad]

    x = tf.placeholder(tf.float32, [2], name="x")
    with tf.get_default_graph().gradient_override_map({"Identity": name}):
        y = tf.identity(x, name="y")
    tf.reduce_sum(y * y, name="loss")
    path = str(tmp_path / "model.meta")
    tf.train.export_meta_graph(path)
    g2 = tf.Graph()
    with g2.as_default():
        tf.train.import_meta_graph(path)
        x2, loss2 = g2.get_tensor_by_name("x:0"), g2.get_tensor_by_name("loss:0")
        assert g2.get_operation_by_name("y").attrs["_gradient_op_type"] == name
        gx, = tf.gradients(loss2, x2)
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(gx, {x2: [1.0, 2.0]}), [-2.0, -4.0])


def test_py_func_with_gradient_recipe():
    """The widely copied TF1 recipe: a py_func whose gradient is given by RegisterGradient."""
    def py_func(func, inp, Tout, stateful=True, name=None, grad=None):
        rnd_name = _unique("PyFuncGrad")
        tf.RegisterGradient(rnd_name)(grad)
        g = tf.get_default_graph()
        with g.gradient_override_map({"PyFunc": rnd_name, "PyFuncStateless": rnd_name}):
            return tf.py_func(func, inp, Tout, stateful=stateful, name=name)

    def mysquare_grad(op, grad):
        return grad * 2.0 * op.inputs[0]

    x = tf.placeholder(tf.float64, [3])
    y = py_func(np.square, [x], [tf.float64], grad=mysquare_grad)[0]
    assert y.shape.ndims is None                 # py_func's output: rank unknown until run
    w = np.array([0.5, -1.0, 2.0])
    g, = tf.gradients(tf.reduce_sum(y * w), x)
    xv = np.array([1.0, 2.0, -3.0])
    for passes in (None, "all"):
        with tf.Session(passes=passes) as s:
            yv, gv = s.run([y, g], {x: xv})
        np.testing.assert_allclose(yv, xv ** 2)
        np.testing.assert_allclose(gv, numeric_grad(lambda v: np.sum(v ** 2 * w), xv),
                                   rtol=1e-7)


def test_custom_gradient_inside_cond_and_while_loop():
    @tf.custom_gradient
    def clip_gradient(x):
        def grad(dy):
            return tf.clip_by_value(dy, -0.1, 0.1)
        return tf.identity(x), grad

    x = tf.placeholder(tf.float32, [3])
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: clip_gradient(x) * 5.0, lambda: x * 5.0)
    g, = tf.gradients(tf.reduce_sum(y), x)
    _, out = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, clip_gradient(v) * 2.0),
                           [tf.constant(0), x])
    g2, = tf.gradients(tf.reduce_sum(out), x)
    xv = np.array([1.0, 2.0, 3.0], np.float32)
    for passes in (None, "all"):
        with tf.Session(passes=passes) as s:
            np.testing.assert_allclose(s.run(g, {x: xv, p: True}), [0.1] * 3, rtol=1e-6)
            np.testing.assert_allclose(s.run(g, {x: xv, p: False}), [5.0] * 3)
            np.testing.assert_allclose(s.run(g2, {x: xv}), [0.1] * 3, rtol=1e-6)
            np.testing.assert_allclose(s.run(out, {x: xv}), 8 * xv)


def test_gradient_reversal_as_a_keras_lambda_layer():
    from dlcore_static.keras.layers import Dense, Lambda
    from dlcore_static.keras.models import Sequential

    @tf.custom_gradient
    def reverse(x):
        return tf.identity(x), lambda dy: -dy

    m = Sequential([Dense(2, input_shape=(3,), kernel_initializer="ones", use_bias=False),
                    Lambda(reverse), Dense(1, kernel_initializer="ones", use_bias=False)])
    m.compile(tf.train.GradientDescentOptimizer(0.1), "mse")
    m.fit(np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32), batch_size=4, verbose=0)
    w1, w2 = m.get_weights()
    # out = 6, dL/dout = 12: the last layer steps down by 0.1 * 12 * 3, the first (reversed) up
    np.testing.assert_allclose(w2, 1 - 3.6, rtol=1e-6)
    np.testing.assert_allclose(w1, 1 + 1.2, rtol=1e-6)


def test_not_differentiable(monkeypatch):
    import sys
    cg = sys.modules["dlcore_static.custom_gradient"]      # (tf.custom_gradient is the function)
    monkeypatch.setattr(cg, "_NOT_DIFFERENTIABLE", set())     # the registry is per process
    x = tf.placeholder(tf.float64, [3])
    y = tf.sin(x) * x
    tf.NotDifferentiable("Sin")
    g, = tf.gradients(tf.reduce_sum(y), x)
    only_sin, = tf.gradients(tf.reduce_sum(tf.sin(x)), x)
    assert only_sin is None
    xv = np.array([0.5, 1.0, 2.0])
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(g, {x: xv}), np.sin(xv))    # no x * cos(x) term
    with pytest.raises(TypeError, match="op_type must be a string"):
        tf.NotDifferentiable(None)
