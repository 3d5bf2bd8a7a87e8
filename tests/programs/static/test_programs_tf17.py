"""TF1 tutorial programs of session 17, written as their public sources are (``import tensorflow
as tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data), each checked for a
real outcome (loss falls, accuracy well above chance) and against NumPy recomputations from the
trained variables:

* tf_fully_connected_feed.py: "TensorFlow Mechanics 101" (mnist.py + fully_connected_feed.py).
* tf_udacity_lstm_chars.py: Udacity's 6_lstm, an LSTM cell by hand with saved state.
* tf_cs20_huber_linreg_dataset.py: CS 20's linear regression, tf.data + Huber loss by tf.cond.
* tf_hvass_cnn_helpers.py: Hvass-Labs 02, the CNN of helper functions.
* tf_speech_commands_low_latency.py: speech_commands' low_latency_conv model and train loop.
* tf_text_cnn_dennybritz.py: Denny Britz's TextCNN with gradient summaries and checkpoints.
* tf_hvass_cifar_augment.py: Hvass-Labs 06, random image distortions in tf.map_fn.
* tf_graph_nets_blocks.py: graph_nets' blocks (unsorted_segment_sum with fed segment counts).
* tf_nmt_seq2seq_basic_decoder.py / tf_nmt_attention_luong.py: the TF 1.x NMT tutorial's basic
  and attention seq2seq models (tf.contrib.seq2seq helpers, BasicDecoder, dynamic_decode,
  LuongAttention + AttentionWrapper).

Library fixes they needed: TensorShape slices are TensorShapes with num_elements/merge_with/
concatenate/with_rank...; get_variable takes an initializer class (tf.zeros_initializer);
tf.train.global_step and get_global_step finding a variable named global_step; a summary's
``.op``; unsorted_segment_sum with a fed num_segments; tf.contrib.seq2seq's decoders and attention;
tf.round of integers; RNNCell.zero_state with a tensor batch size."""

from __future__ import annotations

import numpy as np
import pytest
from tf15_programs import run_program


@pytest.fixture
def compiled_loops(monkeypatch):
    """The Session compiles each plan on its second run (``DLCORE_OPTIMIZE_AFTER=2``): these
    programs' loops (a map_fn over images, seq2seq decoders with attention) then run as the
    compiled plan's sub-programs on real programs, as they did before a plan with a loop was
    costed trip by trip (``compiler.runner.RunCost``), under which their few hundred runs stay
    as built (about 5x longer here with the disk cache warm, shorter with it empty)."""
    monkeypatch.setenv("DLCORE_OPTIMIZE_AFTER", "2")


def _relu(z):
    return np.maximum(z, 0)


def test_fully_connected_feed_trains_evaluates_and_restores(capsys):
    out, env = run_program("tf_fully_connected_feed.py", capsys)
    assert env["global_step_value"] == 400
    assert env["latest"].endswith("model.ckpt-399") and env["restored_same"]
    assert env["event_files"]
    losses = np.asarray(env["losses"])
    assert losses[:20].mean() > 5 * losses[-20:].mean()
    assert env["eval_results"]["train"] > 0.9 and env["eval_results"]["test"] > 0.85
    assert out.count("Precision @ 1:") == 6
    w = env["weights"]
    x, _y, logits = env["test_batch"]
    h1 = _relu(x @ w["hidden1/weights"] + w["hidden1/biases"])
    h2 = _relu(h1 @ w["hidden2/weights"] + w["hidden2/biases"])
    want = h2 @ w["softmax_linear/weights"] + w["softmax_linear/biases"]
    np.testing.assert_allclose(logits, want, rtol=1e-4, atol=1e-5)


def test_udacity_lstm_saved_state_schedule_and_perplexity(capsys):
    out, env = run_program("tf_udacity_lstm_chars.py", capsys)
    hist = env["history"]
    assert [h[0] for h in hist] == [0, 100, 200, 300, 400]
    np.testing.assert_allclose([h[2] for h in hist], [10.0, 10.0, 1.0, 1.0, 0.1], rtol=1e-6)
    assert hist[0][4] > 6.0 and hist[-1][4] < 2.2            # validation perplexity falls
    assert hist[-1][1] < hist[1][1] < hist[0][1]              # mean loss falls
    assert env["final_step"] == 401
    first, second = env["state_checks"]
    assert not first.any() and np.abs(second).max() > 1e-3   # the state carried between runs
    samples = [ln for ln in out.splitlines() if len(ln) == 41 and set(ln) <= set(" abcdefgh")]
    assert len(samples) == 6
    known = {"abc", "bad", "cafe", "face", "head", "egg", "bead", "fade"}
    late = " ".join(samples[-2:]).split()[1:-1]
    assert sum(wd in known for wd in late) >= 0.7 * len(late)


def test_cs20_huber_regression_matches_numpy_sgd(capsys):
    out, env = run_program("tf_cs20_huber_linreg_dataset.py", capsys)
    data = env["data"].astype(np.float64)
    w = b = 0.0
    epoch_losses = []
    for _ in range(20):
        total = 0.0
        for x, y in data:
            r = y - (x * w + b)
            if abs(r) < 14.0:
                total += 0.5 * r * r
                d = -r
            else:
                total += 14.0 * abs(r) - 0.5 * 14.0 ** 2
                d = -14.0 * np.sign(r)
            w, b = w - 0.001 * d * x, b - 0.001 * d
        epoch_losses.append(total / len(data))
    np.testing.assert_allclose(env["w_out"], w, rtol=2e-4)
    np.testing.assert_allclose(env["b_out"], b, rtol=2e-4)
    np.testing.assert_allclose(env["epoch_losses"], epoch_losses, rtol=2e-4)
    assert epoch_losses[-1] < 0.5 * epoch_losses[0]
    assert f"w: {env['w_out']:f}, b: {env['b_out']:f}" in out
    assert any(f.startswith("events.out.tfevents") for f in env["graph_files"])


def test_hvass_cnn_helpers_learn_and_print_shapes(capsys):
    out, env = run_program("tf_hvass_cnn_helpers.py", capsys)
    assert "shape=(?, 6, 6, 4)" in out and "shape=(?, 3, 3, 8)" in out
    assert "shape=(?, 72)" in out and env["num_features"] == 72
    acc = env["accuracies"]
    assert len(acc) == 3 and acc[0] < 0.6 and acc[-1] > 0.9
    cm = env["confusion"]
    assert cm.sum() == 150 and np.trace(cm) / 150 == acc[-1]
    np.testing.assert_allclose(env["test_probs"].sum(1), 1.0, rtol=1e-5)
    assert env["conv1_out"].shape == (2, 6, 6, 4) and (env["conv1_out"] >= 0).all()


def test_speech_commands_low_latency_conv_matches_numpy(capsys):
    out, env = run_program("tf_speech_commands_low_latency.py", capsys)
    s = env["model_settings"]
    assert (s["spectrogram_length"], s["fingerprint_size"]) == (12, 120)
    assert env["final_global_step"] == 400
    log = env["log"]
    assert [r[1] for r in log[:300]] == [0.01] * 300 and [r[1] for r in log[300:]] == \
        [0.001] * 100
    val = [float(ln.split("= ")[1].split("%")[0]) for ln in out.splitlines()
           if "Validation accuracy" in ln]
    assert len(val) == 8 and val[-1] > 90.0
    assert env["variable_shapes"]["first_weights"] == [12, 8, 1, 16]
    w = env["weights"]
    x = env["val_x"][:16].reshape(16, 12, 10)
    k = w["first_weights"][:, :, 0, :]                     # (12, 8, 16): the whole time axis
    conv = np.stack([np.einsum("nhw,hwc->nc", x[:, :, j:j + 8], k) for j in range(3)], 1)
    h = _relu(conv + w["first_bias"]).reshape(16, -1)
    h = h @ w["first_fc_weights"] + w["first_fc_bias"]
    h = h @ w["second_fc_weights"] + w["second_fc_bias"]
    want = h @ w["final_fc_weights"] + w["final_fc_bias"]
    np.testing.assert_allclose(env["val_logits"], want, rtol=1e-3, atol=1e-4)


def test_text_cnn_trains_summarises_and_keeps_two_checkpoints(capsys):
    out, env = run_program("tf_text_cnn_dennybritz.py", capsys)
    assert env["final_step"] == 180                       # 12 epochs of 15 batches
    dev = env["dev_history"]
    assert [d[0] for d in dev] == [50, 100, 150]
    assert dev[-1][2] > 0.85 and dev[-1][1] < dev[0][1]
    assert env["checkpoints"] == ["model-100.meta", "model-150.meta"]     # max_to_keep=2
    names = env["grad_summary_names"]
    assert names[:2] == ["embedding/W_0/grad/hist", "embedding/W_0/grad/sparsity"]
    assert len(names) == 2 * 9                          # 9 trainable variables
    w = env["weights"]
    emb = w["embedding/W"][env["x_dev"]]                  # (n, 12, 16)
    pooled = []
    for fs in (2, 3, 4):
        k = w[f"conv-maxpool-{fs}/W"][:, :, 0, :]         # (fs, 16, 8)
        conv = np.stack([np.einsum("nhw,hwc->nc", emb[:, t:t + fs], k)
                         for t in range(12 - fs + 1)], 1)
        pooled.append(_relu(conv + w[f"conv-maxpool-{fs}/b"]).max(1))
    want = np.concatenate(pooled, 1) @ w["W"] + w["output/b"]
    np.testing.assert_allclose(env["dev_scores"], want, rtol=1e-4, atol=1e-4)
    assert "Saved model checkpoint to" in out


def test_hvass_cifar_distortions_training_and_restore(capsys, compiled_loops):
    out, env = run_program("tf_hvass_cifar_augment.py", capsys)
    d = env["distorted"]
    assert d.shape == (9, 12, 12, 3) and d.min() >= 0.0 and d.max() <= 1.0
    assert env["final_step"] == 250
    assert env["test_acc"] > 0.9 and env["restored_acc"] == env["test_acc"]
    assert "network/layer_conv1/kernel" in env["trainable_names"]
    assert len(env["trainable_names"]) == 10           # one set of weights, shared by reuse
    assert "Failed to restore checkpoint. Initializing variables instead." in out
    # i_global is the step after this run's increment (TF1: the fetched variable's buffer is the
    # one AssignAdd updates): 1..250, so checkpoints at 100, 200 and the last iteration
    assert out.count("Saved checkpoint.") == 3
    assert "Global Step:    250" in out and "Global Step:      0" not in out


def test_graph_nets_aggregators_and_training(capsys):
    _out, env = run_program("tf_graph_nets_blocks.py", capsys)
    g = env["test_graph"]
    received, edge_counts, repeated = env["aggregated"]
    want = np.zeros((g.nodes.shape[0], 1), np.float32)
    np.add.at(want, g.receivers, g.edges)
    np.testing.assert_allclose(received, want)
    np.testing.assert_allclose(edge_counts[:, 0], g.n_edge)
    np.testing.assert_allclose(repeated, np.repeat(g.globals, g.n_node, axis=0))
    hist = env["history"]
    assert hist[-1][2] < 0.05 and hist[-1][2] < hist[0][2] / 20
    assert hist[-1][3] < hist[0][3] / 100
    np.testing.assert_allclose(env["predicted_nodes"], env["test_nodes"], atol=0.5)


def test_nmt_basic_decoder_trains_and_translates(capsys, compiled_loops):
    out, env = run_program("tf_nmt_seq2seq_basic_decoder.py", capsys)
    hist = env["history"]
    assert hist[-1][1] < hist[0][1] / 20
    assert env["variable_names"] == [
        "embedding_encoder", "embedding_decoder", "encoder/rnn/basic_lstm_cell/kernel",
        "encoder/rnn/basic_lstm_cell/bias", "decoder/basic_lstm_cell/kernel",
        "decoder/basic_lstm_cell/bias", "decoder/output_projection/kernel"]
    assert env["train_logits"].shape == (6, 64, 10)               # output_time_major
    assert env["exact"] >= 56 and f"exact translations: {env['exact']} / 64" in out
    src, src_len = env["src"], env["src_len"]
    tr, tr_len = env["translated"], env["translated_lengths"]
    for b in range(64):                   # a sequence's length counts its </s> step (TF)
        if list(tr[b, :tr_len[b]]) == list(src[:src_len[b], b][::-1]) + [2]:
            assert tr_len[b] == src_len[b] + 1


def test_nmt_luong_attention_trains_faster_and_masks_the_source(capsys, compiled_loops):
    out, env = run_program("tf_nmt_attention_luong.py", capsys)
    hist = env["history"]
    assert hist[-1][1] < 0.02 and hist[-1][1] < hist[0][1] / 200
    assert env["variable_names"] == [
        "embedding_encoder", "embedding_decoder", "encoder/rnn/basic_lstm_cell/kernel",
        "encoder/rnn/basic_lstm_cell/bias", "memory_layer/kernel",
        "decoder/attention_wrapper/basic_lstm_cell/kernel",
        "decoder/attention_wrapper/basic_lstm_cell/bias",
        "decoder/attention_wrapper/attention_layer/kernel",
        "decoder/output_projection/kernel"]
    assert env["exact"] >= 60 and f"exact translations: {env['exact']} / 64" in out
    a, src_len = env["final_alignments"], env["src_len"]
    np.testing.assert_allclose(a.sum(1), 1.0, rtol=1e-5)
    assert all((a[b, src_len[b]:] == 0).all() for b in range(64))   # memory_sequence_length
