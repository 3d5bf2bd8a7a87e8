"""The registry is the one home of an op's public names (dlcore/api.py).

A primitive defined here, inside the test, must appear under its names in both front ends (a
function, a Tensor method with its in-place variant, ``torch.nn.functional``, ``tf``, ``tf.nn``,
``tf.math``), compute the right values, take gradients in both (against finite differences), and
disappear again when forgotten: no edit to either front end.  Then the table's own rules: every
name lives in a known namespace, every convention has an adapter in each front end that its
names need, and a primitive cannot be silently non-differentiable.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
import dlcore_eager as torch
import dlcore_static as tf
from dlcore import api, registry
from dlcore.ops import elementwise as ew
from dlcore.registry import Primitive
from dlcore_eager import _api as eager_api
from dlcore_eager import _api_install as eager_install
from dlcore_static import _api as static_api

NAME = "softsign_from_a_test"
NAMES = {"torch": NAME, "Tensor": NAME, "torch.nn.functional": NAME, "tf": NAME,
         "tf.nn": NAME, "tf.math": NAME}


def _np_softsign(x):
    return x / (1.0 + np.abs(x))


@pytest.fixture
def new_primitive():
    # y = x / (1 + |x|);  dx = g / (1 + |x|)^2   (its vjp written with dlcore ops)
    def vjp(g, y, x):
        d = ew.add(ew.abs(x), 1.0)
        return (ew.div(g, ew.mul(d, d)),)
    prim = ew._unary(NAME, "{0} / (1.0 + abs({0}))", _np_softsign, vjp,
                     "y = x / (1 + |x|);  dx = g / (1 + |x|)^2", api=NAMES)
    yield prim
    registry.forget(NAME)


def _fd(f, x, g, eps=1e-6):
    out = np.zeros_like(x)
    flat = out.reshape(-1)
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = eps
        step = step.reshape(x.shape)
        flat[j] = np.sum(g * (f(x + step) - f(x - step))) / (2 * eps)
    return out


def test_a_primitive_defined_in_a_test_appears_in_both_front_ends(new_primitive):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    g = rng.standard_normal((3, 4))
    want = _np_softsign(x)
    fd = _fd(_np_softsign, x, g)

    # eager: torch.X, Tensor.X, F.X, the in-place Tensor.X_
    t = torch.tensor(x, requires_grad=True)
    for y in (getattr(torch, NAME)(t), getattr(t, NAME)(),
              getattr(torch.nn.functional, NAME)(t)):
        np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-12)
    y = getattr(torch, NAME)(t)
    y.backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), fd, rtol=1e-6, atol=1e-8)
    u = torch.tensor(x)
    assert getattr(u, NAME + "_")() is u
    np.testing.assert_allclose(u.numpy(), want, rtol=1e-12)
    o = torch.empty(3, 4, dtype=torch.float64)
    getattr(torch, NAME)(torch.tensor(x), out=o)
    np.testing.assert_allclose(o.numpy(), want, rtol=1e-12)

    # static: tf.X, tf.nn.X, tf.math.X, with name= and gradients
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float64, (3, 4))
        ys = [getattr(tf, NAME)(p, name="mine"), getattr(tf.nn, NAME)(p),
              getattr(tf.math, NAME)(p)]
        assert ys[0].name == "mine:0"
        grad, = tf.gradients(tf.reduce_sum(ys[1] * g), [p])
        with tf.Session(passes=()) as sess:
            vals = sess.run(ys + [grad], {p: x})
    for v in vals[:3]:
        np.testing.assert_allclose(v, want, rtol=1e-12)
    np.testing.assert_allclose(vals[3], fd, rtol=1e-6, atol=1e-8)


def test_forgetting_removes_every_name(new_primitive):
    assert hasattr(torch, NAME) and hasattr(tf.nn, NAME) and hasattr(torch.Tensor, NAME + "_")
    registry.forget(NAME)
    assert NAME not in dlcore.PRIMITIVES
    for owner in (torch, torch.Tensor, torch.nn.functional, tf, tf.nn, tf.math):
        assert not hasattr(owner, NAME), owner
    assert not hasattr(torch.Tensor, NAME + "_")


def test_every_name_is_installed_where_its_definition_says():
    missing = []
    owners = {"torch": torch, "Tensor": torch.Tensor, "torch.nn.functional": torch.nn.functional,
              "torch.linalg": torch.linalg, "torch.special": torch.special, "tf": tf,
              "tf.math": tf.math, "tf.nn": tf.nn, "tf.linalg": tf.linalg,
              "keras.backend": tf.keras.backend}
    for e in api.EXPORTS.values():
        for ns, names in e.names.items():
            targets = [torch.Tensor, tf.Tensor] if ns == "operator" else [owners[ns]]
            for target in targets:
                for n in names:
                    if not callable(getattr(target, n, None)):
                        missing.append(f"{ns}.{n} ({e.name})")
    assert not missing, "names declared in definition blocks but not installed: " + \
        ", ".join(missing)


def test_every_convention_has_an_adapter_in_each_front_end_it_needs():
    problems = []
    for e in api.EXPORTS.values():
        spaces = set(e.names)
        if spaces & set(api.EAGER_NAMESPACES + api.SHARED_NAMESPACES) and \
                e.convention not in eager_api.CONVENTIONS:
            problems.append(f"{e.name}: convention '{e.convention}' has no eager adapter")
        if spaces & set(api.STATIC_NAMESPACES + api.SHARED_NAMESPACES) and \
                e.convention not in static_api.CONVENTIONS:
            problems.append(f"{e.name}: convention '{e.convention}' has no static adapter")
    assert not problems, "; ".join(problems)
    assert not eager_install.MISSING and not static_api.MISSING


def test_an_unknown_namespace_is_a_definition_error():
    with pytest.raises(ValueError, match="unknown namespace 'torch.nn.functionl'"):
        api.export("typo_op", lambda x: x, {"torch.nn.functionl": "typo"}, "unary")
    assert "typo_op" not in api.EXPORTS


def test_a_primitive_without_a_vjp_must_say_it_is_not_differentiable():
    with pytest.raises(ValueError, match="has no vjp: give one, or state differentiable=False"):
        Primitive("forgot_its_vjp", lambda x: x, None)
    assert "forgot_its_vjp" not in dlcore.PRIMITIVES
    with pytest.raises(ValueError, match="marked differentiable but has no vjp"):
        Primitive("claims_a_vjp", lambda x: x, None, differentiable=True)


def test_views_are_declared_in_the_definition_block():
    views = {n for n, p in dlcore.PRIMITIVES.items() if p.view}
    assert {"transpose", "reshape", "expand_dims", "squeeze", "broadcast_to",
            "getitem"} <= views
    assert not {"add", "matmul", "sum", "identity"} & views
    x = torch.arange(6.0).reshape(2, 3)
    v = x.t()
    x.add_(1)
    assert v._vc is x._vc        # a view shares its base's version counter


# ----------------------------------------------------------------------------- names vs PyTorch
#: ``torch.X`` whose signature differs from ``torch.nn.functional.X`` (an int ``reduction`` in
#: the losses; ``torch.batch_norm`` and ``torch.embedding(weight, indices)`` order their
#: arguments differently): not declared under "torch" on purpose.
TORCH_SIGNATURE_DIFFERS = {"kl_div", "poisson_nll_loss", "margin_ranking_loss",
                           "cosine_embedding_loss", "triplet_margin_loss", "batch_norm",
                           "embedding", "hinge_embedding_loss"}


def test_torch_names_match_the_real_pytorch():
    """Every PyTorch name in the table exists in PyTorch, and an ``F.X`` whose ``torch.X``
    exists with the same arguments is declared there too (``torch.selu``, ``torch.conv2d``)."""
    real = pytest.importorskip("torch")
    spaces = {"torch": real, "torch.nn.functional": real.nn.functional,
              "torch.linalg": real.linalg, "torch.special": real.special, "Tensor": real.Tensor}
    invented, undeclared = [], []
    for e in api.EXPORTS.values():
        for ns, names in e.names.items():
            invented += [f"{ns}.{n}" for n in names if ns in spaces and
                         not hasattr(spaces[ns], n)]
        for n in e.names_in("torch.nn.functional"):
            if hasattr(real, n) and n not in e.names_in("torch") and \
                    n not in TORCH_SIGNATURE_DIFFERS:
                undeclared.append(n)
    assert not invented, f"names PyTorch does not have: {invented}"
    assert not undeclared, f"torch.X exists in PyTorch but is not declared: {undeclared}"


def test_hand_kept_name_lists_are_gone():
    """Names that used to be attached by hand now come from the table: the image functions,
    F.embedding/F.one_hot, tf.gather/tf.sequence_mask/tf.one_hot/tf.nn.embedding_lookup,
    F.elu/F.leaky_relu and tf.nn.elu/tf.nn.leaky_relu."""
    declared = {(ns, n) for e in api.EXPORTS.values() for ns, names in e.names.items()
                for n in names}
    for ns, n in [("torch.nn.functional", "conv2d"), ("torch", "conv1d"),
                  ("torch.nn.functional", "max_pool2d"), ("torch.nn.functional", "embedding"),
                  ("torch.nn.functional", "one_hot"), ("torch.nn.functional", "elu"),
                  ("torch.nn.functional", "leaky_relu"), ("torch", "selu"),
                  ("tf.nn", "conv2d"), ("tf.nn", "conv1d"), ("tf.nn", "depthwise_conv2d"),
                  ("tf.nn", "conv2d_transpose"), ("tf.nn", "max_pool"), ("tf.nn", "avg_pool2d"),
                  ("tf.nn", "batch_normalization"), ("tf", "gather"), ("tf", "one_hot"),
                  ("tf", "sequence_mask"), ("tf.nn", "embedding_lookup"), ("tf.nn", "elu"),
                  ("tf.nn", "leaky_relu")]:
        assert (ns, n) in declared, f"{ns}.{n}"
    assert not any(e.name.startswith("torch.nn.functional.") for e in api.EXPORTS.values())


_ACTIVATIONS = [("elu", ()), ("elu", (0.5,)), ("leaky_relu", ()), ("leaky_relu", (0.2,)),
                ("selu", ()), ("celu", (2.0,)), ("hardtanh", (-0.6, 1.0)), ("relu6", ()),
                ("threshold", (0.1, 20.0)), ("hardswish", ()), ("hardsigmoid", ())]


@pytest.mark.parametrize("name,params", _ACTIVATIONS)
def test_activations_take_pytorch_arguments_and_inplace(name, params):
    real = pytest.importorskip("torch")
    x = np.array([-2.0, -0.5, 0.0, 0.25, 1.5, 7.0])
    want = getattr(real.nn.functional, name)(real.tensor(x), *params).numpy()
    F = torch.nn.functional
    np.testing.assert_allclose(getattr(F, name)(torch.tensor(x), *params).numpy(), want,
                               rtol=1e-12)
    t = torch.tensor(x)
    assert getattr(F, name)(t, *params, inplace=True) is t
    np.testing.assert_allclose(t.numpy(), want, rtol=1e-12)
    if hasattr(real, name):
        np.testing.assert_allclose(getattr(torch, name)(torch.tensor(x), *params).numpy(),
                                   want, rtol=1e-12)


def test_activation_arguments_are_checked_like_python_calls():
    F = torch.nn.functional
    x = torch.tensor([1.0, -1.0])
    with pytest.raises(TypeError, match=r"threshold\(\) missing 1 required positional "
                                        r"argument: 'value'"):
        F.threshold(x, 0.5)
    with pytest.raises(TypeError, match=r"leaky_relu\(\) got an unexpected keyword argument "
                                        r"'slope'"):
        F.leaky_relu(x, slope=0.1)
    with pytest.raises(TypeError, match=r"leaky_relu\(\) got multiple values for argument "
                                        r"'negative_slope'"):
        F.leaky_relu(x, 0.1, negative_slope=0.2)
    np.testing.assert_allclose(F.leaky_relu(x, negative_slope=0.5).numpy(), [1.0, -0.5])


def test_tensorflow_activations_take_tensorflow_defaults_and_names():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float64, (4,))
        ys = [tf.nn.leaky_relu(p), tf.nn.leaky_relu(p, 0.1, name="lr"),
              tf.nn.leaky_relu(p, alpha=0.3), tf.nn.elu(p, "e"), tf.nn.selu(p)]
        assert ys[1].name == "lr:0" and ys[3].name == "e:0"
        with pytest.raises(TypeError, match=r"elu\(\) got an unexpected keyword argument "
                                            r"'alpha'"):
            tf.nn.elu(p, alpha=2.0)            # TensorFlow's elu has no alpha
        with tf.Session(passes=()) as sess:
            got = sess.run(ys, {p: x})
    np.testing.assert_allclose(got[0], np.where(x > 0, x, 0.2 * x))      # TF's default 0.2
    np.testing.assert_allclose(got[1], np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(got[2], np.where(x > 0, x, 0.3 * x))
    np.testing.assert_allclose(got[3], np.where(x > 0, x, np.expm1(np.minimum(x, 0))))
    s, a = 1.0507009873554805, 1.6732632423543772
    np.testing.assert_allclose(got[4], s * np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))))
