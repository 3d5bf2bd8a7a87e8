"""TF1 programs of session 19 (fidtf7), written as their public sources are (``import
tensorflow as tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data), each
checked for a real outcome and against NumPy recomputations from the fetched values:

* tf_freeze_graph_fidtf7.py: the "freeze a model and serve it" tutorial (Saver checkpoint,
  import_meta_graph + restore, graph_util.convert_variables_to_constants, GFile write of
  SerializeToString, GraphDef.ParseFromString, import_graph_def(name='prefix'), tensors by
  'prefix/...:0' names).
* tf_supervisor_fidtf7.py: the Supervisor guide (logdir, global step, managed_session,
  should_stop, request_stop, sv.saver/sv.save_path; a second run restores and continues).
* tf_template_partial_run_fidtf7.py: make_template's scale_by_y and a siamese net of one
  template; Session.partial_run_setup / partial_run as TF's example.
"""

from __future__ import annotations

import os
import runpy
import sys

import numpy as np

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
    return capsys.readouterr().out, env


def test_freeze_and_serve(capsys, tmp_path):
    out, env = run_program("tf_freeze_graph_fidtf7.py", capsys, ["--model_dir", str(tmp_path)])
    assert os.path.exists(tmp_path / "frozen_model.pb")
    names = out.split("ops in the final graph.\n")[1].splitlines()[:-1]
    assert names[0] == "prefix/Placeholder/inputs_placeholder"
    assert names[-1] == "prefix/Accuracy/predictions"
    assert "prefix/NN/W1" in names and "prefix/NN/W1/read" in names
    assert not any("Adam" in n or "Loss" in n or "global_step" in n for n in names)
    v = env["trained"]

    def predict(x):
        h = np.maximum(np.asarray(x, np.float32) @ v["W1"] + v["b1"], 0)
        return (h @ v["W2"] + v["b2"]).argmax(1)

    np.testing.assert_array_equal(env["y_out"], predict(env["query"]))
    np.testing.assert_array_equal(env["y_train"], predict(env["train_x"]))
    assert (env["y_train"] == env["train_y"]).mean() > 0.9


def test_supervisor_training_and_restart(capsys, tmp_path):
    out, env = run_program("tf_supervisor_fidtf7.py", capsys, ["--logdir", str(tmp_path)])
    assert "starting at step 0" in out and "starting at step 20" in out
    assert env["first"]["step"] == 20 and env["second"]["step"] == 40
    files = os.listdir(tmp_path)
    assert {"model.ckpt-20.safetensors", "model.ckpt-40.safetensors", "checkpoint"} <= set(files)
    # 40 steps of gradient descent in NumPy, across the restart
    x, y = env["X_DATA"], env["Y_DATA"]
    w, b = np.zeros((3, 1), np.float64), np.zeros(1)
    for _ in range(40):
        r = x @ w + b - y
        w, b = w - 0.1 * 2 * x.T @ r / len(x), b - 0.1 * 2 * r.mean(0)
    np.testing.assert_allclose(env["second"]["w"], w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["second"]["b"], b, rtol=1e-4, atol=1e-5)


def test_template_and_partial_run(capsys):
    out, env = run_program("tf_template_partial_run_fidtf7.py", capsys)
    assert "scale_by_y: scale_by_y/mul:0 scale_by_y_1/mul:0 ['scale_by_y/y:0']" in out
    assert "towers: encoder/fc2/BiasAdd:0 encoder_1/fc2/BiasAdd:0" in out
    assert "scaled: [3.0, 6.0]" in out.replace("np.float32(", "").replace(")", "")
    assert "partial r1: 3.0\npartial r2: 9.0\npartial stages: 6.0 6.0" in out
    wts = env["weights"]
    assert sorted(wts) == ["encoder/fc1/bias:0", "encoder/fc1/kernel:0",
                           "encoder/fc2/bias:0", "encoder/fc2/kernel:0"]

    def enc(x):
        h = np.tanh(x @ wts["encoder/fc1/kernel:0"] + wts["encoder/fc1/bias:0"])
        return h @ wts["encoder/fc2/kernel:0"] + wts["encoder/fc2/bias:0"]

    np.testing.assert_allclose(env["emb_l"], enc(env["xl"]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["emb_r"], enc(env["xr"]), rtol=1e-4, atol=1e-5)
    d2 = ((enc(env["xl"]) - enc(env["xr"])) ** 2).sum(1)
    ys = env["ys"]
    ref = np.mean(ys * d2 + (1 - ys) * np.maximum(3.0 - np.sqrt(d2 + 1e-6), 0) ** 2)
    assert abs(env["final_loss"] - ref) < 1e-4
    assert env["final_loss"] < 0.01
