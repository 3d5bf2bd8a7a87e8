"""Reliability probe 9, recent eager/static/Keras features (probe).

Found by this probe (each requested from its owner; see requests.md):

* eager ``F.interpolate`` of a uint8 tensor (fidpt4, ``nn/functional_conv.py``), bilinear or
  bicubic, with or without antialias: all zeros (torch: the resized image).  (silent wrong)
  ``F.max_pool2d`` of uint8 raised DTypeNotImplemented (torch pools it).  (Both fixed by
  fidpt4, 3bfb0bc.)

* eager forward AD (eagerfront, ``dlcore_eager/autograd/forward_ad.py``; fixed by eagerfront,
  "eager forward AD through in-place ops": torch's tangents in all ten cases): an in-place op that
  writes a dual tensor's value into a plain tensor (``x.add_(d)``, ``x.copy_(d)``,
  ``x[1:] = d[1:]``, ``addcmul_``, ``index_add_``, ``scatter_``, ``lerp_``, ``sub_``, ``div_``)
  left ``x`` without a tangent: ``unpack_dual(x).tangent`` was None (read as zero) where
  PyTorch carries it.  ``d.unsqueeze_(0)`` kept the tangent of the old shape.  (silent wrong)
* eager ``DataLoader(timeout=...)`` (fidpt4, ``dlcore_eager/utils/data/workers.py``): ignored;
  a worker stuck in ``__getitem__`` blocked the loop for as long as it took, where PyTorch
  raises RuntimeError 'DataLoader timed out after 0.5 seconds'.  (hang)  Persistent workers
  outlived their loader (the threads' initializer held it): ten loaders, thirty idle threads
  for the life of the process.  (leak; fixed by reliab: the initializer holds no loader)  After an item raised, the loader's iterator ended
  (StopIteration): PyTorch's goes on with the next batch.  (silent wrong: epoch cut short)
* static ``tf.sparse_tensor_to_dense(validate_indices=True)`` (fidtf4, ``sparse.py``):
  repeated and out-of-order indices were accepted (last write won), and a values vector of
  one element for two indices was broadcast; TF 1.15's SparseToDense raises
  InvalidArgumentError ('is repeated', 'is out of order', 'sparse_values has incorrect
  shape [1], should be [] or [2]').  (silent acceptance of bad input; fixed by fidtf4, 9500f73)
* eager optimizers (fidpt4, ``optim/optimizer.py``): ``load_state_dict`` took ``'step': 'x'``
  (torch 2.13: ValueError); the next ``step()`` moved three of four parameters, then raised.
  (Fixed by fidpt4, 02a44e6.)
* Keras (keras4, ``keras/training.py``): a callback raising during ``fit`` left
  ``model.history`` None; Keras 3 sets it when fit starts (``History.set_model``): the epochs
  finished before the exception are there.  ``compile(run_eagerly=True)`` (and jit_compile,
  steps_per_execution, auto_scale_loss, Keras 3 arguments) raised TypeError.  (Both fixed by
  keras4, 114fbd8.)
  ``compile(weighted_metrics=[...])`` was ignored: no 'wmp' in the history, evaluate's list
  one short (silent).  (Fixed by kerasmend: computed with the sample weights.)

Kept as regression tests (passed when probed, vs torch 2.13 / brute force): LSTM(proj_size)
forward and gradients, 5-D grid_sample/affine_grid, interpolate(antialias=True), EmbeddingBag,
forward-AD misuse errors, tf.contrib.crf against enumeration of every tag sequence.
"""

from __future__ import annotations

import itertools
import os
import threading
import time

import numpy as np
import pytest
import torch

import dlcore_eager as T
import dlcore_static as tf

os.environ.setdefault("KERAS_BACKEND", "numpy")


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# ----------------------------------------------------------------------------- uint8 images
@pytest.mark.parametrize("mode,antialias,tol", [("bilinear", False, 1), ("bilinear", True, 1),
                                                ("bicubic", False, 20), ("bicubic", True, 16)])
def test_interpolate_of_a_uint8_image_as_torch(mode, antialias, tol):
    """A uint8 image resized (torchvision's tensors are uint8): dlcore returned all zeros for
    bilinear and bicubic, with and without antialias (torch: the resized image; its uint8
    path rounds its own way, bicubic up to 18 from round(float result), hence ``tol``)."""
    x = np.random.RandomState(0).randint(0, 256, (2, 3, 17, 13)).astype(np.uint8)
    for size in [(5, 7), (30, 20)]:
        want = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode=mode,
                                               antialias=antialias).numpy()
        got = _np(T.nn.functional.interpolate(T.tensor(x), size=size, mode=mode,
                                              antialias=antialias))
        assert got.dtype == np.uint8 and got.shape == want.shape
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() <= tol and diff.mean() < 0.5


def test_max_pool_of_a_uint8_image_as_torch():
    x = np.random.RandomState(0).randint(0, 256, (1, 2, 7, 6)).astype(np.uint8)
    want = torch.nn.functional.max_pool2d(torch.tensor(x), 2).numpy()
    got = _np(T.nn.functional.max_pool2d(T.tensor(x), 2))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


# ----------------------------------------------------------------------------- forward AD
INPLACE = {
    "add_": lambda L, d: L.zeros(3, dtype=L.float64).add_(d),
    "copy_": lambda L, d: L.zeros(3, dtype=L.float64).copy_(d),
    "setitem": lambda L, d: (lambda x: (x.__setitem__(slice(1, None), d[1:] * 2), x)[1])(
        L.zeros(3, dtype=L.float64)),
    "addcmul_": lambda L, d: L.ones(3, dtype=L.float64).addcmul_(d, d),
    "index_add_": lambda L, d: L.zeros(3, dtype=L.float64).index_add_(0, L.tensor([2, 0, 1]),
                                                                      d),
    "scatter_": lambda L, d: L.zeros(3, dtype=L.float64).scatter_(0, L.tensor([1, 2, 0]), d),
    "lerp_": lambda L, d: L.zeros(3, dtype=L.float64).lerp_(d, 0.25),
    "sub_alpha": lambda L, d: L.zeros(3, dtype=L.float64).sub_(d, alpha=3),
    "div_": lambda L, d: L.ones(3, dtype=L.float64).div_(d),
    "unsqueeze_": lambda L, d: (d * 1).unsqueeze_(0),
}


def _dual_case(L, f):
    fw = L.autograd.forward_ad
    with fw.dual_level():
        d = fw.make_dual(L.tensor([1., 2., 3.], dtype=L.float64),
                         L.tensor([1., 10., 100.], dtype=L.float64))
        p, t = fw.unpack_dual(f(L, d))
        return _np(p), None if t is None else _np(t)


@pytest.mark.parametrize("case", sorted(INPLACE))
def test_forward_ad_through_an_inplace_write_carries_the_tangent_or_refuses(case):
    want_p, want_t = _dual_case(torch, INPLACE[case])
    try:
        p, t = _dual_case(T, INPLACE[case])
    except RuntimeError as e:                   # refusing, in words, is no silent answer
        assert "forward AD" in str(e)
        return
    np.testing.assert_allclose(p, want_p)
    assert t is not None, "the tangent was dropped"
    assert t.shape == want_t.shape
    np.testing.assert_allclose(t, want_t)


def test_forward_ad_misuse_errors_as_pytorch():
    for L in (T, torch):
        fw = L.autograd.forward_ad
        with pytest.raises(RuntimeError, match="no level exists"):
            fw.make_dual(L.ones(3), L.ones(3))
        with fw.dual_level():
            with pytest.raises(RuntimeError, match=r"Tensor is of size \[3\] while the given "
                               r"forward gradient is of size \[4\]"):
                fw.make_dual(L.ones(3), L.ones(4))
            with pytest.raises(ValueError, match="Expected primal to be floating point"):
                fw.make_dual(L.ones(3, dtype=L.int64), L.ones(3, dtype=L.int64))
            with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
                with fw.dual_level():
                    pass
        assert fw.unpack_dual(L.ones(2)).tangent is None


# ----------------------------------------------------------------------------- DataLoader
def test_dataloader_timeout_raises_as_pytorch():
    release = threading.Event()

    class Slow(T.utils.data.Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                release.wait(4.0)       # a stuck read (released after the test)
            return T.tensor([float(i)])

    loader = T.utils.data.DataLoader(Slow(), batch_size=2, num_workers=2, timeout=0.5)
    got = []
    t0 = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0\.5 seconds$"):
            for b in loader:
                got.append(_np(b).ravel().tolist())
        waited = time.monotonic() - t0
    finally:
        release.set()
    assert got == [[0.0, 1.0], [2.0, 3.0]]
    assert waited < 3.5


def test_persistent_workers_end_with_their_dataloader():
    """PyTorch shuts a loader's persistent workers down when the loader is collected; here
    the worker threads' initializer held the loader: ten loaders left thirty idle threads."""
    import gc

    before = set(threading.enumerate())     # (an earlier test's stuck worker may end meanwhile)

    def live():
        return [t.name for t in threading.enumerate()
                if t.name.startswith("dlcore-dataloader") and t not in before]

    for _ in range(4):
        loader = T.utils.data.DataLoader(T.utils.data.TensorDataset(T.arange(20.)),
                                         batch_size=4, num_workers=3, persistent_workers=True)
        assert len(list(loader)) == 5
        del loader
        gc.collect()
    deadline = time.monotonic() + 2
    while live() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live() == []


@pytest.mark.parametrize("workers", [0, 2])
def test_dataloader_iterator_goes_on_after_a_failing_item_as_pytorch(workers):
    """A program that skips a failing batch (``try: next(it) except ValueError: continue``)
    gets the rest of the epoch in PyTorch; dlcore's iterator (a generator) ended with the
    error: the next ``next`` raised StopIteration, the epoch silently cut short."""
    def run(lib):
        class DS(lib.utils.data.Dataset):
            def __len__(self):
                return 12

            def __getitem__(self, i):
                if i == 5:
                    raise ValueError("bad item 5")
                return lib.tensor([float(i)])

        it = iter(lib.utils.data.DataLoader(DS(), batch_size=3, num_workers=workers))
        out: list = []
        for _ in range(6):
            try:
                out.append(_np(next(it)).ravel().tolist())
            except StopIteration:
                out.append("end")
                break
            except ValueError as e:
                assert "bad item 5" in str(e)
                out.append("error")
        return out

    want = run(torch)
    assert want == [[0.0, 1.0, 2.0], "error", [6.0, 7.0, 8.0], [9.0, 10.0, 11.0], "end"]
    assert run(T) == want


# ----------------------------------------------------------------------------- sparse feeds
@pytest.mark.parametrize("indices,values,words", [
    ([[0, 1], [0, 1]], [1.5, -2.0], r"indices\[1\] = \[0, ?1\] is repeated"),
    ([[2, 3], [0, 1]], [1.5, -2.0], r"indices\[1\] = \[0, ?1\] is out of order"),
    ([[0, 1], [2, 3]], [1.5], r"sparse_values has incorrect shape \[1\], should be \[\] or \[2\]"),
])
def test_sparse_to_dense_refuses_bad_indices_and_values_as_tf(indices, values, words):
    g = tf.Graph()
    with g.as_default():
        sp = tf.sparse_placeholder(tf.float32, shape=[3, 4])
        d = tf.sparse_tensor_to_dense(sp)
        with tf.Session() as s:
            with pytest.raises(tf.errors.InvalidArgumentError, match=words):
                s.run(d, {sp: (np.array(indices, np.int64), np.array(values, np.float32),
                               [3, 4])})
            # sorted, unique indices still work; validate_indices=False takes them as they are
            ok = s.run(d, {sp: ([[0, 1], [2, 3]], np.array([1.5, -2.0], np.float32), [3, 4])})
    want = np.zeros((3, 4), np.float32)
    want[0, 1], want[2, 3] = 1.5, -2.0
    np.testing.assert_array_equal(ok, want)


# ----------------------------------------------------------------------------- Keras
def _keras_model(dk):
    m = dk.Sequential([dk.Input((3,)), dk.layers.Dense(1, activation="sigmoid",
                                                       kernel_initializer="ones")])
    m.compile(optimizer=dk.optimizers.SGD(0.1), loss="binary_crossentropy")
    return m


def test_model_history_holds_the_finished_epochs_when_a_callback_raises():
    from dlcore_static import keras as dk
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3).astype("float32")
    Y = (X.sum(1, keepdims=True) > 0).astype("float32")
    clean = _keras_model(dk).fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False)

    class Boom(dk.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyError("epoch boom")

    m = _keras_model(dk)
    with pytest.raises(KeyError, match="epoch boom"):
        m.fit(X, Y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[Boom()])
    # Keras 3 (History after the user's callbacks): epoch 0 only
    assert m.history is not None
    assert m.history.history["loss"] == pytest.approx(clean.history["loss"])


@pytest.mark.parametrize("kw", [{"run_eagerly": True}, {"jit_compile": False},
                                {"steps_per_execution": 1}, {"auto_scale_loss": True}])
def test_compile_takes_keras3_arguments(kw):
    from dlcore_static import keras as dk
    m = dk.Sequential([dk.Input((3,)), dk.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse", **kw)
    X = np.ones((4, 3), "float32")
    h = m.fit(X, np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert len(h.history["loss"]) == 1


# ----------------------------------------------------------------------------- regressions
@pytest.mark.parametrize("bi,layers,batch_first", [(False, 1, False), (True, 2, True)])
def test_lstm_projection_forward_and_gradients_as_torch(bi, layers, batch_first):
    torch.manual_seed(0)
    tm = torch.nn.LSTM(5, 6, num_layers=layers, proj_size=3, bidirectional=bi,
                       batch_first=batch_first, dtype=torch.float64)
    m = T.nn.LSTM(5, 6, num_layers=layers, proj_size=3, bidirectional=bi,
                  batch_first=batch_first, dtype=T.float64)
    m.load_state_dict({k: T.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.RandomState(0)
    x = rng.randn(2, 4, 5) if batch_first else rng.randn(4, 2, 5)
    d = (2 if bi else 1) * layers
    h0, c0 = rng.randn(d, 2, 3), rng.randn(d, 2, 6)
    xa, xb = T.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oa, (ha, ca) = m(xa, (T.tensor(h0), T.tensor(c0)))
    ob, (hb, cb) = tm(xb, (torch.tensor(h0), torch.tensor(c0)))
    for a, b in ((oa, ob), (ha, hb), (ca, cb)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)
    (oa.sum() + 2 * ha.sum() + ca.sum()).backward()
    (ob.sum() + 2 * hb.sum() + cb.sum()).backward()
    np.testing.assert_allclose(_np(xa.grad), _np(xb.grad), rtol=1e-9, atol=1e-12)
    for (k, p), (_, q) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), _np(q.grad), rtol=1e-9, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("mode,pad", [("bilinear", "zeros"), ("nearest", "reflection"),
                                      ("bilinear", "border")])
def test_grid_sample_5d_and_affine_grid_as_torch(mode, pad):
    rng = np.random.RandomState(1)
    x = rng.randn(2, 3, 4, 5, 6)
    theta = rng.randn(2, 3, 4)
    xa, xb = T.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ta, tb = T.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    F, TF = T.nn.functional, torch.nn.functional
    ya = F.grid_sample(xa, F.affine_grid(ta, [2, 3, 3, 2, 4], align_corners=False) * 1.2,
                       mode=mode, padding_mode=pad, align_corners=False)
    yb = TF.grid_sample(xb, TF.affine_grid(tb, [2, 3, 3, 2, 4], align_corners=False) * 1.2,
                        mode=mode, padding_mode=pad, align_corners=False)
    np.testing.assert_allclose(_np(ya), _np(yb), rtol=1e-10, atol=1e-12)
    (ya ** 2).sum().backward()
    (yb ** 2).sum().backward()
    np.testing.assert_allclose(_np(xa.grad), _np(xb.grad), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_np(ta.grad), _np(tb.grad), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("mode,size", [("bilinear", (3, 5)), ("bicubic", (12, 4))])
def test_interpolate_antialias_as_torch(mode, size):
    x = np.random.RandomState(2).randn(2, 3, 9, 8)
    xa, xb = T.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya = T.nn.functional.interpolate(xa, size=size, mode=mode, antialias=True)
    yb = torch.nn.functional.interpolate(xb, size=size, mode=mode, antialias=True)
    np.testing.assert_allclose(_np(ya), _np(yb), rtol=1e-9, atol=1e-12)
    (ya ** 2).sum().backward()
    (yb ** 2).sum().backward()
    np.testing.assert_allclose(_np(xa.grad), _np(xb.grad), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_with_padding_and_empty_bags_as_torch(mode):
    W = np.random.RandomState(3).randn(10, 4)
    ea = T.nn.EmbeddingBag(10, 4, mode=mode, padding_idx=2, dtype=T.float64)
    eb = torch.nn.EmbeddingBag(10, 4, mode=mode, padding_idx=2, dtype=torch.float64)
    ea.weight.data, eb.weight.data = T.tensor(W), torch.tensor(W)
    idx, offs = [1, 2, 2, 5, 7, 2, 9, 0], [0, 2, 2, 5]
    ya, yb = ea(T.tensor(idx), T.tensor(offs)), eb(torch.tensor(idx), torch.tensor(offs))
    np.testing.assert_allclose(_np(ya), _np(yb), rtol=1e-12)
    (ya ** 2).sum().backward()
    (yb ** 2).sum().backward()
    np.testing.assert_allclose(_np(ea.weight.grad), _np(eb.weight.grad), rtol=1e-12)


def test_crf_likelihood_decode_and_gradient_against_every_tag_sequence():
    rng = np.random.RandomState(0)
    B, L, K = 3, 4, 3
    U, A = rng.randn(B, L, K), rng.randn(K, K)
    lens = np.array([4, 2, 1], np.int32)
    tags = rng.randint(0, K, (B, L)).astype(np.int32)

    def score(u, a, seq):
        return sum(u[t, s] for t, s in enumerate(seq)) + \
            sum(a[seq[t], seq[t + 1]] for t in range(len(seq) - 1))

    def loglik(a):
        out = []
        for b in range(B):
            n = lens[b]
            sc = np.array([score(U[b], a, s) for s in itertools.product(range(K), repeat=n)])
            out.append(score(U[b], a, tags[b, :n]) - (sc.max() + np.log(np.exp(sc - sc.max())
                                                                         .sum())))
        return np.array(out)

    best = []
    for b in range(B):
        seqs = list(itertools.product(range(K), repeat=int(lens[b])))
        s = max(seqs, key=lambda q: score(U[b], A, q))
        best.append(list(s) + [0] * (L - lens[b]))
    g = tf.Graph()
    with g.as_default():
        u = tf.placeholder(tf.float64, (None, None, K))
        tp = tf.Variable(A)
        ll, _ = tf.contrib.crf.crf_log_likelihood(u, tf.constant(tags), tf.constant(lens), tp)
        dec, _ = tf.contrib.crf.crf_decode(u, tp, tf.constant(lens))
        gA = tf.gradients(tf.reduce_sum(ll), tp)[0]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            r_ll, r_dec, r_g = s.run([ll, dec, gA], {u: U})
    np.testing.assert_allclose(r_ll, loglik(A), rtol=1e-10)
    assert r_dec.tolist() == best
    eps, fd = 1e-6, np.zeros_like(A)
    for i, j in itertools.product(range(K), repeat=2):
        d = np.zeros_like(A)
        d[i, j] = eps
        fd[i, j] = (loglik(A + d).sum() - loglik(A - d).sum()) / (2 * eps)
    np.testing.assert_allclose(r_g, fd, atol=1e-6)


# ----------------------------------------------------------------------------- optimizer state
@pytest.mark.parametrize("opt", ["Adam", "RMSprop", "Adagrad", "NAdam"])
def test_a_state_dict_with_a_bad_step_is_refused_and_changes_nothing(opt):
    """torch 2.13 refuses ``'step': 'x'`` in load_state_dict (ValueError, it makes the step a
    tensor); dlcore loaded it and the next ``step()`` updated three of four parameters, then
    raised ValueError at the fourth."""
    T.manual_seed(0)
    m = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.Linear(4, 2))
    o = getattr(T.optim, opt)(m.parameters(), lr=0.1)
    (m(T.ones(5, 3)) ** 2).sum().backward()
    o.step()
    sd = o.state_dict()
    sd["state"][3] = dict(sd["state"][3], step="x")
    before = {k: _np(v).copy() for k, v in o.state_dict()["state"][3].items()
              if hasattr(v, "detach")}
    with pytest.raises(ValueError, match="could not convert string to float"):
        o.load_state_dict(sd)
    after = {k: _np(v) for k, v in o.state_dict()["state"][3].items() if hasattr(v, "detach")}
    assert sorted(before) == sorted(after)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])
    o.zero_grad()
    (m(T.ones(5, 3)) ** 2).sum().backward()
    w = [_np(p).copy() for p in m.parameters()]
    o.step()                                    # the old state still steps every parameter
    assert all(not np.array_equal(a, _np(p)) for a, p in zip(w, m.parameters()))


def test_weighted_metrics_are_computed_with_the_sample_weights():
    """Keras 3 (jax backend, same data and weights): history has 'wmp' [0.56252, 0.56525] and
    evaluate gives [loss, mp, wmp] = [0.28511, 0.56285, 0.56762]; dlcore dropped 'wmp' from
    both, silently (evaluate's list one short)."""
    from dlcore_static import keras as dk

    class MeanPred(dk.metrics.Metric):
        def __init__(self, name="mp", **kw):
            super().__init__(name=name, **kw)
            self.t = self.add_weight(name="t", shape=(), initializer="zeros")
            self.c = self.add_weight(name="c", shape=(), initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            if sample_weight is None:
                self.t.assign_add(dk.ops.sum(y_pred))
                self.c.assign_add(dk.ops.cast(dk.ops.shape(y_pred)[0], "float32"))
            else:
                sw = dk.ops.reshape(dk.ops.cast(sample_weight, "float32"), (-1, 1))
                self.t.assign_add(dk.ops.sum(y_pred * sw))
                self.c.assign_add(dk.ops.sum(sw))

        def result(self):
            return self.t / self.c

    rng = np.random.RandomState(0)
    X = rng.randn(40, 3).astype("float32")
    Y = (X.sum(1, keepdims=True) > 0).astype("float32")
    sw = np.linspace(0.5, 2, 40).astype("float32")
    m = _keras_model(dk)
    m.compile(optimizer=dk.optimizers.SGD(0.1), loss="binary_crossentropy",
              metrics=[MeanPred()], weighted_metrics=[MeanPred(name="wmp")])
    h = m.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False, sample_weight=sw)
    assert sorted(h.history) == ["loss", "mp", "wmp"]
    np.testing.assert_allclose(h.history["wmp"], [0.56252, 0.56525], atol=2e-5)
    res = m.evaluate(X, Y, batch_size=8, verbose=0, sample_weight=sw)
    p = m.predict(X, verbose=0).ravel()
    assert len(res) == 3
    np.testing.assert_allclose(res[1:], [p.mean(), (p * sw).sum() / sw.sum()], rtol=1e-5)
