"""TF 1.15's tf.metrics (metrics_impl.py): labels (N, 1) against an argmax (N,) are squeezed
(_remove_squeezable_dimensions), incompatible shapes refused, weights broadcast with TF's checks,
and the means divided with div_no_nan."""

import numpy as np
import pytest

import dlcore_static as tf

Y = np.array([[1], [0], [1], [1]])
P = np.array([1, 0, 0, 1])


def test_ids_n_1_against_argmax_n_are_squeezed():
    lab = tf.placeholder(tf.int64, (None, 1))
    pred = tf.placeholder(tf.int64, (None,))
    w = tf.placeholder(tf.float32, (None, 1))
    metrics = [tf.metrics.accuracy(lab, pred),
               tf.metrics.accuracy(lab, pred, weights=w, name="wacc"),
               tf.metrics.mean_squared_error(tf.cast(lab, tf.float32), tf.cast(pred, tf.float32)),
               tf.metrics.mean_absolute_error(tf.cast(pred, tf.float32), tf.cast(lab, tf.float32)),
               tf.metrics.precision(lab, pred), tf.metrics.recall(lab, pred)]
    wv = np.array([[1.], [2.], [3.], [0.]], np.float32)
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        got = s.run([u for _, u in metrics], {lab: Y, pred: P, w: wv})
    hit = (Y[:, 0] == P).astype(np.float32)
    np.testing.assert_allclose(got, [hit.mean(), (hit * wv[:, 0]).sum() / wv.sum(),
                                     1 - hit.mean(), 1 - hit.mean(), 1.0, 2 / 3], rtol=1e-6)
    # (was 0.5, 0.5: a (4, 4) comparison of every label with every prediction)


def test_mean_weights_and_errors():
    v = tf.constant([[1., 2., 3.], [4., 5., 6.]])
    m, up = tf.metrics.mean(v, weights=tf.constant([[1.], [-3.]]))
    z, zup = tf.metrics.mean(v, weights=tf.zeros((2, 3)), name="z")
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        got = s.run([up, zup])
    assert got[0] == pytest.approx((6 - 3 * 15) / (3 - 9)) and got[1] == 0.0
    with pytest.raises(ValueError, match=r"^Shapes \(2,\) and \(3,\) are incompatible$"):
        tf.metrics.accuracy([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match=r"^weights can not be broadcast to values\. Mismatch "
                       r"at dim 1\. values\.shape=\[2 3\] weights\.shape=\[2 2\]\.$"):
        tf.metrics.mean(v, weights=tf.ones((2, 2)))


def test_mean_of_float64_values_is_float32():
    m, up = tf.metrics.mean(tf.constant([0.1, 0.2, 0.4], tf.float64))
    assert m.dtype == tf.float32 and up.dtype == tf.float32
    assert [v.dtype.base_dtype for v in tf.local_variables()] == [tf.float32, tf.float32]
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        got = s.run(up)
    assert got.dtype == np.float32
    assert got == pytest.approx(0.7 / 3, rel=1e-6)


def test_true_false_positive_negative_counts_are_metrics():
    # tf.metrics.true_positives & co. were the bool mask helpers of precision/recall
    y = np.array([[1], [0], [1], [1], [0]])
    p = np.array([1, 1, 0, 1, 0])
    w = np.array([1., 2., 3., 4., 5.], np.float32)
    ms = [tf.metrics.true_positives(y, p), tf.metrics.false_positives(y, p, weights=w),
          tf.metrics.false_negatives(y, p, name="fn"), tf.metrics.true_negatives(y, p, w)]
    assert [len(m) for m in ms] == [2, 2, 2, 2]
    names = sorted(v.op.name for v in tf.local_variables())
    assert names == ["false_positives/count", "fn/count", "true_negatives/count",
                     "true_positives/count"]
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        s.run([u for _, u in ms])
        got = s.run([u for _, u in ms])
    yb, pb = y[:, 0] == 1, p == 1
    want = [2 * (yb & pb).sum(), 2 * (w * (~yb & pb)).sum(), 2 * (yb & ~pb).sum(),
            2 * (w * (~yb & ~pb)).sum()]
    np.testing.assert_allclose(got, want)


def test_mean_per_class_accuracy_and_at_thresholds():
    y = np.array([0, 1, 2, 1, 1, 0])
    p = np.array([0, 1, 1, 1, 2, 2])
    m, u = tf.metrics.mean_per_class_accuracy(y, p, 4)
    yb = np.array([1, 0, 1, 1, 0])
    pb = np.array([0.9, 0.6, 0.3, 0.7, 0.1], np.float32)
    thr = [0.2, 0.5, 0.8]
    pt, pu = tf.metrics.precision_at_thresholds(yb, pb, thr)
    rt, ru = tf.metrics.recall_at_thresholds(yb, pb, thr, weights=np.array([1., 1., 2., 1., 1.]))
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        ups = s.run([u, pu, ru])
        vals = s.run([m, pt, rt])
    per_class = [0.5, 2 / 3, 0.0, 0.0]               # class 3 never seen: 0, still averaged
    np.testing.assert_allclose(ups[0], per_class, rtol=1e-6)
    assert vals[0] == pytest.approx(np.mean(per_class), rel=1e-6)
    w = np.array([1., 1., 2., 1., 1.])
    for t, prec, rec in zip(thr, vals[1], vals[2]):
        above = pb > t
        tp, fp, fn = (above & (yb == 1)).sum(), (above & (yb == 0)).sum(), (~above & (yb == 1))
        wtp = (w * (above & (yb == 1))).sum()
        assert prec == pytest.approx(tp / (1e-7 + tp + fp), rel=1e-6)
        assert rec == pytest.approx(wtp / (1e-7 + wtp + (w * fn).sum()), rel=1e-6)
    np.testing.assert_allclose(ups[1], vals[1]) and np.testing.assert_allclose(ups[2], vals[2])
    names = sorted(v.op.name for v in tf.local_variables())
    assert names[:2] == ["mean_accuracy/count", "mean_accuracy/total"]


def test_out_of_range_labels_and_predictions_are_refused_at_run_time():
    # review24 R7: TF's scatter_add and _confusion_matrix_at_thresholds checks
    _, u = tf.metrics.mean_per_class_accuracy(np.array([0, 1, 5, -1]), np.array([0, 1, 2, 0]), 3)
    _, au = tf.metrics.auc(np.array([1, 0]), np.array([1.5, 0.2]))
    _, pu = tf.metrics.precision_at_thresholds(np.array([1, 0]), np.array([0.5, -0.5]), [0.3])
    _, ok = tf.metrics.auc(np.array([1, 0, 1]), np.array([0.9, 0.2, 1.0]), name="ok")
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^indices\[2\] = 5 is not in \[0, 3\)"):
            s.run(u)                                   # was 0.6667
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[predictions must be in \[0, 1\]\] "
                                 r"\[Condition x <= y did not hold element-wise:\]"):
            s.run(au)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[predictions must be in \[0, 1\]\] "
                                 r"\[Condition x >= y did not hold element-wise:\]"):
            s.run(pu)
        assert s.run(ok) == pytest.approx(1.0, abs=1e-5)


def test_mean_iou_checks_ids_as_confusion_matrix():
    _, u = tf.metrics.mean_iou(np.array([0, 1, 3]), np.array([0, 1, 2]), 3)
    _, u2 = tf.metrics.mean_iou(np.array([0, 1, 2]), np.array([0, -1, 2]), 3, name="b")
    m3, u3 = tf.metrics.mean_iou(np.array([[0], [1], [2]]), np.array([0, 1, 1]), 3, name="c")
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[`labels` out of bound\] \[Condition x < y"):
            s.run(u)                                     # an id of 3 counted nothing
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[`predictions` contains negative values\]"):
            s.run(u2)
        s.run(u3)
        assert s.run(m3) == pytest.approx((1 + 0.5 + 0) / 3)


def test_percentage_below_relative_error_cosine_distance_mean_tensor():
    v = np.array([[1., 5.], [3., -2.]], np.float32)
    y, p, nz = np.array([1., 2., 0.]), np.array([2., 2., 1.]), np.array([2., 0., 4.])
    yc = np.array([[1., 0.], [0., 1.]])
    pc = np.array([[0.6, 0.8], [0.8, 0.6]])
    ms = [tf.metrics.percentage_below(v, 2.5),
          tf.metrics.mean_relative_error(y, p, nz),
          tf.metrics.mean_cosine_distance(yc, pc, 1),
          tf.metrics.mean_tensor(v, weights=np.array([[1.], [0.]]))]
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        s.run([u for _, u in ms])
        s.run(ms[3][1])
        got = s.run([m for m, _ in ms])
    assert got[0] == pytest.approx((v < 2.5).mean())
    assert got[1] == pytest.approx(np.mean(np.where(nz == 0, 0, np.abs(y - p) / np.where(nz == 0, 1, nz))))
    assert got[2] == pytest.approx(1 - (yc * pc).sum(1).mean(), rel=1e-6)
    np.testing.assert_allclose(got[3], [[1., 5.], [0., 0.]])     # count 0: div_no_nan
    names = sorted(x.op.name for x in tf.local_variables())
    assert names[:2] == ["mean/count_tensor", "mean/total_tensor"]
    assert "percentage_below_threshold/total" in names


def test_recall_and_precision_at_k():
    lg = np.array([[0.1, 0.5, 0.3, 0.2], [0.9, 0.05, 0.03, 0.02], [0.1, 0.2, 0.3, 0.4]],
                  np.float32)
    y = np.array([[1, 2], [3, 0], [0, 1]])
    w = np.array([1., 2., 3.])
    ms = [tf.metrics.recall_at_k(y, lg, 2), tf.metrics.precision_at_k(y, lg, 2),
          tf.metrics.recall_at_k(np.array([1, 1, 3]), lg, 1, weights=w),
          tf.metrics.precision_at_top_k(y, np.argsort(-lg, 1)[:, :3], name="p3")]
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        got = s.run([u for _, u in ms])
        empty = tf.metrics.recall_at_k(y, lg, 2, name="empty")
        s.run(tf.local_variables_initializer())
        nan = s.run(empty[0])
    top = np.argsort(-lg, 1, kind="stable")
    tp2 = sum(len(set(top[i, :2]) & set(y[i])) for i in range(3))
    assert got[0] == pytest.approx(tp2 / 6) and got[1] == pytest.approx(tp2 / 6)
    hits1 = np.array([top[i, 0] == [1, 1, 3][i] for i in range(3)])
    assert got[2] == pytest.approx((w * hits1).sum() / w.sum())
    tp3 = sum(len(set(top[i, :3]) & set(y[i])) for i in range(3))
    assert got[3] == pytest.approx(tp3 / 9)
    assert all(m.dtype == tf.float64 for m, _ in ms)
    assert np.isnan(nan)                                 # 0 / 0 before any update, as TF's div


def test_at_k_counts_label_sets():
    # review24 R9: a repeated id or -1 padding counts once (TF's set ops); was precision 1.5
    lb = tf.constant(np.array([[3, -1, -1], [1, 2, 2]], np.int64))
    pr = tf.constant(np.eye(5, dtype=np.float32)[[3, 2]])
    _, pu = tf.metrics.precision_at_k(lb, pr, 1)
    _, ru = tf.metrics.recall_at_k(lb, pr, 1)
    _, r2 = tf.metrics.recall_at_k(lb, pr, 2, name="r2")
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        got = s.run([pu, ru, r2])
    top2 = [set(np.argsort(-np.eye(5)[i], kind="stable")[:2]) for i in (3, 2)]
    sets = [{3, -1}, {1, 2}]
    tp2 = sum(len(t & l) for t, l in zip(top2, sets))
    assert got[0] == 1.0 and got[1] == pytest.approx(2 / 4) and got[2] == pytest.approx(tp2 / 4)
    with pytest.raises(ValueError, match=r"^weights can not be broadcast to values\. "
                                         r"values\.rank=1\. weights\.rank=2\."):
        tf.metrics.recall_at_k(np.array([1, 1, 3]), np.eye(4, dtype=np.float32)[:3], 1,
                               weights=np.ones((3, 1)))
