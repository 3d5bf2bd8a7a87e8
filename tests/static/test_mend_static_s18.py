"""Session 18 static mends, each against TF 1.15's behaviour (names, values, errors).

RNN cells (TF1's ``LayerRNNCell`` is a ``tf.layers.Layer``): a cell made without a name takes
the class's snake-cased name made unique in the graph (``basic_lstm_cell``,
``basic_lstm_cell_1``); its variable scope is ``variable_scope(None, default_name=name)`` on
its first call, unique in the enclosing scope.  A second ``dynamic_rnn`` without a scope of its
own reopens ``rnn`` (a string scope), whose subscope counts were reset when the first one left
it, so its new cell meets 'Variable rnn/basic_lstm_cell/kernel already exists' in TF1 too (the
well-known error); a cell object used twice shares its variables.
"""

from __future__ import annotations

import pytest

import dlcore_static as tf


def _names():
    return [v.name for v in tf.global_variables()]


def test_cell_names_unique_per_graph():
    a, b = tf.nn.rnn_cell.BasicLSTMCell(5), tf.nn.rnn_cell.BasicLSTMCell(5)
    assert (a.name, b.name) == ("basic_lstm_cell", "basic_lstm_cell_1")
    assert tf.nn.rnn_cell.GRUCell(3).name == "gru_cell"
    assert tf.nn.rnn_cell.LSTMCell(3).name == "lstm_cell"
    assert tf.nn.rnn_cell.GRUCell(3, name="g").name == "g"
    assert tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(3)]).name == "multi_rnn_cell"
    with tf.Graph().as_default():             # a new graph restarts the count
        assert tf.nn.rnn_cell.BasicLSTMCell(5).name == "basic_lstm_cell"


@pytest.mark.parametrize("make, base, leaf", [
    (lambda: tf.nn.rnn_cell.BasicLSTMCell(5), "basic_lstm_cell", "kernel"),
    (lambda: tf.nn.rnn_cell.LSTMCell(5), "lstm_cell", "kernel"),
    (lambda: tf.nn.rnn_cell.GRUCell(5), "gru_cell", "gates/kernel"),
])
def test_second_dynamic_rnn_without_scope_is_tf1s_already_exists(make, base, leaf):
    x = tf.placeholder(tf.float32, [2, 3, 4])
    tf.nn.dynamic_rnn(make(), x, dtype=tf.float32)
    before = _names()
    with pytest.raises(ValueError, match=f"^Variable rnn/{base}/{leaf} already exists, "
                       r"disallowed\. Did you mean to set reuse=True or reuse=tf\.AUTO_REUSE "
                       r"in VarScope\?"):
        tf.nn.dynamic_rnn(make(), x, dtype=tf.float32)
    assert _names() == before


def test_cells_called_in_one_scope_get_unique_scopes():
    x = tf.placeholder(tf.float32, [2, 4])
    with tf.variable_scope("s"):
        c1, c2 = tf.nn.rnn_cell.GRUCell(5), tf.nn.rnn_cell.GRUCell(5)
        c1(x, c1.zero_state(2, tf.float32))
        c2(x, c2.zero_state(2, tf.float32))
    assert _names() == [f"s/{c}/{p}/{k}:0" for c in ("gru_cell", "gru_cell_1")
                        for p in ("gates", "candidate") for k in ("kernel", "bias")]
    a, b = tf.nn.rnn_cell.BasicLSTMCell(3), tf.nn.rnn_cell.BasicLSTMCell(3, name="a")
    a(x, a.zero_state(2, tf.float32))
    b(x, b.zero_state(2, tf.float32))
    b2 = tf.nn.rnn_cell.BasicLSTMCell(3, name="a")     # the same name: made unique, a_1
    b2(x, b2.zero_state(2, tf.float32))
    assert _names()[8:] == ["basic_lstm_cell/kernel:0", "basic_lstm_cell/bias:0",
                            "a/kernel:0", "a/bias:0", "a_1/kernel:0", "a_1/bias:0"]


def test_cell_reused_and_scoped_dynamic_rnns():
    x = tf.placeholder(tf.float32, [2, 3, 4])
    c = tf.nn.rnn_cell.BasicLSTMCell(5)
    o1, _ = tf.nn.dynamic_rnn(c, x, dtype=tf.float32)
    o2, _ = tf.nn.dynamic_rnn(c, x, dtype=tf.float32)      # one cell object: shared weights
    assert _names() == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"]
    assert o1.name.startswith("rnn/") and o2.name.startswith("rnn_1/")
    with tf.variable_scope("dec"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32)
    tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32, scope="enc2")
    with tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32)
    assert _names()[2:] == ["dec/rnn/basic_lstm_cell/kernel:0", "dec/rnn/basic_lstm_cell/bias:0",
                            "enc2/basic_lstm_cell/kernel:0", "enc2/basic_lstm_cell/bias:0"]
    m = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(2), tf.nn.rnn_cell.GRUCell(2)])
    # a scope given to the call is the cell's scope itself (TF1's _set_scope(scope))
    m(tf.placeholder(tf.float32, [2, 4]), m.zero_state(2, tf.float32), scope="stack")
    assert _names()[6:8] == ["stack/cell_0/gru_cell/gates/kernel:0",
                             "stack/cell_0/gru_cell/gates/bias:0"]
