"""``model.summary()`` prints what Keras 3 prints (its rich box table, as plain text).

The same models are built in dlcore and in the installed Keras 3 (NumPy backend) with the same
layer names, and the two texts are compared to the character, through ``print_fn`` and on
stdout, at fixed terminal widths (``$COLUMNS``, which both rich and ``shutil`` read).  The box
table itself is compared with rich's for random columns and cells; exact strings pin the layout
where Keras 3 is not installed.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import _text_table
from tests.io.real_keras import keras3

SEQ_TEXT = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 16)             │           144 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 16)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 16)             │            64 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 1)              │            17 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 225 (900.00 B)
 Trainable params: 193 (772.00 B)
 Non-trainable params: 32 (128.00 B)
"""


def _seq(K):
    L = K.layers
    return K.Sequential([K.Input((8,)), L.Dense(16, activation="relu", name="dense"),
                         L.Dropout(0.1, name="dropout"),
                         L.BatchNormalization(name="batch_normalization"),
                         L.Dense(1, name="dense_1")], name="sequential")


def _graph(K):
    L = K.layers
    i = K.Input((8,), name="in")
    a = L.Dense(4, name="a")(i)
    b = L.Dense(4, name="b", trainable=False)(i)
    c = L.Add(name="add")([a, b])
    d = L.Concatenate(name="a_concatenation_of_many_tensors")([a, b, c])
    return K.Model(i, [c, d], name="two_outputs")


def _shared(K):
    L = K.layers
    a, b = K.Input((4,), name="a"), K.Input((4,), name="b")
    d = L.Dense(3, name="shared")                 # called twice: node indices 0 and 1
    o = L.Concatenate(name="cat")([d(a), d(b)])
    return K.Model([a, b], L.Dense(1, name="out")(o), name="siamese")


def _nested(K):
    L = K.layers
    inner = K.Sequential([K.Input((3,)), L.Dense(5, name="inner_dense"),
                          L.Dense(2, name="inner_out")], name="inner")
    inner.layers[0].trainable = False
    return K.Sequential([K.Input((3,)), inner, L.Dense(1, name="head")], name="outer")


def _text(model, **kw) -> str:
    got: list = []
    model.summary(print_fn=got.append, **kw)
    assert len(got) == 1                         # Keras 3 hands the whole text in one call
    return got[0]


@pytest.fixture
def columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def test_sequential_summary_text_is_keras3s(columns, capsys):
    m = _seq(keras)
    assert _text(m) == SEQ_TEXT
    m.summary()
    assert capsys.readouterr().out == SEQ_TEXT


def test_optimizer_params_line_once_trained(columns):
    m = _seq(keras)
    m.compile(optimizer="adam", loss="mse")
    assert "Optimizer params" not in _text(m)
    m.train_on_batch(np.zeros((2, 8), "float32"), np.zeros((2, 1), "float32"))
    # Adam: the step count (Keras 3's int32) and the rate (float32), two slots a weight
    assert _text(m).endswith(" Total params: 613 (2.39 KB)\n"
                             " Trainable params: 193 (772.00 B)\n"
                             " Non-trainable params: 32 (128.00 B)\n"
                             " Optimizer params: 388 (1.52 KB)\n")


def test_unbuilt_sequential_lists_unbuilt_layers(columns):
    m = keras.Sequential([keras.layers.Dense(2, name="d")], name="s")
    text = _text(m)
    assert "│ d (Dense)                       │ ?                      │   0 (unbuilt) │" \
        in text
    assert text.endswith(" Total params: 0 (0.00 B)\n Trainable params: 0 (0.00 B)\n"
                         " Non-trainable params: 0 (0.00 B)\n")


def test_layer_range_errors_are_keras3s(columns):
    m = _seq(keras)
    with pytest.raises(ValueError, match="layer_range must be a list or tuple of length 2"):
        m.summary(layer_range=["dense"])
    with pytest.raises(ValueError, match="Passed layer_names do not match the layer names"):
        m.summary(layer_range=["nope", "dense"])
    with pytest.raises(ValueError, match="Insufficient console width to print summary."):
        m.summary(line_length=10)


CASES = {
    "plain": (_seq, {}),
    "narrow": (_seq, {"line_length": 50}),
    "wide_cropped": (_seq, {"line_length": 120}),
    "positions": (_seq, {"positions": [0.3, 0.7, 1.0]}),
    "range": (_seq, {"layer_range": ["drop.*", "batch.*"]}),
    "trainable": (_seq, {"show_trainable": True}),
    "graph": (_graph, {}),
    "graph_trainable": (_graph, {"show_trainable": True, "line_length": 100}),
    "shared": (_shared, {}),
    "nested": (_nested, {}),
    "nested_expanded": (_nested, {"expand_nested": True, "show_trainable": True}),
}


@pytest.mark.parametrize("width", ["80", "200"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_summary_matches_installed_keras3(case, width, monkeypatch, capsys):
    k3 = keras3()
    monkeypatch.setenv("COLUMNS", width)
    make, kw = CASES[case]
    want = _text(make(k3), **kw)
    assert _text(make(keras), **kw) == want
    make(keras).summary(**kw)
    assert capsys.readouterr().out == want


def test_optimizer_params_match_installed_keras3(columns):
    k3 = keras3()
    ref, ours = _seq(k3), _seq(keras)
    for m in (ref, ours):
        m.compile(optimizer="adam", loss="mse")
    ref.optimizer.build(ref.trainable_variables)   # what fit does first (NumPy cannot fit)
    ours.train_on_batch(np.zeros((2, 8), "float32"), np.zeros((2, 1), "float32"))
    assert _text(ours) == _text(ref)


def test_box_table_is_rich_table():
    rich_table = pytest.importorskip("rich.table")
    import rich.console
    import rich.markup
    rnd = random.Random(0)
    words = ["dense", "batch_normalization", "(BatchNormalization)", "(None, 16)", "144",
             "a_very_long_layer_name_without_any_space", "x[0][0],", "0 (unbuilt)", "Y", "-",
             "   └ inner"]
    for _ in range(300):
        n, length = rnd.randint(2, 5), rnd.randint(30, 130)
        pos = sorted(rnd.random() for _ in range(n - 1)) + [rnd.choice([1.0, 0.8])]
        widths = [int(p * length) - int(q * length) for p, q in zip(pos, [0.0] + pos)]
        if min(widths) < 4:
            continue
        just = [rnd.choice(["left", "right", "center"]) for _ in range(n)]
        head = [" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 2))) for _ in range(n)]
        rows = [[" ".join(rnd.choice(words) for _ in range(rnd.randint(0, 3))) for _ in range(n)]
                for _ in range(rnd.randint(0, 3))]
        table = rich_table.Table(*[rich_table.Column(h, justify=j, width=w)
                                   for h, j, w in zip(head, just, widths)],
                                 width=length, show_lines=True)
        for r in rows:
            table.add_row(*[rich.markup.escape(c) for c in r])
        console = rich.console.Console(highlight=False, force_terminal=False,
                                       color_system=None, width=200)
        console.begin_capture()
        console.print(table)
        want = console.end_capture()
        assert "".join(ln + "\n" for ln in _text_table.render(head, rows, widths, just,
                                                               length)) == want
