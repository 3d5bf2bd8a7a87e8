"""fidtf13's TF1 programs on tf.losses and tf.metrics (in this folder, as the tutorials write
them; synthetic data): every printed loss and metric recomputed here with NumPy from TF 1.15's
formulas (losses_impl.py, metrics_impl.py) and the program's own outputs."""

from __future__ import annotations

import numpy as np
import pytest
from test_programs_keras import line, numbers, run_program


def _log_softmax(z):
    m = z - z.max(-1, keepdims=True)
    return m - np.log(np.exp(m).sum(-1, keepdims=True))


def test_losses_multitask_program(capsys):
    out, env = run_program("tf_losses_multitask_fidtf13.py", capsys)
    assert "losses in collection 5" in out and "regularization losses 1" in out
    reg, tags, cls, rank = env["outs"]
    y, w = env["reg_y"], env["reg_w"]
    e = np.abs(reg - y)
    q = np.minimum(e, 0.5)
    huber = ((0.5 * q * q + 0.5 * (e - q)) * w).sum() / (w != 0).sum()
    lt = env["tags"] * 0.9 + 0.05
    sig = (np.maximum(tags, 0) - tags * lt + np.log1p(np.exp(-np.abs(tags)))).mean()
    c, cw = env["cls"][:, 0], env["cls_w"][:, 0]
    xent = (-_log_softmax(cls)[np.arange(len(c)), c] * cw).sum() / len(c)
    dd = rank - env["rank_y"]
    m = dd.shape[1]
    pair = (0.5 * (2 * (dd ** 2).sum(1) / (m - 1) - 2 * dd.sum(1) ** 2 / (m * (m - 1)))).sum()
    mean = (4.0 * e).sum() / (4.0 * e.size)
    total = huber + sig + xent + pair + mean + env["reg_l2"]
    got = numbers(line(out, "after reg"))
    np.testing.assert_allclose(got, [huber, sig, xent, pair, mean, total], rtol=2e-4, atol=1e-5)
    before = numbers(line(out, "before reg"))
    assert all(a < b for a, b in zip(got, before))


def _auc(labels, p, k):
    eps = 1e-7
    thr = np.array([-eps] + [(i + 1) / (k - 1) for i in range(k - 2)] + [1 + eps], np.float32)
    above = p[:, None] > thr[None]
    yes = labels[:, None].astype(bool)
    tp, fn = (above & yes).sum(0), (~above & yes).sum(0)
    tn, fp = (~above & ~yes).sum(0), (above & ~yes).sum(0)
    tpr = (tp + eps) / (tp + fn + eps)
    fpr = fp / (fp + tn + eps)
    return ((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2).sum()


def test_metrics_running_vars_program(capsys):
    out, env = run_program("tf_metrics_running_vars_fidtf13.py", capsys)
    assert "running vars ['eval/my_metric/count', 'eval/my_metric/total']" in out
    assert "local variables 11" in out
    y = env["y_all"][:, 0]
    pred, probs = env["pred_all"], env["probs_all"]
    acc = (pred == y).mean()                   # labels (N, 1) vs argmax (N,): squeezed
    mloss = np.mean(env["batch_losses"])
    p1 = probs[:, 1]
    auc = _auc((y == 1).astype(np.float32), p1, 50)
    cm = np.zeros((3, 3))
    np.add.at(cm, (y, pred), 1)
    den = cm.sum(0) + cm.sum(1) - np.diag(cm)
    iou = (np.diag(cm) / np.where(den > 0, den, 1)).sum() / (den != 0).sum()
    rmse = np.sqrt(((p1 - (y == 1)) ** 2).mean())
    f = numbers(line(out, "final accuracy"))
    np.testing.assert_allclose(f, [acc, mloss], rtol=1e-5)
    np.testing.assert_allclose(numbers(line(out, "auc")), [auc, iou, rmse], rtol=1e-4)
    ep = numbers(line(out, "epoch 2"))
    assert ep[-1] == pytest.approx(acc)        # reset per epoch: the last epoch's own accuracy
    r = numbers(line(out, "after reset"))
    assert r[0] == 0.0 and r[1] == pytest.approx(mloss, rel=1e-5)


def test_masked_tagger_metrics_program(capsys):
    out, env = run_program("tf_masked_tagger_metrics_fidtf13.py", capsys)
    lg, tags, lengths = env["logits_all"], env["tags"], env["lengths"]
    per = -np.take_along_axis(_log_softmax(lg), tags[..., None], -1)[..., 0]
    np.testing.assert_allclose(env["per_token"], per, rtol=1e-4, atol=1e-6)   # Reduction.NONE
    mask = np.arange(tags.shape[1])[None] < lengths[:, None]
    first, last = numbers(line(out, "loss first"))
    assert last == pytest.approx(per[mask].mean(), rel=1e-4) and last < first / 2
    acc, mloss = numbers(line(out, "token accuracy"))
    assert acc == pytest.approx((lg.argmax(-1) == tags)[mask].mean(), abs=1e-6)
    assert 0.5 < acc < 1.0
    assert mloss == pytest.approx(per[mask].mean(), rel=1e-4)
