"""rel23's probe of everyday losses against PyTorch 2.13: what used to be silently wrong.

* ``cross_entropy``/``nll_loss`` through the general path (a class ``weight``, an ignored target,
  label smoothing, (N, C, d) inputs) picked the target's log-probability with a one-hot product:
  a ``-inf`` logit in any other class (a masked logit) made ``0 * -inf`` = NaN, and an ignored
  row with a ``-inf`` was NaN times 0 too.  PyTorch gathers and masks: finite losses.
* ``cross_entropy`` of probabilities with an ``ignore_index`` >= 0 computed as if it were not
  given; PyTorch refuses it.
* ``BCEWithLogitsLoss(pos_weight=...)`` kept ``pos_weight`` out of its ``state_dict`` (PyTorch
  registers it as a buffer): a PyTorch checkpoint of a model holding the loss did not load.
* ``tf.nn.sparse_softmax_cross_entropy_with_logits`` of logits with an unknown class dimension
  raised an internal ``TypeError`` (``int(None)``) while building the graph."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

F = dl.nn.functional
INF = np.inf
X = np.array([[0., -INF, 1.], [2., 0, -INF], [-INF, 0, 1]], np.float32)
W = [0.5, 2.0, 1.5]

# loss and gradient of loss.sum() from PyTorch 2.13
CASES = {
    "weight": (lambda x: F.cross_entropy(x, dl.tensor([0, 0, 1]), weight=dl.tensor(W)),
               1.115539312362671, [[-0.1218431, 0.0, 0.1218431], [-0.01986716, 0.01986715, 0.0],
                                   [0.0, -0.4873724, 0.4873724]]),
    "ignored": (lambda x: F.cross_entropy(x, dl.tensor([0, -100, 1])), 1.31326162815094,
                [[-0.3655293, 0.0, 0.3655293], [0.0, 0.0, 0.0], [0.0, -0.3655293, 0.3655293]]),
    "ignored_row_inf": (lambda x: F.cross_entropy(x, dl.tensor([1, 0, 0]), ignore_index=1,
                                                  reduction="none"),
                        [0.0, 0.12692804634571075, INF],
                        [[0.0, 0.0, 0.0], [-0.11920297, 0.11920291, 0.0],
                         [-1.0, 0.26894143, 0.7310586]]),
    "spatial": (lambda x: F.cross_entropy(x.t()[None], dl.tensor([[0, 0, 2]])), 0.584483802318573,
                [[-0.2436862, 0.0, 0.2436862], [-0.03973433, 0.0397343, 0.0],
                 [0.0, 0.08964714, -0.08964714]]),
    "smooth_ignored": (lambda x: F.cross_entropy(x, dl.tensor([0, 1, -100]), label_smoothing=0.1,
                                                 reduction="none"), [INF, INF, 0.0],
                       [[-0.66439188, -0.03333334, 0.69772524], [0.84746367, -0.81413043, -0.03333334],
                        [0.0, 0.0, 0.0]]),
    "nll_weight": (lambda x: F.nll_loss(F.log_softmax(x, 1), dl.tensor([0, 0, 2]), weight=dl.tensor(W),
                                        reduction="sum"), 1.1899874210357666,
                   [[-0.3655293, 0.0, 0.3655293], [-0.05960149, 0.05960146, 0.0],
                    [0.0, 0.4034122, -0.4034121]]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_class_losses_with_a_masked_logit_are_pytorchs_not_nan(case):
    fn, loss, grad = CASES[case]
    x = dl.tensor(X, requires_grad=True)
    out = fn(x)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), loss, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-5, atol=1e-7)


def test_class_losses_with_a_masked_logit_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(23)
    x = rng.randn(6, 5).astype(np.float32)
    x[rng.rand(6, 5) < 0.3] = -INF
    x[np.arange(6), 0] = 0.5                  # the target class (0 or 2) stays finite
    x[np.arange(6), 2] = 0.25
    t = np.array([0, 2, 0, 2, 0, 2])
    w = np.abs(rng.randn(5)).astype(np.float32) + 0.1
    for kw in ({"weight": w}, {"ignore_index": 2}, {"label_smoothing": 0.0, "weight": w,
                                                   "ignore_index": 0}):
        for red in ("mean", "none"):
            got, want = [], []
            for lib, out in ((dl, got), (torch, want)):
                xt = lib.tensor(x, requires_grad=True)
                args = {k: lib.tensor(v) if k == "weight" else v for k, v in kw.items()}
                loss = lib.nn.functional.cross_entropy(xt, lib.tensor(t), reduction=red, **args)
                loss.sum().backward()
                out += [loss.detach().numpy(), xt.grad.numpy()]
            for g, h in zip(got, want):
                np.testing.assert_allclose(g, h, rtol=1e-5, atol=1e-7, err_msg=f"{kw} {red}")


@pytest.mark.parametrize("shape", [(2, 3), (3,)])
def test_cross_entropy_of_probabilities_refuses_a_class_to_ignore(shape):
    x, p = dl.randn(*shape), dl.rand(*shape)
    with pytest.raises(RuntimeError, match="^ignore_index is not supported for floating point "
                                           "target$"):
        F.cross_entropy(x, p, ignore_index=1)
    F.cross_entropy(x, p, ignore_index=-7)         # (PyTorch's check: ignore_index < 0)


def test_bce_with_logits_loss_keeps_pos_weight_in_its_state_dict():
    m = dl.nn.BCEWithLogitsLoss(pos_weight=dl.tensor([1.0, 2.0]))
    assert list(m.state_dict()) == ["pos_weight"]
    m.load_state_dict({"pos_weight": dl.tensor([3.0, 4.0])})
    loss = m(dl.tensor([[0.0, 0.0]]), dl.tensor([[1.0, 1.0]]))
    np.testing.assert_allclose(loss.item(), 3.5 * np.log(2.0), rtol=1e-6)
    assert list(dl.nn.BCEWithLogitsLoss().state_dict()) == []


def test_tf_sparse_xent_of_an_unknown_class_dimension_builds_and_runs():
    import dlcore_static as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, None])
        y = tf.placeholder(tf.int64, [None])
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
        grad = tf.gradients(tf.reduce_sum(loss), x)[0]
        with tf.Session() as s:
            lv, gv = s.run([loss, grad], {x: [[0.0, -INF, 1.0], [0.0, 2.0, 1.0]], y: [0, 1]})
            with pytest.raises(tf.errors.InvalidArgumentError, match="label value of 3"):
                s.run(loss, {x: [[0.0, 2.0, 1.0]], y: [3]})
    np.testing.assert_allclose(lv, [1.3132616, 0.40760596], rtol=1e-6)
    np.testing.assert_allclose(gv, [[-0.7310586, 0.0, 0.7310586], [0.09003057, -0.33475906, 0.24472848]],
                               rtol=1e-5)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1}, {"weight": [1.0, 2.0, 0.5]},
                                {"ignore_index": 1}])
def test_unbatched_unreduced_class_losses_are_0_d_as_torch(kw):
    x = dl.tensor([0.5, -1.0, 2.0], requires_grad=True)
    args = {k: dl.tensor(v) if k == "weight" else v for k, v in kw.items()}
    ce = F.cross_entropy(x, dl.tensor(0), reduction="none", **args)
    assert tuple(ce.shape) == ()                           # (was (1,))
    ce.backward()
    assert tuple(x.grad.shape) == (3,)
    if "label_smoothing" not in kw:
        assert tuple(F.nll_loss(x, dl.tensor(2), reduction="none", **args).shape) == ()
    assert tuple(F.cross_entropy(x, dl.tensor([0.2, 0.3, 0.5]), reduction="none").shape) == ()
    assert tuple(F.cross_entropy(x, dl.tensor(0), **args).shape) == ()
