"""TF1 programs of session 18 (fidtf6), written as their public sources are (``import tensorflow
as tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data), each checked for a
real outcome and against NumPy recomputations from the fetched values:

* tf_siamese_contrastive.py: ywpkwon/siamese_tf_mnist (scope.reuse_variables, contrastive loss).
* tf_capsnet_routing.py: ageron's CapsNet notebook (5-D tiled matmuls, routing by agreement).
* tf_mdn_hardmaru.py: hardmaru's mixture density network (tf.split, hand-normalised softmax).
* tf_hvass_adversarial_noise.py: Hvass-Labs 12 (a noise variable in its own collection, var_list).
* tf_juliani_policy_gradient.py: Juliani's RL part 2 (gradient holders, apply_gradients of feeds).
* tf_juliani_dueling_dqn.py: Juliani's RL part 4 (dueling streams, soft target updates).
* tf_hvass_style_transfer.py: Hvass-Labs 15 (Gram matrices, a list of losses auto-packed).
* tf_multigpu_towers.py: aymericdamien's multigpu_cnn (a device function, soft placement).
"""

from __future__ import annotations

import os
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name, *argv]
    env = {}
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
        for v in list(env.values()):
            if isinstance(v, tf.Session) and not v._closed:
                v.close()
    return capsys.readouterr().out, env


def _relu(z):
    return np.maximum(z, 0)


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _squash(s, axis=-1):
    n2 = (s ** 2).sum(axis, keepdims=True)
    return n2 / (1 + n2) * s / np.sqrt(n2 + 1e-7)


def test_siamese_shared_towers_contrastive_loss(capsys, tmp_path):
    out, env = run_program("tf_siamese_contrastive.py", capsys, [str(tmp_path)])
    assert ("['siamese/fc1W:0', 'siamese/fc1b:0', 'siamese/fc2W:0', 'siamese/fc2b:0', "
            "'siamese/fc3W:0', 'siamese/fc3b:0']") in out        # one set for both towers
    losses = [float(ln.split()[-1]) for ln in out.splitlines() if ln.startswith("step")]
    assert len(losses) == 7 and losses[-1] < 0.05 * losses[0]
    v = env["values"]

    def net(x):
        h = _relu(x @ v["siamese/fc1W:0"] + v["siamese/fc1b:0"])
        h = _relu(h @ v["siamese/fc2W:0"] + v["siamese/fc2b:0"])
        return h @ v["siamese/fc3W:0"] + v["siamese/fc3b:0"]

    test = env["mnist"].test
    embed = np.fromfile(str(tmp_path / "embed.txt"), dtype=np.float32).reshape(-1, 2)
    np.testing.assert_allclose(embed, net(test.images), rtol=1e-4, atol=1e-5)
    # the contrastive loss of test pairs, against NumPy
    x1, x2 = test.images[:32], test.images[32:]
    yy = (test.labels[:32] == test.labels[32:]).astype(np.float32)
    d2 = ((net(x1) - net(x2)) ** 2).sum(1)
    ref = np.mean(yy * d2 + (1 - yy) * np.maximum(5.0 - np.sqrt(d2 + 1e-6), 0) ** 2)
    s = env["siamese"]
    sess = tf.Session(graph=s.loss.graph)
    env["saver"].restore(sess, str(tmp_path / "model"))
    got = sess.run(s.loss, {s.x1: x1, s.x2: x2, s.y_: yy})
    sess.close()
    assert got == pytest.approx(ref, rel=1e-4)


def test_capsnet_routing_by_agreement(capsys):
    out, env = run_program("tf_capsnet_routing.py", capsys)
    assert ("names: caps2_output_round_2/mul:0 y_pred:0 y_proba/Sqrt:0 "
            "reconstruction_targets/") in out
    assert "decoder/hidden1/Relu:0 decoder/decoder_output/Sigmoid:0 training_op\n" in out
    assert env["y_proba_argmax"].name == "y_proba_1:0"   # the name scope took "y_proba"
    g = env["tf"].get_default_graph()
    names = [v.name for v in g.get_collection("trainable_variables")]
    assert names[4:6] == ["W:0", "hidden1/kernel:0"]     # tf.layers ignore the name scope
    epochs = [ln for ln in out.splitlines() if "Val accuracy" in ln]
    accs = [float(ln.split("Val accuracy: ")[1].split("%")[0]) for ln in epochs]
    vloss = [float(ln.rsplit(" ", 1)[1]) for ln in epochs]
    assert accs[-1] >= 90.0 and vloss[-1] < 0.3 * vloss[0]
    # two rounds of routing by agreement in NumPy, from conv2 and W
    caps1 = _squash(env["conv2_value"].reshape(-1, 16, 4))
    W = env["W_value"][0]                                   # (16, 4, 8, 4)
    u_hat = np.einsum("ijdk,bik->bijd", W, caps1)           # (b, 16, 4, 8)
    b = np.zeros(u_hat.shape[:3])
    for _ in range(2):
        c = _softmax(b, axis=2)
        v = _squash((c[..., None] * u_hat).sum(1, keepdims=True), axis=-1)
        b = b + (u_hat * v).sum(-1)
    got = env["caps2_output_value"]                          # (b, 1, 4, 8, 1)
    np.testing.assert_allclose(got[..., 0], v, rtol=1e-3, atol=1e-5)
    pred = np.sqrt((v ** 2).sum(-1) + 1e-7)[:, 0].argmax(1)
    np.testing.assert_array_equal(env["y_pred_value"], pred)
    # masking with other labels (mask_with_labels fed True) changes the reconstruction
    assert np.abs(env["masked_decoder_value"] - env["decoder_output_value"]).max() > 1e-3


def test_mdn_split_mixture_nll(capsys):
    out, env = run_program("tf_mdn_hardmaru.py", capsys)
    reg = [float(ln.split()[-1]) for ln in out.splitlines() if ln.startswith("regression")]
    assert reg[-1] < 0.3 * reg[0]
    nll = env["loss"]
    assert np.all(np.isfinite(nll)) and nll[-1] < nll[0] - 1.0
    Wh, bh, Wo, bo = env["params"]
    x, y = env["x_data"], env["y_data"]
    o = np.tanh(x @ Wh + bh) @ Wo + bo
    pi, sigma, mu = np.split(o, 3, 1)
    pi = _softmax(pi)
    sigma = np.exp(sigma)
    dens = np.exp(-((y - mu) / sigma) ** 2 / 2) / sigma / np.sqrt(2 * np.pi)
    ref = np.mean(-np.log((dens * pi).sum(1)))
    assert nll[-1] == pytest.approx(ref, rel=1e-4)
    np.testing.assert_allclose(env["out_pi_test"].sum(1), 1.0, rtol=1e-5)
    assert env["out_sigma_test"].min() > 0 and env["y_test"].shape == (300, 10)


def test_hvass_adversarial_noise_collection_and_var_list(capsys):
    out, env = run_program("tf_hvass_adversarial_noise.py", capsys)
    assert "adversary: ['x_noise:0']" in out
    assert "'x_noise:0'" not in out.split("adversary:")[0]          # not trainable
    assert "Accuracy on Test-Set: 100.0%" in out or \
        float(out.split("Accuracy on Test-Set: ")[1].split("%")[0]) >= 90
    for a, b in zip(env["weights_before"], env["weights_after"]):
        np.testing.assert_array_equal(a, b)                # var_list: only the noise moved
    noise = env["noise"]
    assert noise.min() == pytest.approx(-0.35) and noise.max() == pytest.approx(0.35)
    clean, noisy = env["clean_pred"], env["noisy_pred"]
    assert (noisy == 3).mean() > (clean == 3).mean() + 0.2
    slots = env["adam_slots"]
    assert slots[:4] == ["beta1_power:0", "beta1_power_1:0", "beta2_power:0", "beta2_power_1:0"]
    assert "x_noise/Adam:0" in slots and "layer_fc1/kernel/Adam_1:0" in slots


def test_juliani_policy_gradient_buffers(capsys):
    out, env = run_program("tf_juliani_policy_gradient.py", capsys)
    assert ("['fully_connected/weights:0', 'fully_connected_1/weights:0'] "
            "['0_holder:0', '1_holder:0']") in out
    r = env["total_reward"]
    assert len(r) == 100 and np.mean(r[-30:]) > 1.5 * np.mean(r[:30])
    feed, grads, (W1, W2) = env["first_episode"]
    agent = env["myAgent"]
    S = np.vstack(feed[agent.state_in]).astype(np.float32)
    a = feed[agent.action_holder].astype(int)
    R = feed[agent.reward_holder].astype(np.float32)
    h = _relu(S @ W1)
    p = _softmax(h @ W2)
    dz = (p - np.eye(2)[a]) * R[:, None] / len(a)
    dW2 = h.T @ dz
    dW1 = S.T @ ((dz @ W2.T) * (h > 0))
    np.testing.assert_allclose(grads[1], dW2, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(grads[0], dW1, rtol=1e-4, atol=1e-6)


def test_juliani_dueling_double_dqn(capsys):
    out, env = run_program("tf_juliani_dueling_dqn.py", capsys)
    assert ("names: ['Conv/weights:0', 'Conv_1/weights:0', 'Conv_2/weights:0', "
            "'Conv_3/weights:0', 'Variable:0', 'Variable_1:0', 'Conv_4/weights:0'") in out
    before, after = env["soft_update"]
    tau = env["tau"]
    for k in range(6):
        np.testing.assert_array_equal(after[k], before[k])          # main network unchanged
        np.testing.assert_allclose(after[6 + k], tau * before[k] + (1 - tau) * before[6 + k],
                                   rtol=1e-6, atol=1e-7)
    A, V, Q, P = env["A_val"], env["V_val"], env["Q_val"], env["P_val"]
    np.testing.assert_allclose(Q, V + A - A.mean(1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(P, Q.argmax(1))
    losses = np.asarray(env["losses"])
    assert len(losses) > 200 and np.all(np.isfinite(losses))
    assert len(env["rList"]) == 120


def test_hvass_style_transfer_gram_losses(capsys):
    out, env = run_program("tf_hvass_style_transfer.py", capsys)
    assert "['conv1_1/conv1_1', 'conv1_2/conv1_2', 'conv2_1/conv2_1', 'conv2_2/conv2_2']" in out
    model = env["model"]
    assert [t.name for t in model.layer_tensors] == [n + ":0" for n in model.layer_names]
    assert env["loss_style"].graph is model.graph          # built after InteractiveSession(graph=)
    h = np.asarray(env["history"])                          # content, style, denoise per step
    assert len(h) == 60 and np.all(np.isfinite(h))
    assert h[-1, 1] < 0.5 * h[0, 1]                         # the style loss fell
    img = env["img"]
    assert img.shape == (12, 12, 3) and img.min() >= 0.0 and img.max() <= 255.0
    # a Gram matrix of the final image against NumPy
    layer = model.layer_tensors[2]
    feed = model.create_feed_dict(image=img)
    sess = tf.Session(graph=model.graph)
    f = sess.run(layer, feed_dict=feed)
    g = sess.run(env["gram_matrix"](layer), feed_dict=feed)
    sess.close()
    m = f.reshape(-1, f.shape[-1]).astype(np.float64)
    np.testing.assert_allclose(g, m.T @ m, rtol=1e-4, atol=1e-4)


def test_multigpu_towers_device_function_soft_placement(capsys, monkeypatch):
    import dlcore.device
    monkeypatch.setattr(dlcore.device, "_cuda_ok", False)     # no GPU: soft placement
    out, env = run_program("tf_multigpu_towers.py", capsys)
    pl = env["placements"]
    assert pl["VariableV2"] == {"//cpu:0"}                  # PS_OPS on the CPU
    assert pl["MatMul"] == {"/gpu:0", "/gpu:1"}             # each tower on its GPU
    g = env["tf"].get_default_graph()
    kernel = g.get_operation_by_name("ConvNet/dense/kernel")
    assert str(kernel.device) == "cpu"
    assert {str(op.device) for op in g.get_operations() if op.type == "MatMul"} == \
        {"cuda:0", "cuda:1"}
    assert env["names"] == [f"ConvNet/{layer}/{p}:0" for layer in
                            ("conv2d", "conv2d_1", "conv2d_2", "dense", "dense_1", "dense_2")
                            for p in ("kernel", "bias")]   # one set, shared by both towers
    losses = env["losses"]
    assert losses[-1] < 0.3 * losses[0]
    acc = float(out.split("Testing Accuracy:")[1].split()[0])
    assert acc >= 0.9
