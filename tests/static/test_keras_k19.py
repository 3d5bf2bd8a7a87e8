"""Session 19's Keras API (keras7): ``keras.ops.numpy``/``nn``/``linalg``/``image`` as modules
holding the flat ``keras.ops`` functions; ``keras.ops.image.elastic_transform`` against Keras 3
(NumPy backend, same int seed: the same values); optimizers as Keras 3 records
(``serialize``/``deserialize``/``get``, ``get_config``/``from_config``) against Keras 3's own
dicts, and ``.keras`` files restoring the optimizer with its state."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import ops
from dlcore_static.keras import random as krandom
from tests.io.real_keras import keras3

R = np.random.default_rng(19)


# --------------------------------------------------------------------------- ops namespaces
@pytest.mark.parametrize("sub", ["numpy", "nn", "linalg", "image"])
def test_ops_submodules_are_modules_with_keras3_names(sub):
    k3 = keras3()
    mod = importlib.import_module(f"dlcore_static.keras.ops.{sub}")
    assert mod is getattr(ops, sub) and mod.__name__ == f"dlcore_static.keras.ops.{sub}"
    want = {n for n in dir(getattr(k3.ops, sub)) if not n.startswith("_")}
    assert set(mod.__all__) == want
    if sub != "image":          # the flat namespace holds the very same function objects
        for name in mod.__all__:
            assert getattr(mod, name) is getattr(ops, name), name


def test_ops_numpy_as_users_import_it():
    from dlcore_static.keras.ops import numpy as knp
    x = np.array([[1.0, -2.0], [3.0, 4.0]], "float32")
    with tf.Session() as s:
        a, b = s.run([knp.abs(x), knp.einsum("ij,jk->ik", x, x)])
    np.testing.assert_array_equal(a, np.abs(x))
    np.testing.assert_allclose(b, x @ x, rtol=1e-6)
    with pytest.raises(AttributeError):
        knp.elastic_transform          # noqa: B018  (an image op: not in keras.ops.numpy)


# --------------------------------------------------------------------------- elastic_transform
ELASTIC = [((2, 9, 11, 3), None, "bilinear", "reflect"),
           ((9, 11, 2), None, "nearest", "constant"),
           ((2, 3, 9, 11), "channels_first", "bilinear", "wrap"),
           ((1, 8, 8, 1), None, "bilinear", "mirror"),
           ((2, 7, 6, 1), None, "bilinear", "nearest")]


@pytest.mark.parametrize("shape,fmt,interp,fill", ELASTIC, ids=[f"{c[0]}-{c[3]}" for c in ELASTIC])
def test_elastic_transform_values_equal_keras3_for_an_int_seed(shape, fmt, interp, fill):
    k3 = keras3()
    x = R.random(shape).astype("float32")
    kw = {"alpha": 3.0, "sigma": 1.5, "interpolation": interp, "fill_mode": fill,
          "fill_value": 0.5, "seed": 7, "data_format": fmt}
    want = k3.ops.convert_to_numpy(k3.ops.image.elastic_transform(x, **kw))
    got = ops.convert_to_numpy(ops.image.elastic_transform(x, **kw))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert np.abs(got - x).max() > 0.05                 # (a real deformation)


def test_elastic_transform_unknown_batch_seeds_and_gradient():
    x = tf.placeholder(tf.float32, [None, 6, 7, 2])
    xv = R.random((3, 6, 7, 2)).astype("float32")
    gen = ops.image.elastic_transform(x, alpha=2.0, sigma=1.0, seed=krandom.SeedGenerator(3))
    fixed = ops.image.elastic_transform(x, alpha=2.0, sigma=1.0, seed=5)
    ident = ops.image.elastic_transform(x, alpha=0.0, sigma=1.0, seed=5)
    loss = tf.reduce_sum(fixed * tf.constant(R.standard_normal((3, 6, 7, 2)).astype("f")))
    grad = tf.gradients(loss, x)[0]
    with tf.Session() as s:
        a, b = s.run(gen, {x: xv}), s.run(gen, {x: xv})
        c, d = s.run(fixed, {x: xv}), s.run(fixed, {x: xv})
        e, g = s.run([ident, grad], {x: xv})
        # the same batch, fed twice: the int seed's field is the same, the generator's new
        assert a.shape == xv.shape and np.abs(a - b).max() > 1e-3
        np.testing.assert_array_equal(c, d)
        np.testing.assert_allclose(e, xv, atol=1e-6)     # alpha 0: no displacement
        # the output is linear in the images: d loss / dx by finite differences in one pixel
        i = (1, 2, 3, 0)
        h = 1e-2
        xp, xm = xv.copy(), xv.copy()
        xp[i] += h
        xm[i] -= h
        fd = (s.run(loss, {x: xp}) - s.run(loss, {x: xm})) / (2 * h)
        assert g.shape == xv.shape and abs(fd - g[i]) < 1e-3 * max(1.0, abs(fd))


def test_elastic_transform_integer_images_and_errors():
    xi = (R.random((6, 6, 1)) * 255).astype("uint8")
    out = ops.convert_to_numpy(ops.image.elastic_transform(xi, alpha=1.0, sigma=1.0, seed=1))
    assert out.dtype == np.uint8 and out.shape == xi.shape
    # dtypes (rv19 K1): float32 and integers as Keras 3; float64 kept and float16 computed
    # as float32 (documented differences, ops_image_elastic's docstring)
    for dt, want in (("float32", "float32"), ("float64", "float64"), ("uint8", "uint8"),
                     ("int32", "int32")):
        y = ops.image.elastic_transform(xi.astype(dt), sigma=1.0, seed=1)
        assert ops.convert_to_numpy(y).dtype == np.dtype(want), dt
    with pytest.raises(ValueError, match="Invalid value for argument `interpolation`"):
        ops.image.elastic_transform(xi, interpolation="bicubic")
    with pytest.raises(ValueError, match="Invalid value for argument `fill_mode`"):
        ops.image.elastic_transform(xi, fill_mode="edge")
    with pytest.raises(ValueError, match="Invalid images rank: expected rank 3"):
        ops.image.elastic_transform(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="elastic_transform: `sigma` must be positive"):
        ops.image.elastic_transform(xi, sigma=0.0)
    with pytest.raises(ValueError, match="height, width and channels must be known"):
        ops.image.elastic_transform(tf.placeholder(tf.float32, [2, None, 4, 1]))
    with pytest.raises(TypeError, match="`alpha` must be a number known when the graph"):
        ops.image.elastic_transform(xi, alpha=tf.constant(1.0))
    with pytest.raises(ValueError, match="Argument `seed` must be either an integer"):
        ops.image.elastic_transform(xi, seed="7")


# --------------------------------------------------------------------------- optimizers

OPT_ARGS = [("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
            ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "centered": True}),
            ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.2}),
            ("Adadelta", {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-6}),
            ("Adam", {"learning_rate": 0.002, "amsgrad": True, "clipnorm": 1.0}),
            ("AdamW", {"learning_rate": 0.003, "weight_decay": 0.01, "global_clipnorm": 2.0}),
            ("Adamax", {"learning_rate": 0.004, "beta_1": 0.8, "clipvalue": 0.5}),
            ("Nadam", {"learning_rate": 0.005, "use_ema": True, "ema_momentum": 0.9,
                       "ema_overwrite_frequency": 3, "loss_scale_factor": 128.0})]


@pytest.mark.parametrize("cls,kw", OPT_ARGS, ids=[c for c, _ in OPT_ARGS])
def test_optimizer_config_equals_keras3_and_round_trips(cls, kw):
    k3 = keras3()
    ours = getattr(keras.optimizers, cls)(name="opt", **kw)
    theirs = getattr(k3.optimizers, cls)(name="opt", **kw)
    assert ours.get_config() == theirs.get_config()
    assert list(ours.get_config()) == list(theirs.get_config())      # (Keras 3's key order)
    rec = keras.optimizers.serialize(ours)
    assert rec == k3.optimizers.serialize(theirs)
    back = keras.optimizers.deserialize(rec)
    assert type(back) is type(ours) and back.get_config() == ours.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()
    assert k3.optimizers.deserialize(rec).get_config() == theirs.get_config()


def test_optimizer_schedule_record_names_and_get():
    k3 = keras3()
    sched = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    ours = keras.optimizers.Adam(learning_rate=sched, name="a")
    theirs = k3.optimizers.Adam(learning_rate=k3.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10, decay_rate=0.9), name="a")
    assert keras.optimizers.serialize(ours) == k3.optimizers.serialize(theirs)
    back = keras.optimizers.deserialize(keras.optimizers.serialize(ours))
    assert type(back._schedule).__name__ == "ExponentialDecay"
    assert back._schedule.get_config() == sched.get_config()
    # names: snake case of the class, numbered as Keras 3 numbers them
    K.clear_session()
    names = [keras.optimizers.RMSprop().name, keras.optimizers.RMSprop().name,
             keras.optimizers.AdamW().name]
    assert names == ["rm_sprop", "rm_sprop_1", "adam_w"]
    # get: an object, a name (any case), a record (Keras 3's or Keras 2's), None
    opt = keras.optimizers.SGD()
    assert keras.optimizers.get(opt) is opt and keras.optimizers.get(None) is None
    assert type(keras.optimizers.get("Adam")) is keras.optimizers.Adam
    got = keras.optimizers.get({"class_name": "adam", "config": {"learning_rate": 0.5}})
    assert type(got) is keras.optimizers.Adam and got.get_config()["learning_rate"] == 0.5
    for bad in ("nope", 3, {"class_name": "Nope", "config": {}}):
        with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
            keras.optimizers.get(bad)


def test_optimizer_argument_errors_as_keras3():
    k3 = keras3()
    cases = [({"foo": 1}, "Argument\\(s\\) not recognized: \\{'foo': 1\\}"),
             ({"clipnorm": 1.0, "clipvalue": 1.0}, ("Only one of `clipnorm`, `clipvalue` and "
              "`global_clipnorm` can be set. Received: clipnorm=1.0, clipvalue=1.0, "
              "global_clipnorm=None")),
             ({"use_ema": True, "ema_momentum": 2}, "`ema_momentum` must be in the range"),
             ({"use_ema": True, "ema_overwrite_frequency": 0.5},
              "`ema_overwrite_frequency` must be an integer >= 1 or None"),
             ({"gradient_accumulation_steps": 1},
              "`gradient_accumulation_steps` must be an integer >= 2"),
             ({"learning_rate": "x"}, "Argument `learning_rate` should be float")]
    for kw, msg in cases:
        with pytest.raises(ValueError, match=msg):
            k3.optimizers.Adam(**kw)
        with pytest.raises(ValueError, match=msg):
            keras.optimizers.Adam(**kw)
    # (gradient_accumulation_steps=4 is implemented since session 21: test_keras8_optimizers)


def _keras3_steps(k3, opt, w0, grads):
    vs = [k3.Variable(w, name=f"w{i}") for i, w in enumerate(w0)]
    for g in grads:
        opt.apply([np.asarray(x) for x in g], vs)
    return [np.asarray(v.numpy()) for v in vs], [np.asarray(v.numpy()) for v in opt.variables]


def _our_steps(opt, w0, grads):
    vs = [tf.Variable(w, name=f"w{i}") for i, w in enumerate(w0)]
    ph = [tf.placeholder(tf.float32, w.shape) for w in w0]
    step = opt.apply_gradients(zip(ph, vs))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for g in grads:
            s.run(step, dict(zip(ph, g)))
        return s.run(vs), s.run(opt.variables)


STEP_CASES = [("Adam", {"weight_decay": 0.1, "clipnorm": 0.5}),
              ("SGD", {"momentum": 0.9, "global_clipnorm": 0.3}),
              ("Adam", {"use_ema": True, "ema_momentum": 0.8, "ema_overwrite_frequency": 2}),
              ("Adamax", {"loss_scale_factor": 4.0, "clipvalue": 0.2}),
              ("AdamW", {"weight_decay": 0.05})]


@pytest.mark.parametrize("cls,kw", STEP_CASES, ids=[f"{c}-{min(k)}" for c, k in STEP_CASES])
def test_optimizer_steps_equal_keras3(cls, kw):
    """Weight decay, the three clippings, the moving average (overwrite every 2 steps) and the
    loss scale: the variables and the optimizer's own after 3 steps equal Keras 3's."""
    k3 = keras3()
    w0 = [R.standard_normal((3, 2)).astype("float32"), R.standard_normal(2).astype("float32")]
    grads = [[R.standard_normal(w.shape).astype("float32") for w in w0] for _ in range(3)]
    want, want_opt = _keras3_steps(k3, getattr(k3.optimizers, cls)(0.1, **kw), w0, grads)
    got, got_opt = _our_steps(getattr(keras.optimizers, cls)(0.1, **kw), w0, grads)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert len(got_opt) == len(want_opt)
    for a, b in zip(got_opt, want_opt):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _dense_model(opt):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    m.compile(optimizer=opt, loss="mse")
    return m


XS = R.random((8, 3)).astype("float32")
YS = R.random((8, 2)).astype("float32")
STATE_CASES = [("Adam", {"learning_rate": 0.01, "amsgrad": True}),
               ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
               ("RMSprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5}),
               ("Adam", {"learning_rate": 0.01, "use_ema": True}),
               ("Nadam", {}),
               ("Adadelta", {})]


@pytest.mark.parametrize("cls,kw", STATE_CASES, ids=[f"{c}{len(k)}" for c, k in STATE_CASES])
def test_keras_file_keeps_the_optimizer_state(cls, kw, tmp_path):
    """model.save(.keras) writes optimizer/vars as Keras 3 (Keras 3 reads them all, no
    'Skipping variable loading' warning); load_model restores them, so training goes on as if
    never saved."""
    import warnings
    k3 = keras3()
    m = _dense_model(getattr(keras.optimizers, cls)(**kw))
    m.fit(XS, YS, batch_size=4, epochs=1, verbose=0, shuffle=False)
    path = str(tmp_path / "m.keras")
    m.save(path)
    saved = K.batch_get_value(m.optimizer.variables)
    assert int(saved[0]) == 2 and len(saved) > 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)       # (Keras 3 warns when it skips them)
        r = k3.models.load_model(path)
    theirs = [np.asarray(v.numpy()) for v in r.optimizer.variables]
    assert len(theirs) == len(saved)
    for a, b in zip(saved, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    m.fit(XS, YS, batch_size=8, epochs=1, verbose=0, shuffle=False)
    with tf.Graph().as_default():
        m2 = keras.models.load_model(path)
        for a, b in zip(K.batch_get_value(m2.optimizer.variables), saved):
            np.testing.assert_array_equal(a, b)
        m2.fit(XS, YS, batch_size=8, epochs=1, verbose=0, shuffle=False)
        for a, b in zip(m2.get_weights(), m.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_keras3_file_optimizer_state_read_and_checked(tmp_path):
    """A file Keras 3 wrote after 3 Adam steps: dlcore reads its optimizer variables; a file
    whose optimizer has other shapes is refused naming the variable, nothing assigned."""
    import h5py
    k3 = keras3()
    r = k3.Sequential([k3.Input((3,)), k3.layers.Dense(2)])
    r.compile(optimizer=k3.optimizers.Adam(0.01), loss="mse")
    for _ in range(3):
        r.optimizer.apply([R.standard_normal(v.shape).astype("float32")
                           for v in r.trainable_variables], r.trainable_variables)
    r.save(str(tmp_path / "r.keras"))
    want = [np.asarray(v.numpy()) for v in r.optimizer.variables]
    m = keras.models.load_model(str(tmp_path / "r.keras"))
    got = K.batch_get_value(m.optimizer.variables)
    assert len(got) == len(want) == 6 and int(got[0]) == 3
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # a damaged file: optimizer/vars/2 of another shape
    import io
    import zipfile
    with zipfile.ZipFile(tmp_path / "r.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    buf = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buf, "a") as f:
        del f["optimizer/vars/2"]
        f["optimizer/vars/2"] = np.zeros((4, 4), "float32")
    files["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    from dlcore_static.keras.saving import KerasFileError
    with tf.Graph().as_default(), pytest.raises(
            KerasFileError, match="optimizer variable 2 .* has shape \\(3, 2\\), the file's "
                                  "optimizer/vars/2 has \\(4, 4\\)"):
        keras.models.load_model(str(tmp_path / "bad.keras"))


def test_use_ema_fit_ends_with_the_averages_and_weight_decay_exclusions():
    m = _dense_model(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    ws = []
    for x, y in ((XS[:4], YS[:4]), (XS[4:], YS[4:])):     # each step's weights by hand
        w = [np.asarray(v, np.float64) for v in (ws[-1] if ws else m.get_weights())]
        err = x @ w[0] + w[1] - y
        g = [x.T @ err * 2 / err.size, err.sum(0) * 2 / err.size]
        ws.append([a - 0.1 * b for a, b in zip(w, g)])
    avg = list(ws[0])                                     # step 1: momentum 0
    avg = [0.5 * a + 0.5 * b for a, b in zip(avg, ws[1])]
    m.fit(XS, YS, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(m.get_weights(), avg):                # fit ends on the moving averages
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # exclude_from_weight_decay: the bias by name keeps its value under a zero gradient
    opt = keras.optimizers.AdamW(0.1, weight_decay=0.5)
    k, b = tf.Variable(np.ones((2, 2), "float32"), name="kernel"), \
        tf.Variable(np.ones(2, "float32"), name="bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    step = opt.apply_gradients([(tf.zeros((2, 2)), k), (tf.zeros(2), b)])
    with pytest.raises(ValueError, match="can only be configured before the optimizer is "
                                         "built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step)
        np.testing.assert_allclose(s.run(k), 1 - 0.1 * 0.5, rtol=1e-6)
        np.testing.assert_array_equal(s.run(b), 1.0)


def test_train_step_applying_twice_reads_the_updated_weights():
    """A train_step that applies the optimizer twice (a WGAN's critic loop): the second
    gradient is taken at the once-updated weight and the same Adam slots are updated, as in
    Keras 3's eager step (the static step had read both at the step's start); NumPy's Adam."""

    class Twice(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            for _ in range(2):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(self(x) - y))
                grads = tape.gradient(loss, self.trainable_variables)
                self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    m = Twice()
    m.compile(optimizer=keras.optimizers.Adam(0.1))
    x, y = np.array([[1.0], [2.0]], "float32"), np.array([[0.0], [1.0]], "float32")
    h = m.fit(x, y, batch_size=2, epochs=2, verbose=0)
    w, mom, vel, losses = 1.0, 0.0, 0.0, []
    for t in range(1, 5):
        r = x[:, 0] * w - y[:, 0]
        losses.append(float(np.mean(r ** 2)))
        g = float(np.mean(2 * r * x[:, 0]))
        mom, vel = 0.9 * mom + 0.1 * g, 0.999 * vel + 0.001 * g * g
        w -= 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * mom / (np.sqrt(vel) + 1e-7)
    np.testing.assert_allclose(m.get_weights()[0], [[w]], rtol=1e-5)
    np.testing.assert_allclose(h.history["loss"], losses[1::2], rtol=1e-5)
    assert len(m.optimizer.weights) == 2 and int(K.get_value(m.optimizer.iterations)) == 4


# --------------------------------------------------------------------------- lead's findings
def test_bidirectional_initial_state_halves_as_keras3():
    """Bidirectional(LSTM)(x, initial_state=[h1, c1, h2, c2]): the forward layer starts from
    the first half, the backward one from the second (it ignored them: 0.177 off)."""
    k3 = keras3()

    def build(kk):
        inp, states = kk.Input((5, 4)), [kk.Input((3,)) for _ in range(4)]
        out = kk.layers.Bidirectional(kk.layers.LSTM(3))(inp, initial_state=states)
        return kk.Model([inp, *states], out)

    theirs, ours = build(k3), build(keras)
    ours.set_weights(theirs.get_weights())
    xs = [R.random((2, 5, 4)).astype("float32")] + [R.random((2, 3)).astype("float32")
                                                     for _ in range(4)]
    want = np.asarray(theirs.predict(xs, verbose=0))
    np.testing.assert_allclose(ours.predict(xs, verbose=0), want, rtol=1e-5, atol=1e-6)
    swapped = xs[:1] + xs[3:] + xs[1:3]
    assert np.abs(ours.predict(swapped, verbose=0) - want).max() > 1e-3


def test_relu_threshold_and_dropout_noise_shape():
    k3 = keras3()
    x = np.linspace(-3, 3, 13).astype("float32")
    for kw in ({"threshold": 1.0}, {"threshold": 1.0, "alpha": 0.3},
               {"threshold": 1.0, "max_value": 2.0, "alpha": 0.2}, {"alpha": 0.1}):
        k3kw = {("negative_slope" if k == "alpha" else k): v for k, v in kw.items()}
        want = np.asarray(k3.activations.relu(x, **k3kw))
        np.testing.assert_allclose(K.get_value(K.relu(x, **kw)), want, rtol=1e-6)
        np.testing.assert_allclose(K.get_value(keras.activations.relu(tf.constant(x), **kw)),
                                   want, rtol=1e-6)
    # K.dropout's noise_shape (4, 1): each row kept or dropped whole
    d = K.get_value(K.dropout(np.ones((64, 5), "float32"), 0.5, noise_shape=(64, 1), seed=3))
    assert set(np.unique(d)) <= {0.0, 2.0} and (d == d[:, :1]).all()
    assert 0 < (d[:, 0] == 0).sum() < 64


def test_train_step_ignoring_y_fits_with_y():
    """rv19 K2: fit(x, y) of a train_step that unpacks y and never uses it (Keras 3 runs it;
    the unused y placeholder was a target of the step's updates: 'You must feed')."""

    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1, kernel_initializer="ones")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, _ = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self(x)))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    m = M()
    m.compile(optimizer=keras.optimizers.SGD(0.1))
    h = m.fit(np.ones((4, 3), "float32"), np.zeros((4, 1), "float32"), batch_size=4,
              epochs=1, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [9.0])      # (x @ ones = 3, squared)
    # one SGD step: dL/dw = 2 * 3 * 1 = 6 per weight, dL/db = 6
    np.testing.assert_allclose(m.get_weights()[0], np.full((3, 1), 1 - 0.6), rtol=1e-6)
