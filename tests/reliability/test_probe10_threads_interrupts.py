"""Reliability probe 10: threads, Ctrl-C in eager training, bad feeds to a compiled plan,
NaN/Inf checks (each finding requested from its owner; see requests.md).

Found by this probe:

* eager ``loss.backward()`` (eagergrad, ``dlcore_eager/autograd/``) interrupted by a Ctrl-C
  left the parameters' ``.grad`` torn: some leaves had this backward's gradient added, the
  others not (283 of the 560 signal points of a three-layer MLP's backward).  PyTorch's
  backward is one C++ call: a Ctrl-C is raised after it, every ``.grad`` as after.  The next
  ``optimizer.step()`` then moves some parameters by one gradient and others by two.  (torn;
  fixed by eagergrad, 9df5bee: the pass runs under ``urgent_deferred_interrupt``)
* eager ``BatchNorm1d`` in training (fidpt5, ``nn/``) interrupted in its forward updated
  ``running_mean`` and not ``running_var`` (42 of 394 points).  PyTorch updates both in the
  batch_norm kernel; only its ``num_batches_tracked += 1``, done in Python just before, can be
  split from them (that state is accepted here).  (torn)
* ``torch.autograd.detect_anomaly()`` (eagergrad, ``anomaly_mode.py``): ``(x / y).backward()``
  with ``x = y = 0`` gave ``y.grad = nan`` silently; PyTorch raises RuntimeError "Function
  'DivBackward0' returned nan values in its 1th output."  (silent wrong; fixed by eagergrad,
  9df5bee)
* ``tf.debugging.assert_all_finite(t, msg)`` (fidtf5, ``debug_ops.py``): made as an
  ``assert_positive``-style op whose second argument is ``data``: the message came out one
  character per line ("x\\n \\nn\\no\\nt...") and the call returned an Operation, not ``t``
  (TF 1.15: ``verify_tensor_all_finite(t, msg)`` returns ``t`` with a CheckNumerics
  dependency; ``tf.verify_tensor_all_finite`` was missing).  (wrong result type; fixed by
  fidtf5, fb01300)
* ``tf.nn.sparse_softmax_cross_entropy_with_logits`` fed logits of 3 rows and labels of 2
  (fidpt5, ``dlcore/kernels/cpu/softmax.py``): "IndexError: index 0 is out of bounds for axis
  0 with size 0", naming no shape; TF 1.15: "logits and labels must have the same first
  dimension, got logits shape [3,3] and labels shape [2]" (the shape rule has that message,
  but the Session does not re-run shape rules with the fed sizes).  (unclear error)

Kept as regression tests (passed when probed): one eager Module run from two threads gives
the serial outputs and the summed gradients; three threads on one tf.data iterator get every
element once; a DataLoader iterated from two threads at once (0 and 2 workers) gives each a
whole epoch; bad feeds (strings, wrong rank, ragged lists, dicts) to a compiled plan are
ValueError/TypeError naming the tensor, the variables unchanged, and odd layouts (Fortran
order, strided, read-only, big-endian, float16) give the right values; clip_grad_norm_'s
``error_if_nonfinite``, binary_cross_entropy and multinomial of NaN raise as torch's.
``optimizer.step()`` interrupted is covered by ``test_probe8_interrupts.py``.
"""

from __future__ import annotations

import collections
import threading
import warnings

import numpy as np
import pytest
import torch

import dlcore_eager as dl
import dlcore_static as tf
from tests.reliability._interrupts import interrupted_at_signal_checks

JOIN_S = 60


def _spread(total: int, k: int = 40):
    return range(1, total + 1, max(1, total // k))


# ----------------------------------------------------------------------------- Ctrl-C
def _mlp_after_one_backward():
    dl.manual_seed(0)
    m = dl.nn.Sequential(dl.nn.Linear(4, 5), dl.nn.Tanh(), dl.nn.Linear(5, 3), dl.nn.Tanh(),
                         dl.nn.Linear(3, 2))
    loss = m(dl.randn(6, 4)).pow(2).sum()
    loss.backward(retain_graph=True)
    return m, loss, [p.grad.numpy().copy() for p in m.parameters()]


def test_interrupted_backward_adds_to_every_grad_or_to_none():
    m, loss, _ = _mlp_after_one_backward()
    total = interrupted_at_signal_checks(10**9, loss.backward)
    assert total > 100
    torn = []
    for n in _spread(total):
        m, loss, g1 = _mlp_after_one_backward()
        interrupted_at_signal_checks(n, loss.backward)
        state = "".join("b" if np.allclose(p.grad.numpy(), g) else
                        "a" if np.allclose(p.grad.numpy(), 2 * g) else "?"
                        for p, g in zip(m.parameters(), g1))
        if state not in ("b" * len(g1), "a" * len(g1)):
            torn.append((n, state))
    assert torn == []


def _bn():
    dl.manual_seed(0)
    return dl.nn.BatchNorm1d(3), dl.randn(8, 3) * 3 + 1


def test_interrupted_batchnorm_forward_updates_both_running_stats_or_neither():
    bn, x = _bn()
    before = [bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()]
    bn(x)
    after = [bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()]
    bn, x = _bn()
    total = interrupted_at_signal_checks(10**9, lambda: bn(x))
    torn = []
    for n in range(1, total + 1):
        bn, x = _bn()
        interrupted_at_signal_checks(n, lambda: bn(x))
        now = [bn.running_mean.numpy(), bn.running_var.numpy()]
        state = "".join("b" if np.allclose(a, b) else "a" if np.allclose(a, c) else "?"
                        for a, b, c in zip(now, before, after))
        if state not in ("bb", "aa"):
            torn.append((n, state))
    assert total > 100
    assert torn == []


# ----------------------------------------------------------------------------- NaN / Inf
def test_detect_anomaly_names_a_div_backward_returning_nan_as_torch():
    msgs = []
    for lib in (torch, dl):
        x = lib.tensor([0.0, 4.0], requires_grad=True)
        y = lib.tensor([0.0, 2.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError) as e:
                with lib.autograd.detect_anomaly():
                    (x / y).sum().backward()
        msgs.append(str(e.value))
    assert msgs[0] == "Function 'DivBackward0' returned nan values in its 1th output."
    assert msgs[1] == msgs[0]


def test_assert_all_finite_returns_t_and_raises_with_msg_as_tf1():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2,))
        out = tf.debugging.assert_all_finite(x, "x not finite")
        assert isinstance(out, tf.Tensor) and out.shape.as_list() == [2]
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(out, {x: [1.0, 2.0]}), [1.0, 2.0])
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"x not finite : Tensor had NaN"):
                s.run(out, {x: [1.0, np.nan]})
        assert tf.verify_tensor_all_finite is not None


def test_sparse_xent_fed_mismatched_first_dimensions_names_the_shapes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 3))
        lab = tf.placeholder(tf.int32, (None,))
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=x)
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"logits and labels must have the same first dimension, "
                                     r"got logits shape \[3, ?3\] and labels shape \[2\]"):
                s.run(loss, {x: np.ones((3, 3)), lab: [0, 1]})


def test_nonfinite_checks_raise_as_torch():
    def outcomes(lib):
        out = []
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p.grad = lib.tensor([float("nan"), 1.0])
        for f in (lambda: lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True),
                  lambda: lib.nn.functional.binary_cross_entropy(lib.tensor([float("nan")]),
                                                                  lib.tensor([1.0])),
                  lambda: lib.multinomial(lib.tensor([float("nan"), 1.0]), 1)):
            try:
                f()
                out.append("no error")
            except RuntimeError as e:
                out.append(str(e))
        return out

    want = outcomes(torch)
    assert all(w != "no error" for w in want)
    assert outcomes(dl) == want


# ----------------------------------------------------------------------------- threads
def test_one_eager_module_from_two_threads_gives_the_serial_values():
    dl.manual_seed(0)
    m = dl.nn.Sequential(dl.nn.Conv2d(2, 3, 3), dl.nn.ReLU(), dl.nn.Flatten(),
                         dl.nn.Linear(48, 5), dl.nn.LogSoftmax(1))
    xs = [dl.randn(2, 2, 6, 6) for _ in range(24)]
    serial = [m(x).detach().numpy() for x in xs]
    m.zero_grad()
    for x in xs:
        m(x).sum().backward()
    grads = [p.grad.numpy().copy() for p in m.parameters()]
    m.zero_grad()
    wrong: list = []

    def work(k):
        try:
            for i in range(k, len(xs), 2):
                y = m(xs[i])
                if not np.allclose(y.detach().numpy(), serial[i], rtol=1e-6, atol=1e-6):
                    wrong.append(i)
                y.sum().backward()
        except Exception as e:           # noqa: BLE001 - recorded for the assertion
            wrong.append(repr(e))

    ts = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(JOIN_S)
    assert wrong == []
    for p, g in zip(m.parameters(), grads):
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-5, atol=1e-5)


def test_threads_on_one_tf_data_iterator_get_every_element_once():
    g = tf.Graph()
    with g.as_default():
        ds = tf.data.Dataset.range(300).map(lambda x: x * 2).batch(3)
        it = ds.make_initializable_iterator()
        nxt = it.get_next()
    s = tf.Session(graph=g)
    s.run(it.initializer)
    got: collections.Counter = collections.Counter()
    errors: list = []
    lock = threading.Lock()

    def consume():
        try:
            while True:
                v = s.run(nxt).tolist()
                with lock:
                    got.update(v)
        except tf.errors.OutOfRangeError:
            pass
        except Exception as e:           # noqa: BLE001 - recorded for the assertion
            errors.append(repr(e))

    ts = [threading.Thread(target=consume, daemon=True) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(JOIN_S)
    s.close()
    assert errors == []
    assert got == collections.Counter(range(0, 600, 2))


@pytest.mark.parametrize("workers", [0, 2])
def test_a_dataloader_iterated_from_two_threads_gives_each_a_whole_epoch(workers):
    loader = dl.utils.data.DataLoader(dl.utils.data.TensorDataset(dl.arange(50.)),
                                      batch_size=4, num_workers=workers)
    want = [b[0].numpy().tolist() for b in loader]
    res: list = [None, None]

    def run(k):
        res[k] = [b[0].numpy().tolist() for b in loader]

    ts = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(JOIN_S)
    assert want == [[float(i) for i in range(j, min(j + 4, 50))] for j in range(0, 50, 4)]
    assert res == [want, want]


# ----------------------------------------------------------------------------- feeds
def _compiled_session():
    rng = np.random.RandomState(0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 4), name="x")
        w = tf.Variable(rng.randn(4, 3).astype(np.float32))
        h = tf.nn.relu(tf.matmul(x, w) + 1.0)
        step = tf.assign_sub(w, 0.01 * tf.gradients(tf.reduce_sum(h * h), w)[0])
        s = tf.Session(graph=g)
        s.run(w.initializer)
    base = rng.randn(6, 4).astype(np.float32)
    for _ in range(6):                  # the plan tiers to the compiled one
        s.run(h, {x: base})
    return s, x, w, h, step, base


def test_bad_feeds_to_a_compiled_plan_name_the_tensor_and_change_nothing():
    s, x, w, h, step, base = _compiled_session()
    w0 = s.run(w)
    cases = [
        (np.array([["a"] * 4] * 2), ValueError,
         r"Cannot convert the value fed for Tensor 'x:0' to float32"),
        (np.ones((2, 4, 1), np.float32), ValueError,
         r"Cannot feed value of shape \(2, 4, 1\) for Tensor 'x:0', which has shape '\(\?, 4\)'"),
        (np.ones((2, 5), np.float32), ValueError,
         r"Cannot feed value of shape \(2, 5\) for Tensor 'x:0', which has shape '\(\?, 4\)'"),
        ([[1, 2, 3, 4], [1, 2]], ValueError, r"Cannot convert the value fed for Tensor 'x:0'"),
        ({"a": 1}, TypeError, r"Cannot convert the value fed for Tensor 'x:0' to float32"),
    ]
    for value, kind, msg in cases:
        with pytest.raises(kind, match=msg):
            s.run([h, step], {x: value})
        np.testing.assert_array_equal(s.run(w), w0)
    s.close()


def test_odd_layouts_fed_to_a_compiled_plan_give_the_right_values():
    s, x, w, h, step, base = _compiled_session()
    wv = s.run(w)
    ro = base.copy()
    ro.setflags(write=False)
    for v in (np.asfortranarray(base), np.repeat(base, 2, axis=1)[:, ::2], ro,
              base.astype(">f4"), base.astype(np.float16), base.astype(np.float64),
              base.tolist()):
        want = np.maximum(np.asarray(v, np.float32) @ wv + 1.0, 0.0)
        np.testing.assert_allclose(s.run(h, {x: v}), want, rtol=1e-5, atol=1e-5)
    s.close()
